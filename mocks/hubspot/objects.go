package hubspot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// decode reads a JSON body keeping numbers exact, as HubSpot's parser does.
func decode(r *http.Request, v any) *apiError {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return invalidJSON(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return invalidJSON(err)
	}
	return nil
}

// requestedProperties reads the properties query parameter, given comma-separated or repeated.
func requestedProperties(q url.Values) []string {
	var out []string
	for _, v := range q["properties"] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// allSet lists the properties a write response shows: every property the record has plus the defaults.
func allSet(t *objectType, o *object) []string {
	names := append([]string{}, t.defaults...)
	for n := range o.props {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// lookup finds a live record by id, or by a unique property when idProperty is given, as the
// /{objectId}?idProperty= reads and writes do. The caller holds s.mu.
func (s *Server) lookup(t *objectType, id, idProperty string, archived bool) (*object, *apiError) {
	var o *object
	if idProperty == "" || idProperty == "hs_object_id" {
		o = s.objects[t][id]
		if into, merged := s.mergedInto[t][id]; merged && o == nil {
			o = s.objects[t][into] // a merged-away id answers as the record it was merged into
		}
	} else {
		p, ok := s.props[t].get(idProperty)
		if !ok {
			return nil, validationError("Property %s does not exist on object type %s and cannot be used as idProperty", idProperty, t.typeID)
		}
		if !p.HasUniqueValue {
			return nil, validationError("Property %s is not a unique property and cannot be used as idProperty", idProperty)
		}
		o = s.findByProperty(t, idProperty, id)
	}
	if o == nil || o.archived != archived {
		return nil, notFound()
	}
	return o, nil
}

func (s *Server) handleGet(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		s.mu.Lock()
		defer s.mu.Unlock()
		o, e := s.lookup(t, r.PathValue("id"), q.Get("idProperty"), q.Get("archived") == "true")
		if e != nil {
			writeAPIError(w, e)
			return
		}
		writeJSON(w, http.StatusOK, s.withAssociations(t, o, q, s.render(t, o, requestedProperties(q))))
	}
}

// v3Associations are the entries a v3 read lists for one associated record. Between a deal and a
// company HubSpot lists one per association type, under its v3 name: the primary company twice, as
// deal_to_company (the primary label, type 5) and deal_to_company_unlabeled (341), any other company
// once, unlabeled (and the same from the company's side). Other pairs have one type, named
// <from>_to_<to>.
func (s *Server) v3Associations(from, to *objectType, fromID, toID string) []associationRef {
	name := from.singular + "_to_" + to.singular
	var dealID, companyID string
	switch {
	case from == dealType && to == companyType:
		dealID, companyID = fromID, toID
	case from == companyType && to == dealType:
		dealID, companyID = toID, fromID
	default:
		return []associationRef{{ID: toID, Type: name}}
	}
	unlabeled := associationRef{ID: toID, Type: name + "_unlabeled"}
	if s.primary[dealID] == companyID {
		return []associationRef{{ID: toID, Type: name}, unlabeled}
	}
	return []associationRef{unlabeled}
}

// withAssociations adds the associations a read asked for with associations=, in the v3 shape.
func (s *Server) withAssociations(t *objectType, o *object, q url.Values, out objectJSON) objectJSON {
	for _, v := range q["associations"] {
		for _, name := range strings.Split(v, ",") {
			to := lookupType(strings.TrimSpace(name))
			if to == nil || to == t {
				continue
			}
			list := associationList{Results: []associationRef{}}
			for _, id := range s.associated(t, to, o.id) {
				list.Results = append(list.Results, s.v3Associations(t, to, o.id, id)...)
			}
			if len(list.Results) == 0 {
				continue // HubSpot leaves out empty association lists
			}
			if out.Associations == nil {
				out.Associations = map[string]associationList{}
			}
			out.Associations[strings.TrimSpace(name)] = list
		}
	}
	return out
}

func (s *Server) handleList(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, e := pageLimit(q, 10, 100)
		if e != nil {
			writeAPIError(w, e)
			return
		}
		archived := q.Get("archived") == "true"
		after := q.Get("after")
		s.mu.Lock()
		defer s.mu.Unlock()
		var ids []string
		for id, o := range s.objects[t] {
			if o.archived == archived && (after == "" || compareIDs(id, after) >= 0) {
				ids = append(ids, id)
			}
		}
		sortIDs(ids)
		results := []objectJSON{}
		for _, id := range ids[:min(limit, len(ids))] {
			o := s.objects[t][id]
			results = append(results, s.withAssociations(t, o, q, s.render(t, o, requestedProperties(q))))
		}
		body := map[string]any{"results": results}
		if len(ids) > limit {
			next := ids[limit]
			body["paging"] = map[string]any{"next": map[string]string{
				"after": next,
				"link":  fmt.Sprintf("%s?after=%s", r.URL.Path, next),
			}}
		}
		writeJSON(w, http.StatusOK, body)
	}
}

// createInput is the body of a single create: properties and inline associations.
type createInput struct {
	Properties   map[string]any     `json:"properties"`
	Associations []associationInput `json:"associations"`
}

// associationInput is one inline association of a create: the target record and the association types.
type associationInput struct {
	To struct {
		ID flexID `json:"id"`
	} `json:"to"`
	Types []struct {
		AssociationCategory string `json:"associationCategory"`
		AssociationTypeID   int    `json:"associationTypeId"`
	} `json:"types"`
}

func (s *Server) handleCreate(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in createInput
		if e := decode(r, &in); e != nil {
			writeAPIError(w, e)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		o, e := s.create(t, in)
		if e != nil {
			writeAPIError(w, e)
			return
		}
		writeJSON(w, http.StatusCreated, s.render(t, o, allSet(t, o)))
	}
}

// create validates and stores a new record with its inline associations, all or nothing. The caller
// holds s.mu.
func (s *Server) create(t *objectType, in createInput) (*object, *apiError) {
	wr, e := s.checkWrite(t, in.Properties, nil)
	if e != nil {
		return nil, e
	}
	if t.engagement {
		if ts, ok := wr["hs_timestamp"]; !ok || ts == nil {
			return nil, invalidProperties(s.opts.PortalID, []propertyProblem{{
				Message: "hs_timestamp is required when creating a " + t.singular, Error: "REQUIRED_PROPERTY", Name: "hs_timestamp",
			}})
		}
	}
	if e := s.checkUnique(t, wr, ""); e != nil {
		return nil, e
	}
	targets, e := s.checkAssociations(t, in.Associations)
	if e != nil {
		return nil, e
	}
	now := s.now()
	o := &object{id: s.newID(), props: map[string]string{}, createdAt: now}
	s.apply(t, o, wr, now)
	s.objects[t][o.id] = o
	for _, target := range targets {
		s.associate(t, o.id, target.t, target.id, now)
		if target.primary {
			s.setPrimary(t, o.id, target.t, target.id)
		}
	}
	return o, nil
}

// associationRecord is the record an inline association points at.
type associationRecord struct {
	t       *objectType
	id      string
	primary bool // the primary company of a deal (type 5 or 6)
}

// checkAssociations validates inline associations and returns their targets. Only the HubSpot-defined
// engagement–deal types (note 214/213, task 216/215) exist in this fake.
func (s *Server) checkAssociations(t *objectType, in []associationInput) ([]associationRecord, *apiError) {
	var targets []associationRecord
	for _, a := range in {
		if len(a.Types) == 0 {
			return nil, validationError("Each association must have at least one type")
		}
		var to *objectType
		primary := false
		for _, ty := range a.Types {
			target, isPrimary, ok := associationTarget(t, ty.AssociationTypeID)
			if ty.AssociationCategory != "HUBSPOT_DEFINED" || !ok || (to != nil && target != to) {
				return nil, validationError("association type id %d (%s) doesn't exist for %s", ty.AssociationTypeID, ty.AssociationCategory, t.singular)
			}
			to, primary = target, primary || isPrimary
		}
		id := a.To.ID.String()
		if target, ok := s.objects[to][id]; !ok || target.archived {
			e := validationError("One or more associations are invalid: %s %s does not exist", to.singular, id)
			e.Context = map[string][]string{"invalidObjectIds": {id}}
			return nil, e
		}
		targets = append(targets, associationRecord{t: to, id: id, primary: primary})
	}
	return targets, nil
}

func (s *Server) handleUpdate(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in createInput
		if e := decode(r, &in); e != nil {
			writeAPIError(w, e)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		o, e := s.lookup(t, r.PathValue("id"), r.URL.Query().Get("idProperty"), false)
		if e != nil {
			writeAPIError(w, e)
			return
		}
		if e := s.update(t, o, in.Properties); e != nil {
			writeAPIError(w, e)
			return
		}
		writeJSON(w, http.StatusOK, s.render(t, o, allSet(t, o)))
	}
}

// update validates and applies a property change to a live record. The caller holds s.mu.
func (s *Server) update(t *objectType, o *object, props map[string]any) *apiError {
	wr, e := s.checkWrite(t, props, o)
	if e != nil {
		return e
	}
	if e := s.checkUnique(t, wr, o.id); e != nil {
		return e
	}
	s.apply(t, o, wr, s.now())
	return nil
}

// handleArchive moves a record to the recycle bin. Like HubSpot it answers 204 whether or not the record
// existed, so a retried delete is harmless.
func (s *Server) handleArchive(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.archive(t, r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) archive(t *objectType, id string) {
	if o, ok := s.objects[t][id]; ok && !o.archived {
		now := s.now()
		o.archived, o.archivedAt, o.updatedAt = true, now, now
		s.reindex(t, id, o)
		switch t {
		case dealType:
			s.event("deal.deletion", t, id, now, nil)
		case noteType:
			s.event("object.deletion", t, id, now, nil)
		}
	}
}

// flexID is a record id or unique-property value in a request body, which clients send as a JSON string
// or, for numeric ids, as a number.
type flexID string

// UnmarshalJSON accepts a string or a number.
func (f *flexID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id must be a string or a number: %s", b)
	}
	*f = flexID(n.String())
	return nil
}

// String returns the id as sent.
func (f flexID) String() string { return string(f) }
