package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/pilot"
)

// PilotConfig is a pairing's pilot configuration, with its names, as a pilot workflow reads it at the
// start of each window.
type PilotConfig struct {
	Config      pilot.Config `json:"config"`
	PairingName string       `json:"pairingName"`
}

// LoadPilot returns a pairing's pilot configuration; COSELL_PILOT_DAY, when set, replaces the length of
// a pilot day (demos and tests run a 90-day pilot in minutes).
func (a *Activities) LoadPilot(_ context.Context, in PolicyInput) (PilotConfig, error) {
	c, err := a.connection(in.PairingID)
	if err != nil {
		return PilotConfig{}, err
	}
	cfg := c.Pairing.Pilot.WithDefaults()
	if a.PilotDay > 0 {
		cfg.Day = a.PilotDay
	}
	return PilotConfig{Config: cfg, PairingName: c.Pairing.Name}, nil
}

// BaselineInput is the window of the solo baseline.
type BaselineInput struct {
	PairingID string    `json:"pairingId"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
}

// SoloBaseline reads, from both CRMs, the deals not flagged for co-sell that closed in the window: what
// the partners win without each other, to compare the joint deals against. A CRM that refuses the read
// leaves the baseline unavailable with its reason, rather than failing the checkpoint.
func (a *Activities) SoloBaseline(ctx context.Context, in BaselineInput) (pilot.Baseline, error) {
	c, err := a.connection(in.PairingID)
	if err != nil {
		return pilot.Baseline{}, err
	}
	out := pilot.Baseline{Available: true}
	var notes []string
	for _, s := range []pairing.Side{pairing.A, pairing.B} {
		deals, err := c.CRM[s].ClosedSoloDeals(ctx, in.From, in.To)
		if err != nil {
			if e, ok := connectors.AsError(err); ok && !e.Retryable {
				notes = append(notes, fmt.Sprintf("%s: %s", c.Pairing.Partner(s).Name, e.Message))
				continue
			}
			return pilot.Baseline{}, classify(fmt.Sprintf("closed solo deals on %s", s), err)
		}
		for _, d := range deals {
			out.Deals = append(out.Deals, pilot.SoloDeal{Amount: d.Amount, Won: d.Won, CreatedAt: d.CreatedAt, ClosedAt: d.ClosedAt})
		}
	}
	if len(notes) > 0 {
		out.Note = "baseline incomplete: " + strings.Join(notes, "; ")
		out.Available = len(notes) < 2
	}
	return out, nil
}

// PublishInput is a pilot notice: a scorecard, a decision, or the end of a pairing.
type PublishInput struct {
	PairingID string        `json:"pairingId"`
	Notice    notify.Notice `json:"notice"`
}

// PublishPilot sends a pilot notice to the log and, when configured, to Slack. The scorecard itself is
// kept in the pilot workflow, where `cosell pilot report` reads it.
func (a *Activities) PublishPilot(ctx context.Context, in PublishInput) error {
	c, err := a.connection(in.PairingID)
	if err != nil {
		return err
	}
	n := in.Notice
	n.PairingName = c.Pairing.Name
	if a.Log != nil {
		if err := a.Log.Notify(ctx, n); err != nil {
			return classifyNotice("log", err)
		}
	} else {
		activity.GetLogger(ctx).Info("pilot notice", "pairing", in.PairingID, "event", string(n.Event), "message", n.Message)
	}
	if c.Slack != nil {
		return classifyNotice("slack", c.Slack.Notify(ctx, n))
	}
	return nil
}

// PilotStatusInput names a pairing.
type PilotStatusInput struct {
	PairingID string `json:"pairingId"`
}

// PilotStatus is what a deal needs to know of its pairing's pilot before registering a new co-sell deal.
type PilotStatus struct {
	Killed   bool      `json:"killed"`
	KilledAt time.Time `json:"killedAt,omitempty"`
	Name     string    `json:"name"`
	// Why is the reason the approver gave for the kill (or the proposal's first reason, when the
	// proposal stood), so a refused registration says it.
	Why string `json:"why,omitempty"`
}

// PilotStatus reads the pairing's pilot state. A pairing without a pilot is not killed.
func (a *Activities) PilotStatus(ctx context.Context, in PilotStatusInput) (PilotStatus, error) {
	c, err := a.connection(in.PairingID)
	if err != nil {
		return PilotStatus{}, err
	}
	res, err := a.Client.QueryWorkflow(ctx, api.PilotWorkflowID(in.PairingID), "", api.PilotQuery)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return PilotStatus{Name: c.Pairing.Name}, nil
		}
		return PilotStatus{}, fmt.Errorf("query pilot of %s: %w", in.PairingID, err)
	}
	var v api.PilotView
	if err := res.Get(&v); err != nil {
		return PilotStatus{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeConfig, nil)
	}
	st := PilotStatus{Killed: v.State.Status == api.PilotKilled, KilledAt: v.State.KilledAt, Name: c.Pairing.Name}
	if n := len(v.State.Decisions); st.Killed && n > 0 {
		d := v.State.Decisions[n-1]
		st.Why = d.Why
		if st.Why == "" && len(d.Proposed.Reasons) > 0 {
			st.Why = d.Proposed.Reasons[0]
		}
	}
	return st, nil
}
