package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/drift"
	"github.com/cosellsync/cosell/vocab"
)

// DealDrift is one deal's answer to "do the two CRMs agree right now?": both sides read from their
// CRMs now, compared by package drift.
type DealDrift struct {
	PairingID string `json:"pairingId"`
	CoSellID  string `json:"coSellId"`
	// Records are the deal's records by side, as the deal links them.
	Records map[vocab.Side]string `json:"records,omitempty"`
	drift.Report
	// Unlinked names the sides the deal no longer mirrors (their record was deleted): not compared.
	Unlinked []vocab.Side `json:"unlinked,omitempty"`
	// Issues are the deal's open sync issues, which often say why a field drifts (a value its CRM
	// refused, one outside the value map).
	Issues []api.SyncIssue `json:"issues,omitempty"`
	// Sides are the readings compared, for Value.
	Sides map[vocab.Side]api.SideState `json:"-"`
}

// Value is what side a holds of a field, for people: its canonical value, or its raw value marked
// unmapped, or for the co-sell flag whether it is set.
func (d DealDrift) Value(field string) string {
	r := d.Sides[vocab.A]
	switch field {
	case drift.FlagField:
		return fmt.Sprint(r.Enabled)
	case drift.PartnerOwnerA:
		return drift.OwnerText(r.Partner)
	case drift.PartnerOwnerB:
		return drift.OwnerText(d.Sides[vocab.B].Partner)
	}
	for _, is := range r.Issues {
		if is.Field == field {
			return is.Raw + " (unmapped)"
		}
	}
	return r.Values[field]
}

// Drifting reports whether the CRMs disagree on the deal.
func (d DealDrift) Drifting() bool { return d.Status == drift.Drift }

// VerifyDeal reads both sides of a running deal from their CRMs, by the records the deal links, and
// compares them. It writes nothing. A side the deal unlinked is not read, and the deal is not compared.
// It is a function, not a method, so the worker does not register it as an activity: the CLI calls it
// with activities built over its own connectors, ReconcileBatch with the worker's.
func VerifyDeal(ctx context.Context, a *Activities, v api.DealView) (DealDrift, error) {
	c, err := a.connection(v.PairingID)
	if err != nil {
		return DealDrift{}, err
	}
	out := DealDrift{PairingID: v.PairingID, CoSellID: v.CoSellID, Records: map[vocab.Side]string{}, Issues: v.Issues}
	readings := map[vocab.Side]api.SideState{}
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		sh := v.Sides[s]
		if sh.RecordID != "" {
			out.Records[s] = sh.RecordID
		}
		if sh.Unlinked {
			out.Unlinked = append(out.Unlinked, s)
			continue
		}
		r, err := a.readPaced(ctx, ReadDealInput{PairingID: v.PairingID, Side: s, RecordID: sh.RecordID, CoSellID: v.CoSellID})
		if err != nil {
			return DealDrift{}, fmt.Errorf("verify deal %s: %w", v.CoSellID, err)
		}
		readings[s] = r
	}
	if len(out.Unlinked) > 0 {
		out.Report = drift.Report{Status: drift.Missing, Missing: out.Unlinked}
		return out, nil
	}
	out.Sides = readings
	out.Report = drift.Compare(c.Pairing.Fields, readings[vocab.A], readings[vocab.B])
	return out, nil
}

// readPaced reads a deal, waiting out the connection's budget guard when it paces calls within its
// short rate window (ErrTypeThrottled, which an activity leaves to Temporal's retry): a verify runs
// outside a workflow too, and reads many deals in a row. Anything else, a paused daily budget
// included, is returned.
func (a *Activities) readPaced(ctx context.Context, in ReadDealInput) (api.SideState, error) {
	for attempt := 0; ; attempt++ {
		r, err := a.ReadDeal(ctx, in)
		var ae *temporal.ApplicationError
		if err == nil || attempt >= 20 || !errors.As(err, &ae) || ae.Type() != ErrTypeThrottled {
			return r, err
		}
		delay := max(ae.NextRetryDelay(), 100*time.Millisecond)
		select {
		case <-ctx.Done():
			return r, err
		case <-time.After(delay):
		}
	}
}

// SignalReconcile asks a running deal to reconcile: a change event per linked side, Source
// api.SourceReconcile, so the deal reads both CRMs itself and decides with its normal rules (and tries
// again the values a CRM refused before). Nothing is written to a CRM here. A function, as VerifyDeal.
func SignalReconcile(ctx context.Context, a *Activities, v api.DealView) error {
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		sh, ok := v.Sides[s]
		if !ok || sh.Unlinked {
			continue
		}
		ev := api.ChangeEvent{Side: s, RecordID: sh.RecordID, Source: api.SourceReconcile, Policy: a.policyVersionOf(v.PairingID)}
		if err := a.Client.SignalWorkflow(ctx, api.DealWorkflowID(v.CoSellID), "", api.ChangeSignal, ev); err != nil {
			return fmt.Errorf("signal deal %s to reconcile side %s: %w", v.CoSellID, s, err)
		}
	}
	return nil
}

// RunningDeals lists the workflow ids of the running deals of a task queue, sorted (visibility; no
// CRM call).
func RunningDeals(ctx context.Context, c client.Client, taskQueue string) ([]string, error) {
	q := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND TaskQueue = '%s'", api.DealWorkflowName, taskQueue)
	var ids []string
	var token []byte
	for {
		page, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list running deals: %w", err)
		}
		for _, e := range page.GetExecutions() {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		if token = page.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// QueryDeal asks a running deal workflow for its view.
func QueryDeal(ctx context.Context, c client.Client, workflowID string) (api.DealView, error) {
	res, err := c.QueryWorkflow(ctx, workflowID, "", api.DealQuery)
	var v api.DealView
	if err == nil {
		err = res.Get(&v)
	}
	if err != nil {
		return api.DealView{}, fmt.Errorf("query deal %s: %w", workflowID, err)
	}
	return v, nil
}

// DealsOf returns the views of the running deals of a pairing among ids, asking up to 8 at once, in
// the order of ids. A deal that cannot answer (it closed meanwhile) is left out and counted in skipped.
func DealsOf(ctx context.Context, c client.Client, ids []string, pairingID string) (views []api.DealView, skipped int) {
	got := make([]*api.DealView, len(ids))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			v, err := QueryDeal(ctx, c, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				skipped++
				return
			}
			got[i] = &v
		}()
	}
	wg.Wait()
	for _, v := range got {
		if v != nil && v.PairingID == pairingID {
			views = append(views, *v)
		}
	}
	return views, skipped
}

// ReconcileBatchInput asks for one batch of the periodic reconcile.
type ReconcileBatchInput struct {
	// After is the workflow id of the last deal verified; the batch starts after it, wrapping around.
	After string `json:"after,omitempty"`
	// Deals bounds the deals verified.
	Deals int `json:"deals"`
}

// ReconcileBatchResult is what a batch did.
type ReconcileBatchResult struct {
	// Next is the workflow id of the last deal verified, where the next batch starts.
	Next     string   `json:"next,omitempty"`
	Checked  int      `json:"checked"`
	Drifting []string `json:"drifting,omitempty"`
	// Signalled counts the drifting deals asked to reconcile.
	Signalled int `json:"signalled"`
	// Errors counts the deals that could not be verified (a CRM failed, a budget refused the read).
	Errors    int    `json:"errors"`
	LastError string `json:"lastError,omitempty"`
}

// ReconcileBatch verifies the next few running deals of the worker's task queue (those of the pairings
// it serves), round-robin by workflow id, and asks each drifting one to reconcile through its workflow.
// It spends two CRM reads per deal verified, on the connections' budget guards like every other call; a
// read refused (a budget paused, a CRM down) ends the batch, and the next one starts after the last
// deal verified.
func (a *Activities) ReconcileBatch(ctx context.Context, in ReconcileBatchInput) (ReconcileBatchResult, error) {
	out := ReconcileBatchResult{Next: in.After}
	if in.Deals <= 0 {
		return out, nil
	}
	ids, err := RunningDeals(ctx, a.Client, a.TaskQueue)
	if err != nil {
		return out, err
	}
	start := sort.SearchStrings(ids, in.After)
	if start < len(ids) && ids[start] == in.After {
		start++
	}
	for i := 0; i < len(ids) && out.Checked < in.Deals; i++ {
		id := ids[(start+i)%len(ids)]
		v, err := QueryDeal(ctx, a.Client, id)
		if err != nil {
			continue // closed meanwhile
		}
		if _, err := a.connection(v.PairingID); err != nil {
			continue // a pairing this worker does not serve
		}
		d, err := VerifyDeal(ctx, a, v)
		if err != nil {
			out.Errors++
			out.LastError = err.Error()
			break
		}
		out.Checked++
		out.Next = id
		activity.RecordHeartbeat(ctx, out.Next) // a large batch (COSELL_RECONCILE_DEALS) outlives no timeout
		if !d.Drifting() {
			continue
		}
		out.Drifting = append(out.Drifting, v.CoSellID)
		if err := SignalReconcile(ctx, a, v); err != nil {
			out.Errors++
			out.LastError = err.Error()
			continue
		}
		out.Signalled++
	}
	return out, nil
}
