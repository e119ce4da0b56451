package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
)

// feedPollsPerRun bounds a feed's history: each poll activity adds a handful of events, so a run stays
// far below Temporal's limits and continue-as-new carries only the cursors, a poll's scan position and
// the overlap window's seen set.
const feedPollsPerRun = 500

// ChangeFeedWorkflow polls one CRM connection for changed co-sell deals and notes, forever, and signals
// each change to its deal workflow, in whichever of the pairings that use the connection it belongs to
// (FeedInput.Connection). Histories from before connections had feeds poll one side of one pairing
// (FeedInput.PairingID and Side); the input alone tells the two apart, so their commands are the same. A poll of a large burst takes several activities: while one
// answers More, the next starts at once from its state, so every few pages the cursor moves in the
// workflow's durable state. A failed poll is recorded (api.FeedQuery) and retried at the next interval,
// from the last heartbeat if it timed out; the cursor only moves once the changes behind it were
// delivered.
func ChangeFeedWorkflow(ctx workflow.Context, in api.FeedInput) error {
	f := &feed{in: in}
	if in.State != nil {
		f.st = *in.State
	}
	if err := workflow.SetQueryHandler(ctx, api.FeedQuery, func() (api.FeedView, error) {
		return api.FeedView{Connection: in.Connection, PairingID: in.PairingID, Side: in.Side, State: f.st}, nil
	}); err != nil {
		return err
	}
	return f.run(ctx)
}

type feed struct {
	in api.FeedInput
	st api.FeedState
}

func (f *feed) run(ctx workflow.Context) error {
	interval := f.in.PollInterval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	// Retries back off to at most one interval, but never below the first retry's second: the server
	// rejects a policy whose maximum is under its initial interval (sub-second polls in tests and demos).
	maxRetry := max(interval, time.Second)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        maxRetry,
			MaximumAttempts:        3,
			NonRetryableErrorTypes: []string{activities.ErrTypeRejected, activities.ErrTypeUnavailable, activities.ErrTypeConfig},
		},
	})
	for i := 0; i < feedPollsPerRun; i++ {
		var res activities.PollResult
		err := workflow.ExecuteActivity(actx, a.PollChanges, activities.PollInput{
			Connection: f.in.Connection, PairingID: f.in.PairingID, Side: f.in.Side, State: f.st,
		}).Get(ctx, &res)
		wait := interval
		if err != nil {
			f.failed(ctx, err)
			if u, ok := activities.UnavailableOf(err); ok && u.RetryAfter > wait {
				wait = u.RetryAfter
			}
			workflow.GetLogger(ctx).Warn("poll failed", "connection", f.in.Connection, "pairing", f.in.PairingID, "side", string(f.in.Side), "error", err, "retryIn", wait)
		} else {
			f.st = res.State
			f.st.LastError = ""
			if res.Interval > 0 {
				wait = res.Interval
			}
		}
		if err == nil && res.More {
			wait = 0 // the poll goes on: the next page is due now
		}
		if wait > 0 {
			if err := workflow.Sleep(ctx, wait); err != nil {
				return err
			}
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			break
		}
	}
	st := f.st
	return workflow.NewContinueAsNewError(ctx, api.ChangeFeedWorkflowName, api.FeedInput{
		Connection: f.in.Connection, PairingID: f.in.PairingID, Side: f.in.Side, PollInterval: f.in.PollInterval, State: &st,
	})
}

// failed records a poll that failed for good. One that timed out keeps the position its last heartbeat
// recorded, so the pages it delivered are not read again.
func (f *feed) failed(ctx workflow.Context, err error) {
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) && timeout.HasLastHeartbeatDetails() {
		var hb api.FeedState
		derr := timeout.LastHeartbeatDetails(&hb)
		switch {
		case derr != nil:
			workflow.GetLogger(ctx).Warn("poll heartbeat unreadable", "connection", f.in.Connection, "pairing", f.in.PairingID, "side", string(f.in.Side), "error", derr)
		case hb.Scan != nil: // every heartbeat is taken mid-poll
			f.st = hb
		}
	}
	f.st.LastError = err.Error()
}
