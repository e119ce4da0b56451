package activities

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/internal/feedtest"
	"github.com/cosellsync/cosell/pairing"
)

// Two pairings share Acme's Salesforce (side a in both): acme-globex routes new deals whose
// CoSell_Partner__c is Globex, acme-initech those of Initech. One poll of the connection reads each
// changed record once and hands it to the deal of the pairing it belongs to.

// countingFeedCRM counts change queries.
type countingFeedCRM struct {
	*memory.CRM
	mu      sync.Mutex
	queries int
}

func (c *countingFeedCRM) ChangedDeals(ctx context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	c.mu.Lock()
	c.queries++
	c.mu.Unlock()
	return c.CRM.ChangedDeals(ctx, after, limit)
}

type sharedFixture struct {
	globex, initech *pairing.Pairing
	sf              *countingFeedCRM
	deals           *feedtest.Deals
	acts            *Activities
	env             *testsuite.TestActivityEnvironment
}

// routedPairing is the demo pairing under id, its Salesforce side routed by CoSell_Partner__c = value
// and its HubSpot side on connection hs.
func routedPairing(t *testing.T, id, value, hs string) *pairing.Pairing {
	t.Helper()
	raw, err := os.ReadFile("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	text := strings.Replace(string(raw), "id: acme-globex", "id: "+id, 1)
	text = strings.Replace(text, "connection: acme-sf ", "connection: acme-sf\n    route: { field: CoSell_Partner__c, values: ["+value+"] }\n    #", 1)
	text = strings.Replace(text, "connection: globex-hs", "connection: "+hs, 1)
	p, err := pairing.Parse(id+".yaml", []byte(text))
	require.NoError(t, err)
	return p
}

func newSharedFixture(t *testing.T) *sharedFixture {
	f := &sharedFixture{
		globex:  routedPairing(t, "acme-globex", "Globex", "globex-hs"),
		initech: routedPairing(t, "acme-initech", "Initech", "initech-hs"),
		deals:   &feedtest.Deals{},
	}
	require.Empty(t, pairing.CheckShared(f.initech, []*pairing.Pairing{f.globex}))
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	fields := f.globex.DealFields(pairing.A)
	f.sf = &countingFeedCRM{CRM: memory.New("salesforce", fields, func() time.Time { now = now.Add(time.Millisecond); return now })}
	f.sf.AddOwner(connectors.Owner{ID: "005-jane", Email: "jane.doe@acme.example", Name: "Jane Doe", Active: true})
	conns := map[string]*Connection{}
	for _, p := range []*pairing.Pairing{f.globex, f.initech} {
		conns[p.ID] = &Connection{Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: f.sf, pairing.B: memory.New("hubspot", p.DealFields(pairing.B), time.Now)}}
	}
	served := &Served{}
	served.Store(NewCatalog(conns))
	f.acts = &Activities{Served: served, Deals: f.deals, Overlap: 2 * time.Second, PageSize: 50}
	var ts testsuite.WorkflowTestSuite
	f.env = ts.NewTestActivityEnvironment()
	f.env.RegisterActivity(f.acts)
	return f
}

func (f *sharedFixture) poll(t *testing.T, st api.FeedState) (PollResult, []feedtest.Delivery) {
	t.Helper()
	v, err := f.env.ExecuteActivity(f.acts.PollChanges, PollInput{Connection: "acme-sf", State: st})
	require.NoError(t, err)
	var res PollResult
	require.NoError(t, v.Get(&res))
	return res, f.deals.Deliveries()
}

func (f *sharedFixture) put(fields map[string]any) string {
	fields["OwnerId"], fields["CoSell_Enabled__c"] = "005-jane", true
	return f.sf.Put("", fields)
}

func TestCatalogGroupsPairingsByConnection(t *testing.T) {
	f := newSharedFixture(t)
	cat := f.acts.catalog()
	require.Len(t, cat.Feeds, 3, "acme-sf, globex-hs and initech-hs")
	sf := cat.Feeds["acme-sf"]
	require.Len(t, sf.Uses, 2)
	assert.Equal(t, "acme-globex", sf.Uses[0].Pairing.ID)
	assert.Equal(t, "acme-initech", sf.Uses[1].Pairing.ID)
	assert.Equal(t, pairing.A, sf.Uses[1].Side)
	assert.Len(t, cat.Feeds["initech-hs"].Uses, 1)

	_, err := f.env.ExecuteActivity(f.acts.PollChanges, PollInput{Connection: "nobody-sf"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `connection "nobody-sf" is used by no pairing`)
}

func TestSharedConnectionStartsANewDealInThePairingItsRouteNames(t *testing.T) {
	f := newSharedFixture(t)
	toGlobex := f.put(map[string]any{"Name": "For Globex", "CoSell_Partner__c": "Globex"})
	toInitech := f.put(map[string]any{"Name": "For Initech", "CoSell_Partner__c": "initech "})
	nobody := f.put(map[string]any{"Name": "For nobody yet"})

	res, got := f.poll(t, api.FeedState{})
	assert.Equal(t, 1, f.sf.queries, "one read of the connection for both pairings")
	require.Len(t, got, 2, "%+v", got)
	assert.Equal(t, api.NewCoSellID("acme-globex", pairing.A, toGlobex), got[0].CoSellID)
	assert.True(t, got[0].Started)
	assert.Equal(t, api.NewCoSellID("acme-initech", pairing.A, toInitech), got[1].CoSellID)
	assert.True(t, got[1].Started)
	assert.Equal(t, f.acts.policyVersionOf("acme-initech"), got[1].Event.Policy, "stamped with its pairing's policy")
	assert.NotEqual(t, got[0].Event.Policy, got[1].Event.Policy)
	require.NotNil(t, got[1].Event.Deal)
	assert.Equal(t, "For Initech", got[1].Event.Deal.Values["name"], "read with that pairing's mapping")
	assert.Equal(t, 3, res.Deals, "the unrouted deal was read and is known as seen (%s)", nobody)

	// Once its partner field is set, the unrouted deal starts in the pairing it names.
	f.sf.Put(nobody, map[string]any{"CoSell_Partner__c": "Globex"})
	_, got = f.poll(t, res.State)
	require.Len(t, got, 1)
	assert.Equal(t, api.NewCoSellID("acme-globex", pairing.A, nobody), got[0].CoSellID)
	assert.Equal(t, 2, f.sf.queries)
}

func TestSharedConnectionRoutesKnownRecordsToTheirPairing(t *testing.T) {
	f := newSharedFixture(t)
	// An origin of acme-initech carrying its own id, whatever its partner field says now.
	origin := f.put(map[string]any{"Name": "Origin", "CoSell_Partner__c": "Globex"})
	own := api.NewCoSellID("acme-initech", pairing.A, origin)
	f.sf.Put(origin, map[string]any{"CoSell_Id__c": own})
	// The mirror of a deal acme-initech registered on Initech's HubSpot.
	mirror := f.put(map[string]any{"Name": "Mirror", "CoSell_Id__c": "CS-FROM-INITECH"})
	f.deals.Link("acme-initech", "CS-FROM-INITECH", pairing.B, "hs-1")
	f.deals.Link("acme-initech", "CS-FROM-INITECH", pairing.A, mirror)
	// A mirror of acme-globex whose co-sell id a user cleared.
	cleared := f.put(map[string]any{"Name": "Cleared"})
	f.deals.Link("acme-globex", "CS-FROM-GLOBEX", pairing.A, cleared)

	_, got := f.poll(t, api.FeedState{})
	require.Len(t, got, 3, "%+v", got)
	byID := map[string]feedtest.Delivery{}
	for _, d := range got {
		byID[d.CoSellID] = d
	}
	assert.True(t, byID[own].Started, "an origin reaches (or starts) its own deal, in its own pairing")
	assert.Equal(t, f.acts.policyVersionOf("acme-initech"), byID[own].Event.Policy)
	assert.False(t, byID["CS-FROM-INITECH"].Started)
	assert.Equal(t, f.acts.policyVersionOf("acme-initech"), byID["CS-FROM-INITECH"].Event.Policy, "a mirror is read with its deal's pairing")
	assert.Equal(t, mirror, byID["CS-FROM-INITECH"].Event.RecordID)
	assert.False(t, byID["CS-FROM-GLOBEX"].Started, "the cleared record reaches its deal by the directory")
	assert.Equal(t, f.acts.policyVersionOf("acme-globex"), byID["CS-FROM-GLOBEX"].Event.Policy)
	assert.Equal(t, 1, f.deals.Describes(), "one look at a mirror's pairing")
	assert.Equal(t, 1, f.deals.Lookups(), "one directory query, over both pairings' keys")
	assert.ElementsMatch(t, []string{"CS-FROM-GLOBEX", "CS-FROM-INITECH", own}, f.deals.Running(), "no deal started twice")
}

func TestSharedConnectionRoutesANoteToThePairingOfItsDeal(t *testing.T) {
	f := newSharedFixture(t)
	origin := f.put(map[string]any{"Name": "Origin", "CoSell_Partner__c": "Initech"})
	own := api.NewCoSellID("acme-initech", pairing.A, origin)
	f.sf.Put(origin, map[string]any{"CoSell_Id__c": own})
	f.sf.AddNote(origin, "#partner pricing approved", "005-jane")
	f.sf.AddNote(origin, "internal only", "005-jane")

	_, got := f.poll(t, api.FeedState{})
	var notes []feedtest.Delivery
	for _, d := range got {
		if len(d.Event.Notes) > 0 {
			notes = append(notes, d)
		}
	}
	require.Len(t, notes, 1, "the tagged note only")
	assert.Equal(t, own, notes[0].CoSellID)
	assert.Equal(t, "Jane Doe", notes[0].Event.Notes[0].AuthorName)
	assert.Equal(t, pairing.A, notes[0].Event.Side)
}
