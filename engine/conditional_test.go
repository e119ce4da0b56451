package engine

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/vocab"
)

// Unit tests of conditional writes: a write to a linked record carries the stamp it was decided on, and
// a Modified failure makes the engine look again at once, a bounded number of times.

// nextCommand runs the engine until it issues a command of kind on side s, and returns it unanswered.
func (d *regDeal) nextCommand(kind Kind, s vocab.Side) Command {
	d.t.Helper()
	for i := 0; i < 50; i++ {
		step := d.e.Next(d.clock)
		require.Equal(d.t, Run, step.Kind, "the engine went idle before a %s of %s", kind, s)
		if step.Command.Kind == kind && step.Command.Side == s {
			return step.Command
		}
		d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
	}
	d.t.Fatalf("no %s of %s", kind, s)
	return Command{}
}

func TestWriteCarriesTheStampItWasDecidedOn(t *testing.T) {
	d := newRegDeal(t)
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification"})
	d.deliver(vocab.A, a)
	create := d.nextCommand(Write, vocab.B)
	require.True(t, create.Write.Create)
	assert.Zero(t, create.Write.UnmodifiedSince, "a create is an upsert by co-sell id: no condition")
	d.e.Done(d.clock, d.crm[vocab.B].run(create))
	d.settle()
	b := d.crm[vocab.B].byCoSellID("CS-1").id

	d.crm[vocab.B].edit(b, map[string]string{"stage": "proposal"})
	d.deliver(vocab.B, b)
	w := d.nextCommand(Write, vocab.A)
	assert.Equal(t, d.crm[vocab.A].recs[a].stamp, w.Write.UnmodifiedSince, "the stamp of the read the write was decided on")
	assert.Equal(t, d.st.Parties[vocab.A].Stamp, w.Write.UnmodifiedSince)
}

func TestModifiedFailureReadsAgainAtOnceAndDecidesAgain(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"amount": "2000"})
	d.deliver(vocab.B, b)
	w := d.nextCommand(Write, vocab.A)
	d.crm[vocab.A].edit(a, map[string]string{"next_step": "legal review"}) // another field, edited meanwhile
	d.e.Done(d.clock, Result{Seq: w.Seq, Failure: &Failure{Kind: Modified, CRM: "salesforce", Message: "modified"}})

	assert.True(t, d.st.Parties[vocab.A].NeedRead)
	assert.False(t, d.st.RetryAt.After(d.clock), "no backoff")
	assert.Empty(t, d.st.Issues, "no sync issue")
	step := d.e.Next(d.clock)
	require.Equal(t, Run, step.Kind)
	assert.Equal(t, Command{Seq: step.Command.Seq, Kind: Read, Side: vocab.A, RecordID: a, CoSellID: "CS-1"}, step.Command, "a read of that party comes first")
	d.e.Done(d.clock, d.crm[vocab.A].run(step.Command))

	again := d.nextCommand(Write, vocab.A)
	assert.Equal(t, map[string]string{"amount": "2000"}, again.Write.Values, "the same value, decided again")
	assert.Equal(t, d.crm[vocab.A].recs[a].stamp, again.Write.UnmodifiedSince, "on the newer look")
	d.e.Done(d.clock, d.crm[vocab.A].run(again))
	d.settle()
	assert.Equal(t, "legal review", d.crm[vocab.B].recs[b].values["next_step"], "the edit the refusal revealed crosses too")
	assert.Equal(t, "2000", d.crm[vocab.A].recs[a].values["amount"])
}

func TestModifiedFailureOfOurOwnLandedWriteConverges(t *testing.T) {
	// The write landed but its answer was lost; the retry's condition fails on the write itself.
	d, _, b := registered(t)
	d.crm[vocab.B].edit(b, map[string]string{"amount": "2000"})
	d.deliver(vocab.B, b)
	w := d.nextCommand(Write, vocab.A)
	d.crm[vocab.A].run(w) // applied; the answer never arrives
	d.e.Done(d.clock, Result{Seq: w.Seq, Failure: &Failure{Kind: Modified, Message: "modified"}})
	writes := d.crm[vocab.A].writes
	d.settle()
	assert.Equal(t, writes, d.crm[vocab.A].writes, "the read finds the value written: nothing is written again")
	assert.Empty(t, d.st.Conflicts, "and our own write is no edit")
	assert.Empty(t, d.st.Issues)
}

func TestRecordThatKeepsChangingBacksOffAfterABoundedNumberOfLooks(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.A].conditional = true
	edits := 0
	var racer func()
	racer = func() { // a user (or an automation) saves before each of the deal's writes
		edits++
		d.crm[vocab.A].edit(a, map[string]string{"name": "Initech"}) // the same value: only the stamp moves
		d.crm[vocab.A].beforeWrite = racer
	}
	d.crm[vocab.A].beforeWrite = racer
	d.crm[vocab.B].edit(b, map[string]string{"amount": "2000"})
	d.deliver(vocab.B, b)
	for i := 0; i < 30 && !d.st.RetryAt.After(d.clock); i++ {
		step := d.e.Next(d.clock)
		require.Equal(t, Run, step.Kind)
		d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
	}
	assert.Equal(t, maxRaces+1, edits, "read again at once %d times, then it waits", maxRaces)
	assert.True(t, d.st.RetryAt.After(d.clock), "a backoff")
	require.True(t, hasIssue(d.st, vocab.IssueUnavailable), "shown as a sync issue")
	assert.Contains(t, d.st.Issues[0].Message, "keeps changing")
	assert.True(t, d.st.Parties[vocab.A].NeedRead, "and the retry reads first")

	d.crm[vocab.A].beforeWrite = nil // the automation stops
	d.settle()
	assert.Equal(t, "2000", d.crm[vocab.A].recs[a].values["amount"])
	assert.Empty(t, d.st.Issues, "the issue clears once the write lands")

	// The bound is per round: the next round may look again at once.
	d.editBeforeWrite(vocab.A, a, nil)
	d.crm[vocab.B].edit(b, map[string]string{"amount": "3000"})
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, "3000", d.crm[vocab.A].recs[a].values["amount"])
	assert.Empty(t, d.st.Issues)
	assert.Equal(t, 1, d.st.Parties[vocab.A].Races)
}

// A CRM without conditional writes (HubSpot) ignores the condition: an edit landing between the read
// and the write is overwritten. This is the residual race ARCHITECTURE.md documents.
func TestWithoutConditionalWritesAnEditBetweenReadAndWriteIsOverwritten(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.A].edit(a, map[string]string{"next_step": "send quote"})
	d.editBeforeWrite(vocab.B, b, map[string]string{"next_step": "legal review"})
	d.deliver(vocab.A, a)
	d.settle()
	assert.Equal(t, "send quote", d.crm[vocab.B].recs[b].values["next_step"], "the HubSpot edit is lost")
	assert.Empty(t, d.st.Conflicts, "unseen by the decision")
}

func TestConditionTravelsOnlyWhenSet(t *testing.T) {
	raw, err := json.Marshal(WriteCmd{Values: map[string]string{"name": "x"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"values":{"name":"x"}}`, string(raw), "no key for a write without condition: older histories replay byte for byte")
	at := time.Date(2026, 12, 1, 9, 0, 5, 0, time.UTC)
	raw, err = json.Marshal(WriteCmd{UnmodifiedSince: at})
	require.NoError(t, err)
	var back WriteCmd
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.True(t, at.Equal(back.UnmodifiedSince))

	var st State
	require.NoError(t, json.Unmarshal([]byte(`{"parties":{"a":{"recordId":"r","observed":3}}}`), &st), "a state carried from before")
	assert.Zero(t, st.Parties[vocab.A].Races)
}
