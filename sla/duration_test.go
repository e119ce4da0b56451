package sla_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/sla"
)

func TestParseDuration(t *testing.T) {
	ok := []struct {
		in   string
		want time.Duration
	}{
		{"7d", 7 * 24 * time.Hour},
		{"1w", 7 * 24 * time.Hour},
		{"2w", 14 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"90m", 90 * time.Minute},
		{"24h", 24 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"1w2d3h4m5s", (9*24+3)*time.Hour + 4*time.Minute + 5*time.Second},
		{"500ms", 500 * time.Millisecond},
		{"0", 0},
		{"0h", 0},
		{"0d", 0},
		{" 7d ", 7 * 24 * time.Hour},
		{"+1d", 24 * time.Hour},
		{"-1d", -24 * time.Hour},
	}
	for _, c := range ok {
		got, err := sla.ParseDuration(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}

	bad := []struct{ in, why string }{
		{"", "empty"},
		{"7", "a number without a unit"},
		{"24", "a number without a unit"},
		{"1d12", "a number without a unit"},
		{"d", "a unit without a number"},
		{"7x", `unknown unit "x"`},
		{"7D", `unknown unit "D"`},
		{"7 d", `unknown unit " d"`},
		{"7days", `unknown unit "days"`},
		{"1..5d", "not a number"},
		{"100000000w", "too long"},
		{"2562047h2562047h", "too long"},
		{"1d-2h", `unknown unit "d-"`},
	}
	for _, c := range bad {
		_, err := sla.ParseDuration(c.in)
		require.Error(t, err, c.in)
		assert.Contains(t, err.Error(), c.why, c.in)
		assert.Contains(t, err.Error(), "7d, 24h", "the message shows what to write")
	}
}

func TestFormatDuration(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{7 * sla.Day, "7d"},
		{36 * time.Hour, "1d12h"},
		{24 * time.Hour, "1d"},
		{90 * time.Minute, "1h30m"},
		{(9*24+3)*time.Hour + 4*time.Minute + 5*time.Second, "9d3h4m5s"},
		{1500 * time.Millisecond, "1.5s"},
		{-48 * time.Hour, "-2d"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, sla.FormatDuration(c.d))
		back, err := sla.ParseDuration(c.want)
		require.NoError(t, err, "%s reads back", c.want)
		assert.Equal(t, c.d, back)
	}
}
