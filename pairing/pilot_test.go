package pairing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/pilot"
)

func TestPilotAbsentGivesDefaultsNotEnabled(t *testing.T) {
	p, err := parseWith(t, "")
	require.NoError(t, err)
	assert.Equal(t, pilot.Config{}.WithDefaults(), p.Pilot)
	assert.False(t, p.Pilot.Enabled, "no section, no pilot")
	require.NoError(t, p.Pilot.Validate())

	p, err = parseWith(t, "pilot:\n")
	require.NoError(t, err)
	assert.False(t, p.Pilot.Enabled, "an empty section is not enabled")

	p, err = parseWith(t, "pilot:\n  enabled: false\n  length: 60\n")
	require.NoError(t, err)
	assert.False(t, p.Pilot.Enabled)
	assert.Equal(t, 60, p.Pilot.Length)
	assert.Equal(t, []int{20, 40, 60}, p.Pilot.Checkpoints, "without checkpoints, thirds of length")
	assert.Equal(t, 40, p.Pilot.Targets.ActiveDealsDay, "counted on the checkpoint before the decision")
}

func TestPilotSectionParses(t *testing.T) {
	p, err := parseWith(t, `pilot:
  enabled: true
  day: 1m
  length: 120
  checkpoints: [30, 60, 90, 120]
  targets:
    registrations: 8
    active_deals: 4
    active_deals_by_day: 75
    win_rate_uplift: 0.125
  rules:
    scale: { needs_revenue: false, needs_win_rate_target: true }
    kill:  { without_pipeline: false }
  approvers: [maria.manager@acme.example, kim.manager@globex.example]
  decision_timeout: 7
  growth: 25%
  won_stages: [closed_won, decision]
  lost_stages: [closed_lost]
  currency: EUR
  managers:
    a: [maria.manager@acme.example, sam.lee@acme.example]
    b: [kim.manager@globex.example]
`)
	require.NoError(t, err)
	assert.Equal(t, pilot.Config{
		Enabled:     true,
		Day:         time.Minute,
		Length:      120,
		Checkpoints: []int{30, 60, 90, 120},
		Targets:     pilot.Targets{Registrations: 8, ActiveDealsDay: 75, ActiveDeals: 4, WinRateUplift: 0.125},
		Rules: pilot.Rules{ScaleNeedsPipeline: true, ScaleNeedsRevenue: false, ScaleNeedsRegistrationTarget: true,
			ScaleNeedsWinRateTarget: true, KillWithoutRegistrations: true, KillWithoutPipeline: false},
		Approvers:       []string{"maria.manager@acme.example", "kim.manager@globex.example"},
		DecisionTimeout: 7,
		Growth:          0.25,
		WonStages:       []string{"closed_won", "decision"},
		LostStages:      []string{"closed_lost"},
		ManagersA:       []string{"maria.manager@acme.example", "sam.lee@acme.example"},
		ManagersB:       []string{"kim.manager@globex.example"},
		Currency:        "EUR",
	}, p.Pilot)
	require.NoError(t, p.Pilot.Validate())
	assert.Equal(t, p.Pilot, p.Pilot.WithDefaults(), "the loader hands out a complete config")

	// Only what is written changes; a percentage may be written as a share.
	p, err = parseWith(t, "pilot:\n  enabled: true\n  targets: { win_rate_uplift: 15% }\n  growth: 1\n")
	require.NoError(t, err)
	want := pilot.Config{Enabled: true, Targets: pilot.Targets{WinRateUplift: 0.15}, Growth: 1}.WithDefaults()
	assert.Equal(t, want, p.Pilot)
}

// Problems beyond the one-per-file broken set: each snippet appended to base gives exactly one problem.
func TestPilotProblems(t *testing.T) {
	cases := []problemCase{
		{"misspelt section", "pilt:\n  enabled: true\n", 1, "unknown key pilt in the file", "did you mean pilot?"},
		{"section a list", "pilot:\n  - enabled: true\n", 2, "pilot must be a map, not a list", "remove the leading `- `"},
		{"day zero", "pilot:\n  day: 0s\n", 2, "pilot › day must be longer than zero", "24h"},
		{"day empty", "pilot:\n  day:\n", 2, "pilot › day is empty", "24h"},
		{"length zero", "pilot:\n  length: 0\n", 2, "pilot › length must be at least 1, not 0", "e.g. 90"},
		{"length a word", "pilot:\n  length: ninety\n", 2, `pilot › length must be a whole number, not "ninety"`, ""},
		{"checkpoints empty", "pilot:\n  checkpoints: []\n", 2, "pilot › checkpoints is empty", "thirds of length"},
		{"checkpoints a number", "pilot:\n  checkpoints: 90\n", 2, "pilot › checkpoints must be a list", ""},
		{"checkpoint a word", "pilot:\n  checkpoints: [30, sixty, 90]\n", 2, `checkpoint "sixty" in pilot › checkpoints is not a whole number of days`, ""},
		{"checkpoint zero", "pilot:\n  checkpoints: [0, 45, 90]\n", 2, "checkpoint day 0 in pilot › checkpoints is before the pilot's first day", ""},
		{"checkpoint twice", "pilot:\n  checkpoints:\n    - 30\n    - 30\n    - 90\n", 4, "checkpoint day 30 does not come after day 30", ""},
		{"checkpoint beyond", "pilot:\n  checkpoints: [30, 60, 90, 120]\n", 2, "checkpoint day 120 is after the pilot's last day (length 90)", "or set length: 120"},
		{"last checkpoint with default length", "pilot:\n  checkpoints: [30, 60]\n", 2, "the last checkpoint is day 60, not the pilot's last day (90)", "add `length: 60`"},
		{"registrations zero", "pilot:\n  targets:\n    registrations: 0\n", 3, "pilot › targets › registrations must be at least 1, not 0", "needs_registration_target: false"},
		{"active deals zero", "pilot:\n  targets: { active_deals: 0 }\n", 2, "pilot › targets › active_deals must be at least 1, not 0", ""},
		{"active deals a fraction", "pilot:\n  targets: { active_deals: 2.5 }\n", 2, `pilot › targets › active_deals must be a whole number, not "2.5"`, ""},
		{"active deals day misspelt", "pilot:\n  targets:\n    active_deals_day: 60\n", 3, "unknown key active_deals_day in pilot › targets", "did you mean active_deals_by_day?"},
		{"uplift a word", "pilot:\n  targets:\n    win_rate_uplift: ten\n", 3, `invalid percentage "ten" in pilot › targets › win_rate_uplift`, "such as 10%"},
		{"uplift NaN", "pilot:\n  targets:\n    win_rate_uplift: NaN\n", 3, "pilot › targets › win_rate_uplift must be above 0%, not NaN", ""},
		{"uplift zero", "pilot:\n  targets:\n    win_rate_uplift: 0%\n", 3, "pilot › targets › win_rate_uplift must be above 0%, not 0%", "solo × 1.10"},
		{"uplift negative", "pilot:\n  targets:\n    win_rate_uplift: -10%\n", 3, "must be above 0%, not -10%", ""},
		{"uplift huge", "pilot:\n  targets:\n    win_rate_uplift: 2000%\n", 3, "pilot › targets › win_rate_uplift is 2000%: more than 1000.0% is a typo", ""},
		{"growth a bare 50", "pilot:\n  growth: 50\n", 2, `pilot › growth is "50": a bare number is a share of 1, so this would be 5000.0%`, "write 50% for a percentage"},
		{"decision timeout with a unit", "pilot:\n  decision_timeout: 14d\n", 2, `pilot › decision_timeout must be a whole number, not "14d"`, "number of pilot days"},
		{"decision timeout zero", "pilot:\n  decision_timeout: 0\n", 2, "pilot › decision_timeout must be at least 1, not 0", ""},
		{"rule misspelt", "pilot:\n  rules:\n    scale: { needs_pipline: true }\n", 3, "unknown key needs_pipline in pilot › rules › scale", "did you mean needs_pipeline?"},
		{"rule not a bool", "pilot:\n  rules:\n    kill:\n      without_pipeline: maybe\n", 4, `pilot › rules › kill › without_pipeline must be true or false, not "maybe"`, ""},
		{"rules a list", "pilot:\n  rules: [scale]\n", 2, "pilot › rules must be a map, not a list", "scale or kill"},
		{"approver twice", "pilot:\n  approvers: [m@acme.example, M@acme.example]\n", 2, "M@acme.example appears twice in pilot › approvers", ""},
		{"manager with a name", "pilot:\n  managers:\n    b: [Kim <kim@globex.example>]\n", 3, `invalid e-mail "Kim <kim@globex.example>" in pilot › managers › b`, ""},
		{"managers third side", "pilot:\n  managers:\n    c: [x@y.example]\n", 3, "unknown key c in pilot › managers", ""},
		{"won stages empty", "pilot:\n  won_stages: []\n", 2, "pilot › won_stages is empty: no stage would close a deal as won", "closed_won or won"},
		{"won stage twice", "pilot:\n  won_stages: [closed_won, closed_won]\n", 2, "closed_won appears twice in pilot › won_stages (first on line 24)", ""},
		{"lost stage unknown", "pilot:\n  lost_stages:\n    - lost\n", 3, "unknown stage lost in pilot › lost_stages", "the stages are prospecting, qualification, decision, needs_analysis, closed_won or closed_lost"},
		{"stage both won and lost", "pilot:\n  won_stages: [closed_won, closed_lost]\n  lost_stages: [closed_lost]\n", 3, "stage closed_lost is both won and lost", "remove it from one of the lists"},
		{"lost stage won by default", "pilot:\n  lost_stages: [closed_won]\n", 2, "stage closed_won is both won and lost", ""},
		{"won stage lost by default", "pilot:\n  won_stages: [closed_lost]\n", 2, "stage closed_lost is both won and lost: it is in pilot › won_stages and in the default lost stages (closed_lost or lost)", "write lost_stages without it"},
		{"currency lower case", "pilot:\n  currency: eur\n", 2, `invalid currency "eur" in pilot`, "write it in upper case: EUR"},
		{"currency a name", "pilot:\n  currency: dollars\n", 2, `invalid currency "dollars" in pilot`, "ISO 4217"},
	}
	checkProblems(t, cases)
}

func TestPilotStagesNeedAStagePicklist(t *testing.T) {
	_, err := pairing.Parse("p.yaml", []byte(noStageBase+`pilot:
  enabled: true
  won_stages: [closed_won]
`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yaml:12:3: pilot › won_stages needs a picklist field named stage")

	// Without won_stages or lost_stages, a pairing without a stage picklist still runs a pilot: won and
	// lost events close its deals.
	p, err := pairing.Parse("p.yaml", []byte(noStageBase+`pilot: { enabled: true }
`))
	require.NoError(t, err)
	assert.True(t, p.Pilot.Enabled)
}

func TestExamplePilots(t *testing.T) {
	demo, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	assert.Equal(t, pilot.Config{
		Enabled:         true,
		Day:             24 * time.Hour,
		Length:          90,
		Checkpoints:     []int{30, 60, 90},
		Targets:         pilot.Targets{Registrations: 5, ActiveDealsDay: 60, ActiveDeals: 3, WinRateUplift: 0.10},
		Rules:           pilot.DefaultRules(),
		Approvers:       []string{"maria.manager@acme.example", "kim.manager@globex.example"},
		DecisionTimeout: 14,
		Growth:          0.5,
		WonStages:       []string{"closed_won"},
		LostStages:      []string{"closed_lost"},
		ManagersA:       []string{"maria.manager@acme.example"},
		ManagersB:       []string{"kim.manager@globex.example"},
		Currency:        "USD",
	}, demo.Pilot, "the demo spells out the playbook's pilot")

	hs, err := pairing.Load("../examples/hubspot-salesforce/pairing.yaml")
	require.NoError(t, err)
	assert.False(t, hs.Pilot.Enabled, "a pairing without the section runs no pilot")
	assert.Equal(t, pilot.Config{}.WithDefaults(), hs.Pilot)
}
