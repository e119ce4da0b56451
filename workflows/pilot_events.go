package workflows

import (
	"fmt"
	"strconv"

	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/pilot"
)

// versionPilot gates the deal's reports to its pairing's pilot, and the refusal of registrations for a
// killed pairing, for deals already running.
const versionPilot = "pilot-events"

// report tells the pairing's pilot about the deal. It is fire-and-forget: a pairing without a running
// pilot simply has nobody listening, and the pilot folds repeated reports idempotently.
func (d *deal) report(ctx workflow.Context, kind pilot.EventKind, side pairing.Side) {
	if !d.pilot {
		return
	}
	e := pilot.DealEvent{Kind: kind, CoSellID: d.in.CoSellID, At: workflow.Now(ctx), Amount: d.amount(), Stage: d.st.Stage, Side: string(side)}
	_ = workflow.SignalExternalWorkflow(ctx, api.PilotWorkflowID(d.in.PairingID), "", api.PilotEventSignal, e)
	d.st.ReportedAmount = d.amount()
}

// amount is the deal's canonical amount (side A's, else side B's), 0 when unknown.
func (d *deal) amount() float64 {
	v := d.st.Sides[pairing.A].Values["amount"]
	if v == "" {
		v = d.st.Sides[pairing.B].Values["amount"]
	}
	f, _ := strconv.ParseFloat(v, 64)
	return f
}

// reportAmountChange tells the pilot when the deal's amount moved, so pipeline value stays current.
func (d *deal) reportAmountChange(ctx workflow.Context) {
	if d.pilot && d.st.Stage != "" && d.amount() != d.st.ReportedAmount {
		d.report(ctx, pilot.StageChanged, "")
	}
}

// registrationRefused checks, before a new co-sell registration is mirrored, that the pairing's pilot has
// not been killed. A refused registration stays visible on the deal and is never retried.
func (d *deal) registrationRefused(ctx workflow.Context) bool {
	if !d.pilot {
		return false
	}
	var st activities.PilotStatus
	if err := workflow.ExecuteActivity(withCRM(ctx), a.PilotStatus, activities.PilotStatusInput{PairingID: d.in.PairingID}).Get(ctx, &st); err != nil {
		workflow.GetLogger(ctx).Warn("cannot read the pilot's status; registering", "deal", d.in.CoSellID, "error", err)
		return false
	}
	if !st.Killed {
		return false
	}
	d.st.Refused = true
	d.setIssue(ctx, "", "", "registration", fmt.Sprintf(
		"registration refused: the %s pilot was killed on %s; future deals route to referral", st.Name, st.KilledAt.UTC().Format("2006-01-02")))
	return true
}
