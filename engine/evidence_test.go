package engine

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// Issue #9, items 4 and 6, through the engine: touchpoints from CRM activities and from people feed
// attribution at close-won; a dispute and its resolution are recorded, written back and reported.

func award(res attribution.Result, role attribution.Role) []vocab.Side {
	for _, a := range res.Awards {
		if a.Role == role {
			return a.Holders
		}
	}
	return nil
}

func TestTouchpointsFromActivitiesFeedAttribution(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	a, b := d.register()
	at := d.clock.Add(-time.Hour)
	demo := touchpoint.Activity{Object: touchpoint.HubSpotMeeting, ID: "901", Subject: "Product demo for IT", Person: "kim@globex.example", At: at}
	mail := touchpoint.Activity{Object: touchpoint.HubSpotEmail, ID: "903", Subject: "Re: next steps", Person: "kim@globex.example", At: at}
	todo := touchpoint.Activity{Object: touchpoint.HubSpotNote, ID: "902", Subject: "Customer prefers Tuesdays", Person: "kim@globex.example", At: at}
	proposal := touchpoint.Activity{Object: touchpoint.SalesforceTask, ID: "00T1", Type: "Email", Subject: "Proposal v2", Person: "ann@acme.example", At: at}
	for range 2 { // delivered twice: counted once
		d.e.Receive(d.clock, Change{Side: vocab.B, RecordID: b, Activities: []touchpoint.Activity{demo, mail, todo}})
		d.e.Receive(d.clock, Change{Side: vocab.A, RecordID: a, Activities: []touchpoint.Activity{proposal}})
		d.settle()
	}
	set := d.e.Touchpoints()
	require.NotNil(t, set)
	assert.Equal(t, 3, set.Total(), "the demo, the e-mail and the proposal; the note is no evidence")
	assert.Equal(t, 1, set.Tally(time.Time{}).N(vocab.B, touchpoint.Demo), "credited to the partner whose CRM holds it")

	// A person logs the same demo again (same person, kind, minute) and another the CLI way.
	out, err := d.e.LogTouchpoints(d.clock, []touchpoint.Touchpoint{
		{Side: vocab.B, Person: "KIM@globex.example", Kind: touchpoint.Demo, At: at, Deal: "CS-1", Source: "cli:1"},
		{Side: vocab.A, Person: "ann@acme.example", Kind: touchpoint.ExecutiveSponsorship, At: at, Deal: "CS-1", Source: "cli:2"},
	})
	require.NoError(t, err)
	assert.Equal(t, []touchpoint.Outcome{touchpoint.Duplicate, touchpoint.Added}, out)

	// A bad batch records nothing.
	_, err = d.e.LogTouchpoints(d.clock, []touchpoint.Touchpoint{
		{Side: vocab.A, Person: "ann@acme.example", Kind: touchpoint.Demo, At: at, Deal: "CS-1", Source: "cli:3"},
		{Side: vocab.A, Person: "ann@acme.example", Kind: "lunch", At: at, Deal: "CS-1"},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown kind "lunch"`)
	assert.Equal(t, 4, d.e.Touchpoints().Total())

	// The evidence crosses continue-as-new.
	raw, err := json.Marshal(d.st)
	require.NoError(t, err)
	var next State
	require.NoError(t, json.Unmarshal(raw, &next))
	d.st = next
	d.e = New(d.pol, &d.st)
	assert.Equal(t, 4, d.e.Touchpoints().Total())

	d.moveTo(vocab.B, b, map[string]string{"stage": "closed_won"})
	res := d.st.CoSell.Attribution
	require.NotNil(t, res)
	assert.Equal(t, []vocab.Side{vocab.B}, award(*res, attribution.TechnicalValidation), "the vendor's demo earns technical validation")
	assert.Equal(t, []vocab.Side{vocab.B}, award(*res, attribution.Influence), "influence goes to the side without selling")

	// Without the evidence the same deal pays neither role.
	bare := coSellDeal(t, cosell.PartnerLed, "USD")
	_, bb := bare.register()
	bare.moveTo(vocab.B, bb, map[string]string{"stage": "closed_won"})
	require.NotNil(t, bare.st.CoSell.Attribution)
	assert.Empty(t, award(*bare.st.CoSell.Attribution, attribution.TechnicalValidation))
	assert.NotEqual(t, bare.st.CoSell.Attribution.Parts, res.Parts, "the evidence changes the split")
}

func TestTouchpointsNeedACoSellPlan(t *testing.T) {
	d, _, _ := registered(t)
	_, err := d.e.LogTouchpoints(d.clock, []touchpoint.Touchpoint{{Side: vocab.A, Person: "ann", Kind: touchpoint.Demo, At: d.clock, Deal: "CS-1"}})
	require.ErrorIs(t, err, ErrNoCoSell)
}

func wonDeal(t *testing.T, approvers ...string) (*regDeal, string, string) {
	d := coSellDeal(t, cosell.TrueCoSell, "USD")
	d.pol.CoSell.Approvers = approvers
	d.pol.Pilot = true
	d.e = New(d.pol, &d.st)
	a, b := d.register()
	d.moveTo(vocab.B, b, map[string]string{"stage": "closed_won"})
	require.NotNil(t, d.st.CoSell.Attribution)
	d.e.TakeEffects()
	return d, a, b
}

func records(effects []Effect) []attribution.Record {
	var out []attribution.Record
	for _, ef := range effects {
		if ef.Attribution != nil {
			out = append(out, *ef.Attribution)
		}
	}
	return out
}

func TestDisputeUpheldRoundTripsToBothCRMs(t *testing.T) {
	d, a, b := wonDeal(t, "maria.manager@acme.example", "kim.manager@globex.example")
	res := *d.st.CoSell.Attribution

	_, err := d.e.ResolveDispute(d.clock, attribution.Resolution{Verdict: attribution.Rejected, Approver: "maria.manager@acme.example", Note: "x", At: d.clock})
	require.ErrorContains(t, err, "no dispute is open")

	d.clock = d.clock.Add(time.Hour)
	_, err = d.e.Dispute(d.clock, attribution.Dispute{Partner: vocab.B, By: "kim.manager@globex.example", Reason: "we ran the whole POC", At: d.clock})
	require.NoError(t, err)
	d.settle()
	recs := records(d.e.TakeEffects())
	require.Len(t, recs, 1, "the pilot hears of the dispute")
	_, open := recs[0].Open()
	assert.True(t, open)
	for s, id := range map[vocab.Side]string{vocab.A: a, vocab.B: b} {
		assert.Contains(t, d.crm[s].recs[id].values[vocab.FieldCoSellAttribution], "disputed by Globex, open", "side %s", s)
		body, ok := d.crm[s].notes[DisputeNoteKey("CS-1", s, 0, false)]
		require.True(t, ok, "side %s has the dispute note", s)
		assert.Contains(t, body, "we ran the whole POC")
	}

	// A second dispute while one is open, and the disputer settling it, are refused.
	err = d.e.CheckDispute(attribution.Dispute{Partner: vocab.A, Reason: "me too", At: d.clock})
	require.ErrorContains(t, err, "still open")
	corrected := []attribution.Part{
		{Partner: vocab.A, Roles: []attribution.Role{attribution.Sourcing, attribution.Selling}, AmountMinor: res.PoolMinor - 20000},
		{Partner: vocab.B, Roles: []attribution.Role{attribution.Selling, attribution.TechnicalValidation}, AmountMinor: 20000},
	}
	up := attribution.Resolution{Verdict: attribution.Upheld, Currency: "USD", Parts: corrected, Approver: "kim.manager@globex.example", Note: "the POC notes show it", At: d.clock}
	require.ErrorContains(t, d.e.CheckResolution(up), "cannot settle the dispute")
	up.Approver = "someone@else.example"
	require.ErrorContains(t, d.e.CheckResolution(up), "not an approver")

	up.Approver = "maria.manager@acme.example"
	d.clock = d.clock.Add(time.Hour)
	up.At = d.clock
	rec, err := d.e.ResolveDispute(d.clock, up)
	require.NoError(t, err)
	d.settle()
	assert.Equal(t, int64(20000), rec.Parts()[1].AmountMinor, "the corrected split is in force")
	want := RecordSummary(rec, d.pol.Name)
	assert.Contains(t, want, "Globex USD 200.00")
	assert.Contains(t, want, "upheld")
	for s, id := range map[vocab.Side]string{vocab.A: a, vocab.B: b} {
		assert.Equal(t, want, d.crm[s].recs[id].values[vocab.FieldCoSellAttribution], "side %s", s)
		body, ok := d.crm[s].notes[DisputeNoteKey("CS-1", s, 0, true)]
		require.True(t, ok, "side %s has the resolution note", s)
		assert.Contains(t, body, "Upheld by maria.manager@acme.example")
		assert.Contains(t, body, "Corrected split: a USD 170.37, b USD 200.00.")
	}
	recs = records(d.e.TakeEffects())
	require.Len(t, recs, 1)
	assert.Equal(t, rec, recs[0])

	// Redelivered and carried across continue-as-new: no note twice, nothing rewritten.
	raw, err := json.Marshal(d.st)
	require.NoError(t, err)
	var next State
	require.NoError(t, json.Unmarshal(raw, &next))
	d.st = next
	d.e = New(d.pol, &d.st)
	notes := len(d.crm[vocab.A].notes) + len(d.crm[vocab.B].notes)
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, notes, len(d.crm[vocab.A].notes)+len(d.crm[vocab.B].notes))
	got, _ := d.e.Record()
	assert.Equal(t, rec, got, "the audit trail stands")
}

func TestDisputeRejectedKeepsTheSplit(t *testing.T) {
	d, _, b := wonDeal(t)
	before := slices.Clone(d.st.CoSell.Attribution.Parts)
	d.clock = d.clock.Add(time.Minute)
	_, err := d.e.Dispute(d.clock, attribution.Dispute{Partner: vocab.A, Reason: "too little", At: d.clock})
	require.NoError(t, err)
	d.clock = d.clock.Add(time.Minute)
	rec, err := d.e.ResolveDispute(d.clock, attribution.Resolution{Verdict: attribution.Rejected, Approver: "kim@globex.example", Note: "the roles follow the published rules", At: d.clock})
	require.NoError(t, err)
	d.settle()
	assert.Equal(t, before, rec.Parts())
	assert.Contains(t, d.crm[vocab.B].recs[b].values[vocab.FieldCoSellAttribution], "dispute by Acme rejected")
}

func TestDisputeBeforeCloseIsRefused(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	d.register()
	_, err := d.e.Dispute(d.clock, attribution.Dispute{Partner: vocab.A, Reason: "x", At: d.clock})
	require.ErrorContains(t, err, "not attributed")
}

func TestDisputeFromTheCRMField(t *testing.T) {
	d := coSellDeal(t, cosell.TrueCoSell, "USD")
	d.pol.Rules = append(d.pol.Rules, Rule{Field: vocab.FieldDispute, Direction: vocab.Both, Conflict: vocab.LastWriterWins})
	d.e = New(d.pol, &d.st)
	a, b := d.register()
	d.moveTo(vocab.B, b, map[string]string{vocab.FieldDispute: "before the close"})
	assert.Nil(t, d.st.CoSell.Attribution)
	d.moveTo(vocab.B, b, map[string]string{"stage": "closed_won"})
	require.NotNil(t, d.st.CoSell.Attribution)
	assert.Len(t, d.st.CoSell.Disputes, 1, "a reason standing in the field when the deal is won disputes it")

	d.clock = d.clock.Add(time.Hour)
	_, err := d.e.ResolveDispute(d.clock, attribution.Resolution{Verdict: attribution.Rejected, Approver: "maria@acme.example", Note: "rules are rules", At: d.clock})
	require.NoError(t, err)
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	d.settle()
	assert.Len(t, d.st.CoSell.Disputes, 1, "the same reason read again is the same dispute")

	d.clock = d.clock.Add(time.Hour)
	d.moveTo(vocab.A, a, map[string]string{vocab.FieldDispute: "Acme ran the POC, not Globex"})
	require.Len(t, d.st.CoSell.Disputes, 2, "a new reason is a new dispute")
	assert.Equal(t, vocab.A, d.st.CoSell.Disputes[1].Partner, "from the side that typed it")
	assert.Equal(t, "Acme ran the POC, not Globex", d.crm[vocab.B].recs[b].values[vocab.FieldDispute], "the reason mirrors")
	assert.Contains(t, d.crm[vocab.B].recs[b].values[vocab.FieldCoSellAttribution], "disputed by Acme, open")

	d.clock = d.clock.Add(time.Hour)
	d.moveTo(vocab.B, b, map[string]string{vocab.FieldDispute: "and another"})
	assert.Len(t, d.st.CoSell.Disputes, 2, "one open dispute at a time")
	assert.True(t, hasIssue(d.st, vocab.IssueAttribution), "the refused one is shown")
}
