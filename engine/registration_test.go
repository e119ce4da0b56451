package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// answerDeal is a co-sell deal whose policy maps the registration status and decline reason.
func answerDeal(t *testing.T) *regDeal {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	for _, f := range []string{vocab.FieldCoSellStatus, vocab.FieldDeclineReason} {
		d.pol.Rules = append(d.pol.Rules, Rule{Field: f, Direction: vocab.Both, Conflict: vocab.LastWriterWins})
	}
	d.e = New(d.pol, &d.st)
	return d
}

func registrationSLA(st State) bool {
	for _, c := range st.SLAs {
		if c.Kind == sla.Registration {
			return true
		}
	}
	return false
}

func TestOnlyTheOtherPartnersAnswerAcceptsARegistration(t *testing.T) {
	d := answerDeal(t)
	a, b := d.register()
	require.NotNil(t, d.st.Registration)
	assert.Equal(t, StatusPending, d.st.Registration.Status)
	for s, id := range map[vocab.Side]string{vocab.A: a, vocab.B: b} {
		assert.Equal(t, StatusPending, d.crm[s].recs[id].values[vocab.FieldCoSellStatus], "side %s shows pending", s)
	}
	require.True(t, registrationSLA(d.st), "the acceptance SLA runs")

	d.moveTo(vocab.B, b, map[string]string{"next_step": "demo on Tuesday"})
	assert.True(t, registrationSLA(d.st), "an edit is no acceptance any more")
	d.moveTo(vocab.A, a, map[string]string{vocab.FieldCoSellStatus: StatusAccepted})
	assert.True(t, registrationSLA(d.st), "the registrant cannot accept its own registration")
	d.moveTo(vocab.A, a, map[string]string{vocab.FieldCoSellStatus: StatusPending})

	d.moveTo(vocab.B, b, map[string]string{vocab.FieldCoSellStatus: StatusAccepted})
	assert.False(t, registrationSLA(d.st), "the other partner's answer ends the SLA")
	assert.Equal(t, StatusAccepted, d.st.Registration.Status)
	assert.Equal(t, vocab.B, d.st.Registration.By)
	assert.Equal(t, StatusAccepted, d.crm[vocab.A].recs[a].values[vocab.FieldCoSellStatus], "the answer mirrors")
	require.NotEmpty(t, d.st.SLAHistory)
	assert.Contains(t, d.st.SLAHistory[len(d.st.SLAHistory)-1].Resolution, "Globex accepted the registration")
}

func TestADeclinedRegistrationIsClosedOnBothSidesAndMirrorsNothingMore(t *testing.T) {
	d := answerDeal(t)
	a, b := d.register()
	d.moveTo(vocab.B, b, map[string]string{vocab.FieldCoSellStatus: StatusDeclined, vocab.FieldDeclineReason: "we already own this account"})
	require.NotNil(t, d.st.Registration)
	assert.Equal(t, StatusDeclined, d.st.Registration.Status)
	assert.Equal(t, "we already own this account", d.st.Registration.Reason)
	assert.False(t, registrationSLA(d.st), "a decline ends the SLA")
	assert.True(t, d.st.Registration.Closed, "closed once its closing is written")
	for s, id := range map[vocab.Side]string{vocab.A: a, vocab.B: b} {
		vals := d.crm[s].recs[id].values
		assert.Equal(t, "closed_lost", vals["stage"], "side %s closed", s)
		assert.Equal(t, StatusDeclined, vals[vocab.FieldCoSellStatus], "side %s", s)
		assert.Equal(t, "we already own this account", vals[vocab.FieldDeclineReason], "side %s keeps the reason", s)
		assert.Contains(t, vals[vocab.FieldLossReason], "we already own this account", "side %s", s)
	}
	writes := d.crm[vocab.A].writes + d.crm[vocab.B].writes
	d.moveTo(vocab.A, a, map[string]string{"amount": "999999", "next_step": "try again"})
	assert.Equal(t, writes, d.crm[vocab.A].writes+d.crm[vocab.B].writes, "nothing more is mirrored")
	assert.NotEqual(t, "999999", d.crm[vocab.B].recs[b].values["amount"])
}

func TestWithoutTheStatusFieldAnyEditStillAccepts(t *testing.T) {
	d := coSellDeal(t, cosell.PartnerLed, "USD")
	_, b := d.register()
	assert.Nil(t, d.st.Registration, "the old rule, gated on state")
	d.moveTo(vocab.B, b, map[string]string{"next_step": "demo on Tuesday"})
	assert.False(t, registrationSLA(d.st), "an edit of the mirror accepts, as before")
}
