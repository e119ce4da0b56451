package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/backfill"
	"github.com/cosellsync/cosell/vocab"
)

// Bounds of one backfill.
var (
	// backfillMaxRecords bounds the deals a backfill carries in its state (about 150 bytes each in a
	// continue-as-new payload, which Temporal caps at 2 MB): a pairing with more deals since the date
	// is backfilled in narrower --since windows.
	backfillMaxRecords = 10_000
	// backfillActivitiesPerRun bounds the activities of one run before it continues as new, whatever
	// Temporal suggests; tests lower it.
	backfillActivitiesPerRun = 500
	// backfillScanPages is the pages of 200 deals one scan activity reads before it hands its records
	// to the workflow.
	backfillScanPages = 2
	// backfillLinkPairs is the pairs one link activity links (in chunks, heartbeating after each).
	backfillLinkPairs = 200
)

// BackfillWorkflow links a pairing's deals that existed in both CRMs before the sync (`cosell
// backfill`, issue #11 item 5): it scans side a's deals modified since the date, then side b's (the
// BackfillScan activity, a few pages at a time, heartbeating its cursor), matches them with the pure
// rules of package backfill, and links the unambiguous pairs (BackfillLink, heartbeating after each
// chunk). The ambiguous groups are its result, for the review file; a run with Confirm links the
// admin's confirmed pairs and scans nothing. Its progress is the backfill query's answer.
//
// A worker that dies mid-activity loses nothing: the activity is retried from its last heartbeat. The
// workflow continues as new when Temporal suggests it (or after backfillActivitiesPerRun activities),
// carrying its state: cursors, the compact records read, the pairs and how far linking got.
func BackfillWorkflow(ctx workflow.Context, in api.BackfillInput) (api.BackfillResult, error) {
	b := &backfillRun{in: in}
	if err := b.setup(ctx); err != nil {
		return api.BackfillResult{}, err
	}
	return b.run(ctx)
}

type backfillRun struct {
	in   api.BackfillInput
	st   api.BackfillState
	acts int
}

func (b *backfillRun) setup(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	if b.in.State != nil {
		b.st = *b.in.State
	} else {
		if err := b.in.Tolerance.Validate(); err != nil {
			return temporal.NewNonRetryableApplicationError(err.Error(), "BadInput", nil)
		}
		b.st = api.BackfillState{Phase: api.BackfillScanA}
		b.st.Cursor.ModifiedAt = b.in.Since
		b.st.Progress = api.BackfillProgress{PairingID: b.in.PairingID, Since: b.in.Since, StartedAt: now, PhaseAt: now, UpdatedAt: now}
		if b.in.Confirm != nil {
			b.st.Phase, b.st.ToLink = api.BackfillLink, b.in.Confirm
			b.st.Progress.Confirming, b.st.Progress.ToLink = true, len(b.in.Confirm)
		}
		b.st.Progress.Phase = b.st.Phase
	}
	b.st.Progress.Runs++
	return workflow.SetQueryHandler(ctx, api.BackfillQuery, func() (api.BackfillProgress, error) {
		return b.st.Progress, nil
	})
}

func (b *backfillRun) run(ctx workflow.Context) (api.BackfillResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    activities.FeedHeartbeatTimeout(),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
			// A CRM that refuses or a pairing this worker does not serve ends the backfill with its reason.
			NonRetryableErrorTypes: []string{activities.ErrTypeConfig, activities.ErrTypeRejected},
		},
	})
	for b.st.Phase != api.BackfillDone {
		if b.acts >= backfillActivitiesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			in := b.in
			st := b.st
			in.State = &st
			return api.BackfillResult{}, workflow.NewContinueAsNewError(ctx, api.BackfillWorkflowName, in)
		}
		var err error
		switch b.st.Phase {
		case api.BackfillScanA, api.BackfillScanB:
			err = b.scan(ctx, actx)
		case api.BackfillLink:
			err = b.link(ctx, actx)
		default:
			return api.BackfillResult{}, fmt.Errorf("backfill of %s: unknown phase %q", b.in.PairingID, b.st.Phase)
		}
		if err != nil {
			return api.BackfillResult{}, err
		}
	}
	return api.BackfillResult{Progress: b.st.Progress, Linked: b.st.Linked, Skipped: b.st.Skipped, Ambiguous: b.st.Ambiguous}, nil
}

// scan reads the next pages of the side being scanned; at the end of side b it matches.
func (b *backfillRun) scan(ctx, actx workflow.Context) error {
	side := vocab.A
	if b.st.Phase == api.BackfillScanB {
		side = vocab.B
	}
	var res api.BackfillScanResult
	b.acts++
	b.st.Progress.Activities++
	if err := workflow.ExecuteActivity(actx, (*activities.Activities).BackfillScan, api.BackfillScanInput{
		PairingID: b.in.PairingID, Side: side, After: b.st.Cursor, Pages: backfillScanPages,
	}).Get(ctx, &res); err != nil {
		return fmt.Errorf("backfill of %s: scan side %s: %w", b.in.PairingID, side, err)
	}
	now := workflow.Now(ctx)
	if side == vocab.A {
		b.st.A = append(b.st.A, res.Records...)
		b.st.Progress.ScannedA = len(b.st.A)
	} else {
		b.st.B = append(b.st.B, res.Records...)
		b.st.Progress.ScannedB = len(b.st.B)
	}
	if n := len(b.st.A) + len(b.st.B); n > backfillMaxRecords {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"backfill of %s: more than %d deals were modified since %s; backfill narrower windows (a later --since first)",
			b.in.PairingID, backfillMaxRecords, b.in.Since.Format(time.DateOnly)), "TooManyDeals", nil)
	}
	b.st.Cursor = res.Next
	b.tick(now, b.st.Progress.Scanned())
	if !res.Done {
		return nil
	}
	if side == vocab.A {
		b.st.Phase = api.BackfillScanB
		b.st.Cursor.ModifiedAt, b.st.Cursor.ID = b.in.Since, ""
		b.st.Progress.Phase = b.st.Phase
		return nil
	}
	m := backfill.Match(b.st.A, b.st.B, b.in.Tolerance)
	b.st.A, b.st.B = nil, nil // matched: the state keeps the pairs and the review groups only
	b.st.ToLink, b.st.Ambiguous = m.Link, m.Ambiguous
	p := &b.st.Progress
	p.ToLink, p.AlreadyLinked, p.Ambiguous = len(m.Link), len(m.AlreadyLinked), len(m.Ambiguous)
	p.UnmatchedA, p.UnmatchedB = len(m.UnmatchedA), len(m.UnmatchedB)
	b.setPhase(now, api.BackfillLink)
	workflow.GetLogger(ctx).Info("backfill matched", "pairing", b.in.PairingID, "link", p.ToLink, "alreadyLinked", p.AlreadyLinked,
		"ambiguous", p.Ambiguous, "unmatchedA", p.UnmatchedA, "unmatchedB", p.UnmatchedB)
	return nil
}

// link links the next pairs; after the last one the backfill is done.
func (b *backfillRun) link(ctx, actx workflow.Context) error {
	if b.st.Next >= len(b.st.ToLink) {
		b.setPhase(workflow.Now(ctx), api.BackfillDone)
		return nil
	}
	end := min(b.st.Next+backfillLinkPairs, len(b.st.ToLink))
	var res api.BackfillLinkResult
	b.acts++
	b.st.Progress.Activities++
	if err := workflow.ExecuteActivity(actx, (*activities.Activities).BackfillLink, api.BackfillLinkInput{
		PairingID: b.in.PairingID, Pairs: b.st.ToLink[b.st.Next:end],
	}).Get(ctx, &res); err != nil {
		return fmt.Errorf("backfill of %s: link pairs %d to %d: %w", b.in.PairingID, b.st.Next+1, end, err)
	}
	b.st.Linked = append(b.st.Linked, res.Linked...)
	b.st.Skipped = append(b.st.Skipped, res.Skipped...)
	b.st.Next = end
	b.st.Progress.Linked, b.st.Progress.Skipped = len(b.st.Linked), len(b.st.Skipped)
	b.tick(workflow.Now(ctx), b.st.Next)
	return nil
}

func (b *backfillRun) setPhase(now time.Time, phase string) {
	b.st.Phase = phase
	b.st.Progress.Phase, b.st.Progress.PhaseAt, b.st.Progress.UpdatedAt = phase, now, now
	b.st.Progress.Rate = 0
}

// tick updates the progress's pace: done items of the phase per second since it began.
func (b *backfillRun) tick(now time.Time, done int) {
	p := &b.st.Progress
	p.UpdatedAt = now
	if secs := now.Sub(p.PhaseAt).Seconds(); secs > 0 {
		p.Rate = float64(done) / secs
	}
}
