package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/vocab"
)

// The regression tests of issue #7: each drives the engine through one of the reported failures with
// a small scripted CRM per party (regCRM), and checks the outcome the issue asks for.

// regRecord is one record in a scripted CRM.
type regRecord struct {
	id, coSellID string
	enabled      bool
	values       map[string]string
	stamp        time.Time
}

// regCRM is a scripted CRM: records, notes by key, and faults to inject.
type regCRM struct {
	side    vocab.Side
	recs    map[string]*regRecord
	notes   map[string]string // key → body
	next    int
	clock   *time.Time
	writes  int
	creates int
	// failNext fails the next write or create: before applying it, or after (applied, then an error).
	failNext string
	refuse   bool // refuse creates (a validation error)
	// rejectField, when set, makes the CRM refuse every write carrying that field (a restricted
	// picklist, a validation rule), blaming the field.
	rejectField string
	normalise   func(string) string
	// conditional makes writes to a record honour WriteCmd.UnmodifiedSince, as Salesforce does.
	conditional bool
	// beforeWrite, when set, runs as a write arrives, before the CRM applies it: a user's edit landing
	// between the engine's read and its write.
	beforeWrite func()
	// afterWrite, when set, runs once a write is applied, before the record is read back for the
	// write's answer: a user's save racing that read-back.
	afterWrite func()
}

func newRegCRM(side vocab.Side, clock *time.Time) *regCRM {
	return &regCRM{side: side, recs: map[string]*regRecord{}, notes: map[string]string{}, clock: clock}
}

func (c *regCRM) tick() time.Time { *c.clock = c.clock.Add(time.Second); return *c.clock }

// edit changes a record as a user would.
func (c *regCRM) edit(id string, vals map[string]string) {
	r := c.recs[id]
	for k, v := range vals {
		r.values[k] = v
	}
	r.stamp = c.tick()
}

func (c *regCRM) add(vals map[string]string) string {
	c.next++
	id := fmt.Sprintf("%s-%d", c.side, c.next)
	c.recs[id] = &regRecord{id: id, enabled: true, values: vals, stamp: c.tick()}
	return id
}

func (c *regCRM) reading(id string) *Reading {
	r, ok := c.recs[id]
	if !ok {
		return &Reading{Side: c.side}
	}
	vals := map[string]string{}
	var issues []vocab.Issue
	for k, v := range r.values {
		if strings.HasPrefix(v, "??") { // a value outside the value map
			issues = append(issues, vocab.Issue{Field: k, Side: c.side, Message: "no entry for " + v, Raw: v})
			continue
		}
		vals[k] = v
	}
	return &Reading{Side: c.side, Found: true, RecordID: r.id, CoSellID: r.coSellID, Enabled: r.enabled, Values: vals, Issues: issues, ModifiedAt: r.stamp}
}

func (c *regCRM) byCoSellID(id string) *regRecord {
	for _, r := range c.recs {
		if r.coSellID == id {
			return r
		}
	}
	return nil
}

// run carries out a command against the CRM.
func (c *regCRM) run(cmd Command) Result {
	res := Result{Seq: cmd.Seq}
	switch cmd.Kind {
	case Read:
		id := cmd.RecordID
		if _, ok := c.recs[id]; !ok {
			if r := c.byCoSellID(cmd.CoSellID); r != nil {
				id = r.id
			}
		}
		res.Reading = c.reading(id)
	case Stamp:
		c.recs[cmd.RecordID].coSellID = cmd.CoSellID
		c.recs[cmd.RecordID].stamp = c.tick()
	case Write:
		w := cmd.Write
		if c.failNext == "before" {
			c.failNext = ""
			return Result{Seq: cmd.Seq, Failure: &Failure{Kind: Unavailable, Message: "503 Service Unavailable"}}
		}
		if _, ok := w.Values[c.rejectField]; ok && c.rejectField != "" {
			return Result{Seq: cmd.Seq, Failure: &Failure{Kind: Rejected, CRM: "hubspot", Code: "INVALID_OPTION",
				Message: c.rejectField + " does not accept " + w.Values[c.rejectField], Fields: []string{c.rejectField}}}
		}
		if w.Create && c.refuse {
			return Result{Seq: cmd.Seq, Failure: &Failure{Kind: Rejected, CRM: "hubspot", Code: "VALIDATION_ERROR", Message: "dealname is required"}}
		}
		var r *regRecord
		if w.Create {
			if r = c.byCoSellID(cmd.CoSellID); r == nil {
				c.next++
				r = &regRecord{id: fmt.Sprintf("%s-%d", c.side, c.next), coSellID: cmd.CoSellID, enabled: true, values: map[string]string{}}
				c.recs[r.id] = r
				c.creates++
			}
		} else if r = c.recs[cmd.RecordID]; r == nil {
			return Result{Seq: cmd.Seq, Failure: &Failure{Kind: NotFound, Message: "no such record"}}
		}
		if c.beforeWrite != nil && !w.Create {
			c.beforeWrite()
		}
		if c.conditional && !w.Create && !w.UnmodifiedSince.IsZero() && r.stamp.After(w.UnmodifiedSince) {
			return Result{Seq: cmd.Seq, Failure: &Failure{Kind: Modified, CRM: "salesforce",
				Code: "ENTITY_FAILED_IFLASTMODIFIED_ON_UPDATE_CHECK", Message: "the record was modified after If-Unmodified-Since"}}
		}
		for k, v := range w.Values {
			if c.normalise != nil {
				v = c.normalise(v)
			}
			r.values[k] = v
		}
		if w.Enabled != nil {
			r.enabled = *w.Enabled
		}
		r.stamp = c.tick()
		c.writes++
		if c.failNext == "after" {
			c.failNext = ""
			return Result{Seq: cmd.Seq, Failure: &Failure{Kind: Unavailable, Message: "timeout after the write was applied"}}
		}
		if c.afterWrite != nil && !w.Create {
			c.afterWrite()
		}
		// The answer carries the record as read back after the write (WriteDeal's read-back): each
		// written field as stored, and the record's stamp.
		stored := map[string]string{}
		for k := range w.Values {
			if v, ok := r.values[k]; ok && !strings.HasPrefix(v, "??") {
				stored[k] = v
			}
		}
		res.Written = &Written{RecordID: r.id, Stored: stored, ModifiedAt: r.stamp}
	case MirrorNote:
		if _, ok := c.notes[cmd.Note.Key]; !ok {
			c.notes[cmd.Note.Key] = cmd.Note.Prefix + " " + cmd.Note.Body
		}
	case CheckPilot:
		res.Pilot = &PilotStatus{}
	}
	return res
}

// regDeal is a deal under test: the engine and both parties' CRMs.
type regDeal struct {
	t     *testing.T
	clock time.Time
	pol   Policy
	st    State
	e     *Engine
	crm   map[vocab.Side]*regCRM
	// notes holds the bodies the source CRMs keep, for notes fetched after continue-as-new.
	log []string
}

func newRegDeal(t *testing.T) *regDeal {
	d := &regDeal{t: t, clock: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	d.pol = Policy{PairingID: "p", Parties: []PartyInfo{{vocab.A, "Acme"}, {vocab.B, "Globex"}}, Rules: []Rule{
		{Field: "name", Direction: vocab.Both, Conflict: vocab.LastWriterWins},
		{Field: "stage", Direction: vocab.Both, Conflict: vocab.LastWriterWins},
		{Field: "amount", Direction: vocab.Both, Conflict: vocab.LastWriterWins},
		{Field: "next_step", Direction: vocab.Both, Conflict: vocab.LastWriterWins},
	}, StageField: "stage"}
	d.st = NewState("p", "CS-1")
	d.e = New(d.pol, &d.st)
	d.crm = map[vocab.Side]*regCRM{vocab.A: newRegCRM(vocab.A, &d.clock), vocab.B: newRegCRM(vocab.B, &d.clock)}
	return d
}

// settle runs the engine until it is idle, passing retry backoffs, for at most n commands.
func (d *regDeal) settle() {
	for i := 0; i < 200; i++ {
		d.e.Tick(d.clock)
		step := d.e.Next(d.clock)
		if step.Kind == Idle {
			if !step.WakeAt.IsZero() && !step.WakeAt.After(d.clock) {
				continue // due now: another round
			}
			if d.st.RetryAt.After(d.clock) {
				d.clock = d.st.RetryAt
				continue
			}
			return
		}
		d.log = append(d.log, fmt.Sprintf("%s %s %v", step.Command.Kind, step.Command.Side, step.Command.Write))
		d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
	}
	d.t.Fatalf("the engine did not settle: %v", d.log[max(0, len(d.log)-10):])
}

// stepUntil runs the engine a command at a time, passing retry backoffs, until done holds (at most 20
// commands): for a test that injects a fault into one particular command.
func (d *regDeal) stepUntil(done func() bool) {
	for i := 0; i < 20 && !done(); i++ {
		d.e.Tick(d.clock)
		step := d.e.Next(d.clock)
		if step.Kind != Run {
			if d.st.RetryAt.After(d.clock) {
				d.clock = d.st.RetryAt
			}
			continue
		}
		d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
	}
}

// editHeardLate makes a user of party s edit record id, runs the engine to rest before the feed
// delivers that edit, then delivers it and runs the engine to rest again.
func (d *regDeal) editHeardLate(s vocab.Side, id string, vals map[string]string) {
	d.crm[s].edit(id, vals)
	d.settle()
	d.deliver(s, id)
	d.settle()
}

// editBeforeWrite makes a user of party s edit record id as the deal's next write to it arrives, after
// the deal's read: the read-then-write race.
func (d *regDeal) editBeforeWrite(s vocab.Side, id string, vals map[string]string) {
	c := d.crm[s]
	c.beforeWrite = func() {
		c.beforeWrite = nil
		c.edit(id, vals)
	}
}

// editAfterWrite makes a user of party s save vals on record id right after the deal's next write to
// it lands, before the write's read-back: in the next whole second, or in the write's own second
// (sameSecond: the save carries the write's stamp, as two saves within one second do in Salesforce).
func (d *regDeal) editAfterWrite(s vocab.Side, id string, vals map[string]string, sameSecond bool) {
	c := d.crm[s]
	c.afterWrite = func() {
		c.afterWrite = nil
		if !sameSecond {
			c.edit(id, vals)
			return
		}
		for k, v := range vals {
			c.recs[id].values[k] = v
		}
	}
}

// deliver hands the engine a feed's reading of a record.
func (d *regDeal) deliver(s vocab.Side, id string) {
	d.e.Receive(d.clock, Change{Side: s, RecordID: id, Reading: d.crm[s].reading(id)})
}

// newRegDealWith is newRegDeal with its policy changed by mod before the engine is made.
func newRegDealWith(t *testing.T, mod func(*Policy)) *regDeal {
	d := newRegDeal(t)
	mod(&d.pol)
	d.e = New(d.pol, &d.st)
	return d
}

// eachGate runs check twice: with the engine's gated rule on, and off, as in a history recorded before
// the rule. gate is the engine's gate for the run (every other rule on).
func eachGate(t *testing.T, rule string, check func(t *testing.T, on bool, gate func(string) bool)) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprint("gate=", on), func(t *testing.T) {
			check(t, on, func(r string) bool { return r != rule || on })
		})
	}
}

// registered returns a deal flagged on Salesforce (a) and mirrored to HubSpot (b).
func registered(t *testing.T) (*regDeal, string, string) {
	d := newRegDeal(t)
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000", "next_step": "call"})
	d.deliver(vocab.A, a)
	d.settle()
	m := d.crm[vocab.B].byCoSellID("CS-1")
	require.NotNil(t, m, "the mirror exists")
	return d, a, m.id
}

func TestRegressionFailedWriteIsRetriedUntilItLands(t *testing.T) {
	for _, when := range []string{"before", "after"} {
		t.Run(when, func(t *testing.T) {
			d, a, b := registered(t)
			d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
			d.crm[vocab.B].failNext = when
			d.deliver(vocab.A, a)
			for i := 0; i < 3; i++ { // the round fails; the engine waits out its backoff
				if step := d.e.Next(d.clock); step.Kind == Run {
					d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
				}
			}
			assert.True(t, d.e.Busy() || d.st.RetryAt.After(d.clock), "the failed write is still pending")
			assert.True(t, hasIssue(d.st, vocab.IssueUnavailable), "a failed write leaves a sync issue")
			d.settle()
			assert.Equal(t, "proposal", d.crm[vocab.B].recs[b].values["stage"], "the change lands once the CRM recovers")
			assert.False(t, hasIssue(d.st, vocab.IssueUnavailable), "the issue clears when the write succeeds")
		})
	}
}

func TestRegressionStaleReadingNeverOverridesANewerOne(t *testing.T) {
	d, a, b := registered(t)
	stale := d.crm[vocab.B].reading(b) // a poll reading taken before our next write
	d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
	d.deliver(vocab.A, a)
	d.settle()
	require.Equal(t, "proposal", d.crm[vocab.B].recs[b].values["stage"])
	writes := d.crm[vocab.A].writes + d.crm[vocab.B].writes
	d.e.Receive(d.clock, Change{Side: vocab.B, RecordID: b, Reading: stale})
	d.settle()
	assert.Equal(t, "proposal", d.crm[vocab.A].recs[a].values["stage"], "the deal does not flip back")
	assert.Equal(t, "proposal", d.crm[vocab.B].recs[b].values["stage"])
	assert.Equal(t, writes, d.crm[vocab.A].writes+d.crm[vocab.B].writes, "a stale reading writes nothing")
	assert.Empty(t, d.st.Conflicts)

	// A partner's newer edit that the lagging reading hides is found by the engine's own read.
	d.crm[vocab.B].edit(b, map[string]string{"next_step": "send quote"})
	hidden := d.crm[vocab.B].reading(b)
	hidden.ModifiedAt = d.st.Parties[vocab.B].Stamp // stamped no newer than what the engine knows
	d.e.Receive(d.clock, Change{Side: vocab.B, RecordID: b, Reading: hidden})
	d.settle()
	assert.Equal(t, "send quote", d.crm[vocab.A].recs[a].values["next_step"], "a disagreeing old-stamped reading is verified, not dropped")
}

func TestRegressionEditedCoSellIDIsRestoredAndWritesGoToTheRecord(t *testing.T) {
	// A user overwrites the id on the mirror, or empties it (the feed routes a record with no id to its
	// deal by the record directory).
	for _, tc := range []struct{ name, id, shown string }{
		{"edited", "CS-TYPO", `was changed to "CS-TYPO"; it is restored to CS-1`},
		{"cleared", "", "was cleared; it is restored to CS-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, a, b := registered(t)
			d.crm[vocab.B].recs[b].coSellID = tc.id
			d.crm[vocab.B].edit(b, map[string]string{"amount": "2000"})
			d.deliver(vocab.B, b)
			d.settle()
			assert.Equal(t, "CS-1", d.crm[vocab.B].recs[b].coSellID, "the co-sell id is restored")
			require.True(t, hasIssue(d.st, vocab.IssueCoSellID), "and shown as a sync issue")
			for _, is := range d.st.Issues {
				if is.Kind == vocab.IssueCoSellID {
					assert.Contains(t, is.Message, tc.shown)
				}
			}
			assert.Equal(t, "2000", d.crm[vocab.A].recs[a].values["amount"], "the edit saved with it crosses")
			assert.Equal(t, []LinkedRecord{{vocab.A, a}, {vocab.B, b}}, d.e.Linked(), "the mirror stays the deal's")
			d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
			d.crm[vocab.B].recs[b].coSellID = "CS-TYPO-AGAIN"
			d.deliver(vocab.A, a)
			d.settle()
			assert.Equal(t, 1, d.crm[vocab.B].creates, "no second mirror: writes go to the linked record id")
			assert.Len(t, d.crm[vocab.B].recs, 1)
			assert.Equal(t, "proposal", d.crm[vocab.B].recs[b].values["stage"])
		})
	}
}

func TestRegressionDeletedMirror(t *testing.T) {
	t.Run("unlink", func(t *testing.T) {
		d, a, b := registered(t)
		delete(d.crm[vocab.B].recs, b)
		d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
		d.deliver(vocab.A, a)
		d.settle()
		assert.Empty(t, d.crm[vocab.B].recs, "the deleted mirror is not recreated")
		assert.True(t, d.st.Parties[vocab.B].Unlinked)
		assert.True(t, hasIssue(d.st, vocab.IssueDeleted))
		assert.True(t, hasNotice(d.st, vocab.Deleted), "both partners are told")
	})
	t.Run("recreate", func(t *testing.T) {
		d, a, b := registered(t)
		d.pol.OnDelete = vocab.Recreate
		d.e = New(d.pol, &d.st)
		delete(d.crm[vocab.B].recs, b)
		d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
		d.deliver(vocab.A, a)
		d.settle()
		m := d.crm[vocab.B].byCoSellID("CS-1")
		require.NotNil(t, m, "the mirror is recreated")
		assert.Equal(t, map[string]string{"name": "Initech", "stage": "proposal", "amount": "1000", "next_step": "call"}, m.values,
			"with the whole mapped record, not only the field that changed last")
		assert.Equal(t, []LinkedRecord{{vocab.A, a}, {vocab.B, m.id}}, d.e.Linked(), "the new mirror replaces the deleted one (%s)", b)
	})
}

func TestRegressionUnflaggedDealStopsCrossing(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.A].recs[a].enabled = false
	d.crm[vocab.A].edit(a, map[string]string{"next_step": "internal only: discount to 40%"})
	d.deliver(vocab.A, a)
	d.settle()
	assert.Equal(t, "call", d.crm[vocab.B].recs[b].values["next_step"], "nothing more crosses")
	assert.False(t, d.crm[vocab.B].recs[b].enabled, "the mirror is marked as no longer co-sold")
	assert.True(t, d.st.Paused)
	assert.True(t, hasNotice(d.st, vocab.Unflagged), "both partners are told")
	d.crm[vocab.B].edit(b, map[string]string{"amount": "5"})
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, "1000", d.crm[vocab.A].recs[a].values["amount"], "nothing crosses the other way either")

	d.crm[vocab.A].recs[a].enabled = true
	d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
	d.deliver(vocab.A, a)
	d.settle()
	assert.False(t, d.st.Paused, "flagging it again resumes")
	assert.True(t, d.crm[vocab.B].recs[b].enabled)
	assert.Equal(t, "proposal", d.crm[vocab.B].recs[b].values["stage"])
}

func TestRegressionRefusedCreationIsNoRegistration(t *testing.T) {
	d := newRegDeal(t)
	d.pol.Pilot = true
	d.pol.SLA.RegistrationAcceptance = 24 * time.Hour
	d.e = New(d.pol, &d.st)
	d.crm[vocab.B].refuse = true
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification"})
	d.deliver(vocab.A, a)
	d.settle()
	assert.Empty(t, d.crm[vocab.B].recs)
	assert.False(t, d.st.Registered)
	assert.Empty(t, d.st.SLAs, "no SLA runs against a record that does not exist")
	for _, ef := range d.e.TakeEffects() {
		if ef.Pilot != nil {
			assert.NotEqual(t, "registered", string(ef.Pilot.Kind), "the pilot counts no registration")
		}
	}
	require.True(t, hasIssue(d.st, vocab.IssueRegistration))
	assert.Contains(t, d.st.Issues[len(d.st.Issues)-1].Message, "VALIDATION_ERROR: dealname is required", "the CRM's own message")
	d.settle()
	assert.Zero(t, d.crm[vocab.B].writes, "not retried while nothing changed")

	d.crm[vocab.B].refuse = false
	d.crm[vocab.A].edit(a, map[string]string{"name": "Initech rollout"})
	d.deliver(vocab.A, a)
	d.settle()
	assert.NotNil(t, d.crm[vocab.B].byCoSellID("CS-1"), "tried again when the source changes")
	assert.True(t, d.st.Registered)
}

func TestRegressionStateIsBoundedAndCarriesNoNoteBodies(t *testing.T) {
	d, _, b := registered(t)
	var notes []NoteEvent
	for i := 0; i < 45; i++ {
		notes = append(notes, NoteEvent{Side: vocab.B, NoteID: fmt.Sprintf("n%d", i), Body: fmt.Sprintf("secret body %d", i)})
	}
	d.e.Receive(d.clock, Change{Side: vocab.B, RecordID: b, Notes: notes})
	mirrored := 0
	step := d.e.Next(d.clock)
	for ; step.Kind == Run; step = d.e.Next(d.clock) { // one round
		if step.Command.Kind == MirrorNote {
			mirrored++
		}
		d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
	}
	assert.Equal(t, maxNotesPerRound, mirrored, "one round mirrors a bounded number of notes")
	raw, err := json.Marshal(d.st)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "secret body", "the carried state holds note ids, never bodies")
	assert.Equal(t, d.clock, step.WakeAt, "the next round is due at once")
	d.settle()
	assert.Len(t, d.crm[vocab.A].notes, 45, "the rest follow in later rounds")
}

func TestRegressionNormalisedValueNeitherEchoesNorCountsAsActing(t *testing.T) {
	d := newRegDeal(t)
	d.pol.SLA.RegistrationAcceptance = 24 * time.Hour
	d.e = New(d.pol, &d.st)
	d.crm[vocab.B].normalise = strings.TrimSpace
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech ", "stage": "qualification"})
	d.deliver(vocab.A, a)
	d.settle()
	m := d.crm[vocab.B].byCoSellID("CS-1")
	require.NotNil(t, m)
	require.Equal(t, "registration", string(d.st.SLAs[0].Kind), "the registration waits for Globex")
	writes := d.crm[vocab.A].writes + d.crm[vocab.B].writes
	d.deliver(vocab.B, m.id) // HubSpot's echo of the trimmed name
	d.settle()
	assert.Equal(t, "Initech ", d.crm[vocab.A].recs[a].values["name"], "the trimmed form does not echo back")
	assert.Equal(t, writes, d.crm[vocab.A].writes+d.crm[vocab.B].writes)
	assert.Equal(t, "registration", string(d.st.SLAs[0].Kind), "a normalised value is not the partner acting")
}

func TestRegressionUnmappedEditMeetingAnEditIsALoggedConflict(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.A].edit(a, map[string]string{"stage": "??Negotiation/Review"})
	d.crm[vocab.B].edit(b, map[string]string{"stage": "proposal"})
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	d.settle()
	require.Len(t, d.st.Conflicts, 1, "the edit outside the value map takes part in the conflict")
	assert.Equal(t, "stage", d.st.Conflicts[0].Field)
	assert.Contains(t, d.st.Conflicts[0].ValueA, "Negotiation/Review")
	assert.Equal(t, "proposal", d.st.Conflicts[0].ValueB)
}

func TestRegressionNoWriteWhenNothingChanged(t *testing.T) {
	d, a, b := registered(t)
	writes := d.crm[vocab.A].writes + d.crm[vocab.B].writes
	for i := 0; i < 3; i++ {
		d.deliver(vocab.A, a)
		d.deliver(vocab.B, b)
		d.e.Receive(d.clock, Change{Side: vocab.A, RecordID: a}) // a bare trigger
		d.settle()
	}
	assert.Equal(t, writes, d.crm[vocab.A].writes+d.crm[vocab.B].writes)
}

func TestRegressionEditBetweenReadAndWriteIsNotOverwritten(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.A].conditional = true // Acme is on Salesforce, whose writes can be conditional
	d.crm[vocab.B].edit(b, map[string]string{"next_step": "send quote"})
	// The deal reads Acme's record before writing Globex's next step there; an Acme rep saves their own
	// next step between that read and the write.
	d.editBeforeWrite(vocab.A, a, map[string]string{"next_step": "legal review"})
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, "legal review", d.crm[vocab.A].recs[a].values["next_step"], "the rep's edit is not overwritten")
	assert.Equal(t, "legal review", d.crm[vocab.B].recs[b].values["next_step"], "the later edit wins and crosses")
	require.Len(t, d.st.Conflicts, 1, "the decision saw both edits: a logged conflict")
	assert.Equal(t, vocab.A, d.st.Conflicts[0].Winner)
	assert.Empty(t, d.st.Issues, "a write refused once is no sync issue")
	assert.Zero(t, d.st.RetryDelay, "and waits out no backoff")
}

func hasIssue(st State, kind string) bool {
	for _, is := range st.Issues {
		if is.Kind == kind {
			return true
		}
	}
	return false
}

func hasNotice(st State, ev vocab.Event) bool {
	for _, it := range st.Outbox {
		if it.Notice.Event == ev {
			return true
		}
	}
	return false
}

// The defects the model-based test (model_test.go) found in the engine, each as the smallest history
// that showed it. (The last one was in a first version of the fix for a lost create answer.)

func TestModelFoundEditsCrossingOnTheSameValueAreAConflict(t *testing.T) {
	d, a, b := registered(t)
	// Globex moves the deal to closed_won and the engine sees it; before that reaches Acme, an Acme rep
	// types closed_won too, and Globex moves on to a stage outside the value map.
	d.crm[vocab.B].edit(b, map[string]string{"stage": "closed_won"})
	d.deliver(vocab.B, b)
	d.crm[vocab.A].edit(a, map[string]string{"stage": "closed_won"})
	d.deliver(vocab.A, a)
	d.crm[vocab.B].edit(b, map[string]string{"stage": "??Review"})
	d.settle()
	// Globex's record was last known at closed_won before Acme's edit was known: the two edits crossed.
	require.NotEmpty(t, d.st.Conflicts, "crossing edits of one field are a logged conflict")
	assert.Equal(t, "stage", d.st.Conflicts[len(d.st.Conflicts)-1].Field)
}

func TestModelFoundUnflagWinsOverACrossingReflag(t *testing.T) {
	d, a, b := registered(t)
	// Both partners take the deal out of co-sell; Acme puts it back before the engine heard of Globex.
	d.crm[vocab.A].recs[a].enabled = false
	d.crm[vocab.A].edit(a, nil)
	d.crm[vocab.B].recs[b].enabled = false
	d.crm[vocab.B].edit(b, nil)
	d.deliver(vocab.A, a)
	d.crm[vocab.A].recs[a].enabled = true
	d.crm[vocab.A].edit(a, nil)
	d.settle()
	assert.True(t, d.st.Paused, "out of co-sell wins when an unflag and a re-flag cross")
	assert.False(t, d.crm[vocab.A].recs[a].enabled)
	assert.False(t, d.crm[vocab.B].recs[b].enabled)
	require.NotEmpty(t, d.st.Conflicts, "the crossing is a logged conflict")
	assert.Equal(t, FlagField, d.st.Conflicts[len(d.st.Conflicts)-1].Field)
}

func TestModelFoundRecreateTakesTheFieldFromTheLivingParty(t *testing.T) {
	d := newRegDeal(t)
	d.pol.OnDelete = vocab.Recreate
	d.pol.Rules[1].Conflict = vocab.PreferA // Acme's stage wins a conflict: but not once its record is gone
	d.e = New(d.pol, &d.st)
	// Acme's stage is outside the value map, so the mirror is made without one.
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "??Review", "amount": "1000", "next_step": "call"})
	d.deliver(vocab.A, a)
	d.settle()
	b := d.crm[vocab.B].byCoSellID("CS-1")
	require.NotNil(t, b)
	require.NotContains(t, b.values, "stage")
	// Acme deletes its record; Globex sets a stage and renames the deal.
	delete(d.crm[vocab.A].recs, a)
	d.crm[vocab.B].edit(b.id, map[string]string{"stage": "proposal", "name": "Initech EMEA"})
	d.deliver(vocab.B, b.id)
	d.settle()
	m := d.crm[vocab.A].byCoSellID("CS-1")
	require.NotNil(t, m, "Acme's record is recreated")
	assert.Equal(t, "proposal", m.values["stage"], "the deleted record's unmapped value went with it")
}

func TestModelFoundACreateAppliedWithoutAnAnswerIsNoEdit(t *testing.T) {
	d := newRegDeal(t)
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000", "next_step": "call"})
	// The mirror's create is applied, but its answer is lost; then Acme renames the deal, and the
	// next create fails before it is applied.
	d.crm[vocab.B].failNext = "after"
	d.deliver(vocab.A, a)
	d.stepUntil(func() bool { return d.crm[vocab.B].creates > 0 })
	require.Equal(t, 1, d.crm[vocab.B].creates)
	d.crm[vocab.A].edit(a, map[string]string{"name": "Initech Renewal"})
	d.deliver(vocab.A, a)
	d.crm[vocab.B].failNext = "before"
	d.settle()
	assert.Equal(t, "Initech Renewal", d.crm[vocab.A].recs[a].values["name"], "the first create's values are no edit of the mirror")
	assert.Equal(t, "Initech Renewal", d.crm[vocab.B].byCoSellID("CS-1").values["name"])
	assert.Empty(t, d.st.Conflicts)
}

func TestModelFoundAnUpdateAppliedWithoutAnAnswerIsNoEdit(t *testing.T) {
	// Found by the workflow model: Globex renames the deal twice; the write of the first name lands in
	// Acme's CRM but its answer is lost; after the backoff the engine must not take that name for
	// Acme's edit and write it back over Globex's newer one.
	d, a, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"name": "Initech EMEA"})
	d.deliver(vocab.B, b)
	d.crm[vocab.A].failNext = "after"
	d.stepUntil(func() bool { return d.crm[vocab.A].recs[a].values["name"] == "Initech EMEA" })
	require.Equal(t, "Initech EMEA", d.crm[vocab.A].recs[a].values["name"], "the write landed; its answer was lost")
	d.crm[vocab.B].edit(b, map[string]string{"name": "Initech Europe"})
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, "Initech Europe", d.crm[vocab.A].recs[a].values["name"])
	assert.Equal(t, "Initech Europe", d.crm[vocab.B].recs[b].values["name"], "Globex's newer edit stands")
	assert.Empty(t, d.st.Conflicts)
}

func TestModelFoundAReadingOfARecordALookFoundGoneIsStale(t *testing.T) {
	// Found by the model test: Globex's mirror is created but the answer is lost; a Globex user deletes
	// it; the engine's look by co-sell id finds nothing, and it creates a second mirror, whose answer is
	// lost too. The feed then delivers its reading of the first mirror, taken before the deletion: the
	// engine must not link the deal to that deleted record (and take the live mirror for a stray).
	d := newRegDeal(t)
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000", "next_step": "call"})
	d.deliver(vocab.A, a)
	createLost := func(n int) {
		d.crm[vocab.B].failNext = "after"
		d.stepUntil(func() bool { return d.crm[vocab.B].creates == n })
		require.Equal(t, n, d.crm[vocab.B].creates)
	}
	createLost(1)
	first := d.crm[vocab.B].byCoSellID("CS-1").id
	stale := d.crm[vocab.B].reading(first)
	delete(d.crm[vocab.B].recs, first)
	d.clock = d.st.RetryAt
	createLost(2)
	live := d.crm[vocab.B].byCoSellID("CS-1")
	require.NotEqual(t, first, live.id)
	d.crm[vocab.B].edit(live.id, map[string]string{"name": "Initech EMEA"})

	d.e.Receive(d.clock, Change{Side: vocab.B, RecordID: first, Reading: stale})
	d.settle()
	assert.Equal(t, live.id, d.st.Parties[vocab.B].RecordID, "the deal stays with the live mirror")
	assert.Equal(t, "Initech EMEA", d.crm[vocab.A].recs[a].values["name"], "the live mirror's edit flows")
	for _, is := range d.st.Issues {
		assert.NotEqual(t, vocab.IssueRegistration, is.Kind, "no stray-record issue: %s", is.Message)
	}
}

func TestModelFoundALostWriteStoredNormalisedIsNoEdit(t *testing.T) {
	// Found by the workflow model: Acme sets an amount with a tenth of a cent; HubSpot rounds it to
	// cents as it stores the engine's write, whose answer is lost; meanwhile Acme changes the amount
	// again. After the backoff the engine must take the rounded amount for its own write, not for a
	// Globex edit that beats Acme's newer one.
	d, a, b := registered(t)
	d.crm[vocab.B].normalise = func(v string) string {
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
		}
		return strings.TrimRight(v, " ")
	}
	d.crm[vocab.A].edit(a, map[string]string{"amount": "1002.001", "name": "Initech EMEA "})
	d.deliver(vocab.A, a)
	d.crm[vocab.B].failNext = "after"
	d.stepUntil(func() bool { return d.crm[vocab.B].recs[b].values["amount"] == "1002" })
	require.Equal(t, "1002", d.crm[vocab.B].recs[b].values["amount"], "the write landed, rounded; its answer was lost")
	require.Equal(t, "Initech EMEA", d.crm[vocab.B].recs[b].values["name"], "and trimmed")
	d.editHeardLate(vocab.A, a, map[string]string{"amount": "1001"})
	assert.Equal(t, "1001", d.crm[vocab.A].recs[a].values["amount"], "Acme's newer edit stands")
	assert.Equal(t, "1001", d.crm[vocab.B].recs[b].values["amount"])
	assert.Equal(t, "Initech EMEA ", d.crm[vocab.A].recs[a].values["name"], "the trimmed echo is no edit")
	assert.Empty(t, d.st.Conflicts, "the stored form of the engine's own write is no edit of Globex's")
}

func TestModelFoundAnEditCloseToALostWriteIsAnEdit(t *testing.T) {
	// Found by the workflow model while the stored forms above were too wide: Globex sets 1001.5, the
	// write to Acme fails before it is applied, and an Acme user types 1002. That is no form of 1001.5
	// a CRM stores (cents are kept), so it is Acme's edit, crossing Globex's: a conflict, and both
	// parties end on its winner.
	d, a, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"amount": "1001.5"})
	d.deliver(vocab.B, b)
	d.crm[vocab.A].failNext = "before"
	d.stepUntil(func() bool { return d.crm[vocab.A].failNext == "" })
	d.editHeardLate(vocab.A, a, map[string]string{"amount": "1002"})
	assert.Equal(t, "1002", d.crm[vocab.A].recs[a].values["amount"], "Acme's later edit wins")
	assert.Equal(t, "1002", d.crm[vocab.B].recs[b].values["amount"])
	require.NotEmpty(t, d.st.Conflicts, "the crossing edits are a logged conflict")
	assert.Equal(t, "amount", d.st.Conflicts[len(d.st.Conflicts)-1].Field)
}

func TestModelFoundADeliveredReadingLeavesAWriteInFlightUnsettled(t *testing.T) {
	// Found by the workflow model: Globex renames the deal twice; the engine's write of the first name
	// to Acme is in flight when an Acme user renames it too, and the feed delivers that edit. The
	// write then lands over it (HubSpot has no conditional write), its answer lost, and the feed
	// delivers the record showing the engine's own value. That is no Acme edit: Acme's rename, the
	// latest of the three, is what both parties end with, and the crossings are logged.
	d, a, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"name": "Initech EMEA"})
	d.deliver(vocab.B, b)
	d.crm[vocab.B].edit(b, map[string]string{"name": "Initech Europe"}) // the feed has not delivered it yet
	w := d.nextCommand(Write, vocab.A)
	require.Equal(t, "Initech EMEA", w.Write.Values["name"])
	d.crm[vocab.A].edit(a, map[string]string{"name": "Initech Global"})
	d.deliver(vocab.A, a)
	d.crm[vocab.A].failNext = "after"
	d.e.Done(d.clock, d.crm[vocab.A].run(w))
	require.Equal(t, "Initech EMEA", d.crm[vocab.A].recs[a].values["name"], "the write landed over Acme's rename; its answer was lost")
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, "Initech Global", d.crm[vocab.A].recs[a].values["name"], "Acme's rename, the latest edit, wins")
	assert.Equal(t, "Initech Global", d.crm[vocab.B].recs[b].values["name"])
	assert.NotEmpty(t, d.st.Conflicts)
}

func TestModelFoundAnUnmappedValueOverwrittenByALostWriteIsGone(t *testing.T) {
	// Found by the model test: stage prefers Acme. Globex moves the stage; the engine's write of it to
	// Acme is in flight when an Acme user picks a stage outside the value map. The write lands over
	// it, its answer lost; the feed delivers the Acme edit, which wins the conflict, but the value it
	// set no longer exists anywhere and cannot be written. Globex then moves the stage again: both
	// parties must end on one stage, not Acme on the engine's stale write and Globex on its own.
	d, a, b := registered(t)
	d.pol.Rules[1].Conflict = vocab.PreferA
	d.e = New(d.pol, &d.st)
	d.crm[vocab.B].edit(b, map[string]string{"stage": "proposal"})
	d.deliver(vocab.B, b)
	w := d.nextCommand(Write, vocab.A)
	require.Equal(t, "proposal", w.Write.Values["stage"])
	d.crm[vocab.A].edit(a, map[string]string{"stage": "??Review"})
	edited := d.crm[vocab.A].reading(a)
	d.crm[vocab.A].failNext = "after"
	d.e.Done(d.clock, d.crm[vocab.A].run(w))
	require.Equal(t, "proposal", d.crm[vocab.A].recs[a].values["stage"], "the write landed over Acme's edit; its answer was lost")
	d.e.Receive(d.clock, Change{Side: vocab.A, RecordID: a, Reading: edited})
	d.crm[vocab.B].edit(b, map[string]string{"stage": "negotiation"})
	d.settle()
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, d.crm[vocab.B].recs[b].values["stage"], d.crm[vocab.A].recs[a].values["stage"], "both parties hold one stage")
	assert.Equal(t, "negotiation", d.crm[vocab.A].recs[a].values["stage"], "Globex's edit, the only one left standing")
}

func TestModelFoundAnEditRacingTheReadBackOfOurWriteIsMirrored(t *testing.T) {
	// Found by the bench (cosell bench --edit-gap 0), then by the model test once its CRMs let a save
	// race a write's read-back: Globex changes the next step; the engine writes it to Acme, and an Acme
	// rep saves their own next step right after that write lands, before the write's activity reads
	// the record back. The read-back shows the rep's value, with a stamp that covers the rep's save.
	// The engine took that value for the stored form of its own write and the stamp for its last look,
	// so the feed's reading of the save was no news: the edit never reached Globex. It is Acme's edit,
	// made after Acme held Globex's value: it crosses to Globex once, with no conflict and no echo,
	// even when the feed never delivers the save.
	d, a, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"next_step": "send quote"})
	d.deliver(vocab.B, b)
	d.editAfterWrite(vocab.A, a, map[string]string{"next_step": "legal review"}, false)
	writesA, writesB := d.crm[vocab.A].writes, d.crm[vocab.B].writes
	d.settle()
	require.Nil(t, d.crm[vocab.A].afterWrite, "the rep saved right after the engine's write")
	assert.Equal(t, "legal review", d.crm[vocab.A].recs[a].values["next_step"], "the rep's save stands")
	assert.Equal(t, "legal review", d.crm[vocab.B].recs[b].values["next_step"], "and crosses to Globex")
	assert.Equal(t, writesA+1, d.crm[vocab.A].writes, "Acme got Globex's value once, and nothing after the rep's save")
	assert.Equal(t, writesB+1, d.crm[vocab.B].writes, "Globex got the rep's value once")
	assert.Empty(t, d.st.Conflicts, "the rep saved after Acme held Globex's value: no crossing edits")

	// The feed's readings of the save and of its mirror come late: nothing more is written.
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, writesA+1, d.crm[vocab.A].writes)
	assert.Equal(t, writesB+1, d.crm[vocab.B].writes)
	assert.Empty(t, d.st.Issues)
}

func TestModelFoundAnEditRacingTheReadBackInTheSecondOfOurWriteIsMirrored(t *testing.T) {
	// The same race on Salesforce, which stamps whole seconds and writes conditionally: the rep's save
	// lands in the second of the engine's write, so it carries the write's own stamp, and it changes a
	// field the engine did not write too. The feed's reading of the save is stamped no later than the
	// engine's last look: only its values can tell it is news.
	d, a, b := registered(t)
	d.crm[vocab.A].conditional = true
	d.crm[vocab.B].edit(b, map[string]string{"next_step": "send quote"})
	d.deliver(vocab.B, b)
	d.editAfterWrite(vocab.A, a, map[string]string{"next_step": "legal review", "amount": "1200"}, true)
	d.settle()
	require.Nil(t, d.crm[vocab.A].afterWrite, "the rep saved in the second of the engine's write")
	d.deliver(vocab.A, a) // the feed's reading of the save, stamped in the second of the engine's write
	d.settle()
	for _, f := range []string{"next_step", "amount"} {
		assert.Equal(t, d.crm[vocab.A].recs[a].values[f], d.crm[vocab.B].recs[b].values[f], "both parties agree on %s", f)
	}
	assert.Equal(t, "legal review", d.crm[vocab.B].recs[b].values["next_step"], "the rep's next step crosses to Globex")
	assert.Equal(t, "1200", d.crm[vocab.B].recs[b].values["amount"], "and the amount saved with it")
	assert.Empty(t, d.st.Conflicts)
	assert.Empty(t, d.st.Issues, "no write was refused by a stamp that covered the rep's save")
}

func TestARacedReadBackLeavesOurStoredFormsNoEdit(t *testing.T) {
	// With a racing save the read-back does not show how Acme's CRM stored the engine's write of the
	// field the rep saved. When the rep then undoes the save, the engine's read shows that write as
	// Acme stored it (trimmed): it is the engine's own write, neither echoed to Globex nor counted as
	// an edit of Acme's.
	d, a, b := registered(t)
	d.crm[vocab.A].normalise = func(v string) string { return strings.TrimRight(v, " ") }
	d.crm[vocab.B].edit(b, map[string]string{"name": "Initech EMEA ", "next_step": "send quote "})
	d.deliver(vocab.B, b)
	w := d.nextCommand(Write, vocab.A)
	require.Equal(t, "send quote ", w.Write.Values["next_step"])
	d.editAfterWrite(vocab.A, a, map[string]string{"next_step": "legal review"}, false)
	d.e.Done(d.clock, d.crm[vocab.A].run(w))
	require.Equal(t, "legal review", d.crm[vocab.A].recs[a].values["next_step"])
	d.crm[vocab.A].edit(a, map[string]string{"next_step": "send quote"}) // the rep undoes the save
	writesB := d.crm[vocab.B].writes
	d.settle()
	assert.Equal(t, "send quote ", d.crm[vocab.B].recs[b].values["next_step"], "the trimmed next step is no Acme edit")
	assert.Equal(t, "Initech EMEA ", d.crm[vocab.B].recs[b].values["name"], "nor the trimmed name")
	assert.Equal(t, writesB, d.crm[vocab.B].writes, "nothing echoes to Globex")
	assert.Empty(t, d.st.Conflicts)
}

func TestAnEditAfterALookOutranksAnEarlierEditInItsWholeSecond(t *testing.T) {
	// Salesforce stamps a save in whole seconds; HubSpot in milliseconds. Globex moves the stage at
	// S+0.3 s; Acme refuses it (a stale picklist), and the engine's look at Acme then still shows the old
	// stage. An Acme rep who never received Globex's stage then closes the deal lost at about S+0.6 s,
	// stamped S. By the stamps alone Globex's edit is the later one; but Acme was seen holding the old
	// stage after the engine learnt of Globex's edit, so Acme's edit came after it, and wins. A history
	// recorded before the rule (the gate says no) still settles by the stamps.
	eachGate(t, RuleSeenOrder, func(t *testing.T, on bool, gate func(string) bool) {
		d, a, b := registered(t)
		asked := 0
		d.e.SetGate(func(rule string) bool {
			if rule == RuleSeenOrder {
				asked++
			}
			return gate(rule)
		})
		d.crm[vocab.A].rejectField = "stage"
		sec := d.clock.Truncate(time.Second).Add(time.Second)
		rb := d.crm[vocab.B].recs[b]
		rb.values["stage"], rb.stamp = "proposal", sec.Add(300*time.Millisecond)
		d.clock = sec.Add(400 * time.Millisecond)
		d.deliver(vocab.B, b)
		for i := 0; i < 20; i++ { // each command takes 20 ms, as an activity does
			d.e.Tick(d.clock)
			step := d.e.Next(d.clock)
			if step.Kind != Run {
				break
			}
			d.clock = d.clock.Add(20 * time.Millisecond)
			d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
		}
		require.True(t, hasIssue(d.st, vocab.IssueRejected), "Acme refused Globex's stage")
		require.Equal(t, "qualification", d.crm[vocab.A].recs[a].values["stage"])
		require.True(t, d.clock.Before(sec.Add(600*time.Millisecond)), "the engine's look came before the rep's save: %s", d.clock)
		require.Zero(t, asked, "the gate is asked only when what was seen and the stamps disagree")

		d.clock = sec.Add(600 * time.Millisecond)
		ra := d.crm[vocab.A].recs[a]
		ra.values["stage"], ra.values["next_step"], ra.stamp = "closed_lost", "post-mortem", sec
		d.deliver(vocab.A, a)
		d.settle()
		assert.Equal(t, map[bool]string{true: "closed_lost", false: "proposal"}[on], d.crm[vocab.B].recs[b].values["stage"])
		assert.Equal(t, "post-mortem", d.crm[vocab.B].recs[b].values["next_step"], "the other field syncs either way")
		assert.Equal(t, 1, asked)
		require.NotEmpty(t, d.st.Conflicts, "the crossing edits are a logged conflict")
	})
}

func TestModelFoundAFieldNobodyWantsTakesTheValueAPartyHolds(t *testing.T) {
	// Acme's deal is mirrored to Globex, but the create's answer is lost. An Acme rep then moves the stage
	// to a value outside the value map and deletes the record. That value lived only in the deleted record,
	// so the stage wants what Globex holds; Globex has never been read, so it is not known yet. When
	// Globex's record is read it shows the stage the lost create wrote: the engine's own write, and no
	// edit, but the only stage any party holds. Acme's record is recreated with it. (Before the rule, and
	// in histories recorded before it, the stage stayed unwanted, and the recreated record had none.)
	eachGate(t, RuleHeldValue, func(t *testing.T, on bool, gate func(string) bool) {
		d := newRegDealWith(t, func(p *Policy) { p.OnDelete = vocab.Recreate })
		d.e.SetGate(gate)
		a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000", "next_step": "call"})
		d.crm[vocab.B].failNext = "after"
		d.deliver(vocab.A, a)
		d.stepUntil(func() bool { return d.crm[vocab.B].byCoSellID("CS-1") != nil })
		require.NotNil(t, d.crm[vocab.B].byCoSellID("CS-1"), "the mirror was created; its answer was lost")
		d.crm[vocab.A].edit(a, map[string]string{"stage": "??Review 2"})
		d.deliver(vocab.A, a)
		delete(d.crm[vocab.A].recs, a)
		d.e.Receive(d.clock, Change{Side: vocab.A, RecordID: a}) // a change event, with no reading: the engine reads
		d.settle()
		d.deliver(vocab.B, d.crm[vocab.B].byCoSellID("CS-1").id) // the feed's reading of Globex's record
		d.settle()
		ra := d.crm[vocab.A].byCoSellID("CS-1")
		require.NotNil(t, ra, "Acme's record is recreated")
		assert.Equal(t, map[bool]string{true: "qualification", false: ""}[on], ra.values["stage"], "with the stage Globex holds")
		assert.Equal(t, "qualification", d.crm[vocab.B].byCoSellID("CS-1").values["stage"])
	})
}

func TestModelFoundAValueTypedOnBothSidesInOneSecondKeepsBothSources(t *testing.T) {
	// In one whole second (Salesforce's stamps): a Globex rep moves the stage to proposal, and the engine
	// learns of it; an Acme rep had typed proposal too, and then moves the stage back to qualification.
	// The feed's reading of Acme's proposal comes in after Globex's: by the stamps, a tie, so the order
	// of the two proposals is not known. Acme's move back may then have crossed Globex's proposal: it is
	// a logged conflict, not a follow-up of Acme's own proposal that overwrites Globex's silently.
	eachGate(t, RuleTiedSource, func(t *testing.T, on bool, gate func(string) bool) {
		d, a, b := registered(t)
		d.e.SetGate(gate)
		sec := d.clock.Truncate(time.Second).Add(time.Second)
		rb := d.crm[vocab.B].recs[b]
		rb.values["stage"], rb.stamp = "proposal", sec
		d.clock = sec.Add(100 * time.Millisecond)
		d.deliver(vocab.B, b)
		ra := d.crm[vocab.A].recs[a]
		ra.values["stage"], ra.stamp = "proposal", sec
		early := d.crm[vocab.A].reading(a)
		ra.values["stage"] = "qualification" // within the same second: the same stamp
		d.clock = sec.Add(200 * time.Millisecond)
		d.e.Receive(d.clock, Change{Side: vocab.A, RecordID: a, Reading: early})
		d.settle()
		d.deliver(vocab.A, a) // the feed's reading of the move back, with the same stamp
		d.settle()
		var stage []Conflict
		for _, c := range d.st.Conflicts {
			if c.Field == "stage" {
				stage = append(stage, c)
			}
		}
		assert.Len(t, stage, map[bool]int{true: 1, false: 0}[on], "%+v", d.st.Conflicts)
		assert.Equal(t, d.crm[vocab.A].recs[a].values["stage"], d.crm[vocab.B].recs[b].values["stage"], "both sides agree")
	})
}

func TestModelFoundAWriteLandingOverAnUnmappedWantLetsItGo(t *testing.T) {
	// Stage conflicts go to Globex (prefer_b). Acme moves the stage to proposal, and the engine writes it
	// to Globex. While that write is in flight, the feed brings a Globex save from before it: a stage
	// outside the value map, which wins the conflict and becomes the wanted value. The write then lands
	// over it, as its answer shows: that value exists nowhere now. Acme's next stage must still flow;
	// before the rule the engine kept wanting the lost value and judged every later edit against it.
	eachGate(t, RuleLandedOverUnmapped, func(t *testing.T, on bool, gate func(string) bool) {
		d := newRegDealWith(t, func(p *Policy) {
			for i := range p.Rules {
				if p.Rules[i].Field == "stage" {
					p.Rules[i].Conflict = vocab.PreferB
				}
			}
		})
		d.e.SetGate(gate)
		a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000", "next_step": "call"})
		d.deliver(vocab.A, a)
		d.settle()
		b := d.crm[vocab.B].byCoSellID("CS-1").id

		d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
		d.deliver(vocab.A, a)
		w := d.nextCommand(Write, vocab.B)
		require.Equal(t, "proposal", w.Write.Values["stage"])
		d.crm[vocab.B].edit(b, map[string]string{"stage": "??Review 4"}) // saved before the write lands
		d.deliver(vocab.B, b)
		require.True(t, isUnmapped(d.st.Fields["stage"].Value), "Globex's stage wins the conflict")
		d.e.Done(d.clock, d.crm[vocab.B].run(w)) // lands over it
		d.settle()
		require.Equal(t, "proposal", d.crm[vocab.B].recs[b].values["stage"])

		d.crm[vocab.A].edit(a, map[string]string{"stage": "negotiation"})
		d.deliver(vocab.A, a)
		d.settle()
		assert.Equal(t, map[bool]string{true: "negotiation", false: "proposal"}[on], d.crm[vocab.B].recs[b].values["stage"], "Acme's next stage flows")
	})
}
