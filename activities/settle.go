package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/registration"
)

// SettleConflictResult says what the settlement did: the conflicting deal's registration status, and
// how many touchpoints the primary took over on a merge.
type SettleConflictResult struct {
	Status string `json:"status"`
	Moved  int    `json:"moved"`
	// Note says why something was left as it was (the deal already closed, evidence of another pairing).
	Note string `json:"note,omitempty"`
}

// SettleConflict carries an admin's merge or reject of a registration conflict to the conflicting
// deal (api.SettleConflictUpdate), which closes its registration on both sides with the reason, and on
// a merge logs the deal's touchpoints on the primary (api.TouchpointUpdate; a touchpoint keeps its id,
// so a retried merge counts each once). Touchpoints move only within one pairing: sides a and b of
// another pairing are other partners. A deal that is gone or already closed is no failure: the ledger
// holds the settlement either way.
func (a *Activities) SettleConflict(ctx context.Context, in api.SettleInput) (SettleConflictResult, error) {
	en := in.Entry
	if en.Resolution != registration.Merge && en.Resolution != registration.Reject {
		return SettleConflictResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("settle %s: only a merge or a reject closes a deal, not %q", en.CoSellID, en.Resolution), ErrTypeConfig, nil)
	}
	s := engine.Settlement{Resolution: string(en.Resolution), Primary: en.Primary, Account: in.Account, By: en.ResolvedBy, Note: en.Note}
	var res api.SettleConflictResult
	if err := UpdateDeal(ctx, a.Client, en.CoSellID, api.SettleConflictUpdate, s, &res); err != nil {
		var nf *serviceerror.NotFound
		var app *temporal.ApplicationError
		switch {
		case errors.As(err, &nf):
			return SettleConflictResult{Note: "deal " + en.CoSellID + " is not running"}, nil
		case errors.As(err, &app) && app.Type() != api.ErrTypeDealStarting: // the deal's own refusal (its validator's)
			activity.GetLogger(ctx).Info("conflict settlement refused by the deal", "deal", en.CoSellID, "reason", app.Error())
			return SettleConflictResult{Note: app.Error()}, nil
		}
		return SettleConflictResult{}, fmt.Errorf("settle deal %s: %w", en.CoSellID, err)
	}
	out := SettleConflictResult{Status: res.Status}
	if en.Resolution != registration.Merge || len(res.Touchpoints) == 0 {
		return out, nil
	}
	if in.PrimaryPairing != en.PairingID {
		out.Note = fmt.Sprintf("%d touchpoints stay on %s: the primary is of pairing %s, whose partners are others", len(res.Touchpoints), en.CoSellID, in.PrimaryPairing)
		return out, nil
	}
	var tr api.TouchpointResult
	if err := UpdateDeal(ctx, a.Client, en.Primary, api.TouchpointUpdate, api.TouchpointInput{Touchpoints: res.Touchpoints, Via: "merge"}, &tr); err != nil {
		return SettleConflictResult{}, fmt.Errorf("move the touchpoints of %s to the primary %s: %w", en.CoSellID, en.Primary, err)
	}
	out.Moved = len(res.Touchpoints)
	activity.GetLogger(ctx).Info("conflict merged into the primary", "deal", en.CoSellID, "primary", en.Primary, "touchpoints", out.Moved)
	return out, nil
}
