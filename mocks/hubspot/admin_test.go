package hubspot

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

func TestOwnersBothPathsFilterAndPaging(t *testing.T) {
	p := newPortal(t)
	for _, path := range []string{"/crm/v3/owners", "/crm/v3/owners/"} {
		r := p.do("GET", path, nil)
		require.Equal(t, http.StatusOK, r.status, path)
		res := results(r)
		require.Len(t, res, 2, "archived owners are listed only with archived=true")
		assert.Equal(t, "101", res[0]["id"])
		assert.Equal(t, "ann@vendor.example", res[0]["email"])
		assert.Equal(t, "Ann", res[0]["firstName"])
		assert.EqualValues(t, 9001, res[0]["userId"])
		assert.Equal(t, false, res[0]["archived"])
		assert.NotEmpty(t, res[0]["createdAt"])
	}
	r := p.do("GET", "/crm/v3/owners/?email=BO@vendor.example", nil)
	assert.Equal(t, []string{"102"}, ids(results(r)))
	r = p.do("GET", "/crm/v3/owners?archived=true", nil)
	assert.Equal(t, []string{"103"}, ids(results(r)))
	r = p.do("GET", "/crm/v3/owners?limit=1", nil)
	assert.Equal(t, []string{"101"}, ids(results(r)))
	after := r.body["paging"].(map[string]any)["next"].(map[string]any)["after"].(string)
	r = p.do("GET", "/crm/v3/owners?limit=1&after="+after, nil)
	assert.Equal(t, []string{"102"}, ids(results(r)))
	assert.NotContains(t, r.body, "paging")
}

func TestPropertiesAndPipelines(t *testing.T) {
	p := newPortal(t)
	r := p.do("GET", "/crm/v3/properties/deals/dealstage", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "enumeration", r.body["type"])
	assert.Len(t, r.body["options"], 7)
	r = p.do("GET", "/crm/v3/properties/deals/cosell_id", nil)
	assert.Equal(t, true, r.body["hasUniqueValue"])
	r = p.do("GET", "/crm/v3/properties/deals/hubspot_owner_id", nil)
	assert.Len(t, r.body["options"], 2, "owner options list the active owners")

	def := map[string]any{"name": "partner_region", "label": "Partner region", "type": "enumeration", "fieldType": "select", "groupName": "cosell",
		"options": []any{map[string]any{"label": "EMEA", "value": "emea"}}}
	r = p.do("POST", "/crm/v3/properties/notes", def)
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.Equal(t, "partner_region", r.body["name"])
	r = p.do("POST", "/crm/v3/properties/notes", def)
	require.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "OBJECT_ALREADY_EXISTS", r.body["category"])
	r = p.do("POST", "/crm/v3/properties/deals", map[string]any{"name": "x"})
	assert.Equal(t, http.StatusBadRequest, r.status)

	list := p.do("GET", "/crm/v3/properties/notes", nil)
	var names []string
	for _, x := range results(list) {
		names = append(names, x["name"].(string))
	}
	assert.Contains(t, names, "cosell_note_key")
	assert.Contains(t, names, "partner_region")
	assert.Equal(t, http.StatusNotFound, p.do("GET", "/crm/v3/properties/deals/nope", nil).status)

	pl := p.do("GET", "/crm/v3/pipelines/deals", nil)
	require.Equal(t, http.StatusOK, pl.status)
	stages := results(pl)[0]["stages"].([]any)
	assert.Len(t, stages, 7)
	assert.Equal(t, "appointmentscheduled", stages[0].(map[string]any)["id"])
}

func TestAdminCountersNamesAndWrites(t *testing.T) {
	p := newPortal(t)
	id := p.createDeal(map[string]any{"dealname": "a"})
	p.do("GET", "/crm/v3/objects/deals/"+id, nil)
	p.do("POST", "/crm/v3/objects/deals/search", map[string]any{})
	p.do("GET", "/crm/v3/owners/", nil)
	p.do("GET", "/crm/v4/objects/note/1/associations/0-3", nil)
	c := p.srv.Admin().Snapshot()
	assert.Equal(t, mockkit.CallCount{Count: 1, Write: true}, c.Endpoints["POST deals"])
	assert.Equal(t, mockkit.CallCount{Count: 1}, c.Endpoints["GET deals/{id}"])
	assert.Equal(t, mockkit.CallCount{Count: 1}, c.Endpoints["POST deals/search"], "a search POST is a read")
	assert.Equal(t, 1, c.Endpoints["GET owners"].Count)
	assert.Equal(t, 1, c.Endpoints["GET v4 notes/{id}/associations/deals"].Count, "every spelling counts under the plural names")
	assert.Equal(t, 1, c.Writes)

	resp, err := http.Get(p.ts.URL + "/__admin/calls")
	require.NoError(t, err)
	defer resp.Body.Close()
	var served mockkit.Calls
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&served))
	assert.Equal(t, c.Total, served.Total)
}

func TestFaultsAnswerInHubSpotsShape(t *testing.T) {
	p := newPortal(t)
	p.srv.Admin().AddFault(mockkit.Fault{Endpoint: "GET deals", Status: 429, Count: 1})
	p.srv.Admin().AddFault(mockkit.Fault{Endpoint: "POST deals/search", Status: 502, Count: 1})
	r := p.do("GET", "/crm/v3/objects/deals", nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "TEN_SECONDLY_ROLLING", r.body["policyName"])
	assert.Equal(t, "0", r.header.Get("X-HubSpot-RateLimit-Remaining"))
	assert.Equal(t, http.StatusOK, p.do("GET", "/crm/v3/objects/deals", nil).status, "the fault lifts after Count hits")
	r = p.do("POST", "/crm/v3/objects/deals/search", map[string]any{})
	assert.Equal(t, http.StatusBadGateway, r.status)
	assert.Equal(t, "error", r.body["status"])
}

func TestSeedJSONResetAndPage(t *testing.T) {
	p := newPortal(t)
	seed := `{
	  "deals": [{"id": "20000000001", "properties": {"dealname": "Seeded <Acme>", "cosell_id": "CS-7", "cosell_enabled": "true",
	             "dealstage": "contractsent", "amount": "5000", "closedate": "2026-12-31", "hubspot_owner_id": "101"},
	             "updatedAt": "2026-11-20T08:00:00.250Z"}],
	  "notes": [{"properties": {"hs_note_body": "<p>Partner &amp; us</p>", "hs_timestamp": "2026-11-20T08:00:00Z", "cosell_note_key": "k1"},
	             "deals": ["20000000001"]}]
	}`
	resp, err := http.Post(p.ts.URL+"/__admin/seed", "application/json", strings.NewReader(seed))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	d, ok := p.srv.Deal("20000000001")
	require.True(t, ok)
	assert.Equal(t, "2026-11-20T08:00:00.250Z", d.Properties["hs_lastmodifieddate"])
	require.Len(t, d.Associated, 1)
	assert.Greater(t, compareIDs(p.createDeal(map[string]any{"dealname": "next"}), "20000000001"), 0, "new ids continue past seeded ones")

	page, err := http.Get(p.ts.URL + "/")
	require.NoError(t, err)
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	assert.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, string(html), "Seeded &lt;Acme&gt;", "values are escaped")
	assert.Contains(t, string(html), "Contract Sent")
	assert.Contains(t, string(html), "Partner &amp; us")
	assert.Contains(t, string(html), "Ann Lee")
	assert.Contains(t, string(html), `http-equiv="refresh"`)

	bad, err := http.Post(p.ts.URL+"/__admin/seed", "application/json", strings.NewReader(`{"deals":[{"properties":{"dealstage":"nope"}}]}`))
	require.NoError(t, err)
	bad.Body.Close()
	assert.Equal(t, http.StatusBadRequest, bad.StatusCode, "seeds are validated like API writes")

	reset, err := http.Post(p.ts.URL+"/__admin/reset", "application/json", nil)
	require.NoError(t, err)
	reset.Body.Close()
	assert.Empty(t, p.srv.Deals())
	assert.Empty(t, p.srv.Owners())
	assert.Zero(t, p.srv.Admin().Snapshot().Total)
}
