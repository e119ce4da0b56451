package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
)

// Deals is how the feeds reach the deal workflows: the worker's is TemporalDeals; tests use a fake
// (internal/feedtest.Deals) or Activities.Sink.
type Deals interface {
	// Deliver hands ev to the deal coSellID, starting it if it does not run.
	Deliver(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) error
	// Signal hands ev to the deal coSellID only if it runs; running is false when it does not.
	Signal(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) (running bool, err error)
	// Owners looks a record up in the record directory (api.CoSellRecords): the co-sell ids of the
	// running deals of the pairing linked to it, sorted. There is one at most, unless two deals were
	// started for one record before the directory existed.
	Owners(ctx context.Context, pairingID string, side pairing.Side, recordID string) ([]string, error)
}

// TemporalDeals is Deals over a Temporal client: signals, signal-with-start, and a visibility query
// for the directory.
type TemporalDeals struct {
	Client client.Client
	// TaskQueue is where a started deal runs.
	TaskQueue string
}

// Deliver implements Deals.
func (t TemporalDeals) Deliver(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) error {
	return Deliver(ctx, t.Client, t.TaskQueue, pairingID, coSellID, ev)
}

// Signal implements Deals.
func (t TemporalDeals) Signal(ctx context.Context, _, coSellID string, ev api.ChangeEvent) (bool, error) {
	err := t.Client.SignalWorkflow(ctx, api.DealWorkflowID(coSellID), "", api.ChangeSignal, ev)
	var missing *serviceerror.NotFound
	switch {
	case errors.As(err, &missing):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("deliver change to deal %s: %w", coSellID, err)
	}
	return true, nil
}

// Owners implements Deals with one ListWorkflowExecutions query. Visibility is eventually consistent:
// a deal's entry is visible a moment after the workflow task that upserted it (at once on the dev
// server's SQLite, within the index refresh, about a second, on Elasticsearch).
func (t TemporalDeals) Owners(ctx context.Context, pairingID string, side pairing.Side, recordID string) ([]string, error) {
	res, err := t.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: api.DirectoryQuery(pairingID, side, recordID), PageSize: 10,
	})
	if err != nil {
		return nil, fmt.Errorf("look up record %s of side %s in the deal directory: %w", recordID, side, err)
	}
	var ids []string
	for _, e := range res.GetExecutions() {
		if id, ok := api.DealCoSellID(e.GetExecution().GetWorkflowId()); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// sinkDeals is Deals over Activities.Sink: every deal runs and the directory is empty, so a change
// reaches the sink under the co-sell id its record carries, or the one derived from the record.
type sinkDeals func(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) error

func (f sinkDeals) Deliver(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) error {
	return f(ctx, pairingID, coSellID, ev)
}

func (f sinkDeals) Signal(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) (bool, error) {
	return true, f(ctx, pairingID, coSellID, ev)
}

func (sinkDeals) Owners(context.Context, string, pairing.Side, string) ([]string, error) {
	return nil, nil
}

func (a *Activities) deals() Deals {
	switch {
	case a.Deals != nil:
		return a.Deals
	case a.Sink != nil:
		return sinkDeals(a.Sink)
	}
	return TemporalDeals{Client: a.Client, TaskQueue: a.TaskQueue}
}

// route delivers a change of a co-sell record to the deal the record belongs to, and starts a deal only
// for a record that belongs to none:
//  1. by the co-sell id the record carries: a deal's origin carries the id derived from it and reaches
//     (or starts) its deal; any other id (a mirror carries its origin's) reaches that deal if it runs;
//  2. else by the record directory, to the running deal linked to the record whatever id it carries
//     now: a user cleared or edited it, and the deal restores it;
//  3. else a record with no co-sell id at all is a new registration: a new deal, under the id derived
//     from the record. A record carrying an id that no running deal has or owns is dropped with a
//     warning, so an edited id never starts a second deal and mirror.
//
// Only a record the co-sell id does not route costs a directory query: a brand-new flagged record, or
// one whose id was cleared or edited. A deal's entry becomes visible a moment after the deal links the
// record (see TemporalDeals.Owners); a record cleared within that moment of its mirror's creation would
// still start a second deal.
func (a *Activities) route(ctx context.Context, pairingID string, side pairing.Side, recordID, coSellID string, ev api.ChangeEvent) error {
	deals := a.deals()
	own := api.NewCoSellID(pairingID, side, recordID)
	if coSellID == own {
		return deals.Deliver(ctx, pairingID, own, ev)
	}
	if coSellID != "" {
		for _, id := range []string{coSellID, own} {
			if running, err := deals.Signal(ctx, pairingID, id, ev); err != nil || running {
				return err
			}
		}
	}
	owners, err := deals.Owners(ctx, pairingID, side, recordID)
	if err != nil {
		return err
	}
	log := activity.GetLogger(ctx)
	if len(owners) > 1 {
		log.Warn("several running deals are linked to one record; routing to the first", "pairing", pairingID,
			"side", string(side), "record", recordID, "deals", owners)
	}
	for _, id := range owners {
		running, err := deals.Signal(ctx, pairingID, id, ev)
		if err != nil {
			return err
		}
		if running {
			log.Info("record routed to its deal by the directory", "pairing", pairingID, "side", string(side),
				"record", recordID, "cosellId", coSellID, "deal", id)
			return nil
		}
	}
	if coSellID != "" {
		log.Warn("record carries a co-sell id no running deal has, and no deal owns it; not starting a new deal",
			"pairing", pairingID, "side", string(side), "record", recordID, "cosellId", coSellID)
		return nil
	}
	return deals.Deliver(ctx, pairingID, own, ev)
}
