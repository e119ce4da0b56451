package pilot_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pilot"
)

func TestDefaultsAreThePlaybook(t *testing.T) {
	c := pilot.Config{}.WithDefaults()
	assert.False(t, c.Enabled, "a pilot runs only when a pairing declares it")
	assert.Equal(t, 24*time.Hour, c.Day)
	assert.Equal(t, 90, c.Length)
	assert.Equal(t, []int{30, 60, 90}, c.Checkpoints)
	assert.Equal(t, pilot.Targets{Registrations: 5, ActiveDealsDay: 60, ActiveDeals: 3, WinRateUplift: 0.10}, c.Targets)
	assert.Equal(t, pilot.Rules{ScaleNeedsPipeline: true, ScaleNeedsRevenue: true, ScaleNeedsRegistrationTarget: true,
		KillWithoutRegistrations: true, KillWithoutPipeline: true}, c.Rules)
	assert.Equal(t, 14, c.DecisionTimeout)
	assert.Equal(t, 0.5, c.Growth)
	assert.Equal(t, []string{"closed_won", "won"}, c.WonStages)
	assert.Equal(t, []string{"closed_lost", "lost"}, c.LostStages)
	assert.Equal(t, "USD", c.Currency)
	require.NoError(t, c.Validate())
	assert.Equal(t, c, c.WithDefaults(), "filling defaults twice changes nothing")
}

func TestDefaultsFollowTheLength(t *testing.T) {
	c := pilot.Config{Length: 120}.WithDefaults()
	assert.Equal(t, []int{40, 80, 120}, c.Checkpoints)
	assert.Equal(t, 80, c.Targets.ActiveDealsDay, "the checkpoint before the decision")
	require.NoError(t, c.Validate())

	c = pilot.Config{Length: 90, Checkpoints: []int{45, 90}}.WithDefaults()
	assert.Equal(t, 45, c.Targets.ActiveDealsDay)

	assert.Equal(t, []int{1}, pilot.DefaultCheckpoints(1))
	assert.Equal(t, []int{1, 2}, pilot.DefaultCheckpoints(2))
	assert.Equal(t, []int{1, 2, 3}, pilot.DefaultCheckpoints(3))
	assert.Nil(t, pilot.DefaultCheckpoints(0))
}

func TestWithDefaultsSharesNothing(t *testing.T) {
	in := pilot.Config{Checkpoints: []int{30, 60, 90}, Approvers: []string{"a@x.example"}}
	out := in.WithDefaults()
	out.Checkpoints[0] = 1
	out.Approvers[0] = "changed"
	out.WonStages[0] = "changed"
	assert.Equal(t, 30, in.Checkpoints[0])
	assert.Equal(t, "a@x.example", in.Approvers[0])
	assert.Equal(t, "closed_won", pilot.DefaultWonStages[0])
}

func TestRaised(t *testing.T) {
	c := pilot.Config{}.WithDefaults().Raised()
	// 5 × 1.5 = 7.5 → 8; 3 × 1.5 = 4.5 → 5; 10 % × 1.5 = 15 %.
	assert.Equal(t, 8, c.Targets.Registrations)
	assert.Equal(t, 5, c.Targets.ActiveDeals)
	assert.InDelta(t, 0.15, c.Targets.WinRateUplift, 1e-12)
	assert.Equal(t, 60, c.Targets.ActiveDealsDay, "the day is kept")
	assert.Equal(t, pilot.DefaultRules(), c.Rules)
	require.NoError(t, c.Validate())

	// Twice: 8 × 1.5 = 12; 5 × 1.5 = 7.5 → 8.
	c = c.Raised()
	assert.Equal(t, 12, c.Targets.Registrations)
	assert.Equal(t, 8, c.Targets.ActiveDeals)

	// 10 × 1.1 is 11.000000000000002 in floating point: still 11, not 12.
	c = pilot.Config{Growth: 0.1, Targets: pilot.Targets{Registrations: 10, ActiveDeals: 20}}.Raised()
	assert.Equal(t, 11, c.Targets.Registrations)
	assert.Equal(t, 22, c.Targets.ActiveDeals)
}

func TestValidate(t *testing.T) {
	ok := pilot.Config{}.WithDefaults()
	cases := []struct {
		name   string
		change func(*pilot.Config)
		msg    string
	}{
		{"zero day", func(c *pilot.Config) { c.Day = 0 }, "day must be longer than zero"},
		{"negative day", func(c *pilot.Config) { c.Day = -time.Hour }, "day must be longer than zero"},
		{"no length", func(c *pilot.Config) { c.Length = 0; c.Checkpoints = []int{0} }, "length must be at least 1"},
		{"no checkpoints", func(c *pilot.Config) { c.Checkpoints = nil }, "there are no checkpoints"},
		{"checkpoints not increasing", func(c *pilot.Config) { c.Checkpoints = []int{60, 30, 90} }, "checkpoint day 30 does not come after day 60"},
		{"checkpoint repeated", func(c *pilot.Config) { c.Checkpoints = []int{30, 30, 90} }, "checkpoint day 30 does not come after day 30"},
		{"last checkpoint not the length", func(c *pilot.Config) { c.Checkpoints = []int{30, 60, 80} }, "the last checkpoint is day 80, not day 90"},
		{"checkpoint beyond the window", func(c *pilot.Config) { c.Checkpoints = []int{30, 60, 90, 120} }, "checkpoint day 120 is outside the window"},
		{"negative registrations", func(c *pilot.Config) { c.Targets.Registrations = -1 }, "registrations target must be at least 1"},
		{"negative active deals", func(c *pilot.Config) { c.Targets.ActiveDeals = -3 }, "active-deals target must be at least 1"},
		{"active deals day beyond", func(c *pilot.Config) { c.Targets.ActiveDealsDay = 91 }, "active-deals day must be between 1 and 90"},
		{"negative uplift", func(c *pilot.Config) { c.Targets.WinRateUplift = -0.1 }, "win-rate uplift must be above 0%"},
		{"NaN uplift", func(c *pilot.Config) { c.Targets.WinRateUplift = math.NaN() }, "not a number"},
		{"every rule off", func(c *pilot.Config) { c.Rules = pilot.Rules{} }, "every decision rule is off"},
		{"no decision timeout", func(c *pilot.Config) { c.DecisionTimeout = 0 }, "decision timeout must be at least 1 day"},
		{"huge growth", func(c *pilot.Config) { c.Growth = 20 }, "growth must be above 0% and at most 1000.0%"},
		{"won and lost", func(c *pilot.Config) { c.LostStages = []string{"Closed_Won"} }, "stage closed_won counts as both won and lost"},
		{"no won stage", func(c *pilot.Config) { c.WonStages = nil }, "no stage counts as won"},
		{"approver", func(c *pilot.Config) { c.Approvers = []string{"Maria <maria@acme.example>"} }, `invalid e-mail "Maria <maria@acme.example>" in approvers`},
		{"manager", func(c *pilot.Config) { c.ManagersB = []string{"kim@globex"} }, `invalid e-mail "kim@globex" in managers of side b`},
		{"currency", func(c *pilot.Config) { c.Currency = "usd" }, `invalid currency "usd"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok.WithDefaults()
			tc.change(&c)
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}

	c := ok
	c.Day, c.Targets.Registrations = 0, -1
	err := c.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "day must be longer")
	assert.Contains(t, err.Error(), "registrations target", "every problem is reported")
}

func TestPilotDays(t *testing.T) {
	c := pilot.Config{Day: time.Second}.WithDefaults()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, 0, c.DayOf(start, start))
	assert.Equal(t, 0, c.DayOf(start, start.Add(-time.Hour)))
	assert.Equal(t, 29, c.DayOf(start, start.Add(29999*time.Millisecond)))
	assert.Equal(t, 30, c.DayOf(start, start.Add(30*time.Second)))
	assert.Equal(t, start.Add(90*time.Second), c.At(start, 90))
	assert.True(t, c.IsCheckpoint(60))
	assert.False(t, c.IsCheckpoint(59))
	assert.False(t, c.Final(60))
	assert.True(t, c.Final(90))
	assert.True(t, c.Final(104), "after the decision day, still final")
}
