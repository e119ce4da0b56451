package pairing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
)

func TestAccessors(t *testing.T) {
	p := testPairing(t, "UTC", "Asia/Tokyo")
	assert.Equal(t, "Acme", p.Partner(pairing.A).Name)
	assert.Equal(t, "Globex", p.Partner(pairing.B).Name)
	assert.Equal(t, "Asia/Tokyo", p.Location(pairing.B).String())
	assert.Equal(t, "UTC", p.Location(pairing.A).String())

	stage, ok := p.Field("stage")
	require.True(t, ok)
	assert.Equal(t, "StageName", stage.On(pairing.A))
	assert.Equal(t, "dealstage", stage.On(pairing.B))
	_, ok = p.Field("nope")
	assert.False(t, ok)
}

func TestFlows(t *testing.T) {
	cases := []struct {
		dir        pairing.Direction
		fromA, toA bool
	}{
		{pairing.Both, true, true},
		{"", true, true},
		{pairing.AToB, true, false},
		{pairing.BToA, false, true},
	}
	for _, c := range cases {
		f := pairing.Field{Direction: c.dir}
		assert.Equal(t, c.fromA, f.Flows(pairing.A), "%q from a", c.dir)
		assert.Equal(t, c.toA, f.Flows(pairing.B), "%q from b", c.dir)
	}
}

func TestDealFields(t *testing.T) {
	p := testPairing(t, "UTC", "UTC")
	assert.Equal(t, connectors.DealFields{
		CoSellID: "CoSell_Id__c", Enabled: "CoSell_Enabled__c", Owner: "OwnerId",
		PartnerOwnerName: "CoSell_Partner_Owner_Name__c", PartnerOwnerEmail: "CoSell_Partner_Owner_Email__c",
		Mapped: []string{"Name", "StageName", "Amount", "CloseDate", "Forecast__c"},
	}, p.DealFields(pairing.A))
	assert.Equal(t, connectors.DealFields{
		CoSellID: "cosell_id", Enabled: "cosell_enabled", Owner: "hubspot_owner_id",
		PartnerOwnerName: "cosell_partner_owner_name", PartnerOwnerEmail: "cosell_partner_owner_email",
		Mapped: []string{"dealname", "dealstage", "amount", "closedate", "forecast"},
	}, p.DealFields(pairing.B))
	assert.Nil(t, p.A.Deal.Mapped, "DealFields does not change the pairing")
}

func TestMapOwner(t *testing.T) {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)

	got, ok := p.MapOwner(pairing.A, "jane.doe@acme.example")
	assert.True(t, ok)
	assert.Equal(t, "jdoe@globex.example", got)

	got, ok = p.MapOwner(pairing.B, "SLee@Globex.Example")
	assert.True(t, ok, "e-mails compare case-insensitively")
	assert.Equal(t, "sam.lee@acme.example", got)

	got, ok = p.MapOwner(pairing.A, " sam.lee@acme.example ")
	assert.True(t, ok)
	assert.Equal(t, "slee@globex.example", got)

	_, ok = p.MapOwner(pairing.A, "jdoe@globex.example")
	assert.False(t, ok, "the lookup is on the from side only")
	_, ok = p.MapOwner(pairing.A, "")
	assert.False(t, ok)

	assert.Equal(t, "ops@acme.example", p.FallbackOwner(pairing.A))
	assert.Equal(t, "ops@globex.example", p.FallbackOwner(pairing.B))
}

func TestSharesNote(t *testing.T) {
	tagged := &pairing.Pairing{Notes: pairing.Notes{Share: "tagged", Tag: "#partner"}}
	cases := []struct {
		body  string
		share bool
	}{
		{"#partner customer wants a demo", true},
		{"Customer wants a demo #partner", true},
		{"Customer wants a demo. #PARTNER", true},
		{"(#Partner) budget approved", true},
		{"budget approved\n#partner\n", true},
		{"#partner: budget approved", true},
		{"Internal only", false},
		{"#partners meeting", false},
		{"#partner_only", false},
		{"x#partner", false},
		{"partner", false},
		{"", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.share, tagged.SharesNote(c.body), "%q", c.body)
	}

	all := &pairing.Pairing{Notes: pairing.Notes{Share: "all"}}
	assert.True(t, all.SharesNote("Internal only"))

	custom := &pairing.Pairing{Notes: pairing.Notes{Share: "tagged", Tag: "[co-sell]"}}
	assert.True(t, custom.SharesNote("Update [CO-SELL] pricing"))
	assert.False(t, custom.SharesNote("Update #partner pricing"))

	var zero pairing.Pairing
	assert.True(t, zero.SharesNote("hand-built pairing #partner"), "an unset tag defaults to #partner")
	assert.False(t, zero.SharesNote("hand-built pairing"))
}
