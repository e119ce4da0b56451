package vocab

import "time"

// Event is what a notice is about.
type Event string

// Notice events.
const (
	// StageChanged: the deal moved to another stage.
	StageChanged Event = "stage_changed"
	// SLAWarning: an SLA has used most of its budget and is due soon.
	SLAWarning Event = "sla_warning"
	// SLABreached: an SLA's deadline passed with nothing done.
	SLABreached Event = "sla_breached"
	// SLAEscalated: a breached SLA reached the next level of the escalation ladder.
	SLAEscalated Event = "sla_escalated"
	// SLAResolved: an SLA that had warned or breached was met after all, or no longer applies.
	SLAResolved Event = "sla_resolved"
	// PilotScorecard publishes a pilot checkpoint's scorecard to both partner managers.
	PilotScorecard Event = "pilot_scorecard"
	// PilotDecision announces a pilot's day-90 decision.
	PilotDecision Event = "pilot_decision"
	// Unflagged: a partner took the deal out of co-sell; nothing more crosses until it is flagged again.
	Unflagged Event = "unflagged"
	// Deleted: a partner deleted its record of the deal.
	Deleted Event = "deleted"
	// BudgetPaused: the product's share of a partner's CRM API budget is used; work on that connection
	// waits and resumes by itself.
	BudgetPaused Event = "budget_paused"
	// LeadChanged: a stage change made another partner (or both) the lead; the new lead is told.
	LeadChanged Event = "lead_changed"
)

// Actionable reports whether the event asks someone to act (a warning, a breach, an escalation), as
// opposed to telling them something happened.
func (e Event) Actionable() bool {
	return e == SLAWarning || e == SLABreached || e == SLAEscalated
}

// Notice is one notification about a co-sold deal. Key is its idempotency key, unique per deal, SLA,
// event and level; notifiers that can deduplicate use it.
type Notice struct {
	Key         string `json:"key"`
	PairingID   string `json:"pairingId"`
	PairingName string `json:"pairingName,omitempty"`
	CoSellID    string `json:"coSellId"`
	DealName    string `json:"dealName,omitempty"`
	Event       Event  `json:"event"`
	// SLAKind is registration, request or stage; "" for stage_changed.
	SLAKind string `json:"slaKind,omitempty"`
	// Subject is what the SLA is about: the stage, the request's first line.
	Subject string `json:"subject,omitempty"`
	// Level is the escalation level, 1–4, for sla_escalated (and the level reached, for sla_resolved).
	Level     int       `json:"level,omitempty"`
	LevelName string    `json:"levelName,omitempty"`
	Deadline  time.Time `json:"deadline,omitzero"`
	// At is when it happened, in workflow time.
	At time.Time `json:"at"`
	// Message is one readable sentence saying what happened.
	Message    string      `json:"message"`
	Recipients []Recipient `json:"recipients,omitempty"`
	// Links open the deal in each CRM.
	Links []Link `json:"links,omitempty"`
}

// Recipient is a person a notice is for.
type Recipient struct {
	// Side is the pairing side ("a", "b") the person belongs to.
	Side    string `json:"side"`
	Partner string `json:"partner,omitempty"`
	Email   string `json:"email"`
	Name    string `json:"name,omitempty"`
	// Role says why the person is told: "deal owner", or the ladder level's name.
	Role string `json:"role,omitempty"`
}

// Link is a labelled URL, such as the deal in one partner's CRM.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}
