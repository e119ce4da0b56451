package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/vocab"
)

// The record directory publishes Linked: it must name exactly the records a feed should route to the
// deal, as the deal learns of them, loses them and gets them back.

func TestLinkedRecordsFollowTheDeal(t *testing.T) {
	d := newRegDeal(t)
	assert.Empty(t, d.e.Linked(), "a deal that has heard of no record links none")
	a := d.crm[vocab.A].add(map[string]string{"name": "Initech", "stage": "qualification", "amount": "1000", "next_step": "call"})
	d.deliver(vocab.A, a)
	assert.Equal(t, []LinkedRecord{{vocab.A, a}}, d.e.Linked(), "the origin, as soon as it is delivered")
	d.settle()
	m := d.crm[vocab.B].byCoSellID("CS-1")
	require.NotNil(t, m)
	assert.Equal(t, []LinkedRecord{{vocab.A, a}, {vocab.B, m.id}}, d.e.Linked(), "the mirror, once created")

	delete(d.crm[vocab.B].recs, m.id)
	d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
	d.deliver(vocab.A, a)
	d.settle()
	require.True(t, d.st.Parties[vocab.B].Unlinked)
	assert.Equal(t, []LinkedRecord{{vocab.A, a}}, d.e.Linked(), "a deleted, unlinked mirror is no longer the deal's")
}
