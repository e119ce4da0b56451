package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/drift"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

func TestVerifyDealComparesBothCRMsInCanonicalValues(t *testing.T) {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	sf := memory.New("salesforce", p.DealFields(pairing.A), time.Now)
	hs := memory.New("hubspot", p.DealFields(pairing.B), time.Now)
	acts := &Activities{Pairings: map[string]*Connection{p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: sf, pairing.B: hs}}}}
	// The same deal in each CRM's own values: a picklist through the value map, an amount as a number
	// on one side and a string with decimals on the other, a name with a trailing space.
	a := sf.Put("", map[string]any{"Name": "Initech rollout", "StageName": "Proposal/Price Quote", "Amount": 125000.0,
		"CloseDate": "2026-12-31", "NextStep": "Call", "CoSell_Enabled__c": true, "CoSell_Id__c": "CS-1"})
	b := hs.Put("", map[string]any{"dealname": "Initech rollout ", "dealstage": "contractsent", "amount": "125000.00",
		"closedate": "2026-12-31T00:00:00Z", "hs_next_step": "Call", "cosell_enabled": "true", "cosell_id": "CS-1"})
	view := api.DealView{PairingID: p.ID, CoSellID: "CS-1", Sides: map[vocab.Side]api.SideShadow{vocab.A: {RecordID: a}, vocab.B: {RecordID: b}}}

	d, err := VerifyDeal(context.Background(), acts, view)
	require.NoError(t, err)
	assert.Equal(t, drift.Agree, d.Status, "%+v", d.Fields)
	assert.Equal(t, map[vocab.Side]string{vocab.A: a, vocab.B: b}, d.Records)

	hs.Put(b, map[string]any{"dealstage": "decisionmakerboughtin", "hs_next_step": "Send quote"})
	d, err = VerifyDeal(context.Background(), acts, view)
	require.NoError(t, err)
	require.Equal(t, drift.Drift, d.Status)
	var fields []string
	for _, f := range d.Fields {
		fields = append(fields, f.Field)
	}
	assert.Equal(t, []string{"stage", "next_step"}, fields)
	assert.Equal(t, "proposal", d.Fields[0].A)
	assert.Equal(t, "decision", d.Fields[0].B)
	assert.Equal(t, "proposal", d.Value("stage"), "side a's value, for the reconcile report")
	assert.True(t, d.Drifting())

	hs.Put(b, map[string]any{"dealstage": "legalreview"}) // outside the value map
	d, err = VerifyDeal(context.Background(), acts, view)
	require.NoError(t, err)
	require.NotEmpty(t, d.Fields)
	assert.True(t, d.Fields[0].Unmapped)
	assert.Equal(t, "legalreview (unmapped)", d.Fields[0].B)

	view.Sides[vocab.B] = api.SideShadow{RecordID: b, Unlinked: true}
	d, err = VerifyDeal(context.Background(), acts, view)
	require.NoError(t, err)
	assert.Equal(t, drift.Missing, d.Status, "a side the deal unlinked is not compared")
	assert.Equal(t, []vocab.Side{vocab.B}, d.Unlinked)

	_, err = VerifyDeal(context.Background(), acts, api.DealView{PairingID: "other", CoSellID: "CS-2"})
	assert.ErrorContains(t, err, `pairing "other" is not loaded`)
}
