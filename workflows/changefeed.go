package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
)

// feedPollsPerRun bounds a feed's history: each poll adds a handful of events, so a run stays far below
// Temporal's limits and continue-as-new carries only the cursor and the overlap window's seen set.
const feedPollsPerRun = 500

// ChangeFeedWorkflow polls one side of a pairing for changed co-sell deals and notes, forever, and
// signals each change to its deal workflow. A failed poll is recorded (api.FeedQuery) and retried at the
// next interval; the cursor only moves once the changes behind it were delivered.
func ChangeFeedWorkflow(ctx workflow.Context, in api.FeedInput) error {
	f := &feed{in: in}
	if in.State != nil {
		f.st = *in.State
	}
	if err := workflow.SetQueryHandler(ctx, api.FeedQuery, func() (api.FeedView, error) {
		return api.FeedView{PairingID: in.PairingID, Side: in.Side, State: f.st}, nil
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
			PairingID: f.in.PairingID, Side: f.in.Side, State: f.st,
		}).Get(ctx, &res)
		wait := interval
		if err != nil {
			f.st.LastError = err.Error()
			if u, ok := activities.UnavailableOf(err); ok && u.RetryAfter > wait {
				wait = u.RetryAfter
			}
			workflow.GetLogger(ctx).Warn("poll failed", "pairing", f.in.PairingID, "side", string(f.in.Side), "error", err, "retryIn", wait)
		} else {
			f.st = res.State
			f.st.LastError = ""
			if res.Interval > 0 {
				wait = res.Interval
			}
		}
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			break
		}
	}
	st := f.st
	return workflow.NewContinueAsNewError(ctx, api.ChangeFeedWorkflowName, api.FeedInput{
		PairingID: f.in.PairingID, Side: f.in.Side, PollInterval: f.in.PollInterval, State: &st,
	})
}
