package activities

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/internal/feedtest"
	"github.com/cosellsync/cosell/pairing"
)

// drain polls until one poll completes, the way the feed workflow and Temporal drive the activity: a
// failed attempt is retried with the last heartbeat it sent, and the state an activity returns is what
// the next one starts from. It returns the state each activity returned, the last one final, and how
// many retries resumed from a heartbeat.
func (f *feedFixture) drain(t *testing.T, st api.FeedState, maxAttempts int) (states []api.FeedState, resumed int) {
	t.Helper()
	var (
		ts   testsuite.WorkflowTestSuite
		env  *testsuite.TestActivityEnvironment
		mu   sync.Mutex
		last json.RawMessage
	)
	startPolls := st.Polls
	for range maxAttempts {
		if env == nil { // a new activity: no heartbeat of its own yet
			env = ts.NewTestActivityEnvironment()
			env.RegisterActivity(f.acts)
			env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
				var raw json.RawMessage
				require.NoError(t, d.Get(&raw))
				mu.Lock()
				defer mu.Unlock()
				last = raw
			})
			mu.Lock()
			last = nil
			mu.Unlock()
		}
		v, err := env.ExecuteActivity(f.acts.PollChanges, PollInput{PairingID: f.p.ID, Side: pairing.A, State: st})
		if err != nil {
			mu.Lock()
			if last != nil {
				env.SetHeartbeatDetails(last) // Temporal hands the retry the last heartbeat sent
				resumed++
			}
			mu.Unlock()
			continue
		}
		var res PollResult
		require.NoError(t, v.Get(&res))
		st, env = res.State, nil
		states = append(states, st)
		if st.Polls > startPolls {
			return states, resumed
		}
	}
	t.Fatalf("no poll completed in %d attempts; the cursor stands at %v", maxAttempts, st.Deals)
	return states, resumed
}

// TestPollDrainsABurstPageByPage flags 5,000 deals at once and has the poll fail midway again and again:
// a delivery that times out every 700 signals and a worker lost on every seventh page read. The feed
// must keep what each page delivered, resume from it, and deliver every deal exactly once.
func TestPollDrainsABurstPageByPage(t *testing.T) {
	f := newFeedFixture(t)
	f.acts.PageSize, f.acts.PagesPerPoll = 200, 4
	sink := &feedtest.FlakySink{FailEvery: 700}
	f.acts.Sink = sink.Deliver
	f.acts.Pairings[f.p.ID].CRM[pairing.A] = &feedtest.FlakyCRM{CRM: f.sf, CrashEvery: 7}
	ids := feedtest.Burst(f.sf, 5000, "005-jane", func() { f.now = f.now.Add(2 * time.Millisecond) })

	states, resumed := f.drain(t, api.FeedState{}, 200)

	counts := sink.Counts()
	for _, id := range ids {
		if counts[id] != 1 {
			t.Fatalf("deal %s delivered %d times", id, counts[id])
		}
	}
	assert.Len(t, counts, len(ids))
	assert.Positive(t, resumed, "some retries resumed from a heartbeat")
	final := states[len(states)-1]
	last, ok := f.sf.Deal(ids[len(ids)-1])
	require.True(t, ok)
	assert.Equal(t, connectors.Cursor{ModifiedAt: last.ModifiedAt, ID: last.RecordID}, final.Deals, "the cursor ends on the last deal")
	assert.Less(t, len(final.Seen), 5000, "the seen set keeps only the overlap window")

	// Every activity hands back a cursor past the one before, never more than its 4 pages further.
	require.GreaterOrEqual(t, len(states), 5000/(4*200))
	prev := connectors.Cursor{}
	delivered := 0
	for i, st := range states[:len(states)-1] {
		require.True(t, prev.Less(st.Deals.ModifiedAt, st.Deals.ID), "activity %d: cursor %v is not past %v", i, st.Deals, prev)
		require.NotNil(t, st.Scan, "activity %d: the poll goes on", i)
		n := 0
		for _, id := range ids[delivered:] {
			if d, _ := f.sf.Deal(id); st.Deals.Less(d.ModifiedAt, d.RecordID) {
				break
			}
			n++
		}
		assert.LessOrEqual(t, n, 4*200, "activity %d read at most its page budget", i)
		prev, delivered = st.Deals, delivered+n
	}
	assert.Nil(t, final.Scan, "the poll is over")
}
