package budget

import (
	"fmt"
	"strconv"
	"strings"
)

// Share is the part of a budget the product may use, above 0 and at most 1. Admins write it as a
// percentage ("50%") or a fraction ("0.5").
type Share float64

// ParseShare reads "50%", "12.5%" or "0.5".
func ParseShare(s string) (Share, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
	if err != nil {
		return 0, fmt.Errorf("share %q: want a percentage such as 50%% or a fraction such as 0.5", s)
	}
	if pct {
		v /= 100
	}
	if v <= 0 || v > 1 {
		return 0, fmt.Errorf("share %q: must be above 0 and at most 100%%", s)
	}
	return Share(v), nil
}

// EnvDecode lets go-envconfig read a Share from the environment.
func (s *Share) EnvDecode(v string) error {
	p, err := ParseShare(v)
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// String renders the share as a percentage.
func (s Share) String() string {
	return strconv.FormatFloat(float64(s)*100, 'f', -1, 64) + "%"
}

// line is the most a window's count may reach under the share: share × limit, rounded down.
func (s Share) line(limit int) int {
	// The epsilon keeps 0.3 × 100 at 30 despite binary floating point.
	return int(float64(s)*float64(limit) + 1e-9)
}
