package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/vocab"
)

// A field both parties keep on a related record (the Account's Website, the company's domain) is read
// from each and never written, but a new mirror's create carries it, so the mirror is linked to the
// account: the write path links it instead of writing a property (issue #9).
func TestAReadOnlyFieldTravelsOnlyWithTheCreate(t *testing.T) {
	d := newRegDeal(t)
	d.pol.Rules = append(d.pol.Rules, Rule{Field: "account_domain", Direction: vocab.Both, Conflict: vocab.LastWriterWins,
		ReadOnly: []vocab.Side{vocab.A, vocab.B}})
	d.e = New(d.pol, &d.st)
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification", "account_domain": "initech.example"})
	d.deliver(vocab.A, a)
	d.settle()
	m := d.crm[vocab.B].byCoSellID("CS-1")
	require.NotNil(t, m)
	assert.Equal(t, "initech.example", m.values["account_domain"], "the create carries it, to link the account")
	assert.Equal(t, "initech.example", d.st.Fields["account_domain"].Value)

	// The mirror's account is another record of it (www.): nothing is written back to either side.
	m.values["account_domain"] = "www.initech.example"
	writes := d.crm[vocab.A].writes + d.crm[vocab.B].writes
	d.deliver(vocab.B, m.id)
	d.settle()
	d.crm[vocab.A].edit(a, map[string]string{"account_domain": "initech.com", "stage": "proposal"})
	d.deliver(vocab.A, a)
	d.settle()
	assert.Equal(t, "proposal", m.values["stage"], "the other fields still sync")
	assert.Equal(t, "www.initech.example", m.values["account_domain"], "never written into a read-only party")
	assert.Equal(t, "initech.com", d.crm[vocab.A].recs[a].values["account_domain"])
	assert.Equal(t, writes+1, d.crm[vocab.A].writes+d.crm[vocab.B].writes, "one write: the stage")
	assert.Equal(t, "initech.com", d.st.Fields["account_domain"].Value, "an edit on either side is still read")
}
