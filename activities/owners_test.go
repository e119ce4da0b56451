package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
)

// countingCRM counts owner listings.
type countingCRM struct {
	*memory.CRM
	listed int
}

func (c *countingCRM) ListOwners(ctx context.Context) ([]connectors.Owner, error) {
	c.listed++
	return c.CRM.ListOwners(ctx)
}

func TestAnUnknownOwnerDoesNotListOwnersOnEveryRead(t *testing.T) {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	crm := &countingCRM{CRM: memory.New("salesforce", p.DealFields(pairing.A), func() time.Time { return now })}
	crm.AddOwner(connectors.Owner{ID: "005-jane", Email: "jane.doe@acme.example", Name: "Jane Doe", Active: true})
	rec := crm.Put("", map[string]any{"Name": "D", "OwnerId": "005-gone", "CoSell_Enabled__c": true})
	a := &Activities{Pairings: map[string]*Connection{p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: crm}}}}

	for range 5 { // five polls read the deal whose owner was deleted
		st, err := a.ReadDeal(context.Background(), ReadDealInput{PairingID: p.ID, Side: pairing.A, RecordID: rec})
		require.NoError(t, err)
		assert.Empty(t, st.Owner.Email)
	}
	assert.Equal(t, 1, crm.listed, "a fresh directory is not listed again for a miss")

	// A user created since is found once the directory is older than ownerRefreshAfter.
	crm.AddOwner(connectors.Owner{ID: "005-gone", Email: "new.rep@acme.example", Name: "New Rep", Active: true})
	key := a.ownerCacheKey(p.ID, pairing.A)
	a.ownerCache[key] = ownerCache{at: time.Now().Add(-time.Minute), owners: a.ownerCache[key].owners}
	st, err := a.ReadDeal(context.Background(), ReadDealInput{PairingID: p.ID, Side: pairing.A, RecordID: rec})
	require.NoError(t, err)
	assert.Equal(t, "new.rep@acme.example", st.Owner.Email)
	assert.Equal(t, 2, crm.listed)
}
