package hubspot

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDealClosedPropertiesFollowTheStage(t *testing.T) {
	p := newPortal(t)
	won := p.createDeal(map[string]any{"dealname": "Won", "dealstage": "closedwon"})
	lost := p.createDeal(map[string]any{"dealname": "Lost", "dealstage": "closedlost"})
	open := p.createDeal(map[string]any{"dealname": "Open", "dealstage": "contractsent"})
	bare := p.createDeal(map[string]any{"dealname": "No stage"})

	read := func(id string) map[string]any {
		r := p.do("GET", "/crm/v3/objects/deals/"+id+"?properties=hs_is_closed,hs_is_closed_won", nil)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		return props(r.body)
	}
	for _, tc := range []struct {
		id          string
		closed, won string
	}{{won, "true", "true"}, {lost, "true", "false"}, {open, "false", "false"}, {bare, "false", "false"}} {
		got := read(tc.id)
		assert.Equal(t, tc.closed, got["hs_is_closed"], tc.id)
		assert.Equal(t, tc.won, got["hs_is_closed_won"], tc.id)
	}

	// A stage change recalculates both.
	r := p.do("PATCH", "/crm/v3/objects/deals/"+open, map[string]any{"properties": map[string]any{"dealstage": "closedwon"}})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "true", read(open)["hs_is_closed_won"])

	// Search filters on them like on any bool property.
	s := search(p, map[string]any{
		"filterGroups": []any{map[string]any{"filters": []any{filter("hs_is_closed", "EQ", "true"), filter("hs_is_closed_won", "EQ", false)}}},
		"sorts":        []any{map[string]any{"propertyName": "hs_object_id", "direction": "ASCENDING"}},
	})
	require.Equal(t, http.StatusOK, s.status, s.raw)
	assert.Equal(t, []string{lost}, ids(results(s)))

	// They are calculated: no write sets them.
	r = p.do("PATCH", "/crm/v3/objects/deals/"+bare, map[string]any{"properties": map[string]any{"hs_is_closed": "true"}})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.raw, "READ_ONLY_VALUE")

	// The properties API shows them as HubSpot-defined calculated booleans.
	d := p.do("GET", "/crm/v3/properties/deals/hs_is_closed_won", nil)
	require.Equal(t, http.StatusOK, d.status, d.raw)
	assert.Equal(t, "bool", d.body["type"])
	assert.Equal(t, true, d.body["calculated"])
}
