package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pilot"
)

// PilotWorkflow runs a pairing's 90-day pilot: it folds the deal events its deal workflows signal into a
// compact summary, samples the pipeline each pilot day, publishes a scorecard at each checkpoint (30, 60,
// 90), and at the last proposes scale, kill or restructure. An approver confirms or overrides the
// proposal (the "decide" update); without an answer it stands after the decision timeout. Scale starts
// the next quarter with raised targets, restructure a new window, both by continue-as-new; kill ends the
// pairing's co-selling: the pilot stays up to answer that new registrations are refused.
func PilotWorkflow(ctx workflow.Context, in api.PilotInput) error {
	p := &pilotRun{in: in}
	if in.State != nil {
		p.st = *in.State
	}
	if err := p.setup(ctx); err != nil {
		return err
	}
	return p.run(ctx)
}

type pilotRun struct {
	in       api.PilotInput
	st       api.PilotState
	decision *api.DecideInput
}

func (p *pilotRun) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, api.PilotQuery, func() (api.PilotView, error) {
		return api.PilotView{PairingID: p.in.PairingID, State: p.st, NextCheckpoint: p.nextCheckpoint()}, nil
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, api.PilotDecideUpdate,
		func(ctx workflow.Context, in api.DecideInput) (api.DecisionRecord, error) {
			p.decision = &in
			// The main loop records the decision; wait for it so the caller gets the record.
			if err := workflow.Await(ctx, func() bool { return p.decision == nil }); err != nil {
				return api.DecisionRecord{}, err
			}
			return p.st.Decisions[len(p.st.Decisions)-1], nil
		},
		workflow.UpdateHandlerOptions{Validator: p.validateDecision})
}

// validateDecision refuses, before anything is recorded, an answer that is not expected or not allowed.
func (p *pilotRun) validateDecision(in api.DecideInput) error {
	if p.st.Status != api.PilotAwaitingDecision || p.st.Proposal == nil {
		return fmt.Errorf("no decision is pending: the pilot is %s", p.st.Status)
	}
	switch in.Decision {
	case pilot.Scale, pilot.Kill, pilot.Restructure:
	default:
		return fmt.Errorf("decision must be scale, kill or restructure, got %q", in.Decision)
	}
	if strings.TrimSpace(in.Why) == "" {
		return errors.New("say why: a decision is kept with its reason")
	}
	if !slices.ContainsFunc(p.st.Config.Approvers, func(a string) bool { return strings.EqualFold(a, strings.TrimSpace(in.By)) }) {
		return fmt.Errorf("%q is not an approver of this pairing (pilot › approvers: %s)", in.By, strings.Join(p.st.Config.Approvers, ", "))
	}
	return nil
}

func (p *pilotRun) run(ctx workflow.Context) error {
	if p.st.Summary == nil {
		var cfg activities.PilotConfig
		if err := workflow.ExecuteActivity(withCRM(ctx), a.LoadPilot, activities.PolicyInput{PairingID: p.in.PairingID}).Get(ctx, &cfg); err != nil {
			return err
		}
		p.st.Config, p.st.PairingName = cfg.Config, cfg.PairingName
		p.st.Quarter = max(p.st.Quarter, 1)
		p.st.Start = workflow.Now(ctx)
		p.st.Status = api.PilotRunning
		p.st.Summary = pilot.NewSummary(p.st.Quarter, p.st.Start)
	}
	events := workflow.GetSignalChannel(ctx, api.PilotEventSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var e pilot.DealEvent
			events.Receive(ctx, &e)
			p.st.Summary.Apply(p.st.Config, e)
		}
	})
	records := workflow.GetSignalChannel(ctx, api.PilotAttributionSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var r attribution.Record
			records.Receive(ctx, &r)
			p.st.Records = attribution.Keep(p.st.Records, r)
		}
	})

	if p.st.Status == api.PilotKilled {
		return p.idle(ctx)
	}
	for p.st.Status == api.PilotRunning && p.st.Day < p.st.Config.Length {
		next := p.st.Day + 1
		if err := workflow.Sleep(ctx, p.st.Start.Add(time.Duration(next)*p.st.Config.Day).Sub(workflow.Now(ctx))); err != nil {
			return err
		}
		p.st.Day = next
		p.st.Summary.Sample(p.st.Config, next)
		if slices.Contains(p.st.Config.Checkpoints, next) {
			if err := p.checkpoint(ctx, next); err != nil {
				return err
			}
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return p.continueAsNew(ctx)
		}
	}
	if p.st.Status == api.PilotAwaitingDecision {
		return p.decide(ctx)
	}
	return p.idle(ctx)
}

// checkpoint scores the window so far against the solo baseline and publishes the scorecard.
func (p *pilotRun) checkpoint(ctx workflow.Context, day int) error {
	var solo pilot.Baseline
	in := activities.BaselineInput{PairingID: p.in.PairingID, From: p.st.Start, To: workflow.Now(ctx)}
	if err := workflow.ExecuteActivity(withCRM(ctx), a.SoloBaseline, in).Get(ctx, &solo); err != nil {
		solo = pilot.Baseline{Note: "solo baseline unavailable: " + err.Error()}
	}
	// With no record reported (histories from before deals reported them) this is pilot.Score.
	card := pilot.ScoreAttributed(p.st.Config, p.in.PairingID, p.st.PairingName, p.st.Summary, solo, p.st.Records, day, workflow.Now(ctx))
	final := card.Final && card.Proposal != nil // Score proposes on the last checkpoint
	if final {
		p.st.Proposal, p.st.ProposedAt = card.Proposal, workflow.Now(ctx)
		p.st.Status = api.PilotAwaitingDecision
	}
	p.st.Scorecards = append(p.st.Scorecards, card)
	msg := fmt.Sprintf("Day %d scorecard of the %s pilot (quarter %d).", day, p.st.PairingName, p.st.Quarter)
	if final {
		msg += fmt.Sprintf(" Proposed: %s — %s. An approver confirms or overrides it with `cosell pilot decide %s`; otherwise it stands in %d days.",
			card.Proposal.Decision, strings.Join(card.Proposal.Reasons, "; "), p.in.PairingID, p.st.Config.DecisionTimeout)
	}
	p.publish(ctx, notify.Notice{
		Key:   fmt.Sprintf("pilot/%s/q%d/day%d", p.in.PairingID, p.st.Quarter, day),
		Event: notify.PilotScorecard, Subject: fmt.Sprintf("day %d", day), At: workflow.Now(ctx),
		Message: msg + "\n\n" + card.Markdown(),
	})
	return nil
}

// decide waits for an approver, or for the timeout after which the proposal stands, then acts.
func (p *pilotRun) decide(ctx workflow.Context) error {
	timeout := p.st.ProposedAt.Add(time.Duration(p.st.Config.DecisionTimeout) * p.st.Config.Day).Sub(workflow.Now(ctx))
	answered, err := workflow.AwaitWithTimeout(ctx, max(timeout, 0), func() bool { return p.decision != nil })
	if err != nil {
		return err
	}
	rec := api.DecisionRecord{Quarter: p.st.Quarter, Proposed: *p.st.Proposal, Decision: p.st.Proposal.Decision,
		At: workflow.Now(ctx), TimedOut: !answered, Evidence: p.st.Scorecards[len(p.st.Scorecards)-1]}
	if answered {
		rec.Decision, rec.By, rec.Why, rec.Changes = p.decision.Decision, p.decision.By, p.decision.Why, p.decision.Changes
	} else {
		rec.Why = fmt.Sprintf("no approver answered within %d days; the proposal stands", p.st.Config.DecisionTimeout)
	}
	p.st.Decisions = append(p.st.Decisions, rec)
	p.decision = nil // releases the update handler
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	announced := p.publish(ctx, notify.Notice{
		Key:   fmt.Sprintf("pilot/%s/q%d/decision", p.in.PairingID, p.st.Quarter),
		Event: notify.PilotDecision, Subject: string(rec.Decision), At: rec.At,
		Message: decisionMessage(p.st.PairingName, rec),
	})
	// The next window starts by continue-as-new, which would drop a send still under way; the decision is
	// announced first (a notifier that stays down for a day of pilot time is given up on, and logged).
	if _, err := workflow.AwaitWithTimeout(ctx, p.st.Config.Day, announced.IsReady); err != nil {
		return err
	}

	switch rec.Decision {
	case pilot.Kill:
		p.st.Status, p.st.KilledAt = api.PilotKilled, workflow.Now(ctx)
		return p.idle(ctx)
	case pilot.Scale:
		p.st.Config = p.st.Config.Raised()
		p.st.Changes = ""
	case pilot.Restructure:
		p.st.Changes = rec.Changes
	}
	return p.nextWindow(ctx)
}

func decisionMessage(name string, rec api.DecisionRecord) string {
	var b strings.Builder
	b.WriteString(fmt.Sprintf("Quarter %d of the %s pilot: %s.", rec.Quarter, name, strings.ToUpper(string(rec.Decision))))
	switch {
	case rec.TimedOut:
		b.WriteString(fmt.Sprintf(" The proposal stood: %s.", rec.Why))
	case rec.Decision != rec.Proposed.Decision:
		b.WriteString(fmt.Sprintf(" %s overrode the proposed %s: %s.", rec.By, rec.Proposed.Decision, rec.Why))
	default:
		b.WriteString(fmt.Sprintf(" Confirmed by %s: %s.", rec.By, rec.Why))
	}
	switch rec.Decision {
	case pilot.Kill:
		b.WriteString(" New co-sell registrations for this pairing are refused; open co-sell deals run to their close; future deals route to referral.")
	case pilot.Scale:
		b.WriteString(" The next quarter starts now with raised targets.")
	case pilot.Restructure:
		b.WriteString(" A new 90-day window starts now")
		if rec.Changes != "" {
			b.WriteString(fmt.Sprintf(" with these changes: %s", rec.Changes))
		}
		b.WriteString(".")
	}
	return b.String()
}

// nextWindow starts the next 90-day window by continue-as-new, carrying the decisions and the config.
func (p *pilotRun) nextWindow(ctx workflow.Context) error {
	p.drain(ctx)
	next := api.PilotState{
		Config: p.st.Config, PairingName: p.st.PairingName, Quarter: p.st.Quarter + 1, Start: workflow.Now(ctx),
		Status: api.PilotRunning, Decisions: p.st.Decisions, Changes: p.st.Changes,
	}
	next.Summary = p.st.Summary.Next(next.Start) // open deals stay pipeline, not new registrations
	return workflow.NewContinueAsNewError(ctx, api.PilotWorkflowName, api.PilotInput{PairingID: p.in.PairingID, State: &next})
}

func (p *pilotRun) continueAsNew(ctx workflow.Context) error {
	p.drain(ctx)
	st := p.st
	return workflow.NewContinueAsNewError(ctx, api.PilotWorkflowName, api.PilotInput{PairingID: p.in.PairingID, State: &st})
}

// idle keeps a killed pilot answering its query (deal workflows ask it before registering), continuing
// as new when its history, fed by late deal events, grows.
func (p *pilotRun) idle(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.GetInfo(ctx).GetContinueAsNewSuggested() }); err != nil {
		return err
	}
	return p.continueAsNew(ctx)
}

// publish sends a pilot notice in the background, retrying for as long as it takes, so a notifier that
// is down never holds the pilot's clock. It returns a future that is ready once the notice is delivered
// or given up on, for the one caller (a decision followed by continue-as-new) that must not drop it.
func (p *pilotRun) publish(ctx workflow.Context, n notify.Notice) workflow.Future {
	n.PairingID = p.in.PairingID
	for _, m := range p.st.Config.ManagersA {
		n.Recipients = append(n.Recipients, notify.Recipient{Side: "a", Email: m, Role: "partner manager"})
	}
	for _, m := range p.st.Config.ManagersB {
		n.Recipients = append(n.Recipients, notify.Recipient{Side: "b", Email: m, Role: "partner manager"})
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrTypeRejected, activities.ErrTypeConfig}},
	})
	done, settle := workflow.NewFuture(ctx)
	workflow.Go(ctx, func(gctx workflow.Context) {
		err := workflow.ExecuteActivity(actx, a.PublishPilot, activities.PublishInput{PairingID: p.in.PairingID, Notice: n}).Get(gctx, nil)
		if err != nil {
			workflow.GetLogger(gctx).Warn("pilot notice not delivered", "pairing", p.in.PairingID, "notice", n.Key, "error", err)
		}
		settle.Set(nil, err)
	})
	return done
}

// drain folds deal events (and attribution records) still queued into the state before the run ends.
func (p *pilotRun) drain(ctx workflow.Context) {
	p.drainRecords(ctx)
	ch := workflow.GetSignalChannel(ctx, api.PilotEventSignal)
	for {
		var e pilot.DealEvent
		if !ch.ReceiveAsync(&e) {
			return
		}
		p.st.Summary.Apply(p.st.Config, e)
	}
}

// drainRecords folds attribution records still queued before the run ends.
func (p *pilotRun) drainRecords(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, api.PilotAttributionSignal)
	for {
		var r attribution.Record
		if !ch.ReceiveAsync(&r) {
			return
		}
		p.st.Records = attribution.Keep(p.st.Records, r)
	}
}

func (p *pilotRun) nextCheckpoint() int {
	for _, c := range p.st.Config.Checkpoints {
		if c > p.st.Day {
			return c
		}
	}
	return 0
}
