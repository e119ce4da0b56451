package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/vocab"
)

// Issue #9, items 3 and 5, through the engine: a plan at registration, the engine-written fields, the
// lead's notice, attribution at close-won and the reason of a close-lost.

// coSellDeal is a regression deal whose policy has the cosell section and maps the engine's fields.
func coSellDeal(t *testing.T, model cosell.Model, currency string) *regDeal {
	d := newRegDeal(t)
	for _, f := range append(vocab.EngineFields, vocab.FieldLossReason) {
		d.pol.Rules = append(d.pol.Rules, Rule{Field: f, Direction: vocab.Both, Conflict: vocab.LastWriterWins, Derived: f != vocab.FieldLossReason})
	}
	d.pol.CoSell = &CoSellPolicy{
		Defaults:   cosell.Defaults{Model: model, Motion: cosell.SellWith, Vendor: vocab.B}.WithDefaults(),
		Rules:      attribution.Rules{Currency: "USD"}.WithDefaults(),
		Currency:   currency,
		WonStages:  []string{"closed_won"},
		LostStages: []string{"closed_lost"},
	}
	d.e = New(d.pol, &d.st)
	return d
}

func (d *regDeal) register() (string, string) {
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification", "amount": "1234.57", "next_step": "call"})
	d.deliver(vocab.A, a)
	d.settle()
	m := d.crm[vocab.B].byCoSellID("CS-1")
	require.NotNil(d.t, m, "the mirror exists")
	return a, m.id
}

func (d *regDeal) moveTo(side vocab.Side, id string, vals map[string]string) {
	d.crm[side].edit(id, vals)
	d.deliver(side, id)
	d.settle()
}

func leadNotices(st State) []OutboxItem {
	var out []OutboxItem
	for _, it := range st.Outbox {
		if it.Notice.Event == vocab.LeadChanged {
			out = append(out, it)
		}
	}
	return out
}

func TestCoSellPlanAtRegistrationIsWrittenToBothParties(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	a, b := d.register()
	require.NotNil(t, d.st.CoSell, "the deal has a plan from registration")
	assert.Equal(t, cosell.Plan{Model: cosell.PartnerLed, Motion: cosell.SellWith, Vendor: vocab.B}, d.st.CoSell.Plan)
	assert.Equal(t, vocab.A, d.st.Origin, "the registrant is the origin")
	for s, id := range map[vocab.Side]string{vocab.A: a, vocab.B: b} {
		vals := d.crm[s].recs[id].values
		assert.Equal(t, "partner_led", vals[vocab.FieldCoSellModel], "side %s", s)
		assert.Equal(t, "sell_with", vals[vocab.FieldCoSellMotion], "side %s", s)
		assert.Equal(t, "Acme", vals[vocab.FieldCoSellLead], "side %s: the partner (a) leads discovery", s)
	}
	assert.Empty(t, d.st.Conflicts, "the engine's own writes are no edits")
	assert.Empty(t, leadNotices(d.st), "the first lead is no change")

	writes := d.crm[vocab.A].writes + d.crm[vocab.B].writes
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, writes, d.crm[vocab.A].writes+d.crm[vocab.B].writes, "nothing is written again: no echo")
}

func TestCoSellUserEditOfAnEngineFieldIsReverted(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	a, b := d.register()
	d.moveTo(vocab.B, b, map[string]string{vocab.FieldCoSellLead: "Globex"})
	assert.Equal(t, "Acme", d.crm[vocab.B].recs[b].values[vocab.FieldCoSellLead], "the edit is reverted")
	assert.Equal(t, "Acme", d.crm[vocab.A].recs[a].values[vocab.FieldCoSellLead], "and never reaches the partner")
	require.Len(t, d.st.Conflicts, 1)
	assert.Equal(t, vocab.FieldCoSellLead, d.st.Conflicts[0].Field)
	assert.Contains(t, d.st.Conflicts[0].Details, "the deal engine writes this field")
}

func TestCoSellStageChangeTellsTheNewLeadOnce(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	a, b := d.register()
	d.moveTo(vocab.A, a, map[string]string{"stage": "presentation"}) // the vendor (b) gives the demo
	assert.Equal(t, "Globex", d.crm[vocab.A].recs[a].values[vocab.FieldCoSellLead])
	assert.Equal(t, "Globex", d.crm[vocab.B].recs[b].values[vocab.FieldCoSellLead])
	notices := leadNotices(d.st)
	require.Len(t, notices, 1, "the new lead is told")
	n := notices[0]
	assert.Equal(t, "CS-1/lead/presentation/b", n.Notice.Key)
	assert.Contains(t, n.Notice.Message, "Globex leads it now")
	assert.Equal(t, []string{ChannelLog}, n.Pending, "no CRM tasks configured: the log only")

	// Seen again, and redelivered: still one notice.
	d.deliver(vocab.A, a)
	d.deliver(vocab.B, b)
	d.settle()
	assert.Len(t, leadNotices(d.st), 1)

	// A stage change that keeps the lead tells nobody it leads.
	d.moveTo(vocab.B, b, map[string]string{"stage": "decision"})
	assert.Len(t, leadNotices(d.st), 1, "evaluation is the vendor's too")
	assert.Equal(t, cosell.Evaluation, d.st.CoSell.Stage)
}

func TestCoSellLeadNoticeGoesToTheNewLeadsTaskOnly(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	d.pol.CRMTasks = true
	d.e = New(d.pol, &d.st)
	a, _ := d.register()
	d.moveTo(vocab.A, a, map[string]string{"stage": "presentation"})
	notices := leadNotices(d.st)
	require.Len(t, notices, 1)
	assert.Equal(t, []string{ChannelLog, TaskChannel(vocab.B)}, notices[0].Pending, "a task for the new lead, none for the other")
}

func TestCoSellCloseWonIsAttributedOnce(t *testing.T) {
	d := coSellDeal(t, cosell.TrueCoSell, "USD")
	a, b := d.register()
	d.moveTo(vocab.B, b, map[string]string{"stage": "closed_won"})
	require.NotNil(t, d.st.CoSell.Attribution, "attributed at close-won")
	res := *d.st.CoSell.Attribution
	assert.Equal(t, "USD", res.Currency)
	assert.Equal(t, int64(123457), res.AmountMinor)
	assert.Equal(t, int64(37037), res.PoolMinor, "true co-sell pool: 30% of 1,234.57, rounded half up")
	require.Len(t, res.Parts, 2)
	assert.Equal(t, res.PoolMinor, res.Parts[0].AmountMinor+res.Parts[1].AmountMinor, "the parts sum to the pool")
	assert.Equal(t, int64(24691), res.Parts[0].AmountMinor)
	assert.Equal(t, int64(12346), res.Parts[1].AmountMinor, "the leftover minor unit goes to the largest remainder")

	summary := AttributionSummary(res, d.pol.Name)
	assert.Equal(t, "pool USD 370.37 (30% of USD 1,234.57): Acme USD 246.91; Globex USD 123.46", summary)
	for s, id := range map[vocab.Side]string{vocab.A: a, vocab.B: b} {
		assert.Equal(t, summary, d.crm[s].recs[id].values[vocab.FieldCoSellAttribution], "side %s has the summary", s)
		body, ok := d.crm[s].notes[AttributionNoteKey("CS-1", s)]
		require.True(t, ok, "side %s has the calculation note", s)
		assert.Equal(t, "[CoSell Sync] "+res.Note(), body)
	}
	noteCommands := func() int { return strings.Count(strings.Join(d.log, "\n"), "note ") }
	assert.Equal(t, 2, noteCommands(), "one note per party")

	// Redelivered, edited again, carried across continue-as-new: no second attribution, no second note.
	raw, err := json.Marshal(d.st)
	require.NoError(t, err)
	var next State
	require.NoError(t, json.Unmarshal(raw, &next))
	d.st = next
	d.e = New(d.pol, &d.st)
	d.moveTo(vocab.A, a, map[string]string{"amount": "2000", "next_step": "invoice"})
	d.deliver(vocab.B, b)
	d.settle()
	assert.Equal(t, res.AmountMinor, d.st.CoSell.Attribution.AmountMinor, "computed once: the audit trail stands")
	assert.Equal(t, 2, noteCommands(), "the note is written exactly once per party")
	assert.Equal(t, summary, d.crm[vocab.B].recs[b].values[vocab.FieldCoSellAttribution])
}

func TestCoSellRefusedCurrencyIsASyncIssue(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "EUR") // the deal is in EUR, the pairing attributes in USD
	_, b := d.register()
	d.moveTo(vocab.B, b, map[string]string{"stage": "closed_won"})
	assert.Nil(t, d.st.CoSell.Attribution, "nothing is attributed")
	require.True(t, hasIssue(d.st, vocab.IssueAttribution), "the refusal is shown")
	for _, is := range d.st.Issues {
		if is.Kind == vocab.IssueAttribution {
			assert.Contains(t, is.Message, "the deal is in EUR and the pairing attributes in USD")
		}
	}
	assert.Empty(t, d.crm[vocab.B].notes, "no note")
	assert.Equal(t, "EUR 1234.57", d.st.CoSell.Refused, "tried again only for another amount or currency")
}

func TestCoSellCloseLostRecordsItsReason(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	a, _ := d.register()
	d.moveTo(vocab.A, a, map[string]string{"stage": "closed_lost", vocab.FieldLossReason: "Competitor"})
	require.NotNil(t, d.st.CoSell.Loss)
	assert.Equal(t, attribution.LostToCompetitor, d.st.CoSell.Loss.Reason)
	assert.Equal(t, vocab.A, d.st.CoSell.Loss.Side)
	assert.Nil(t, d.st.CoSell.Attribution)

	d.moveTo(vocab.A, a, map[string]string{vocab.FieldLossReason: "the customer merged"})
	assert.Equal(t, attribution.LostOther, d.st.CoSell.Loss.Reason, "words off the list are kept as other")
	assert.Equal(t, "the customer merged", d.st.CoSell.Loss.Detail)
}

func TestCoSellNothingWithoutAPolicySection(t *testing.T) {
	d, _, _ := registered(t)
	assert.Nil(t, d.st.CoSell, "a policy without cosell (a history recorded before it) plans nothing")
}
