package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
)

// feedRig runs a change feed over mocked activities and records when each ran and with what.
type feedRig struct {
	t        *testing.T
	env      *testsuite.TestWorkflowEnvironment
	start    time.Time
	polls    []time.Duration
	pollIn   []api.FeedState
	delivers []activities.DeliverChangedInput
	at       []time.Duration
	// deliver answers a DeliverChanged call; nil delivers every deal at stamp 1 s.
	deliver func(activities.DeliverChangedInput) (activities.DeliverChangedResult, error)
	poll    func(activities.PollInput) activities.PollResult
}

func newFeedRig(t *testing.T) *feedRig {
	var ts testsuite.WorkflowTestSuite
	r := &feedRig{t: t, env: ts.NewTestWorkflowEnvironment()}
	acts := &activities.Activities{}
	Register(r.env, acts)
	r.start = r.env.Now()
	r.env.OnActivity(acts.PollChanges, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PollInput) (activities.PollResult, error) {
			r.polls = append(r.polls, r.env.Now().Sub(r.start))
			r.pollIn = append(r.pollIn, in.State)
			if r.poll != nil {
				return r.poll(in), nil
			}
			st := in.State
			st.Polls++
			return activities.PollResult{State: st}, nil
		})
	r.env.OnActivity(acts.DeliverChanged, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DeliverChangedInput) (activities.DeliverChangedResult, error) {
			r.delivers = append(r.delivers, in)
			r.at = append(r.at, r.env.Now().Sub(r.start))
			if r.deliver != nil {
				return r.deliver(in)
			}
			var res activities.DeliverChangedResult
			for _, id := range in.Deals {
				res.Delivered = append(res.Delivered, activities.KnownVersion{ID: id, ModifiedAt: time.Unix(1, 0).UTC(), Sum: 7})
			}
			return res, nil
		})
	return r
}

// at schedules fn d after the start.
func (r *feedRig) after(d time.Duration, fn func()) { r.env.RegisterDelayedCallback(fn, d) }

func (r *feedRig) signal(d time.Duration, rc api.RecordsChanged) {
	r.after(d, func() { r.env.SignalWorkflow(api.RecordsSignal, rc) })
}

func (r *feedRig) view() api.FeedView {
	v, err := r.env.QueryWorkflow(api.FeedQuery)
	require.NoError(r.t, err)
	var fv api.FeedView
	require.NoError(r.t, v.Get(&fv))
	return fv
}

func (r *feedRig) run(in api.FeedInput, until time.Duration) {
	in.PairingID, in.Side = "p", pairing.B
	r.after(until, r.env.CancelWorkflow)
	r.env.ExecuteWorkflow(ChangeFeedWorkflow, in)
	require.True(r.t, r.env.IsWorkflowCompleted())
}

func TestChangeFeedDeliversWebhookDealsWithPollingOff(t *testing.T) {
	r := newFeedRig(t)
	r.signal(time.Second, api.RecordsChanged{Deals: []string{"d1", "d2", "d1"}, Source: "test"})
	r.signal(3*time.Second, api.RecordsChanged{Deals: []string{"d1"}, Source: "test"})
	var mid api.FeedView
	r.after(5*time.Second, func() { mid = r.view() })
	r.signal(10*time.Second, api.RecordsChanged{Poll: true, Source: "test"})
	r.signal(10*time.Second+100*time.Millisecond, api.RecordsChanged{Poll: true, Source: "test"})
	r.run(api.FeedInput{PollInterval: time.Minute, NoPolling: true}, time.Hour)

	require.Len(t, r.delivers, 2)
	assert.Equal(t, []string{"d1", "d2"}, r.delivers[0].Deals, "each deal once per batch")
	assert.Empty(t, r.delivers[0].Known)
	assert.Equal(t, []activities.KnownVersion{{ID: "d1", ModifiedAt: time.Unix(1, 0).UTC(), Sum: 7}}, r.delivers[1].Known,
		"the version delivered before goes along, so a repeated notice signals nobody")
	assert.Equal(t, []time.Duration{time.Second, 3 * time.Second}, r.at, "delivered when the signal arrives")
	assert.Equal(t, 0, mid.State.Polls)
	assert.Equal(t, 4, mid.State.Notified, "every id handed over, repeats included")
	assert.Equal(t, 3, mid.State.Delivered)
	assert.Empty(t, mid.State.Pending)
	require.Len(t, r.polls, 2, "polling is off: only the polls webhooks asked for ran, %v", r.polls)
	assert.Equal(t, 10*time.Second, r.polls[0])
	assert.Equal(t, 11*time.Second, r.polls[1], "a second ask waits a second after the poll before")
	assert.Empty(t, r.pollIn[0].Pending, "a poll carries cursors, not the webhook queue")
	assert.Contains(t, r.pollIn[0].Seen, "d1", "what webhooks delivered is in the seen set the poll dedupes with")
}

func TestChangeFeedDeliversBetweenPollsWithoutMovingThem(t *testing.T) {
	r := newFeedRig(t)
	r.signal(3*time.Second, api.RecordsChanged{Deals: []string{"d1"}})
	r.signal(13*time.Second, api.RecordsChanged{Deals: []string{"d2"}, Poll: true})
	r.run(api.FeedInput{PollInterval: 10 * time.Second}, 35*time.Second)

	assert.Equal(t, []time.Duration{3 * time.Second, 13 * time.Second}, r.at)
	assert.Equal(t, []time.Duration{0, 10 * time.Second, 13 * time.Second, 23 * time.Second, 33 * time.Second}, r.polls,
		"polls keep their interval; a webhook that asks for one brings it forward")
}

func TestChangeFeedRetriesWhatItCouldNotDeliver(t *testing.T) {
	r := newFeedRig(t)
	calls := 0
	r.deliver = func(in activities.DeliverChangedInput) (activities.DeliverChangedResult, error) {
		calls++
		switch calls {
		case 1:
			return activities.DeliverChangedResult{Delivered: []activities.KnownVersion{{ID: "d1"}}, Retry: []string{"d2"}}, nil
		case 2, 3, 4: // every attempt Temporal makes of the activity
			return activities.DeliverChangedResult{}, errors.New("temporal: unavailable")
		}
		var res activities.DeliverChangedResult
		for _, id := range in.Deals {
			res.Delivered = append(res.Delivered, activities.KnownVersion{ID: id})
		}
		return res, nil
	}
	r.signal(time.Second, api.RecordsChanged{Deals: []string{"d1", "d2"}})
	var end api.FeedView
	r.after(50*time.Second, func() { end = r.view() })
	r.run(api.FeedInput{PollInterval: time.Minute, NoPolling: true}, time.Minute)

	require.Len(t, r.delivers, 5)
	for _, d := range r.delivers[1:] {
		assert.Equal(t, []string{"d2"}, d.Deals, "a deal not delivered, or an activity that failed, keeps its deals")
	}
	assert.Equal(t, []time.Duration{time.Second, 3 * time.Second, 4 * time.Second, 6 * time.Second, 10 * time.Second}, r.at,
		"2 s after a deal came back, Temporal's own retries of the activity, then 4 s after it failed for good")
	assert.Empty(t, end.State.Pending)
	assert.Equal(t, 2, end.State.Delivered)
	assert.Empty(t, r.polls)
}

func TestChangeFeedFollowsItsSettings(t *testing.T) {
	r := newFeedRig(t)
	settings := func(d time.Duration, s api.FeedSettings) {
		r.after(d, func() { r.env.SignalWorkflow(api.FeedSettingsSignal, s) })
	}
	settings(25*time.Second, api.FeedSettings{PollInterval: 10 * time.Second, NoPolling: true})
	settings(65*time.Second, api.FeedSettings{PollInterval: 20 * time.Second})
	settings(70*time.Second, api.FeedSettings{PollInterval: 20 * time.Second}) // a restart with the same settings
	r.run(api.FeedInput{PollInterval: 10 * time.Second}, 110*time.Second)

	assert.Equal(t, []time.Duration{0, 10 * time.Second, 20 * time.Second, 65 * time.Second, 85 * time.Second, 105 * time.Second}, r.polls,
		"polling stops when turned off and resumes at once, at the new interval, when turned on")
}

func TestChangeFeedCarriesPendingDealsAcrossContinueAsNew(t *testing.T) {
	defer func(n int) { feedPollsPerRun = n }(feedPollsPerRun)
	feedPollsPerRun = 3
	r := newFeedRig(t)
	r.deliver = func(in activities.DeliverChangedInput) (activities.DeliverChangedResult, error) {
		return activities.DeliverChangedResult{Retry: in.Deals}, nil // the CRM is down for these
	}
	r.signal(time.Second, api.RecordsChanged{Deals: []string{"d1", "d2"}})
	r.signal(2*time.Second, api.RecordsChanged{Poll: true})
	r.env.ExecuteWorkflow(ChangeFeedWorkflow, api.FeedInput{PairingID: "p", Side: pairing.B, PollInterval: time.Hour, NoPolling: true})

	require.True(t, r.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, r.env.GetWorkflowError(), &can)
	var next api.FeedInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	assert.True(t, next.NoPolling)
	assert.Equal(t, time.Hour, next.PollInterval)
	require.NotNil(t, next.State)
	assert.Equal(t, []string{"d1", "d2"}, next.State.Pending, "the deals still to deliver ride along")
}
