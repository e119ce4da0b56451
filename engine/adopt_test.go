package engine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/vocab"
)

// backfilledPair is two records of one deal that existed before the sync, both stamped by backfill
// with the deal's co-sell id and flagged.
func backfilledPair(d *regDeal) (string, string) {
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000", "next_step": "call", vocab.FieldCoSellStatus: ""})
	b := d.crm[vocab.B].add(map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000", "next_step": "call"})
	for s, id := range map[vocab.Side]string{vocab.A: a, vocab.B: b} {
		d.crm[s].recs[id].coSellID = "CS-1"
	}
	return a, b
}

func TestABackfilledPairIsAdoptedWithoutAMirrorOrARegistration(t *testing.T) {
	for _, tc := range []struct {
		name string
		// otherSideDelivered says backfill's reading of side b reached the deal; without it the engine
		// must find the record by its co-sell id.
		otherSideDelivered bool
	}{{"both readings delivered", true}, {"only the origin's reading", false}} {
		t.Run(tc.name, func(t *testing.T) {
			d := answerDeal(t)
			a, b := backfilledPair(d)
			d.e.Receive(d.clock, Change{Side: vocab.A, RecordID: a, Reading: d.crm[vocab.A].reading(a), Adopt: true})
			if tc.otherSideDelivered {
				d.e.Receive(d.clock, Change{Side: vocab.B, RecordID: b, Reading: d.crm[vocab.B].reading(b), Adopt: true})
			}
			d.settle()
			reads := 0
			for _, l := range d.log {
				if strings.HasPrefix(l, "read b") {
					reads++
				}
			}
			if tc.otherSideDelivered {
				assert.Zero(t, reads, "the backfill's fresh readings are the deal's first look: %v", d.log)
			} else {
				assert.Equal(t, 1, reads, "side b is looked up once, by co-sell id: %v", d.log)
			}
			assert.Len(t, d.crm[vocab.B].recs, 1, "no second record is created on side b")
			assert.Len(t, d.crm[vocab.A].recs, 1)
			assert.Equal(t, b, d.st.Parties[vocab.B].RecordID, "side b's own record is linked")
			assert.True(t, d.st.Backfilled)
			assert.True(t, d.st.Registered, "registered once both records are linked")
			assert.Equal(t, vocab.A, d.st.Origin)
			assert.Nil(t, d.st.Registration, "no registration is pending: nobody registered the deal")
			assert.False(t, registrationSLA(d.st), "no acceptance SLA for a deal from before the sync")
			assert.Empty(t, d.crm[vocab.B].recs[b].values[vocab.FieldCoSellStatus], "pending is written nowhere")

			// The deal then syncs as any other.
			d.moveTo(vocab.B, b, map[string]string{"stage": "proposal"})
			assert.Equal(t, "proposal", d.crm[vocab.A].recs[a].values["stage"])
		})
	}
}

func TestAFeedChangeBeforeTheBackfillsOwnIsWithdrawnFromRegistration(t *testing.T) {
	d := answerDeal(t)
	a, b := backfilledPair(d)
	// The change feed saw the stamped side a record first: an ordinary change, which makes the deal a
	// pending registration; the backfill's change follows before anything was written.
	d.deliver(vocab.A, a)
	require.NotNil(t, d.st.Registration)
	d.e.Receive(d.clock, Change{Side: vocab.A, RecordID: a, Reading: d.crm[vocab.A].reading(a), Adopt: true})
	d.settle()
	assert.Nil(t, d.st.Registration)
	assert.True(t, d.st.Registered)
	assert.Len(t, d.crm[vocab.B].recs, 1, "no second record")
	assert.Empty(t, d.crm[vocab.B].recs[b].values[vocab.FieldCoSellStatus])
}

func TestAdoptIsIgnoredOnARegisteredDeal(t *testing.T) {
	d := answerDeal(t)
	a, _ := d.register()
	st := d.st.Registration
	d.e.Receive(d.clock, Change{Side: vocab.A, RecordID: a, Reading: d.crm[vocab.A].reading(a), Adopt: true})
	d.settle()
	assert.False(t, d.st.Backfilled, "a deal registered through the sync stays a registration")
	assert.Equal(t, st, d.st.Registration)
}
