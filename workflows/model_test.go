package workflows

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"pgregory.net/rapid"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// The model-based randomized test of the real DealWorkflow: the second half of the engine's model test
// (engine/model_test.go), with the same vocabulary of actions and the same oracle, but driving the
// workflow and the real activities over two in-memory CRMs (connectors/memory) shaped like the demo
// pairing. A test CRM (wmCRM) stands between the activities and each memory CRM: it normalises what it
// stores (trailing spaces, amounts to cents) when the history says so, fails writes before or after
// applying them and reads before them, lets a user edit the record while the engine is writing it, and
// queues a change event for every version of the deal's record, which the history then delivers in
// order, out of order, twice, or never.
//
// Two drivers run the same histories:
//   - model_env_test.go: the SDK's test environment (time skipping), with continue-as-new at random
//     points; a seed always replays the same history, and a failing one shrinks to a minimal one.
//     TestWorkflowModelCatchesBrokenRule runs control histories there, then the same with the engine's
//     first rule broken; TestWorkflowModel (model_search_test.go) the whole vocabulary, 1,000 histories
//     from a fixed seed in a plain run.
//   - model_server_test.go: a real Temporal dev server and a real worker that is stopped and replaced
//     at random points and right after writes (so the next workflow task replays the history), and a
//     replay of every recorded run with worker.NewWorkflowReplayer at the end.
//
// Invariants, checked while the history runs and after quiescence:
//   - no second mirror: a CRM never holds two records of the deal, nor more creates than deletes allow;
//   - every mirrored note is the mirror of a shared note of the other side (never mirrored back), and
//     after quiescence each shared note exists exactly once on the other side, with its body;
//   - a field edited on one side only is never overwritten by the engine (its last value holds); a
//     user's edit the engine saw is overwritten only with a logged conflict; an edit it did not see
//     only inside the inherent read-then-write race (wmRaceWindow);
//   - after quiescence both sides agree on every field that flows, the flags agree with the deal's
//     paused state, the partner owners are shown, and both records carry the co-sell id;
//   - after quiescence, a round of unchanged readings writes nothing.
//
// Run: go test ./workflows -run WorkflowModel -v      (make test: control, broken rule, search, crashes)
//      go test ./workflows -run 'TestWorkflowModel$' -args -rapid.checks=20000 -rapid.seed=N
//                                                   (a longer search, or reproduce; RAPID_SEED=0: random)
//                                                               (the whole search, longer, or reproduce)

// wmRaceWindow is how long before a write the engine may have last read a party when that write
// overwrites a user's edit it could not have seen: the read-then-write race of CRMs without conditional
// writes, stretched by Temporal's own retries of the write activity (1+2+4+8+16 s before the sixth
// attempt). A write issued longer after the engine's last look (after an engine backoff of 30 s and up)
// is not excused.
const wmRaceWindow = 35 * time.Second

// wmFields are the canonical fields users edit; the flag pseudo-field is edited by userFlag.
var wmFields = []string{vocab.FieldName, vocab.FieldStage, vocab.FieldAmount, vocab.FieldNextStep}

// wmTracked are the fields whose edits the oracle follows: the mapped ones and the co-sell flag.
var wmTracked = append(append([]string(nil), wmFields...), engine.FlagField)

var wmSides = []vocab.Side{vocab.A, vocab.B}

// wmOwners are each CRM's users: id, e-mail, name. The owner map pairs Jane with John and Sam with Sam.
var wmOwners = map[vocab.Side][]connectors.Owner{
	vocab.A: {{ID: "005-jane", Email: "jane.doe@acme.example", Name: "Jane Doe", Active: true},
		{ID: "005-sam", Email: "sam.lee@acme.example", Name: "Sam Lee", Active: true},
		{ID: "005-ops", Email: "ops@acme.example", Name: "Acme Ops", Active: true}},
	vocab.B: {{ID: "101", Email: "jdoe@globex.example", Name: "John Doe", Active: true},
		{ID: "102", Email: "slee@globex.example", Name: "Sam Lee", Active: true},
		{ID: "199", Email: "ops@globex.example", Name: "Globex Ops", Active: true}},
}

// wmUnmapped marks a canonical bookkeeping value that is a raw CRM value outside the value map.
const wmUnmapped = "??"

// wmDriver is what a history needs from the Temporal side: deliver a change to the deal, read its view,
// tell the time, and (where the driver can) force continue-as-new or crash the worker.
type wmDriver interface {
	now() time.Time
	// deliver signals a change event to the deal, calling w.delivering just before.
	deliver(e wmEvent)
	view() (api.DealView, error)
	// continueAsNew makes the workflow continue-as-new at its next turn; false when the driver cannot.
	continueAsNew() bool
	// crash stops the worker and starts a fresh one, so the next workflow task replays the history;
	// false when the driver cannot.
	crash() bool
}

// wmEdit is a user's edit of a field on a party, with what the engine has seen of it.
type wmEdit struct {
	val string
	ver int
	at  time.Time
	// seen is set once the engine observed a version at or after the edit; visible says that
	// observation showed a change from what it knew before (not an A→B→A edit).
	seen, visible bool
	how           string // what showed it to the engine, for the history
	// overwritten is set once an engine write replaced the edit: it no longer holds, but the field was
	// still edited on this side in its episode.
	overwritten bool
}

// wmEvent is one change event in a party's feed, with the version of the record it shows.
type wmEvent struct {
	ev  api.ChangeEvent
	ver int
}

// wmNote is a shared note a user wrote.
type wmNote struct {
	side     vocab.Side
	id       string
	record   string
	body     string
	excluded bool // written around an unflag: not required to reach the partner
}

// wmObligation is a conflict that must have been logged: the engine overwrote a user's edit it saw.
type wmObligation struct {
	field string
	since time.Time
	what  string
}

// wmLook is a delivered reading the engine has not folded in yet.
type wmLook struct {
	side  vocab.Side
	vals  map[string]string
	ver   int
	stamp time.Time
}

// wmFault is a fault armed for the next matching CRM call.
type wmFault struct {
	op    string // "write", "read" or "note"
	after bool   // applied, then failed
	// retryAfter: 0 is a plain 503 (Temporal retries the activity); past a minute the activity fails
	// for good with an unavailable issue and the engine backs off.
	retryAfter time.Duration
	crash      bool // the worker is replaced after the write is applied (dev server only)
}

// wmOptions says which histories a property draws.
type wmOptions struct {
	// control draws only histories the engine gets right today (edits on the origin side inside the
	// value map, deliveries in order, notes, writes that fail for good before they are applied,
	// continue-as-new), so that a broken rule is what fails them.
	control bool
	// server keeps faults within Temporal's activity retries (workflow time is real time there), can
	// crash the worker, and deletes unlink: the engine's delete-and-recreate defect stays with the
	// test-environment search (see CHANGELOG.md).
	server bool
}

// wmWorld is one history's world: the pairing, both CRMs, the feeds, and the oracle's bookkeeping. Its
// mutex guards everything: activities reach it from the worker's goroutines.
type wmWorld struct {
	mu     sync.Mutex
	t      *rapid.T
	p      *pairing.Pairing
	drv    wmDriver
	mem    map[vocab.Side]*memory.CRM
	crm    map[vocab.Side]*wmCRM
	norm   map[vocab.Side]bool
	origin vocab.Side
	id     string // the co-sell id

	rec     map[vocab.Side]string // the deal's live record on each side, "" when there is none
	ver     map[vocab.Side]int    // the version of that record: one per change
	queue   map[vocab.Side][]wmEvent
	creates map[vocab.Side]int
	deletes map[vocab.Side]int
	notes   []*wmNote
	uniq    int

	faults   int // faults left to arm
	deleteOK int // deletions left
	armed    []wmFault
	during   []func() // user actions to run inside the next engine write, before it is applied
	quiet    bool     // quiescence: no more faults
	writes   int      // engine writes applied to either CRM
	calls    int      // engine calls to either CRM
	crashes  chan struct{}
	opts     wmOptions
	// outer, when set, is told the whole history of a failure as it happened: on a real server a
	// failing history may not replay the same way, so rapid's shrunk reproduction may not show it.
	outer   interface{ Logf(string, ...any) }
	journal []string
	setup   string // the pairing variant, for the history

	last    map[vocab.Side]map[string]*wmEdit
	epStart map[string]time.Time
	agreed  map[string]bool
	blind   map[string]bool // the field's engine knowledge may be off: a lost acknowledgement, a delete
	obs     map[vocab.Side]map[string]string
	know    map[vocab.Side]time.Time // the engine's last look at each party
	// looks are delivered readings the engine will apply when it next drains its signals, which it
	// does between commands; stamps are the CRM stamps of the engine's own reads and acknowledged
	// writes, against which a look is stale by then.
	looks       []wmLook
	stamps      map[vocab.Side]time.Time
	obligations []wmObligation
	violation   string
	steps       int
}

// logf writes one line of the history; rapid prints them for the minimal failing history.
func (w *wmWorld) logf(format string, args ...any) {
	line := fmt.Sprintf("%s  "+format, append([]any{w.drv.now().Format("15:04:05.000")}, args...)...)
	w.t.Log(line)
	if w.outer != nil {
		w.journal = append(w.journal, line)
	}
}

// violate records the first broken invariant; the test goroutine fails with it at its next check.
func (w *wmWorld) violate(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.t.Logf("VIOLATION: %s", msg)
	if w.violation == "" {
		w.violation = msg
	}
}

// fail stops the history with the invariant it broke, after printing what both CRMs and the deal hold.
func (w *wmWorld) fail(format string, args ...any) {
	w.t.Helper()
	if v, err := w.drv.view(); err == nil {
		raw, _ := json.Marshal(struct {
			Sides     map[vocab.Side]api.SideShadow `json:"sides"`
			Conflicts []api.Conflict                `json:"conflicts,omitempty"`
			Issues    []api.SyncIssue               `json:"issues,omitempty"`
			Paused    bool                          `json:"paused"`
		}{v.Sides, v.Conflicts, v.Issues, v.Paused})
		w.t.Logf("the deal at the failure: %s", raw)
	}
	for _, s := range wmSides {
		for _, d := range w.mem[s].Deals() {
			w.t.Logf("crm %s: %s co-sell=%v enabled=%v fields=%v stamp=%s", s, d.RecordID, d.CoSellID, d.Enabled, d.Fields, d.ModifiedAt.Format("05.000"))
		}
	}
	if w.outer != nil {
		w.mu.Lock()
		journal := strings.Join(w.journal, "\n")
		w.mu.Unlock()
		w.outer.Logf("the history that broke %q, as it happened:\n%s\n%s", fmt.Sprintf(format, args...), w.setup, journal)
	}
	w.t.Fatalf("INVARIANT: "+format, args...)
}

// newWorld draws a pairing variant and flags a deal on its origin side.
func newWorld(t *rapid.T, opts wmOptions) *wmWorld {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	if err != nil {
		t.Fatalf("load the demo pairing: %v", err)
	}
	w := &wmWorld{t: t, p: p, mem: map[vocab.Side]*memory.CRM{}, crm: map[vocab.Side]*wmCRM{}, norm: map[vocab.Side]bool{},
		rec: map[vocab.Side]string{}, ver: map[vocab.Side]int{}, queue: map[vocab.Side][]wmEvent{},
		creates: map[vocab.Side]int{}, deletes: map[vocab.Side]int{}, deleteOK: 2,
		last: map[vocab.Side]map[string]*wmEdit{vocab.A: {}, vocab.B: {}}, epStart: map[string]time.Time{},
		agreed: map[string]bool{}, blind: map[string]bool{}, obs: map[vocab.Side]map[string]string{vocab.A: {}, vocab.B: {}},
		know: map[vocab.Side]time.Time{}, stamps: map[vocab.Side]time.Time{}, crashes: make(chan struct{}, 1), opts: opts, faults: 8}
	stagePolicy := rapid.SampledFrom([]vocab.Policy{vocab.LastWriterWins, vocab.PreferA, vocab.PreferB}).Draw(t, "stagePolicy")
	p.OnDelete = vocab.Unlink
	if !opts.control && !opts.server {
		p.OnDelete = rapid.SampledFrom([]vocab.OnDelete{vocab.Unlink, vocab.Recreate}).Draw(t, "onDelete")
	}
	oneWay := rapid.Bool().Draw(t, "nextStepOneWay")
	for i := range p.Fields {
		switch p.Fields[i].Name {
		case vocab.FieldStage:
			p.Fields[i].Conflict = stagePolicy
		case vocab.FieldNextStep:
			if oneWay {
				p.Fields[i].Direction = vocab.AToB
			}
		}
	}
	p.Notifications.CRMTasks = false // notices reach the log only: CRM writes are the sync's own
	w.origin = rapid.SampledFrom(wmSides).Draw(t, "origin")
	w.norm[vocab.A], w.norm[vocab.B] = rapid.Bool().Draw(t, "normaliseA"), rapid.Bool().Draw(t, "normaliseB")
	wholeSec := rapid.Bool().Draw(t, "wholeSecondStamps")
	if opts.server {
		w.faults = 4
	}
	var tick atomic.Int64
	base := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, s := range wmSides {
		clock := func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Millisecond) }
		if wholeSec {
			clock = func() time.Time {
				return base.Add(time.Duration(tick.Add(1)) * 100 * time.Millisecond).Truncate(time.Second)
			}
		}
		kind := p.Partner(s).CRM
		w.mem[s] = memory.New(kind, p.DealFields(s), clock)
		for _, o := range wmOwners[s] {
			w.mem[s].AddOwner(o)
		}
		w.crm[s] = &wmCRM{CRM: w.mem[s], w: w, side: s}
	}
	w.setup = fmt.Sprintf("pairing: stage %s, next_step one-way %v, on_delete %s, normalise a=%v b=%v, whole-second stamps %v, origin %s",
		stagePolicy, oneWay, p.OnDelete, w.norm[vocab.A], w.norm[vocab.B], wholeSec, w.origin)
	w.t.Log(w.setup)
	return w
}

// flagOrigin creates the deal a user flags on the origin side and queues its first change event.
func (w *wmWorld) flagOrigin() {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.origin
	raw, _ := w.p.FromCanonical(s, map[string]string{vocab.FieldName: "Deal 0", vocab.FieldStage: "qualification",
		vocab.FieldAmount: "1000", vocab.FieldCloseDate: "2026-12-31", vocab.FieldNextStep: "step 0"})
	df := w.p.DealFields(s)
	raw[df.Owner] = wmOwners[s][0].ID
	raw[df.Enabled] = true
	id := w.mem[s].Put("", w.normalise(s, raw))
	w.rec[s] = id
	w.id = api.NewCoSellID(w.p.ID, s, id)
	w.committed(s, "a user flags it")
	w.settleEpisodes(false)
	w.logf("%s: a user flags record %s for co-sell (deal %s)", s, id, w.id)
}

// activities returns the real activities over the test CRMs.
func (w *wmWorld) activities() *activities.Activities {
	return &activities.Activities{Pairings: map[string]*activities.Connection{w.p.ID: {Pairing: w.p,
		CRM: map[pairing.Side]connectors.CRM{pairing.A: w.crm[vocab.A], pairing.B: w.crm[vocab.B]}}}}
}

// --- the CRMs' side of the oracle ---

// normalise is what a normalising CRM stores for raw values: text without trailing spaces, amounts in
// cents.
func (w *wmWorld) normalise(s vocab.Side, raw map[string]any) map[string]any {
	if !w.norm[s] {
		return raw
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		out[k] = v
		f, ok := w.fieldOf(s, k)
		if !ok {
			continue
		}
		switch f {
		case vocab.FieldName, vocab.FieldNextStep:
			if x, ok := v.(string); ok {
				out[k] = strings.TrimRight(x, " ")
			}
		case vocab.FieldAmount:
			switch x := v.(type) {
			case float64:
				out[k] = math.Round(x*100) / 100
			case string:
				if n, err := strconv.ParseFloat(x, 64); err == nil {
					out[k] = strconv.FormatFloat(math.Round(n*100)/100, 'f', -1, 64)
				}
			}
		}
	}
	return out
}

// normCanonical is what side s's CRM would store for canonical value v of field f.
func (w *wmWorld) normCanonical(s vocab.Side, f, v string) string {
	if !w.norm[s] || strings.HasPrefix(v, wmUnmapped) {
		return v
	}
	switch f {
	case vocab.FieldName, vocab.FieldNextStep:
		return strings.TrimRight(v, " ")
	case vocab.FieldAmount:
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return strconv.FormatFloat(math.Round(n*100)/100, 'f', -1, 64)
		}
	}
	return v
}

// fieldOf returns the canonical field behind a CRM field name of side s.
func (w *wmWorld) fieldOf(s vocab.Side, crmField string) (string, bool) {
	for _, f := range w.p.Fields {
		if f.On(s) == crmField {
			return f.Name, true
		}
	}
	if crmField == w.p.DealFields(s).Enabled {
		return engine.FlagField, true
	}
	return "", false
}

// canon returns a record's canonical values, the flag included; a value outside the value map is kept
// as wmUnmapped and its raw value.
func (w *wmWorld) canon(s vocab.Side, d connectors.Deal) map[string]string {
	vals, issues := w.p.ToCanonical(s, d.Fields)
	for _, is := range issues {
		vals[is.Field] = wmUnmapped + is.Raw
	}
	vals[engine.FlagField] = strconv.FormatBool(d.Enabled)
	return vals
}

// current returns the deal's live record on s.
func (w *wmWorld) current(s vocab.Side) (connectors.Deal, bool) {
	if w.rec[s] == "" {
		return connectors.Deal{}, false
	}
	return w.mem[s].Deal(w.rec[s])
}

// reading translates a record as the change feed does (activities.sideState).
func (w *wmWorld) reading(s vocab.Side, d connectors.Deal) *api.SideState {
	vals, issues := w.p.ToCanonical(s, d.Fields)
	df := w.p.DealFields(s)
	st := &api.SideState{Side: s, Found: true, RecordID: d.RecordID, CoSellID: d.CoSellID, Enabled: d.Enabled,
		Values: vals, Issues: issues, ModifiedAt: d.ModifiedAt}
	st.Partner.Name, _ = d.Fields[df.PartnerOwnerName].(string)
	st.Partner.Email, _ = d.Fields[df.PartnerOwnerEmail].(string)
	for _, o := range wmOwners[s] {
		if o.ID == d.OwnerID {
			st.Owner = api.Owner{Email: o.Email, Name: o.Name}
		}
	}
	return st
}

// committed notes a new version of the deal's record on s: the feed gets a change event for it, and
// episodes the change closes are settled.
func (w *wmWorld) committed(s vocab.Side, _ string) {
	d, ok := w.current(s)
	if !ok {
		return
	}
	w.ver[s]++
	q := append(w.queue[s], wmEvent{ev: api.ChangeEvent{Side: s, RecordID: d.RecordID, Deal: w.reading(s, d), Source: "poll"}, ver: w.ver[s]})
	if len(q) > 8 {
		q = q[len(q)-8:] // the feed loses what it cannot hold; the quiescence delivery makes up for it
	}
	w.queue[s] = q
	w.checkAlways()
}

// agreeOn reports whether both records hold the same value of f, modulo normalisation.
func (w *wmWorld) agreeOn(f string) bool {
	da, okA := w.current(vocab.A)
	db, okB := w.current(vocab.B)
	if !okA || !okB {
		return false
	}
	va, okA := w.canon(vocab.A, da)[f]
	vb, okB := w.canon(vocab.B, db)[f]
	if !okA || !okB || strings.HasPrefix(va, wmUnmapped) || strings.HasPrefix(vb, wmUnmapped) {
		return false
	}
	return va == vb || w.normCanonical(vocab.B, f, va) == vb || w.normCanonical(vocab.A, f, vb) == va
}

// settleEpisodes closes the episode of every field both records now agree on: an episode runs from
// the first edit that makes them disagree to the moment they agree again. acked says the change that
// closed it is one the engine knows of (an engine write it saw acknowledged); otherwise the engine may
// not know the parties agreed, so it may take the next edit for a concurrent one: the next episode is
// blind.
func (w *wmWorld) settleEpisodes(acked bool) {
	for _, f := range wmTracked {
		a := w.agreeOn(f)
		if a && !w.agreed[f] {
			delete(w.last[vocab.A], f)
			delete(w.last[vocab.B], f)
			w.blind[f] = !acked
		}
		w.agreed[f] = a
	}
}

func (w *wmWorld) recordEdit(s vocab.Side, f, v string) {
	if w.last[vocab.A][f] == nil && w.last[vocab.B][f] == nil {
		w.epStart[f] = w.drv.now()
	}
	w.last[s][f] = &wmEdit{val: v, ver: w.ver[s], at: w.drv.now()}
}

// observed notes that the engine saw version ver of s's record with canonical values vals; how says
// by what, for the history.
func (w *wmWorld) observed(s vocab.Side, vals map[string]string, ver int, how string) {
	for _, f := range wmTracked {
		v, ok := vals[f]
		if !ok {
			v = "\x00absent"
		}
		if e := w.last[s][f]; e != nil && !e.seen && e.ver <= ver {
			prev, known := w.obs[s][f]
			e.seen, e.visible = true, known && prev != v // a first look, or one after a lost acknowledgement, shows no change
			e.how = fmt.Sprintf("%s of v%d at %s", how, ver, w.drv.now().Format("15:04:05.000"))
		}
		w.obs[s][f] = v
	}
	w.know[s] = w.drv.now()
}

// forgetLooks is called when the worker crashed: an activity cut short may have read or written a
// record for an engine that never got the result, so what the oracle thought the engine saw is
// forgotten (each edit counts as seen again at the engine's next look).
func (w *wmWorld) forgetLooks() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range wmSides {
		for _, e := range w.last[s] {
			e.seen, e.visible = false, false
		}
		w.obs[s] = map[string]string{}
	}
	w.looks = nil
}

// overwrite is called when an engine write replaces field f on s (from cur to next): a user's edit
// there may only be overwritten as the rules allow.
func (w *wmWorld) overwrite(s vocab.Side, f, cur, next string) {
	e := w.last[s][f]
	if e == nil || e.overwritten || e.val != cur {
		return
	}
	e.overwritten = true
	rule, _ := w.rule(f)
	// An edit of the other party in this episode makes it two-sided, even once the engine's write
	// replaced it (a race, a lost conflict): the engine may rightly weigh it against this one.
	oneSided := w.last[s.Other()][f] == nil && rule.FlowsFrom(s) && !w.blind[f]
	stale := w.drv.now().Sub(w.know[s])
	switch {
	case !e.seen && stale <= wmRaceWindow:
		// The user edited the record after the engine's last look: the inherent read-then-write race.
	case !e.seen:
		w.violate("the engine overwrites %s on %s (a user's edit to %q at %s) blindly with %q: its last look at %s was %s before",
			f, s, e.val, e.at.Format("15:04:05.000"), next, s, stale)
	case !e.visible:
		// The engine saw the record, but the field showed no change (an edit and its undo, the versions
		// between never delivered): nothing told it of the edit.
	case oneSided:
		w.violate("%s was edited on %s only (to %q at %s, which the engine saw in %s), yet the engine overwrites it with %q",
			f, s, e.val, e.at.Format("15:04:05.000"), e.how, next)
	default:
		w.obligations = append(w.obligations, wmObligation{field: f, since: w.epStart[f],
			what: fmt.Sprintf("the engine overwrote %s on %s (a user's edit to %q at %s, which it saw in %s) with %q", f, s, e.val, e.at.Format("15:04:05.000"), e.how, next)})
	}
}

func (w *wmWorld) rule(f string) (engine.Rule, bool) {
	if f == engine.FlagField {
		return engine.Rule{Field: f, Direction: vocab.Both, Conflict: vocab.LastWriterWins}, true
	}
	for _, pf := range w.p.Fields {
		if pf.Name == f {
			return engine.Rule{Field: f, Direction: pf.Direction, Conflict: pf.Conflict}, true
		}
	}
	return engine.Rule{}, false
}

// checkAlways holds after every change: no second mirror, no note mirrored back or twice.
func (w *wmWorld) checkAlways() {
	for _, s := range wmSides {
		if n := len(w.mem[s].Deals()); n > 1 {
			w.violate("%s holds %d records of the deal: a second mirror", s, n)
		}
		limit := w.deletes[s]
		if s != w.origin {
			limit++
		}
		if w.creates[s] > limit {
			w.violate("%s got %d mirrors created for %d deletions", s, w.creates[s], w.deletes[s])
		}
		valid := map[string]bool{}
		for _, n := range w.notes {
			if n.side != s {
				valid[api.NoteKey(w.id, n.side, n.id)] = true
			}
		}
		valid[engine.AttributionNoteKey(w.id, s)] = true // the engine's own note at close-won (issue #9)
		for _, d := range w.mem[s].Deals() {
			for _, n := range w.mem[s].Notes(d.RecordID) {
				if n.Key != "" && !valid[n.Key] {
					w.violate("note %s on %s (key %s) is not the mirror of a shared note of %s (mirrored back?)", n.ID, s, n.Key, s.Other())
				}
			}
		}
	}
}

// --- the test CRM ---

// wmCRM is the CRM the activities see: the memory CRM, with the history's faults, races and
// normalisation, and the oracle's bookkeeping of every engine read and write.
type wmCRM struct {
	*memory.CRM
	w    *wmWorld
	side vocab.Side
}

// feedCtx marks the reads the test makes for itself, which the oracle does not count.
type feedCtx struct{}

func activityName(ctx context.Context) string {
	if ctx.Value(feedCtx{}) != nil || !activity.IsActivity(ctx) {
		return ""
	}
	return activity.GetInfo(ctx).ActivityType.Name
}

// wmCallBudget bounds the CRM calls of one history: an engine that never settles is a failure, not a
// hung test.
const wmCallBudget = 3000

// fault pops the armed fault for op, if any. Past the call budget every call fails with a long
// retry-after, so the workflow idles and the history ends with the violation.
func (c *wmCRM) fault(op string) *wmFault {
	w := c.w
	if w.calls++; w.calls == wmCallBudget {
		w.violate("the engine does not settle: %d CRM calls", w.calls)
	}
	if w.calls >= wmCallBudget {
		return &wmFault{op: op, retryAfter: time.Hour}
	}
	if w.quiet {
		return nil
	}
	for i, f := range w.armed {
		if f.op == op {
			w.armed = slices.Delete(w.armed, i, i+1)
			return &f
		}
	}
	return nil
}

func (c *wmCRM) failure(what string, f *wmFault) error {
	when := "before it was applied"
	if f.after {
		when = "after it was applied"
	}
	c.w.logf("crm %s: %s fails %s (503, retry-after %s)", c.side, what, when, f.retryAfter)
	return &connectors.Error{CRM: c.Kind(), Op: what, Status: 503, Code: "SERVER_UNAVAILABLE", Message: "injected fault " + when,
		Retryable: true, RetryAfter: f.retryAfter}
}

// GetDeal implements connectors.CRM.
func (c *wmCRM) GetDeal(ctx context.Context, recordID string) (connectors.Deal, error) {
	return c.read(ctx, "get deal "+recordID, func() (connectors.Deal, bool, error) {
		d, err := c.CRM.GetDeal(ctx, recordID)
		return d, err == nil, err
	})
}

// FindDealByCoSellID implements connectors.CRM.
func (c *wmCRM) FindDealByCoSellID(ctx context.Context, coSellID string) (connectors.Deal, bool, error) {
	var found bool
	d, err := c.read(ctx, "find deal "+coSellID, func() (connectors.Deal, bool, error) {
		d, ok, err := c.CRM.FindDealByCoSellID(ctx, coSellID)
		found = ok
		return d, ok, err
	})
	return d, found, err
}

func (c *wmCRM) read(ctx context.Context, what string, do func() (connectors.Deal, bool, error)) (connectors.Deal, error) {
	act := activityName(ctx)
	w := c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if act == "ReadDeal" {
		w.newCommand(ctx)
		if f := c.fault("read"); f != nil {
			return connectors.Deal{}, c.failure(what, f)
		}
	}
	d, ok, err := do()
	if act == "ReadDeal" && ok && d.RecordID == w.rec[c.side] {
		w.observed(c.side, w.canon(c.side, d), w.ver[c.side], "a read")
		w.stamps[c.side] = d.ModifiedAt
		w.logf("crm %s: the engine reads %s v%d", c.side, d.RecordID, w.ver[c.side])
	} else if act == "ReadDeal" && !ok && err == nil {
		w.know[c.side] = w.drv.now()
		w.logf("crm %s: the engine reads: no record", c.side)
	}
	return d, err
}

// UpsertDeal implements connectors.CRM.
func (c *wmCRM) UpsertDeal(ctx context.Context, coSellID string, fields map[string]any) (connectors.UpsertResult, error) {
	var res connectors.UpsertResult
	err := c.write(ctx, "upsert deal "+coSellID, fields, func(raw map[string]any) error {
		var err error
		res, err = c.CRM.UpsertDeal(ctx, coSellID, raw)
		if err == nil && res.Created {
			c.w.creates[c.side]++
			c.w.rec[c.side] = res.RecordID
			c.w.logf("crm %s: the engine creates the mirror %s", c.side, res.RecordID)
		}
		return err
	}, func() string {
		if d, ok, _ := c.CRM.FindDealByCoSellID(ctx, coSellID); ok {
			return d.RecordID
		}
		return ""
	})
	return res, err
}

// UpdateDeal implements connectors.CRM.
func (c *wmCRM) UpdateDeal(ctx context.Context, recordID string, fields map[string]any) error {
	return c.write(ctx, "update deal "+recordID, fields, func(raw map[string]any) error {
		return c.CRM.UpdateDeal(ctx, recordID, raw)
	}, func() string { return recordID })
}

// write carries out an engine write with the history's faults: a user edit racing it, a failure before
// or after it is applied, a worker crash after it.
func (c *wmCRM) write(ctx context.Context, what string, fields map[string]any, do func(map[string]any) error, target func() string) error {
	w := c.w
	w.mu.Lock()
	crash := false
	err := func() error {
		defer w.mu.Unlock()
		w.newCommand(ctx)
		if len(w.during) > 0 && !w.quiet {
			race := w.during[0]
			w.during = w.during[1:]
			race()
		}
		f := c.fault("write")
		if f != nil && !f.after {
			return c.failure(what, f)
		}
		raw := w.normalise(c.side, fields)
		rec := target()
		var before map[string]string
		if rec != "" && rec == w.rec[c.side] {
			if d, ok := w.mem[c.side].Deal(rec); ok {
				before = w.canon(c.side, d)
			}
		}
		if err := do(raw); err != nil {
			return err
		}
		w.writes++
		d, ok := w.current(c.side)
		if !ok || d.RecordID != target() {
			return nil
		}
		after := w.canon(c.side, d)
		for _, fld := range wmTracked {
			if before != nil && before[fld] != after[fld] {
				w.overwrite(c.side, fld, before[fld], after[fld])
			}
		}
		w.logf("crm %s: the engine writes %s v%d: %v", c.side, d.RecordID, w.ver[c.side]+1, raw)
		w.committed(c.side, "the engine writes")
		w.settleEpisodes(f == nil)
		for k := range raw {
			fld, ok := w.fieldOf(c.side, k)
			switch {
			case !ok:
			case f == nil:
				w.obs[c.side][fld] = after[fld] // acknowledged: the engine's cell moves
				w.stamps[c.side] = d.ModifiedAt
			default:
				// Applied, then failed: until a retry is acknowledged the engine does not know what the
				// record holds, so an edit there that restores the old value is one it cannot see.
				delete(w.obs[c.side], fld)
			}
		}
		crash = f != nil && f.crash
		if f != nil {
			return c.failure(what, f)
		}
		return nil
	}()
	if crash {
		select { // the attempt fails and the worker is replaced: the retry runs after a replay
		case c.w.crashes <- struct{}{}:
		default:
		}
	}
	return err
}

// CreateNote implements connectors.CRM.
func (c *wmCRM) CreateNote(ctx context.Context, in connectors.NoteInput) (string, error) {
	w := c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	w.newCommand(ctx)
	f := c.fault("note")
	if f != nil && !f.after {
		return "", c.failure("create note "+in.Key, f)
	}
	before := len(w.mem[c.side].Notes(in.DealRecordID))
	id, err := c.CRM.CreateNote(ctx, in)
	if err != nil {
		return "", err
	}
	if len(w.mem[c.side].Notes(in.DealRecordID)) > before {
		w.writes++
		w.logf("crm %s: the engine mirrors a note as %s (key %s)", c.side, id, in.Key)
	}
	w.checkAlways()
	if f != nil {
		return "", c.failure("create note "+in.Key, f)
	}
	return id, nil
}

// --- user and feed actions ---

func (w *wmWorld) newValue(s vocab.Side, f string) string {
	w.uniq++
	t := w.t
	switch f {
	case vocab.FieldName, vocab.FieldNextStep:
		v := fmt.Sprintf("Deal %d", w.uniq)
		if f == vocab.FieldNextStep {
			v = fmt.Sprintf("step %d", w.uniq)
		}
		if rapid.Bool().Draw(t, "trailingSpace") {
			v += " "
		}
		return v
	case vocab.FieldAmount:
		if rapid.Bool().Draw(t, "fraction") {
			return fmt.Sprintf("%d.%03d", 1000+w.uniq, rapid.IntRange(1, 999).Draw(t, "mills"))
		}
		return strconv.Itoa(1000 + w.uniq)
	}
	if !w.opts.control && rapid.IntRange(0, 3).Draw(t, "unmapped") == 0 {
		return wmUnmapped + map[vocab.Side]string{vocab.A: "Negotiation/Review", vocab.B: "customstage-" + strconv.Itoa(w.uniq)}[s]
	}
	return rapid.SampledFrom([]string{"prospecting", "qualification", "presentation", "decision", "proposal", "closed_won"}).Draw(t, "stage")
}

// rawOf translates a canonical value (or an unmapped raw one) to side s's CRM field and value.
func (w *wmWorld) rawOf(s vocab.Side, f, v string) map[string]any {
	if strings.HasPrefix(v, wmUnmapped) {
		pf, _ := w.p.Field(f)
		return map[string]any{pf.On(s): strings.TrimPrefix(v, wmUnmapped)}
	}
	raw, _ := w.p.FromCanonical(s, map[string]string{f: v})
	return raw
}

// userEdit edits one field of s's record as a user would.
func (w *wmWorld) userEdit(s vocab.Side) {
	f := rapid.SampledFrom(wmFields).Draw(w.t, "field")
	w.edit(s, f, w.newValue(s, f), "")
}

// edit stores canonical value v of field f on s's record as a user would (the CRM normalising it);
// when says when, for the history.
func (w *wmWorld) edit(s vocab.Side, f, v, when string) {
	d, ok := w.current(s)
	if !ok {
		return
	}
	w.mem[s].Put(d.RecordID, w.normalise(s, w.rawOf(s, f, v)))
	nd, _ := w.current(s)
	stored := w.canon(s, nd)[f]
	if w.canon(s, d)[f] == stored {
		return
	}
	w.committed(s, "user")
	w.recordEdit(s, f, stored)
	w.settleEpisodes(false)
	w.logf("%s: a user edits %s to %q (v%d)%s", s, f, stored, w.ver[s], when)
}

// userFlag toggles the co-sell flag of s's record.
func (w *wmWorld) userFlag(s vocab.Side) {
	d, ok := w.current(s)
	if !ok {
		return
	}
	w.mem[s].Put(d.RecordID, map[string]any{w.p.DealFields(s).Enabled: !d.Enabled})
	w.committed(s, "user")
	w.recordEdit(s, engine.FlagField, strconv.FormatBool(!d.Enabled))
	w.settleEpisodes(false)
	if d.Enabled {
		for _, n := range w.notes {
			n.excluded = true
		}
	}
	w.logf("%s: a user sets the co-sell flag to %v (v%d)", s, !d.Enabled, w.ver[s])
}

// userNote writes a shared note on s's record; the feed delivers it while the deal is flagged there.
func (w *wmWorld) userNote(s vocab.Side) {
	d, ok := w.current(s)
	if !ok {
		return
	}
	w.uniq++
	body := fmt.Sprintf("#partner note %d from %s", w.uniq, s)
	if rapid.IntRange(0, 3).Draw(w.t, "request") == 0 {
		body += " #request"
	}
	id := w.mem[s].AddNote(d.RecordID, body, "")
	n := &wmNote{side: s, id: id, record: d.RecordID, body: body}
	for _, o := range wmSides {
		if od, ok := w.current(o); ok && !od.Enabled {
			n.excluded = true
		}
	}
	w.notes = append(w.notes, n)
	if d.Enabled {
		w.queue[s] = append(w.queue[s], wmEvent{ev: api.ChangeEvent{Side: s, RecordID: d.RecordID, Source: "poll",
			Notes: []api.NoteEvent{{Side: s, NoteID: id, Body: body, AuthorName: "Rep", CreatedAt: w.drv.now()}}}})
	}
	w.logf("%s: a user writes shared note %s %q", s, id, body)
}

// userCoSellID edits the co-sell id of a record the deal knows. (A record whose create the engine
// never saw acknowledged is an orphan until it looks: an edit of its id then defeats the upsert by
// co-sell id, as the engine's model also leaves aside.)
func (w *wmWorld) userCoSellID(s vocab.Side) {
	d, ok := w.current(s)
	if !ok || d.CoSellID != w.id {
		return
	}
	w.mu.Unlock()
	view, err := w.drv.view()
	w.mu.Lock()
	if err != nil || view.Sides[s].RecordID != d.RecordID {
		return
	}
	v := rapid.SampledFrom([]string{"", "CS-TYPO"}).Draw(w.t, "coSellID")
	var val any = v
	if v == "" {
		val = nil
	}
	w.mem[s].Put(d.RecordID, map[string]any{w.p.DealFields(s).CoSellID: val})
	w.committed(s, "user")
	w.settleEpisodes(false)
	w.logf("%s: a user edits the co-sell id of %s to %q", s, d.RecordID, v)
}

// userOwner reassigns s's record to another user.
func (w *wmWorld) userOwner(s vocab.Side) {
	d, ok := w.current(s)
	if !ok {
		return
	}
	o := rapid.SampledFrom(wmOwners[s]).Draw(w.t, "owner")
	if o.ID == d.OwnerID {
		return
	}
	w.mem[s].Put(d.RecordID, map[string]any{w.p.DealFields(s).Owner: o.ID})
	w.committed(s, "user")
	w.settleEpisodes(false)
	w.logf("%s: the record is reassigned to %s", s, o.Name)
}

// userDelete deletes s's record.
func (w *wmWorld) userDelete(s vocab.Side) {
	d, ok := w.current(s)
	if !ok || w.deleteOK == 0 {
		return
	}
	w.deleteOK--
	w.mem[s].Delete(d.RecordID)
	w.deletes[s]++
	w.rec[s] = ""
	w.last[s], w.obs[s] = map[string]*wmEdit{}, map[string]string{}
	delete(w.know, s)
	delete(w.stamps, s)
	for _, f := range wmTracked {
		w.blind[f] = true
	}
	w.settleEpisodes(false)
	w.logf("%s: a user deletes record %s", s, d.RecordID)
}

// deliver hands the deal the event at index i of s's feed; a duplicate stays in the feed.
func (w *wmWorld) deliver(s vocab.Side, i int, dup bool) {
	q := w.queue[s]
	if len(q) == 0 {
		return
	}
	i %= len(q)
	e := q[i]
	if !dup {
		w.queue[s] = slices.Delete(q, i, i+1)
	}
	what := fmt.Sprintf("%d note(s)", len(e.ev.Notes))
	if r := e.ev.Deal; r != nil {
		what = fmt.Sprintf("reading v%d (stamp %s) %q flag=%v co-sell=%q", e.ver, r.ModifiedAt.Format("05.000"), r.Values, r.Enabled, r.CoSellID)
	}
	w.logf("feed %s: delivers event %d/%d (dup=%v): %s", s, i, len(q), dup, what)
	w.send(e)
}

// send hands a change event to the driver (w.mu held).
func (w *wmWorld) send(e wmEvent) {
	w.mu.Unlock()
	w.drv.deliver(e)
	w.mu.Lock()
}

// delivering is called by the driver just before it signals e (w.mu not held): a delivered reading
// counts as the engine's look at the party when the engine will apply it, being newer than what it
// knows.
func (w *wmWorld) delivering(e wmEvent) {
	r := e.ev.Deal
	if r == nil || !r.Found {
		return
	}
	v, err := w.drv.view()
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	s := e.ev.Side
	sh := v.Sides[s]
	if r.RecordID == w.rec[s] && !sh.Unlinked && (sh.RecordID == "" || sh.RecordID == r.RecordID && r.ModifiedAt.After(sh.ModifiedAt)) {
		w.looks = append(w.looks, wmLook{side: s, vals: oracleValues(r.Values, r.Issues, r.Enabled), ver: e.ver, stamp: r.ModifiedAt})
	}
}

// applyLooks is called when the engine starts a new command: it has drained its signals, so the
// delivered readings it had not folded in are looks now, unless its own read or write of the party
// since is newer.
func (w *wmWorld) applyLooks() {
	for _, l := range w.looks {
		if l.stamp.After(w.stamps[l.side]) {
			w.observed(l.side, l.vals, l.ver, "a delivered reading")
		}
	}
	w.looks = nil
}

// newCommand reports whether ctx is the first attempt of an engine command's activity, and then
// applies the looks the engine took before issuing it.
func (w *wmWorld) newCommand(ctx context.Context) {
	if ctx.Value(feedCtx{}) == nil && activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt == 1 {
		w.applyLooks()
	}
}

// oracleValues returns a reading's canonical values in the oracle's form.
func oracleValues(values map[string]string, issues []vocab.Issue, enabled bool) map[string]string {
	out := map[string]string{}
	for k, v := range values {
		out[k] = v
	}
	for _, is := range issues {
		out[is.Field] = wmUnmapped + is.Raw
	}
	out[engine.FlagField] = strconv.FormatBool(enabled)
	return out
}

// arm arms a fault for the next matching CRM call.
func (w *wmWorld) arm() {
	if w.faults == 0 {
		return
	}
	w.faults--
	switch {
	case w.opts.control && w.opts.server:
		f := wmFault{op: "write", after: rapid.Bool().Draw(w.t, "faultAfter")}
		f.crash = f.after && rapid.Bool().Draw(w.t, "crashAfterWrite")
		w.armed = append(w.armed, f)
		w.logf("arms: the next write fails (503, after=%v, the worker crashes=%v)", f.after, f.crash)
		return
	case w.opts.control:
		w.armed = append(w.armed, wmFault{op: "write", retryAfter: 2 * time.Minute})
		w.logf("arms: the next write fails for good before it is applied (retry-after 2m)")
		return
	}
	f := wmFault{op: rapid.SampledFrom([]string{"write", "write", "read", "note"}).Draw(w.t, "faultOp")}
	f.after = f.op != "read" && rapid.Bool().Draw(w.t, "faultAfter")
	retries := []time.Duration{0, 0, 5 * time.Second, 2 * time.Minute}
	if w.opts.server {
		retries = retries[:2] // 1 s, 2 s, 4 s apart: the idle wait outlasts them
	}
	f.retryAfter = rapid.SampledFrom(retries).Draw(w.t, "retryAfter")
	if w.opts.server && f.op == "write" && rapid.Bool().Draw(w.t, "crashAfterWrite") {
		f = wmFault{op: "write", after: true, crash: true}
		w.logf("arms: the worker crashes after the next engine write is applied")
	} else {
		w.logf("arms: the next %s fails (after=%v, retry-after %s)", f.op, f.after, f.retryAfter)
	}
	w.armed = append(w.armed, f)
}

// race arms a user edit on s that lands inside the next engine write, before it is applied.
func (w *wmWorld) race(s vocab.Side) {
	f := rapid.SampledFrom(wmFields).Draw(w.t, "raceField")
	v := w.newValue(s, f)
	w.during = append(w.during, func() { w.edit(s, f, v, " while the engine is writing") })
	w.logf("arms: a user on %s edits %s during the next engine write", s, f)
}

// --- the history ---

// wmAction is one kind of step of a history.
type wmAction struct {
	name string
	do   func(w *wmWorld, s vocab.Side)
}

// wmActions lists the actions with their weights (repetitions). Delivering in order comes first, so
// that rapid shrinks toward plain deliveries.
func wmActions(opts wmOptions) []wmAction {
	var out []wmAction
	add := func(n int, name string, do func(w *wmWorld, s vocab.Side)) {
		for range n {
			out = append(out, wmAction{name, do})
		}
	}
	add(6, "deliver", func(w *wmWorld, s vocab.Side) { w.deliver(s, 0, false) })
	add(3, "fault", func(w *wmWorld, _ vocab.Side) { w.arm() })
	add(1, "continueAsNew", func(w *wmWorld, _ vocab.Side) {
		if w.drv.continueAsNew() {
			w.logf("the workflow is told to continue-as-new")
		}
	})
	crash := func(w *wmWorld, _ vocab.Side) {
		w.logf("the worker crashes; a fresh one replays the history")
		w.mu.Unlock()
		w.drv.crash()
		w.mu.Lock()
	}
	if opts.control {
		add(6, "edit", func(w *wmWorld, _ vocab.Side) { w.userEdit(w.origin) })
		add(2, "note", func(w *wmWorld, _ vocab.Side) { w.userNote(w.origin) })
		if opts.server {
			add(2, "crash", crash)
		}
		return out
	}
	add(6, "edit", (*wmWorld).userEdit)
	add(2, "note", (*wmWorld).userNote)
	add(2, "deliverLate", func(w *wmWorld, s vocab.Side) { w.deliver(s, rapid.IntRange(1, 7).Draw(w.t, "index"), false) })
	add(1, "deliverDup", func(w *wmWorld, s vocab.Side) { w.deliver(s, rapid.IntRange(0, 7).Draw(w.t, "index"), true) })
	add(1, "drop", func(w *wmWorld, s vocab.Side) {
		if q := w.queue[s]; len(q) > 0 {
			i := rapid.IntRange(0, len(q)-1).Draw(w.t, "index")
			w.queue[s] = slices.Delete(q, i, i+1)
			w.logf("feed %s: drops event %d", s, i)
		}
	})
	add(1, "trigger", func(w *wmWorld, s vocab.Side) {
		if rec := w.rec[s]; rec != "" {
			w.logf("%s: a bare change trigger for %s", s, rec)
			w.send(wmEvent{ev: api.ChangeEvent{Side: s, RecordID: rec, Source: "webhook"}})
		}
	})
	add(1, "race", (*wmWorld).race)
	add(1, "flag", (*wmWorld).userFlag)
	add(1, "cosellID", (*wmWorld).userCoSellID)
	add(1, "owner", (*wmWorld).userOwner)
	add(1, "delete", (*wmWorld).userDelete)
	if opts.server {
		add(2, "crash", crash)
	}
	return out
}

// wmGaps are the pauses between actions, in workflow time: at once (the next quiet moment), the
// activity retry backoff, past the engine's first backoff, long enough for SLA moments.
var wmGaps = []time.Duration{time.Second, 2 * time.Second, 45 * time.Second, 12 * time.Minute, 3 * time.Hour}

// act draws and performs one action.
func (w *wmWorld) act(actions []wmAction) {
	a := rapid.SampledFrom(actions).Draw(w.t, "action")
	s := rapid.SampledFrom(wmSides).Draw(w.t, "side")
	w.mu.Lock()
	defer w.mu.Unlock()
	w.steps++
	a.do(w, s)
}

// --- quiescence ---

// deliverCurrent makes the feed deliver a current reading of every record, as the overlap-window
// poller does; a deleted record the deal knows gets a bare trigger.
func (w *wmWorld) deliverCurrent(v api.DealView) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.quiet = true
	w.armed, w.during = nil, nil
	w.queue = map[vocab.Side][]wmEvent{}
	for _, s := range wmSides {
		d, ok := w.current(s)
		if !ok {
			if sh := v.Sides[s]; sh.RecordID != "" && !sh.Unlinked {
				w.send(wmEvent{ev: api.ChangeEvent{Side: s, RecordID: sh.RecordID, Source: "poll"}})
			}
			continue
		}
		w.send(wmEvent{ev: api.ChangeEvent{Side: s, RecordID: d.RecordID, Deal: w.reading(s, d), Source: "poll"}, ver: w.ver[s]})
	}
	w.logf("--- quiescence: no more faults; the feed delivers current readings ---")
}

// deliverNotes makes the poller deliver the shared notes of every flagged record.
func (w *wmWorld) deliverNotes() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range wmSides {
		d, ok := w.current(s)
		if !ok || !d.Enabled {
			continue
		}
		var notes []api.NoteEvent
		for _, n := range w.notes {
			if n.side == s && n.record == d.RecordID {
				notes = append(notes, api.NoteEvent{Side: s, NoteID: n.id, Body: n.body, AuthorName: "Rep"})
			}
		}
		if len(notes) > 0 {
			w.send(wmEvent{ev: api.ChangeEvent{Side: s, RecordID: d.RecordID, Notes: notes, Source: "poll"}})
		}
	}
	w.logf("the feed delivers every shared note again")
}

// checkQuiescent holds once the deal is idle after the feed delivered current readings and notes.
func (w *wmWorld) checkQuiescent() {
	v, err := w.drv.view()
	if err != nil {
		w.fail("query the deal: %v", err)
	}
	w.mu.Lock()
	w.checkAlways()
	msg := w.violation
	if msg == "" {
		msg = w.quiescentViolation(v)
	}
	w.mu.Unlock()
	if msg != "" {
		w.fail("%s", msg)
	}
}

// quiescentViolation returns the first invariant of a quiescent deal that v and the CRMs break.
func (w *wmWorld) quiescentViolation(v api.DealView) string {
	fail := fmt.Sprintf
	for _, o := range w.obligations {
		if !slices.ContainsFunc(v.Conflicts, func(c api.Conflict) bool { return c.Field == o.field && !c.At.Before(o.since) }) {
			return fail("%s, and no conflict on %s is logged since %s", o.what, o.field, o.since.Format("15:04:05.000"))
		}
	}
	linked := map[vocab.Side]connectors.Deal{}
	for _, s := range wmSides {
		sh := v.Sides[s]
		d, ok := w.current(s)
		switch {
		case sh.Unlinked:
			if ok {
				return fail("%s is unlinked but its record %s exists", s, d.RecordID)
			}
		case sh.RecordID != "":
			if !ok || d.RecordID != sh.RecordID {
				return fail("the deal links %s to record %s, which does not exist", s, sh.RecordID)
			}
			if d.CoSellID != w.id {
				return fail("record %s on %s carries co-sell id %q, not %s", d.RecordID, s, d.CoSellID, w.id)
			}
			linked[s] = d
		case ok:
			return fail("record %s on %s exists but the deal does not link it", d.RecordID, s)
		}
	}
	da, okA := linked[vocab.A]
	db, okB := linked[vocab.B]
	if !okA || !okB {
		return "" // a side is gone (unlinked, or never mirrored): nothing to agree with
	}
	if da.Enabled != db.Enabled {
		return fail("the co-sell flag differs: a=%v b=%v", da.Enabled, db.Enabled)
	}
	if !da.Enabled {
		if !v.Paused {
			return fail("both records are unflagged but the deal is not paused")
		}
		return ""
	}
	if v.Paused {
		return fail("both records are flagged but the deal is paused")
	}
	ca, cb := w.canon(vocab.A, da), w.canon(vocab.B, db)
	for _, pf := range w.p.Fields {
		f := pf.Name
		va, hasA := ca[f]
		vb, hasB := cb[f]
		if strings.HasPrefix(va, wmUnmapped) || strings.HasPrefix(vb, wmUnmapped) {
			for s, val := range map[vocab.Side]string{vocab.A: va, vocab.B: vb} {
				if strings.HasPrefix(val, wmUnmapped) && !slices.ContainsFunc(v.Issues, func(is api.SyncIssue) bool {
					return is.Side == s && is.Field == f && is.Kind == vocab.IssueUnmapped
				}) {
					return fail("%s holds %q for %s, outside the value map, with no sync issue", s, val, f)
				}
			}
			continue
		}
		need := hasA || hasB
		if src := pf.Direction.Source(); src != "" {
			need = map[vocab.Side]bool{vocab.A: hasA, vocab.B: hasB}[src]
		}
		if need && !w.agreeOn(f) {
			return fail("%s differs after quiescence: a=%q b=%q", f, va, vb)
		}
	}
	for _, s := range wmSides {
		d, o := linked[s], linked[s.Other()]
		want := w.reading(s.Other(), o).Owner
		got := w.reading(s, d).Partner
		if want != got {
			return fail("%s shows partner owner %v, but %s's record is owned by %v", s, got, s.Other(), want)
		}
	}
	if w.deletes[vocab.A]+w.deletes[vocab.B] > 0 {
		return ""
	}
	for _, n := range w.notes {
		if n.excluded {
			continue
		}
		o := n.side.Other()
		key := api.NoteKey(w.id, n.side, n.id)
		var mirrors []connectors.Note
		for _, m := range w.mem[o].Notes(linked[o].RecordID) {
			if m.Key == key {
				mirrors = append(mirrors, m)
			}
		}
		if len(mirrors) != 1 {
			return fail("shared note %s of %s exists %d times on %s", n.id, n.side, len(mirrors), o)
		}
		if !strings.HasSuffix(mirrors[0].Body, " "+n.body) {
			return fail("the mirror of note %s reads %q, want the body %q", n.id, mirrors[0].Body, n.body)
		}
	}
	return ""
}

// wmStep is one step of a history: gap draws how long after the step before it it runs.
type wmStep struct {
	gap func() time.Duration
	do  func()
}

// queryDeal decodes the deal query's answer.
func queryDeal(v converter.EncodedValue, err error) (api.DealView, error) {
	var out api.DealView
	if err != nil {
		return out, err
	}
	return out, v.Get(&out)
}

func fixed(d time.Duration) func() time.Duration { return func() time.Duration { return d } }

// wmHistory queues the steps every driver plays: the origin's first change event, n random actions,
// then quiescence and its checks, settle apart (0: when the deal is idle). stop ends the driver's run.
func wmHistory(t *rapid.T, w *wmWorld, add func(wmStep), settle time.Duration, stop func()) {
	actions := wmActions(w.opts)
	add(wmStep{gap: fixed(time.Second), do: func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.deliver(w.origin, 0, false)
	}})
	n := rapid.IntRange(1, 40).Draw(t, "actions")
	gap := func() time.Duration { return rapid.SampledFrom(wmGaps).Draw(t, "gap") }
	for range n {
		add(wmStep{gap: gap, do: func() { w.act(actions) }})
	}
	var writes int
	first := settle
	if settle == 0 {
		first = time.Second // the delivery needs no idle deal; the checks after it do
	}
	add(wmStep{gap: fixed(first), do: func() {
		v, _ := w.drv.view()
		w.deliverCurrent(v)
	}})
	// Notes once the readings are settled: a record flagged again in that round shares its notes now.
	add(wmStep{gap: fixed(settle), do: w.deliverNotes})
	add(wmStep{gap: fixed(settle), do: func() {
		w.checkQuiescent()
		v, _ := w.drv.view()
		w.mu.Lock()
		writes = w.writes
		w.logf("--- quiescent; one more round of unchanged readings and notes: nothing may be written ---")
		w.mu.Unlock()
		w.deliverCurrent(v)
		w.deliverNotes()
	}})
	add(wmStep{gap: fixed(settle), do: func() {
		w.mu.Lock()
		n := w.writes - writes
		w.mu.Unlock()
		if n > 0 {
			w.fail("after quiescence, a round of unchanged readings made the engine write %d time(s)", n)
		}
		w.checkQuiescent()
		stop()
	}})
}

// --- rapid plumbing ---

// drawRunLimits lowers the workflow's continue-as-new limits for half the histories, so runs end at
// random points: mid-round, in a retry backoff, with notes pending. It returns the restore.
func drawRunLimits(t *rapid.T) (restore func()) {
	if rapid.Bool().Draw(t, "shortRuns") {
		stepsPerRun = rapid.IntRange(3, 30).Draw(t, "stepsPerRun")
		roundsPerRun = rapid.IntRange(1, 6).Draw(t, "roundsPerRun")
		t.Logf("continue-as-new every %d commands or %d rounds", stepsPerRun, roundsPerRun)
	}
	return func() { stepsPerRun, roundsPerRun = 2000, 500 }
}

// setRapidFlag sets a rapid flag unless the command line or the environment did, and returns a func
// that restores it.
func setRapidFlag(name, env, value string) func() {
	wmUserFlagsOnce.Do(func() { flag.Visit(func(f *flag.Flag) { wmUserFlags[f.Name] = true }) })
	if _, ok := os.LookupEnv(env); wmUserFlags[name] || ok {
		return func() {}
	}
	old := flag.Lookup(name).Value.String()
	_ = flag.Set(name, value)
	return func() { _ = flag.Set(name, old) }
}

// wmUserFlags are the flags the command line set, read before any test sets one itself.
var (
	wmUserFlags     = map[string]bool{}
	wmUserFlagsOnce sync.Once
)
