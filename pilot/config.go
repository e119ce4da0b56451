package pilot

import (
	"errors"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Defaults: the co-sell playbook's pilot.
const (
	DefaultDay             = 24 * time.Hour
	DefaultLength          = 90
	DefaultRegistrations   = 5
	DefaultActiveDeals     = 3
	DefaultWinRateUplift   = 0.10
	DefaultDecisionTimeout = 14
	DefaultGrowth          = 0.5
	DefaultCurrency        = "USD"
)

// DefaultWonStages and DefaultLostStages are the canonical stages that close a deal when a pairing
// names none: the usual names for them.
var (
	DefaultWonStages  = []string{"closed_won", "won"}
	DefaultLostStages = []string{"closed_lost", "lost"}
)

// Config is one pairing's pilot, as its pairing file's pilot section sets it. The zero value of every
// field means "the playbook's default"; WithDefaults fills them in, and the pairing loader hands out a
// config with defaults already filled. Because zero means default, a setting that is meaningful at zero
// (a growth of 0 %, a target of 0) cannot be expressed: the pairing file refuses those with a hint.
type Config struct {
	// Enabled says the pairing file declares the pilot: the worker starts it on boot.
	Enabled bool `json:"enabled"`
	// Day is how long a pilot day lasts, 24 h by default. Demos and tests shorten it (1 s) so a 90-day
	// pilot runs in minutes; every count of days in the pilot is in pilot days.
	Day time.Duration `json:"day"`
	// Length is the number of days in a pilot window, 90 by default.
	Length int `json:"length"`
	// Checkpoints are the days a scorecard is published, strictly increasing; the last one is Length and
	// carries the decision. Default: thirds of Length (30, 60, 90).
	Checkpoints []int `json:"checkpoints"`
	// Targets are what the pilot is measured against.
	Targets Targets `json:"targets"`
	// Rules are the day-90 decision table's thresholds.
	Rules Rules `json:"rules"`
	// Approvers are the people (e-mails, of either partner) allowed to confirm or override a proposal.
	Approvers []string `json:"approvers,omitempty"`
	// DecisionTimeout is how many pilot days a proposal waits for an approver before it stands, 14 by
	// default.
	DecisionTimeout int `json:"decisionTimeout"`
	// Growth is how much the targets rise for the next window after "scale", 0.5 (50 %) by default.
	Growth float64 `json:"growth"`
	// WonStages and LostStages are the canonical stages that close a deal as won or lost, for deals
	// whose events report a stage rather than a won or lost event.
	WonStages  []string `json:"wonStages"`
	LostStages []string `json:"lostStages"`
	// ManagersA and ManagersB receive the scorecards on each side (e-mails).
	ManagersA []string `json:"managersA,omitempty"`
	ManagersB []string `json:"managersB,omitempty"`
	// Currency is the ISO 4217 code amounts are shown in, USD by default. Amounts are never converted:
	// both partners' CRMs are expected to report deal amounts in it.
	Currency string `json:"currency"`
}

// Targets are what a pilot window is measured against. Counts are per pairing per window.
type Targets struct {
	// Registrations is how many co-sell deals the window should register, 5 by default.
	Registrations int `json:"registrations"`
	// ActiveDealsDay is the pilot day on which open co-sell deals are counted for ActiveDeals: by
	// default the checkpoint before the last one (day 60).
	ActiveDealsDay int `json:"activeDealsDay"`
	// ActiveDeals is how many co-sell deals should be open on ActiveDealsDay, 3 by default.
	ActiveDeals int `json:"activeDeals"`
	// WinRateUplift is how far the co-sell win rate should beat the solo one, relative: joint ≥ solo ×
	// (1 + WinRateUplift). 0.10 by default.
	WinRateUplift float64 `json:"winRateUplift"`
}

// Rules are the thresholds of the day-90 decision table. Kill rules are checked first: a pairing that
// produced nothing is never scaled. Then scale when every scale rule that is on holds, and restructure
// otherwise. The zero Rules means the playbook's (DefaultRules): switching every rule off would scale
// every pilot, which Validate refuses.
type Rules struct {
	// ScaleNeedsPipeline: a co-sell deal registered in the window with an amount above zero.
	ScaleNeedsPipeline bool `json:"scaleNeedsPipeline"`
	// ScaleNeedsRevenue: a co-sell deal won in the window, with an amount above zero.
	ScaleNeedsRevenue bool `json:"scaleNeedsRevenue"`
	// ScaleNeedsRegistrationTarget: at least Targets.Registrations registrations in the window.
	ScaleNeedsRegistrationTarget bool `json:"scaleNeedsRegistrationTarget"`
	// ScaleNeedsActiveDealsTarget: the active-deals target met on its day. Off by default.
	ScaleNeedsActiveDealsTarget bool `json:"scaleNeedsActiveDealsTarget,omitempty"`
	// ScaleNeedsWinRateTarget: the win-rate uplift target met (not met when not measurable). Off by
	// default.
	ScaleNeedsWinRateTarget bool `json:"scaleNeedsWinRateTarget,omitempty"`
	// KillWithoutRegistrations: kill when the window registered no co-sell deal.
	KillWithoutRegistrations bool `json:"killWithoutRegistrations"`
	// KillWithoutPipeline: kill when no deal registered in the window has an amount above zero.
	KillWithoutPipeline bool `json:"killWithoutPipeline"`
}

// DefaultRules is the playbook's decision table: scale on pipeline, revenue and the registration target;
// kill without registrations or without pipeline.
func DefaultRules() Rules {
	return Rules{ScaleNeedsPipeline: true, ScaleNeedsRevenue: true, ScaleNeedsRegistrationTarget: true,
		KillWithoutRegistrations: true, KillWithoutPipeline: true}
}

// WithDefaults fills every zero field with the playbook's value, so a config built from a partial
// pairing section (or by hand in a test) is complete. Slices are copied, so the result shares nothing
// with c. Calling it on a complete config changes nothing.
func (c Config) WithDefaults() Config {
	if c.Day == 0 {
		c.Day = DefaultDay
	}
	if c.Length == 0 {
		c.Length = DefaultLength
	}
	if len(c.Checkpoints) == 0 {
		c.Checkpoints = DefaultCheckpoints(c.Length)
	} else {
		c.Checkpoints = slices.Clone(c.Checkpoints)
	}
	if c.Targets.Registrations == 0 {
		c.Targets.Registrations = DefaultRegistrations
	}
	if c.Targets.ActiveDeals == 0 {
		c.Targets.ActiveDeals = DefaultActiveDeals
	}
	if c.Targets.ActiveDealsDay == 0 {
		c.Targets.ActiveDealsDay = defaultActiveDealsDay(c.Checkpoints, c.Length)
	}
	if c.Targets.WinRateUplift == 0 {
		c.Targets.WinRateUplift = DefaultWinRateUplift
	}
	if c.Rules == (Rules{}) {
		c.Rules = DefaultRules()
	}
	if c.DecisionTimeout == 0 {
		c.DecisionTimeout = DefaultDecisionTimeout
	}
	if c.Growth == 0 {
		c.Growth = DefaultGrowth
	}
	if len(c.WonStages) == 0 {
		c.WonStages = DefaultWonStages
	}
	if len(c.LostStages) == 0 {
		c.LostStages = DefaultLostStages
	}
	if c.Currency == "" {
		c.Currency = DefaultCurrency
	}
	c.WonStages = slices.Clone(c.WonStages)
	c.LostStages = slices.Clone(c.LostStages)
	c.Approvers = slices.Clone(c.Approvers)
	c.ManagersA = slices.Clone(c.ManagersA)
	c.ManagersB = slices.Clone(c.ManagersB)
	return c
}

// DefaultCheckpoints splits a window into thirds, the playbook's 30, 60 and 90 for 90 days: a scorecard
// at each third, the decision at the end. A window too short for thirds gets fewer checkpoints.
func DefaultCheckpoints(length int) []int {
	if length <= 0 {
		return nil
	}
	var out []int
	for _, d := range []int{(length + 1) / 3, (2*length + 1) / 3, length} {
		if d > 0 && (len(out) == 0 || d > out[len(out)-1]) {
			out = append(out, d)
		}
	}
	return out
}

// defaultActiveDealsDay is the checkpoint before the decision (day 60 of 90): the last scorecard that
// can still change course.
func defaultActiveDealsDay(checkpoints []int, length int) int {
	if len(checkpoints) >= 2 {
		return checkpoints[len(checkpoints)-2]
	}
	return length
}

// Validate reports everything wrong with a config whose defaults are filled in, as one error joining a
// message per problem. The pairing loader checks each setting against its line in the file; Validate is
// the one definition of a valid config for configs built any other way.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Day <= 0 {
		bad("day must be longer than zero, not %s", c.Day)
	}
	if c.Length < 1 {
		bad("length must be at least 1 day, not %d", c.Length)
	}
	if err := CheckCheckpoints(c.Checkpoints, c.Length); err != nil {
		errs = append(errs, err)
	}
	t := c.Targets
	if t.Registrations < 1 {
		bad("the registrations target must be at least 1, not %d", t.Registrations)
	}
	if t.ActiveDeals < 1 {
		bad("the active-deals target must be at least 1, not %d", t.ActiveDeals)
	}
	if t.ActiveDealsDay < 1 || t.ActiveDealsDay > c.Length {
		bad("the active-deals day must be between 1 and %d (length), not %d", c.Length, t.ActiveDealsDay)
	}
	if !(t.WinRateUplift > 0) || t.WinRateUplift > MaxShare {
		bad("the win-rate uplift must be above 0%% and at most %s, not %s", Percent(MaxShare), shareText(t.WinRateUplift))
	}
	if !c.Rules.Any() {
		bad("every decision rule is off, so every pilot would scale; keep at least one")
	}
	if c.DecisionTimeout < 1 {
		bad("the decision timeout must be at least 1 day, not %d", c.DecisionTimeout)
	}
	if !(c.Growth > 0) || c.Growth > MaxShare {
		bad("growth must be above 0%% and at most %s, not %s", Percent(MaxShare), shareText(c.Growth))
	}
	if len(c.WonStages) == 0 {
		bad("no stage counts as won")
	}
	if len(c.LostStages) == 0 {
		bad("no stage counts as lost")
	}
	for _, s := range c.WonStages {
		if containsFold(c.LostStages, s) {
			bad("stage %s counts as both won and lost", s)
		}
	}
	for _, list := range []struct {
		name   string
		emails []string
	}{{"approvers", c.Approvers}, {"managers of side a", c.ManagersA}, {"managers of side b", c.ManagersB}} {
		for _, e := range list.emails {
			if !ValidEmail(e) {
				bad("invalid e-mail %q in %s", e, list.name)
			}
		}
	}
	if !validCurrency(c.Currency) {
		bad("invalid currency %q: want an ISO 4217 code such as USD or EUR", c.Currency)
	}
	return errors.Join(errs...)
}

// MaxShare caps percentages (uplift, growth) at 1000 %: more is a typo, not a plan.
const MaxShare = 10.0

// CheckCheckpoints reports the first thing wrong with a checkpoint plan: none at all, a day outside
// 1…length, days not strictly increasing, or a last checkpoint that is not the decision day (length).
func CheckCheckpoints(checkpoints []int, length int) error {
	if len(checkpoints) == 0 {
		return errors.New("there are no checkpoints")
	}
	for i, d := range checkpoints {
		switch {
		case d < 1 || d > length:
			return fmt.Errorf("checkpoint day %d is outside the window (1 to %d)", d, length)
		case i > 0 && d <= checkpoints[i-1]:
			return fmt.Errorf("checkpoint day %d does not come after day %d: checkpoints must increase", d, checkpoints[i-1])
		}
	}
	if last := checkpoints[len(checkpoints)-1]; last != length {
		return fmt.Errorf("the last checkpoint is day %d, not day %d (length): the last checkpoint is the decision", last, length)
	}
	return nil
}

// Any reports whether at least one rule is on.
func (r Rules) Any() bool { return r != (Rules{}) }

// Raised is the config of the window after "scale": every target × (1 + Growth), counts rounded up (5
// registrations at 50 % growth become 8), the uplift raised the same way. Everything else is kept.
func (c Config) Raised() Config {
	c = c.WithDefaults()
	f := 1 + c.Growth
	c.Targets.Registrations = raiseCount(c.Targets.Registrations, f)
	c.Targets.ActiveDeals = raiseCount(c.Targets.ActiveDeals, f)
	c.Targets.WinRateUplift = math.Round(c.Targets.WinRateUplift*f*1e9) / 1e9
	return c
}

// raiseCount multiplies and rounds up, forgiving the last bits of float error (10 × 1.1 is 11, not 12).
func raiseCount(n int, f float64) int {
	return int(math.Ceil(float64(n)*f - 1e-9))
}

// IsCheckpoint reports whether a scorecard is due on pilot day day.
func (c Config) IsCheckpoint(day int) bool { return slices.Contains(c.Checkpoints, day) }

// Final reports whether day is the decision day (the last checkpoint) or later.
func (c Config) Final(day int) bool {
	return len(c.Checkpoints) > 0 && day >= c.Checkpoints[len(c.Checkpoints)-1]
}

// DayOf is the pilot day an instant falls on, counted from the window's start (day 0) in pilot days:
// what a workflow passes to Sample and Score. Instants before the start are day 0.
func (c Config) DayOf(start, t time.Time) int {
	day := c.Day
	if day <= 0 {
		day = DefaultDay
	}
	if !t.After(start) {
		return 0
	}
	return int(t.Sub(start) / day)
}

// At is the instant a pilot day begins: start + day × Day. A workflow sets its timers with it.
func (c Config) At(start time.Time, day int) time.Time {
	d := c.Day
	if d <= 0 {
		d = DefaultDay
	}
	return start.Add(time.Duration(day) * d)
}

// won and lost report whether a canonical stage closes a deal, comparing without regard to case.
func (c Config) won(stage string) bool  { return stage != "" && containsFold(c.WonStages, stage) }
func (c Config) lost(stage string) bool { return stage != "" && containsFold(c.LostStages, stage) }

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(s)) })
}

// ValidEmail accepts a bare address (no display name) whose domain has a dot — the same rule the
// pairing file applies to every e-mail.
func ValidEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func validCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for _, r := range code {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// shareText writes a share for a message, even one that is not a number.
func shareText(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "not a number"
	}
	return Percent(f)
}
