package activities

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
)

type delivered struct {
	coSellID string
	ev       api.ChangeEvent
}

type feedFixture struct {
	p    *pairing.Pairing
	sf   *memory.CRM
	now  time.Time
	mu   sync.Mutex
	got  []delivered
	acts *Activities
	env  *testsuite.TestActivityEnvironment
}

func newFeedFixture(t *testing.T) *feedFixture {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	f := &feedFixture{p: p, now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	f.sf = memory.New("salesforce", p.DealFields(pairing.A), func() time.Time { return f.now })
	f.sf.AddOwner(connectors.Owner{ID: "005-jane", Email: "jane.doe@acme.example", Name: "Jane Doe", Active: true})
	f.acts = &Activities{
		Pairings: map[string]*Connection{p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: f.sf}}},
		Overlap:  2 * time.Second,
		PageSize: 5,
		Sink: func(_ context.Context, _ string, coSellID string, ev api.ChangeEvent) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.got = append(f.got, delivered{coSellID, ev})
			return nil
		},
	}
	var ts testsuite.WorkflowTestSuite
	f.env = ts.NewTestActivityEnvironment()
	f.env.RegisterActivity(f.acts)
	return f
}

func (f *feedFixture) poll(t *testing.T, st api.FeedState) (PollResult, []delivered) {
	f.mu.Lock()
	f.got = nil
	f.mu.Unlock()
	v, err := f.env.ExecuteActivity(f.acts.PollChanges, PollInput{PairingID: f.p.ID, Side: pairing.A, State: st})
	require.NoError(t, err)
	var res PollResult
	require.NoError(t, v.Get(&res))
	f.mu.Lock()
	defer f.mu.Unlock()
	return res, append([]delivered(nil), f.got...)
}

func TestPollDeliversEachChangeOnceAcrossTheOverlap(t *testing.T) {
	f := newFeedFixture(t)
	// Twelve flagged deals sharing one timestamp (more than two pages), one not flagged.
	var ids []string
	for i := 0; i < 12; i++ {
		ids = append(ids, f.sf.Put("", map[string]any{"Name": fmt.Sprintf("D%02d", i), "StageName": "Qualification",
			"OwnerId": "005-jane", "CoSell_Enabled__c": true}))
	}
	f.sf.Put("", map[string]any{"Name": "private", "CoSell_Enabled__c": false})

	res, got := f.poll(t, api.FeedState{})
	require.Len(t, got, 12, "every flagged deal, across pages of 5 sharing one timestamp")
	assert.Equal(t, 12, res.Deals)
	for i, d := range got {
		assert.Equal(t, api.NewCoSellID(f.p.ID, pairing.A, ids[i]), d.coSellID, "a deal without a co-sell id gets the derived one")
		require.NotNil(t, d.ev.Deal)
		assert.Equal(t, "qualification", d.ev.Deal.Values["stage"])
		assert.Equal(t, "jane.doe@acme.example", d.ev.Deal.Owner.Email)
	}
	assert.Equal(t, f.now, res.State.Deals.ModifiedAt)
	assert.Equal(t, ids[11], res.State.Deals.ID)

	// The next poll re-reads the overlap window but delivers nothing new.
	f.now = f.now.Add(time.Second)
	res2, got := f.poll(t, res.State)
	assert.Empty(t, got)
	assert.Equal(t, res.State.Deals, res2.State.Deals)

	// A change inside the window is delivered once, and only it.
	f.sf.Put(ids[3], map[string]any{"StageName": "Closed Won"})
	res3, got := f.poll(t, res2.State)
	require.Len(t, got, 1)
	assert.Equal(t, ids[3], got[0].ev.RecordID)
	assert.Equal(t, "closed_won", got[0].ev.Deal.Values["stage"])

	// Entries older than the overlap window are forgotten.
	f.now = f.now.Add(10 * time.Second)
	f.sf.Put(ids[4], map[string]any{"Amount": 5.0})
	res4, got := f.poll(t, res3.State)
	require.Len(t, got, 1)
	assert.Len(t, res4.State.Seen, 1, "only the change inside the window is remembered")
}

func TestPollFiltersNotes(t *testing.T) {
	f := newFeedFixture(t)
	flagged := f.sf.Put("", map[string]any{"Name": "D", "CoSell_Enabled__c": true, "CoSell_Id__c": "CS-EXISTING"})
	private := f.sf.Put("", map[string]any{"Name": "P", "CoSell_Enabled__c": false})
	f.sf.AddNote(flagged, "#partner shared with Globex", "005-jane")
	f.sf.AddNote(flagged, "internal only", "005-jane")
	f.sf.AddNote(private, "#partner but not a co-sell deal", "005-jane")
	_, err := f.sf.CreateNote(context.Background(), connectors.NoteInput{DealRecordID: flagged, Key: "N-OURS", Body: "[Globex] #partner mirrored"})
	require.NoError(t, err)

	res, got := f.poll(t, api.FeedState{})
	var notes []api.NoteEvent
	for _, d := range got {
		if len(d.ev.Notes) > 0 {
			assert.Equal(t, "CS-EXISTING", d.coSellID)
			notes = append(notes, d.ev.Notes...)
		}
	}
	require.Len(t, notes, 1, "only the tagged note on the co-sell deal, never our own mirror")
	assert.Equal(t, "#partner shared with Globex", notes[0].Body)
	assert.Equal(t, "Jane Doe", notes[0].AuthorName)
	assert.Equal(t, 1, res.Notes)

	_, got = f.poll(t, res.State)
	for _, d := range got {
		assert.Empty(t, d.ev.Notes, "a note is delivered once")
	}
}

func TestPollDeliversASecondVersionWithTheSameStamp(t *testing.T) {
	f := newFeedFixture(t)
	id := f.sf.Put("", map[string]any{"Name": "Same second", "StageName": "Qualification", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	res, got := f.poll(t, api.FeedState{})
	require.Len(t, got, 1)

	// Salesforce stamps whole seconds: a user's edit in the same second as the last version shares its stamp.
	f.sf.Put(id, map[string]any{"StageName": "Closed Lost"})
	res2, got := f.poll(t, res.State)
	require.Len(t, got, 1, "a changed record is delivered even when its stamp did not move")
	assert.Equal(t, "closed_lost", got[0].ev.Deal.Values["stage"])

	_, got = f.poll(t, res2.State)
	assert.Empty(t, got, "and only once")
}

// relatedCRM is a CRM whose change stream leaves out the account fields, as HubSpot's does: ReadRelated
// fills them and records which deals it was asked for.
type relatedCRM struct {
	*memory.CRM
	asked [][]string
}

func (c *relatedCRM) ReadRelated(_ context.Context, deals []*connectors.Deal) error {
	var ids []string
	for _, d := range deals {
		ids = append(ids, d.RecordID)
		d.Fields["Account.Website"] = "https://www.related-" + d.RecordID + ".example/"
	}
	c.asked = append(c.asked, ids)
	return nil
}

func TestPollReadsTheAccountOfTheDealsItDeliversOnly(t *testing.T) {
	f := newFeedFixture(t)
	crm := &relatedCRM{CRM: f.sf}
	f.acts.Pairings[f.p.ID].CRM[pairing.A] = crm
	a := f.sf.Put("", map[string]any{"Name": "A", "StageName": "Qualification", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	b := f.sf.Put("", map[string]any{"Name": "B", "StageName": "Qualification", "OwnerId": "005-jane", "CoSell_Enabled__c": true})

	res, got := f.poll(t, api.FeedState{})
	require.Len(t, got, 2)
	assert.Equal(t, [][]string{{a, b}}, crm.asked, "one batch for the page's news")
	for _, d := range got {
		assert.Equal(t, "https://www.related-"+d.ev.RecordID+".example/", d.ev.Deal.Values["account_domain"], "the delivered deal carries its account")
	}

	// The overlap window re-reads both deals; neither is news, so no account is read.
	f.now = f.now.Add(time.Second)
	crm.asked = nil
	res, got = f.poll(t, res.State)
	assert.Empty(t, got)
	assert.Empty(t, crm.asked, "nothing delivered, no account read")

	// One changes: only its account is read.
	f.sf.Put(b, map[string]any{"StageName": "Closed Won"})
	_, got = f.poll(t, res.State)
	require.Len(t, got, 1)
	assert.Equal(t, [][]string{{b}}, crm.asked)
}
