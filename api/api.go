// Package api is the contract between the worker, its workflows, its activities and the CLI: task queue,
// workflow and message names, workflow-id builders, and every input and result type that crosses a
// Temporal boundary. It has no behaviour beyond building ids, so any side can import it without cycles.
package api

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/sla"
)

// DefaultTaskQueue is where the worker listens unless COSELL_TASK_QUEUE says otherwise.
const DefaultTaskQueue = "cosell"

// Workflow type names, registered explicitly so renaming a Go function never orphans running workflows.
const (
	DealWorkflowName       = "DealWorkflow"
	ChangeFeedWorkflowName = "ChangeFeedWorkflow"
)

// Message names.
const (
	// ChangeSignal carries a ChangeEvent into a deal workflow. Polling, webhooks and the CLI all use it:
	// it is the one path by which changes enter a deal.
	ChangeSignal = "change"
	// DealQuery returns a DealView.
	DealQuery = "deal"
	// FeedQuery returns a FeedView.
	FeedQuery = "feed"
)

// DealWorkflowID is the workflow id of the deal with a co-sell id: one workflow per co-sold deal.
func DealWorkflowID(coSellID string) string { return "cosell-deal/" + coSellID }

// ChangeFeedWorkflowID is the workflow id of the poller for one side of a pairing.
func ChangeFeedWorkflowID(pairingID string, side pairing.Side) string {
	return "cosell-feed/" + pairingID + "/" + string(side)
}

// NewCoSellID derives the co-sell id of a deal first flagged on one side. It is a pure function of the
// pairing and the flagged record, so a retried or duplicated registration converges on one id.
func NewCoSellID(pairingID string, side pairing.Side, recordID string) string {
	sum := sha256.Sum256([]byte(pairingID + "\x00" + string(side) + "\x00" + recordID))
	return "CS-" + strings.ToUpper(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:16])
}

// NoteKey is the idempotency key of the mirror of one note: a pure function of the deal, the side the
// note was written on and its id there, so the mirror is written at most once whatever retries happen.
func NoteKey(coSellID string, side pairing.Side, noteID string) string {
	sum := sha256.Sum256([]byte(coSellID + "\x00" + string(side) + "\x00" + noteID))
	return "N-" + strings.ToUpper(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:24])
}

// DealInput starts (or continues) a deal workflow.
type DealInput struct {
	PairingID string `json:"pairingId"`
	CoSellID  string `json:"coSellId"`
	// State is set only by continue-as-new.
	State *DealState `json:"state,omitempty"`
}

// DealState is everything a deal workflow carries across continue-as-new: ids, shadows, logs. Large
// bodies (note texts) never live here, only keys.
type DealState struct {
	Sides     map[pairing.Side]*SideShadow `json:"sides"`
	Conflicts []Conflict                   `json:"conflicts,omitempty"`
	Issues    []SyncIssue                  `json:"issues,omitempty"`
	NoteKeys  []string                     `json:"noteKeys,omitempty"`
	// PendingNotes wait for the other side's mirror to exist.
	PendingNotes []NoteEvent `json:"pendingNotes,omitempty"`
	// Stage is the canonical stage the stage SLA is measuring.
	Stage string `json:"stage,omitempty"`
	// SLAs are the running clocks, with absolute times.
	SLAs []SLAState `json:"slas,omitempty"`
	// SLAHistory records the last closed SLAs and how each ended.
	SLAHistory []SLARecord `json:"slaHistory,omitempty"`
	// Outbox holds notices not yet delivered to every channel.
	Outbox         []OutboxItem `json:"outbox,omitempty"`
	NoticesSent    int          `json:"noticesSent"`
	NoticesRefused int          `json:"noticesRefused"`
	// ReportedAmount is the amount last reported to the pairing's pilot.
	ReportedAmount float64 `json:"reportedAmount,omitempty"`
	// Refused marks a registration refused because the pairing's pilot was killed.
	Refused    bool      `json:"refused,omitempty"`
	LastSyncAt time.Time `json:"lastSyncAt"`
	Rounds     int       `json:"rounds"`
}

// SideShadow is the deal workflow's memory of one side: the record and the canonical values last seen
// on it or written to it. A change event equal to the shadow is an echo of our own write.
type SideShadow struct {
	RecordID string            `json:"recordId,omitempty"`
	Values   map[string]string `json:"values,omitempty"`
	// ModifiedAt is the CRM's modification stamp of the last observation.
	ModifiedAt time.Time `json:"modifiedAt"`
}

// Owner is a deal owner as both partners see it.
type Owner struct {
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// SideState is one side's deal as read from its CRM and translated to canonical values.
type SideState struct {
	Side       pairing.Side      `json:"side"`
	Found      bool              `json:"found"`
	RecordID   string            `json:"recordId,omitempty"`
	CoSellID   string            `json:"coSellId,omitempty"`
	Enabled    bool              `json:"enabled"`
	Values     map[string]string `json:"values,omitempty"`
	Owner      Owner             `json:"owner"`
	Partner    Owner             `json:"partnerOwner"`
	Issues     []pairing.Issue   `json:"issues,omitempty"`
	ModifiedAt time.Time         `json:"modifiedAt"`
}

// ChangeEvent tells a deal workflow that something changed on one side. Deal, when set, is a fresh
// reading the sender already made (the poller has one); without it the workflow reads the side itself.
type ChangeEvent struct {
	Side     pairing.Side `json:"side"`
	RecordID string       `json:"recordId,omitempty"`
	Deal     *SideState   `json:"deal,omitempty"`
	Notes    []NoteEvent  `json:"notes,omitempty"`
	// Source names the sender: "poll", "webhook", "cli".
	Source string `json:"source"`
}

// NoteEvent is a shareable note written on one side.
type NoteEvent struct {
	Side       pairing.Side `json:"side"`
	NoteID     string       `json:"noteId"`
	Body       string       `json:"body"`
	AuthorName string       `json:"authorName,omitempty"`
	CreatedAt  time.Time    `json:"createdAt"`
}

// Conflict records a field changed on both sides since the last sync, and how its policy settled it.
type Conflict struct {
	Field   string         `json:"field"`
	ValueA  string         `json:"valueA"`
	ValueB  string         `json:"valueB"`
	Winner  pairing.Side   `json:"winner"`
	Policy  pairing.Policy `json:"policy"`
	At      time.Time      `json:"at"`
	Details string         `json:"details,omitempty"`
}

// SyncIssue is something that keeps part of a deal from syncing: an unmapped stage, a CRM rejection, an
// exhausted API budget. The rest of the deal keeps syncing; the issue stays visible until it clears.
type SyncIssue struct {
	Side    pairing.Side `json:"side"`
	Field   string       `json:"field,omitempty"`
	Kind    string       `json:"kind"` // unmapped_value, rejected, unavailable, owner
	Message string       `json:"message"`
	Since   time.Time    `json:"since"`
}

// SLAState is a running SLA: its clock and how far it has got.
type SLAState struct {
	sla.Clock
	// Fired counts the clock's events already fired.
	Fired      int       `json:"fired"`
	Warned     bool      `json:"warned,omitempty"`
	BreachedAt time.Time `json:"breachedAt,omitempty"`
	// Level is the escalation level reached, 0 before the first escalation.
	Level int `json:"level"`
	// Summary says in words what is awaited (a request's first line).
	Summary string `json:"summary,omitempty"`
}

// SLARecord is a closed SLA.
type SLARecord struct {
	ID         string    `json:"id"`
	Kind       sla.Kind  `json:"kind"`
	Subject    string    `json:"subject"`
	Waiting    string    `json:"waiting,omitempty"`
	Started    time.Time `json:"started"`
	Deadline   time.Time `json:"deadline"`
	BreachedAt time.Time `json:"breachedAt,omitempty"`
	Level      int       `json:"level"`
	ResolvedAt time.Time `json:"resolvedAt"`
	Resolution string    `json:"resolution"`
}

// OutboxItem is a notice and the channels it still has to reach.
type OutboxItem struct {
	Notice  notify.Notice `json:"notice"`
	Pending []string      `json:"pending"`
	// Due is when a CRM task made from the notice is due.
	Due       time.Time `json:"due"`
	Attempts  int       `json:"attempts,omitempty"`
	LastError string    `json:"lastError,omitempty"`
}

// DealView is what the deal query returns and `cosell deal show` prints.
type DealView struct {
	PairingID   string                      `json:"pairingId"`
	CoSellID    string                      `json:"coSellId"`
	Sides       map[pairing.Side]SideShadow `json:"sides"`
	LastSyncAt  time.Time                   `json:"lastSyncAt"`
	Conflicts   []Conflict                  `json:"conflicts"`
	Issues      []SyncIssue                 `json:"issues"`
	NotesSynced int                         `json:"notesSynced"`
	Rounds      int                         `json:"rounds"`
	// Stage is the canonical stage the stage SLA measures.
	Stage string `json:"stage,omitempty"`
	// SLAs are the running SLAs with their absolute deadlines and escalation level.
	SLAs []SLAState `json:"slas"`
	// SLAHistory lists closed SLAs: breaches and how they ended.
	SLAHistory []SLARecord `json:"slaHistory"`
	// Outbox lists notices still being delivered.
	Outbox      []OutboxItem `json:"outbox"`
	NoticesSent int          `json:"noticesSent"`
}

// FeedInput starts (or continues) the change feed of one side of a pairing.
type FeedInput struct {
	PairingID string       `json:"pairingId"`
	Side      pairing.Side `json:"side"`
	// PollInterval between polls; zero takes the worker's configured default via the first poll's answer.
	PollInterval time.Duration `json:"pollInterval"`
	State        *FeedState    `json:"state,omitempty"`
}

// FeedState is a change feed's position, carried across continue-as-new, from one poll activity to the
// next and in each poll's heartbeats.
type FeedState struct {
	// Deals and Notes are the durable cursors: the last change delivered. A poll starts reading an
	// overlap window behind them.
	Deals connectors.Cursor `json:"deals"`
	Notes connectors.Cursor `json:"notes"`
	// Seen holds record id → modification stamp for records inside the overlap window, so re-reading the
	// window (to catch late commits) never signals the same change twice.
	Seen      map[string]time.Time `json:"seen,omitempty"`
	SeenNotes map[string]time.Time `json:"seenNotes,omitempty"`
	// Scan is the poll in progress, nil between polls: a poll of a large burst spans several activities,
	// and each carries on from the page the one before reached.
	Scan      *FeedScan `json:"scan,omitempty"`
	Polls     int       `json:"polls"`
	LastPoll  time.Time `json:"lastPoll"`
	LastError string    `json:"lastError,omitempty"`
}

// FeedScan is where a poll in progress stands: the keyset position its next page of deals or notes
// starts after. It is exact, not overlap-shifted, so a burst sharing one timestamp is never read again
// from its start.
type FeedScan struct {
	Deals connectors.Cursor `json:"deals"`
	// DealsDone is set once the deal stream is read to its end; the poll then reads notes.
	DealsDone bool              `json:"dealsDone,omitempty"`
	Notes     connectors.Cursor `json:"notes"`
}

// FeedView is what the feed query returns.
type FeedView struct {
	PairingID string       `json:"pairingId"`
	Side      pairing.Side `json:"side"`
	State     FeedState    `json:"state"`
}
