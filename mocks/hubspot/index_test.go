package hubspot

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lagged(o *Options) { o.SearchIndexLag = 0 } // the default lag, as every portal has

func searchIDs(p *portal, objectType string, body map[string]any) []string {
	p.t.Helper()
	r := p.do("POST", "/crm/v3/objects/"+objectType+"/search", body)
	require.Equal(p.t, http.StatusOK, r.status, r.raw)
	return ids(results(r))
}

func TestSearchSeesWritesOnlyAfterTheIndexLag(t *testing.T) {
	p := newPortal(t, lagged)
	require.Equal(t, DefaultSearchIndexLag, p.srv.SearchIndexLag())
	byName := map[string]any{"filterGroups": []any{map[string]any{"filters": []any{filter("dealname", "EQ", "Acme")}}}}

	id := p.createDeal(map[string]any{"dealname": "Acme"})
	assert.Empty(t, searchIDs(p, "deals", byName), "a new deal is not in the index yet")
	r := p.do("GET", "/crm/v3/objects/deals/"+id, nil)
	assert.Equal(t, http.StatusOK, r.status, "a read by id sees it at once")
	r = p.do("POST", "/crm/v3/objects/deals/batch/read", map[string]any{"inputs": []any{map[string]any{"id": id}}})
	assert.Len(t, results(r), 1, "so does a batch read")

	p.clk.Advance(DefaultSearchIndexLag - time.Millisecond)
	assert.Empty(t, searchIDs(p, "deals", byName))
	p.clk.Advance(time.Millisecond)
	assert.Equal(t, []string{id}, searchIDs(p, "deals", byName), "indexed once the lag has passed")

	// An update shows in search late too: until then search finds the old values.
	r = p.do("PATCH", "/crm/v3/objects/deals/"+id, map[string]any{"properties": map[string]any{"dealname": "Acme 2"}})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, []string{id}, searchIDs(p, "deals", byName), "the index still holds the old name")
	p.clk.Advance(DefaultSearchIndexLag)
	assert.Empty(t, searchIDs(p, "deals", byName))

	// So does an archive.
	renamed := map[string]any{"filterGroups": []any{map[string]any{"filters": []any{filter("dealname", "EQ", "Acme 2")}}}}
	require.Equal(t, http.StatusNoContent, p.do("DELETE", "/crm/v3/objects/deals/"+id, nil).status)
	assert.Equal(t, []string{id}, searchIDs(p, "deals", renamed))
	p.clk.Advance(DefaultSearchIndexLag)
	assert.Empty(t, searchIDs(p, "deals", renamed))
}

func TestSearchIndexLagAppliesToNotes(t *testing.T) {
	p := newPortal(t, lagged)
	r := p.do("POST", "/crm/v3/objects/notes", map[string]any{"properties": map[string]any{"hs_note_body": "hello", "hs_timestamp": "2026-11-22T10:00:00Z"}})
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.Empty(t, searchIDs(p, "notes", map[string]any{}))
	p.clk.Advance(DefaultSearchIndexLag)
	assert.Equal(t, []string{r.body["id"].(string)}, searchIDs(p, "notes", map[string]any{}))
}

func TestSearchIndexLagIsAKnob(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.SearchIndexLag = 10 * time.Second })
	id := p.createDeal(map[string]any{"dealname": "Acme"})
	p.clk.Advance(5 * time.Second)
	assert.Empty(t, searchIDs(p, "deals", map[string]any{}))

	r := p.do("POST", "/__admin/search-index", map[string]any{"flush": true, "ms": 0})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, []string{id}, searchIDs(p, "deals", map[string]any{}), "flush makes queued writes searchable")
	second := p.createDeal(map[string]any{"dealname": "Globex"})
	assert.Equal(t, []string{id, second}, searchIDs(p, "deals", map[string]any{}), "lag 0 indexes at once")
	assert.EqualValues(t, 0, p.do("GET", "/__admin/search-index", nil).body["ms"])
}

func TestSeededRecordsAreSearchableAtOnce(t *testing.T) {
	p := newPortal(t, lagged)
	require.NoError(t, p.srv.Seed(SeedData{Deals: []SeedRecord{{ID: "555", Properties: map[string]any{"dealname": "Seeded"}}}}))
	assert.Equal(t, []string{"555"}, searchIDs(p, "deals", map[string]any{}), "seeds predate the test")
}

func TestRolledBackBatchNeverReachesSearch(t *testing.T) {
	p := newPortal(t, lagged)
	r := p.do("POST", "/crm/v3/objects/deals/batch/create", map[string]any{"inputs": []any{
		map[string]any{"properties": map[string]any{"dealname": "ok"}},
		map[string]any{"properties": map[string]any{"dealstage": "no-such-stage"}},
	}})
	require.Equal(t, http.StatusBadRequest, r.status, r.raw)
	p.clk.Advance(DefaultSearchIndexLag)
	assert.Empty(t, searchIDs(p, "deals", map[string]any{}))
}
