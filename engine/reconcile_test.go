package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/vocab"
)

// The drift a reconcile heals: a CRM that disagrees with the other behind the engine's back.

// silentEdit changes a record without moving its stamp and without telling the engine: an edit the
// feed missed (a lost webhook and a poll cursor already past it, a data load that keeps audit fields).
func (c *regCRM) silentEdit(id string, vals map[string]string) {
	for k, v := range vals {
		c.recs[id].values[k] = v
	}
}

func TestSilentEditIsHealedByTheEnginesOwnRead(t *testing.T) {
	for _, tc := range []struct {
		name    string
		deliver func(d *regDeal, b string)
	}{
		{"bare trigger", func(d *regDeal, _ string) { d.e.Receive(d.clock, Change{Side: vocab.B}) }},
		{"reconcile", func(d *regDeal, _ string) { d.e.Receive(d.clock, Change{Side: vocab.B, Reconcile: true}) }},
		// A reading no newer than what the engine knows, but disagreeing, makes it read the party itself.
		{"old-stamped reading", func(d *regDeal, b string) { d.deliver(vocab.B, b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, a, b := registered(t)
			stamp := d.crm[vocab.B].recs[b].stamp
			d.crm[vocab.B].silentEdit(b, map[string]string{"next_step": "send quote"})
			d.settle()
			require.Equal(t, "call", d.crm[vocab.A].recs[a].values["next_step"], "nothing told the engine: the CRMs disagree")
			tc.deliver(d, b)
			d.settle()
			assert.Equal(t, stamp, d.crm[vocab.B].recs[b].stamp, "the healing wrote nothing to the party edited")
			assert.Equal(t, "send quote", d.crm[vocab.A].recs[a].values["next_step"],
				"the engine reads the party as it is, whatever its stamp, and the edit flows by the normal rules")
			assert.Empty(t, d.st.Conflicts, "the party held the wanted value before: a clean edit")
		})
	}
}

func TestSilentEditOfAOneWayFieldIsReverted(t *testing.T) {
	d, a, b := registered(t)
	d.pol.Rules[3].Direction = vocab.AToB // next_step flows from a only
	d.e.SetPolicy(d.pol)
	d.crm[vocab.B].silentEdit(b, map[string]string{"next_step": "send quote"})
	d.e.Receive(d.clock, Change{Side: vocab.B, Reconcile: true})
	d.settle()
	assert.Equal(t, "call", d.crm[vocab.B].recs[b].values["next_step"], "the receiver's edit of a one-way field is reverted")
	assert.Equal(t, "call", d.crm[vocab.A].recs[a].values["next_step"])
}

func TestReconcileRetriesAValueTheCRMRefusedBefore(t *testing.T) {
	d, a, b := registered(t)
	d.crm[vocab.B].rejectField = "stage" // say, a picklist value HubSpot's admin has not added yet
	d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
	d.deliver(vocab.A, a)
	d.settle()
	require.Equal(t, "qualification", d.crm[vocab.B].recs[b].values["stage"])
	require.True(t, hasIssue(d.st, vocab.IssueRejected), "the refusal is a sync issue")

	d.crm[vocab.B].rejectField = "" // the admin added the value
	d.e.Receive(d.clock, Change{Side: vocab.B})
	d.settle()
	assert.Equal(t, "qualification", d.crm[vocab.B].recs[b].values["stage"],
		"a re-read alone finds nothing new: the refused value stays set aside until the wanted value changes")

	d.e.Receive(d.clock, Change{Side: vocab.B, Reconcile: true})
	d.settle()
	assert.Equal(t, "proposal", d.crm[vocab.B].recs[b].values["stage"], "a reconcile writes the set-aside value again")
	assert.False(t, hasIssue(d.st, vocab.IssueRejected), "and its issue clears when it lands")
}

func TestReconcileOfAValueStillRefusedCostsOneWrite(t *testing.T) {
	d, a, _ := registered(t)
	d.crm[vocab.B].rejectField = "stage"
	d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
	d.deliver(vocab.A, a)
	d.settle()
	refusedBefore := len(d.log)
	d.e.Receive(d.clock, Change{Side: vocab.B, Reconcile: true})
	d.settle()
	writes := 0
	for _, l := range d.log[refusedBefore:] {
		if len(l) > 5 && l[:5] == "write" {
			writes++
		}
	}
	assert.Equal(t, 1, writes, "the value is tried once and set aside again")
	assert.True(t, hasIssue(d.st, vocab.IssueRejected), "with its issue")
}

func TestReconcileOfAnUnlinkedPartyDoesNothing(t *testing.T) {
	d, _, b := registered(t)
	delete(d.crm[vocab.B].recs, b)
	d.e.Receive(d.clock, Change{Side: vocab.B})
	d.settle()
	require.True(t, d.st.Parties[vocab.B].Unlinked, "on_delete unlink")
	n := len(d.log)
	d.e.Receive(d.clock, Change{Side: vocab.B, Reconcile: true})
	d.settle()
	assert.Len(t, d.log, n, "no command for a party the deal no longer mirrors")
}
