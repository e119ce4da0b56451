package pilot

import "time"

// EventKind is what happened to a co-sell deal, as the deal workflows report it to the pilot.
type EventKind string

// Deal event kinds.
const (
	// Registered: a deal was flagged for co-sell and given a co-sell id (Side registered it).
	Registered EventKind = "registered"
	// Accepted: the other partner acted on the registration.
	Accepted EventKind = "accepted"
	// StageChanged: the deal moved to Stage (canonical); a won or lost stage closes it.
	StageChanged EventKind = "stage_changed"
	// Won and Lost close the deal.
	Won  EventKind = "won"
	Lost EventKind = "lost"
	// Touchpoint: a partner contributed to the deal (counted; the touchpoint issue defines them).
	Touchpoint EventKind = "touchpoint"
	// SLABreached: an SLA on the deal ran out (Side is who breached it).
	SLABreached EventKind = "sla_breached"
	// Conflict: a field was changed on both sides and settled by its conflict policy.
	Conflict EventKind = "conflict"
	// Dispute: a partner disputed the deal's attribution.
	Dispute EventKind = "dispute"
	// Withdrawn: a partner took the deal out of co-sell (unflagged it); Resumed: flagged it again.
	Withdrawn EventKind = "withdrawn"
	Resumed   EventKind = "resumed"
)

// EventKinds lists every kind, in the order above.
var EventKinds = []EventKind{Registered, Accepted, StageChanged, Won, Lost, Touchpoint, SLABreached, Conflict, Dispute, Withdrawn, Resumed}

// Known reports whether k is one of EventKinds; Apply ignores any other.
func (k EventKind) Known() bool {
	for _, x := range EventKinds {
		if k == x {
			return true
		}
	}
	return false
}

// DealEvent is one thing that happened to a co-sell deal. Events may arrive twice and out of order:
// Summary.Apply counts each once and lets a deal's newest event decide its stage, status and amount.
type DealEvent struct {
	Kind     EventKind `json:"kind"`
	CoSellID string    `json:"coSellId"`
	At       time.Time `json:"at"`
	// Amount is the deal's amount at the event; 0 (or a negative or non-finite value) means not known,
	// and keeps the amount known before.
	Amount float64 `json:"amount,omitempty"`
	// Stage is the canonical stage at the event, "" when not known.
	Stage string `json:"stage,omitempty"`
	// Side is "a" or "b": who registered the deal, or who breached an SLA.
	Side string `json:"side,omitempty"`
}
