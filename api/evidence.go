package api

import (
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// Touchpoint and dispute messages of a deal workflow (issue #9, items 4 and 6). They are updates, so the
// CLI and the HTTP API get the deal's answer (what became of each touchpoint, the audit trail after a
// dispute) or its refusal (validation happens before anything is recorded in history).
const (
	// TouchpointUpdate logs touchpoints on a deal (TouchpointInput → TouchpointResult).
	TouchpointUpdate = "touchpoint"
	// DisputeUpdate disputes a won deal's attribution (DisputeInput → DisputeResult).
	DisputeUpdate = "dispute"
	// ResolveDisputeUpdate settles the open dispute (ResolveDisputeInput → DisputeResult).
	ResolveDisputeUpdate = "resolve-dispute"
	// PilotAttributionSignal carries a deal's attribution.Record to its pairing's pilot each time it
	// changes (attributed, disputed, resolved).
	PilotAttributionSignal = "pilot-attribution"
)

// TouchpointInput is touchpoints a person logs on one deal. Each touchpoint's Deal must be the deal's
// co-sell id; a Source (an id the caller chooses) lets a retried call count once. Nothing of a batch
// with an invalid touchpoint is recorded.
type TouchpointInput struct {
	Touchpoints []touchpoint.Touchpoint `json:"touchpoints"`
	// Via names the entry point, for the log: "cli", "api".
	Via string `json:"via,omitempty"`
}

// TouchpointResult says what became of each touchpoint logged (added, updated, duplicate, too_old), in
// order, and how many distinct touchpoints the deal now has.
type TouchpointResult struct {
	Outcomes []touchpoint.Outcome `json:"outcomes"`
	Total    int                  `json:"total"`
}

// DisputeInput is a partner's dispute of a won deal's attribution; the deal dates it.
type DisputeInput struct {
	Partner vocab.Side `json:"partner"`
	By      string     `json:"by,omitempty"`
	Reason  string     `json:"reason"`
	Via     string     `json:"via,omitempty"`
}

// ResolveDisputeInput is an approver's settlement of the open dispute: upheld with the corrected parts (both
// partners', in the attribution's currency, summing to its pool), or rejected with none. The deal dates it.
type ResolveDisputeInput struct {
	Verdict  attribution.Verdict `json:"verdict"`
	Parts    []attribution.Part  `json:"parts,omitempty"`
	Approver string              `json:"approver"`
	Note     string              `json:"note"`
	Via      string              `json:"via,omitempty"`
}

// DisputeResult is the deal's audit trail after the update: its attribution and every dispute.
type DisputeResult struct {
	Record attribution.Record `json:"record"`
	// Parts is the split in force.
	Parts []attribution.Part `json:"parts"`
}

// EvidenceView is a deal's touchpoints as `cosell deal show` and `cosell deal touchpoint list` print
// them: the distinct touchpoints kept one by one, and the oldest compacted into counts.
type EvidenceView struct {
	Items     []touchpoint.Touchpoint `json:"items"`
	Compacted touchpoint.Tally        `json:"compacted,omitempty"`
	Total     int                     `json:"total"`
}
