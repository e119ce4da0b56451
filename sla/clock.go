package sla

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Start starts an SLA: a Clock whose every moment is computed now, as an absolute time, so the deal
// workflow only sleeps until the next one and a continue-as-new carries the clock as it is.
//
// The clock's id is kind:subject. Its deadline is budget of the policy's calendar time after start. Its
// events are the warning at WarnAt of the budget (none when WarnAt is 0 or 1 and above, or the budget is
// not positive: a clock due at once needs no warning), the breach at the deadline, and one escalation
// per ladder level at the level's After past the deadline, in the same calendar. They are in time order;
// moments that coincide keep the order warning, breach, level 1, level 2, and so on. A negative budget
// counts as zero. Start does not fill defaults: call it on a policy from WithDefaults (a pairing's is).
func (p Policy) Start(kind Kind, subject, waiting string, start time.Time, budget time.Duration) Clock {
	budget = max(budget, 0)
	add := p.Calendar.Add
	if p.Calendar.Business {
		s := p.Calendar.schedule() // read the calendar once for every moment of the clock
		add = func(t time.Time, d time.Duration) time.Time {
			if d <= 0 {
				return t
			}
			return s.add(t, d).In(t.Location())
		}
	}
	c := Clock{
		ID: string(kind) + ":" + subject, Kind: kind, Subject: subject, Waiting: waiting,
		Started: start, Deadline: add(start, budget),
	}
	if p.WarnAt > 0 && p.WarnAt < 1 && budget > 0 {
		warn := time.Duration(math.Round(float64(budget) * p.WarnAt))
		c.Events = append(c.Events, Event{Kind: Warning, At: add(start, warn)})
	}
	c.Events = append(c.Events, Event{Kind: Breach, At: c.Deadline})
	ladder := slices.Clone(p.Ladder)
	slices.SortStableFunc(ladder, func(a, b Level) int { return cmp.Compare(a.Level, b.Level) })
	for _, l := range ladder {
		c.Events = append(c.Events, Event{Kind: Escalation, Level: l.Level, At: add(c.Deadline, l.After)})
	}
	slices.SortStableFunc(c.Events, func(a, b Event) int { return a.At.Compare(b.At) })
	return c
}
