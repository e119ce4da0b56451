package hubspot

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (p *portal) createNote(dealID, body string) string {
	p.t.Helper()
	in := map[string]any{"properties": map[string]any{"hs_note_body": body, "hs_timestamp": "2026-11-22T10:00:00Z"}}
	if dealID != "" {
		in["associations"] = []any{map[string]any{"to": map[string]any{"id": dealID},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}}}}
	}
	r := p.do("POST", "/crm/v3/objects/notes", in)
	require.Equal(p.t, http.StatusCreated, r.status, r.raw)
	return r.body["id"].(string)
}

func TestInlineAssociationAndV4Reads(t *testing.T) {
	p := newPortal(t)
	deal := p.createDeal(map[string]any{"dealname": "Acme"})
	var notes []string
	for i := range 3 {
		notes = append(notes, p.createNote(deal, fmt.Sprintf("note %d", i)))
	}
	orphan := p.createNote("", "loose")

	r := p.do("GET", "/crm/v4/objects/deals/"+deal+"/associations/notes?limit=2", nil)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	first := results(r)
	require.Len(t, first, 2)
	types := first[0]["associationTypes"].([]any)[0].(map[string]any)
	assert.Equal(t, "HUBSPOT_DEFINED", types["category"])
	assert.EqualValues(t, 213, types["typeId"])
	assert.Nil(t, types["label"])
	after := r.body["paging"].(map[string]any)["next"].(map[string]any)["after"].(string)
	r = p.do("GET", "/crm/v4/objects/deal/"+deal+"/associations/note?limit=2&after="+after, nil)
	require.Equal(t, http.StatusOK, r.status)
	var got []string
	for _, x := range append(first, results(r)...) {
		got = append(got, numStr(x["toObjectId"]))
	}
	assert.Equal(t, notes, got, "toObjectId is a number in v4; all notes come back across pages")

	b := p.do("POST", "/crm/v4/associations/notes/deals/batch/read", map[string]any{"inputs": []any{
		map[string]any{"id": notes[0]}, map[string]any{"id": orphan},
	}})
	require.Equal(t, http.StatusMultiStatus, b.status, b.raw)
	res := results(b)
	require.Len(t, res, 1)
	assert.Equal(t, notes[0], res[0]["from"].(map[string]any)["id"])
	to := res[0]["to"].([]any)[0].(map[string]any)
	assert.Equal(t, deal, numStr(to["toObjectId"]))
	assert.EqualValues(t, 214, to["associationTypes"].([]any)[0].(map[string]any)["typeId"])
	e := b.body["errors"].([]any)[0].(map[string]any)
	assert.Equal(t, "crm.associations.NO_ASSOCIATIONS_FOUND", e["subCategory"])
	assert.Equal(t, fmt.Sprintf("No deal is associated with note %s.", orphan), e["message"])
}

func TestPutDefaultAssociation(t *testing.T) {
	p := newPortal(t)
	deal := p.createDeal(map[string]any{"dealname": "Acme"})
	note := p.createNote("", "later")
	r := p.do("PUT", "/crm/v4/objects/notes/"+note+"/associations/default/deals/"+deal, nil)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "COMPLETE", r.body["status"])
	res := results(r)
	require.Len(t, res, 2, "HubSpot reports both directions")
	assert.EqualValues(t, 214, res[0]["associationSpec"].(map[string]any)["associationTypeId"])
	assert.EqualValues(t, 213, res[1]["associationSpec"].(map[string]any)["associationTypeId"])
	rec, _ := p.srv.Deal(deal)
	assert.Equal(t, []string{note}, rec.Associated)

	bad := p.do("PUT", "/crm/v4/objects/notes/"+note+"/associations/default/deals/999", nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
}

func TestInlineAssociationValidation(t *testing.T) {
	p := newPortal(t)
	deal := p.createDeal(map[string]any{"dealname": "Acme"})
	for name, assoc := range map[string]map[string]any{
		"missing deal": {"to": map[string]any{"id": "999"}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}}},
		"wrong type":   {"to": map[string]any{"id": deal}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}}},
	} {
		r := p.do("POST", "/crm/v3/objects/notes", map[string]any{
			"properties":   map[string]any{"hs_note_body": "x", "hs_timestamp": "2026-11-22T10:00:00Z"},
			"associations": []any{assoc},
		})
		assert.Equal(t, http.StatusBadRequest, r.status, name)
		assert.Equal(t, "VALIDATION_ERROR", r.body["category"], name)
	}
	assert.Empty(t, p.srv.Notes(), "a note with a bad association is not created")
}
