package pairing_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

func TestCoSellAbsentGivesThePlaybook(t *testing.T) {
	for _, section := range []string{"", "cosell:\n"} {
		p, err := parseWith(t, section)
		require.NoError(t, err)
		assert.Equal(t, cosell.Defaults{Model: cosell.PartnerLed, Motion: cosell.SellWith}, p.CoSell)
		assert.Equal(t, attribution.DefaultRules(), p.Attribution)
		assert.Equal(t, attribution.Split{Sourcing: 2000, Selling: 4000, TechnicalValidation: 2500, Influence: 1500}, p.Attribution.Split)
		assert.Equal(t, attribution.Pool{Solo: 2000, CoSell: 2500, TrueCoSell: 3000}, p.Attribution.Pool)
		require.NoError(t, p.Attribution.Validate())
	}
}

func TestCoSellSectionParses(t *testing.T) {
	p, err := parseWith(t, `cosell:
  model: vendor-led
  motion: sell_through
  vendor: b
  currency: EUR
  stages:
    needs_analysis: discovery
    decision: proposal
  split: { sourcing: 30%, selling: 0.45, technical_validation: 25% }
  pool:
    solo: 18%
    true_cosell: 27.5%
  rules:
    selling_stages: [proposal, close]
    technical_validation: { kinds: [demo], min_touchpoints: 2 }
    influence:
      kinds: [meeting, e-mail, executive sponsorship]
`)
	require.NoError(t, err)
	assert.Equal(t, cosell.Defaults{Model: cosell.VendorLed, Motion: cosell.SellThrough, Vendor: vocab.B,
		Stages: map[string]cosell.Stage{"needs_analysis": cosell.Discovery, "decision": cosell.Proposal}}, p.CoSell)
	assert.Equal(t, attribution.Rules{
		Currency:            "EUR",
		Split:               attribution.Split{Sourcing: 3000, Selling: 4500, TechnicalValidation: 2500},
		Pool:                attribution.Pool{Solo: 1800, CoSell: 2500, TrueCoSell: 2750},
		SellingStages:       []cosell.Stage{cosell.Proposal, cosell.Close},
		TechnicalValidation: attribution.Evidence{Kinds: []touchpoint.Kind{touchpoint.Demo}, MinTouchpoints: 2},
		Influence:           attribution.Evidence{Kinds: []touchpoint.Kind{touchpoint.Meeting, touchpoint.Email, touchpoint.ExecutiveSponsorship}, MinTouchpoints: 1},
	}, p.Attribution)
	require.NoError(t, p.Attribution.Validate())
	s, ok := p.CoSell.Stage("decision")
	assert.True(t, ok)
	assert.Equal(t, cosell.Proposal, s, "the pairing's mapping beats the usual name")
	s, _ = p.CoSell.Stage("prospecting")
	assert.Equal(t, cosell.Identification, s)

	plan, err := cosell.NewPlan(p.CoSell, vocab.A, "", "")
	require.NoError(t, err)
	assert.Equal(t, cosell.Lead("b"), plan.Lead(cosell.Discovery), "vendor-led, and b is the vendor")
}

// Each snippet appended to base gives exactly one problem, at its line.
func TestCoSellProblems(t *testing.T) {
	cases := []problemCase{
		{"misspelt section", "cosel:\n  model: partner_led\n", 1, "unknown key cosel in the file", "did you mean cosell?"},
		{"section a list", "cosell:\n  - model: partner_led\n", 2, "cosell must be a map, not a list", ""},
		{"unknown model", "cosell:\n  model: reseller\n", 2, `unknown model "reseller" in cosell`, "partner_led, vendor_led or true_cosell"},
		{"unknown motion", "cosell:\n  motion: sell_by\n", 2, `unknown motion "sell_by" in cosell`, "sell_with, sell_through or sell_to"},
		{"vendor c", "cosell:\n  vendor: c\n", 2, `unknown vendor "c" in cosell`, "use a or b"},
		{"currency lower", "cosell:\n  currency: eur\n", 2, `invalid currency "eur" in cosell`, "write it in upper case, EUR"},
		{"currency unknown", "cosell:\n  currency: XYZ\n", 2, `invalid currency "XYZ" in cosell`, "not in the table of supported currencies"},
		{"currency against the pilot", "pilot:\n  enabled: true\ncosell:\n  currency: EUR\n", 4, "cosell › currency is EUR but the pilot scores in USD", "write `currency: EUR` under pilot too"},
		{"stage unknown", "cosell:\n  stages:\n    negotiation: proposal\n", 3, "unknown stage negotiation in cosell › stages", "the stages are prospecting"},
		{"stage misspelt", "cosell:\n  stages:\n    decison: evaluation\n", 3, "unknown stage decison", "did you mean decision?"},
		{"playbook stage unknown", "cosell:\n  stages:\n    needs_analysis: analysis\n", 3, `unknown playbook stage "analysis" for stage needs_analysis`, "identification, discovery"},
		{"playbook stage empty", "cosell:\n  stages:\n    needs_analysis:\n", 3, "cosell › stages › needs_analysis is empty", ""},
		{"split short", "cosell:\n  split: { sourcing: 20%, selling: 40% }\n", 2, "cosell › split totals 60%, not 100%", "sourcing 20%, selling 40%"},
		{"split bare number", "cosell:\n  split:\n    sourcing: 20\n    selling: 80%\n", 3, `cosell › split › sourcing is "20": a bare number is a share of 1`, "write 20%"},
		{"split too precise", "cosell:\n  split:\n    sourcing: 20.125%\n    selling: 80%\n", 3, "cosell › split › sourcing has more than two decimals", ""},
		{"split zero", "cosell:\n  split:\n    sourcing: 0%\n    selling: 100%\n", 3, "cosell › split › sourcing must be above 0%", "leave a role out"},
		{"split over the whole", "cosell:\n  split:\n    selling: 120%\n", 3, "cosell › split › selling is 120%, more than the whole", ""},
		{"split implementation", "cosell:\n  split:\n    implementation: 10%\n", 3, "unknown key implementation in cosell › split", "sourcing, selling, technical_validation or influence"},
		{"pool below solo", "cosell:\n  pool:\n    solo: 30%\n    cosell: 25%\n", 4, "cosell › pool › cosell is 25%, below the solo pool of 30%", "so that co-selling is rational"},
		{"pool misspelt", "cosell:\n  pool:\n    co_sell: 25%\n", 3, "unknown key co_sell in cosell › pool", "did you mean cosell?"},
		{"selling stages empty", "cosell:\n  rules:\n    selling_stages: []\n", 3, "cosell › rules › selling_stages is empty", ""},
		{"selling stage unknown", "cosell:\n  rules:\n    selling_stages: [discovery, won]\n", 3, `unknown playbook stage "won" in cosell › rules › selling_stages`, ""},
		{"selling stage twice", "cosell:\n  rules:\n    selling_stages:\n      - close\n      - closing\n", 5, "close appears twice in cosell › rules › selling_stages (first on line 26)", ""},
		{"kind unknown", "cosell:\n  rules:\n    influence: { kinds: [lunch] }\n", 3, `unknown touchpoint kind "lunch" in cosell › rules › influence › kinds`, "intro, meeting"},
		{"kind twice", "cosell:\n  rules:\n    technical_validation:\n      kinds: [demo, Demo]\n", 4, "demo appears twice in cosell › rules › technical_validation › kinds", ""},
		{"kinds empty", "cosell:\n  rules:\n    influence: { kinds: [] }\n", 3, "cosell › rules › influence › kinds is empty", ""},
		{"minimum zero", "cosell:\n  rules:\n    influence: { min_touchpoints: 0 }\n", 3, "cosell › rules › influence › min_touchpoints must be at least 1, not 0", ""},
		{"rules misspelt", "cosell:\n  rules:\n    technical_validaton: {}\n", 3, "unknown key technical_validaton in cosell › rules", "did you mean technical_validation?"},
	}
	checkProblems(t, cases)
}

func TestCoSellStagesNeedAStagePicklist(t *testing.T) {
	_, err := pairing.Parse("p.yaml", []byte(noStageBase+`cosell:
  stages: { needs_analysis: discovery }
`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yaml:11:3: cosell › stages needs a picklist field named stage")
}

func TestExampleCoSell(t *testing.T) {
	demo, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	assert.Equal(t, cosell.Defaults{Model: cosell.PartnerLed, Motion: cosell.SellWith, Vendor: vocab.B,
		Stages: map[string]cosell.Stage{"presentation": cosell.Presentation, "decision": cosell.Evaluation}}, demo.CoSell)
	want := attribution.DefaultRules()
	want.Currency = "USD"
	assert.Equal(t, want, demo.Attribution, "the demo spells out the playbook's rules")

	hs, err := pairing.Load("../examples/hubspot-salesforce/pairing.yaml")
	require.NoError(t, err)
	assert.Equal(t, cosell.TrueCoSell, hs.CoSell.Model)
	assert.Equal(t, attribution.Split{Sourcing: 3000, Selling: 4000, TechnicalValidation: 3000}, hs.Attribution.Split)
	assert.Equal(t, attribution.Pool{Solo: 2000, CoSell: 2500, TrueCoSell: 2800}, hs.Attribution.Pool)
	assert.Equal(t, 2, hs.Attribution.TechnicalValidation.MinTouchpoints)
	assert.Equal(t, "EUR", hs.Attribution.Currency)
}

// The worked example in examples/README.md is what the demo pairing's rules compute, line for line.
func TestReadmeAttributionExample(t *testing.T) {
	demo, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	won := time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)
	plan, err := cosell.NewPlan(demo.CoSell, vocab.A, "", "")
	require.NoError(t, err)
	set := touchpoint.NewSet("CS-ACME-7", 0)
	for i, x := range []struct {
		side vocab.Side
		kind touchpoint.Kind
	}{
		{vocab.A, touchpoint.DiscoveryCall}, {vocab.A, touchpoint.Meeting}, {vocab.A, touchpoint.Email}, {vocab.A, touchpoint.ProposalReview},
		{vocab.B, touchpoint.Meeting}, {vocab.B, touchpoint.Demo}, {vocab.B, touchpoint.Demo}, {vocab.B, touchpoint.TechnicalValidation},
	} {
		_, err := set.Add(touchpoint.Touchpoint{Side: x.side, Person: "rep-" + string(x.side), Kind: x.kind,
			At: won.AddDate(0, 0, -30+i), Deal: "CS-ACME-7", Source: fmt.Sprint("act-", i)})
		require.NoError(t, err)
	}
	r, err := attribution.Attribute(demo.Attribution, attribution.Deal{CoSellID: "CS-ACME-7", Amount: money.Amount{Currency: "USD", Minor: 12_000_000},
		WonAt: won, Registrant: vocab.A, Plan: plan, Touchpoints: set, Names: map[vocab.Side]string{vocab.A: demo.A.Name, vocab.B: demo.B.Name}})
	require.NoError(t, err)
	readme, err := os.ReadFile("../examples/README.md")
	require.NoError(t, err)
	for _, line := range r.Calculation {
		assert.True(t, strings.Contains(string(readme), line), "examples/README.md lacks the line %q", line)
	}
	assert.Equal(t, []int64{1_800_000, 1_200_000}, []int64{r.Parts[0].AmountMinor, r.Parts[1].AmountMinor})
}

// The fields the worker writes itself map like any field, but take no direction or conflict.
func TestCoSellEngineFieldsTakeNoDirection(t *testing.T) {
	mapped := strings.Replace(base, "owners:\n", "  - { name: cosell_model, a: CoSell_Model__c, b: cosell_model }\n  - { name: cosell_lead, a: CoSell_Lead__c, b: cosell_lead, direction: a_to_b }\nowners:\n", 1)
	_, err := pairing.Parse("p.yaml", []byte(mapped))
	require.Error(t, err)
	var ps *pairing.Problems
	require.True(t, errors.As(err, &ps), err.Error())
	require.Len(t, ps.List, 1, err.Error())
	assert.Contains(t, ps.List[0].Message, "field cosell_lead is written by CoSell Sync itself, so it has no direction")
	assert.Equal(t, 19, ps.List[0].Line, "the cosell_lead line")

	p, err := pairing.Parse("p.yaml", []byte(strings.Replace(mapped, ", direction: a_to_b", "", 1)))
	require.NoError(t, err)
	f, ok := p.Field(vocab.FieldCoSellModel)
	require.True(t, ok)
	assert.Equal(t, "CoSell_Model__c", f.A)
}
