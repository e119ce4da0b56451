package cosell

import (
	"fmt"
	"slices"
)

// Stage is one of the playbook's six stages of a co-sold deal. A pairing's own stage values (the
// canonical values of its stage field, such as prospecting or decision) map onto them by StageOf, or
// by the pairing file's cosell › stages.
type Stage string

// The six stages, in order (days from registration in the playbook's partner-led example).
const (
	Identification Stage = "identification" // 1–7: register, qualify, brief the other partner
	Discovery      Stage = "discovery"      // 8–21: discovery and stakeholder mapping
	Presentation   Stage = "presentation"   // 22–35: business case and demo
	Evaluation     Stage = "evaluation"     // 36–60: trial access and technical validation
	Proposal       Stage = "proposal"       // 61–75: proposal and negotiation
	Close          Stage = "close"          // 76–90: contract, order, onboarding
)

// Stages lists the six stages in order.
var Stages = []Stage{Identification, Discovery, Presentation, Evaluation, Proposal, Close}

// aliases are the names CRMs commonly give each stage, so a pairing that maps its stages to the usual
// names gets the playbook without configuring it. The SLA stage budgets read the same table.
var aliases = map[Stage][]string{
	Identification: {"identification", "prospecting", "opportunity_identification"},
	Discovery:      {"discovery", "qualification"},
	Presentation:   {"solution", "solution_presentation", "presentation"},
	Evaluation:     {"evaluation", "decision"},
	Proposal:       {"proposal", "negotiation", "proposal_negotiation"},
	Close:          {"close", "closing"},
}

// Names returns the stage's usual names in a CRM, its own first.
func (s Stage) Names() []string { return slices.Clone(aliases[s]) }

// Number is the stage's place in the playbook, 1 to 6; 0 for an unknown stage.
func (s Stage) Number() int { return slices.Index(Stages, s) + 1 }

// Valid reports whether s is one of the six stages.
func (s Stage) Valid() bool { return s.Number() > 0 }

// StageOf maps a canonical stage value to its playbook stage by its usual name. Case does not matter,
// and spaces, hyphens and slashes read as underscores ("Solution Presentation"). A closed stage
// (closed_won, won, lost) and a name the playbook does not know (needs_analysis) have none: a pairing
// maps those in cosell › stages when it wants them to have a lead.
func StageOf(canonical string) (Stage, bool) {
	w := word(canonical)
	for _, s := range Stages {
		if slices.Contains(aliases[s], w) {
			return s, true
		}
	}
	return "", false
}

// ParseStage reads one of the six stage names, or one of its usual names.
func ParseStage(s string) (Stage, error) {
	if st, ok := StageOf(s); ok {
		return st, nil
	}
	return "", fmt.Errorf("unknown stage %q: want identification, discovery, presentation, evaluation, proposal or close", s)
}
