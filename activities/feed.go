package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
)

// PollInput is one poll of one side's change stream.
type PollInput struct {
	PairingID string        `json:"pairingId"`
	Side      pairing.Side  `json:"side"`
	State     api.FeedState `json:"state"`
}

// PollResult is the feed's new position and what the poll delivered.
type PollResult struct {
	State api.FeedState `json:"state"`
	// Interval is the worker's configured poll interval, zero when unset.
	Interval time.Duration `json:"interval"`
	Deals    int           `json:"deals"`
	Notes    int           `json:"notes"`
}

// PollChanges reads every deal and note changed since the feed's cursor and signals each one to its deal
// workflow. Each poll starts Overlap behind the cursor, so a change committed late is still read; the
// Seen sets drop what an earlier poll already delivered. Pages are keyset-ordered by (modified, id), so a
// burst of changes sharing one timestamp can never pin the cursor.
//
// Delivery happens before the new cursor is returned: a crash in between re-delivers, which the deal
// workflows absorb (a change event is a trigger and an idempotent reading, never a delta).
func (a *Activities) PollChanges(ctx context.Context, in PollInput) (PollResult, error) {
	p, crm, err := a.crm(in.PairingID, in.Side)
	if err != nil {
		return PollResult{}, err
	}
	st := in.State
	st.Seen = copyTimes(st.Seen)
	st.SeenNotes = copyTimes(st.SeenNotes)
	res := PollResult{}

	pageSize := a.PageSize
	if pageSize <= 0 {
		pageSize = 200
	}
	from := connectors.Cursor{}
	if !st.Deals.ModifiedAt.IsZero() {
		from = connectors.Cursor{ModifiedAt: st.Deals.ModifiedAt.Add(-a.Overlap)}
	}
	for {
		page, err := crm.ChangedDeals(ctx, from, pageSize)
		if err != nil {
			return PollResult{}, classify(fmt.Sprintf("changed deals on %s", in.Side), err)
		}
		for _, d := range page {
			from = connectors.Cursor{ModifiedAt: d.ModifiedAt, ID: d.RecordID}
			if seen, ok := st.Seen[d.RecordID]; ok && !seen.Before(d.ModifiedAt) {
				continue
			}
			if err := a.deliverDeal(ctx, p, in.Side, crm, d); err != nil {
				return PollResult{}, err
			}
			st.Seen[d.RecordID] = d.ModifiedAt
			if st.Deals.Less(d.ModifiedAt, d.RecordID) {
				st.Deals = from
			}
			res.Deals++
		}
		activity.RecordHeartbeat(ctx, from)
		if len(page) < pageSize {
			break
		}
	}

	from = connectors.Cursor{}
	if !st.Notes.ModifiedAt.IsZero() {
		from = connectors.Cursor{ModifiedAt: st.Notes.ModifiedAt.Add(-a.Overlap)}
	}
	deals := map[string]connectors.Deal{}
	for {
		page, err := crm.ChangedNotes(ctx, from, pageSize)
		if err != nil {
			return PollResult{}, classify(fmt.Sprintf("changed notes on %s", in.Side), err)
		}
		for _, n := range page.Notes {
			// A note on several deals comes once per deal; it is mirrored to each.
			seenKey := n.ID + "/" + n.DealRecordID
			if _, ok := st.SeenNotes[seenKey]; ok {
				continue // a note is mirrored once, when first seen; later edits stay on their side
			}
			delivered, err := a.deliverNote(ctx, p, in.Side, crm, n, deals)
			if err != nil {
				return PollResult{}, err
			}
			st.SeenNotes[seenKey] = n.ModifiedAt
			if delivered {
				res.Notes++
			}
		}
		// The page's end is past notes the connector skipped too, so a run of notes on other objects
		// moves the cursor instead of pinning it.
		from = page.Next
		if st.Notes.Less(page.Next.ModifiedAt, page.Next.ID) {
			st.Notes = page.Next
		}
		activity.RecordHeartbeat(ctx, from)
		if !page.More {
			break
		}
	}

	prune(st.Seen, st.Deals.ModifiedAt.Add(-a.Overlap))
	prune(st.SeenNotes, st.Notes.ModifiedAt.Add(-a.Overlap))
	st.Polls++
	st.LastPoll = time.Now().UTC()
	res.State = st
	res.Interval = a.PollInterval
	return res, nil
}

// deliverDeal sends a flagged deal's fresh reading to its deal workflow, deriving the co-sell id of a deal
// that has none yet.
func (a *Activities) deliverDeal(ctx context.Context, p *pairing.Pairing, side pairing.Side, crm connectors.CRM, d connectors.Deal) error {
	state, err := a.sideState(ctx, p, side, crm, d)
	if err != nil {
		return err
	}
	coSellID := d.CoSellID
	if coSellID == "" {
		coSellID = api.NewCoSellID(p.ID, side, d.RecordID)
	}
	ev := api.ChangeEvent{Side: side, RecordID: d.RecordID, Deal: &state, Source: "poll"}
	return a.deliver(ctx, p.ID, coSellID, ev)
}

// deliverNote sends a shareable note on a co-sell deal to that deal's workflow. Notes this product wrote
// (they carry a key), notes not meant for the partner and notes on deals outside co-sell are dropped.
func (a *Activities) deliverNote(ctx context.Context, p *pairing.Pairing, side pairing.Side, crm connectors.CRM, n connectors.Note, deals map[string]connectors.Deal) (bool, error) {
	if n.Key != "" || !p.SharesNote(n.Body) {
		return false, nil
	}
	d, ok := deals[n.DealRecordID]
	if !ok {
		var err error
		d, err = crm.GetDeal(ctx, n.DealRecordID)
		if err != nil {
			if connectors.IsRetryable(err) {
				return false, classify("read the deal of note "+n.ID, err)
			}
			return false, nil // the deal is gone or unreadable: nothing to mirror to
		}
		deals[n.DealRecordID] = d
	}
	if !d.Enabled {
		return false, nil
	}
	coSellID := d.CoSellID
	if coSellID == "" {
		coSellID = api.NewCoSellID(p.ID, side, d.RecordID)
	}
	author := ""
	if n.AuthorID != "" {
		if o, ok, err := a.findOwner(ctx, p.ID, side, crm, func(o connectors.Owner) bool { return o.ID == n.AuthorID }); err == nil && ok {
			author = o.Name
		}
	}
	ev := api.ChangeEvent{Side: side, RecordID: d.RecordID, Source: "poll", Notes: []api.NoteEvent{{
		Side: side, NoteID: n.ID, Body: n.Body, AuthorName: author, CreatedAt: n.CreatedAt,
	}}}
	return true, a.deliver(ctx, p.ID, coSellID, ev)
}

func (a *Activities) deliver(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) error {
	if a.Sink != nil {
		return a.Sink(ctx, pairingID, coSellID, ev)
	}
	return Deliver(ctx, a.Client, a.TaskQueue, pairingID, coSellID, ev)
}

// Deliver hands a change event to the deal workflow of coSellID, starting it if needed. It is the one
// path by which changes enter a deal: the poller uses it, and a webhook receiver can too.
func Deliver(ctx context.Context, c client.Client, taskQueue, pairingID, coSellID string, ev api.ChangeEvent) error {
	_, err := c.SignalWithStartWorkflow(ctx, api.DealWorkflowID(coSellID), api.ChangeSignal, ev,
		client.StartWorkflowOptions{ID: api.DealWorkflowID(coSellID), TaskQueue: taskQueue},
		api.DealWorkflowName, api.DealInput{PairingID: pairingID, CoSellID: coSellID})
	if err != nil {
		return fmt.Errorf("deliver change to deal %s: %w", coSellID, err)
	}
	return nil
}

func copyTimes(m map[string]time.Time) map[string]time.Time {
	out := make(map[string]time.Time, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// prune forgets entries older than the overlap window: they can no longer be read again.
func prune(m map[string]time.Time, before time.Time) {
	for k, v := range m {
		if v.Before(before) {
			delete(m, k)
		}
	}
}
