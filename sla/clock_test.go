package sla_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/sla"
)

// ev is an event in the tests' shorthand.
func ev(kind sla.EventKind, level int, at time.Time) sla.Event {
	return sla.Event{Kind: kind, Level: level, At: at}
}

func TestStartInCalendarTime(t *testing.T) {
	start := time.Date(2026, 3, 6, 16, 0, 0, 0, time.UTC)
	c := sla.Policy{}.WithDefaults().Start(sla.Request, "note-17", "b", start, 24*time.Hour)
	deadline := start.Add(24 * time.Hour)
	assert.Equal(t, sla.Clock{
		ID: "request:note-17", Kind: sla.Request, Subject: "note-17", Waiting: "b",
		Started: start, Deadline: deadline,
		Events: []sla.Event{
			ev(sla.Warning, 0, start.Add(19*time.Hour+12*time.Minute)), // 80 % of 24 h
			ev(sla.Breach, 0, deadline),
			ev(sla.Escalation, 1, deadline), // ties keep breach before level 1
			ev(sla.Escalation, 2, deadline.Add(24*time.Hour)),
			ev(sla.Escalation, 3, deadline.Add(48*time.Hour)),
			ev(sla.Escalation, 4, deadline.Add(72*time.Hour)),
		},
	}, c)
}

func TestStartInBusinessTime(t *testing.T) {
	ny := zone(t, "America/New_York")
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, ny) }
	p := sla.Policy{Calendar: nyBusiness()}.WithDefaults()
	// Friday 16:00, 24 business hours: 1 h on Friday, 8 on Monday, 8 on Tuesday, 7 on Wednesday.
	c := p.Start(sla.Registration, "registration", "a", at(3, 6, 16, 0), 24*time.Hour)
	assert.Equal(t, "registration:registration", c.ID)
	assert.True(t, at(3, 11, 16, 0).Equal(c.Deadline), "deadline %s", c.Deadline)
	want := []sla.Event{
		ev(sla.Warning, 0, at(3, 11, 11, 12)), // 19.2 business hours in
		ev(sla.Breach, 0, at(3, 11, 16, 0)),
		ev(sla.Escalation, 1, at(3, 11, 16, 0)), // at the breach, not the next morning
		ev(sla.Escalation, 2, at(3, 16, 16, 0)), // 24 business hours past the breach
		ev(sla.Escalation, 3, at(3, 19, 16, 0)), // 48
		ev(sla.Escalation, 4, at(3, 24, 16, 0)), // 72
	}
	require.Len(t, c.Events, len(want))
	for i, w := range want {
		assert.Equal(t, w.Kind, c.Events[i].Kind, "event %d", i)
		assert.Equal(t, w.Level, c.Events[i].Level, "event %d", i)
		assert.True(t, w.At.Equal(c.Events[i].At), "event %d: want %s, got %s", i, w.At, c.Events[i].At)
	}
	for _, e := range c.Events {
		assert.Equal(t, ny, e.At.Location(), "moments stay in the start's location")
	}
	assert.Equal(t, 24*time.Hour, p.Calendar.Elapsed(c.Started, c.Deadline))
}

func TestStartEventOrder(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		policy sla.Policy
		budget time.Duration
		want   []sla.Event
	}{
		{
			name: "a ladder written out of order fires in level order; equal delays keep level order",
			policy: sla.Policy{WarnAt: 0.5, Ladder: []sla.Level{
				{Level: 3, After: 2 * time.Hour}, {Level: 1, After: 0}, {Level: 2, After: 2 * time.Hour},
			}},
			budget: 4 * time.Hour,
			want: []sla.Event{
				ev(sla.Warning, 0, start.Add(2*time.Hour)),
				ev(sla.Breach, 0, start.Add(4*time.Hour)),
				ev(sla.Escalation, 1, start.Add(4*time.Hour)),
				ev(sla.Escalation, 2, start.Add(6*time.Hour)),
				ev(sla.Escalation, 3, start.Add(6*time.Hour)),
			},
		},
		{
			name:   "WarnAt 0 gives no warning",
			policy: sla.Policy{Ladder: []sla.Level{{Level: 1}}},
			budget: time.Hour,
			want:   []sla.Event{ev(sla.Breach, 0, start.Add(time.Hour)), ev(sla.Escalation, 1, start.Add(time.Hour))},
		},
		{
			name:   "WarnAt 1 gives no warning",
			policy: sla.Policy{WarnAt: 1},
			budget: time.Hour,
			want:   []sla.Event{ev(sla.Breach, 0, start.Add(time.Hour))},
		},
		{
			name:   "a zero budget is due at once, with no warning",
			policy: sla.Policy{WarnAt: 0.8, Ladder: []sla.Level{{Level: 1}, {Level: 2, After: time.Hour}}},
			budget: 0,
			want:   []sla.Event{ev(sla.Breach, 0, start), ev(sla.Escalation, 1, start), ev(sla.Escalation, 2, start.Add(time.Hour))},
		},
		{
			name:   "a negative budget counts as zero",
			policy: sla.Policy{WarnAt: 0.8},
			budget: -time.Hour,
			want:   []sla.Event{ev(sla.Breach, 0, start)},
		},
		{
			name:   "a warning rounds to the nanosecond",
			policy: sla.Policy{WarnAt: 1.0 / 3},
			budget: 3 * time.Second,
			want:   []sla.Event{ev(sla.Warning, 0, start.Add(time.Second)), ev(sla.Breach, 0, start.Add(3*time.Second))},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := c.policy.Start(sla.Stage, "qualification", "", start, c.budget)
			assert.Equal(t, c.want, clock.Events)
			assert.Equal(t, "stage:qualification", clock.ID)
			assert.Empty(t, clock.Waiting)
		})
	}
}

// A clock travels in workflow state as JSON; it must come back equal, so replays and continue-as-new
// see the same moments.
func TestClockSurvivesJSON(t *testing.T) {
	ny := zone(t, "America/New_York")
	c := sla.Policy{Calendar: nyBusiness()}.WithDefaults().Start(sla.Stage, "proposal", "", time.Date(2026, 12, 22, 10, 0, 0, 0, ny), 15*sla.Day)
	data, err := json.Marshal(c)
	require.NoError(t, err)
	var back sla.Clock
	require.NoError(t, json.Unmarshal(data, &back))
	assert.True(t, c.Deadline.Equal(back.Deadline))
	require.Len(t, back.Events, len(c.Events))
	for i := range c.Events {
		assert.True(t, c.Events[i].At.Equal(back.Events[i].At))
	}
}

func BenchmarkStart(b *testing.B) {
	p := sla.Policy{Calendar: nyBusiness()}.WithDefaults()
	start := time.Date(2026, 10, 14, 11, 30, 0, 0, zone(b, "America/New_York"))
	for b.Loop() {
		p.Start(sla.Stage, "evaluation", "", start, 25*sla.Day)
	}
}
