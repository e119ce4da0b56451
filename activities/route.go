package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
)

// Deals is how the feeds reach the deal workflows: the worker's is TemporalDeals; tests use a fake
// (internal/feedtest.Deals) or Activities.Sink.
type Deals interface {
	// Deliver hands ev to the deal coSellID, starting it if it does not run.
	Deliver(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) error
	// Signal hands ev to the deal coSellID only if it runs; running is false when it does not.
	Signal(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) (running bool, err error)
	// Owners looks records up in the record directory (api.CoSellRecords): the running deals linked to
	// any of the keys (api.RecordKey), sorted by co-sell id. A record has one at most per pairing, unless
	// two deals were started for it before the directory existed.
	Owners(ctx context.Context, keys []string) ([]api.DirectoryEntry, error)
	// PairingOf names the pairing of the deal coSellID; running is false when it does not run. A feed
	// whose connection several pairings share asks it of a record carrying another record's co-sell id
	// (a mirror), to read the record with that pairing's mapping.
	PairingOf(ctx context.Context, coSellID string) (pairingID string, running bool, err error)
}

// UpdateDeal sends the deal workflow of coSellID the update name with in and waits for its answer in
// out: the one way the CLI, the HTTP API and the activities (a conflict's settlement) ask a deal. A
// refusal by the deal arrives as a *temporal.ApplicationError carrying the deal's own message.
func UpdateDeal(ctx context.Context, c client.Client, coSellID, name string, in, out any) error {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: api.DealWorkflowID(coSellID), UpdateName: name, Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, out)
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
func (t TemporalDeals) Owners(ctx context.Context, keys []string) ([]api.DirectoryEntry, error) {
	res, err := t.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: api.DirectoryQueryKeys(keys), PageSize: 10,
	})
	if err != nil {
		return nil, fmt.Errorf("look up records %v in the deal directory: %w", keys, err)
	}
	var out []api.DirectoryEntry
	for _, e := range res.GetExecutions() {
		id, ok := api.DealCoSellID(e.GetExecution().GetWorkflowId())
		if !ok {
			continue
		}
		linked := keys[:1] // with one key asked for, every answer is linked to it
		if len(keys) > 1 {
			linked = directoryKeys(e.GetSearchAttributes())
		}
		for _, k := range linked {
			if slices.Contains(keys, k) && !slices.Contains(out, api.DirectoryEntry{Key: k, CoSellID: id}) {
				out = append(out, api.DirectoryEntry{Key: k, CoSellID: id})
			}
		}
	}
	slices.SortFunc(out, func(x, y api.DirectoryEntry) int {
		return strings.Compare(x.CoSellID+"\x00"+x.Key, y.CoSellID+"\x00"+y.Key)
	})
	return out, nil
}

// PairingOf implements Deals by describing the deal: its directory entries name its pairing (and are
// read from the workflow itself, not from eventually consistent visibility). A running deal that
// publishes no entry yet is asked by query.
func (t TemporalDeals) PairingOf(ctx context.Context, coSellID string) (string, bool, error) {
	id := api.DealWorkflowID(coSellID)
	res, err := t.Client.DescribeWorkflowExecution(ctx, id, "")
	var missing *serviceerror.NotFound
	switch {
	case errors.As(err, &missing):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("describe deal %s: %w", coSellID, err)
	case res.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return "", false, nil
	}
	if keys := directoryKeys(res.GetWorkflowExecutionInfo().GetSearchAttributes()); len(keys) > 0 {
		pairingID, _, _ := strings.Cut(keys[0], ":")
		return pairingID, true, nil
	}
	v, err := t.Client.QueryWorkflow(ctx, id, "", api.DealQuery)
	if err != nil {
		return "", true, fmt.Errorf("query deal %s for its pairing: %w", coSellID, err)
	}
	var view api.DealView
	if err := v.Get(&view); err != nil {
		return "", true, fmt.Errorf("query deal %s for its pairing: %w", coSellID, err)
	}
	return view.PairingID, true, nil
}

// directoryKeys reads a workflow's record directory entries from its search attributes.
func directoryKeys(sa *commonpb.SearchAttributes) []string {
	p, ok := sa.GetIndexedFields()[api.CoSellRecordsAttribute]
	if !ok {
		return nil
	}
	var keys []string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &keys); err != nil {
		return nil
	}
	slices.Sort(keys)
	return keys
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

func (sinkDeals) Owners(context.Context, []string) ([]api.DirectoryEntry, error) {
	return nil, nil
}

func (sinkDeals) PairingOf(context.Context, string) (string, bool, error) {
	return "", false, nil
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

// event builds the change event of a record for one pairing that uses its connection: the record read
// with that pairing's mapping, or a note if that pairing shares it. ok is false when there is nothing to
// send to that pairing.
type event func(u Use) (ev api.ChangeEvent, ok bool, err error)

// route delivers a change of a co-sell record on a connection to the deal it belongs to, in whichever
// pairing that is, and starts a deal only for a record that belongs to none:
//  1. by the co-sell id the record carries: a deal's origin carries the id derived from it (and from
//     its pairing) and reaches, or starts, its deal; any other id (a mirror carries its origin's)
//     reaches that deal if it runs, read with the mapping of that deal's pairing;
//  2. else by the record directory, to the running deal linked to the record in any pairing that uses
//     the connection, whatever id it carries now: a user cleared or edited it, and the deal restores it;
//  3. else a record with no co-sell id at all is a new registration: a new deal under the id derived
//     from the record, in the pairing whose route the record matches (the only pairing, when one uses
//     the connection without a route). A record carrying an id that no running deal has or owns is
//     dropped with a warning, so an edited id never starts a second deal and mirror.
//
// Only a record the co-sell id does not route costs a directory query: a brand-new flagged record, or
// one whose id was cleared or edited. A deal's entry becomes visible a moment after the deal links the
// record (see TemporalDeals.Owners); a record cleared within that moment of its mirror's creation would
// still start a second deal. On a connection one pairing uses, a mirror's change costs one signal; on a
// shared one, a look at the deal's pairing first (TemporalDeals.PairingOf).
func (a *Activities) route(ctx context.Context, f *Feed, d connectors.Deal, build event) error {
	deals := a.deals()
	built := map[string]api.ChangeEvent{}
	send := func(u Use, coSellID string, start bool) (done bool, err error) {
		ev, ok := built[u.Pairing.ID]
		if !ok {
			var want bool
			if ev, want, err = build(u); err != nil || !want {
				return true, err // nothing for this pairing: the change is handled
			}
			built[u.Pairing.ID] = ev
		}
		if start {
			return true, deals.Deliver(ctx, u.Pairing.ID, coSellID, ev)
		}
		return deals.Signal(ctx, u.Pairing.ID, coSellID, ev)
	}
	own := func(u Use) string { return api.NewCoSellID(u.Pairing.ID, u.Side, d.RecordID) }
	for _, u := range f.Uses {
		if d.CoSellID == own(u) {
			_, err := send(u, d.CoSellID, true)
			return err
		}
	}
	if done, err := a.routeByID(ctx, f, d, send, own); done || err != nil {
		return err
	}
	keys := make([]string, len(f.Uses))
	for i, u := range f.Uses {
		keys[i] = api.RecordKey(u.Pairing.ID, u.Side, d.RecordID)
	}
	owners, err := deals.Owners(ctx, keys)
	if err != nil {
		return err
	}
	log := activity.GetLogger(ctx)
	if len(owners) > 1 {
		log.Warn("several running deals are linked to one record; routing to the first", "connection", f.Connection,
			"record", d.RecordID, "deals", owners)
	}
	for _, o := range owners {
		pairingID, _, _ := strings.Cut(o.Key, ":")
		u, ok := f.use(pairingID)
		if !ok {
			continue
		}
		done, err := send(u, o.CoSellID, false)
		if err != nil {
			return err
		}
		if done {
			log.Info("record routed to its deal by the directory", "pairing", pairingID, "side", string(u.Side),
				"record", d.RecordID, "cosellId", d.CoSellID, "deal", o.CoSellID)
			return nil
		}
	}
	if d.CoSellID != "" {
		log.Warn("record carries a co-sell id no running deal has, and no deal owns it; not starting a new deal",
			"connection", f.Connection, "record", d.RecordID, "cosellId", d.CoSellID)
		return nil
	}
	u, ok := f.claim(d)
	if !ok {
		log.Info("newly flagged deal matches no pairing's route; no deal started", "connection", f.Connection, "record", d.RecordID)
		return nil
	}
	_, err = send(u, own(u), true)
	return err
}

// routeByID is the first step of route for a record carrying another record's co-sell id: the deal of
// that id if it runs, else (on a connection one pairing uses) the record's own deal if it runs. done is
// false when neither took the change.
func (a *Activities) routeByID(ctx context.Context, f *Feed, d connectors.Deal, send func(Use, string, bool) (bool, error), own func(Use) string) (done bool, err error) {
	if d.CoSellID == "" {
		return false, nil
	}
	if len(f.Uses) == 1 {
		u := f.Uses[0]
		for _, id := range []string{d.CoSellID, own(u)} {
			if done, err := send(u, id, false); err != nil || done {
				return done, err
			}
		}
		return false, nil
	}
	pairingID, running, err := a.deals().PairingOf(ctx, d.CoSellID)
	if err != nil || !running {
		return false, err
	}
	u, ok := f.use(pairingID)
	if !ok {
		return false, nil // a deal of a pairing that does not use this connection: not this record's
	}
	return send(u, d.CoSellID, false)
}
