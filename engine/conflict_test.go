package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/vocab"
)

func TestARejectedConflictIsClosedOnBothSidesWithTheReason(t *testing.T) {
	for _, resolution := range []string{"reject", "merge"} {
		t.Run(resolution, func(t *testing.T) {
			d := answerDeal(t)
			a, b := d.register()
			require.True(t, registrationSLA(d.st))
			s := Settlement{Resolution: resolution, Primary: "CS-PRIMARY", Account: "domain:initech.example", By: "maria@acme.example", Note: "same opportunity"}
			require.NoError(t, d.e.CheckSettlement(s))
			require.NoError(t, d.e.Settle(d.clock, s))
			d.settle()

			assert.False(t, registrationSLA(d.st), "the acceptance SLA ends")
			require.NotNil(t, d.st.Registration)
			assert.Equal(t, StatusDeclined, d.st.Registration.Status)
			assert.True(t, d.st.Registration.Closed, "closed once both CRMs hold it")
			for side, id := range map[vocab.Side]string{vocab.A: a, vocab.B: b} {
				vals := d.crm[side].recs[id].values
				assert.Equal(t, StatusDeclined, vals[vocab.FieldCoSellStatus], "side %s", side)
				assert.Equal(t, "closed_lost", vals["stage"], "side %s", side)
				assert.Contains(t, vals[vocab.FieldDeclineReason], "CS-PRIMARY", "side %s: the reason names the primary", side)
				assert.Contains(t, vals[vocab.FieldDeclineReason], "maria@acme.example", "side %s: and who settled it", side)
				assert.Contains(t, vals[vocab.FieldDeclineReason], "same opportunity", "side %s: and why", side)
			}
			if resolution == "merge" {
				assert.Contains(t, d.st.Registration.Reason, "merged into CS-PRIMARY")
			}

			writes := d.crm[vocab.A].writes + d.crm[vocab.B].writes
			d.moveTo(vocab.A, a, map[string]string{"next_step": "try again"})
			assert.Equal(t, writes, d.crm[vocab.A].writes+d.crm[vocab.B].writes, "nothing more is mirrored")
			assert.ErrorIs(t, d.e.CheckSettlement(s), ErrAlreadyClosed, "a second settlement is refused")
		})
	}
}

func TestAKeptConflictGoesOnSyncing(t *testing.T) {
	d := answerDeal(t)
	a, b := d.register()
	require.NoError(t, d.e.Settle(d.clock, Settlement{Resolution: "keep", Primary: "CS-PRIMARY", By: "maria@acme.example"}))
	d.settle()
	assert.Equal(t, StatusPending, d.st.Registration.Status, "keep changes nothing of the registration")
	d.moveTo(vocab.A, a, map[string]string{"next_step": "still on"})
	assert.Equal(t, "still on", d.crm[vocab.B].recs[b].values["next_step"], "the deal goes on syncing")
}

func TestASettlementIsRefusedWhenMalformed(t *testing.T) {
	d := answerDeal(t)
	d.register()
	for _, s := range []Settlement{
		{Resolution: "drop", Primary: "CS-P", By: "x"},
		{Resolution: "reject", By: "x"},
		{Resolution: "merge", Primary: "CS-P"},
		{Resolution: "merge", Primary: "CS-1", By: "x"},
	} {
		assert.Error(t, d.e.CheckSettlement(s), "%+v", s)
		assert.Error(t, d.e.Settle(d.clock, s), "%+v", s)
	}
	assert.Equal(t, StatusPending, d.st.Registration.Status, "nothing was settled")
}

func TestAnUnreadableAccountIsASyncIssueUntilCorrected(t *testing.T) {
	d := answerDeal(t)
	d.register()
	_, ok := d.e.AccountToClaim(d.clock)
	assert.False(t, ok, "no account mapped or held: nothing to claim")
	assert.Empty(t, d.st.Issues, "and no issue")

	d.st.Fields[vocab.FieldAccountDomain] = &Want{Value: "not a domain!", At: d.clock}
	_, ok = d.e.AccountToClaim(d.clock)
	assert.False(t, ok)
	require.Len(t, d.st.Issues, 1)
	is := d.st.Issues[0]
	assert.Equal(t, vocab.FieldAccountDomain, is.Field)
	assert.Equal(t, vocab.IssueRegistration, is.Kind)
	assert.Contains(t, is.Message, "not a domain!", "the message names the value")
	_, _ = d.e.AccountToClaim(d.clock)
	assert.Len(t, d.st.Issues, 1, "asked again, still one issue")

	d.st.Fields[vocab.FieldAccountDomain] = &Want{Value: "https://www.Initech.example/about", At: d.clock}
	key, ok := d.e.AccountToClaim(d.clock)
	assert.True(t, ok)
	assert.Equal(t, "domain:initech.example", key.String())
	assert.Empty(t, d.st.Issues, "corrected: the issue ends")
}

func TestALeadOverrideIsWrittenAndTheNewLeadTold(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	a, b := d.register()
	require.Equal(t, cosell.Discovery, d.st.CoSell.Stage, "qualification is discovery")
	require.Equal(t, cosell.Lead(vocab.A), d.st.CoSell.Lead, "the partner (a) leads discovery by the playbook")

	require.Error(t, d.e.CheckLead("negotiation-ish", cosell.Lead(vocab.B)))
	require.Error(t, d.e.CheckLead(cosell.Discovery, "nobody"))
	plan, err := d.e.SetLead(d.clock, cosell.Discovery, cosell.Lead(vocab.B))
	require.NoError(t, err)
	assert.Equal(t, []cosell.Override{{Stage: cosell.Discovery, Lead: cosell.Lead(vocab.B)}}, plan.Overrides)
	d.settle()
	for side, id := range map[vocab.Side]string{vocab.A: a, vocab.B: b} {
		assert.Equal(t, "Globex", d.crm[side].recs[id].values[vocab.FieldCoSellLead], "side %s shows the new lead", side)
	}
	require.Len(t, leadNotices(d.st), 1, "the new lead is told once")

	_, err = d.e.SetLead(d.clock, cosell.Discovery, cosell.Lead(vocab.A))
	require.NoError(t, err)
	assert.Empty(t, d.st.CoSell.Plan.Overrides, "the playbook's lead removes the override")
	d.settle()
	assert.Equal(t, "Acme", d.crm[vocab.B].recs[b].values[vocab.FieldCoSellLead])
}
