package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

// historyLimit, stepsPerRun and roundsPerRun trigger continue-as-new well before Temporal's 51,200-event ceiling,
// besides Temporal's own suggestion. They are variables so tests can force continue-as-new anywhere.
var (
	historyLimit = 10000
	stepsPerRun  = 2000
	roundsPerRun = 500
)

var a *activities.Activities

// DealWorkflow mirrors one co-sold deal between the partners' CRMs. It is a thin, deterministic
// interpreter of the pure deal engine (package engine): it feeds the engine what arrives (change
// signals, command results, the passing of time) and carries out the commands the engine returns
// (activities, timers, pilot signals, notices). It makes no decision of its own.
func DealWorkflow(ctx workflow.Context, in api.DealInput) error {
	d := &deal{in: in, sending: map[string]bool{}}
	if in.State != nil {
		d.st = *in.State
	} else {
		d.st = engine.NewState(in.PairingID, in.CoSellID)
	}
	if err := workflow.SetQueryHandler(ctx, api.DealQuery, func() (api.DealView, error) { return d.view(), nil }); err != nil {
		return err
	}
	if err := d.setupEvidence(ctx); err != nil { // evidence.go
		return err
	}
	if err := d.setupSettlement(ctx); err != nil { // evidence.go
		return err
	}
	if err := d.setupLead(ctx); err != nil { // evidence.go
		return err
	}
	if err := d.setupRemap(ctx); err != nil { // remap.go
		return err
	}
	return d.run(ctx)
}

type deal struct {
	in  api.DealInput
	st  api.DealState
	eng *engine.Engine
	// published is the deal's entry in the record directory as this run last set it (or was started
	// with: continue-as-new carries search attributes).
	published []string
	// sending marks the notice channels whose courier runs; inFlight counts notice sends running.
	sending  map[string]bool
	inFlight int
	// askedPolicy is the policy version a change event last made the deal load.
	askedPolicy string
	// steps counts the commands this run carried out; firstRound is the engine's round when it began.
	steps      int
	firstRound int
	// requests are touchpoint and dispute updates waiting for the main loop; wake tells it of one
	// (evidence.go).
	requests []*request
	wake     workflow.Channel
	// claimed is set once the deal claimed its account in this run (account.go); claim is the answer,
	// source how its first change came in.
	claimed bool
	claim   *registration.Entry
	source  string
	// alarm is the timer of the engine's wake-up moment, kept across waits while the moment stays
	// the same (keepTimerVersion).
	alarm *alarm
}

func (d *deal) run(ctx workflow.Context) error {
	ch := workflow.GetSignalChannel(ctx, api.ChangeSignal)
	pol, err := d.loadPolicy(ctx)
	if err != nil {
		return err
	}
	d.eng = engine.New(pol, &d.st)
	d.eng.SetGate(func(rule string) bool {
		return workflow.GetVersion(ctx, rule, workflow.DefaultVersion, 1) != workflow.DefaultVersion
	})
	d.firstRound = d.st.Round
	d.published, _ = workflow.GetTypedSearchAttributes(ctx).GetKeywordList(api.CoSellRecords)
	for {
		d.drain(ctx, ch)
		d.eng.Tick(workflow.Now(ctx))
		d.flush(ctx)
		if d.shouldContinueAsNew(ctx) {
			return d.continueAsNew(ctx, ch)
		}
		step := d.eng.Next(workflow.Now(ctx))
		d.flush(ctx)
		if step.Kind == engine.Run {
			res := d.execute(ctx, step.Command)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.eng.Done(workflow.Now(ctx), res)
			d.steps++
			d.claimAccount(ctx) // account.go
			continue
		}
		d.wait(ctx, ch, step.WakeAt)
		if err := ctx.Err(); err != nil {
			return err // cancelled: the deal leaves co-sell; its CRM records stay as they are
		}
	}
}

// loadPolicy reads the pairing's policy once per run. A pairing this worker does not know (yet) is
// asked for again every minute; change signals wait in the channel meanwhile.
func (d *deal) loadPolicy(ctx workflow.Context) (engine.Policy, error) {
	for {
		var p activities.Policy
		err := workflow.ExecuteActivity(withCRM(ctx), a.LoadPolicy, activities.PolicyInput{PairingID: d.in.PairingID}).Get(ctx, &p)
		if err == nil {
			return p, nil
		}
		workflow.GetLogger(ctx).Error("cannot load the pairing policy; trying again in a minute", "deal", d.in.CoSellID, "error", err)
		if err := workflow.Sleep(ctx, time.Minute); err != nil {
			return engine.Policy{}, err
		}
	}
}

func (d *deal) shouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > historyLimit || d.steps >= stepsPerRun ||
		d.st.Round-d.firstRound >= roundsPerRun
}

// continueAsNew hands the state to a new run. Everything received is folded into the state first, so
// no signal is lost; sends in flight finish first, so none is repeated by the next run.
func (d *deal) continueAsNew(ctx workflow.Context, ch workflow.ReceiveChannel) error {
	for {
		// An update handler waits for the loop to apply its request: serve them while waiting.
		if err := workflow.Await(ctx, func() bool {
			return len(d.requests) > 0 || (d.inFlight == 0 && workflow.AllHandlersFinished(ctx))
		}); err != nil {
			return err
		}
		if len(d.requests) == 0 {
			break
		}
		d.serve(ctx)
	}
	d.drain(ctx, ch)
	d.flush(ctx)
	st := d.st
	return workflow.NewContinueAsNewError(ctx, api.DealWorkflowName,
		api.DealInput{PairingID: d.in.PairingID, CoSellID: d.in.CoSellID, State: &st})
}

// wait blocks until a signal arrives, the engine's wake-up moment comes, or the workflow is cancelled.
func (d *deal) wait(ctx workflow.Context, ch workflow.ReceiveChannel, wakeAt time.Time) {
	if !wakeAt.IsZero() && !wakeAt.After(workflow.Now(ctx)) {
		return
	}
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
		var ev api.ChangeEvent
		c.Receive(ctx, &ev)
		d.receive(ctx, ev)
	})
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
	sel.AddReceive(d.wake, func(c workflow.ReceiveChannel, _ bool) { c.ReceiveAsync(nil) }) // an update: served by drain
	if workflow.GetVersion(ctx, keepTimerVersion, workflow.DefaultVersion, 1) == 1 {
		if d.alarm = rearm(ctx, d.alarm, wakeAt); d.alarm != nil {
			al := d.alarm
			sel.AddFuture(al.fut, func(workflow.Future) { al.fired = true })
		}
		sel.Select(ctx)
		return
	}
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel() // the timer that lost the race is cancelled
	if !wakeAt.IsZero() {
		sel.AddFuture(workflow.NewTimer(timerCtx, wakeAt.Sub(workflow.Now(ctx))), func(workflow.Future) {})
	}
	sel.Select(ctx)
}

// keepTimerVersion gates keeping the wake-up timer across waits. Before it, every wait started a timer
// for the engine's next moment (an SLA deadline, hours away) and cancelled it when a signal won, so each
// change and each echo of the deal's own write cost two more Temporal actions (a timer started, one
// cancelled) for the same moment: a third of an edit's actions. A history recorded before replays the
// old commands.
const keepTimerVersion = "keep-timer"

func (d *deal) drain(ctx workflow.Context, ch workflow.ReceiveChannel) {
	d.serve(ctx) // evidence.go
	for {
		var ev api.ChangeEvent
		if !ch.ReceiveAsync(&ev) {
			return
		}
		d.receive(ctx, ev)
	}
}

func (d *deal) receive(ctx workflow.Context, ev api.ChangeEvent) {
	if d.source == "" {
		d.source = ev.Source
	}
	d.reloadPolicy(ctx, ev.Policy)
	d.eng.Receive(workflow.Now(ctx), engine.Change{Side: ev.Side, RecordID: ev.RecordID, Reading: ev.Deal, Notes: ev.Notes, Activities: ev.Activities,
		Reconcile: d.reconciling(ctx, ev), Adopt: d.adopting(ctx, ev)})
}

// backfillVersion gates a backfill's change event (api.ChangeEvent.Backfill) making the deal adopt
// its records: a worker from before backfill took such an event for an ordinary change, and a history
// it recorded must replay as it ran.
const backfillVersion = "backfill-adopt"

// adopting reports whether a change event hands the deal records `cosell backfill` linked (engine
// Change.Adopt). The version marker is recorded only for such an event, which no earlier history has.
func (d *deal) adopting(ctx workflow.Context, ev api.ChangeEvent) bool {
	return ev.Backfill && workflow.GetVersion(ctx, backfillVersion, workflow.DefaultVersion, 1) != workflow.DefaultVersion
}

// reconcileVersion gates a reconcile's change event (Source api.SourceReconcile) retrying what the
// CRM refused before: a history recorded before took such an event, had it come, for a bare trigger.
const reconcileVersion = "reconcile"

// reconciling reports whether a change event asks the engine to reconcile its party (engine.Change
// Reconcile). The version marker is recorded only for such an event, which no earlier history has.
func (d *deal) reconciling(ctx workflow.Context, ev api.ChangeEvent) bool {
	return ev.Source == api.SourceReconcile &&
		workflow.GetVersion(ctx, reconcileVersion, workflow.DefaultVersion, 1) != workflow.DefaultVersion
}

// policyReloadVersion gates reloading the policy mid-run: histories recorded before it never reload.
const policyReloadVersion = "policy-reload"

// reloadPolicy loads the pairing's policy again when a change event was sent under another version of
// it (the pairing file was edited), before the change is decided on, so a running deal follows the
// file from its next change on. Each version is asked for once: a worker that serves an older file
// (during a rollout) does not make every change load the policy. A failed load keeps the policy the
// deal has; the next change of another version tries again.
func (d *deal) reloadPolicy(ctx workflow.Context, version string) {
	if version == "" || version == d.eng.Policy().Version || version == d.askedPolicy {
		return
	}
	if workflow.GetVersion(ctx, policyReloadVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	d.askedPolicy = version
	var p activities.Policy
	if err := workflow.ExecuteActivity(withCRM(ctx), a.LoadPolicy, activities.PolicyInput{PairingID: d.in.PairingID}).Get(ctx, &p); err != nil {
		workflow.GetLogger(ctx).Warn("cannot load the edited pairing policy; deciding with the one loaded before", "deal", d.in.CoSellID, "error", err)
		return
	}
	if p.Version != d.eng.Policy().Version {
		workflow.GetLogger(ctx).Info("pairing policy reloaded", "deal", d.in.CoSellID, "pairing", d.in.PairingID, "version", p.Version)
		was := d.eng.Policy().Mapping
		d.eng.SetPolicy(p)
		d.rebase(ctx, was, p.Mapping) // remap.go
	}
}

// flush carries out the engine's effects (log lines, pilot reports), publishes the records the deal is
// linked to, and starts a courier for every notice channel with work.
func (d *deal) flush(ctx workflow.Context) {
	d.publish(ctx)
	log := workflow.GetLogger(ctx)
	for _, ef := range d.eng.TakeEffects() {
		switch {
		case ef.Log != nil:
			d.countEffect(ctx, ef.Log)
			switch ef.Log.Level {
			case "warn":
				log.Warn(ef.Log.Msg, ef.Log.KV...)
			case "debug":
				log.Debug(ef.Log.Msg, ef.Log.KV...)
			default:
				log.Info(ef.Log.Msg, ef.Log.KV...)
			}
		case ef.Attribution != nil:
			d.reportRecord(ctx, *ef.Attribution) // evidence.go
		case ef.Pilot != nil:
			// Fire and forget: a pairing without a running pilot simply has nobody listening, and the
			// pilot folds repeated reports idempotently.
			_ = workflow.SignalExternalWorkflow(ctx, api.PilotWorkflowID(d.in.PairingID), "", api.PilotEventSignal, *ef.Pilot)
		}
	}
	for _, channel := range d.eng.Channels() {
		if !d.sending[channel] {
			d.sending[channel] = true
			workflow.Go(ctx, func(gctx workflow.Context) { d.courier(gctx, channel) })
		}
	}
}

// directoryVersion gates the record directory: histories recorded before it upsert no search attribute.
const directoryVersion = "record-directory"

// publish keeps the deal's entry in the record directory (the CoSellRecords search attribute) equal to
// the records the engine links, so a feed routes a record that lost its co-sell id here. The entry is
// upserted in the workflow task that learns of a change (the task completing a mirror's create, say),
// so it is visible to the feeds about as soon as the record is linked. A run replayed from a history
// recorded before the directory existed publishes nothing; its next run does.
func (d *deal) publish(ctx workflow.Context) {
	var keys []string
	for _, r := range d.eng.Linked() {
		keys = append(keys, api.RecordKey(d.in.PairingID, r.Side, r.RecordID))
	}
	if slices.Equal(keys, d.published) {
		return
	}
	if workflow.GetVersion(ctx, directoryVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	upd := api.CoSellRecords.ValueSet(keys)
	if len(keys) == 0 {
		upd = api.CoSellRecords.ValueUnset()
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, upd); err != nil {
		workflow.GetLogger(ctx).Error("cannot publish the deal's records to the directory", "deal", d.in.CoSellID, "error", err)
		return
	}
	d.published = keys
}

// readBackRaceVersion gates the engine's read after a write whose read-back shows another save than the
// write's own (engine.ReadBackRaced): a history recorded before it took that read-back for the write's
// stored form and issued no read. The version is asked only when the read-back raced, so every other
// history is unchanged.
const readBackRaceVersion = "read-back-race"

// execute carries out one command and translates its outcome for the engine.
func (d *deal) execute(ctx workflow.Context, cmd engine.Command) engine.Result {
	res := engine.Result{Seq: cmd.Seq}
	actx := withCRM(ctx)
	var err error
	switch cmd.Kind {
	case engine.Read:
		var r api.SideState
		err = workflow.ExecuteActivity(actx, a.ReadDeal, activities.ReadDealInput{
			PairingID: d.in.PairingID, Side: cmd.Side, RecordID: cmd.RecordID, CoSellID: cmd.CoSellID}).Get(ctx, &r)
		res.Reading = &r
	case engine.Stamp:
		var out activities.StampResult
		err = workflow.ExecuteActivity(actx, a.StampCoSellID, activities.StampInput{
			PairingID: d.in.PairingID, Side: cmd.Side, RecordID: cmd.RecordID, CoSellID: cmd.CoSellID}).Get(ctx, &out)
		if err == nil && out.Deal != nil {
			// The record as the stamp left it reaches the engine as a reading, ordered by its CRM stamp
			// like any other: the engine learns the stamp of its own write, so the next write's condition
			// is not refused by it. (Histories from before carry no result, and replay as they ran.)
			d.eng.Receive(workflow.Now(ctx), engine.Change{Side: cmd.Side, RecordID: cmd.RecordID, Reading: out.Deal})
		}
	case engine.Write:
		w := cmd.Write
		in := activities.WriteDealInput{PairingID: d.in.PairingID, Side: cmd.Side, CoSellID: cmd.CoSellID, Values: w.Values,
			Enabled: w.Enabled, PartnerOwner: w.PartnerOwner, Create: w.Create, SourceOwnerEmail: w.SourceOwnerEmail}
		if !w.Create {
			in.RecordID, in.UnmodifiedSince = cmd.RecordID, w.UnmodifiedSince
		}
		from, seen, carries := mirrorSeen(&d.st, cmd.Side, w)
		var out activities.WriteDealResult
		err = workflow.ExecuteActivity(actx, a.WriteDeal, in).Get(ctx, &out)
		if err == nil && carries {
			d.recordMirror(ctx, from, cmd.Side, seen)
		}
		res.Written = &engine.Written{RecordID: out.RecordID, Stored: out.Stored, Owner: out.Owner, ModifiedAt: out.ModifiedAt,
			Refused: map[string]string{}}
		for _, is := range out.Issues {
			res.Written.Refused[is.Field] = is.Message
		}
		if err == nil && engine.ReadBackRaced(w, res.Written) &&
			workflow.GetVersion(ctx, readBackRaceVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			// Recorded before the engine told a save racing the read-back from its own write: the
			// read-back is the write's stored form, and no read follows, as when the history ran.
			res.Written.ReadBackAsStored = true
		}
	case engine.MirrorNote:
		n := cmd.Note
		err = workflow.ExecuteActivity(actx, a.MirrorNote, activities.MirrorNoteInput{
			PairingID: d.in.PairingID, Side: cmd.Side, DealRecordID: cmd.RecordID, Key: n.Key, Subject: n.Subject,
			Prefix: n.Prefix, Body: n.Body, SourceSide: n.Source, SourceNoteID: n.NoteID, Timestamp: n.CreatedAt,
		}).Get(ctx, nil)
	case engine.CheckPilot:
		var st activities.PilotStatus
		err = workflow.ExecuteActivity(actx, a.PilotStatus, activities.PilotStatusInput{PairingID: d.in.PairingID}).Get(ctx, &st)
		res.Pilot = &engine.PilotStatus{Killed: st.Killed, KilledAt: st.KilledAt, Name: st.Name}
	}
	if err != nil {
		f := failure(err)
		res = engine.Result{Seq: cmd.Seq, Failure: &f}
	}
	return res
}

// failure classifies an activity error for the engine.
func failure(err error) engine.Failure {
	if rej, ok := activities.RejectionOf(err); ok {
		switch rej.Code {
		case activities.CodeNotFound:
			return engine.Failure{Kind: engine.NotFound, CRM: rej.CRM, Code: rej.Code, Message: rej.Message}
		case activities.CodeModified:
			return engine.Failure{Kind: engine.Modified, CRM: rej.CRM, Code: rej.Code, Message: rej.Message}
		}
		return engine.Failure{Kind: engine.Rejected, CRM: rej.CRM, Code: rej.Code, Message: rej.Message, Fields: rej.Canonical}
	}
	if u, ok := activities.UnavailableOf(err); ok {
		kind := engine.Unavailable
		if u.Budget != nil {
			kind = engine.Budget // the guard paused the connection: the engine tells both partners once
		}
		return engine.Failure{Kind: kind, CRM: u.CRM, Message: u.Message, RetryAfter: u.RetryAfter}
	}
	return engine.Failure{Kind: engine.Unavailable, Message: err.Error()}
}

// courier delivers one channel's notices in order, oldest first, so a channel sees a warning before
// the breach and the breach before its escalations. A notice that fails is retried with a durable
// backoff while it holds the channel's place in line; other channels and the sync itself go on.
func (d *deal) courier(ctx workflow.Context, channel string) {
	defer delete(d.sending, channel)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 3,
			NonRetryableErrorTypes: []string{activities.ErrTypeRejected, activities.ErrTypeConfig},
		},
	})
	backoff := 10 * time.Second
	for {
		item := d.eng.NextNotice(channel)
		if item == nil {
			return
		}
		in := activities.NotifyInput{PairingID: d.in.PairingID, Channel: channel, Notice: item.Notice, Due: item.Due}
		for _, s := range []vocab.Side{vocab.A, vocab.B} {
			rec := ""
			if p := d.st.Parties[s]; p != nil {
				rec = p.RecordID
			}
			in.RecordIDs = append(in.RecordIDs, rec)
		}
		d.inFlight++
		err := workflow.ExecuteActivity(actx, a.Notify, in).Get(ctx, nil)
		d.inFlight--
		switch rej, refused := activities.RejectionOf(err); {
		case err == nil:
			d.countNotice(ctx, channel, item.Notice, false)
			d.eng.NoticeDone(workflow.Now(ctx), item.Notice.Key, channel, "")
			backoff = 10 * time.Second
		case refused:
			d.countNotice(ctx, channel, item.Notice, true)
			d.eng.NoticeDone(workflow.Now(ctx), item.Notice.Key, channel, rej.Message)
		default:
			d.eng.NoticeFailed(item.Notice.Key, err.Error())
			workflow.GetLogger(ctx).Warn("notice not delivered; will retry", "deal", d.in.CoSellID, "notice", item.Notice.Key,
				"channel", channel, "retryIn", backoff, "error", err)
			if workflow.Sleep(ctx, backoff) != nil {
				return
			}
			backoff = min(backoff*2, 10*time.Minute)
		}
	}
}

// view is what the deal query returns and `cosell deal show` prints.
func (d *deal) view() api.DealView {
	v := api.DealView{
		PairingID: d.in.PairingID, CoSellID: d.in.CoSellID, Sides: map[vocab.Side]api.SideShadow{},
		LastSyncAt: d.st.LastSyncAt, Conflicts: d.st.Conflicts, Issues: d.st.Issues,
		NotesSynced: len(d.st.NoteKeys), Rounds: d.st.Round,
		Stage: d.st.Stage, SLAs: d.st.SLAs, SLAHistory: d.st.SLAHistory, Outbox: d.st.Outbox, NoticesSent: d.st.NoticesSent,
		Paused: d.st.Paused, Registered: d.st.Registered, Decisions: d.st.Decisions, Mapping: d.st.Mapping,
	}
	if d.eng != nil {
		v.Policy, v.Remapping = d.eng.Policy().Version, d.eng.Remapping()
	}
	if cs := d.st.CoSell; cs != nil {
		v.CoSell = &api.CoSellView{Model: cs.Plan.Model, Motion: cs.Plan.Motion, Vendor: cs.Plan.Vendor,
			Stage: cs.Stage, Lead: cs.Lead, Leads: cs.Plan.Leads(), Attribution: cs.Attribution, Loss: cs.Loss,
			Touchpoints: evidenceView(cs), Disputes: cs.Disputes}
		if cs.Attribution != nil {
			v.CoSell.Parts = attribution.Record{Result: *cs.Attribution, Disputes: cs.Disputes}.Parts()
		}
		if d.eng != nil && cs.Lead != "" {
			v.CoSell.LeadName = d.eng.LeadName(cs.Lead)
		}
	}
	if r := d.st.Registration; r != nil || d.claim != nil {
		v.Registration = &api.RegistrationView{Origin: d.st.Origin, Account: d.claim}
		if r != nil {
			v.Registration.RegistrationState = *r
		}
	}
	for _, s := range workflow.DeterministicKeys(d.st.Parties) {
		p := d.st.Parties[s]
		sh := api.SideShadow{RecordID: p.RecordID, Values: map[string]string{}, ModifiedAt: p.Stamp, Unlinked: p.Unlinked}
		for _, f := range workflow.DeterministicKeys(p.Cells) {
			if f != engine.FlagField {
				sh.Values[f] = engine.Display(p.Cells[f].Value)
			}
		}
		for _, kv := range [][2]string{{"@owner_email", p.Owner.Email}, {"@owner_name", p.Owner.Name},
			{"@partner_owner_email", p.Shown.Email}, {"@partner_owner_name", p.Shown.Name}} {
			if kv[1] != "" {
				sh.Values[kv[0]] = kv[1]
			}
		}
		v.Sides[s] = sh
	}
	return v
}

// withCRM sets the options of every CRM activity: a minute per attempt and a short backoff. Rejections
// and exhausted budgets are non-retryable at this level; the engine handles them.
func withCRM(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        30 * time.Second,
			MaximumAttempts:        6,
			NonRetryableErrorTypes: []string{activities.ErrTypeRejected, activities.ErrTypeUnavailable, activities.ErrTypeConfig},
		},
	})
}
