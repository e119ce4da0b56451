package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
)

// A mapping change reaches a running deal through the deal itself (issue #11, item 3): `cosell mapping
// preview` reads its engine state (api.DealStateQuery) and runs the remap in a copy of the engine;
// `cosell mapping apply` sends the remap update. The handler loads the pairing's policy as the worker
// serves it now, refuses when that is not the mapping the admin previewed, and queues the remap for
// the main loop (evidence.go's request queue), which applies it between two engine steps: the engine
// then reads every party and writes, through the ordinary write path, what the records no longer hold
// in the new mapping's terms (engine/remap.go). A history without the update replays as before: only
// the update issues commands (the marker and the policy load).

// remapVersion marks the histories in which a deal handled a remap update.
const remapVersion = "mapping-remap"

// rebaseVersion gates the rebase of a deal that loads an edited mapping with a change event: histories
// recorded before it decided on the new mapping's readings as edits.
const rebaseVersion = "mapping-rebase"

// rebase makes a deal that met an edited mapping on its own (reloadPolicy) take the mapping's new
// readings of unchanged records as no edit, without re-syncing them (engine.Engine.Rebase): the
// re-sync is the admin's, with ` + "`cosell mapping apply`" + `. Policies recorded before mapping versions
// existed carry none, and a change from or to one is not a mapping edit the deal can tell.
func (d *deal) rebase(ctx workflow.Context, was, now string) {
	if was == "" || now == "" || was == now {
		return
	}
	if workflow.GetVersion(ctx, rebaseVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	workflow.GetLogger(ctx).Info("mapping edited: the deal reads its records in the new mapping's terms, without re-syncing them",
		"deal", d.in.CoSellID, "from", was, "to", now, "parties", len(d.eng.Rebase()))
}

// setupRemap registers the deal-state query and the remap update; it is called before the deal runs.
func (d *deal) setupRemap(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, api.DealStateQuery, func() (api.DealState, error) { return d.st, nil }); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, api.RemapUpdate,
		func(ctx workflow.Context, in api.RemapInput) (api.RemapResult, error) {
			_ = workflow.GetVersion(ctx, remapVersion, workflow.DefaultVersion, 1)
			actx := workflow.WithActivityOptions(withCRM(ctx), workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
			var p activities.Policy
			if err := workflow.ExecuteActivity(actx, a.LoadPolicy, activities.PolicyInput{PairingID: d.in.PairingID}).Get(ctx, &p); err != nil {
				return api.RemapResult{}, fmt.Errorf("load the policy of pairing %s: %w", d.in.PairingID, err)
			}
			if p.Mapping != in.Mapping {
				return api.RemapResult{}, fmt.Errorf("the worker serves mapping %s of pairing %s, not %s (the one previewed): "+
					"put the file in the worker's pairings and wait for its reload, then apply again", p.Mapping, d.in.PairingID, in.Mapping)
			}
			workflow.GetLogger(ctx).Info("mapping remap", "deal", d.in.CoSellID, "pairing", d.in.PairingID, "mapping", p.Mapping, "via", in.Via)
			out, err := d.ask(ctx, func(now time.Time) (any, error) {
				d.eng.SetPolicy(p)
				d.askedPolicy = p.Version
				return api.RemapResult{Policy: p.Version, Mapping: p.Mapping, Parties: d.eng.Remap(), At: now}, nil
			})
			r, _ := out.(api.RemapResult)
			return r, err
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in api.RemapInput) error {
			if d.eng == nil {
				return errors.New("the deal is starting; try again in a moment")
			}
			if in.Mapping == "" {
				return errors.New("name the mapping version to remap to (the one previewed)")
			}
			return nil
		}})
}
