package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/merge"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/sla"
)

// Keys in a side's shadow that are not mapped fields: the side's own owner, and the partner-owner fields
// the sync writes there. They cannot collide with canonical names, which start with a letter.
const (
	keyOwnerEmail        = "@owner_email"
	keyOwnerName         = "@owner_name"
	keyPartnerOwnerEmail = "@partner_owner_email"
	keyPartnerOwnerName  = "@partner_owner_name"
)

// Logs are capped so a deal that flaps for months cannot outgrow its history payloads.
const (
	maxConflicts = 100
	maxNoteKeys  = 2000
)

// historyLimit and roundsPerRun trigger continue-as-new well before Temporal's 51,200-event ceiling:
// a round writes at most a dozen events. They are variables so tests can force continue-as-new.
var (
	historyLimit = 10000
	roundsPerRun = 500
)

// versionSLA gates the SLA engine and the notice outbox (issue #3) for deals already running.
const versionSLA = "sla-and-notices"

var a *activities.Activities

var sides = [2]pairing.Side{pairing.A, pairing.B}

// DealWorkflow mirrors one co-sold deal between the two partners' CRMs. It is long-lived: change events
// arrive as signals (api.ChangeSignal) from the change feeds or webhooks; each batch of events runs one
// sync round (read what is needed, three-way merge against the shadows, write only changed fields,
// mirror new notes once). Its state is queryable (api.DealQuery).
func DealWorkflow(ctx workflow.Context, in api.DealInput) error {
	d := newDeal(in)
	if err := d.setup(ctx); err != nil {
		return err
	}
	// Deals started before SLAs existed replay without them; they gain SLAs at their next run.
	d.slas = workflow.GetVersion(ctx, versionSLA, workflow.DefaultVersion, 1) >= 1
	d.pilot = workflow.GetVersion(ctx, versionPilot, workflow.DefaultVersion, 1) >= 1
	return d.run(ctx)
}

type deal struct {
	in     api.DealInput
	st     api.DealState
	policy *activities.Policy
	notes  map[string]bool

	// pending work, filled by signals.
	pending [2]*api.ChangeEvent
	reread  [2]bool
	// newNotes are notes received since the SLA engine last looked.
	newNotes []api.NoteEvent
	// registeredBy is the side whose registration this round mirrored, reported to the pilot.
	registeredBy pairing.Side
	// runRounds counts this run's sync rounds.
	runRounds int
	// slas is on for runs that track SLAs and send notices (see versionSLA); pilot for runs that report
	// to the pairing's pilot (see versionPilot).
	slas  bool
	pilot bool
	// sending marks the channels whose courier coroutine runs; inFlight counts notice activities running.
	sending  map[string]bool
	inFlight int
	// retry is the delay before a failed round is tried again; zero when the last round succeeded.
	retry time.Duration
}

func newDeal(in api.DealInput) *deal {
	d := &deal{in: in, notes: map[string]bool{}, sending: map[string]bool{}}
	if in.State != nil {
		d.st = *in.State
	}
	if d.st.Sides == nil {
		d.st.Sides = map[pairing.Side]*api.SideShadow{}
	}
	for _, s := range sides {
		if d.st.Sides[s] == nil {
			d.st.Sides[s] = &api.SideShadow{}
		}
		if d.st.Sides[s].Values == nil {
			d.st.Sides[s].Values = map[string]string{}
		}
	}
	for _, k := range d.st.NoteKeys {
		d.notes[k] = true
	}
	return d
}

func (d *deal) setup(ctx workflow.Context) error {
	return workflow.SetQueryHandler(ctx, api.DealQuery, func() (api.DealView, error) { return d.view(), nil })
}

func (d *deal) run(ctx workflow.Context) error {
	ch := workflow.GetSignalChannel(ctx, api.ChangeSignal)
	// A run carrying clocks or notices (after continue-as-new) arms them at once, not at its first change.
	if d.slas && (len(d.st.SLAs) > 0 || len(d.st.Outbox) > 0) {
		if err := d.loadPolicy(ctx); err != nil {
			workflow.GetLogger(ctx).Error("cannot load the pairing policy; SLA clocks wait for the next change", "deal", d.in.CoSellID, "error", err)
		} else {
			d.resumeOutbox(ctx)
		}
	}
	for {
		d.wait(ctx, ch)
		if err := ctx.Err(); err != nil {
			return err // cancelled: the deal leaves co-sell; its CRM records stay as they are
		}
		d.drain(ctx, ch)
		if d.slas && d.policy != nil {
			d.fireDueSLAEvents(ctx)
		}
		if d.hasWork() {
			d.round(ctx)
			d.runRounds++
		}

		info := workflow.GetInfo(ctx)
		if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > historyLimit || d.runRounds >= roundsPerRun {
			d.drain(ctx, ch)
			if d.hasWork() {
				continue // never carry unprocessed events across continue-as-new
			}
			// Sends in flight finish first, so none is repeated by the next run; sends waiting out a
			// backoff simply resume there from the carried outbox.
			if err := workflow.Await(ctx, func() bool { return d.inFlight == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			st := d.st
			return workflow.NewContinueAsNewError(ctx, api.DealWorkflowName,
				api.DealInput{PairingID: d.in.PairingID, CoSellID: d.in.CoSellID, State: &st})
		}
	}
}

// wait blocks until there is work: a signal, or the retry timer of a failed round.
func (d *deal) wait(ctx workflow.Context, ch workflow.ReceiveChannel) {
	if d.hasWork() && d.retry == 0 {
		return
	}
	next, hasNext := time.Time{}, false
	if d.slas && d.policy != nil {
		next, hasNext = d.nextSLAEvent()
	}
	if hasNext && !next.After(workflow.Now(ctx)) {
		return // an SLA moment is due now
	}
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
		var ev api.ChangeEvent
		c.Receive(ctx, &ev)
		d.add(ev)
	})
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel() // the timer that lost the race is cancelled
	if d.retry > 0 {
		sel.AddFuture(workflow.NewTimer(timerCtx, d.retry), func(workflow.Future) {})
	}
	if hasNext {
		sel.AddFuture(workflow.NewTimer(timerCtx, next.Sub(workflow.Now(ctx))), func(workflow.Future) {})
	}
	sel.Select(ctx)
}

func (d *deal) drain(ctx workflow.Context, ch workflow.ReceiveChannel) {
	for {
		var ev api.ChangeEvent
		if !ch.ReceiveAsync(&ev) {
			return
		}
		d.add(ev)
	}
}

// add folds an event into the pending work: the newest reading per side wins; notes accumulate.
func (d *deal) add(ev api.ChangeEvent) {
	i := index(ev.Side)
	if ev.RecordID != "" && d.st.Sides[ev.Side].RecordID == "" {
		d.st.Sides[ev.Side].RecordID = ev.RecordID
	}
	d.st.PendingNotes = append(d.st.PendingNotes, ev.Notes...)
	d.newNotes = append(d.newNotes, ev.Notes...)
	switch {
	case ev.Deal != nil:
		if p := d.pending[i]; p == nil || p.Deal == nil || !ev.Deal.ModifiedAt.Before(p.Deal.ModifiedAt) {
			cp := ev
			cp.Notes = nil
			d.pending[i] = &cp
		}
	case len(ev.Notes) == 0:
		d.reread[i] = true // a bare trigger (webhook, CLI): read the side ourselves
	}
}

func (d *deal) hasWork() bool {
	if d.pending[0] != nil || d.pending[1] != nil || d.reread[0] || d.reread[1] {
		return true
	}
	for _, n := range d.st.PendingNotes {
		if d.st.Sides[n.Side.Other()].RecordID != "" {
			return true // notes still waiting for their mirror deal are not work until it exists
		}
	}
	return false
}

// round runs one sync round over the pending work. A failed step records an issue and leaves the work
// pending, with a retry timer, so nothing is lost.
func (d *deal) round(ctx workflow.Context) {
	d.st.Rounds++
	log := workflow.GetLogger(ctx)
	if err := d.loadPolicy(ctx); err != nil {
		d.failed(ctx, "", err)
		return
	}

	if d.st.Refused {
		d.pending, d.reread, d.st.PendingNotes = [2]*api.ChangeEvent{}, [2]bool{}, nil
		return // a registration refused for a killed pairing is never mirrored
	}
	obs, ok := d.observe(ctx)
	if !ok {
		return
	}
	if d.needsMirror(obs) && d.registrationRefused(ctx) {
		d.pending, d.reread, d.st.PendingNotes = [2]*api.ChangeEvent{}, [2]bool{}, nil
		return
	}
	if !d.register(ctx, obs) {
		return
	}
	res := d.merge(obs)
	// Before writing to a side we did not read this round, read it: an edit made there since our last
	// look must take part in the merge, or our write would silently overwrite it.
	for i, s := range sides {
		if obs[i] == nil && d.st.Sides[s].RecordID != "" && len(d.writesFor(res, s)) > 0 {
			st, ok := d.read(ctx, s)
			if !ok {
				return
			}
			obs[i] = &st
			res = d.merge(obs)
		}
	}
	for i, s := range sides {
		if obs[i] != nil && obs[i].Found {
			d.recordTranslationIssues(ctx, s, obs[i])
			d.st.Sides[s].ModifiedAt = obs[i].ModifiedAt
			if obs[i].Owner.Email != "" || obs[i].Owner.Name != "" {
				d.st.Sides[s].Values[keyOwnerEmail] = obs[i].Owner.Email
				d.st.Sides[s].Values[keyOwnerName] = obs[i].Owner.Name
			}
		}
	}
	for _, c := range res.Conflicts {
		d.logConflict(ctx, c)
	}
	// A partner acting on its side of the deal (an edit that flows across) accepts its registration.
	if d.slas && len(res.WriteB) > 0 {
		d.acceptRegistration(ctx, pairing.A, d.policy.Name(pairing.A)+" updated the deal")
	}
	if d.slas && len(res.WriteA) > 0 {
		d.acceptRegistration(ctx, pairing.B, d.policy.Name(pairing.B)+" updated the deal")
	}
	if !d.write(ctx, res, obs) {
		return
	}
	notes := d.newNotes
	d.newNotes = nil
	if d.slas {
		d.trackStage(ctx)
		d.trackNotes(ctx, notes)
	}
	if d.registeredBy != "" {
		d.report(ctx, pilot.Registered, d.registeredBy)
		d.registeredBy = ""
	}
	d.reportAmountChange(ctx)
	if !d.mirrorNotes(ctx) {
		return
	}
	d.pending, d.reread, d.retry = [2]*api.ChangeEvent{}, [2]bool{}, 0
	d.clearIssues("unavailable")
	d.st.LastSyncAt = workflow.Now(ctx)
	log.Debug("sync round done", "deal", d.in.CoSellID, "round", d.st.Rounds)
}

// needsMirror reports whether this round would create a mirror: one side has the deal, the other not.
func (d *deal) needsMirror(obs [2]*api.SideState) bool {
	for i, s := range sides {
		other := obs[1-i]
		if d.st.Sides[s].RecordID == "" && (d.st.Sides[s.Other()].RecordID != "" || (other != nil && other.Found)) {
			return true
		}
	}
	return false
}

// observe collects this round's readings: the ones events carried, and fresh reads where an event was
// a bare trigger or a side's record is not known yet (its mirror may not exist).
func (d *deal) observe(ctx workflow.Context) ([2]*api.SideState, bool) {
	var obs [2]*api.SideState
	for i, s := range sides {
		switch {
		case d.pending[i] != nil && d.pending[i].Deal != nil:
			obs[i] = d.pending[i].Deal
		case d.reread[i] || d.st.Sides[s].RecordID == "":
			st, ok := d.read(ctx, s)
			if !ok {
				return obs, false
			}
			obs[i] = &st
		}
		if obs[i] != nil && obs[i].Found && d.st.Sides[s].RecordID == "" {
			d.st.Sides[s].RecordID = obs[i].RecordID
		}
	}
	return obs, true
}

func (d *deal) read(ctx workflow.Context, s pairing.Side) (api.SideState, bool) {
	var st api.SideState
	in := activities.ReadDealInput{PairingID: d.in.PairingID, Side: s, RecordID: d.st.Sides[s].RecordID, CoSellID: d.in.CoSellID}
	if err := workflow.ExecuteActivity(withCRM(ctx), a.ReadDeal, in).Get(ctx, &st); err != nil {
		d.failed(ctx, s, err)
		return st, false
	}
	if !st.Found && in.RecordID != "" {
		// The record we knew is gone; look for the deal by co-sell id before concluding it is missing.
		d.st.Sides[s].RecordID = ""
		in.RecordID = ""
		if err := workflow.ExecuteActivity(withCRM(ctx), a.ReadDeal, in).Get(ctx, &st); err != nil {
			d.failed(ctx, s, err)
			return st, false
		}
	}
	return st, true
}

// register stamps the co-sell id on a deal a partner flagged without one.
func (d *deal) register(ctx workflow.Context, obs [2]*api.SideState) bool {
	for i, s := range sides {
		o := obs[i]
		if o == nil || !o.Found || o.CoSellID == d.in.CoSellID {
			continue
		}
		if o.CoSellID != "" {
			d.setIssue(ctx, s, "", "registration", fmt.Sprintf("record %s carries co-sell id %s, not %s", o.RecordID, o.CoSellID, d.in.CoSellID))
			continue
		}
		in := activities.StampInput{PairingID: d.in.PairingID, Side: s, RecordID: o.RecordID, CoSellID: d.in.CoSellID}
		if err := workflow.ExecuteActivity(withCRM(ctx), a.StampCoSellID, in).Get(ctx, nil); err != nil {
			d.failed(ctx, s, err)
			return false
		}
		o.CoSellID = d.in.CoSellID
	}
	return true
}

func (d *deal) merge(obs [2]*api.SideState) merge.Result {
	return merge.Merge(merge.Input{
		Rules:   d.policy.Rules,
		ShadowA: d.st.Sides[pairing.A].Values,
		ShadowB: d.st.Sides[pairing.B].Values,
		A:       observation(obs[0]),
		B:       observation(obs[1]),
	})
}

func observation(s *api.SideState) merge.Observation {
	if s == nil || !s.Found {
		return merge.Observation{}
	}
	return merge.Observation{Values: s.Values, ModifiedAt: s.ModifiedAt, Present: true}
}

// writesFor returns the fields the merge writes to side s.
func (d *deal) writesFor(res merge.Result, s pairing.Side) map[string]string {
	if s == pairing.A {
		return res.WriteA
	}
	return res.WriteB
}

// partnerOwner returns the partner-owner value side s should show, when it differs from what s shows.
func (d *deal) partnerOwner(s pairing.Side, obs [2]*api.SideState) *api.Owner {
	other := d.st.Sides[s.Other()].Values
	want := api.Owner{Email: other[keyOwnerEmail], Name: other[keyOwnerName]}
	if want.Email == "" && want.Name == "" {
		return nil
	}
	have := api.Owner{Email: d.st.Sides[s].Values[keyPartnerOwnerEmail], Name: d.st.Sides[s].Values[keyPartnerOwnerName]}
	if o := obs[index(s)]; o != nil && o.Found {
		have = o.Partner
	}
	if have == want {
		return nil
	}
	return &want
}

// write applies the merge: creates a missing mirror, or writes the changed fields to each side.
func (d *deal) write(ctx workflow.Context, res merge.Result, obs [2]*api.SideState) bool {
	shadows := map[pairing.Side]map[string]string{pairing.A: res.ShadowA, pairing.B: res.ShadowB}
	// A missing mirror is created first, so the origin's partner-owner fields can name its new owner in
	// this same round.
	order := sides
	if d.st.Sides[pairing.B].RecordID == "" {
		order = [2]pairing.Side{pairing.B, pairing.A}
	}
	for _, s := range order {
		exists := d.st.Sides[s].RecordID != ""
		values := d.writesFor(res, s)
		in := activities.WriteDealInput{PairingID: d.in.PairingID, Side: s, CoSellID: d.in.CoSellID, Values: values,
			PartnerOwner: d.partnerOwner(s, obs)}
		switch {
		case !exists:
			if d.st.Sides[s.Other()].RecordID == "" {
				continue // neither side has the deal; nothing to mirror from
			}
			in.Create = true
			in.SourceOwnerEmail = d.st.Sides[s.Other()].Values[keyOwnerEmail]
		default:
			if len(values) == 0 && in.PartnerOwner == nil {
				d.st.Sides[s].Values = keepBookkeeping(shadows[s], d.st.Sides[s].Values)
				continue
			}
		}
		out, ok := d.writeSide(ctx, in, shadows[s])
		if !ok {
			return false
		}
		if in.Create {
			d.st.Sides[s].RecordID = out.RecordID
			d.st.Sides[s].Values[keyOwnerEmail] = out.Owner.Email
			d.st.Sides[s].Values[keyOwnerName] = out.Owner.Name
			if d.slas {
				d.startSLA(ctx, sla.Registration, "registration", string(s), d.policy.SLA.RegistrationAcceptance)
			}
			d.registeredBy = s.Other()
			workflow.GetLogger(ctx).Info("mirror created", "deal", d.in.CoSellID, "side", string(s), "record", out.RecordID)
		}
	}
	return true
}

// writeSide runs one write. A CRM rejection that names some of the fields drops those, records the CRM's
// own message on the deal as a sync issue, and writes the rest. A rejected value keeps its old shadow on
// the target, so the same rejection is not replayed every round: it is tried again when it changes.
func (d *deal) writeSide(ctx workflow.Context, in activities.WriteDealInput, shadow map[string]string) (activities.WriteDealResult, bool) {
	s := in.Side
	before := d.st.Sides[s].Values
	in.Values = copyMap(in.Values)
	for attempt := 0; ; attempt++ {
		var out activities.WriteDealResult
		err := workflow.ExecuteActivity(withCRM(ctx), a.WriteDeal, in).Get(ctx, &out)
		if err == nil {
			for _, is := range out.Issues {
				d.setIssue(ctx, s, is.Field, "rejected", is.Message)
			}
			for _, f := range sortedKeys(in.Values) {
				d.clearIssue(s, f, "rejected")
			}
			d.st.Sides[s].Values = keepBookkeeping(shadow, before)
			if in.PartnerOwner != nil {
				d.st.Sides[s].Values[keyPartnerOwnerEmail] = in.PartnerOwner.Email
				d.st.Sides[s].Values[keyPartnerOwnerName] = in.PartnerOwner.Name
			}
			return out, true
		}
		rej, isRejection := activities.RejectionOf(err)
		if !isRejection {
			d.failed(ctx, s, err)
			return out, false
		}
		blamed := []string{}
		for _, f := range rej.Canonical {
			if _, ok := in.Values[f]; ok {
				blamed = append(blamed, f)
			}
		}
		msg := rej.CRM + ": " + rej.Code + ": " + rej.Message
		rest := len(in.Values) - len(blamed)
		if attempt == 0 && len(blamed) > 0 && (rest > 0 || in.PartnerOwner != nil || in.Create) {
			for _, f := range blamed {
				delete(in.Values, f)
				restore(shadow, before, f)
				d.setIssue(ctx, s, f, "rejected", msg)
			}
			continue
		}
		// The whole write was refused: keep every value's old shadow on this side and show why.
		for _, f := range sortedKeys(in.Values) {
			restore(shadow, before, f)
		}
		field := ""
		if len(blamed) == 1 {
			field = blamed[0]
		}
		d.setIssue(ctx, s, field, "rejected", msg)
		d.st.Sides[s].Values = keepBookkeeping(shadow, before)
		return out, true
	}
}

// mirrorNotes copies each pending note to the other side once. A note whose target deal does not exist
// yet waits, in the carried state, for the mirror to be created.
func (d *deal) mirrorNotes(ctx workflow.Context) bool {
	var waiting []api.NoteEvent
	for _, n := range d.st.PendingNotes {
		key := api.NoteKey(d.in.CoSellID, n.Side, n.NoteID)
		if d.notes[key] {
			continue
		}
		target := n.Side.Other()
		rec := d.st.Sides[target].RecordID
		if rec == "" {
			waiting = append(waiting, n)
			continue
		}
		in := activities.MirrorNoteInput{
			PairingID: d.in.PairingID, Side: target, DealRecordID: rec, Key: key,
			Subject:   "Co-sell note from " + d.policy.Name(n.Side),
			Body:      attribution(d.policy.Name(n.Side), n.AuthorName) + " " + n.Body,
			Timestamp: n.CreatedAt,
		}
		if err := workflow.ExecuteActivity(withCRM(ctx), a.MirrorNote, in).Get(ctx, nil); err != nil {
			if rej, ok := activities.RejectionOf(err); ok {
				d.setIssue(ctx, target, "", "note", "note "+n.NoteID+" was not mirrored: "+rej.CRM+": "+rej.Code+": "+rej.Message)
				d.remember(key)
				continue
			}
			d.failed(ctx, target, err)
			return false
		}
		d.remember(key)
	}
	d.st.PendingNotes = waiting
	return true
}

// attribution is the prefix that tells the reader whose note this is: "[Acme · Jane Doe]".
func attribution(partner, author string) string {
	if author == "" {
		return "[" + partner + "]"
	}
	return "[" + partner + " · " + author + "]"
}

func (d *deal) remember(key string) {
	d.notes[key] = true
	d.st.NoteKeys = append(d.st.NoteKeys, key)
	if len(d.st.NoteKeys) > maxNoteKeys {
		// The oldest keys belong to notes long past the feeds' overlap windows; they cannot come back.
		drop := d.st.NoteKeys[:len(d.st.NoteKeys)-maxNoteKeys]
		for _, k := range drop {
			delete(d.notes, k)
		}
		d.st.NoteKeys = append([]string(nil), d.st.NoteKeys[len(drop):]...)
	}
}

// failed records a step that could not complete and schedules the round again. An exhausted CRM sets
// the delay it asked for; anything else backs off from 30 s to 10 min.
func (d *deal) failed(ctx workflow.Context, s pairing.Side, err error) {
	msg := err.Error()
	delay := 30 * time.Second
	if d.retry > 0 {
		delay = d.retry * 2
	}
	if delay > 10*time.Minute {
		delay = 10 * time.Minute
	}
	if u, ok := activities.UnavailableOf(err); ok {
		msg = u.Message
		if u.RetryAfter > 0 {
			delay = u.RetryAfter
		}
	}
	d.retry = delay
	d.setIssue(ctx, s, "", "unavailable", msg)
	workflow.GetLogger(ctx).Warn("sync round failed; will retry", "deal", d.in.CoSellID, "side", string(s), "retryIn", delay, "error", msg)
}

// recordTranslationIssues replaces a side's translation issues (unmapped values) with this reading's.
func (d *deal) recordTranslationIssues(ctx workflow.Context, s pairing.Side, o *api.SideState) {
	kept := d.st.Issues[:0:0]
	for _, is := range d.st.Issues {
		if is.Side == s && is.Kind == "unmapped_value" && !hasIssue(o.Issues, is.Field) {
			continue
		}
		kept = append(kept, is)
	}
	d.st.Issues = kept
	for _, is := range o.Issues {
		d.setIssue(ctx, s, is.Field, "unmapped_value", is.Message)
	}
}

func hasIssue(list []pairing.Issue, field string) bool {
	for _, is := range list {
		if is.Field == field {
			return true
		}
	}
	return false
}

// setIssue records an issue, keeping the time it was first seen when it is already open.
func (d *deal) setIssue(ctx workflow.Context, s pairing.Side, field, kind, msg string) {
	for i, is := range d.st.Issues {
		if is.Side == s && is.Field == field && is.Kind == kind {
			if is.Message != msg {
				d.st.Issues[i].Message = msg
			}
			return
		}
	}
	d.st.Issues = append(d.st.Issues, api.SyncIssue{Side: s, Field: field, Kind: kind, Message: msg, Since: workflow.Now(ctx)})
	workflow.GetLogger(ctx).Warn("sync issue", "deal", d.in.CoSellID, "side", string(s), "field", field, "kind", kind, "message", msg)
}

func (d *deal) clearIssue(s pairing.Side, field, kind string) {
	kept := d.st.Issues[:0:0]
	for _, is := range d.st.Issues {
		if !(is.Side == s && is.Field == field && is.Kind == kind) {
			kept = append(kept, is)
		}
	}
	d.st.Issues = kept
}

func (d *deal) clearIssues(kind string) {
	kept := d.st.Issues[:0:0]
	for _, is := range d.st.Issues {
		if is.Kind != kind {
			kept = append(kept, is)
		}
	}
	d.st.Issues = kept
}

func (d *deal) logConflict(ctx workflow.Context, c merge.Conflict) {
	details := "settled by policy " + string(c.Policy)
	if c.ByDirection {
		details = "settled by the field's one-way direction"
	}
	d.st.Conflicts = append(d.st.Conflicts, api.Conflict{
		Field: c.Field, ValueA: c.ValueA, ValueB: c.ValueB, Winner: c.Winner, Policy: c.Policy,
		At: workflow.Now(ctx), Details: details,
	})
	if len(d.st.Conflicts) > maxConflicts {
		d.st.Conflicts = append([]api.Conflict(nil), d.st.Conflicts[len(d.st.Conflicts)-maxConflicts:]...)
	}
	d.report(ctx, pilot.Conflict, "")
	workflow.GetLogger(ctx).Info("conflict", "deal", d.in.CoSellID, "field", c.Field, "a", c.ValueA, "b", c.ValueB,
		"winner", string(c.Winner), "policy", string(c.Policy))
}

func (d *deal) view() api.DealView {
	v := api.DealView{
		PairingID: d.in.PairingID, CoSellID: d.in.CoSellID, Sides: map[pairing.Side]api.SideShadow{},
		LastSyncAt: d.st.LastSyncAt, Conflicts: d.st.Conflicts, Issues: d.st.Issues,
		NotesSynced: len(d.st.NoteKeys), Rounds: d.st.Rounds,
		Stage: d.st.Stage, SLAs: d.st.SLAs, SLAHistory: d.st.SLAHistory, Outbox: d.st.Outbox, NoticesSent: d.st.NoticesSent,
	}
	for _, s := range sides {
		v.Sides[s] = *d.st.Sides[s]
	}
	return v
}

// loadPolicy reads the pairing's policy once per run.
func (d *deal) loadPolicy(ctx workflow.Context) error {
	if d.policy != nil {
		return nil
	}
	var p activities.Policy
	if err := workflow.ExecuteActivity(withCRM(ctx), a.LoadPolicy, activities.PolicyInput{PairingID: d.in.PairingID}).Get(ctx, &p); err != nil {
		return err
	}
	d.policy = &p
	return nil
}

// withCRM sets the options of every CRM activity: a minute per attempt and a short backoff. Rejections
// and exhausted budgets are non-retryable at this level; the workflow handles them.
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

func index(s pairing.Side) int {
	if s == pairing.B {
		return 1
	}
	return 0
}

// restore puts a field's shadow back to what it was before this round.
func restore(shadow, before map[string]string, f string) {
	if old, ok := before[f]; ok {
		shadow[f] = old
	} else {
		delete(shadow, f)
	}
}

// keepBookkeeping returns the merge's new shadow with the side's owner bookkeeping kept.
func keepBookkeeping(shadow, before map[string]string) map[string]string {
	out := copyMap(shadow)
	for _, k := range []string{keyOwnerEmail, keyOwnerName, keyPartnerOwnerEmail, keyPartnerOwnerName} {
		if v, ok := before[k]; ok {
			out[k] = v
		}
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		out[k] = m[k]
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	return workflow.DeterministicKeys(m)
}
