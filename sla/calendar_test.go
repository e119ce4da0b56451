package sla_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/sla"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	require.NoError(t, err)
	return l
}

// nyBusiness is the US partner's calendar: 09:00–17:00 New York time, Monday to Friday, with the
// holidays the tests cross.
func nyBusiness() sla.Calendar {
	return sla.Calendar{Business: true, Timezone: "America/New_York",
		Holidays: []string{"2026-07-03", "2026-11-26", "2026-12-25", "2027-01-01"}}.WithDefaults()
}

func TestCalendarAdd(t *testing.T) {
	ny := zone(t, "America/New_York")
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	nights := nyBusiness()
	nights.DayStart, nights.DayEnd = "01:00", "05:00"
	nights.Weekdays = []time.Weekday{time.Sunday, time.Monday}
	allDay := sla.Calendar{Business: true, Timezone: "America/New_York", DayStart: "00:00", DayEnd: "24:00",
		Weekdays: []time.Weekday{0, 1, 2, 3, 4, 5, 6}}

	cases := []struct {
		name  string
		cal   sla.Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		// Calendar time is wall time, whatever the day.
		{"calendar time", sla.Calendar{}, at(2026, 3, 7, 22, 0), 24 * time.Hour, at(2026, 3, 7, 22, 0).Add(24 * time.Hour)},
		{"calendar time, zero", sla.Calendar{}, at(2026, 3, 7, 22, 0), 0, at(2026, 3, 7, 22, 0)},

		{"inside one day", nyBusiness(), at(2026, 3, 2, 10, 0), 2 * time.Hour, at(2026, 3, 2, 12, 0)},
		{"past closing into the next day", nyBusiness(), at(2026, 3, 2, 16, 0), 2 * time.Hour, at(2026, 3, 3, 10, 0)},
		{"24 business hours are three days", nyBusiness(), at(2026, 3, 2, 10, 0), 24 * time.Hour, at(2026, 3, 5, 10, 0)},
		{"across a weekend (and the March DST change)", nyBusiness(), at(2026, 3, 6, 16, 0), 2 * time.Hour, at(2026, 3, 9, 10, 0)},
		{"across a holiday and a weekend", nyBusiness(), at(2026, 12, 24, 16, 0), 2 * time.Hour, at(2026, 12, 28, 10, 0)},
		{"across Thanksgiving", nyBusiness(), at(2026, 11, 25, 16, 30), time.Hour, at(2026, 11, 27, 9, 30)},
		{"start before opening", nyBusiness(), at(2026, 3, 2, 7, 30), time.Hour, at(2026, 3, 2, 10, 0)},
		{"start after closing", nyBusiness(), at(2026, 3, 2, 18, 0), time.Hour, at(2026, 3, 3, 10, 0)},
		{"start on a Saturday", nyBusiness(), at(2026, 3, 14, 11, 0), time.Hour, at(2026, 3, 16, 10, 0)},
		{"start on a holiday", nyBusiness(), at(2026, 12, 25, 10, 0), time.Hour, at(2026, 12, 28, 10, 0)},
		{"start exactly at opening", nyBusiness(), at(2026, 3, 2, 9, 0), time.Minute, at(2026, 3, 2, 9, 1)},
		{"a full day from opening ends at closing", nyBusiness(), at(2026, 3, 2, 9, 0), 8 * time.Hour, at(2026, 3, 2, 17, 0)},
		{"a budget running out at closing ends at closing", nyBusiness(), at(2026, 3, 2, 13, 0), 4 * time.Hour, at(2026, 3, 2, 17, 0)},
		{"start exactly at closing", nyBusiness(), at(2026, 3, 2, 17, 0), time.Minute, at(2026, 3, 3, 9, 1)},
		{"Friday's closing rolls to Monday", nyBusiness(), at(2026, 3, 13, 17, 0), time.Hour, at(2026, 3, 16, 10, 0)},
		{"zero is the start itself, inside hours", nyBusiness(), at(2026, 3, 2, 10, 0), 0, at(2026, 3, 2, 10, 0)},
		{"zero is the start itself, on a Saturday", nyBusiness(), at(2026, 3, 14, 11, 0), 0, at(2026, 3, 14, 11, 0)},
		{"zero is the start itself, at closing", nyBusiness(), at(2026, 3, 2, 17, 0), 0, at(2026, 3, 2, 17, 0)},
		{"negative counts as zero", nyBusiness(), at(2026, 3, 2, 10, 0), -time.Hour, at(2026, 3, 2, 10, 0)},

		// Daylight saving: business hours follow the wall clock on both sides of the change.
		{"spring forward: Friday EST to Monday EDT", nyBusiness(), at(2026, 3, 6, 9, 0), 9 * time.Hour, at(2026, 3, 9, 10, 0)},
		{"fall back: Friday EDT to Monday EST", nyBusiness(), at(2026, 10, 30, 16, 0), 2 * time.Hour, at(2026, 11, 2, 10, 0)},
		{"spring forward inside business hours: 01:00-05:00 is 3 h that night", nights, at(2026, 3, 8, 1, 0), 4 * time.Hour, at(2026, 3, 9, 2, 0)},
		{"fall back inside business hours: 01:00-05:00 is 5 h that night", nights, at(2026, 11, 1, 1, 0), 5 * time.Hour, at(2026, 11, 1, 5, 0)},
		{"a 24/7 business calendar is wall time across spring forward", allDay, at(2026, 3, 7, 12, 0), 48 * time.Hour, at(2026, 3, 7, 12, 0).Add(48 * time.Hour)},
		{"a 24/7 business calendar is wall time across fall back", allDay, at(2026, 10, 31, 12, 0), 48 * time.Hour, at(2026, 10, 31, 12, 0).Add(48 * time.Hour)},

		{"a 24/7 business calendar is wall time for weeks across spring forward", allDay, at(2026, 2, 20, 12, 0), 5 * 7 * sla.Day, at(2026, 2, 20, 12, 0).Add(5 * 7 * sla.Day)},
		{"a 24/7 business calendar is wall time for weeks across fall back", allDay, at(2026, 10, 14, 12, 0), 5 * 7 * sla.Day, at(2026, 10, 14, 12, 0).Add(5 * 7 * sla.Day)},
		{"weeks of nights across spring forward", nights, at(2026, 2, 1, 0, 0), 44 * time.Hour, at(2026, 3, 9, 2, 0)},

		// Long budgets.
		{"25 business days across the March DST change", nyBusiness(), at(2026, 3, 2, 9, 0), 25 * 8 * time.Hour, at(2026, 4, 3, 17, 0)},
		{"25 business days across Christmas and New Year", nyBusiness(), at(2026, 12, 7, 9, 0), 25 * 8 * time.Hour, at(2027, 1, 12, 17, 0)},
		{"a 90-day budget is 270 business days", sla.Calendar{Business: true, Timezone: "America/New_York"}, at(2026, 1, 5, 9, 0), 90 * sla.Day, at(2027, 1, 15, 17, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.cal.Add(c.start, c.d)
			assert.True(t, c.want.Equal(got), "want %s, got %s", c.want, got.In(c.want.Location()))
			assert.Equal(t, c.start.Location(), got.Location(), "the result is in the start's location")
			if c.d >= 0 {
				assert.Equal(t, c.d, c.cal.Elapsed(c.start, got), "Elapsed is the inverse of Add")
			}
			// The reference walks minute by minute; keep it to budgets it can walk quickly.
			if c.cal.Business && c.d <= 5*sla.Day && c.d > 0 {
				assert.True(t, referenceAdd(c.cal, c.start, c.d).Equal(got), "agrees with the minute-by-minute reference")
			}
		})
	}
}

func TestCalendarAddIsInTheStartLocation(t *testing.T) {
	start := time.Date(2026, 3, 6, 21, 0, 0, 0, time.UTC) // 16:00 in New York
	got := nyBusiness().Add(start, 2*time.Hour)
	assert.Equal(t, time.UTC, got.Location())
	assert.Equal(t, time.Date(2026, 3, 9, 14, 0, 0, 0, time.UTC), got, "Monday 10:00 EDT")
}

func TestCalendarAddComposes(t *testing.T) {
	cal := nyBusiness()
	ny := zone(t, "America/New_York")
	start := time.Date(2026, 12, 23, 15, 0, 0, 0, ny)
	for _, a := range []time.Duration{0, time.Hour, 2 * time.Hour, 8 * time.Hour, 30 * time.Hour} {
		for _, b := range []time.Duration{0, time.Minute, time.Hour, 20 * time.Hour} {
			assert.True(t, cal.Add(start, a+b).Equal(cal.Add(cal.Add(start, a), b)), "Add(t, %s+%s)", a, b)
		}
	}
}

func TestCalendarElapsed(t *testing.T) {
	ny := zone(t, "America/New_York")
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	cal := nyBusiness()
	cases := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"inside one day", at(2026, 3, 2, 10, 0), at(2026, 3, 2, 12, 30), 150 * time.Minute},
		{"a weekend counts nothing", at(2026, 3, 7, 8, 0), at(2026, 3, 8, 20, 0), 0},
		{"Friday evening to Monday morning counts nothing", at(2026, 3, 6, 17, 0), at(2026, 3, 9, 9, 0), 0},
		{"across a holiday", at(2026, 12, 24, 16, 0), at(2026, 12, 28, 10, 0), 2 * time.Hour},
		{"both ends outside hours", at(2026, 3, 2, 6, 0), at(2026, 3, 3, 20, 0), 16 * time.Hour},
		{"four weeks across DST", at(2026, 3, 2, 9, 0), at(2026, 3, 30, 9, 0), 20 * 8 * time.Hour},
		{"backwards is zero", at(2026, 3, 3, 10, 0), at(2026, 3, 2, 10, 0), 0},
		{"equal is zero", at(2026, 3, 3, 10, 0), at(2026, 3, 3, 10, 0), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, cal.Elapsed(c.from, c.to))
			if c.to.Sub(c.from) < 8*sla.Day {
				assert.Equal(t, referenceElapsed(cal, c.from, c.to), cal.Elapsed(c.from, c.to))
			}
		})
	}
	assert.Equal(t, 3*time.Hour, sla.Calendar{}.Elapsed(at(2026, 3, 7, 10, 0), at(2026, 3, 7, 13, 0)), "calendar time")
	assert.Equal(t, time.Duration(0), sla.Calendar{}.Elapsed(at(2026, 3, 7, 13, 0), at(2026, 3, 7, 10, 0)))
}

// TestCalendarAgreesWithReference compares Add and Elapsed with a minute-by-minute walk over random
// calendars, starts and budgets, across both DST changes and holidays. The seed is fixed: a failure
// reproduces.
func TestCalendarAgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 2026))
	zones := []string{"America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"}
	hours := [][2]string{{"09:00", "17:00"}, {"08:30", "18:00"}, {"00:00", "24:00"}, {"01:00", "05:00"}, {"22:00", "23:59"}}
	year := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 250 {
		h := hours[rng.IntN(len(hours))]
		cal := sla.Calendar{Business: true, Timezone: zones[rng.IntN(len(zones))], DayStart: h[0], DayEnd: h[1]}
		for wd := range 7 {
			if rng.IntN(3) > 0 {
				cal.Weekdays = append(cal.Weekdays, time.Weekday(wd))
			}
		}
		if len(cal.Weekdays) == 0 {
			cal.Weekdays = []time.Weekday{time.Wednesday}
		}
		start := year.Add(time.Duration(rng.IntN(365*24*60)) * time.Minute)
		for range rng.IntN(4) {
			cal.Holidays = append(cal.Holidays, start.AddDate(0, 0, rng.IntN(12)).Format(sla.HolidayLayout))
		}
		// Up to two weeks of business time, so the reference walks a few weeks at most.
		var open, shut int
		fmt.Sscanf(h[0], "%d:%d", &open, new(int))
		fmt.Sscanf(h[1], "%d:%d", &shut, new(int))
		d := time.Duration(1+rng.IntN(2*len(cal.Weekdays)*(shut-open)*60)) * time.Minute
		name := fmt.Sprintf("%d %s %s-%s %v %v from %s + %s", i, cal.Timezone, cal.DayStart, cal.DayEnd, cal.Weekdays, cal.Holidays, start, d)

		got := cal.Add(start, d)
		require.True(t, referenceAdd(cal, start, d).Equal(got), "%s: got %s, reference %s", name, got, referenceAdd(cal, start, d))
		require.Equal(t, d, cal.Elapsed(start, got), name)
		to := start.Add(time.Duration(rng.IntN(10*24*60)) * time.Minute)
		require.Equal(t, referenceElapsed(cal, start, to), cal.Elapsed(start, to), "%s: elapsed to %s", name, to)
	}
}

// reference reads a calendar independently of the package, as an admin would, to walk it minute by
// minute: a minute is business time when its wall clock in the calendar's zone falls in business hours
// on a business day that is not a holiday.
type reference struct {
	cal        sla.Calendar
	loc        *time.Location
	open, shut int // minutes after midnight
}

func newReference(cal sla.Calendar) reference {
	cal = cal.WithDefaults()
	loc, _ := time.LoadLocation(cal.Timezone)
	r := reference{cal: cal, loc: loc}
	var h, m int
	fmt.Sscanf(cal.DayStart, "%d:%d", &h, &m)
	r.open = h*60 + m
	fmt.Sscanf(cal.DayEnd, "%d:%d", &h, &m)
	r.shut = h*60 + m
	return r
}

func (r reference) business(t time.Time) bool {
	local := t.In(r.loc)
	if !slices.Contains(r.cal.Weekdays, local.Weekday()) {
		return false
	}
	if clock := local.Hour()*60 + local.Minute(); clock < r.open || clock >= r.shut {
		return false
	}
	return !slices.Contains(r.cal.Holidays, local.Format(sla.HolidayLayout))
}

// referenceAdd walks minute by minute (starts and budgets are whole minutes) and returns the end of the
// d-th business minute.
func referenceAdd(cal sla.Calendar, start time.Time, d time.Duration) time.Time {
	r := newReference(cal)
	left := d / time.Minute
	for t := start; ; t = t.Add(time.Minute) {
		if r.business(t) {
			if left--; left == 0 {
				return t.Add(time.Minute)
			}
		}
	}
}

func referenceElapsed(cal sla.Calendar, from, to time.Time) time.Duration {
	r := newReference(cal)
	var n time.Duration
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		if r.business(t) {
			n += time.Minute
		}
	}
	return n
}

func TestCalendarDefaultsAndValidate(t *testing.T) {
	def := sla.Calendar{}.WithDefaults()
	assert.Equal(t, sla.Calendar{Timezone: "UTC", DayStart: "09:00", DayEnd: "17:00",
		Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}, def)
	require.NoError(t, def.Validate())
	require.NoError(t, nyBusiness().Validate())
	kept := sla.Calendar{Timezone: "Europe/Berlin", DayStart: "08:00", DayEnd: "24:00", Weekdays: []time.Weekday{time.Sunday}}
	assert.Equal(t, kept, kept.WithDefaults(), "set fields are kept")
	require.NoError(t, kept.Validate(), "24:00 ends a day")

	bad := func(mutate func(*sla.Calendar)) sla.Calendar {
		c := sla.Calendar{}.WithDefaults()
		mutate(&c)
		return c
	}
	cases := []struct {
		name string
		cal  sla.Calendar
		msg  string
	}{
		{"zero calendar", sla.Calendar{}, "no business days"},
		{"unknown zone", bad(func(c *sla.Calendar) { c.Timezone = "Eastern" }), `time zone "Eastern"`},
		{"host zone", bad(func(c *sla.Calendar) { c.Timezone = "Local" }), "Local is the host's zone"},
		{"start not HH:MM", bad(func(c *sla.Calendar) { c.DayStart = "9am" }), `business hours start: "9am" is not a time written HH:MM`},
		{"end not a time", bad(func(c *sla.Calendar) { c.DayEnd = "17:60" }), "business hours end"},
		{"hour 25", bad(func(c *sla.Calendar) { c.DayEnd = "25:00" }), "business hours end"},
		{"24:00 cannot start", bad(func(c *sla.Calendar) { c.DayStart = "24:00" }), "business hours start"},
		{"end before start", bad(func(c *sla.Calendar) { c.DayStart, c.DayEnd = "17:00", "09:00" }), "end 09:00 is not after start 17:00"},
		{"end equal to start", bad(func(c *sla.Calendar) { c.DayEnd = "09:00" }), "is not after start"},
		{"no weekdays", bad(func(c *sla.Calendar) { c.Weekdays = []time.Weekday{} }), "no business days"},
		{"weekday out of range", bad(func(c *sla.Calendar) { c.Weekdays = []time.Weekday{7} }), "unknown weekday 7"},
		{"holiday not a date", bad(func(c *sla.Calendar) { c.Holidays = []string{"2026-12-25", "25/12/2026"} }), `holiday "25/12/2026"`},
		{"holiday not a real date", bad(func(c *sla.Calendar) { c.Holidays = []string{"2026-02-30"} }), `holiday "2026-02-30"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cal.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
	err := bad(func(c *sla.Calendar) { c.Timezone, c.DayStart = "Nowhere/City", "x" }).Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Nowhere/City")
	assert.Contains(t, err.Error(), "business hours start", "every problem is reported")
}

// An invalid calendar reaching a running deal is read with defaults rather than failing it.
func TestCalendarAddFallsBackOnInvalidSettings(t *testing.T) {
	start := time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)
	want := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	for _, cal := range []sla.Calendar{
		{Business: true},
		{Business: true, Timezone: "Nowhere/City"},
		{Business: true, DayStart: "17:00", DayEnd: "09:00"},
		{Business: true, Weekdays: []time.Weekday{9}},
		{Business: true, Holidays: []string{"soon"}},
	} {
		assert.Equal(t, want, cal.Add(start, 2*time.Hour), "%+v", cal)
	}
}

func BenchmarkBusinessAdd(b *testing.B) {
	cal := nyBusiness()
	start := time.Date(2026, 10, 14, 11, 30, 0, 0, zone(b, "America/New_York"))
	for _, budget := range []time.Duration{25 * sla.Day, 90 * sla.Day} {
		b.Run(sla.FormatDuration(budget), func(b *testing.B) {
			for b.Loop() {
				cal.Add(start, budget)
			}
		})
	}
}
