package engine

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/vocab"
)

// lastDecision returns the newest entry of the given kind.
func lastDecision(st *State, kind DecisionKind) (Decision, bool) {
	for i := len(st.Decisions) - 1; i >= 0; i-- {
		if st.Decisions[i].Kind == kind {
			return st.Decisions[i], true
		}
	}
	return Decision{}, false
}

func fieldOf(d Decision, field string) (FieldReason, bool) {
	for _, f := range d.Fields {
		if f.Field == field {
			return f, true
		}
	}
	return FieldReason{}, false
}

func TestDecisionLogExplainsTheCreateAndEveryWrite(t *testing.T) {
	d, _, b := registered(t)
	create, ok := lastDecision(&d.st, DecidedCreate)
	require.True(t, ok, "the mirror's create is logged: %+v", d.st.Decisions)
	assert.Equal(t, vocab.B, create.Side)
	name, ok := fieldOf(create, "name")
	require.True(t, ok)
	assert.Equal(t, FieldReason{Field: "name", Value: "Initech", From: vocab.A, Rule: "both, last_writer_wins", Reason: "Acme changed it"}, name)

	// Globex edits the amount: the write to Acme names Globex as the side that changed it.
	d.crm[vocab.B].edit(b, map[string]string{"amount": "2500"})
	d.deliver(vocab.B, b)
	d.settle()
	w, ok := lastDecision(&d.st, DecidedWrite)
	require.True(t, ok)
	assert.Equal(t, vocab.A, w.Side)
	assert.Positive(t, w.Seq)
	assert.Equal(t, []FieldReason{{Field: "amount", Value: "2500", From: vocab.B, Rule: "both, last_writer_wins", Reason: "Globex changed it"}}, w.Fields)
	assert.False(t, w.Echoed)
}

func TestDecisionLogRecordsTheEchoItSuppressedOnce(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"stage": "proposal"})
	d.deliver(vocab.B, b)
	d.settle()
	require.Equal(t, "proposal", d.crm[vocab.A].recs[a].values["stage"])
	writes := d.crm[vocab.A].writes + d.crm[vocab.B].writes

	// Acme's feed now delivers its record, which shows the deal's own write: an echo, not an edit.
	d.deliver(vocab.A, a)
	d.settle()
	assert.Equal(t, writes, d.crm[vocab.A].writes+d.crm[vocab.B].writes, "nothing is written back")
	echo, ok := lastDecision(&d.st, DecidedEcho)
	require.True(t, ok, "the echo is logged: %+v", d.st.Decisions)
	w, _ := lastDecision(&d.st, DecidedWrite)
	assert.Equal(t, vocab.A, echo.Side)
	assert.Equal(t, w.Seq, echo.Seq, "the echo names the write it carried back")
	stage, ok := fieldOf(echo, "stage")
	require.True(t, ok)
	assert.Equal(t, "proposal", stage.Value)
	assert.Equal(t, vocab.B, stage.From)
	assert.True(t, w.Echoed)

	n := len(d.st.Decisions)
	d.deliver(vocab.A, a) // the overlap window delivers it again
	d.settle()
	assert.Len(t, d.st.Decisions, n, "one echo per write")
}

func TestDecisionLogTakesNoUserEditForAnEcho(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"stage": "proposal"})
	d.deliver(vocab.B, b)
	d.settle()
	d.crm[vocab.A].edit(a, map[string]string{"stage": "negotiation"}) // a rep changes it right after
	d.deliver(vocab.A, a)
	d.settle()
	_, ok := lastDecision(&d.st, DecidedEcho)
	assert.False(t, ok, "a reading that does not show the write as stored is no echo: %+v", d.st.Decisions)
	w, _ := lastDecision(&d.st, DecidedWrite)
	assert.Equal(t, vocab.B, w.Side, "Acme's edit is written to Globex")
	stage, _ := fieldOf(w, "stage")
	assert.Equal(t, "negotiation", stage.Value)
	assert.Equal(t, vocab.A, stage.From)
}

func TestDecisionLogRecordsAConflictAndTheWriteItDecided(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.A].conditional = true
	d.crm[vocab.B].edit(b, map[string]string{"next_step": "send quote"})
	d.editBeforeWrite(vocab.A, a, map[string]string{"next_step": "legal review"})
	d.deliver(vocab.B, b)
	d.settle()
	require.Len(t, d.st.Conflicts, 1)
	c, ok := lastDecision(&d.st, DecidedConflict)
	require.True(t, ok)
	assert.Equal(t, vocab.A, c.Side, "Acme's later edit won")
	assert.Equal(t, "settled by policy last_writer_wins", c.Note)
	f, _ := fieldOf(c, "next_step")
	assert.Equal(t, "legal review", f.Value)
	assert.Equal(t, "Acme's edit won over send quote", f.Reason)

	w, ok := lastDecision(&d.st, DecidedWrite)
	require.True(t, ok)
	assert.Equal(t, vocab.B, w.Side)
	f, _ = fieldOf(w, "next_step")
	assert.Equal(t, "Acme changed it; it won a conflict (settled by policy last_writer_wins)", f.Reason)
}

func TestDecisionLogRecordsTheCRMsRefusal(t *testing.T) {
	d, _, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"stage": "proposal", "amount": "9000"})
	d.deliver(vocab.B, b)
	refused := false
	for i := 0; i < 20; i++ {
		step := d.e.Next(d.clock)
		if step.Kind != Run {
			break
		}
		cmd := step.Command
		if cmd.Kind == Write && cmd.Side == vocab.A && !refused {
			refused = true
			d.e.Done(d.clock, Result{Seq: cmd.Seq, Failure: &Failure{Kind: Rejected, CRM: "salesforce",
				Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", Message: "bad value for restricted picklist field: Proposal", Fields: []string{"stage"}}})
			continue
		}
		d.e.Done(d.clock, d.crm[cmd.Side].run(cmd))
	}
	require.True(t, refused)
	r, ok := lastDecision(&d.st, DecidedRefused)
	require.True(t, ok, "%+v", d.st.Decisions)
	assert.Equal(t, vocab.A, r.Side)
	assert.Equal(t, "salesforce: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad value for restricted picklist field: Proposal", r.Note)
	f, ok := fieldOf(r, "stage")
	require.True(t, ok)
	assert.Equal(t, "proposal", f.Value)
	assert.Contains(t, f.Reason, "refused by the CRM")
	w, ok := lastDecision(&d.st, DecidedWrite)
	require.True(t, ok, "the amount is written without the refused stage")
	assert.Equal(t, vocab.A, w.Side)
	_, hasStage := fieldOf(w, "stage")
	assert.False(t, hasStage)
	amount, _ := fieldOf(w, "amount")
	assert.Equal(t, "9000", amount.Value)
}

func TestDecisionLogIsABoundedRingThatSurvivesContinueAsNew(t *testing.T) {
	d, _, b := registered(t)
	for i := 0; i < maxDecisions+10; i++ {
		d.crm[vocab.B].edit(b, map[string]string{"amount": fmt.Sprint(3000 + i), "next_step": string(make([]rune, 200))})
		d.deliver(vocab.B, b)
		d.settle()
	}
	require.Len(t, d.st.Decisions, maxDecisions, "the oldest entries are dropped")
	last := d.st.Decisions[len(d.st.Decisions)-1]
	amount, _ := fieldOf(last, "amount")
	assert.Equal(t, fmt.Sprint(3000+maxDecisions+9), amount.Value, "the newest entry is kept last")
	next, _ := fieldOf(last, "next_step")
	assert.LessOrEqual(t, len([]rune(next.Value)), maxDecisionValue, "long values are cut")

	raw, err := json.Marshal(d.st)
	require.NoError(t, err)
	var back State
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.Equal(t, d.st.Decisions, back.Decisions, "the log rides continue-as-new")
}

func TestDecisionLogTakesNoSaveRacingTheReadBackForTheWrite(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"next_step": "send quote"})
	d.deliver(vocab.B, b)
	raced := false
	for i := 0; i < 20; i++ {
		step := d.e.Next(d.clock)
		if step.Kind != Run {
			break
		}
		cmd := step.Command
		res := d.crm[cmd.Side].run(cmd)
		if cmd.Kind == Write && cmd.Side == vocab.A && !raced {
			raced = true // a rep saves right after the write, before its read-back
			d.crm[vocab.A].edit(a, map[string]string{"next_step": "legal review"})
			res.Written.Stored = map[string]string{"next_step": "legal review"}
		}
		d.e.Done(d.clock, res)
	}
	require.True(t, raced)
	var w Decision
	for _, x := range d.st.Decisions {
		if x.Kind == DecidedWrite && x.Side == vocab.A {
			w = x
			break
		}
	}
	f, ok := fieldOf(w, "next_step")
	require.True(t, ok, "%+v", d.st.Decisions)
	assert.Equal(t, "send quote", f.Value)
	assert.Empty(t, f.Stored, "the rep's save is not the write's stored form")
	for _, x := range d.st.Decisions {
		assert.NotEqual(t, DecidedEcho, x.Kind, "the rep's save is no echo: %+v", x)
	}
}
