package activities

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/touchpoint"
)

// withActivities is the in-memory CRM with activity streams held by the test, paged like a CRM's keyset.
type withActivities struct {
	*memory.CRM
	acts []connectors.Activity
}

func (w *withActivities) ActivityStreams() []string { return []string{"task", "event"} }

func (w *withActivities) ChangedActivities(_ context.Context, stream string, after connectors.Cursor, limit int) (connectors.ActivityPage, error) {
	var in []connectors.Activity
	for _, a := range w.acts {
		if a.Object == stream && after.Less(a.ModifiedAt, a.ID) {
			in = append(in, a)
		}
	}
	slices.SortFunc(in, func(x, y connectors.Activity) int {
		if c := x.ModifiedAt.Compare(y.ModifiedAt); c != 0 {
			return c
		}
		return connectors.CompareIDs(x.ID, y.ID)
	})
	page := connectors.ActivityPage{Next: after}
	if len(in) > limit {
		in, page.More = in[:limit], true
	}
	for _, a := range in {
		page.Next = connectors.Cursor{ModifiedAt: a.ModifiedAt, ID: a.ID}
	}
	page.Activities = in
	return page, nil
}

func TestPollDeliversActivitiesOnceAndEditsAgain(t *testing.T) {
	f := newFeedFixture(t)
	crm := &withActivities{CRM: f.sf}
	f.acts.Pairings[f.p.ID].CRM[pairing.A] = crm
	deal := f.sf.Put("", map[string]any{"Name": "Initech", "StageName": "Qualification", "OwnerId": "005-jane", "CoSell_Enabled__c": true})
	private := f.sf.Put("", map[string]any{"Name": "private", "CoSell_Enabled__c": false})
	at := f.now.Add(-time.Hour)
	for i, subject := range []string{"Demo", "Discovery", "Intro", "Proposal", "POC", "Sync", "Recap"} { // more than a page (5)
		crm.acts = append(crm.acts, connectors.Activity{Object: "event", ID: "00U" + string(rune('A'+i)), DealRecordID: deal, Subject: subject,
			OwnerID: "005-jane", At: at, ModifiedAt: f.now})
	}
	crm.acts = append(crm.acts,
		connectors.Activity{Object: "task", ID: "00T1", DealRecordID: deal, Subject: "mirrored", Key: "N-1", ModifiedAt: f.now},
		connectors.Activity{Object: "task", ID: "00T2", DealRecordID: private, Subject: "Demo", ModifiedAt: f.now},
		connectors.Activity{Object: "task", ID: "00T3", DealRecordID: deal, Type: "Call", Subject: "Follow-up", OwnerID: "005-jane", At: at, ModifiedAt: f.now})

	activities := func(got []delivered) []touchpoint.Activity {
		var out []touchpoint.Activity
		for _, d := range got {
			out = append(out, d.ev.Activities...)
		}
		return out
	}
	var st api.FeedState
	var all []touchpoint.Activity
	for range 10 { // the poll spans activities until it is over
		res, got := f.poll(t, st)
		st = res.State
		all = append(all, activities(got)...)
		if !res.More {
			break
		}
	}
	require.Len(t, all, 8, "seven events and the call; not the product's task nor the private deal's")
	for _, a := range all {
		assert.Equal(t, "jane.doe@acme.example", a.Person, "the owner's e-mail is the person")
	}
	assert.Equal(t, touchpoint.SalesforceTask, all[0].Object, "tasks first, then events")
	assert.Nil(t, st.Scan, "the poll is over")
	assert.NotZero(t, st.Activities["event"].ModifiedAt)

	// The next poll re-reads the overlap and delivers nothing again; an edited event is delivered again.
	res, got := f.poll(t, st)
	assert.Empty(t, activities(got))
	f.now = f.now.Add(time.Second)
	crm.acts[0].At, crm.acts[0].ModifiedAt = at.Add(time.Hour), f.now
	res, got = f.poll(t, res.State)
	moved := activities(got)
	require.Len(t, moved, 1, "the moved meeting")
	assert.Equal(t, at.Add(time.Hour), moved[0].At)
	assert.Equal(t, 1, res.Activities)
}
