package hubspot

import (
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
)

// mergeInput is the body of POST /crm/v3/objects/{objectType}/merge.
type mergeInput struct {
	PrimaryObjectID flexID `json:"primaryObjectId"`
	ObjectIDToMerge flexID `json:"objectIdToMerge"`
}

// handleMerge merges two records of one type. As HubSpot does for deals, the merge makes a new record
// with a new id (unless Options.MergeKeepsPrimaryID): the primary's values win, the merged record's fill
// what the primary lacks, hs_merged_object_ids lists both old ids, and the associations of both move to
// it. Both old ids then answer reads and writes as the new record (its own id in the body), and leave
// list and search.
func (s *Server) handleMerge(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in mergeInput
		if e := decode(r, &in); e != nil {
			writeAPIError(w, e)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		o, e := s.merge(t, in.PrimaryObjectID.String(), in.ObjectIDToMerge.String())
		if e != nil {
			writeAPIError(w, e)
			return
		}
		writeJSON(w, http.StatusOK, s.render(t, o, allSet(t, o)))
	}
}

// Merge merges the record otherID into primaryID as POST .../merge does and returns the surviving id.
func (s *Server) Merge(objectType, primaryID, otherID string) (string, error) {
	t := lookupType(objectType)
	if t == nil {
		return "", fmt.Errorf("unknown object type %q", objectType)
	}
	defer s.sendHooks()
	s.mu.Lock()
	defer s.mu.Unlock()
	o, e := s.merge(t, primaryID, otherID)
	if e != nil {
		return "", fmt.Errorf("merge %s %s into %s: %s", t.singular, otherID, primaryID, e.Message)
	}
	return o.id, nil
}

// Archive moves a record to the recycle bin as DELETE /crm/v3/objects/{objectType}/{id} does.
func (s *Server) Archive(objectType, id string) error {
	t := lookupType(objectType)
	if t == nil {
		return fmt.Errorf("unknown object type %q", objectType)
	}
	defer s.sendHooks()
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.objects[t][id]; !ok || o.archived {
		return fmt.Errorf("%s %s is not a live record", t.singular, id)
	}
	s.archive(t, id)
	return nil
}

// merge does a merge. The caller holds s.mu.
func (s *Server) merge(t *objectType, primaryID, otherID string) (*object, *apiError) {
	if primaryID == "" || otherID == "" {
		return nil, validationError("primaryObjectId and objectIdToMerge are required")
	}
	if primaryID == otherID {
		return nil, validationError("Cannot merge %s %s with itself", t.singular, primaryID)
	}
	primary, other := s.objects[t][primaryID], s.objects[t][otherID]
	for id, o := range map[string]*object{primaryID: primary, otherID: other} {
		if o == nil || o.archived {
			return nil, newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "%s %s does not exist or was merged or archived", t.upper, id)
		}
	}
	now := s.now()
	merged := &object{id: primaryID, props: maps.Clone(other.props), createdAt: primary.createdAt, updatedAt: now}
	maps.Copy(merged.props, primary.props)
	if other.createdAt.Before(merged.createdAt) {
		merged.createdAt = other.createdAt
	}
	ids := []string{primaryID, otherID}
	for _, prev := range []*object{primary, other} {
		if v := prev.props["hs_merged_object_ids"]; v != "" {
			ids = append(ids, strings.Split(v, ";")...)
		}
	}
	sortIDs(ids)
	merged.props["hs_merged_object_ids"] = strings.Join(ids, ";")
	if !s.opts.MergeKeepsPrimaryID {
		merged.id = s.newID()
	}
	delete(s.objects[t], primaryID)
	delete(s.objects[t], otherID)
	s.objects[t][merged.id] = merged
	for _, old := range []string{primaryID, otherID} {
		if old != merged.id {
			s.mergedInto[t][old] = merged.id
			s.reindex(t, old, nil)
		}
	}
	for from, to := range s.mergedInto[t] {
		if to == primaryID || to == otherID {
			s.mergedInto[t][from] = merged.id
		}
	}
	switch t {
	case dealType:
		// The merged deal keeps the primary deal's primary company, else the other's.
		company, ok := s.primary[primaryID]
		if !ok {
			company, ok = s.primary[otherID]
		}
		delete(s.primary, primaryID)
		delete(s.primary, otherID)
		if ok {
			s.primary[merged.id] = company
		}
	case companyType:
		for deal, company := range s.primary {
			if company == primaryID || company == otherID {
				s.primary[deal] = merged.id
			}
		}
	}
	for l, at := range s.links {
		switch {
		case t == dealType && (l.dealID == primaryID || l.dealID == otherID):
			delete(s.links, l)
			l.dealID = merged.id
		case l.kind == t && (l.id == primaryID || l.id == otherID):
			delete(s.links, l)
			l.id = merged.id
		default:
			continue
		}
		if _, ok := s.links[l]; !ok {
			s.links[l] = at
		}
	}
	s.reindex(t, merged.id, merged)
	if t == dealType {
		s.event("deal.merge", t, primaryID, now, func(e *webhookEvent) {
			e.PrimaryObjectID = e.ObjectID
			if n, err := strconv.ParseInt(otherID, 10, 64); err == nil {
				e.MergedObjectIDs = []int64{n}
			}
			e.NewObjectID, _ = strconv.ParseInt(merged.id, 10, 64)
		})
	}
	return merged, nil
}
