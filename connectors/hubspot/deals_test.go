package hubspot_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
)

func TestUpsertFindGetUpdateDeal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	_, found, err := e.client.FindDealByCoSellID(ctx, "CS-1")
	require.NoError(t, err)
	assert.False(t, found)

	res, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{
		"dealname": "Acme expansion", "amount": 125000.0, "closedate": "2026-12-31", "dealstage": "qualifiedtobuy",
		"cosell_enabled": true, "hubspot_owner_id": "501", "hs_next_step": nil,
	})
	require.NoError(t, err)
	assert.True(t, res.Created)
	assert.NotEmpty(t, res.RecordID)

	again, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"amount": 1.5e6, "cosell_partner_owner_name": "Pat Partner"})
	require.NoError(t, err)
	assert.False(t, again.Created)
	assert.Equal(t, res.RecordID, again.RecordID)

	d, found, err := e.client.FindDealByCoSellID(ctx, "CS-1")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, res.RecordID, d.RecordID)
	assert.Equal(t, "CS-1", d.CoSellID)
	assert.True(t, d.Enabled)
	assert.Equal(t, "501", d.OwnerID)
	assert.Equal(t, "1500000", d.Fields["amount"], "values come back as HubSpot's strings; float64 went out without exponent")
	assert.Equal(t, "Pat Partner", d.Fields["cosell_partner_owner_name"])
	assert.Contains(t, d.Fields, "cosell_partner_owner_email")
	assert.Nil(t, d.Fields["cosell_partner_owner_email"], "unset properties are nil")
	assert.Equal(t, e.clk.Now(), d.ModifiedAt)

	require.NoError(t, e.client.UpdateDeal(ctx, d.RecordID, map[string]any{"cosell_enabled": false, "cosell_partner_owner_name": nil}))
	got, err := e.client.GetDeal(ctx, d.RecordID)
	require.NoError(t, err)
	assert.False(t, got.Enabled)
	assert.Nil(t, got.Fields["cosell_partner_owner_name"], "nil clears a property")

	stored, _ := e.portal.Deal(d.RecordID)
	assert.Equal(t, "2026-12-31T00:00:00Z", stored.Properties["closedate"])
	assert.Equal(t, "Acme expansion", stored.Properties["dealname"])
}

func TestGetDealNotFound(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.GetDeal(context.Background(), "12345")
	require.Error(t, err)
	assert.True(t, errors.Is(err, connectors.ErrNotFound))
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.Equal(t, "OBJECT_NOT_FOUND", ce.Code)
	assert.False(t, ce.Retryable)
	assert.Equal(t, 1, e.calls("GET deals/{id}"), "a 404 is not retried")
}

func TestInvalidDealStageIsAFinalValidationError(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.UpsertDeal(context.Background(), "CS-9", map[string]any{"dealname": "x", "dealstage": "negotiation"})
	require.Error(t, err)
	ce, ok := connectors.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "hubspot", ce.CRM)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.Equal(t, "VALIDATION_ERROR", ce.Code)
	assert.False(t, ce.Retryable)
	assert.False(t, connectors.IsRetryable(err))
	assert.Equal(t, []string{"dealstage"}, ce.Fields)
	assert.True(t, strings.HasPrefix(ce.Message, "Property values were not valid: "), "HubSpot's own message, verbatim: %s", ce.Message)
	assert.Contains(t, ce.Message, "negotiation was not one of the allowed options")
	assert.Contains(t, ce.Op, "CS-9")
	assert.Equal(t, 1, e.calls("POST deals/batch/upsert"), "validation errors are not retried")
	assert.Empty(t, e.portal.Deals())
}

func TestUnknownPropertyNamesTheField(t *testing.T) {
	e := newEnv(t)
	err := e.client.UpdateDeal(context.Background(), "1", map[string]any{"x": 1})
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.True(t, ce.NotFound, "the deal does not exist")

	res, err := e.client.UpsertDeal(context.Background(), "CS-2", map[string]any{"dealname": "ok"})
	require.NoError(t, err)
	err = e.client.UpdateDeal(context.Background(), res.RecordID, map[string]any{"Partner_Stage__c": "x", "amount": "abc"})
	ce, ok = connectors.AsError(err)
	require.True(t, ok)
	assert.ElementsMatch(t, []string{"Partner_Stage__c", "amount"}, ce.Fields)
}

func TestUnsupportedValueTypeIsRefusedBeforeSending(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.UpsertDeal(context.Background(), "CS-3", map[string]any{"amount": []int{1}})
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.False(t, ce.Retryable)
	assert.Equal(t, []string{"amount"}, ce.Fields)
	assert.Zero(t, e.calls("POST deals/batch/upsert"))
}

func TestUniqueCoSellIDConflictOnUpdate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "a"})
	require.NoError(t, err)
	b, err := e.client.UpsertDeal(ctx, "CS-2", map[string]any{"dealname": "b"})
	require.NoError(t, err)
	err = e.client.UpdateDeal(ctx, b.RecordID, map[string]any{"cosell_id": "CS-1"})
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.Equal(t, http.StatusConflict, ce.Status)
	assert.False(t, ce.Retryable)
}
