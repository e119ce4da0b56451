package engine

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/vocab"
)

// The scripted CRMs of regression_test.go store canonical values; a mapping edit is shown by changing
// what a record reads as without moving its stamp (nobody edited it: the new mapping reads it so).

// newMapping returns the deal's policy with a stage value map of the given canonical values, under
// mapping version "m-2".
func newMapping(d *regDeal, stages ...string) Policy {
	pol := d.pol
	pol.Mapping = "m-2"
	pol.Rules = slices.Clone(pol.Rules)
	for i := range pol.Rules {
		if pol.Rules[i].Field == "stage" {
			pol.Rules[i].Values = stages
		}
	}
	return pol
}

// readings reads both parties' records as the CLI's preview does.
func (d *regDeal) readings() map[vocab.Side]Reading {
	out := map[vocab.Side]Reading{}
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		if id := d.st.Parties[s].RecordID; id != "" {
			out[s] = *d.crm[s].reading(id)
		}
	}
	return out
}

// remapWrites applies a remap to the deal itself, runs it to rest and returns the writes it issued,
// in the form of previewedWrites.
func (d *regDeal) remapWrites(pol Policy) []string {
	d.e.SetPolicy(pol)
	d.e.Remap()
	var out []string
	for i := 0; i < 50; i++ {
		step := d.e.Next(d.clock)
		if step.Kind != Run {
			break
		}
		if w := step.Command.Write; step.Command.Kind == Write {
			out = append(out, fmt.Sprintf("write %s %v", step.Command.Side, w.Values))
		}
		d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
	}
	require.False(d.t, d.e.Busy(), "the remap settles")
	return out
}

// quiet returns a registered deal whose feeds delivered every change, the co-sell id stamp included
// (the workflow hands the engine the stamped record; the scripted CRMs do not): the engine's last
// look at each record is its latest version.
func quiet(t *testing.T) (*regDeal, string, string) {
	d, a, b := registered(t)
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	d.settle()
	return d, a, b
}

func previewedWrites(p Preview) []string {
	var out []string
	for _, w := range p.Writes {
		vals := map[string]string{}
		for _, c := range w.Changes {
			vals[c.Field] = c.New
		}
		out = append(out, fmt.Sprintf("write %s %v", w.Side, vals))
	}
	return out
}

func TestRemapWritesTheDealsValueInTheNewMappingsTerms(t *testing.T) {
	d, a, b := quiet(t)
	// The value map's HubSpot entry for qualification changed: the mirror's stage, untouched, now
	// reads as a value outside the map.
	d.crm[vocab.B].recs[b].values["stage"] = "??qualifiedtobuy"
	pol := newMapping(d, "qualification", "proposal")

	before := d.st
	p, err := PreviewRemap(pol, d.st, d.clock, d.readings())
	require.NoError(t, err)
	assert.Equal(t, before.Fields["stage"], d.st.Fields["stage"], "a preview changes nothing of the deal")
	require.Len(t, p.Writes, 1, "one write: the mirror's stage")
	w := p.Writes[0]
	assert.Equal(t, vocab.B, w.Side)
	assert.Equal(t, b, w.RecordID)
	require.Len(t, w.Changes, 1)
	ch := w.Changes[0]
	assert.Equal(t, "stage", ch.Field)
	assert.Equal(t, "??qualifiedtobuy (unmapped)", Display(ch.Old))
	assert.Equal(t, "qualification", ch.New)
	assert.True(t, ch.Remapped)
	assert.Equal(t, vocab.A, ch.From, "the value is the one Acme's edit set")
	assert.Contains(t, ch.Why, "the mapping changed")
	assert.Contains(t, ch.Why, "direction both")
	assert.Equal(t, []RebasedField{{Field: "stage", Old: "qualification", New: unmappedValue("??qualifiedtobuy")}}, p.Rebased[vocab.B])
	assert.Empty(t, p.Conflicts)
	assert.Empty(t, p.Changed)

	aWrites, bWrites := d.crm[vocab.A].writes, d.crm[vocab.B].writes
	got := d.remapWrites(pol)
	assert.Equal(t, previewedWrites(p), got, "the deal writes exactly what the preview said")
	assert.Equal(t, "qualification", d.crm[vocab.B].recs[b].values["stage"])
	assert.Equal(t, aWrites, d.crm[vocab.A].writes, "nothing is written to Acme")
	assert.Equal(t, bWrites+1, d.crm[vocab.B].writes)
	assert.Empty(t, d.st.Conflicts, "a mapping change is no conflict")
	assert.Equal(t, "m-2", d.st.Mapping, "the deal records the mapping it synced with")
	assert.False(t, d.e.Remapping())
	last := d.st.Decisions[len(d.st.Decisions)-1]
	assert.Equal(t, DecidedWrite, last.Kind)
	require.Len(t, last.Fields, 1)
	assert.Contains(t, last.Fields[0].Reason, "the mapping changed: Globex's record reads", "the decision log says why the remap wrote")
	_ = a
}

func TestWithoutARemapTheNewMappingsReadingIsAnEdit(t *testing.T) {
	// Why the remap exists: read as usual, the mapping's new reading of the mirror is Globex's edit,
	// which becomes the deal's value (one that cannot be written anywhere).
	d, _, b := quiet(t)
	d.crm[vocab.B].recs[b].values["stage"] = "??qualifiedtobuy"
	d.e.SetPolicy(newMapping(d, "qualification", "proposal"))
	d.st.Parties[vocab.B].NeedRead = true
	d.settle()
	assert.Equal(t, unmappedValue("??qualifiedtobuy"), d.st.Fields["stage"].Value)
	assert.Equal(t, vocab.B, d.st.Fields["stage"].From)
}

func TestRemapReplacesAWantedValueTheMappingNoLongerHas(t *testing.T) {
	d, a, b := quiet(t)
	// Canonical qualification was renamed qualify: Acme's record reads qualify under the new mapping,
	// Globex's a value the new map does not list.
	d.crm[vocab.A].recs[a].values["stage"] = "qualify"
	d.crm[vocab.B].recs[b].values["stage"] = "??old"
	pol := newMapping(d, "qualify", "proposal")
	p, err := PreviewRemap(pol, d.st, d.clock, d.readings())
	require.NoError(t, err)
	require.Len(t, p.Writes, 1)
	ch := p.Writes[0].Changes[0]
	assert.Equal(t, vocab.B, p.Writes[0].Side)
	assert.Equal(t, "qualify", ch.New)
	assert.True(t, ch.Remapped)
	assert.Contains(t, ch.Why, "no longer has qualification")
	assert.Equal(t, previewedWrites(p), d.remapWrites(pol))
	assert.Equal(t, Want{Value: "qualify", From: vocab.A, At: d.st.Fields["stage"].At, Known: d.st.Fields["stage"].Known}, *d.st.Fields["stage"])
	assert.Equal(t, "qualify", d.crm[vocab.B].recs[b].values["stage"])
}

func TestRemapWritesNothingWhenTheMappingReadsEveryRecordAlike(t *testing.T) {
	d, _, _ := quiet(t)
	pol := newMapping(d, "qualification", "proposal")
	p, err := PreviewRemap(pol, d.st, d.clock, d.readings())
	require.NoError(t, err)
	assert.Empty(t, p.Writes)
	assert.Empty(t, p.Rebased)
	assert.Empty(t, d.remapWrites(pol))
	assert.Equal(t, "m-2", d.st.Mapping, "the remap's round records the mapping")
}

func TestRemapTakesAChangedRecordsDifferencesAsEdits(t *testing.T) {
	d, a, b := quiet(t)
	d.crm[vocab.B].edit(b, map[string]string{"next_step": "demo"}) // the stamp moves
	d.crm[vocab.B].recs[b].values["stage"] = "proposal"
	p, err := PreviewRemap(newMapping(d, "qualification", "proposal"), d.st, d.clock, d.readings())
	require.NoError(t, err)
	assert.Equal(t, []vocab.Side{vocab.B}, p.Changed)
	assert.Empty(t, p.Rebased[vocab.B])
	require.Len(t, p.Writes, 1)
	assert.Equal(t, vocab.A, p.Writes[0].Side)
	assert.Equal(t, a, p.Writes[0].RecordID)
	byField := map[string]FieldChange{}
	for _, c := range p.Writes[0].Changes {
		byField[c.Field] = c
	}
	assert.Equal(t, "proposal", byField["stage"].New)
	assert.False(t, byField["stage"].Remapped)
	assert.Equal(t, "Globex changed it (direction both, conflict policy last_writer_wins)", byField["next_step"].Why)
}

func TestExplainNamesTheConflictThatSettledAValue(t *testing.T) {
	d, a, b := quiet(t)
	d.crm[vocab.A].edit(a, map[string]string{"amount": "2000"})
	d.crm[vocab.B].edit(b, map[string]string{"amount": "3000"})
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	var why string
	for i := 0; i < 20; i++ {
		step := d.e.Next(d.clock)
		if step.Kind != Run {
			break
		}
		if step.Command.Kind == Write {
			for _, c := range d.e.Explain(step.Command) {
				if c.Field == "amount" {
					why = c.Why
				}
			}
		}
		d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
	}
	require.NotEmpty(t, why, "the amount was written")
	assert.Contains(t, why, "Globex changed it; it won a conflict (settled by policy last_writer_wins) (direction both, conflict policy last_writer_wins)")
}

func TestRemapWritesNoValueTheNewMappingDoesNotHave(t *testing.T) {
	// qualification was removed from the value map: both records now read as values outside it, and
	// the deal's value cannot be written to either.
	d, a, b := quiet(t)
	d.crm[vocab.A].recs[a].values["stage"] = "??Qualification"
	d.crm[vocab.B].recs[b].values["stage"] = "??qualifiedtobuy"
	pol := newMapping(d, "proposal")
	p, err := PreviewRemap(pol, d.st, d.clock, d.readings())
	require.NoError(t, err)
	assert.Empty(t, p.Writes)
	assert.Len(t, p.Rebased[vocab.A], 1)
	assert.Len(t, p.Rebased[vocab.B], 1)
	assert.Empty(t, d.remapWrites(pol))
	assert.Equal(t, "qualification", d.st.Fields["stage"].Value, "the deal keeps its value until a party sets one the map has")
}

func TestPreviewOfADealInBackoffShowsWhatRunsAfterIt(t *testing.T) {
	d, _, b := quiet(t)
	d.crm[vocab.B].recs[b].values["stage"] = "??qualifiedtobuy"
	d.st.RetryAt = d.clock.Add(time.Minute) // a failed step waits out its backoff
	p, err := PreviewRemap(newMapping(d, "qualification", "proposal"), d.st, d.clock, d.readings())
	require.NoError(t, err)
	assert.Equal(t, d.st.RetryAt, p.WaitsUntil)
	require.Len(t, p.Writes, 1, "the remap's write comes after the backoff")
	assert.Equal(t, vocab.B, p.Writes[0].Side)
}

func TestARebaseTakesTheNewMappingsReadingAsNoEditAndLeavesTheRecordToARemap(t *testing.T) {
	// The worker loaded the edited mapping and the deal met it through an edit of another field: it
	// rebases (no re-sync), so Globex's stage is neither an edit nor rewritten; a remap later
	// re-syncs it exactly as its preview says.
	d, a, b := quiet(t)
	d.crm[vocab.B].recs[b].values["stage"] = "??qualifiedtobuy"
	pol := newMapping(d, "qualification", "proposal")
	d.e.SetPolicy(pol)
	assert.Equal(t, []vocab.Side{vocab.A, vocab.B}, d.e.Rebase())
	bWrites := d.crm[vocab.B].writes
	d.crm[vocab.A].edit(a, map[string]string{"next_step": "demo"})
	d.deliver(vocab.A, a)
	d.settle()
	assert.Equal(t, "demo", d.crm[vocab.B].recs[b].values["next_step"], "the edit synced")
	assert.Equal(t, "??qualifiedtobuy", d.crm[vocab.B].recs[b].values["stage"], "the stage was not re-synced")
	assert.Equal(t, bWrites+1, d.crm[vocab.B].writes, "one write: the edit")
	assert.Equal(t, Want{Value: "qualification", From: vocab.A, At: d.st.Fields["stage"].At, Known: d.st.Fields["stage"].Known}, *d.st.Fields["stage"],
		"the deal's stage is still Acme's")
	assert.Empty(t, d.st.Conflicts)
	assert.Equal(t, map[string]string{"stage": unmappedValue("??qualifiedtobuy")}, d.st.Parties[vocab.B].Stale)

	p, err := PreviewRemap(pol, d.st, d.clock, d.readings())
	require.NoError(t, err)
	require.Len(t, p.Writes, 1)
	assert.True(t, p.Writes[0].Changes[0].Remapped)
	assert.Contains(t, p.Writes[0].Changes[0].Why, "reads ??qualifiedtobuy (unmapped) under it (was qualification)")
	assert.Equal(t, []string{"write b map[stage:qualification]"}, previewedWrites(p))
	assert.Equal(t, previewedWrites(p), d.remapWrites(pol))
	assert.Equal(t, "qualification", d.crm[vocab.B].recs[b].values["stage"])
	assert.Empty(t, d.st.Parties[vocab.B].Stale)
}
