package hubspot

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArchivedDealAnswersNotFound(t *testing.T) {
	p := newPortal(t)
	id := p.createDeal(map[string]any{"dealname": "Acme"})
	require.Equal(t, http.StatusNoContent, p.do("DELETE", "/crm/v3/objects/deals/"+id, nil).status)
	assert.Equal(t, http.StatusNotFound, p.do("GET", "/crm/v3/objects/deals/"+id, nil).status)
	assert.Equal(t, http.StatusOK, p.do("GET", "/crm/v3/objects/deals/"+id+"?archived=true", nil).status)
	assert.Equal(t, http.StatusNoContent, p.do("DELETE", "/crm/v3/objects/deals/"+id, nil).status, "a repeated delete is harmless")

	other := p.createDeal(map[string]any{"dealname": "Globex"})
	require.NoError(t, p.srv.Archive("deals", other))
	assert.Equal(t, http.StatusNotFound, p.do("GET", "/crm/v3/objects/deals/"+other, nil).status)
	assert.Error(t, p.srv.Archive("deals", other), "archiving twice through the helper is a test bug")
}

func TestMergeMakesANewDealTheOldIDsAnswerAs(t *testing.T) {
	p := newPortal(t)
	a := p.createDeal(map[string]any{"dealname": "Acme", "cosell_id": "CS-1"})
	b := p.createDeal(map[string]any{"dealname": "Acme (dup)", "amount": "500"})
	r := p.do("POST", "/crm/v3/objects/notes", map[string]any{
		"properties":   map[string]any{"hs_note_body": "on b", "hs_timestamp": "2026-11-22T10:00:00Z"},
		"associations": []any{map[string]any{"to": map[string]any{"id": b}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}}}},
	})
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	note := r.body["id"].(string)

	r = p.do("POST", "/crm/v3/objects/deals/merge", map[string]any{"primaryObjectId": a, "objectIdToMerge": b})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	merged := r.body["id"].(string)
	assert.NotEqual(t, a, merged, "a deal merge makes a new record")
	assert.NotEqual(t, b, merged)
	assert.Equal(t, "Acme", props(r.body)["dealname"], "the primary's values win")
	assert.Equal(t, "500", props(r.body)["amount"], "the merged deal fills what the primary lacks")
	assert.Equal(t, "CS-1", props(r.body)["cosell_id"])

	for _, old := range []string{a, b} {
		g := p.do("GET", "/crm/v3/objects/deals/"+old+"?properties=dealname,hs_merged_object_ids", nil)
		require.Equal(t, http.StatusOK, g.status, g.raw)
		assert.Equal(t, merged, g.body["id"], "an old id answers as the merged deal")
		assert.Equal(t, a+";"+b, props(g.body)["hs_merged_object_ids"])
	}
	g := p.do("GET", "/crm/v3/objects/deals/CS-1?idProperty=cosell_id", nil)
	assert.Equal(t, merged, g.body["id"], "the unique key finds the merged deal")
	assert.Equal(t, []string{merged}, ids(results(p.do("GET", "/crm/v3/objects/deals", nil))), "the old ids leave the list")
	assert.Equal(t, []string{merged}, searchIDs(p, "deals", map[string]any{}), "and search")

	a4 := p.do("GET", "/crm/v4/objects/notes/"+note+"/associations/deals", nil)
	require.Equal(t, http.StatusOK, a4.status, a4.raw)
	assert.Equal(t, merged, strconv.FormatFloat(results(a4)[0]["toObjectId"].(float64), 'f', -1, 64), "associations move to the merged deal")

	r = p.do("POST", "/crm/v3/objects/deals/merge", map[string]any{"primaryObjectId": a, "objectIdToMerge": merged})
	assert.Equal(t, http.StatusNotFound, r.status, "a merged-away id cannot be merged again")
	r = p.do("POST", "/crm/v3/objects/deals/merge", map[string]any{"primaryObjectId": merged, "objectIdToMerge": merged})
	assert.Equal(t, http.StatusBadRequest, r.status)
}

func TestMergeCanKeepThePrimaryID(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.MergeKeepsPrimaryID = true })
	a := p.createDeal(map[string]any{"dealname": "Acme"})
	b := p.createDeal(map[string]any{"dealname": "Acme (dup)"})
	got, err := p.srv.Merge("deals", a, b)
	require.NoError(t, err)
	assert.Equal(t, a, got)
	assert.Equal(t, a, p.do("GET", "/crm/v3/objects/deals/"+b, nil).body["id"])
}
