package sla_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/sla"
)

func TestPolicyDefaults(t *testing.T) {
	p := sla.Policy{}.WithDefaults()
	assert.Equal(t, sla.Policy{
		Calendar:               sla.Calendar{}.WithDefaults(),
		WarnAt:                 0.8,
		RegistrationAcceptance: 24 * time.Hour,
		RequestResponse:        24 * time.Hour,
		RequestTag:             "#request",
		Ladder: []sla.Level{
			{Level: 1, Name: "reps", After: 0},
			{Level: 2, Name: "partner managers", After: 24 * time.Hour},
			{Level: 3, Name: "executives", After: 48 * time.Hour},
			{Level: 4, Name: "deal desk and legal", After: 72 * time.Hour},
		},
	}, p)
	assert.False(t, p.Calendar.Business, "calendar time unless a pairing asks for business time")
	require.NoError(t, p.Calendar.Validate())

	set := sla.Policy{
		Calendar: sla.Calendar{Business: true, Timezone: "Europe/Berlin"}, WarnAt: 0.5,
		RegistrationAcceptance: 48 * time.Hour, RequestResponse: 4 * time.Hour, RequestTag: "[ask]",
		Ladder: []sla.Level{{Level: 1, After: time.Hour}, {Level: 3, Name: "VPs", After: 5 * time.Hour, A: []string{"vp@acme.example"}}},
	}
	got := set.WithDefaults()
	assert.Equal(t, 0.5, got.WarnAt)
	assert.Equal(t, 48*time.Hour, got.RegistrationAcceptance)
	assert.Equal(t, 4*time.Hour, got.RequestResponse)
	assert.Equal(t, "[ask]", got.RequestTag)
	assert.Equal(t, "Europe/Berlin", got.Calendar.Timezone)
	assert.Equal(t, "09:00", got.Calendar.DayStart)
	assert.Equal(t, []sla.Level{{Level: 1, Name: "reps", After: time.Hour}, {Level: 3, Name: "VPs", After: 5 * time.Hour, A: []string{"vp@acme.example"}}}, got.Ladder,
		"a configured ladder is kept, unnamed levels get their default name")
	assert.Empty(t, set.Ladder[0].Name, "WithDefaults does not write through to the caller's ladder")

	assert.Equal(t, "partner managers", sla.LevelName(2))
	assert.Empty(t, sla.LevelName(5))
}

func TestDefaultStageBudget(t *testing.T) {
	cases := []struct {
		stage string
		want  time.Duration // 0: no SLA
	}{
		{"identification", 7 * sla.Day},
		{"prospecting", 7 * sla.Day},
		{"discovery", 14 * sla.Day},
		{"qualification", 14 * sla.Day},
		{"solution", 14 * sla.Day},
		{"solution_presentation", 14 * sla.Day},
		{"presentation", 14 * sla.Day},
		{"evaluation", 25 * sla.Day},
		{"decision", 25 * sla.Day},
		{"proposal", 15 * sla.Day},
		{"negotiation", 15 * sla.Day},
		{"proposal_negotiation", 15 * sla.Day},
		{"close", 15 * sla.Day},
		{"closing", 15 * sla.Day},
		{"Solution Presentation", 14 * sla.Day},
		{" Proposal/Negotiation ", 15 * sla.Day},
		{"proposal-negotiation", 15 * sla.Day},
		{"closed_won", 0},
		{"closed_lost", 0},
		{"Closed Won", 0},
		{"closed", 0},
		{"won", 0},
		{"lost", 0},
		{"needs_analysis", 0},
		{"", 0},
	}
	for _, c := range cases {
		got, ok := sla.DefaultStageBudget(c.stage)
		assert.Equal(t, c.want > 0, ok, "%q", c.stage)
		assert.Equal(t, c.want, got, "%q", c.stage)
	}
	// The playbook's plan: 7 + 14 + 14 + 25 + 15 + 15 days is the 90-day co-sell.
	var total time.Duration
	for _, s := range []string{"identification", "discovery", "solution", "evaluation", "proposal", "close"} {
		b, _ := sla.DefaultStageBudget(s)
		total += b
	}
	assert.Equal(t, 90*sla.Day, total)
}

func TestStageBudget(t *testing.T) {
	p := sla.Policy{Stages: map[string]time.Duration{
		"prospecting": 3 * sla.Day, "needs_analysis": 10 * sla.Day, "decision": 0, "closed_won": 5 * sla.Day,
	}}.WithDefaults()
	cases := []struct {
		stage string
		want  time.Duration
	}{
		{"prospecting", 3 * sla.Day},     // configured
		{"needs_analysis", 10 * sla.Day}, // configured, no default
		{"qualification", 14 * sla.Day},  // the playbook's
		{"decision", 0},                  // switched off
		{"closed_won", 0},                // closed, whatever is configured
		{"perception_analysis", 0},       // nothing known
	}
	for _, c := range cases {
		got, ok := p.StageBudget(c.stage)
		assert.Equal(t, c.want > 0, ok, c.stage)
		assert.Equal(t, c.want, got, c.stage)
	}
}

func TestScaled(t *testing.T) {
	p := sla.Policy{
		Calendar: sla.Calendar{Business: true, Timezone: "America/New_York"},
		Stages:   map[string]time.Duration{"needs_analysis": 2 * sla.Day, "prospecting": 3 * sla.Day, "decision": 0},
	}.WithDefaults()
	s := p.Scaled(1440) // a day becomes a minute
	assert.False(t, s.Calendar.Business, "a scaled policy counts wall time")
	assert.Equal(t, "America/New_York", s.Calendar.Timezone)
	assert.Equal(t, time.Minute, s.RequestResponse)
	assert.Equal(t, time.Minute, s.RegistrationAcceptance)
	assert.Equal(t, 0.8, s.WarnAt)
	assert.Equal(t, []time.Duration{0, time.Minute, 2 * time.Minute, 3 * time.Minute},
		[]time.Duration{s.Ladder[0].After, s.Ladder[1].After, s.Ladder[2].After, s.Ladder[3].After})
	for stage, want := range map[string]time.Duration{
		"needs_analysis": 2 * time.Minute, // configured
		"prospecting":    3 * time.Minute, // configured over the playbook
		"qualification":  14 * time.Minute,
		"evaluation":     25 * time.Minute, // the playbook's, scaled too
		"Closing":        15 * time.Minute,
		"decision":       0,
		"closed_won":     0,
	} {
		got, ok := s.StageBudget(stage)
		assert.Equal(t, want, got, stage)
		assert.Equal(t, want > 0, ok, stage)
	}

	// The original is untouched.
	assert.True(t, p.Calendar.Business)
	assert.Equal(t, 24*time.Hour, p.Ladder[1].After)
	assert.Len(t, p.Stages, 3)

	for _, f := range []float64{1, 0.5, 0, -3, math.NaN()} {
		assert.Equal(t, p, p.Scaled(f), "factor %v", f)
	}
	assert.Equal(t, 24*time.Hour/7, p.Scaled(7).RequestResponse, "divides, rounding to the nanosecond")
}
