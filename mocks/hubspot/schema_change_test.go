package hubspot

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArchivePropertyEndpoint(t *testing.T) {
	p := newPortal(t)
	r := p.do(http.MethodDelete, "/crm/v3/properties/deals/cosell_lead", nil)
	require.Equal(t, http.StatusNoContent, r.status, r.raw)
	assert.Equal(t, http.StatusNotFound, p.do(http.MethodGet, "/crm/v3/properties/deals/cosell_lead", nil).status)
	for _, prop := range results(p.do(http.MethodGet, "/crm/v3/properties/deals", nil)) {
		assert.NotEqual(t, "cosell_lead", prop["name"])
	}
	bad := p.do(http.MethodPost, "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "x", "cosell_lead": "a"}})
	assert.Equal(t, http.StatusBadRequest, bad.status, "an archived property cannot be written")

	assert.Equal(t, http.StatusBadRequest, p.do(http.MethodDelete, "/crm/v3/properties/deals/dealname", nil).status, "HubSpot's own properties stay")
	assert.Equal(t, http.StatusNotFound, p.do(http.MethodDelete, "/crm/v3/properties/deals/nope", nil).status)
}

func TestChangePropertyReadOnly(t *testing.T) {
	p := newPortal(t)
	require.NoError(t, p.srv.ChangeProperty("deals", "cosell_model", func(pr *Property) { pr.ModificationMetadata.ReadOnlyValue = true }))
	got := p.do(http.MethodGet, "/crm/v3/properties/deals/cosell_model", nil)
	assert.Equal(t, true, got.body["modificationMetadata"].(map[string]any)["readOnlyValue"])
	bad := p.do(http.MethodPost, "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "x", "cosell_model": "partner_led"}})
	assert.Equal(t, http.StatusBadRequest, bad.status, bad.raw)
	assert.Error(t, p.srv.ChangeProperty("deals", "nope", func(*Property) {}))
	assert.Error(t, p.srv.ChangeProperty("widgets", "dealname", func(*Property) {}))
}

func TestArchiveStageEndpoint(t *testing.T) {
	p := newPortal(t)
	r := p.do(http.MethodDelete, "/crm/v3/pipelines/deals/default/stages/contractsent", nil)
	require.Equal(t, http.StatusNoContent, r.status, r.raw)
	var ids []string
	for _, st := range p.do(http.MethodGet, "/crm/v3/pipelines/deals/default", nil).body["stages"].([]any) {
		ids = append(ids, st.(map[string]any)["id"].(string))
	}
	assert.NotContains(t, ids, "contractsent")
	assert.Len(t, ids, 6)
	stage := p.do(http.MethodGet, "/crm/v3/properties/deals/dealstage", nil)
	for _, o := range stage.body["options"].([]any) {
		assert.NotEqual(t, "contractsent", o.(map[string]any)["value"])
	}
	bad := p.do(http.MethodPost, "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "x", "dealstage": "contractsent"}})
	assert.Equal(t, http.StatusBadRequest, bad.status, "a deal cannot enter an archived stage")
	assert.Equal(t, http.StatusNotFound, p.do(http.MethodDelete, "/crm/v3/pipelines/deals/default/stages/contractsent", nil).status)
	assert.Equal(t, http.StatusNotFound, p.do(http.MethodDelete, "/crm/v3/pipelines/deals/other/stages/closedwon", nil).status)

	p.srv.Reset()
	require.NoError(t, p.srv.Seed(SeedData{Properties: CoSellProperties()}))
	assert.Len(t, p.do(http.MethodGet, "/crm/v3/pipelines/deals/default", nil).body["stages"].([]any), 7, "a reset restores the stage")
}

func TestUpdatePropertyOptionsEndpoint(t *testing.T) {
	p := newPortal(t)
	require.NoError(t, p.srv.Seed(SeedData{Properties: map[string][]Property{"deals": {{Name: "region", Label: "Region", Type: "enumeration",
		FieldType: "select", GroupName: "dealinformation", Options: []PropertyOption{{Label: "EMEA", Value: "emea"}}}}}}))
	bad := p.do(http.MethodPost, "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "x", "region": "apac"}})
	require.Equal(t, http.StatusBadRequest, bad.status, "apac is no option yet")

	r := p.do(http.MethodPatch, "/crm/v3/properties/deals/region", map[string]any{"options": []map[string]any{
		{"label": "EMEA", "value": "emea"}, {"label": "APAC", "value": "apac"}}})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Len(t, r.body["options"], 2)
	ok := p.do(http.MethodPost, "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "x", "region": "apac"}})
	assert.Equal(t, http.StatusCreated, ok.status, ok.raw)

	assert.Equal(t, http.StatusBadRequest, p.do(http.MethodPatch, "/crm/v3/properties/deals/region", map[string]any{"options": []any{}}).status, "an enumeration keeps an option")
	assert.Equal(t, http.StatusBadRequest, p.do(http.MethodPatch, "/crm/v3/properties/deals/region", map[string]any{"options": []map[string]any{
		{"label": "A", "value": "a"}, {"label": "B", "value": "a"}}}).status, "values are unique")
	assert.Equal(t, http.StatusBadRequest, p.do(http.MethodPatch, "/crm/v3/properties/deals/dealstage", map[string]any{"options": []map[string]any{
		{"label": "A", "value": "a"}}}).status, "dealstage's options are the pipelines'")
	assert.Equal(t, http.StatusNotFound, p.do(http.MethodPatch, "/crm/v3/properties/deals/nope", map[string]any{"label": "x"}).status)
}
