// Package engine is the deal engine: every decision of a co-sold deal, as a pure state machine. Given
// its State and an observation (a change delivered by a feed or a webhook, the result of a command, the
// passing of time) it updates the state and says what to do next: read a party, write fields to a
// party, stamp a co-sell id, mirror a note, ask the pilot, queue a notice, report a pilot event, or wait
// until a moment. It has no Temporal and no I/O, so every rule runs in microseconds under a model-based
// test that explores thousands of interleavings of edits and faults.
//
// The rules, in short (ARCHITECTURE.md in workflows/ says what each guarantee rests on):
//   - Each party's record is a set of cells: each field's value as that CRM stores it, as last read or
//     acknowledged. A cell only moves on what its CRM said, never on what the engine hoped to write.
//   - Each field has one wanted value, set by the party whose edit last flowed. Work is pending exactly
//     while a receiving party's cell does not stand for the wanted value; a failed write keeps it
//     pending, with a sync issue, until it succeeds.
//   - A reading older than the last observation of its party never overrides it: if it disagrees, the
//     engine reads the party again itself.
//   - An edit on a party that had not yet received the wanted value is concurrent: a logged conflict,
//     settled by the field's policy.
package engine

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// Engine applies observations to a deal's State and plans its next command. It is not safe for
// concurrent use; a workflow drives it from one coroutine at a time.
type Engine struct {
	st  *State
	pol Policy
	// bodies holds the bodies of notes received in this run, by key; they are never carried.
	bodies   map[string]string
	effects  []Effect
	inflight *Command
	// rebased and changed are what a remap found, per party (remap.go); never carried.
	rebased map[vocab.Side][]RebasedField
	changed map[vocab.Side]bool
	// gate, when set, says whether a rule added after deals were already running may decide (allows);
	// nil means every rule may. The deal workflow answers by a version per rule, so histories recorded
	// before a rule replay as they ran.
	gate func(rule string) bool
}

// The rules gated for histories recorded before them. Each is asked only where it decides otherwise
// than the engine did before it, so every other history is unchanged.
const (
	// RuleSeenOrder: last-writer-wins orders two edits by what the engine saw where their stamps say
	// otherwise (settle).
	RuleSeenOrder = "seen-order"
	// RuleHeldValue: a field no edit is wanted for takes the value a party is seen holding, though it
	// is the engine's own write (apply).
	RuleHeldValue = "held-value"
	// RuleTiedSource: a value two parties typed in an order their stamps do not tell keeps both as its
	// sources, and a next edit of either is judged against the other's (apply).
	RuleTiedSource = "tied-source"
	// RuleLandedOverUnmapped: a write whose answer shows it landed over the party's value outside the
	// value map, which became the wanted value while the write was in flight, lets that value go (written).
	RuleLandedOverUnmapped = "landed-over-unmapped"
)

// SetGate makes the engine ask ok(rule) before one of the gated rules above decides.
func (e *Engine) SetGate(ok func(rule string) bool) { e.gate = ok }

func (e *Engine) allows(rule string) bool { return e.gate == nil || e.gate(rule) }

// New returns an engine over st (which it updates in place) deciding with pol.
func New(pol Policy, st *State) *Engine {
	if st.Parties == nil {
		st.Parties = map[vocab.Side]*Party{}
	}
	if st.Fields == nil {
		st.Fields = map[string]*Want{}
	}
	for _, s := range pol.sides() {
		if st.Parties[s] == nil {
			st.Parties[s] = &Party{}
		}
	}
	return &Engine{st: st, pol: pol, bodies: map[string]string{}}
}

// State returns the deal's state.
func (e *Engine) State() *State { return e.st }

// Policy returns the policy the engine decides with.
func (e *Engine) Policy() Policy { return e.pol }

// SetPolicy makes the engine decide with another policy from now on (the pairing file was edited). The
// state is kept as it is: rules apply to the edits observed from here, and SLA clocks already running
// keep the deadlines they were started with.
func (e *Engine) SetPolicy(pol Policy) {
	for _, s := range pol.sides() {
		if e.st.Parties[s] == nil {
			e.st.Parties[s] = &Party{}
		}
	}
	e.pol = pol
}

// TakeEffects returns the effects queued since the last call and forgets them.
func (e *Engine) TakeEffects() []Effect {
	out := e.effects
	e.effects = nil
	return out
}

// NoteKey is the idempotency key of the mirror of one note: a pure function of the deal, the party the
// note was written on and its id there, so the mirror is written at most once whatever retries happen.
func NoteKey(coSellID string, side vocab.Side, noteID string) string {
	sum := sha256.Sum256([]byte(coSellID + "\x00" + string(side) + "\x00" + noteID))
	return "N-" + strings.ToUpper(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:24])
}

// Change is what a feed, a webhook or the CLI delivers: "look at this party", with a fresh reading when
// the sender has one, and shared notes.
type Change struct {
	Side     vocab.Side  `json:"side"`
	RecordID string      `json:"recordId,omitempty"`
	Reading  *Reading    `json:"reading,omitempty"`
	Notes    []NoteEvent `json:"notes,omitempty"`
	// Activities are CRM activities on the party's record (tasks, events, meetings, calls, e-mails,
	// notes) that may be touchpoints (evidence.go).
	Activities []touchpoint.Activity `json:"activities,omitempty"`
	// Adopt says the record is one of a pair `cosell backfill` linked: both existed before the sync
	// and carry the deal's co-sell id, so the deal adopts them as they are (adopt.go) instead of
	// registering a new deal and creating a mirror.
	Adopt bool `json:"adopt,omitempty"`
	// Reconcile is set by a reconcile (`cosell reconcile`, the worker's periodic one), which found the
	// two CRMs disagreeing: the engine reads the party itself and, besides, tries once more the values
	// it set aside after the party's CRM refused them (and a refused create), since an admin may have
	// fixed what refused them. A refused value is otherwise only tried again when the wanted value
	// changes, so a re-read alone would leave that drift in place.
	Reconcile bool `json:"reconcile,omitempty"`
}

// Receive folds a delivered change into the state. It never issues I/O itself: the next call of Next
// plans what the change requires.
func (e *Engine) Receive(now time.Time, ch Change) {
	if e.closed() {
		return
	}
	p := e.party(ch.Side)
	if p == nil || p.Unlinked || slices.Contains(p.Gone, ch.RecordID) {
		return // a late change of a record the party deleted
	}
	if p.RecordID == "" && ch.Reading != nil && ch.Reading.Found && !ch.Reading.ModifiedAt.After(p.AbsentAt) {
		// Older than the engine's own look, which found no record of the party: the record may be
		// gone since. Look again by co-sell id rather than link it.
		p.NeedRead = true
		e.addNotes(now, ch.Notes)
		return
	}
	if p.RecordID == "" && ch.RecordID != "" && (ch.Reading == nil || ch.Reading.Found) {
		p.RecordID = ch.RecordID // the sender knows the record: read it by id
	}
	if ch.Adopt {
		e.adopt(ch.Side) // adopt.go
	}
	if ch.Reconcile {
		e.reconcile(p)
	}
	switch {
	case ch.Reading != nil:
		r := *ch.Reading
		r.Side = ch.Side
		e.observe(now, r, ch.Adopt && e.adoptedLook()) // adopt.go
	case len(ch.Notes) == 0 && len(ch.Activities) == 0:
		p.NeedRead = true // a bare trigger: the engine reads the party itself
	}
	e.addNotes(now, ch.Notes)
	e.addActivities(now, ch.Side, ch.Activities) // evidence.go
}

func (e *Engine) party(s vocab.Side) *Party { return e.st.Parties[s] }

// reconcile makes the engine compare party p's record as it is now against its cells, whatever its
// stamp (its own read is applied as it finds it), and write again what p's CRM refused before: a value
// the CRM refuses again is set aside again, with its sync issue, so a reconcile costs at most one
// refused write per value.
func (e *Engine) reconcile(p *Party) {
	p.NeedRead = true
	p.Refused = nil
	e.st.CreateRefused = false
}

// round is the round the engine is in, or the one a new observation will start.
func (e *Engine) round() int {
	if e.st.InRound {
		return e.st.Round
	}
	return e.st.Round + 1
}

// observe applies a reading. fresh is true for the engine's own reads, which are ordered after every
// command it issued before them; a delivered reading is ordered by its CRM stamp only.
func (e *Engine) observe(now time.Time, r Reading, fresh bool) {
	s := r.Side
	p := e.party(s)
	if p == nil || p.Unlinked {
		return
	}
	if r.Found && slices.Contains(p.Gone, r.RecordID) {
		return // a record the party deleted, still served by a lagging index
	}
	if !r.Found {
		if fresh {
			p.Remap, p.Rebase = false, false
			p.Observed = e.round()
			if p.RecordID != "" {
				e.deleted(now, s)
			} else {
				p.Sent = nil // no create of ours was applied: the next one may go
				p.AbsentAt = now
			}
		}
		return
	}
	if p.RecordID != "" && r.RecordID != p.RecordID {
		if !fresh {
			e.setIssue(now, s, "", vocab.IssueRegistration, fmt.Sprintf(
				"record %s also carries co-sell id %s; only record %s is mirrored", r.RecordID, e.st.CoSellID, p.RecordID))
			return
		}
		e.log("info", "the deal's record moved (merged or replaced)", "side", string(s), "from", p.RecordID, "to", r.RecordID)
	}
	if !fresh && r.RecordID == p.RecordID {
		e.decideEcho(now, r) // decisions.go: the deal's own write, read back, is no edit
	}
	if !fresh && p.RecordID != "" && !r.ModifiedAt.After(p.Stamp) {
		// Not newer than what we know: it may predate our own write, or be served by a lagging index.
		if e.differs(p, r) {
			p.NeedRead = true
		}
		return
	}
	unchanged := p.RecordID == r.RecordID && !r.ModifiedAt.After(p.Stamp) // since the engine's last look
	p.RecordID, p.AbsentAt = r.RecordID, time.Time{}
	if r.ModifiedAt.After(p.Stamp) {
		p.Stamp = r.ModifiedAt
	}
	if fresh {
		p.Observed = e.round() // a delivered reading may be old: only our own read is the read-before-write
	}
	e.checkCoSellID(now, s, r)

	asOf := r.ModifiedAt // what a delivered reading shows held at its stamp; our own read, until now
	if fresh && now.After(asOf) {
		asOf = now
	}
	if fresh && (p.Remap || p.Rebase) {
		e.remapped(now, s, r, unchanged, asOf) // remap.go
	}
	wasPaused := e.paused()
	e.apply(now, s, FlagField, strconv.FormatBool(r.Enabled), r.ModifiedAt, asOf)
	unmapped := map[string]string{}
	for _, is := range r.Issues {
		unmapped[is.Field] = is.Raw
	}
	for _, rule := range e.pol.Rules {
		if v, ok := r.Values[rule.Field]; ok {
			e.apply(now, s, rule.Field, v, r.ModifiedAt, asOf)
		} else if raw, ok := unmapped[rule.Field]; ok {
			e.apply(now, s, rule.Field, unmappedValue(raw), r.ModifiedAt, asOf)
		}
	}
	if r.Owner != (vocab.Owner{}) {
		p.Owner = r.Owner
	}
	p.Shown = r.Partner
	e.registrationStarted(now) // registration.go: pending from the first look, so the mirror is created with it
	e.declineObserved(now)
	e.recordTranslationIssues(now, s, r.Issues)
	if fresh {
		// Only the engine's own read settles its unanswered writes: it is issued after their outcome
		// (none is in flight), so whatever they wrote, it shows. A delivered reading may have been
		// taken before a write in flight (or retried by its activity) landed.
		p.Sent = nil
	}
	if e.paused() != wasPaused {
		e.flagChanged(now, s)
	}
	e.adopted() // adopt.go
}

// checkCoSellID asks for the co-sell id to be written when the record lacks it, and restores it when a
// user edited it.
func (e *Engine) checkCoSellID(now time.Time, s vocab.Side, r Reading) {
	p := e.party(s)
	switch {
	case r.CoSellID == e.st.CoSellID:
		p.NeedStamp = false
	case r.CoSellID == "" && len(p.Cells) == 0:
		p.NeedStamp = true // a record flagged without an id: its registration
	default:
		p.NeedStamp = true
		change := fmt.Sprintf("changed to %q", r.CoSellID)
		if r.CoSellID == "" {
			change = "cleared" // the feed routed it here by the record directory
		}
		e.setIssue(now, s, "", vocab.IssueCoSellID, fmt.Sprintf(
			"the co-sell id on record %s was %s; it is restored to %s (the record stays linked to this deal)",
			r.RecordID, change, e.st.CoSellID))
	}
}

// differs reports whether a reading disagrees with what the engine knows of the party.
func (e *Engine) differs(p *Party, r Reading) bool {
	if r.CoSellID != e.st.CoSellID {
		return true
	}
	if c, ok := p.Cells[FlagField]; !ok || c.Value != strconv.FormatBool(r.Enabled) {
		return true
	}
	if (r.Owner != vocab.Owner{} && r.Owner != p.Owner) || r.Partner != p.Shown {
		return true // a reassigned record, or partner-owner fields someone edited
	}
	for _, f := range sortedKeys(r.Values) {
		if c, ok := p.Cells[f]; !ok || c.Value != r.Values[f] {
			if _, mapped := e.pol.rule(f); mapped {
				return true
			}
		}
	}
	for _, is := range r.Issues {
		if c, ok := p.Cells[is.Field]; !ok || c.Value != unmappedValue(is.Raw) {
			return true
		}
	}
	return false
}

// apply records a field's value on a party and decides what it means: nothing (an echo), a clean edit
// that now flows, or a conflict.
func (e *Engine) apply(now time.Time, s vocab.Side, field, v string, at, asOf time.Time) {
	rule, ok := e.pol.rule(field)
	if !ok {
		return
	}
	if rule.Derived {
		e.applyDerived(now, s, rule, v, asOf) // cosell.go
		return
	}
	p := e.party(s)
	if p.Cells == nil {
		p.Cells = map[string]Cell{}
	}
	c, had := p.Cells[field]
	ownWrite := false
	if (!had || c.Value != v) && len(p.Sent) > 0 {
		// A look at a record after writes whose answers never came: a value one of them carried is our
		// own write (the answer was lost, not the write), judged as if its answer had come, so it is no
		// edit of the party's. On the first look at a mirror we created, any other value is the party's
		// edit, made after the earliest of our creates.
		var creates []Sent
		for _, sent := range p.Sent {
			if sent.Create {
				creates = append(creates, sent)
			}
		}
		if !had && len(creates) > 0 {
			v0 := creates[len(creates)-1].Values[field]
			c, had = Cell{Value: v0, Synced: v0, Seen: creates[0].At}, true
		}
		for _, sent := range p.Sent {
			// The value may be stored in the CRM's normal form (a trimmed space, a rounded amount): the
			// cell then holds that form, standing for what was sent. An unflag is never assumed to be
			// ours: taken for the party's own, it keeps the deal out of co-sell, the safe side of the doubt.
			if v0, ok := sent.Values[field]; ok && storedAs(field, v0, v) && (field != FlagField || v != "false") {
				c, had, ownWrite = Cell{Value: v, Synced: v0, Seen: sent.At}, true, true
			}
		}
		if had {
			p.Cells[field] = c
		}
	}
	if had && c.Value == v {
		if asOf.After(c.Seen) {
			c.Seen = asOf
			p.Cells[field] = c
		}
		if w := e.st.Fields[field]; ownWrite && w != nil && w.From == s && isUnmapped(w.Value) && w.Value != c.Synced {
			// Our write landed over the party's value outside the value map after that value became
			// the wanted one: it exists nowhere now, and cannot be written back.
			e.unmappedGone(now, s, field)
		}
		if e.st.Fields[field] == nil && e.allows(RuleHeldValue) {
			// No edit of the field is wanted (the value it wanted lived only in a deleted record, and no
			// other party was known to hold one then): the value this party holds, even as our own
			// write, is the one every party should hold.
			e.st.Fields[field] = &Want{Value: c.Synced, From: s, At: at, Known: now}
		}
		return // unchanged, or the echo of our own write as the CRM stored it
	}
	p.Cells[field] = Cell{Value: v, Synced: v, Seen: asOf}
	w := e.st.Fields[field]
	if w == nil {
		e.st.Fields[field] = &Want{Value: v, From: s, At: at, Known: now}
		return
	}
	if w.Value == v {
		if (!had || c.Synced != w.Value) && (!at.Before(w.At) || (had && !c.Seen.Before(w.Known))) {
			// The party typed the wanted value itself (it had not received it), not provably before the
			// edit that set it (by the stamps, or because it still held another value once that edit
			// was known): an edit of its own, which later edits elsewhere are judged against.
			// Whether the others still hold it is not known from before: look again, so an edit they
			// made meanwhile is judged against this one.
			also := vocab.Side("")
			if tied := !at.After(w.At) && !(had && !c.Seen.Before(w.Known)); tied && w.From != s && e.allows(RuleTiedSource) {
				// Only the stamps' tie says it was not before (whole seconds): the two typed the value in
				// an order not known. Both are its sources, and a next edit of either is judged against
				// the other's.
				also = w.From
			}
			*w = Want{Value: v, From: s, Also: also, At: at, Known: now}
			e.verifyHolders(now, s, field, v)
		}
		return // the party now holds the wanted value
	}
	e.st.CreateRefused = false // the deal changed: a refused mirror is tried again
	if !rule.FlowsFrom(s) {
		// A one-way field edited where it is received: its source keeps it, and the edit is reverted.
		e.conflict(now, rule, s, v, w.From, w.Value, w.From, "settled by the field's one-way direction")
		return
	}
	if (had && c.Synced == w.Value && !c.Seen.Before(w.Known)) || (w.From == s && w.Also == "") {
		*w = Want{Value: v, From: s, At: at, Known: now}
		e.verifyHolders(now, s, field, v)
		e.acted(now, s, field)
		return
	}
	// The party edited the field before the wanted value reached it: both edits are concurrent (or, for
	// a value two parties typed in an unknown order, this one's next edit and the other's). When the
	// party was seen holding its old value after the engine learnt of the wanted edit (a write of it was
	// refused, or had not gone yet), its own edit is known to be the later one.
	other := w.From
	if other == s {
		other = w.Also
	}
	later := had && c.Seen.After(w.Known)
	winner := e.settle(rule, other, w.Value, w.At, s, v, at, later)
	details := "settled by policy " + string(rule.Conflict)
	if rule.Direction.Source() != "" {
		details = "settled by the field's one-way direction"
	}
	e.conflict(now, rule, s, v, other, w.Value, winner, details)
	if winner == s {
		*w = Want{Value: v, From: s, At: at, Known: now}
		e.verifyHolders(now, s, field, v)
		e.acted(now, s, field)
	}
}

// verifyHolders asks for a look at every other party that already holds a new wanted value but is not
// known to have held it since now: it needs no write, so without a look an edit it makes next would be
// judged against what it held before, and taken for a crossing edit.
func (e *Engine) verifyHolders(now time.Time, s vocab.Side, field, v string) {
	for _, o := range e.pol.sides() {
		q := e.party(o)
		if o == s || q == nil || q.RecordID == "" || q.Unlinked {
			continue
		}
		if c, ok := q.Cells[field]; ok && c.Synced == v && c.Seen.Before(now) {
			q.NeedRead = true
		}
	}
}

// settle picks the winner of a conflict between two parties' edits. p2Later says p2's edit is known to
// have followed p1's, from what the engine saw, whatever the stamps say.
func (e *Engine) settle(r Rule, p1 vocab.Side, v1 string, at1 time.Time, p2 vocab.Side, v2 string, at2 time.Time, p2Later bool) vocab.Side {
	if src := r.Direction.Source(); src != "" {
		return src
	}
	if r.Field == FlagField {
		// One party took the deal out of co-sell while another put it back: out wins, as the safe
		// reading of two crossing intents (stamps are per record, so their order is not known). The
		// party that wants it back flags it again.
		if v1 == "false" {
			return p1
		}
		return p2
	}
	switch {
	case r.Conflict == vocab.PreferA && (p1 == vocab.A || p2 == vocab.A):
		return vocab.A
	case r.Conflict == vocab.PreferB && (p1 == vocab.B || p2 == vocab.B):
		return vocab.B
	}
	if p2Later && !at2.After(at1) && e.allows(RuleSeenOrder) {
		// p2's edit is known to follow p1's, though its stamp is not later: Salesforce stamps in whole
		// seconds, so an edit made after another party's within the same second carries the earlier stamp.
		return p2
	}
	switch {
	case at2.After(at1):
		return p2
	case at1.After(at2):
		return p1
	}
	// An exact tie goes to the party listed first, so replays agree.
	for _, s := range e.pol.sides() {
		if s == p1 || s == p2 {
			return s
		}
	}
	return p1
}

func (e *Engine) conflict(now time.Time, r Rule, s1 vocab.Side, v1 string, s2 vocab.Side, v2 string, winner vocab.Side, details string) {
	vals := map[vocab.Side]string{s1: Display(v1), s2: Display(v2)}
	if isUnmapped(v1) || isUnmapped(v2) {
		details += "; a value outside the value map is held where it was typed"
	}
	c := Conflict{Field: r.Field, ValueA: vals[vocab.A], ValueB: vals[vocab.B], Winner: winner, Policy: r.Conflict, At: now, Details: details}
	if winner == s1 {
		e.decideConflict(now, r, winner, v1, v2, details)
	} else {
		e.decideConflict(now, r, winner, v2, v1, details)
	}
	e.st.Conflicts = append(e.st.Conflicts, c)
	if len(e.st.Conflicts) > maxConflicts {
		e.st.Conflicts = append([]Conflict(nil), e.st.Conflicts[len(e.st.Conflicts)-maxConflicts:]...)
	}
	e.report(now, pilot.Conflict, "")
	e.log("info", "conflict", "field", r.Field, "a", c.ValueA, "b", c.ValueB, "winner", string(winner), "policy", string(r.Conflict))
}

// acted is called when a party's edit becomes the wanted value: the party acted on the deal.
func (e *Engine) acted(now time.Time, s vocab.Side, field string) {
	if field == FlagField || e.answered(now, s, field) { // registration.go: only the answer counts, when mapped
		return
	}
	e.acceptRegistration(now, s, e.pol.Name(s)+" updated the deal")
}

// deleted handles a party's record that is gone.
func (e *Engine) deleted(now time.Time, s vocab.Side) {
	p := e.party(s)
	rec := p.RecordID
	gone := append(p.Gone, rec)
	if len(gone) > maxGone {
		gone = gone[len(gone)-maxGone:]
	}
	if e.pol.OnDelete == vocab.Recreate {
		for _, f := range sortedFields(e.st.Fields) {
			// A value outside the value map lived only in the deleted record: it goes with it. The
			// field takes what another party holds, or waits for a party to give it one.
			if w := e.st.Fields[f]; w.From == s && isUnmapped(w.Value) {
				e.unmappedGone(now, s, f)
			}
		}
		*p = Party{Gone: gone}
		e.setIssue(now, s, "", vocab.IssueDeleted, fmt.Sprintf(
			"%s deleted its record %s of the deal; it is recreated with every mapped field (on_delete: recreate)", e.pol.Name(s), rec))
		e.log("info", "mirror deleted; recreating", "side", string(s), "record", rec)
	} else {
		p.Unlinked, p.NeedRead, p.NeedStamp, p.Gone = true, false, false, gone
		e.setIssue(now, s, "", vocab.IssueDeleted, fmt.Sprintf(
			"%s deleted its record %s of the deal; the deal no longer mirrors to or from it (on_delete: unlink)", e.pol.Name(s), rec))
		e.log("info", "mirror deleted; unlinked", "side", string(s), "record", rec)
	}
	e.queue(now, vocab.Notice{
		Key:   fmt.Sprintf("%s/deleted/%s/%s", e.st.CoSellID, s, rec),
		Event: vocab.Deleted, Subject: string(s), At: now,
		Message: fmt.Sprintf("%s deleted its record of the deal.", e.pol.Name(s)),
	}, false, sla.Clock{})
}

// unmappedGone is called when party s no longer holds the value outside the value map it set as the
// wanted value of field f (its record was deleted, or our write landed over it): the value lived only
// there, so the field takes what another party holds, or waits for a party to give it one.
func (e *Engine) unmappedGone(now time.Time, s vocab.Side, f string) {
	delete(e.st.Fields, f)
	for _, o := range e.pol.sides() {
		if c, ok := e.party(o).Cells[f]; ok && o != s && !e.party(o).Unlinked {
			e.st.Fields[f] = &Want{Value: c.Synced, From: o, At: now, Known: now}
			return
		}
	}
}

// paused reports whether the deal is out of co-sell.
func (e *Engine) paused() bool {
	w := e.st.Fields[FlagField]
	return w != nil && w.Value == "false"
}

// flagChanged tells both partners and the pilot when the deal leaves or rejoins co-sell.
func (e *Engine) flagChanged(now time.Time, s vocab.Side) {
	e.st.Paused = e.paused()
	what, kind := "took the deal out of co-sell: nothing more is mirrored until it is flagged again", pilot.Withdrawn
	if !e.st.Paused {
		what, kind = "flagged the deal for co-sell again: mirroring resumes", pilot.Resumed
		e.clearIssues(vocab.IssueUnflagged)
	} else {
		e.setIssue(now, s, "", vocab.IssueUnflagged, e.pol.Name(s)+" "+what)
		e.st.PendingNotes = nil
	}
	e.report(now, kind, s)
	e.queue(now, vocab.Notice{
		Key:   fmt.Sprintf("%s/flag/%d/%t", e.st.CoSellID, e.st.Seq, e.st.Paused),
		Event: vocab.Unflagged, Subject: string(s), At: now,
		Message: e.pol.Name(s) + " " + what + ".",
	}, false, sla.Clock{})
}

// addNotes queues shared notes for mirroring, once per key, and lets the SLA tracker see them.
func (e *Engine) addNotes(now time.Time, notes []NoteEvent) {
	for _, n := range notes {
		if e.st.Paused {
			continue // nothing crosses while the deal is out of co-sell
		}
		key := NoteKey(e.st.CoSellID, n.Side, n.NoteID)
		if slices.Contains(e.st.NoteKeys, key) || slices.ContainsFunc(e.st.PendingNotes, func(p PendingNote) bool { return p.Key == key }) {
			continue
		}
		e.st.PendingNotes = append(e.st.PendingNotes, PendingNote{Key: key, Side: n.Side, NoteID: n.NoteID, AuthorName: n.AuthorName, CreatedAt: n.CreatedAt})
		e.bodies[key] = n.Body
		e.trackNote(now, n)
	}
}

// Next plans the next command, or says the engine is idle (until WakeAt, when set). Call it again only
// after reporting the result of the command it returned.
func (e *Engine) Next(now time.Time) Step {
	wake := e.nextWake(now)
	if e.closed() || e.inflight != nil {
		return Step{Kind: Idle, WakeAt: wake}
	}
	if now.Before(e.st.RetryAt) {
		return Step{Kind: Idle, WakeAt: wake}
	}
	cmd, ok := e.plan()
	if !ok {
		if e.st.InRound {
			e.completeRound(now)
			if _, more := e.plan(); more {
				return Step{Kind: Idle, WakeAt: now} // the round hit its bound; the next one starts at once
			}
		}
		return Step{Kind: Idle, WakeAt: e.nextWake(now)}
	}
	if !e.st.InRound {
		e.st.InRound = true
		e.st.Round++
	}
	e.st.Seq++
	cmd.Seq = e.st.Seq
	cmd.CoSellID = e.st.CoSellID
	if p := e.party(cmd.Side); p != nil && cmd.RecordID == "" {
		cmd.RecordID = p.RecordID
	}
	e.inflight = &cmd
	if cmd.Kind == Write {
		p := e.party(cmd.Side)
		vals := maps.Clone(cmd.Write.Values)
		if vals == nil {
			vals = map[string]string{}
		}
		switch {
		case cmd.Write.Create:
			vals[FlagField] = "true"
		case cmd.Write.Enabled != nil:
			vals[FlagField] = strconv.FormatBool(*cmd.Write.Enabled)
		}
		p.Sent = append(p.Sent, Sent{Seq: cmd.Seq, Create: cmd.Write.Create, Values: vals, At: now})
		if len(p.Sent) > maxSent {
			p.Sent = p.Sent[len(p.Sent)-maxSent:]
		}
	}
	if mutantAdvanceBeforeAck && cmd.Kind == Write {
		e.written(now, cmd, &Written{RecordID: cmd.RecordID}) // the rule under test, broken on purpose
	}
	return Step{Kind: Run, Command: cmd}
}

// mutantAdvanceBeforeAck breaks the engine's first rule on purpose (a party's cells advance when a write
// is issued, not when its CRM acknowledges it). Only the model test sets it, to show that it catches the
// mistake and prints a reproduction.
var mutantAdvanceBeforeAck = false

// Busy reports whether the engine has work it could do now (ignoring a retry backoff).
func (e *Engine) Busy() bool {
	if e.closed() {
		return false
	}
	_, ok := e.plan()
	return ok
}

// nextWake is the earliest moment the engine has something to do on its own.
func (e *Engine) nextWake(now time.Time) time.Time {
	next, _ := e.nextSLAEvent()
	if e.st.RetryAt.After(now) && (next.IsZero() || e.st.RetryAt.Before(next)) {
		next = e.st.RetryAt
	}
	return next
}

// plan picks the next command: reads first, then the pilot's go-ahead, stamps, creates, writes, notes.
func (e *Engine) plan() (Command, bool) {
	sides := e.pol.sides()
	round := e.round()
	for _, s := range sides {
		p := e.party(s)
		if p.Unlinked {
			continue
		}
		// A create whose outcome is unknown (its answer lost) is followed by a look, not by another
		// create: the first may have been applied, and its record may no longer carry the co-sell id.
		if p.NeedRead || (e.wouldCreate(s, false) && (p.Observed < round || len(p.Sent) > 0)) {
			return Command{Kind: Read, Side: s}, true
		}
	}
	creating := false
	for _, s := range sides {
		creating = creating || e.wouldCreate(s, false)
	}
	if creating && !e.st.Registered && e.pol.Pilot && !e.st.PilotChecked {
		return Command{Kind: CheckPilot}, true
	}
	for _, s := range sides {
		if p := e.party(s); p.NeedStamp && p.RecordID != "" && !p.Unlinked {
			return Command{Kind: Stamp, Side: s}, true
		}
	}
	for _, s := range sides {
		if e.needsCreate(s) {
			return Command{Kind: Write, Side: s, Write: e.createCmd(s)}, true
		}
	}
	for _, s := range sides {
		p := e.party(s)
		if p.RecordID == "" || p.Unlinked {
			continue
		}
		w := e.writeCmd(s)
		if w == nil {
			continue
		}
		if p.Observed < round {
			// Read before writing: an edit made there since our last look takes part in the decision.
			return Command{Kind: Read, Side: s}, true
		}
		return Command{Kind: Write, Side: s, Write: w}, true
	}
	if e.st.Paused || e.st.RoundNotes >= maxNotesPerRound {
		return Command{}, false
	}
	if cmd, ok := e.planCoSellNote(); ok { // cosell.go
		return cmd, true
	}
	for _, n := range e.st.PendingNotes {
		for _, t := range sides {
			tp := e.party(t)
			if t == n.Side || tp.RecordID == "" || tp.Unlinked || slices.Contains(n.Done, t) {
				continue
			}
			return Command{Kind: MirrorNote, Side: t, Note: e.noteCmd(n)}, true
		}
	}
	return Command{}, false
}

// hasRecord reports whether a party other than s has a record; stamped, when the flag says so.
func (e *Engine) hasRecord(s vocab.Side, stamped bool) bool {
	for _, o := range e.pol.sides() {
		if p := e.party(o); o != s && p.RecordID != "" && !p.Unlinked && (!stamped || !p.NeedStamp) {
			return true
		}
	}
	return false
}

// needsCreate reports whether party s needs its mirror created now.
func (e *Engine) needsCreate(s vocab.Side) bool { return e.wouldCreate(s, true) }

// wouldCreate reports whether party s lacks a mirror another party could give it; stamped requires
// that party's record to carry the co-sell id already.
func (e *Engine) wouldCreate(s vocab.Side, stamped bool) bool {
	p := e.party(s)
	return p.RecordID == "" && !p.Unlinked && !e.st.CreateRefused && !e.st.Refused && !e.st.Paused && e.hasRecord(s, stamped)
}

// outOf returns the wanted values party s does not hold yet and can be written; create says they are
// for a new mirror, which carries the fields s keeps on a related record too (see Rule.ReadOnly).
func (e *Engine) outOf(s vocab.Side, create bool) map[string]string {
	p := e.party(s)
	out := map[string]string{}
	for _, r := range e.pol.rules() {
		w := e.st.Fields[r.Field]
		if w == nil || !r.FlowsInto(s) || !r.has(w.Value) || !r.writable(s, create) { // a value outside the (new) value map cannot be written
			continue
		}
		if c, ok := p.Cells[r.Field]; ok && (c.Synced == w.Value || c.Value == w.Value) {
			continue
		}
		if refused, ok := p.Refused[r.Field]; ok && refused == w.Value {
			continue
		}
		out[r.Field] = w.Value
	}
	return out
}

// partnerOwner returns the partner owner party s should show, when it shows another.
func (e *Engine) partnerOwner(s vocab.Side) *vocab.Owner {
	for _, o := range e.pol.sides() {
		if o == s {
			continue
		}
		want := e.party(o).Owner
		if want == (vocab.Owner{}) {
			continue
		}
		p := e.party(s)
		if p.Shown == want || p.Refused[partnerOwnerKey] == want.Email+"\x00"+want.Name {
			return nil
		}
		return &want
	}
	return nil
}

// partnerOwnerKey marks a refused partner-owner write in Party.Refused.
const partnerOwnerKey = "@partner_owner"

func (e *Engine) writeCmd(s vocab.Side) *WriteCmd {
	vals := e.outOf(s, false)
	w := &WriteCmd{UnmodifiedSince: e.party(s).Stamp} // written only over the record as last observed
	if v, ok := vals[FlagField]; ok {
		b := v == "true"
		w.Enabled = &b
		delete(vals, FlagField)
	}
	if !e.st.Paused {
		w.Values = vals
		w.PartnerOwner = e.partnerOwner(s)
	}
	if len(w.Values) == 0 && w.Enabled == nil && w.PartnerOwner == nil {
		return nil
	}
	return w
}

func (e *Engine) createCmd(s vocab.Side) *WriteCmd {
	vals := e.outOf(s, true)
	delete(vals, FlagField)
	w := &WriteCmd{Create: true, Values: vals, PartnerOwner: e.partnerOwner(s)}
	for _, o := range e.pol.sides() {
		if o != s && e.party(o).RecordID != "" {
			w.SourceOwnerEmail = e.party(o).Owner.Email
			break
		}
	}
	return w
}

func (e *Engine) noteCmd(n PendingNote) *NoteCmd {
	name := e.pol.Name(n.Side)
	prefix := "[" + name + "]"
	if n.AuthorName != "" {
		prefix = "[" + name + " · " + n.AuthorName + "]"
	}
	return &NoteCmd{Key: n.Key, Source: n.Side, NoteID: n.NoteID, Subject: "Co-sell note from " + name,
		Prefix: prefix, Body: e.bodies[n.Key], AuthorName: n.AuthorName, CreatedAt: n.CreatedAt}
}

// Done reports the result of the command Next returned.
func (e *Engine) Done(now time.Time, res Result) {
	cmd := e.inflight
	if cmd == nil || res.Seq != cmd.Seq {
		return // a late or duplicated answer to a command already settled
	}
	e.inflight = nil
	if res.Failure != nil {
		e.failed(now, *cmd, *res.Failure)
		return
	}
	e.st.RetryDelay = 0
	p := e.party(cmd.Side)
	if p == nil {
		p = &Party{} // a command about the deal as a whole (CheckPilot)
	}
	switch cmd.Kind {
	case Read:
		p.NeedRead = false
		r := Reading{Side: cmd.Side}
		if res.Reading != nil {
			r = *res.Reading
			r.Side = cmd.Side
		}
		if !r.Found && cmd.RecordID == "" && p.RecordID != "" {
			// Looked up by co-sell id before the record was known; it is known now (a user may have
			// cleared its co-sell id): read it by id rather than take it for deleted.
			p.NeedRead = true
			break
		}
		e.observe(now, r, true)
		p.Observed = e.round()
	case Stamp:
		p.NeedStamp = false
	case Write:
		e.written(now, *cmd, res.Written)
	case MirrorNote:
		e.noteDone(cmd.Note.Key, cmd.Side)
	case CheckPilot:
		e.st.PilotChecked = true
		if res.Pilot != nil && res.Pilot.Killed {
			e.st.Refused = true
			e.st.PendingNotes = nil
			e.setIssue(now, "", "", vocab.IssueRegistration, fmt.Sprintf(
				"registration refused: the %s pilot was killed on %s; future deals route to referral",
				res.Pilot.Name, res.Pilot.KilledAt.UTC().Format(time.DateOnly)))
		}
	}
}

// written advances a party's cells for exactly what its CRM acknowledged.
func (e *Engine) written(now time.Time, cmd Command, w *Written) {
	if w == nil {
		w = &Written{}
	}
	s := cmd.Side
	p := e.party(s)
	if p.Cells == nil {
		p.Cells = map[string]Cell{}
	}
	if p.Refused == nil {
		p.Refused = map[string]string{}
	}
	acked := now // the party holds what it acknowledged at least until the answer came
	if w.ModifiedAt.After(acked) {
		acked = w.ModifiedAt
	}
	// The activity reads the record back after writing it, to learn each value as its CRM stored it.
	// A read-back showing, for a field written, no form of what was written shows a save made on the
	// record between our write and that read: the party's own edit, made after it held our value.
	raced := readBackRaced(cmd.Write, w)
	sent := Sent{Seq: cmd.Seq, Values: cmd.Write.Values, At: now}
	if i := slices.IndexFunc(p.Sent, func(s Sent) bool { return s.Seq == cmd.Seq }); i >= 0 {
		sent = p.Sent[i] // when the write was issued: the party held its values from then at the latest
	}
	p.Sent = slices.DeleteFunc(p.Sent, func(sent Sent) bool { return sent.Seq == cmd.Seq }) // answered
	if cmd.Write.Create {
		p.Sent = nil
	}
	if raced {
		// The stored forms of this write are unknown (the read-back shows the party's save instead):
		// kept as unanswered, a later look showing a form of one is still taken for the write.
		p.Sent = append(p.Sent, sent)
	}
	if cmd.Write.Create {
		p.RecordID, p.AbsentAt = w.RecordID, time.Time{}
		p.Owner = w.Owner
		e.clearIssue(s, "", vocab.IssueRegistration)
		e.clearIssue(s, "", vocab.IssueDeleted)
		e.log("info", "mirror created", "side", string(s), "record", w.RecordID)
		if !e.st.Registered {
			e.st.Registered = true
			e.st.Origin = e.origin(s)
			e.startSLA(now, sla.Registration, "registration", string(s), e.pol.SLA.RegistrationAcceptance)
			e.trackStage(now) // the pilot hears of the deal's stage before its registration
			e.report(now, pilot.Registered, e.st.Origin)
			e.coSellRegistered(now) // cosell.go
		}
		p.Cells[FlagField] = Cell{Value: "true", Synced: "true", Seen: acked}
	}
	for _, f := range sortedKeys(cmd.Write.Values) {
		want := cmd.Write.Values[f]
		if msg, refused := w.Refused[f]; refused {
			p.Refused[f] = want
			e.setIssue(now, s, f, vocab.IssueUnmapped, msg)
			continue
		}
		stored, ok := w.Stored[f]
		switch {
		case !ok:
			stored = want
		case raced && !storedAs(f, want, stored):
			// The read-back shows the party's edit, not our write: the cell stands for what we wrote,
			// held since it was issued, and the engine's read below sees the edit, which then flows
			// as an edit made after the party held the wanted value.
			p.Cells[f] = Cell{Value: want, Synced: want, Seen: sent.At}
			delete(p.Refused, f)
			e.clearIssue(s, f, vocab.IssueRejected)
			continue
		}
		p.Cells[f] = Cell{Value: stored, Synced: want, Seen: acked}
		delete(p.Refused, f)
		e.clearIssue(s, f, vocab.IssueRejected)
		if wt := e.st.Fields[f]; wt != nil && wt.From == s && isUnmapped(wt.Value) && e.allows(RuleLandedOverUnmapped) {
			// While the write was in flight, the party's value outside the value map became the wanted
			// one; the write, as its read-back shows, landed over it: it exists nowhere now, and cannot
			// be written back (as when a look shows it, in apply).
			e.unmappedGone(now, s, f)
		}
	}
	for _, f := range sortedKeys(w.Refused) {
		if _, written := cmd.Write.Values[f]; !written {
			e.setIssue(now, s, f, vocab.IssueRejected, w.Refused[f]) // an owner the map could not place, say
		}
	}
	for _, f := range sortedKeys(w.Refused) {
		if _, written := cmd.Write.Values[f]; written {
			e.decideRefused(now, cmd, []string{f}, w.Refused[f])
		}
	}
	if cmd.Write.Enabled != nil {
		v := strconv.FormatBool(*cmd.Write.Enabled)
		p.Cells[FlagField] = Cell{Value: v, Synced: v, Seen: acked}
	}
	if cmd.Write.PartnerOwner != nil {
		p.Shown = *cmd.Write.PartnerOwner
	}
	if raced {
		// The read-back's stamp is the party's save, whose other fields the engine has not applied:
		// taken as the stamp of its last look, a reading of that save would not be news, and a write
		// conditioned on it would overwrite the save. Read the record instead, before anything else.
		e.log("info", "the record was edited right after the deal's write; reading it again", "side", string(s), "record", w.RecordID)
		p.NeedRead = true
	} else if w.ModifiedAt.After(p.Stamp) {
		p.Stamp = w.ModifiedAt
	}
	p.Observed = e.round()
	e.decideWrite(now, cmd, w) // decisions.go
}

// readBackRaced reports whether a write's read-back shows, for a field written, a value that is no
// form its CRM stores for what was written (storedAs): someone saved the record between the write and
// the read-back. An interpreter replaying a history recorded before this rule sets
// Written.ReadBackAsStored, and the read-back is taken for the stored forms, as it then was.
func readBackRaced(cmd *WriteCmd, w *Written) bool {
	if w.ReadBackAsStored {
		return false
	}
	for _, f := range sortedKeys(cmd.Values) {
		if stored, ok := w.Stored[f]; ok && !storedAs(f, cmd.Values[f], stored) {
			return true
		}
	}
	return false
}

// ReadBackRaced reports whether a write's read-back shows a save someone made on the record between the
// write and the read-back, which the engine answers with a read of the record. An interpreter asks it
// to gate that read for histories recorded before the rule (Written.ReadBackAsStored).
func ReadBackRaced(cmd *WriteCmd, w *Written) bool {
	if cmd == nil || w == nil {
		return false
	}
	return readBackRaced(cmd, &Written{Stored: w.Stored})
}

// origin is the party a new mirror on s was made from.
func (e *Engine) origin(s vocab.Side) vocab.Side {
	for _, o := range e.pol.sides() {
		if o != s && e.party(o).RecordID != "" {
			return o
		}
	}
	return ""
}

func (e *Engine) noteDone(key string, target vocab.Side) {
	e.coSellNoteDone(key, target) // cosell.go
	for i := range e.st.PendingNotes {
		n := &e.st.PendingNotes[i]
		if n.Key != key {
			continue
		}
		n.Done = append(n.Done, target)
		e.st.RoundNotes++
		for _, t := range e.pol.sides() {
			if t != n.Side && !slices.Contains(n.Done, t) && !e.party(t).Unlinked {
				return // other parties still wait for it
			}
		}
		e.remember(key)
		delete(e.bodies, key)
		e.st.PendingNotes = slices.Delete(e.st.PendingNotes, i, i+1)
		return
	}
}

func (e *Engine) remember(key string) {
	e.st.NoteKeys = append(e.st.NoteKeys, key)
	if n := len(e.st.NoteKeys); n > maxNoteKeys {
		// The oldest keys belong to notes long past the feeds' overlap windows; they cannot come back.
		e.st.NoteKeys = append([]string(nil), e.st.NoteKeys[n-maxNoteKeys:]...)
	}
}

// failed handles a command that did not complete. Nothing advances: the work stays pending.
func (e *Engine) failed(now time.Time, cmd Command, f Failure) {
	s := cmd.Side
	p := e.party(s)
	if p == nil {
		p = &Party{}
	}
	switch {
	case f.Kind == NotFound:
		p.NeedRead = true // a fresh read decides whether the record was deleted or moved
		return
	case f.Kind == Modified && cmd.Kind == Write:
		// The record changed after the look this write was decided on (a user's edit, nothing written):
		// read it again and decide again, at once, so that edit takes part in the decision.
		p.NeedRead = true
		if e.raced(p) {
			e.log("info", "record changed since it was read; reading it again", "side", string(s), "record", cmd.RecordID)
			return
		}
		f.Message = "the record keeps changing between the deal's read and its write: " + f.text()
	case f.Kind == Rejected && cmd.Kind == Write:
		e.rejected(now, cmd, f)
		return
	case f.Kind == Rejected && cmd.Kind == Stamp:
		p.NeedStamp = false
		e.setIssue(now, s, "", vocab.IssueCoSellID, "the co-sell id could not be written: "+f.text())
		return
	case f.Kind == Rejected && cmd.Kind == MirrorNote:
		e.setIssue(now, s, "", vocab.IssueNote, "note "+cmd.Note.NoteID+" was not mirrored: "+f.text())
		e.noteDone(cmd.Note.Key, s)
		return
	case cmd.Kind == CheckPilot:
		e.st.PilotChecked = true
		e.log("warn", "cannot read the pilot's status; registering", "error", f.Message)
		return
	}
	// The retry comes after a backoff: every look taken in this round is stale by then. Read the
	// parties again first, so an edit made meanwhile takes part in the decision (and a create that
	// was applied is found, not upserted over).
	for _, s := range e.pol.sides() {
		if q := e.party(s); q != nil {
			q.Observed = 0
		}
	}
	delay := 30 * time.Second
	if e.st.RetryDelay > 0 {
		delay = min(e.st.RetryDelay*2, 10*time.Minute)
	}
	if f.RetryAfter > 0 {
		delay = f.RetryAfter
	}
	e.st.RetryDelay = delay
	e.st.RetryAt = now.Add(delay)
	kind := vocab.IssueUnavailable
	if f.Kind == Budget {
		kind = vocab.IssueBudget
		e.budgetPaused(now, s, f)
	}
	e.setIssue(now, s, "", kind, f.Message)
	e.log("warn", "step failed; will retry", "side", string(s), "step", string(cmd.Kind), "retryIn", delay.String(), "error", f.Message)
}

// maxRaces bounds the writes to one party a round retries at once after a Modified failure; past it,
// the record keeps changing under the deal's writes, and the retry waits out a backoff, shown.
const maxRaces = 3

// raced counts a write refused because its record changed since the engine's look, and reports whether
// it may be retried at once.
func (e *Engine) raced(p *Party) bool {
	if p.RaceRound != e.st.Round {
		p.Races, p.RaceRound = 0, e.st.Round
	}
	p.Races++
	return p.Races <= maxRaces
}

// rejected handles a write the CRM refused. Blamed fields are set aside (and shown) so the rest is
// written; a refused create is a sync issue, not a registration, tried again when the deal changes.
func (e *Engine) rejected(now time.Time, cmd Command, f Failure) {
	s := cmd.Side
	p := e.party(s)
	if p.Refused == nil {
		p.Refused = map[string]string{}
	}
	msg := f.text()
	var blamed []string
	for _, field := range f.Fields {
		if _, ok := cmd.Write.Values[field]; ok {
			blamed = append(blamed, field)
		}
	}
	if len(blamed) > 0 {
		for _, field := range blamed {
			p.Refused[field] = cmd.Write.Values[field]
			e.setIssue(now, s, field, vocab.IssueRejected, msg)
		}
		e.decideRefused(now, cmd, blamed, msg)
		return
	}
	if cmd.Write.Create {
		e.st.CreateRefused = true
		e.setIssue(now, s, "", vocab.IssueRegistration, "the mirror could not be created: "+msg)
		e.log("warn", "mirror creation refused", "side", string(s), "error", msg)
		e.decideRefused(now, cmd, sortedKeys(cmd.Write.Values), "the mirror could not be created: "+msg)
		return
	}
	for _, f := range sortedKeys(cmd.Write.Values) {
		p.Refused[f] = cmd.Write.Values[f]
	}
	if cmd.Write.Enabled != nil {
		p.Refused[FlagField] = strconv.FormatBool(*cmd.Write.Enabled)
	}
	if o := cmd.Write.PartnerOwner; o != nil {
		p.Refused[partnerOwnerKey] = o.Email + "\x00" + o.Name
	}
	e.decideRefused(now, cmd, sortedKeys(cmd.Write.Values), msg)
	field := ""
	if len(cmd.Write.Values) == 1 {
		field = sortedKeys(cmd.Write.Values)[0]
	}
	e.setIssue(now, s, field, vocab.IssueRejected, msg)
}

// completeRound closes a round that has no work left.
func (e *Engine) completeRound(now time.Time) {
	e.declinedRoundDone() // registration.go
	e.st.InRound = false
	e.st.RoundNotes = 0
	e.st.RetryDelay = 0
	e.clearIssues(vocab.IssueUnavailable)
	e.clearIssues(vocab.IssueBudget)
	e.st.LastSyncAt = now
	if e.pol.Mapping != "" {
		e.st.Mapping = e.pol.Mapping
	}
	e.trackStage(now)
	e.coSellTrack(now) // cosell.go
	e.reportAmountChange(now)
}

// recordTranslationIssues replaces a party's unmapped-value issues with this reading's.
func (e *Engine) recordTranslationIssues(now time.Time, s vocab.Side, issues []vocab.Issue) {
	e.st.Issues = slices.DeleteFunc(e.st.Issues, func(is SyncIssue) bool {
		return is.Side == s && is.Kind == vocab.IssueUnmapped && !slices.ContainsFunc(issues, func(i vocab.Issue) bool { return i.Field == is.Field })
	})
	for _, is := range issues {
		e.setIssue(now, s, is.Field, vocab.IssueUnmapped, is.Message)
	}
}

// setIssue records an issue, keeping the time it was first seen when it is already open.
func (e *Engine) setIssue(now time.Time, s vocab.Side, field, kind, msg string) {
	for i, is := range e.st.Issues {
		if is.Side == s && is.Field == field && is.Kind == kind {
			e.st.Issues[i].Message = msg
			return
		}
	}
	e.st.Issues = append(e.st.Issues, SyncIssue{Side: s, Field: field, Kind: kind, Message: msg, Since: now})
	e.log("warn", "sync issue", "side", string(s), "field", field, "kind", kind, "message", msg)
}

func (e *Engine) clearIssue(s vocab.Side, field, kind string) {
	e.st.Issues = slices.DeleteFunc(e.st.Issues, func(is SyncIssue) bool { return is.Side == s && is.Field == field && is.Kind == kind })
}

func (e *Engine) clearIssues(kind string) {
	e.st.Issues = slices.DeleteFunc(e.st.Issues, func(is SyncIssue) bool { return is.Kind == kind })
}

func (e *Engine) log(level, msg string, kv ...any) {
	e.effects = append(e.effects, Effect{Log: &LogLine{Level: level, Msg: msg, KV: append([]any{"deal", e.st.CoSellID}, kv...)}})
}

// report queues a pilot event, when the deal reports to its pairing's pilot.
func (e *Engine) report(now time.Time, kind pilot.EventKind, s vocab.Side) {
	if !e.pol.Pilot {
		return
	}
	ev := pilot.DealEvent{Kind: kind, CoSellID: e.st.CoSellID, At: now, Amount: e.amount(), Stage: e.st.Stage, Side: string(s)}
	e.effects = append(e.effects, Effect{Pilot: &ev})
	e.st.ReportedAmount = e.amount()
}

// amount is the deal's canonical amount, 0 when unknown.
func (e *Engine) amount() float64 {
	w := e.st.Fields[vocab.FieldAmount]
	if w == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(w.Value, 64)
	return f
}

func (e *Engine) reportAmountChange(now time.Time) {
	if e.pol.Pilot && e.st.Stage != "" && e.amount() != e.st.ReportedAmount {
		e.report(now, pilot.StageChanged, "")
	}
}

// Wanted returns the value every receiving party should hold for field, and whether one is known and
// can be written (a value outside the value map cannot).
func (e *Engine) Wanted(field string) (string, bool) {
	w := e.st.Fields[field]
	if w == nil || isUnmapped(w.Value) {
		return "", false
	}
	return w.Value, true
}

// unmappedPrefix marks a cell holding a CRM value outside the field's value map: it takes part in
// change detection and conflicts, but is never written to another party.
const unmappedPrefix = "\x00unmapped:"

func unmappedValue(raw string) string { return unmappedPrefix + raw }

func isUnmapped(v string) bool { return strings.HasPrefix(v, unmappedPrefix) }

// Display renders a cell value for people: an unmapped CRM value is shown with a mark.
func Display(v string) string {
	if isUnmapped(v) {
		return strings.TrimPrefix(v, unmappedPrefix) + " (unmapped)"
	}
	return v
}

// sortedKeys returns a map's keys in order, so every decision iterates deterministically (workflowcheck
// cannot see that the keys are sorted before use, hence the directive).
//
//workflowcheck:ignore
func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// sortedFields returns the fields that have a wanted value, sorted (see sortedKeys).
//
//workflowcheck:ignore
func sortedFields(m map[string]*Want) []string {
	return slices.Sorted(maps.Keys(m))
}
