package sla

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration as admins write SLA budgets: Go's units (ns, us, ms, s, m, h) plus d
// (24 h) and w (7 d), combined as in Go ("7d", "1w", "1d12h", "90m", "1.5d"). A bare "0" is zero; any
// other number needs a unit. A leading sign applies to the whole, as in Go.
func ParseDuration(s string) (time.Duration, error) {
	bad := func(why string) error {
		return fmt.Errorf("invalid duration %q: %s; write a number and a unit, such as 7d, 24h, 90m or 1w", s, why)
	}
	rest := strings.TrimSpace(s)
	neg := false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	switch rest {
	case "":
		return 0, bad("it is empty")
	case "0":
		return 0, nil
	}
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] == '.' || (rest[i] >= '0' && rest[i] <= '9')) {
			i++
		}
		j := i
		for j < len(rest) && !(rest[j] == '.' || (rest[j] >= '0' && rest[j] <= '9')) {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if num == "" || num == "." {
			return 0, bad("a unit without a number")
		}
		if unit == "" {
			return 0, bad("a number without a unit")
		}
		var part time.Duration
		switch unit {
		case "d", "w":
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, bad("not a number: " + num)
			}
			per := Day
			if unit == "w" {
				per = 7 * Day
			}
			f := n * float64(per)
			if f >= math.MaxInt64 {
				return 0, bad("too long")
			}
			part = time.Duration(math.Round(f))
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				return 0, bad("unknown unit " + strconv.Quote(unit))
			}
			part = d
		}
		if total > math.MaxInt64-part {
			return 0, bad("too long")
		}
		total += part
	}
	if neg {
		total = -total
	}
	return total, nil
}

// FormatDuration writes a duration the way ParseDuration reads it, with days: "7d", "1d12h", "1h30m",
// "0s". Messages and views use it so a budget reads as it was written in the pairing file.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		if d == math.MinInt64 {
			return d.String() // cannot be negated; never a budget
		}
		d = -d
	}
	// strconv rather than fmt.Fprintf, which workflowcheck cannot prove deterministic: workflows call this.
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{Day, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if n := d / u.unit; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.name)
			d -= n * u.unit
		}
	}
	if d > 0 {
		b.WriteString(d.String())
	}
	return b.String()
}
