package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/engine"
)

// Touchpoints and disputes reach a deal by update (api.TouchpointUpdate, api.DisputeUpdate,
// api.ResolveDisputeUpdate), from the CLI and the HTTP API alike. A validator checks each against the
// engine first, so a refusal leaves nothing in history; an accepted update is queued for the main loop,
// which applies it between two engine steps (never while a command is out, so the engine's state only
// moves where it expects) and wakes from its wait to do so. The handler answers once the loop applied
// it. A history without these updates replays exactly as before: nothing here issues a command.

// request is an update waiting for the main loop.
type request struct {
	apply func(now time.Time) (any, error)
	done  bool
	out   any
	err   error
}

// setupEvidence registers the update handlers; it is called before the deal runs.
func (d *deal) setupEvidence(ctx workflow.Context) error {
	d.wake = workflow.NewBufferedChannel(ctx, 1)
	if err := workflow.SetUpdateHandlerWithOptions(ctx, api.TouchpointUpdate,
		func(ctx workflow.Context, in api.TouchpointInput) (api.TouchpointResult, error) {
			out, err := d.ask(ctx, func(now time.Time) (any, error) {
				outcomes, err := d.eng.LogTouchpoints(now, in.Touchpoints)
				if err != nil {
					return nil, err
				}
				return api.TouchpointResult{Outcomes: outcomes, Total: d.eng.Touchpoints().Total()}, nil
			})
			r, _ := out.(api.TouchpointResult)
			return r, err
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in api.TouchpointInput) error {
			if d.eng == nil {
				return errors.New("the deal is starting; try again in a moment")
			}
			return d.eng.CheckTouchpoints(in.Touchpoints)
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, api.DisputeUpdate,
		func(ctx workflow.Context, in api.DisputeInput) (api.DisputeResult, error) {
			return d.askRecord(ctx, func(now time.Time) (attribution.Record, error) { return d.eng.Dispute(now, dispute(in, now)) })
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in api.DisputeInput) error {
			if d.eng == nil {
				return errors.New("the deal is starting; try again in a moment")
			}
			return d.eng.CheckDispute(dispute(in, workflow.Now(ctx)))
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, api.ResolveDisputeUpdate,
		func(ctx workflow.Context, in api.ResolveDisputeInput) (api.DisputeResult, error) {
			return d.askRecord(ctx, func(now time.Time) (attribution.Record, error) {
				return d.eng.ResolveDispute(now, d.resolution(in, now))
			})
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in api.ResolveDisputeInput) error {
			if d.eng == nil {
				return errors.New("the deal is starting; try again in a moment")
			}
			return d.eng.CheckResolution(d.resolution(in, workflow.Now(ctx)))
		}})
}

func dispute(in api.DisputeInput, now time.Time) attribution.Dispute {
	return attribution.Dispute{Partner: in.Partner, By: in.By, Reason: in.Reason, At: now}
}

// resolution dates an approver's answer and puts its corrected parts in the attribution's currency.
func (d *deal) resolution(in api.ResolveDisputeInput, now time.Time) attribution.Resolution {
	res := attribution.Resolution{Verdict: in.Verdict, Parts: in.Parts, Approver: in.Approver, Note: in.Note, At: now}
	if r, ok := d.eng.Record(); ok && in.Verdict == attribution.Upheld {
		res.Currency = r.Result.Currency
	}
	return res
}

func (d *deal) askRecord(ctx workflow.Context, f func(time.Time) (attribution.Record, error)) (api.DisputeResult, error) {
	out, err := d.ask(ctx, func(now time.Time) (any, error) {
		r, err := f(now)
		if err != nil {
			return nil, err
		}
		return api.DisputeResult{Record: r, Parts: r.Parts()}, nil
	})
	r, _ := out.(api.DisputeResult)
	return r, err
}

// ask queues a request for the main loop, wakes it, and waits for the answer.
func (d *deal) ask(ctx workflow.Context, apply func(time.Time) (any, error)) (any, error) {
	r := &request{apply: apply}
	d.requests = append(d.requests, r)
	d.wake.SendAsync(struct{}{})
	if err := workflow.Await(ctx, func() bool { return r.done }); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, fmt.Errorf("deal %s: %w", d.in.CoSellID, r.err)
	}
	return r.out, nil
}

// serve applies the queued requests, in the order they came.
func (d *deal) serve(ctx workflow.Context) {
	for len(d.requests) > 0 {
		r := d.requests[0]
		d.requests = d.requests[1:]
		r.out, r.err = r.apply(workflow.Now(ctx))
		r.done = true
	}
}

// evidenceView is the deal's touchpoints for the query.
func evidenceView(cs *engine.CoSellState) *api.EvidenceView {
	if cs.Touchpoints == nil {
		return nil
	}
	return &api.EvidenceView{Items: cs.Touchpoints.Evidence(), Compacted: cs.Touchpoints.Compacted, Total: cs.Touchpoints.Total()}
}

// attributionRecordsVersion gates reporting attribution records to the pilot: a history recorded
// before it signals no record.
const attributionRecordsVersion = "attribution-records"

// reportRecord sends the deal's attribution record to its pairing's pilot, fire and forget like the
// deal events: the pilot keeps the latest record of each deal.
func (d *deal) reportRecord(ctx workflow.Context, r attribution.Record) {
	if workflow.GetVersion(ctx, attributionRecordsVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	_ = workflow.SignalExternalWorkflow(ctx, api.PilotWorkflowID(d.in.PairingID), "", api.PilotAttributionSignal, r)
}

// setupSettlement registers the update that carries an admin's settlement of this deal's registration
// conflict (engine.Settle), sent by the account workflow's SettleConflict activity. Like the evidence
// updates it is validated against the engine first and applied by the main loop; a history without it
// replays as before.
func (d *deal) setupSettlement(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, api.SettleConflictUpdate,
		func(ctx workflow.Context, in engine.Settlement) (api.SettleConflictResult, error) {
			out, err := d.ask(ctx, func(now time.Time) (any, error) {
				if err := d.eng.Settle(now, in); err != nil {
					return nil, err
				}
				res := api.SettleConflictResult{}
				if r := d.eng.Registration(); r != nil {
					res.Status = r.Status
				}
				if tps := d.eng.Touchpoints(); tps != nil && in.Resolution == "merge" {
					res.Touchpoints = tps.Evidence()
				}
				return res, nil
			})
			r, _ := out.(api.SettleConflictResult)
			return r, err
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in engine.Settlement) error {
			if d.eng == nil { // retried by SettleConflict, unlike the deal's refusals
				return temporal.NewApplicationError("the deal is starting; try again in a moment", api.ErrTypeDealStarting)
			}
			return d.eng.CheckSettlement(in)
		}})
}

// setupLead registers the update that overrides one stage's lead on this deal (engine.SetLead), from
// `cosell deal lead`. Validated first, applied by the main loop; a history without it replays as before.
func (d *deal) setupLead(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, api.LeadUpdate,
		func(ctx workflow.Context, in api.LeadInput) (api.LeadResult, error) {
			out, err := d.ask(ctx, func(now time.Time) (any, error) {
				plan, err := d.eng.SetLead(now, in.Stage, in.Lead)
				if err != nil {
					return nil, err
				}
				res := api.LeadResult{Leads: plan.Leads()}
				if cs := d.eng.CoSell(); cs != nil {
					res.Current = cosell.StageLead{Stage: cs.Stage, Lead: cs.Lead}
				}
				workflow.GetLogger(ctx).Info("stage lead set", "deal", d.in.CoSellID, "stage", string(in.Stage), "lead", string(in.Lead), "by", in.By)
				return res, nil
			})
			r, _ := out.(api.LeadResult)
			return r, err
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in api.LeadInput) error {
			if d.eng == nil {
				return errors.New("the deal is starting; try again in a moment")
			}
			return d.eng.CheckLead(in.Stage, in.Lead)
		}})
}
