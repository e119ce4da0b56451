package hubspot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// maxAssociationBatchInputs is HubSpot's limit on the inputs of a v4 association batch read.
const maxAssociationBatchInputs = 1000

// associate links two records; from is the type of id, to the type of toID. The caller holds s.mu.
func (s *Server) associate(from *objectType, id string, to *objectType, toID string, now time.Time) {
	l := linkBetween(from, id, to, toID)
	if _, ok := s.links[l]; !ok {
		s.links[l] = now
	}
}

// setPrimary labels the association of a deal and a company primary, taking the label from the deal's
// previous primary company, which stays associated unlabeled (a deal has one primary company). The
// caller holds s.mu.
func (s *Server) setPrimary(from *objectType, id string, to *objectType, toID string) {
	l := linkBetween(from, id, to, toID)
	s.primary[l.dealID] = l.id
}

// isPrimary reports whether the association between a record and a deal carries the primary label.
func (s *Server) isPrimary(l link) bool {
	return l.kind == companyType && s.primary[l.dealID] == l.id
}

// typesOf returns the association types between two records as v4 reports them: the unlabeled default,
// and the primary type (label "Primary") first when the association has it.
func (s *Server) typesOf(from *objectType, id string, to *objectType, toID string) []associationType {
	out := defaultTypes(from, to)
	if pt, ok := primaryTypeID(from, to); ok && s.isPrimary(linkBetween(from, id, to, toID)) {
		label := "Primary"
		out = append([]associationType{{Category: "HUBSPOT_DEFINED", TypeID: pt, Label: &label}}, out...)
	}
	return out
}

// associated returns the ids of the live records of type to associated with record id of type from, in
// id order. The caller holds s.mu.
func (s *Server) associated(from, to *objectType, id string) []string {
	var out []string
	for l := range s.links {
		var other string
		switch {
		case from == dealType && l.dealID == id && l.kind == to:
			other = l.id
		case to == dealType && l.kind == from && l.id == id:
			other = l.dealID
		default:
			continue
		}
		if o, ok := s.objects[to][other]; ok && !o.archived {
			out = append(out, other)
		}
	}
	sortIDs(out)
	return out
}

// associationType is one association type in a v4 answer.
type associationType struct {
	Category string  `json:"category"`
	TypeID   int     `json:"typeId"`
	Label    *string `json:"label"`
}

// associatedRecord is one associated record in a v4 answer; v4 gives its id as a number.
type associatedRecord struct {
	ToObjectID       json.Number       `json:"toObjectId"`
	AssociationTypes []associationType `json:"associationTypes"`
}

func defaultTypes(from, to *objectType) []associationType {
	id, _ := associationTypeID(from, to)
	return []associationType{{Category: "HUBSPOT_DEFINED", TypeID: id}}
}

// handleListAssociations is GET /crm/v4/objects/{from}/{id}/associations/{to}, paged by after/limit
// (at most 500 per page, HubSpot's default and maximum).
func (s *Server) handleListAssociations(from, to *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, after, e := offsetPage(q, 500, 500)
		if e != nil {
			writeAPIError(w, e)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		ids := s.associated(from, to, r.PathValue("id"))
		results := []associatedRecord{}
		end := min(after+limit, len(ids))
		for i := min(after, len(ids)); i < end; i++ {
			results = append(results, associatedRecord{ToObjectID: json.Number(ids[i]), AssociationTypes: s.typesOf(from, r.PathValue("id"), to, ids[i])})
		}
		body := map[string]any{"results": results}
		if end < len(ids) {
			body["paging"] = map[string]any{"next": map[string]string{
				"after": strconv.Itoa(end),
				"link":  fmt.Sprintf("%s?after=%d", r.URL.Path, end),
			}}
		}
		writeJSON(w, http.StatusOK, body)
	}
}

// handleAssociateDefault is PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}: it creates
// the unlabeled association, which HubSpot stores in both directions and reports as two results.
func (s *Server) handleAssociateDefault(from, to *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		started := s.now()
		id, toID := r.PathValue("id"), r.PathValue("toId")
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, ref := range []struct {
			t  *objectType
			id string
		}{{from, id}, {to, toID}} {
			if o, ok := s.objects[ref.t][ref.id]; !ok || o.archived {
				e := validationError("One or more associations are invalid: %s %s does not exist", ref.t.singular, ref.id)
				e.Context = map[string][]string{"invalidObjectIds": {ref.id}}
				writeAPIError(w, e)
				return
			}
		}
		s.associate(from, id, to, toID, started)
		fwd, _ := associationTypeID(from, to)
		back, _ := associationTypeID(to, from)
		spec := func(a, b string, typeID int) map[string]any {
			return map[string]any{
				"from":            map[string]string{"id": a},
				"to":              map[string]string{"id": b},
				"associationSpec": map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": typeID},
			}
		}
		s.finishBatch(w, http.StatusOK, started, []any{spec(id, toID, fwd), spec(toID, id, back)}, nil)
	}
}

// handleDisassociate is DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}; like other HubSpot
// deletes it answers 204 whether or not the association existed.
func (s *Server) handleDisassociate(from, to *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l := linkBetween(from, r.PathValue("id"), to, r.PathValue("toId"))
		s.mu.Lock()
		delete(s.links, l)
		if s.isPrimary(l) {
			delete(s.primary, l.dealID)
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleAssociationsBatchRead is POST /crm/v4/associations/{from}/{to}/batch/read. Inputs without
// associations are not in results: each gets a NO_ASSOCIATIONS_FOUND error and the answer is a
// 207 Multi-Status, as HubSpot does.
func (s *Server) handleAssociationsBatchRead(from, to *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		started := s.now()
		var in struct {
			Inputs []struct {
				ID flexID `json:"id"`
			} `json:"inputs"`
		}
		if e := decode(r, &in); e != nil {
			writeAPIError(w, e)
			return
		}
		if n := len(in.Inputs); n > maxAssociationBatchInputs {
			writeAPIError(w, validationError("Too many inputs: %d were provided and an association batch read accepts at most %d.", n, maxAssociationBatchInputs))
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		var results []any
		var errs []batchError
		for _, item := range in.Inputs {
			id := item.ID.String()
			ids := s.associated(from, to, id)
			if len(ids) == 0 {
				errs = append(errs, batchError{
					Status: "error", Category: "OBJECT_NOT_FOUND", SubCategory: "crm.associations.NO_ASSOCIATIONS_FOUND",
					Message: fmt.Sprintf("No %s is associated with %s %s.", to.singular, from.singular, id),
					Context: map[string][]string{"fromObjectId": {id}, "fromObjectType": {from.singular}, "toObjectType": {to.singular}},
				})
				continue
			}
			targets := make([]associatedRecord, len(ids))
			for i, t := range ids {
				targets[i] = associatedRecord{ToObjectID: json.Number(t), AssociationTypes: s.typesOf(from, id, to, t)}
			}
			results = append(results, map[string]any{"from": map[string]string{"id": id}, "to": targets})
		}
		s.finishBatch(w, http.StatusOK, started, results, errs)
	}
}

// handleAssociationLabels is GET /crm/v4/associations/{from}/{to}/labels: the association types from one
// object type to the other. The unlabeled HubSpot-defined defaults exist here (216 for task→deal, 215
// for deal→task, 214 and 213 for notes, 341 and 342 between deals and companies), and between deals and
// companies the primary type (5 deal→company, 6 company→deal).
func (s *Server) handleAssociationLabels(from, to *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		types := defaultTypes(from, to)
		if pt, ok := primaryTypeID(from, to); ok {
			label := "Primary"
			types = append([]associationType{{Category: "HUBSPOT_DEFINED", TypeID: pt, Label: &label}}, types...)
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": types})
	}
}

// handleAssociateLabeled is PUT /crm/v4/objects/{from}/{id}/associations/{to}/{toId} with a body listing
// association types ([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}]): it creates
// the association with those types (the unlabeled one always comes along, as in HubSpot) and answers
// the pair and its labels. A deal's primary company moves to the new one.
func (s *Server) handleAssociateLabeled(from, to *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		started := s.now()
		var types []struct {
			AssociationCategory string `json:"associationCategory"`
			AssociationTypeID   int    `json:"associationTypeId"`
		}
		if e := decode(r, &types); e != nil {
			writeAPIError(w, e)
			return
		}
		if len(types) == 0 {
			writeAPIError(w, validationError("Each association must have at least one type"))
			return
		}
		primary := false
		for _, ty := range types {
			target, isPrimary, ok := associationTarget(from, ty.AssociationTypeID)
			if ty.AssociationCategory != "HUBSPOT_DEFINED" || !ok || target != to {
				writeAPIError(w, validationError("association type id %d (%s) doesn't exist between %s and %s", ty.AssociationTypeID, ty.AssociationCategory, from.singular, to.singular))
				return
			}
			primary = primary || isPrimary
		}
		id, toID := r.PathValue("id"), r.PathValue("toId")
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, ref := range []struct {
			t  *objectType
			id string
		}{{from, id}, {to, toID}} {
			if o, ok := s.objects[ref.t][ref.id]; !ok || o.archived {
				e := validationError("One or more associations are invalid: %s %s does not exist", ref.t.singular, ref.id)
				e.Context = map[string][]string{"invalidObjectIds": {ref.id}}
				writeAPIError(w, e)
				return
			}
		}
		s.associate(from, id, to, toID, started)
		if primary {
			s.setPrimary(from, id, to, toID)
		}
		labels := []string{}
		for _, ty := range s.typesOf(from, id, to, toID) {
			if ty.Label != nil {
				labels = append(labels, *ty.Label)
			}
		}
		num := func(v string) json.Number { return json.Number(v) }
		writeJSON(w, http.StatusOK, map[string]any{
			"fromObjectTypeId": from.typeID, "fromObjectId": num(id),
			"toObjectTypeId": to.typeID, "toObjectId": num(toID), "labels": labels,
		})
	}
}
