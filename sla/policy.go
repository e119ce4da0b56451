package sla

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/cosell"
)

// Policy defaults: the co-sell playbook's.
const (
	DefaultWarnAt     = 0.8
	DefaultResponse   = 24 * time.Hour // both the registration acceptance and the request response budget
	DefaultRequestTag = "#request"
)

// Day is 24 hours. A budget written in days ("7d") is 7×24 h of SLA time: in a business calendar that is
// 168 business hours, not seven business days.
const Day = 24 * time.Hour

// DefaultLadder is the playbook's escalation ladder: the reps at the breach, then partner managers,
// executives, and deal desk and legal a day apart. It names no people: a side with nobody listed at a
// level is reached through its deal owner.
func DefaultLadder() []Level {
	return []Level{
		{Level: 1, Name: "reps", After: 0},
		{Level: 2, Name: "partner managers", After: 24 * time.Hour},
		{Level: 3, Name: "executives", After: 48 * time.Hour},
		{Level: 4, Name: "deal desk and legal", After: 72 * time.Hour},
	}
}

// playbook is the stage plan of a 90-day co-sell (days 1–7 identification, 8–21 discovery, 22–35
// solution presentation, 36–60 evaluation, 61–75 proposal and negotiation, 76–90 close) as a maximum
// duration per stage. The names CRMs commonly give those stages are cosell's (cosell.StageOf), so the
// stage budgets and the stage leads always agree on which CRM stage is which.
var playbook = map[cosell.Stage]time.Duration{
	cosell.Identification: 7 * Day,
	cosell.Discovery:      14 * Day,
	cosell.Presentation:   14 * Day,
	cosell.Evaluation:     25 * Day,
	cosell.Proposal:       15 * Day,
	cosell.Close:          15 * Day,
}

// DefaultStageBudget is the playbook's maximum duration for a canonical stage name, so a pairing that
// maps its stages to the usual names gets the stage plan without configuring it. Names compare without
// regard to case, and spaces, hyphens and slashes read as underscores ("Solution Presentation" is
// solution_presentation). A closed stage, or a name the playbook does not know, has none.
func DefaultStageBudget(stage string) (time.Duration, bool) {
	name := normalizeStage(stage)
	if ClosedStage(name) {
		return 0, false
	}
	if s, ok := cosell.StageOf(name); ok {
		return playbook[s], true
	}
	return 0, false
}

// ClosedStage reports whether a stage ends the deal (closed_won, closed_lost, won, lost, or any name
// starting with "closed"): nothing is awaited any more, so it never has a stage SLA.
func ClosedStage(stage string) bool {
	name := normalizeStage(stage)
	return name == "won" || name == "lost" || strings.HasPrefix(name, "closed")
}

func normalizeStage(stage string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '/':
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(stage)))
}

// WithDefaults fills what a policy leaves unset with the playbook's values: warning at 80 %, 24 h to
// accept a registration and to answer a request, "#request" as the request tag, the default ladder, and
// the calendar's defaults. Ladder levels without a name get the default name of their level. Stage
// budgets are not copied in: StageBudget falls back to DefaultStageBudget by name.
func (p Policy) WithDefaults() Policy {
	p.Calendar = p.Calendar.WithDefaults()
	if p.WarnAt == 0 {
		p.WarnAt = DefaultWarnAt
	}
	if p.RegistrationAcceptance == 0 {
		p.RegistrationAcceptance = DefaultResponse
	}
	if p.RequestResponse == 0 {
		p.RequestResponse = DefaultResponse
	}
	if p.RequestTag == "" {
		p.RequestTag = DefaultRequestTag
	}
	if len(p.Ladder) == 0 {
		p.Ladder = DefaultLadder()
	} else {
		p.Ladder = slices.Clone(p.Ladder)
		for i := range p.Ladder {
			if p.Ladder[i].Name == "" {
				p.Ladder[i].Name = LevelName(p.Ladder[i].Level)
			}
		}
	}
	return p
}

// LevelName is the playbook's name of a ladder level ("reps", "partner managers", "executives",
// "deal desk and legal"), or "" for a level outside 1–4.
func LevelName(level int) string {
	for _, l := range DefaultLadder() {
		if l.Level == level {
			return l.Name
		}
	}
	return ""
}

// StageBudget is the maximum time a deal may sit in a canonical stage: the pairing's own budget (by the
// exact name, else by the name normalized as DefaultStageBudget does), else the playbook's, else none. A closed stage has none, and so has a stage configured with a budget of 0
// (the pairing file's "none"), which switches a playbook default off.
func (p Policy) StageBudget(stage string) (time.Duration, bool) {
	if ClosedStage(stage) {
		return 0, false
	}
	if b, ok := p.Stages[stage]; ok {
		return b, b > 0
	}
	if b, ok := p.Stages[normalizeStage(stage)]; ok {
		return b, b > 0
	}
	return DefaultStageBudget(stage)
}

// Scaled returns the policy with every duration divided by factor — stage budgets (the playbook's
// included, so a scaled policy does not fall back to unscaled defaults), the registration and request
// budgets, and the ladder's delays — and its calendar switched to calendar time. A time scale is for
// demos and tests (a 90-day pilot in 90 minutes); business hours cannot be compressed meaningfully, so
// a scaled policy counts wall time. A factor of 1 or less (or NaN) returns p unchanged. Scale a policy
// once, where it is configured (the worker or a test), rather than on every workflow task.
func (p Policy) Scaled(factor float64) Policy {
	if !(factor > 1) {
		return p
	}
	scale := func(d time.Duration) time.Duration {
		return time.Duration(math.Round(float64(d) / factor))
	}
	q := p
	q.Calendar.Business = false
	q.RegistrationAcceptance = scale(p.RegistrationAcceptance)
	q.RequestResponse = scale(p.RequestResponse)
	q.Stages = map[string]time.Duration{}
	for _, st := range cosell.Stages {
		for _, name := range st.Names() {
			q.Stages[name] = scale(playbook[st])
		}
	}
	// The order of a map range cannot change the map it builds.
	//workflowcheck:ignore
	for name, b := range p.Stages {
		q.Stages[name] = scale(b)
	}
	q.Ladder = slices.Clone(p.Ladder)
	for i := range q.Ladder {
		q.Ladder[i].After = scale(q.Ladder[i].After)
	}
	return q
}
