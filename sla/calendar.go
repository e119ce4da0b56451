package sla

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	// Embedded zone data, so a calendar's zone resolves on every host, including minimal containers
	// without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Calendar defaults: the playbook's working day.
const (
	DefaultTimezone = "UTC"
	DefaultDayStart = "09:00"
	DefaultDayEnd   = "17:00"
)

// HolidayLayout is how holidays are written: a calendar date in the calendar's zone.
const HolidayLayout = "2006-01-02"

// DefaultWeekdays are the business days of a calendar that names none: Monday to Friday.
func DefaultWeekdays() []time.Weekday {
	return []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
}

// WithDefaults fills what a calendar leaves empty (zone UTC, 09:00–17:00, Monday to Friday), so a
// pairing that only says "business" gets the playbook's working week.
func (c Calendar) WithDefaults() Calendar {
	if c.Timezone == "" {
		c.Timezone = DefaultTimezone
	}
	if c.DayStart == "" {
		c.DayStart = DefaultDayStart
	}
	if c.DayEnd == "" {
		c.DayEnd = DefaultDayEnd
	}
	if len(c.Weekdays) == 0 {
		c.Weekdays = DefaultWeekdays()
	}
	return c
}

// Validate checks a calendar as written, so a pairing file is refused at load rather than a deadline
// being computed from a setting nobody meant. Call it on c.WithDefaults(): the zero Calendar has no
// business hours and no business days, and is reported. An empty Timezone is UTC, as in the time
// package. It reports every problem found, joined.
func (c Calendar) Validate() error {
	var errs []error
	if _, err := loadZone(c.Timezone); err != nil {
		errs = append(errs, fmt.Errorf("time zone %q: %w", c.Timezone, err))
	}
	start, errStart := parseClock(c.DayStart, false)
	if errStart != nil {
		errs = append(errs, fmt.Errorf("business hours start: %w", errStart))
	}
	end, errEnd := parseClock(c.DayEnd, true)
	if errEnd != nil {
		errs = append(errs, fmt.Errorf("business hours end: %w", errEnd))
	}
	if errStart == nil && errEnd == nil && end <= start {
		errs = append(errs, fmt.Errorf("business hours end %s is not after start %s", c.DayEnd, c.DayStart))
	}
	if len(c.Weekdays) == 0 {
		errs = append(errs, errors.New("no business days"))
	}
	for _, wd := range c.Weekdays {
		if wd < time.Sunday || wd > time.Saturday {
			errs = append(errs, fmt.Errorf("unknown weekday %d (Sunday is 0, Saturday 6)", int(wd)))
		}
	}
	for _, h := range c.Holidays {
		if _, err := time.Parse(HolidayLayout, h); err != nil {
			errs = append(errs, fmt.Errorf("holiday %q is not a date written YYYY-MM-DD", h))
		}
	}
	return errors.Join(errs...)
}

// Add returns the moment d of SLA time after t.
//
// In calendar time that is t+d. In business time only business hours count, on business days that
// are not holidays, all read in the calendar's zone; days are stepped with time.Date in that zone, so a
// daylight-saving change moves the opening hour with the wall clock and never shifts it by an hour.
// The rules at the edges:
//   - d <= 0 returns t unchanged, even outside business hours: a zero delay (level 1 of the ladder, at
//     the breach) fires at the moment it is added to. Add(t, a+b) == Add(Add(t, a), b) for a, b >= 0.
//   - A start outside business hours (before opening, after closing, on a weekend or holiday) starts
//     counting at the next opening.
//   - A budget that runs out exactly at closing time ends at closing, not at the next opening.
//
// The result is in t's location. Whole weeks without a holiday or a zone change are skipped at once, so
// a 90-day budget costs about as much as a two-week one. A calendar that does not validate is read with
// its defaults in place of what is wrong, so a running deal never fails on it; Validate refuses such a
// calendar when the pairing is loaded.
func (c Calendar) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	if !c.Business {
		return t.Add(d)
	}
	s := c.schedule()
	return s.add(t, d).In(t.Location())
}

// Elapsed returns the SLA time between from and to, the inverse of Add: Elapsed(t, Add(t, d)) == d for
// every d >= 0. It shows how much of a budget is used. Time does not run backwards: to at or before
// from gives 0.
func (c Calendar) Elapsed(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if !c.Business {
		return to.Sub(from)
	}
	s := c.schedule()
	return s.elapsed(from, to)
}

// schedule is a business calendar read once for arithmetic: the zone, business hours as minutes after
// midnight (wall clock), the business weekdays, and holidays as sorted civil day numbers.
type schedule struct {
	loc         *time.Location
	open, close int
	days        [7]bool
	// perWeek is the business time of a week with no holiday and no zone change in it.
	perWeek  time.Duration
	holidays []int64
}

// schedule reads c with its defaults; a part that does not validate falls back to its default.
func (c Calendar) schedule() *schedule {
	c = c.WithDefaults()
	s := &schedule{loc: time.UTC}
	if loc, err := loadZone(c.Timezone); err == nil {
		s.loc = loc
	}
	open, errOpen := parseClock(c.DayStart, false)
	closing, errClose := parseClock(c.DayEnd, true)
	if errOpen != nil || errClose != nil || closing <= open {
		open, _ = parseClock(DefaultDayStart, false)
		closing, _ = parseClock(DefaultDayEnd, true)
	}
	s.open, s.close = open, closing
	n := 0
	for _, wd := range c.Weekdays {
		if wd >= time.Sunday && wd <= time.Saturday && !s.days[wd] {
			s.days[wd] = true
			n++
		}
	}
	if n == 0 {
		for _, wd := range DefaultWeekdays() {
			s.days[wd] = true
		}
		n = len(DefaultWeekdays())
	}
	s.perWeek = time.Duration(n*(s.close-s.open)) * time.Minute
	for _, h := range c.Holidays {
		if t, err := time.Parse(HolidayLayout, h); err == nil {
			s.holidays = append(s.holidays, dayNumber(t.Date()))
		}
	}
	slices.Sort(s.holidays)
	return s
}

func (s *schedule) add(t time.Time, d time.Duration) time.Time {
	day := s.dayOf(t)
	cur := t
	for {
		if s.isBusiness(day) {
			open, closing := s.at(day, s.open), s.at(day, s.close)
			if cur.Before(open) {
				cur = open
			}
			if cur.Before(closing) {
				left := closing.Sub(cur)
				if d <= left {
					return cur.Add(d)
				}
				d -= left
			}
		}
		day++
		// From here on every day is counted whole, so whole weeks can be skipped. Strictly more than a
		// week must remain, so the budget always runs out inside the day loop.
		for d > s.perWeek && s.cleanWeek(day) {
			d -= s.perWeek
			day += 7
		}
	}
}

func (s *schedule) elapsed(from, to time.Time) time.Duration {
	var total time.Duration
	day := s.dayOf(from)
	for {
		start := s.at(day, 0)
		if !start.Before(to) {
			return total
		}
		if !start.Before(from) {
			for s.cleanWeek(day) && !s.at(day+7, 0).After(to) {
				total += s.perWeek
				day += 7
			}
		}
		if s.isBusiness(day) {
			lo, hi := s.at(day, s.open), s.at(day, s.close)
			if lo.Before(from) {
				lo = from
			}
			if hi.After(to) {
				hi = to
			}
			if hi.After(lo) {
				total += hi.Sub(lo)
			}
		}
		day++
	}
}

// dayOf is the civil day number of t's date in the calendar's zone.
func (s *schedule) dayOf(t time.Time) int64 {
	return dayNumber(t.In(s.loc).Date())
}

// at is the moment minute (after midnight, wall clock) of civil day n in the calendar's zone. time.Date
// resolves wall times a daylight-saving change skips or repeats, which adding 24 h would not.
func (s *schedule) at(n int64, minute int) time.Time {
	y, m, d := time.Unix(n*86400, 0).UTC().Date()
	return time.Date(y, m, d, 0, minute, 0, 0, s.loc)
}

func (s *schedule) isBusiness(n int64) bool {
	if !s.days[weekdayOf(n)] {
		return false
	}
	_, holiday := slices.BinarySearch(s.holidays, n)
	return !holiday
}

// cleanWeek reports whether the seven days from day n hold no holiday and no zone change, so each of
// their business days counts its full business hours and the week counts perWeek.
func (s *schedule) cleanWeek(n int64) bool {
	if i, _ := slices.BinarySearch(s.holidays, n); i < len(s.holidays) && s.holidays[i] < n+7 {
		return false
	}
	_, end := s.at(n, 0).ZoneBounds()
	return end.IsZero() || !end.Before(s.at(n+7, 0))
}

// dayNumber counts civil days from 1970-01-01, whatever the zone.
func dayNumber(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// weekdayOf is the weekday of civil day n; 1970-01-01 was a Thursday.
func weekdayOf(n int64) time.Weekday {
	return time.Weekday(((n+4)%7 + 7) % 7)
}

// parseClock reads "HH:MM" (or "H:MM") as minutes after midnight; "24:00" is allowed for an end.
func parseClock(s string, end bool) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	bad := fmt.Errorf("%q is not a time written HH:MM, such as 09:00 or 17:30", s)
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, bad
	}
	h, errH := strconv.Atoi(hh)
	m, errM := strconv.Atoi(mm)
	if errH != nil || errM != nil || h < 0 || m < 0 || m > 59 || strings.ContainsAny(s, "+- ") {
		return 0, bad
	}
	if h > 23 && !(end && h == 24 && m == 0) {
		return 0, bad
	}
	return h*60 + m, nil
}

// zones caches loaded zones: a Calendar travels as JSON (workflow state) and carries the zone by name.
var zones sync.Map

// loadZone loads an IANA zone by name ("" is UTC), refusing "Local", which would make deadlines depend
// on the host a worker runs on.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	if name == "Local" {
		return nil, errors.New("Local is the host's zone, not an IANA zone")
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, errors.New("unknown IANA zone")
	}
	zones.Store(name, l)
	return l, nil
}
