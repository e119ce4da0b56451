package api

import (
	"time"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/pilot"
)

// Pilot workflow names.
const (
	PilotWorkflowName = "PilotWorkflow"
	// PilotEventSignal carries a pilot.DealEvent from a deal workflow to its pairing's pilot.
	PilotEventSignal = "pilot-event"
	// PilotQuery returns a PilotView.
	PilotQuery = "pilot"
	// PilotDecideUpdate confirms or overrides the day-90 proposal (DecideInput → DecisionRecord).
	PilotDecideUpdate = "decide"
)

// PilotWorkflowID is the workflow id of a pairing's pilot: one per pairing.
func PilotWorkflowID(pairingID string) string { return "cosell-pilot/" + pairingID }

// Pilot statuses.
const (
	PilotRunning          = "running"
	PilotAwaitingDecision = "awaiting_decision"
	PilotKilled           = "killed"
)

// PilotInput starts (or continues) a pairing's pilot.
type PilotInput struct {
	PairingID string      `json:"pairingId"`
	State     *PilotState `json:"state,omitempty"`
}

// PilotState is everything a pilot carries across continue-as-new: its configuration for the current
// window (targets raise after "scale"), the compact summary of deal events, the scorecards published, and
// every decision with its evidence. Never raw events.
type PilotState struct {
	Config      pilot.Config      `json:"config"`
	PairingName string            `json:"pairingName"`
	Quarter     int               `json:"quarter"`
	Start       time.Time         `json:"start"`
	Day         int               `json:"day"` // the last pilot day sampled
	Status      string            `json:"status"`
	Summary     *pilot.Summary    `json:"summary"`
	Scorecards  []pilot.Scorecard `json:"scorecards,omitempty"`
	Proposal    *pilot.Proposal   `json:"proposal,omitempty"`
	ProposedAt  time.Time         `json:"proposedAt,omitempty"`
	Decisions   []DecisionRecord  `json:"decisions,omitempty"`
	KilledAt    time.Time         `json:"killedAt,omitempty"`
	// Changes are what the approver of a "restructure" recorded for this window.
	Changes string `json:"changes,omitempty"`
	// Records are the attribution records the deals reported (PilotAttributionSignal), the latest of
	// each deal: the scorecard's attributable revenue and dispute rate come from them
	// (pilot.ScoreAttributed). Nil before the first; one small record per won deal.
	Records []attribution.Record `json:"records,omitempty"`
}

// DecideInput is an approver's answer to the day-90 proposal.
type DecideInput struct {
	By       string         `json:"by"`
	Decision pilot.Decision `json:"decision"`
	Why      string         `json:"why"`
	// Changes records what a restructure changes in the next window.
	Changes string `json:"changes,omitempty"`
}

// DecisionRecord is a day-90 decision with its evidence.
type DecisionRecord struct {
	Quarter  int            `json:"quarter"`
	Proposed pilot.Proposal `json:"proposed"`
	Decision pilot.Decision `json:"decision"`
	By       string         `json:"by,omitempty"`
	Why      string         `json:"why,omitempty"`
	Changes  string         `json:"changes,omitempty"`
	At       time.Time      `json:"at"`
	// TimedOut is true when nobody answered and the proposal stood.
	TimedOut bool            `json:"timedOut"`
	Evidence pilot.Scorecard `json:"evidence"`
}

// PilotView is what the pilot query returns.
type PilotView struct {
	PairingID string     `json:"pairingId"`
	State     PilotState `json:"state"`
	// NextCheckpoint is the day of the next scorecard, 0 when none is ahead.
	NextCheckpoint int `json:"nextCheckpoint"`
}
