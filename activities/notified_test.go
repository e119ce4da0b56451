package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
)

// unreachable fails reads of one record as a CRM that is down would.
type unreachable struct {
	connectors.CRM
	id string
}

func (u unreachable) GetDeal(ctx context.Context, id string) (connectors.Deal, error) {
	if id == u.id {
		return connectors.Deal{}, &connectors.Error{CRM: "salesforce", Op: "get", Status: 503, Retryable: true}
	}
	return u.CRM.GetDeal(ctx, id)
}

func (f *feedFixture) deliverChanged(t *testing.T, in DeliverChangedInput) (DeliverChangedResult, []delivered) {
	f.mu.Lock()
	f.got = nil
	f.mu.Unlock()
	in.PairingID, in.Side = f.p.ID, pairing.A
	v, err := f.env.ExecuteActivity(f.acts.DeliverChanged, in)
	require.NoError(t, err)
	var res DeliverChangedResult
	require.NoError(t, v.Get(&res))
	f.mu.Lock()
	defer f.mu.Unlock()
	return res, append([]delivered(nil), f.got...)
}

func TestDeliverChangedReadsAndDeliversLikeAPoll(t *testing.T) {
	f := newFeedFixture(t)
	f.acts.FeedSettings = func(connection string) (api.FeedSettings, bool) {
		return api.FeedSettings{PollInterval: 5 * time.Minute, NoPolling: true}, connection == "acme-sf"
	}
	flagged := f.sf.Put("", map[string]any{"Name": "Newly flagged", "StageName": "Qualification", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	private := f.sf.Put("", map[string]any{"Name": "Private", "CoSell_Enabled__c": false})
	unflagged := f.sf.Put("", map[string]any{"Name": "Left co-sell", "CoSell_Enabled__c": false, "CoSell_Id__c": "CS-1"})

	res, got := f.deliverChanged(t, DeliverChangedInput{Deals: []string{flagged, private, unflagged, "006-gone"}})
	require.Len(t, got, 2)
	assert.Equal(t, api.NewCoSellID(f.p.ID, pairing.A, flagged), got[0].coSellID, "a deal with no co-sell id yet gets its own: the deal starts")
	assert.Equal(t, "webhook", got[0].ev.Source)
	require.NotNil(t, got[0].ev.Deal, "delivered with the reading just made, as a poll does")
	assert.Equal(t, "Newly flagged", got[0].ev.Deal.Values["name"])
	assert.Equal(t, "CS-1", got[1].coSellID, "an unflagged deal with an id reaches its deal, so leaving co-sell is seen")
	assert.Equal(t, 2, res.Skipped, "the private deal and the deleted one")
	assert.Empty(t, res.Retry)
	require.Len(t, res.Delivered, 2)
	assert.Equal(t, flagged, res.Delivered[0].ID)
	assert.Equal(t, 5*time.Minute, res.Interval)
	assert.True(t, res.NoPolling)

	// The same version again signals nobody; a newer one does.
	known := res.Delivered
	res, got = f.deliverChanged(t, DeliverChangedInput{Deals: []string{flagged, unflagged}, Known: known})
	assert.Empty(t, got)
	assert.Equal(t, 2, res.Skipped)
	f.now = f.now.Add(time.Second)
	f.sf.Put(flagged, map[string]any{"StageName": "Prospecting"})
	res, got = f.deliverChanged(t, DeliverChangedInput{Deals: []string{flagged}, Known: known})
	require.Len(t, got, 1)
	assert.True(t, res.Delivered[0].ModifiedAt.After(known[0].ModifiedAt))
}

func TestDeliverChangedKeepsWhatFailsForNow(t *testing.T) {
	f := newFeedFixture(t)
	down := f.sf.Put("", map[string]any{"Name": "Down", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	up := f.sf.Put("", map[string]any{"Name": "Up", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	f.acts.Pairings[f.p.ID].CRM[pairing.A] = unreachable{CRM: f.sf, id: down}
	res, got := f.deliverChanged(t, DeliverChangedInput{Deals: []string{down, up}})
	assert.Equal(t, []string{down}, res.Retry, "a read the CRM failed waits for the feed's next try")
	assert.Len(t, got, 1)

	f.acts.Sink = func(context.Context, string, string, api.ChangeEvent) error {
		return errors.New("temporal unreachable")
	}
	res, got = f.deliverChanged(t, DeliverChangedInput{Deals: []string{up}})
	assert.Equal(t, []string{up}, res.Retry, "a signal Temporal did not take is tried again")
	assert.Empty(t, got)
	assert.Empty(t, res.Delivered)
}
