package activities

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// plainCRM hides a CRM's optional interfaces, as a connector that cannot link accounts would.
type plainCRM struct{ connectors.CRM }

// globexCRM is the demo pairing's HubSpot side in memory, with Globex's fallback owner.
func globexCRM(t *testing.T) (*memory.CRM, *pairing.Pairing) {
	t.Helper()
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	hs := memory.New("hubspot", p.DealFields(pairing.B), func() time.Time { return now })
	hs.AddOwner(connectors.Owner{ID: "71003", Email: "ops@globex.example", Name: "Globex Ops", Active: true})
	return hs, p
}

// writer runs WriteDeal as an activity over the pairing's HubSpot side hs.
func writer(p *pairing.Pairing, hs connectors.CRM) func(WriteDealInput) (WriteDealResult, error) {
	a := &Activities{Pairings: map[string]*Connection{p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.B: hs}}}}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return func(in WriteDealInput) (WriteDealResult, error) {
		v, err := env.ExecuteActivity(a.WriteDeal, in)
		if err != nil {
			return WriteDealResult{}, err
		}
		var res WriteDealResult
		return res, v.Get(&res)
	}
}

// The demo pairing reads the account from HubSpot's primary company: a mirror the sync creates is linked
// to its account (the deal then reads the account's domain), and an update never writes it.
func TestAMirrorCreatedIsLinkedToItsAccount(t *testing.T) {
	hs, p := globexCRM(t)
	write := writer(p, hs)
	values := map[string]string{"name": "Rollout", vocab.FieldAccountDomain: "https://www.Hooli.example/", vocab.FieldAccountName: "Hooli, Inc."}

	res, err := write(WriteDealInput{PairingID: p.ID, Side: pairing.B, CoSellID: "CS-1", Values: values, Create: true})
	require.NoError(t, err)
	d, ok := hs.Deal(res.RecordID)
	require.True(t, ok)
	assert.Equal(t, "hooli.example", d.Fields["company.domain"], "linked to the account of the normalized domain")
	assert.Equal(t, "Hooli, Inc.", d.Fields["company.name"])
	assert.Equal(t, "hooli.example", res.Stored[vocab.FieldAccountDomain], "the deal learns its account as read back")

	// A later write of the deal's fields leaves its account alone: it is read, never written.
	values[vocab.FieldAccountDomain] = "initech.example"
	_, err = write(WriteDealInput{PairingID: p.ID, Side: pairing.B, CoSellID: "CS-1", RecordID: res.RecordID, Values: values})
	require.NoError(t, err)
	d, _ = hs.Deal(res.RecordID)
	assert.Equal(t, "hooli.example", d.Fields["company.domain"])
}

// A connector that cannot link accounts fails the create with a message naming the pairing and side,
// rather than leave the deal without its account.
func TestACreateOnAConnectorThatCannotLinkFails(t *testing.T) {
	hs, p := globexCRM(t)
	write := writer(p, plainCRM{hs})
	_, err := write(WriteDealInput{PairingID: p.ID, Side: pairing.B, CoSellID: "CS-2", Create: true,
		Values: map[string]string{"name": "Rollout", vocab.FieldAccountDomain: "hooli.example"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reads the account of side b from a related record, which the hubspot connector cannot link")

	// With no account values there is nothing to link, and the create goes through.
	_, err = write(WriteDealInput{PairingID: p.ID, Side: pairing.B, CoSellID: "CS-3", Create: true,
		Values: map[string]string{"name": "No account"}})
	require.NoError(t, err)
}
