package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
)

// startFeeds makes the feeds and pilots match the catalog served: a change feed for each CRM
// connection (one for every pairing that uses it), a pilot for each pairing that enables one, and no
// feed for a connection that no pairing uses any more (before is the catalog served until now, nil at
// start). Starting is idempotent: ids are fixed per task queue and connection, and a running feed is
// reused (it is sent its settings), so restarts and several workers never start two.
func (w *Worker) startFeeds(ctx context.Context, before, now *activities.Catalog) error {
	for _, name := range slices.Sorted(maps.Keys(now.Feeds)) {
		if err := w.startFeed(ctx, now.Feeds[name]); err != nil {
			return err
		}
	}
	if before != nil {
		for _, name := range slices.Sorted(maps.Keys(before.Feeds)) {
			if _, ok := now.Feeds[name]; ok {
				continue
			}
			id := api.ConnectionFeedWorkflowID(w.cfg.TaskQueue, name)
			if err := w.client.CancelWorkflow(ctx, id, ""); err != nil && !isNotFound(err) {
				return fmt.Errorf("stop the change feed of connection %s, which no pairing uses now: %w", name, err)
			}
			w.log.Info("change feed stopped: no pairing uses its connection", "connection", name)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(now.Pairings)) {
		p := now.Pairings[id].Pairing
		if !p.Pilot.Enabled {
			continue
		}
		wid := api.PilotWorkflowID(p.ID)
		_, err := w.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: wid, TaskQueue: w.cfg.TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		}, api.PilotWorkflowName, api.PilotInput{PairingID: p.ID})
		if err != nil {
			return fmt.Errorf("start pilot %s: %w", wid, err)
		}
	}
	return nil
}

// startFeed starts a connection's feed unless it runs. A feed that is new takes over from the feeds
// per pairing side that workers ran before connections had feeds: it starts at the earliest of their
// cursors, so the upgrade neither misses a change nor reads every co-sell deal again, and they are
// cancelled once it runs.
func (w *Worker) startFeed(ctx context.Context, f *activities.Feed) error {
	id := api.ConnectionFeedWorkflowID(w.cfg.TaskQueue, f.Connection)
	in := w.feedInput(f.Connection)
	running, err := w.running(ctx, id)
	if err != nil {
		return err
	}
	// Feeds per pairing side still running (an older worker may have started one again since) are
	// stopped in any case; only a new connection feed starts from their cursors.
	var legacy []string
	var states []api.FeedState
	unread := false
	for _, u := range f.Uses {
		old := api.ChangeFeedWorkflowID(u.Pairing.ID, u.Side)
		st, ok, err := w.legacyState(ctx, old, !running)
		if err != nil {
			// Its position is unknown, so the new feed reads from the start: slower, but it misses
			// nothing, and a feed that cannot answer never keeps the worker from starting.
			w.log.Warn("cannot read the position of a pairing side's feed; the connection's feed reads from the start", "feed", old, "error", err)
			unread, legacy = true, append(legacy, old)
			continue
		}
		if ok {
			states, legacy = append(states, st), append(legacy, old)
		}
	}
	if !running && !unread {
		in.State = takeOver(states)
	}
	// Started with its settings, or sent them if it runs, so a running feed follows the worker's
	// configuration (a poll interval changed, webhooks turned on or off) without a restart of its own.
	settings, _ := w.feedSettings(f.Connection)
	if err := activities.SignalFeed(ctx, w.client, w.cfg.TaskQueue, in, api.FeedSettingsSignal, settings); err != nil {
		return fmt.Errorf("start the change feed of connection %s: %w", f.Connection, err)
	}
	w.log.Debug("change feed started", "connection", f.Connection, "poll", describe(settings))
	for _, old := range legacy {
		switch err := w.client.CancelWorkflow(ctx, old, ""); {
		case isNotFound(err):
		case err != nil: // it polls beside the connection's feed, harmlessly, until the next try
			w.log.Warn("cannot stop a pairing side's feed that the connection's feed took over; trying again at the next start or reload", "feed", old, "error", err)
		default:
			w.log.Info("change feed of a pairing side handed over to its connection's feed", "feed", old, "connection", f.Connection)
		}
	}
	return nil
}

// legacyState returns the position of a running feed of one pairing side (when read is set; else only
// whether it runs); ok is false when none runs.
func (w *Worker) legacyState(ctx context.Context, id string, read bool) (api.FeedState, bool, error) {
	running, err := w.running(ctx, id)
	if err != nil || !running || !read {
		return api.FeedState{}, running, err
	}
	v, err := w.client.QueryWorkflow(ctx, id, "", api.FeedQuery)
	if err != nil {
		return api.FeedState{}, false, fmt.Errorf("read the position of change feed %s: %w", id, err)
	}
	var view api.FeedView
	if err := v.Get(&view); err != nil {
		return api.FeedState{}, false, fmt.Errorf("read the position of change feed %s: %w", id, err)
	}
	return view.State, true, nil
}

// running says whether a workflow runs.
func (w *Worker) running(ctx context.Context, id string) (bool, error) {
	res, err := w.client.DescribeWorkflowExecution(ctx, id, "")
	switch {
	case isNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("describe %s: %w", id, err)
	}
	return res.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}

// takeOver is where a connection's new feed starts when feeds of single pairing sides polled it: the
// earliest of their cursors, so no change any of them had not delivered is missed. Their seen sets are
// not carried: what is read again inside the overlap window is delivered again, which deals absorb.
// Nil (read from the start) when there were none.
func takeOver(states []api.FeedState) *api.FeedState {
	if len(states) == 0 {
		return nil
	}
	st := api.FeedState{Deals: states[0].Deals, Notes: states[0].Notes}
	for _, s := range states[1:] {
		if s.Deals.Less(st.Deals.ModifiedAt, st.Deals.ID) {
			st.Deals = s.Deals
		}
		if s.Notes.Less(st.Notes.ModifiedAt, st.Notes.ID) {
			st.Notes = s.Notes
		}
		st.Polls = max(st.Polls, s.Polls)
	}
	st.Polls = max(st.Polls, states[0].Polls)
	return &st
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
