// Package sla holds the service-level rules of co-selling as pure code: the calendar SLAs are measured
// in (calendar or business time, with a time zone, business hours and holidays), the policy (the
// playbook's 24-hour response and per-stage maximum durations), the escalation ladder, and the absolute
// times of every warning, breach and escalation of a running SLA. The deal workflow carries Clocks with
// absolute times, so deadlines survive continue-as-new and restarts without being re-armed from zero.
package sla

import "time"

// Kind is what an SLA waits for.
type Kind string

// SLA kinds.
const (
	// Registration waits for the other partner to accept or decline a new co-sell registration.
	Registration Kind = "registration"
	// Request waits for the other partner to reply to a note tagged as a request.
	Request Kind = "request"
	// Stage bounds how long a deal may sit in one stage.
	Stage Kind = "stage"
)

// Calendar says how SLA time is counted.
type Calendar struct {
	// Business counts only business hours on business days outside holidays; false counts wall time.
	// Every duration measured in a business calendar is business time: 24h is three 8-hour days.
	Business bool `json:"business"`
	// Timezone (IANA) in which business hours, days and holidays are read; default UTC.
	Timezone string `json:"timezone,omitempty"`
	// DayStart and DayEnd bound business hours, "09:00" and "17:00" by default.
	DayStart string `json:"dayStart,omitempty"`
	DayEnd   string `json:"dayEnd,omitempty"`
	// Weekdays are the business days, Monday to Friday by default.
	Weekdays []time.Weekday `json:"weekdays,omitempty"`
	// Holidays are dates (YYYY-MM-DD, in Timezone) that are not business days.
	Holidays []string `json:"holidays,omitempty"`
}

// Level is one rung of the escalation ladder.
type Level struct {
	// Level is 1 (reps), 2 (partner managers), 3 (executives) or 4 (deal desk and legal).
	Level int `json:"level"`
	// Name is how notices call the level, e.g. "partner managers".
	Name string `json:"name"`
	// After is the delay past the breach at which the level fires, in the policy's calendar; levels
	// fire in order, so After never decreases along the ladder.
	After time.Duration `json:"after"`
	// A and B are the people (e-mails) at this level on each side. A side left empty is reached through
	// its deal owner: that is level 1 (the reps) as the playbook means it, and what the default ladder,
	// which names nobody, does at every level.
	A []string `json:"a,omitempty"`
	B []string `json:"b,omitempty"`
}

// Policy is a pairing's SLA rules.
type Policy struct {
	Calendar Calendar `json:"calendar"`
	// WarnAt is the share of an SLA's budget at which a warning goes out, 0.8 by default.
	WarnAt float64 `json:"warnAt"`
	// RegistrationAcceptance is the budget of a registration SLA, 24 h by default.
	RegistrationAcceptance time.Duration `json:"registrationAcceptance"`
	// RequestResponse is the budget of a request SLA, 24 h by default.
	RequestResponse time.Duration `json:"requestResponse"`
	// RequestTag marks a note as a request, "#request" by default.
	RequestTag string `json:"requestTag"`
	// Stages is the pairing's maximum duration per canonical stage. A stage absent here gets the
	// playbook's (DefaultStageBudget); a budget of 0 switches a stage's SLA off; a closed stage never has
	// one. StageBudget applies these rules.
	Stages map[string]time.Duration `json:"stages,omitempty"`
	// Ladder is the escalation ladder in level order.
	Ladder []Level `json:"ladder"`
}

// EventKind is what happens on a clock.
type EventKind string

// Clock events, in the order they fire.
const (
	Warning    EventKind = "warning"
	Breach     EventKind = "breach"
	Escalation EventKind = "escalation"
)

// Event is one scheduled moment of a clock.
type Event struct {
	Kind EventKind `json:"kind"`
	// Level is the ladder level of an escalation, 0 otherwise.
	Level int       `json:"level,omitempty"`
	At    time.Time `json:"at"`
}

// Clock is one running SLA, with every moment as an absolute time.
type Clock struct {
	// ID names the clock uniquely within a deal: kind and subject ("stage:qualification#3").
	ID      string `json:"id"`
	Kind    Kind   `json:"kind"`
	Subject string `json:"subject"`
	// Waiting is the side that must act ("a", "b"), or "" when both must (a stage).
	Waiting  string    `json:"waiting,omitempty"`
	Started  time.Time `json:"started"`
	Deadline time.Time `json:"deadline"`
	// Events are the warning, the breach and each escalation, in time order.
	Events []Event `json:"events"`
}
