package drift

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

var fields = []pairing.Field{
	{Name: "name", Type: pairing.Text, A: "Name", B: "dealname", Direction: vocab.Both},
	{Name: "stage", Type: pairing.Picklist, A: "StageName", B: "dealstage", Direction: vocab.Both},
	{Name: "amount", Type: pairing.Number, A: "Amount", B: "amount", Direction: vocab.Both},
	{Name: "next_step", Type: pairing.Text, A: "NextStep", B: "hs_next_step", Direction: vocab.AToB},
}

func reading(vals map[string]string) Reading {
	return Reading{Found: true, Enabled: true, Values: vals}
}

func TestAgreeingSidesAreNoDrift(t *testing.T) {
	a := reading(map[string]string{"name": "Initech", "stage": "proposal", "amount": "1000", "next_step": "call"})
	b := reading(map[string]string{"name": "Initech", "stage": "proposal", "amount": "1000", "next_step": "call"})
	assert.Equal(t, Report{Status: Agree}, Compare(fields, a, b))
}

func TestADifferentValueIsDriftNamedByField(t *testing.T) {
	a := reading(map[string]string{"name": "Initech", "stage": "proposal", "amount": "1000"})
	b := reading(map[string]string{"name": "Initech", "stage": "decision", "amount": "1000"})
	rep := Compare(fields, a, b)
	require.Equal(t, Drift, rep.Status)
	require.Len(t, rep.Fields, 1)
	f := rep.Fields[0]
	assert.Equal(t, "stage", f.Field)
	assert.Equal(t, "proposal", f.A)
	assert.Equal(t, "decision", f.B)
	assert.Equal(t, vocab.Both, f.Direction)
	assert.Empty(t, f.Source)
	assert.False(t, f.Unmapped)
	assert.Equal(t, 1, Count(rep))
}

func TestStoredFormsAreNoDrift(t *testing.T) {
	// Salesforce rounds an amount to cents and trims trailing spaces; HubSpot keeps what was sent.
	a := reading(map[string]string{"name": "Initech", "amount": "1000"})
	b := reading(map[string]string{"name": "Initech  ", "amount": "1000.004"})
	assert.Equal(t, Agree, Compare(fields, a, b).Status)
	// Rounding is an amount's only: a name that differs by decimals drifts, and so does a cent.
	a = reading(map[string]string{"name": "1000", "amount": "1000"})
	b = reading(map[string]string{"name": "1000.004", "amount": "1000.01"})
	rep := Compare(fields, a, b)
	require.Equal(t, Drift, rep.Status)
	assert.Equal(t, []string{"name", "amount"}, names(rep))
}

func TestAbsentAndEmptyAreTheSame(t *testing.T) {
	a := reading(map[string]string{"name": "Initech", "next_step": ""})
	b := reading(map[string]string{"name": "Initech"})
	assert.Equal(t, Agree, Compare(fields, a, b).Status)
	b.Values["next_step"] = "call"
	assert.Equal(t, []string{"next_step"}, names(Compare(fields, a, b)))
}

func TestOneWayFieldNamesItsSource(t *testing.T) {
	a := reading(map[string]string{"next_step": "call"})
	b := reading(map[string]string{"next_step": "email"})
	rep := Compare(fields, a, b)
	require.Len(t, rep.Fields, 1)
	assert.Equal(t, vocab.AToB, rep.Fields[0].Direction)
	assert.Equal(t, vocab.A, rep.Fields[0].Source)
	assert.Contains(t, rep.Fields[0].Why, "side b should hold side a's value")
}

func TestUnmappedValueIsDriftNoSyncHeals(t *testing.T) {
	a := reading(map[string]string{"stage": "proposal"})
	b := reading(map[string]string{})
	b.Issues = []vocab.Issue{{Field: "stage", Side: vocab.B, Raw: "legalreview", Message: "no mapping for dealstage value legalreview"}}
	rep := Compare(fields, a, b)
	require.Len(t, rep.Fields, 1)
	f := rep.Fields[0]
	assert.True(t, f.Unmapped)
	assert.Equal(t, "legalreview (unmapped)", f.B)
	assert.Contains(t, f.Why, "legalreview")
	// The same raw value outside the map on both sides is no disagreement.
	a.Values = map[string]string{}
	a.Issues = []vocab.Issue{{Field: "stage", Side: vocab.A, Raw: "legalreview", Message: "no mapping"}}
	assert.Equal(t, Agree, Compare(fields, a, b).Status)
	a.Issues[0].Raw = "Legal Review"
	assert.True(t, Compare(fields, a, b).Fields[0].Unmapped)
}

func TestFlagAndPause(t *testing.T) {
	a := reading(map[string]string{"name": "Initech"})
	b := reading(map[string]string{"name": "Globex"})
	b.Enabled = false
	rep := Compare(fields, a, b)
	assert.Equal(t, []string{FlagField, "name"}, names(rep))
	// Both out of co-sell: nothing is mirrored, so nothing is compared.
	a.Enabled = false
	assert.Equal(t, Report{Status: Paused}, Compare(fields, a, b))
}

func TestMissingSideIsNotCompared(t *testing.T) {
	a := reading(map[string]string{"name": "Initech"})
	assert.Equal(t, Report{Status: Missing, Missing: []vocab.Side{vocab.B}}, Compare(fields, a, Reading{}))
	assert.Equal(t, Report{Status: Missing, Missing: []vocab.Side{vocab.A, vocab.B}}, Compare(fields, Reading{}, Reading{}))
}

func TestPartnerOwnerShowsTheOtherSidesOwner(t *testing.T) {
	a := reading(nil)
	b := reading(nil)
	a.Owner = vocab.Owner{Email: "jane.doe@acme.example", Name: "Jane Doe"}
	b.Owner = vocab.Owner{Email: "jdoe@globex.example", Name: "John Doe"}
	a.Partner = vocab.Owner{Email: "JDoe@globex.example", Name: "John Doe"} // e-mails ignore case
	b.Partner = vocab.Owner{Email: "jane.doe@acme.example", Name: "Jane Doe"}
	assert.Equal(t, Agree, Compare(fields, a, b).Status)
	b.Partner = vocab.Owner{Email: "sam.lee@acme.example", Name: "Sam Lee"}
	rep := Compare(fields, a, b)
	require.Len(t, rep.Fields, 1)
	f := rep.Fields[0]
	assert.Equal(t, PartnerOwnerB, f.Field)
	assert.Equal(t, "Jane Doe <jane.doe@acme.example>", f.A)
	assert.Equal(t, "Sam Lee <sam.lee@acme.example>", f.B)
	assert.Equal(t, vocab.AToB, f.Direction)
	// An owner the read could not resolve is not compared.
	a.Owner = vocab.Owner{}
	assert.Equal(t, Agree, Compare(fields, a, b).Status)
}

func names(r Report) []string {
	var out []string
	for _, f := range r.Fields {
		out = append(out, f.Field)
	}
	return out
}
