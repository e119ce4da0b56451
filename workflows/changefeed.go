package workflows

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
)

// feedPollsPerRun bounds a feed's history: each poll or webhook delivery activity adds a handful of
// events, so a run stays far below Temporal's limits and continue-as-new carries only the cursors, a
// poll's scan position, the overlap window's seen set and the deals webhooks handed over.
var feedPollsPerRun = 500 // a variable so tests can continue-as-new sooner

const (
	// webhookBatch is the most deals one DeliverChanged activity reads.
	webhookBatch = 100
	// maxPending bounds the deals waiting for delivery; past it a webhook's deals are left to a poll,
	// which the feed asks for, so a 2xx still means the change syncs.
	maxPending = 10_000
	// maxSeen bounds the seen set when no poll prunes it (polling off): the oldest versions are
	// forgotten, which costs a repeated signal at most.
	maxSeen = 10_000
	// askedPollGap is the least time from the end of one poll to a poll a webhook asks for, so a stream
	// of note events polls once a second at most.
	askedPollGap = time.Second
)

// ChangeFeedWorkflow is the single entry point of changes from one CRM connection, for every pairing
// that uses it (FeedInput.Connection); histories from before connections had feeds poll one side of one
// pairing (FeedInput.PairingID and Side), and the input alone tells the two apart, so their commands are
// the same. It polls for changed co-sell deals and notes, and it takes the deals webhooks name (the
// records signal), and delivers both the same way: each deal read fresh and signalled to its deal
// workflow, in whichever pairing it belongs to. A poll of a large
// burst takes several activities: while one answers More, the next starts at once from its state, so
// every few pages the cursor moves in the workflow's durable state. A failed poll is recorded
// (api.FeedQuery) and retried at the next interval, from the last heartbeat if it timed out; the cursor
// only moves once the changes behind it were delivered. Webhook deliveries go first, between poll
// activities; a deal whose read fails waits in the state and is tried again after a backoff.
//
// With webhooks on the worker sets a long poll interval, or none: polling is then the safety net for a
// lost webhook, and a webhook that names no deal (a new note) asks for a poll instead.
func ChangeFeedWorkflow(ctx workflow.Context, in api.FeedInput) error {
	f := &feed{in: in, interval: in.PollInterval, noPolling: in.NoPolling}
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
	// interval and noPolling are the settings in force: the input's, then the last settings signal's.
	interval  time.Duration
	noPolling bool
	// nextPoll is when the next poll is due, zero when none is (polling off, nothing asked).
	nextPoll    time.Time
	lastPollEnd time.Time
	// retryAt holds pending deliveries back after a failed one, for backoff.
	retryAt time.Time
	backoff time.Duration

	records, settings workflow.ReceiveChannel
	alarm             *alarm
}

// alarm is the one timer the feed waits on, kept across waits while its moment stays the same.
type alarm struct {
	at     time.Time
	fired  bool
	fut    workflow.Future
	cancel workflow.CancelFunc
}

func (f *feed) run(ctx workflow.Context) error {
	f.records = workflow.GetSignalChannel(ctx, api.RecordsSignal)
	f.settings = workflow.GetSignalChannel(ctx, api.FeedSettingsSignal)
	if f.interval <= 0 {
		f.interval = 10 * time.Second
	}
	// Retries back off to at most one interval, but never below the first retry's second: the server
	// rejects a policy whose maximum is under its initial interval (sub-second polls in tests and demos).
	maxRetry := max(f.interval, time.Second)
	pollCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    activities.FeedHeartbeatTimeout(),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        maxRetry,
			MaximumAttempts:        3,
			NonRetryableErrorTypes: []string{activities.ErrTypeRejected, activities.ErrTypeUnavailable, activities.ErrTypeConfig},
		},
	})
	deliverCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    activities.FeedHeartbeatTimeout(),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 3,
			NonRetryableErrorTypes: []string{activities.ErrTypeConfig},
		},
	})
	now := workflow.Now(ctx)
	if !f.noPolling || f.st.PollAsked {
		f.nextPoll = now // a run starts with a poll, as a feed always has
	}
	f.drain(ctx)
	f.waitForWork(ctx)
	for i := 0; i < feedPollsPerRun && ctx.Err() == nil; i++ {
		if f.deliveryDue(workflow.Now(ctx)) {
			f.deliver(ctx, deliverCtx)
		} else {
			f.poll(ctx, pollCtx)
		}
		f.waitForWork(ctx)
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f.drain(ctx) // nothing received is lost: it rides in the state
	st := f.st
	return workflow.NewContinueAsNewError(ctx, api.ChangeFeedWorkflowName, api.FeedInput{
		Connection: f.in.Connection, PairingID: f.in.PairingID, Side: f.in.Side, PollInterval: f.interval, NoPolling: f.noPolling, State: &st,
	})
}

// poll runs one PollChanges activity and schedules the next poll: after the interval, at once while a
// burst is being read, after the CRM's delay when it asked for one, and not at all with polling off.
func (f *feed) poll(ctx, actx workflow.Context) {
	f.st.PollAsked = false
	pending := f.st.Pending
	in := f.st
	in.Pending = nil // the poll needs only its cursors
	var res activities.PollResult
	err := workflow.ExecuteActivity(actx, a.PollChanges, activities.PollInput{
		Connection: f.in.Connection, PairingID: f.in.PairingID, Side: f.in.Side, State: in,
	}).Get(ctx, &res)
	wait := f.interval
	if err != nil {
		f.failed(ctx, err)
		if u, ok := activities.UnavailableOf(err); ok && u.RetryAfter > wait {
			wait = u.RetryAfter
		}
		workflow.GetLogger(ctx).Warn("poll failed", "connection", f.in.Connection, "pairing", f.in.PairingID, "side", string(f.in.Side), "error", err, "retryIn", wait)
	} else {
		f.st = res.State
		f.st.LastError = ""
		if res.Interval > 0 { // the worker reported its settings for this side
			wait = res.Interval
			f.noPolling = res.NoPolling
		}
	}
	f.st.Pending = pending
	now := workflow.Now(ctx)
	f.lastPollEnd = now
	switch {
	case err == nil && res.More:
		f.nextPoll = now // the poll goes on: the next page is due now
	case err == nil && f.noPolling:
		f.nextPoll = time.Time{}
	default:
		f.nextPoll = now.Add(wait)
	}
}

// deliver hands up to webhookBatch pending deals to DeliverChanged, with what the feed knows of them,
// and keeps those it could not deliver for a later try.
func (f *feed) deliver(ctx, actx workflow.Context) {
	n := min(len(f.st.Pending), webhookBatch)
	batch := slices.Clone(f.st.Pending[:n])
	in := activities.DeliverChangedInput{Connection: f.in.Connection, PairingID: f.in.PairingID, Side: f.in.Side, Deals: batch}
	for _, id := range batch {
		if at, ok := f.st.Seen[id]; ok {
			in.Known = append(in.Known, activities.KnownVersion{ID: id, ModifiedAt: at, Sum: f.st.SeenSums[id]})
		}
	}
	var res activities.DeliverChangedResult
	err := workflow.ExecuteActivity(actx, a.DeliverChanged, in).Get(ctx, &res)
	now := workflow.Now(ctx)
	if err != nil {
		f.st.LastError = err.Error()
		f.retryLater(now)
		workflow.GetLogger(ctx).Warn("webhook deliveries failed; they wait in the feed", "connection", f.in.Connection, "pairing", f.in.PairingID, "side", string(f.in.Side),
			"deals", n, "error", err, "retryIn", f.backoff)
		return
	}
	f.st.Pending = append(slices.Clone(f.st.Pending[n:]), res.Retry...)
	f.st.Delivered += len(res.Delivered)
	for _, v := range res.Delivered {
		if f.st.Seen == nil {
			f.st.Seen, f.st.SeenSums = map[string]time.Time{}, map[string]uint64{}
		}
		if f.st.SeenSums == nil {
			f.st.SeenSums = map[string]uint64{}
		}
		if at, ok := f.st.Seen[v.ID]; !ok || !at.After(v.ModifiedAt) {
			f.st.Seen[v.ID], f.st.SeenSums[v.ID] = v.ModifiedAt, v.Sum
		}
	}
	f.boundSeen()
	if len(res.Retry) > 0 {
		f.retryLater(now)
	} else {
		f.retryAt, f.backoff = time.Time{}, 0
	}
	if res.Interval > 0 {
		f.apply(now, api.FeedSettings{PollInterval: res.Interval, NoPolling: res.NoPolling})
	}
}

// retryLater holds pending deliveries back, 2 s after the first failure, doubling up to two minutes.
func (f *feed) retryLater(now time.Time) {
	f.backoff = min(max(2*f.backoff, 2*time.Second), 2*time.Minute)
	f.retryAt = now.Add(f.backoff)
}

// boundSeen forgets the oldest versions past maxSeen. A poll prunes the set by its cursor; with polling
// off only this bound holds it.
func (f *feed) boundSeen() {
	extra := len(f.st.Seen) - maxSeen
	if extra <= 0 {
		return
	}
	ids := workflow.DeterministicKeys(f.st.Seen)
	slices.SortStableFunc(ids, func(x, y string) int { return f.st.Seen[x].Compare(f.st.Seen[y]) })
	for _, id := range ids[:extra] {
		delete(f.st.Seen, id)
		delete(f.st.SeenSums, id)
	}
}

// deliveryDue says pending webhook deals may be delivered now.
func (f *feed) deliveryDue(now time.Time) bool {
	return len(f.st.Pending) > 0 && !now.Before(f.retryAt)
}

// due says some work is due now: a delivery or a poll.
func (f *feed) due(now time.Time) bool {
	return f.deliveryDue(now) || (!f.nextPoll.IsZero() && !now.Before(f.nextPoll))
}

// wakeAt is the next moment work falls due by itself, zero when only a signal can bring any.
func (f *feed) wakeAt() time.Time {
	at := f.nextPoll
	if len(f.st.Pending) > 0 && (at.IsZero() || f.retryAt.Before(at)) {
		at = f.retryAt
	}
	return at
}

// waitForWork blocks until a delivery or a poll is due, folding in every signal that arrives meanwhile.
// It waits on one timer for the next due moment, kept while that moment stays, so a webhook arriving
// between polls neither restarts nor adds one.
func (f *feed) waitForWork(ctx workflow.Context) {
	for ctx.Err() == nil {
		f.drain(ctx)
		now := workflow.Now(ctx)
		if f.due(now) {
			return
		}
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(f.records, func(c workflow.ReceiveChannel, _ bool) {
			var rc api.RecordsChanged
			c.Receive(ctx, &rc)
			f.add(ctx, rc)
		})
		sel.AddReceive(f.settings, func(c workflow.ReceiveChannel, _ bool) {
			var s api.FeedSettings
			c.Receive(ctx, &s)
			f.apply(workflow.Now(ctx), s)
		})
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		if at := f.wakeAt(); !at.IsZero() {
			f.alarm = rearm(ctx, f.alarm, at)
			al := f.alarm
			sel.AddFuture(al.fut, func(workflow.Future) { al.fired = true })
		}
		sel.Select(ctx)
	}
}

// rearm returns the timer for the moment at: cur when it is set for that moment and has not fired,
// else a new one, cancelling cur. With no moment it cancels cur and returns nil. Keeping a timer
// across waits spares the Temporal actions of cancelling it and starting the same one again.
func rearm(ctx workflow.Context, cur *alarm, at time.Time) *alarm {
	if cur != nil && cur.at.Equal(at) && !cur.fired {
		return cur
	}
	if cur != nil && !cur.fired {
		cur.cancel()
	}
	if at.IsZero() {
		return nil
	}
	tctx, cancel := workflow.WithCancel(ctx)
	return &alarm{at: at, cancel: cancel, fut: workflow.NewTimer(tctx, at.Sub(workflow.Now(ctx)))}
}

// drain folds every signal already received into the state, settings first.
func (f *feed) drain(ctx workflow.Context) {
	for {
		var s api.FeedSettings
		if !f.settings.ReceiveAsync(&s) {
			break
		}
		f.apply(workflow.Now(ctx), s)
	}
	for {
		var rc api.RecordsChanged
		if !f.records.ReceiveAsync(&rc) {
			return
		}
		f.add(ctx, rc)
	}
}

// add takes a webhook's deals into the pending list, each once, and its request for a poll.
func (f *feed) add(ctx workflow.Context, rc api.RecordsChanged) {
	f.st.Notified += len(rc.Deals)
	overflow := false
	for _, id := range rc.Deals {
		switch {
		case slices.Contains(f.st.Pending, id):
		case len(f.st.Pending) >= maxPending:
			overflow = true
		default:
			f.st.Pending = append(f.st.Pending, id)
		}
	}
	if overflow {
		workflow.GetLogger(ctx).Warn("too many webhook deals waiting; a poll picks up the rest", "connection", f.in.Connection, "pairing", f.in.PairingID, "side", string(f.in.Side), "pending", len(f.st.Pending))
	}
	if rc.Poll || overflow {
		f.st.PollAsked = true
		at := workflow.Now(ctx)
		if gap := f.lastPollEnd.Add(askedPollGap); !f.lastPollEnd.IsZero() && gap.After(at) {
			at = gap
		}
		if f.nextPoll.IsZero() || at.Before(f.nextPoll) {
			f.nextPoll = at
		}
	}
}

// apply takes new settings: a shorter interval brings the next poll forward, a longer one applies
// from the next poll on; turning polling off cancels the next poll unless it is part of a burst, a
// retry, or asked for; turning it on polls now.
func (f *feed) apply(now time.Time, s api.FeedSettings) {
	if (s.PollInterval <= 0 || s.PollInterval == f.interval) && s.NoPolling == f.noPolling {
		return // nothing changed: a wait the CRM asked for stands
	}
	if s.PollInterval > 0 {
		f.interval = s.PollInterval
	}
	wasOff := f.noPolling
	f.noPolling = s.NoPolling
	switch {
	case f.noPolling:
		if !f.st.PollAsked && f.st.Scan == nil && f.st.LastError == "" {
			f.nextPoll = time.Time{}
		}
	case wasOff || f.nextPoll.IsZero():
		f.nextPoll = now
	default:
		if soonest := f.lastPollEnd.Add(f.interval); soonest.Before(f.nextPoll) {
			f.nextPoll = soonest
			if soonest.Before(now) {
				f.nextPoll = now
			}
		}
	}
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
