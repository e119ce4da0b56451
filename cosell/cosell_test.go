package cosell_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/vocab"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]cosell.Model{
		"partner_led": cosell.PartnerLed, "Partner-led": cosell.PartnerLed, "partner led, vendor supported": cosell.PartnerLed,
		"vendor-led": cosell.VendorLed, "true_cosell": cosell.TrueCoSell, "co-sell": cosell.TrueCoSell, "True co-sell": cosell.TrueCoSell,
	} {
		got, err := cosell.ParseModel(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := cosell.ParseModel("reseller")
	assert.EqualError(t, err, `unknown model "reseller": want partner_led, vendor_led or true_cosell`)

	for in, want := range map[string]cosell.Motion{"sell_with": cosell.SellWith, "Sell-Through": cosell.SellThrough, "sell to": cosell.SellTo} {
		got, err := cosell.ParseMotion(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err = cosell.ParseMotion("sell_by")
	assert.EqualError(t, err, `unknown motion "sell_by": want sell_with, sell_through or sell_to`)

	for in, want := range map[string]cosell.Lead{"a": "a", " B ": "b", "Joint": cosell.JointLead} {
		got, err := cosell.ParseLead(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err = cosell.ParseLead("both")
	assert.ErrorContains(t, err, "want a, b or joint")
}

func TestStages(t *testing.T) {
	for in, want := range map[string]cosell.Stage{
		"prospecting": cosell.Identification, "Qualification": cosell.Discovery, "Solution Presentation": cosell.Presentation,
		"presentation": cosell.Presentation, "decision": cosell.Evaluation, "proposal/negotiation": cosell.Proposal,
		"negotiation": cosell.Proposal, "closing": cosell.Close, "close": cosell.Close,
	} {
		got, ok := cosell.StageOf(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"closed_won", "closed_lost", "won", "needs_analysis", ""} {
		_, ok := cosell.StageOf(in)
		assert.False(t, ok, "%q has no playbook stage", in)
	}
	assert.Equal(t, 1, cosell.Identification.Number())
	assert.Equal(t, 6, cosell.Close.Number())
	assert.Equal(t, 0, cosell.Stage("closed_won").Number())
	assert.Equal(t, []string{"evaluation", "decision"}, cosell.Evaluation.Names())
	_, err := cosell.ParseStage("won")
	assert.ErrorContains(t, err, "unknown stage")

	d := cosell.Defaults{Stages: map[string]cosell.Stage{"needs_analysis": cosell.Discovery, "decision": cosell.Proposal}}
	s, ok := d.Stage("needs_analysis")
	assert.True(t, ok)
	assert.Equal(t, cosell.Discovery, s, "the pairing maps a stage the playbook does not know")
	s, _ = d.Stage("decision")
	assert.Equal(t, cosell.Proposal, s, "the pairing's mapping comes before the usual names")
	s, _ = d.Stage("qualification")
	assert.Equal(t, cosell.Discovery, s)
}

// The playbook's table, stage by stage, with side b as the vendor.
func TestLeadsPerModel(t *testing.T) {
	want := map[cosell.Model][]cosell.Lead{
		cosell.PartnerLed: {"a", "a", "b", "b", "a", "a"},
		cosell.VendorLed:  {"b", "b", "b", "b", "b", "b"},
		cosell.TrueCoSell: {"joint", "joint", "joint", "joint", "joint", "joint"},
	}
	for m, leads := range want {
		p := cosell.Plan{Model: m, Motion: cosell.SellWith, Vendor: vocab.B}
		require.NoError(t, p.Validate())
		for i, s := range cosell.Stages {
			assert.Equal(t, leads[i], p.Lead(s), "%s, %s", m, s)
		}
	}
	// The brief's summary of partner-led: the partner leads discovery and negotiation, the vendor the
	// demo and technical validation.
	p := cosell.Plan{Model: cosell.PartnerLed, Motion: cosell.SellWith, Vendor: vocab.A}
	assert.Equal(t, cosell.Lead("b"), p.Lead(cosell.Discovery))
	assert.Equal(t, cosell.Lead("b"), p.Lead(cosell.Proposal))
	assert.Equal(t, cosell.Lead("a"), p.Lead(cosell.Presentation))
	assert.Equal(t, cosell.Lead("a"), p.Lead(cosell.Evaluation))
	assert.Equal(t, cosell.Lead(""), p.Lead("closed_won"), "a closed stage has no lead")
	assert.Equal(t, []cosell.Party{cosell.Partner, cosell.Partner, cosell.Vendor, cosell.Vendor, cosell.Partner, cosell.Partner}, cosell.Leads(cosell.PartnerLed))
	assert.Nil(t, cosell.Leads("reseller"))
}

func TestNewPlanFindsTheVendor(t *testing.T) {
	// A pairing that names its vendor keeps it, whoever registers.
	p, err := cosell.NewPlan(cosell.Defaults{Vendor: vocab.B}, vocab.B, "", "")
	require.NoError(t, err)
	assert.Equal(t, cosell.Plan{Model: cosell.PartnerLed, Motion: cosell.SellWith, Vendor: vocab.B}, p)
	assert.Equal(t, cosell.Lead("a"), p.Lead(cosell.Discovery), "b registered, but a is the partner and leads discovery")

	// Without one, the registrant is the partner in a partner-led deal, the vendor in a vendor-led one.
	p, err = cosell.NewPlan(cosell.Defaults{}, vocab.A, "", "")
	require.NoError(t, err)
	assert.Equal(t, vocab.B, p.Vendor)
	assert.Equal(t, cosell.Lead("a"), p.Lead(cosell.Identification), "the partner who brought the deal leads it")
	p, err = cosell.NewPlan(cosell.Defaults{Model: cosell.PartnerLed}, vocab.A, cosell.VendorLed, cosell.SellTo)
	require.NoError(t, err)
	assert.Equal(t, cosell.Plan{Model: cosell.VendorLed, Motion: cosell.SellTo, Vendor: vocab.A}, p, "the deal's model overrides the pairing's")

	_, err = cosell.NewPlan(cosell.Defaults{}, "c", "", "")
	assert.ErrorContains(t, err, "registrant")
	_, err = cosell.NewPlan(cosell.Defaults{}, vocab.A, "reseller", "")
	assert.ErrorContains(t, err, `unknown model "reseller"`)
	_, err = cosell.NewPlan(cosell.Defaults{Vendor: "x"}, vocab.A, "", "sell_by")
	assert.ErrorContains(t, err, `unknown motion "sell_by"`)
	assert.ErrorContains(t, err, `vendor "x"`)
}

func TestOverrides(t *testing.T) {
	p := cosell.Plan{Model: cosell.PartnerLed, Motion: cosell.SellWith, Vendor: vocab.B}
	q, err := p.WithOverride(cosell.Proposal, "b")
	require.NoError(t, err)
	q, err = q.WithOverride(cosell.Discovery, cosell.JointLead)
	require.NoError(t, err)
	assert.Equal(t, []cosell.Override{{Stage: cosell.Discovery, Lead: "joint"}, {Stage: cosell.Proposal, Lead: "b"}}, q.Overrides, "kept in stage order")
	assert.Nil(t, p.Overrides, "the original plan is unchanged")
	require.NoError(t, q.Validate())
	assert.Equal(t, []cosell.StageLead{
		{Stage: cosell.Identification, Lead: "a"},
		{Stage: cosell.Discovery, Lead: "joint", Overridden: true},
		{Stage: cosell.Presentation, Lead: "b"},
		{Stage: cosell.Evaluation, Lead: "b"},
		{Stage: cosell.Proposal, Lead: "b", Overridden: true},
		{Stage: cosell.Close, Lead: "a"},
	}, q.Leads())
	assert.Equal(t, []vocab.Side{vocab.A, vocab.B}, q.Lead(cosell.Discovery).Sides())
	assert.True(t, q.Lead(cosell.Discovery).Has(vocab.B))
	assert.False(t, q.Lead(cosell.Close).Has(vocab.B))

	// Setting the playbook's lead again removes the override.
	r, err := q.WithOverride(cosell.Proposal, "a")
	require.NoError(t, err)
	assert.Equal(t, []cosell.Override{{Stage: cosell.Discovery, Lead: "joint"}}, r.Overrides)
	r, err = r.WithOverride(cosell.Discovery, "a")
	require.NoError(t, err)
	assert.Nil(t, r.Overrides)

	_, err = p.WithOverride("closed_won", "a")
	assert.ErrorContains(t, err, "unknown stage")
	_, err = p.WithOverride(cosell.Close, "c")
	assert.ErrorContains(t, err, "unknown lead")

	bad := cosell.Plan{Model: cosell.PartnerLed, Motion: cosell.SellWith, Vendor: vocab.B,
		Overrides: []cosell.Override{{Stage: cosell.Proposal, Lead: "a"}, {Stage: cosell.Discovery, Lead: "b"}, {Stage: "won", Lead: "a"}, {Stage: cosell.Close, Lead: "x"}}}
	err = bad.Validate()
	assert.ErrorContains(t, err, "out of stage order")
	assert.ErrorContains(t, err, `unknown stage "won"`)
	assert.ErrorContains(t, err, `unknown lead "x"`)
}

func TestPlanJSON(t *testing.T) {
	p := cosell.Plan{Model: cosell.TrueCoSell, Motion: cosell.SellThrough, Vendor: vocab.A, Overrides: []cosell.Override{{Stage: cosell.Evaluation, Lead: "a"}}}
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"model":"true_cosell","motion":"sell_through","vendor":"a","overrides":[{"stage":"evaluation","lead":"a"}]}`, string(b))
	var back cosell.Plan
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, p, back)
}
