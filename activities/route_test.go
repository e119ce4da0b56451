package activities

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/feedtest"
	"github.com/cosellsync/cosell/pairing"
)

// The feed routes a record to the deal it belongs to: by its co-sell id, then by the record directory,
// and only a record with no id that no deal owns starts a new deal. Side a here is Salesforce; a
// record on it is a deal's origin or the mirror of a deal registered on the other side.

// routed polls once and returns where each change went.
func (f *feedFixture) routed(t *testing.T, deals *feedtest.Deals, st api.FeedState) (PollResult, []feedtest.Delivery) {
	t.Helper()
	res, _ := f.poll(t, st)
	return res, deals.Deliveries()
}

func newRoutingFixture(t *testing.T) (*feedFixture, *feedtest.Deals) {
	f := newFeedFixture(t)
	deals := &feedtest.Deals{}
	f.acts.Deals = deals
	return f, deals
}

func TestPollRoutesARecordWithAClearedCoSellIDToItsDeal(t *testing.T) {
	f, deals := newRoutingFixture(t)
	// The mirror of a deal registered on HubSpot, whose co-sell id a user has just emptied.
	mirror := f.sf.Put("", map[string]any{"Name": "Mirror", "StageName": "Qualification", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	deals.Link(f.p.ID, "CS-FROM-HUBSPOT", pairing.B, "hs-1")
	deals.Link(f.p.ID, "CS-FROM-HUBSPOT", pairing.A, mirror)

	_, got := f.routed(t, deals, api.FeedState{})
	require.Len(t, got, 1)
	assert.Equal(t, "CS-FROM-HUBSPOT", got[0].CoSellID, "the deal the record is linked to")
	assert.False(t, got[0].Started)
	assert.Equal(t, mirror, got[0].Event.RecordID)
	require.NotNil(t, got[0].Event.Deal, "with the reading, whose empty id the deal restores")
	assert.Empty(t, got[0].Event.Deal.CoSellID)
	assert.Equal(t, []string{"CS-FROM-HUBSPOT"}, deals.Running(), "no second deal")
	assert.Equal(t, 1, deals.Lookups())
}

func TestPollStartsADealOnlyForARecordNoDealOwns(t *testing.T) {
	f, deals := newRoutingFixture(t)
	rec := f.sf.Put("", map[string]any{"Name": "New", "StageName": "Qualification", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	own := api.NewCoSellID(f.p.ID, pairing.A, rec)

	res, got := f.routed(t, deals, api.FeedState{})
	require.Len(t, got, 1)
	assert.Equal(t, feedtest.Delivery{CoSellID: own, Started: true, Event: got[0].Event}, got[0], "a new registration")
	assert.Equal(t, 1, deals.Lookups(), "after one look in the directory")

	// Edited again before its deal stamped the id: the directory now names the deal started for it.
	f.sf.Put(rec, map[string]any{"StageName": "Closed Won"})
	_, got = f.routed(t, deals, res.State)
	require.Len(t, got, 1)
	assert.Equal(t, own, got[0].CoSellID)
	assert.False(t, got[0].Started)
	assert.Equal(t, []string{own}, deals.Running())
}

func TestPollRoutesAnEditedCoSellIDByTheDirectory(t *testing.T) {
	f, deals := newRoutingFixture(t)
	mirror := f.sf.Put("", map[string]any{"Name": "Typo", "OwnerId": "005-jane", "CoSell_Enabled__c": true, "CoSell_Id__c": "CS-MISTYPED"})
	stray := f.sf.Put("", map[string]any{"Name": "Stray", "OwnerId": "005-jane", "CoSell_Enabled__c": true, "CoSell_Id__c": "CS-NOBODY"})
	deals.Link(f.p.ID, "CS-FROM-HUBSPOT", pairing.A, mirror)

	_, got := f.routed(t, deals, api.FeedState{})
	require.Len(t, got, 1, "the stray record reaches no deal: %+v", got)
	assert.Equal(t, "CS-FROM-HUBSPOT", got[0].CoSellID, "the edited mirror reaches its deal, which restores the id")
	assert.Equal(t, mirror, got[0].Event.RecordID)
	assert.Equal(t, []string{"CS-FROM-HUBSPOT"}, deals.Running(), "an id no deal has or owns starts nothing (%s)", stray)
}

func TestPollRoutesAKnownCoSellIDWithoutTheDirectory(t *testing.T) {
	f, deals := newRoutingFixture(t)
	origin := f.sf.Put("", map[string]any{"Name": "Origin", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	own := api.NewCoSellID(f.p.ID, pairing.A, origin)
	f.sf.Put(origin, map[string]any{"CoSell_Id__c": own})
	mirror := f.sf.Put("", map[string]any{"Name": "Mirror", "OwnerId": "005-jane", "CoSell_Enabled__c": true, "CoSell_Id__c": "CS-FROM-HUBSPOT"})
	deals.Link(f.p.ID, "CS-FROM-HUBSPOT", pairing.A, mirror)

	_, got := f.routed(t, deals, api.FeedState{})
	require.Len(t, got, 2)
	assert.Equal(t, feedtest.Delivery{CoSellID: own, Started: true, Event: got[0].Event}, got[0],
		"an origin carrying its own id reaches its deal, starting it if it does not run")
	assert.Equal(t, feedtest.Delivery{CoSellID: "CS-FROM-HUBSPOT", Event: got[1].Event}, got[1], "a mirror reaches its origin's deal")
	assert.Zero(t, deals.Lookups(), "no visibility query for a record its co-sell id routes")
}

func TestPollRoutesANoteOnAClearedRecordToItsDeal(t *testing.T) {
	f, deals := newRoutingFixture(t)
	mirror := f.sf.Put("", map[string]any{"Name": "Mirror", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	stray := f.sf.Put("", map[string]any{"Name": "Stray", "OwnerId": "005-jane", "CoSell_Enabled__c": true, "CoSell_Id__c": "CS-NOBODY"})
	f.sf.AddNote(mirror, "#partner pricing approved", "005-jane")
	f.sf.AddNote(stray, "#partner on a record no deal has", "005-jane")
	deals.Link(f.p.ID, "CS-FROM-HUBSPOT", pairing.A, mirror)

	_, got := f.routed(t, deals, api.FeedState{})
	var notes []feedtest.Delivery
	for _, d := range got {
		if len(d.Event.Notes) > 0 {
			notes = append(notes, d)
		}
	}
	require.Len(t, notes, 1, "%+v", notes)
	assert.Equal(t, "CS-FROM-HUBSPOT", notes[0].CoSellID)
	assert.Equal(t, "#partner pricing approved", notes[0].Event.Notes[0].Body)
	assert.Equal(t, []string{"CS-FROM-HUBSPOT"}, deals.Running(), "a note never starts a second deal either")
}

func TestPollStartsNoDealWhenTheDirectoryCannotAnswer(t *testing.T) {
	f, deals := newRoutingFixture(t)
	deals.FailLookups = true
	f.sf.Put("", map[string]any{"Name": "New", "OwnerId": "005-jane", "CoSell_Enabled__c": true})

	_, err := f.env.ExecuteActivity(f.acts.PollChanges, PollInput{PairingID: f.p.ID, Side: pairing.A})
	require.Error(t, err, "the poll fails and is retried, its cursor unmoved")
	assert.Contains(t, err.Error(), "visibility unavailable")
	assert.Empty(t, deals.Deliveries())
	assert.Empty(t, deals.Running(), "rather than risk a second deal")
}

// TestSinkSeesEveryChangeUnderItsCoSellID pins what tests that set Activities.Sink rely on: the sink
// stands for deals that all run, and an empty directory.
func TestSinkSeesEveryChangeUnderItsCoSellID(t *testing.T) {
	var got []string
	a := &Activities{Sink: func(_ context.Context, _, coSellID string, _ api.ChangeEvent) error {
		got = append(got, coSellID)
		return nil
	}}
	d := a.deals()
	running, err := d.Signal(context.Background(), "p", "CS-ANY", api.ChangeEvent{})
	require.NoError(t, err)
	assert.True(t, running)
	owners, err := d.Owners(context.Background(), []string{api.RecordKey("p", pairing.A, "r1")})
	require.NoError(t, err)
	assert.Empty(t, owners)
	assert.Equal(t, []string{"CS-ANY"}, got)
}
