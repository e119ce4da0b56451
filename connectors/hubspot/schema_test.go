package hubspot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

func TestListOwnersActiveAndArchived(t *testing.T) {
	e := newEnv(t)
	assert.Equal(t, "hubspot", e.client.Kind())
	owners, err := e.client.ListOwners(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []connectors.Owner{
		{ID: "501", Email: "ann@vendor.example", Name: "Ann Lee", Active: true},
		{ID: "502", Email: "bo@vendor.example", Name: "Bo Chen", Active: true},
		{ID: "599", Email: "left@vendor.example", Name: "Left Company", Active: false},
	}, owners)
}

func TestDescribeDeals(t *testing.T) {
	e := newEnv(t)
	s, err := e.client.DescribeDeals(context.Background())
	require.NoError(t, err)
	stage, ok := s.Field("dealstage")
	require.True(t, ok)
	assert.True(t, stage.Restricted)
	assert.Equal(t, []string{"appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"}, stage.PicklistValues)
	id, _ := s.Field("cosell_id")
	assert.True(t, id.ExternalID)
	assert.False(t, id.Restricted)
	enabled, _ := s.Field("cosell_enabled")
	assert.Equal(t, "bool", enabled.Type)
	assert.True(t, enabled.Restricted)
	assert.Equal(t, []string{"true", "false"}, enabled.PicklistValues)
	amount, _ := s.Field("amount")
	assert.Equal(t, "number", amount.Type)
	assert.Empty(t, amount.PicklistValues)
	owner, _ := s.Field("hubspot_owner_id")
	assert.Equal(t, []string{"501", "502"}, owner.PicklistValues, "owner options are the active owners")
}

func TestEnsurePropertiesOnABarePortal(t *testing.T) {
	portal := fake.New(fake.Options{PrivateAppTokens: []string{privateToken}, RateLimit: -1, SearchRateLimit: -1, DailyLimit: -1})
	e := &env{t: t, portal: portal}
	e.ts = newServer(t, portal)
	c := e.connect(hubspot.Config{PrivateAppToken: privateToken})
	ctx := context.Background()
	_, err := c.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "x"})
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.Equal(t, "VALIDATION_ERROR", ce.Code, "without cosell_id the upsert cannot key")

	require.NoError(t, c.EnsureProperties(ctx))
	require.NoError(t, c.EnsureProperties(ctx), "running it again changes nothing")
	res, err := c.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "x", "cosell_enabled": true, "cosell_partner_owner_email": "p@partner.example"})
	require.NoError(t, err)
	assert.True(t, res.Created)
	assert.Equal(t, 4, e.calls("POST properties/deals"), "four deal properties, created once")
	assert.Equal(t, 1, e.calls("POST properties/notes"), "the note key, created once")
}
