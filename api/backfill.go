package api

import (
	"time"

	"github.com/cosellsync/cosell/backfill"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/vocab"
)

// BackfillWorkflowName links the deals of a pairing that existed in both CRMs before the sync
// (`cosell backfill`, issue #11 item 5).
const BackfillWorkflowName = "BackfillWorkflow"

// BackfillQuery returns a BackfillProgress.
const BackfillQuery = "backfill"

// BackfillWorkflowID is the workflow id of a pairing's backfill: one at a time per pairing, so a second
// `cosell backfill` attaches to the one running instead of scanning twice.
func BackfillWorkflowID(pairingID string) string { return "cosell-backfill/" + pairingID }

// Backfill phases, in order.
const (
	BackfillScanA = "scan-a"
	BackfillScanB = "scan-b"
	BackfillLink  = "link"
	BackfillDone  = "done"
)

// BackfillInput starts (or continues) a backfill. With Confirm set it scans nothing and links exactly
// those pairs (an admin's answers from the review file); otherwise it scans both sides' deals modified
// since Since, matches them and links the unambiguous pairs.
type BackfillInput struct {
	PairingID string             `json:"pairingId"`
	Since     time.Time          `json:"since"`
	Tolerance backfill.Tolerance `json:"tolerance"`
	Confirm   []backfill.Pair    `json:"confirm,omitempty"`
	// State is set only by continue-as-new.
	State *BackfillState `json:"state,omitempty"`
}

// BackfillState is what a backfill carries across continue-as-new: where its scan stands, the
// compact records read so far (backfill.Record), and, once matched, the pairs to link and how far it
// got. It holds ids and a few fields per deal, never whole records.
type BackfillState struct {
	Phase string `json:"phase"`
	// Cursor is where the scan of the side being read stands.
	Cursor connectors.Cursor `json:"cursor"`
	A      []backfill.Record `json:"a,omitempty"`
	B      []backfill.Record `json:"b,omitempty"`
	// ToLink are the pairs to link; Next is the first not yet linked.
	ToLink    []backfill.Pair  `json:"toLink,omitempty"`
	Next      int              `json:"next"`
	Ambiguous []backfill.Group `json:"ambiguous,omitempty"`
	Linked    []BackfillLinked `json:"linked,omitempty"`
	Skipped   []BackfillSkip   `json:"skipped,omitempty"`
	Progress  BackfillProgress `json:"progress"`
}

// BackfillProgress is what the backfill query answers and `cosell backfill status` shows.
type BackfillProgress struct {
	PairingID string    `json:"pairingId"`
	Since     time.Time `json:"since"`
	Phase     string    `json:"phase"`
	// Confirming is set for a run linking an admin's confirmed pairs.
	Confirming bool `json:"confirming,omitempty"`
	ScannedA   int  `json:"scannedA"`
	ScannedB   int  `json:"scannedB"`
	// ToLink counts the pairs matched (or confirmed) to link; Linked those linked so far, Skipped those
	// found changed since the scan and left alone (BackfillResult says why).
	ToLink        int `json:"toLink"`
	Linked        int `json:"linked"`
	Skipped       int `json:"skipped"`
	AlreadyLinked int `json:"alreadyLinked"`
	// Ambiguous counts the groups in the review file, UnmatchedA and UnmatchedB the records no rule
	// paired.
	Ambiguous  int `json:"ambiguous"`
	UnmatchedA int `json:"unmatchedA"`
	UnmatchedB int `json:"unmatchedB"`
	// Rate is the phase's pace: deals scanned, or pairs linked, per second since the phase began.
	Rate       float64   `json:"rate"`
	StartedAt  time.Time `json:"startedAt"`
	PhaseAt    time.Time `json:"phaseAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	Activities int       `json:"activities"`
	Runs       int       `json:"runs"`
}

// Scanned is the deals read on both sides.
func (p BackfillProgress) Scanned() int { return p.ScannedA + p.ScannedB }

// BackfillLinked is one pair a backfill linked: the deal's co-sell id and its two records.
type BackfillLinked struct {
	CoSellID string `json:"coSellId"`
	A        string `json:"a"`
	B        string `json:"b"`
	By       string `json:"by"`
}

// BackfillSkip is a pair a backfill did not link, and why (a record gone, or linked meanwhile).
type BackfillSkip struct {
	A      string `json:"a"`
	B      string `json:"b"`
	Reason string `json:"reason"`
}

// BackfillResult is the final report.
type BackfillResult struct {
	Progress  BackfillProgress `json:"progress"`
	Linked    []BackfillLinked `json:"linked"`
	Skipped   []BackfillSkip   `json:"skipped"`
	Ambiguous []backfill.Group `json:"ambiguous"`
}

// BackfillScanInput reads one side's deals from After, at most Pages pages of PageSize.
type BackfillScanInput struct {
	PairingID string            `json:"pairingId"`
	Side      vocab.Side        `json:"side"`
	After     connectors.Cursor `json:"after"`
	Pages     int               `json:"pages"`
	PageSize  int               `json:"pageSize"`
}

// BackfillScanResult is what a scan activity read: the records, where it stopped and whether the side
// is read to its end. Its heartbeats carry the same, so a retried attempt resumes where one died.
type BackfillScanResult struct {
	Records []backfill.Record `json:"records"`
	Next    connectors.Cursor `json:"next"`
	Done    bool              `json:"done"`
}

// BackfillLinkInput links pairs of a pairing.
type BackfillLinkInput struct {
	PairingID string          `json:"pairingId"`
	Pairs     []backfill.Pair `json:"pairs"`
}

// BackfillLinkResult says, pair by pair, what a link activity did. Its heartbeats carry the same with
// Done, the pairs handled, so a retried attempt starts after them.
type BackfillLinkResult struct {
	Done    int              `json:"done"`
	Linked  []BackfillLinked `json:"linked"`
	Skipped []BackfillSkip   `json:"skipped"`
}
