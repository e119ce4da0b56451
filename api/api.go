// Package api is the contract between the worker, its workflows, its activities and the CLI: task queue,
// workflow and message names, workflow-id builders, and every input and result type that crosses a
// Temporal boundary. It has no behaviour beyond building ids, so any side can import it without cycles.
package api

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
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
	// RecordsSignal carries a RecordsChanged into a change feed: the webhook receiver's durable hand-off.
	// The feed reads each record and delivers it through the same path as a poll.
	RecordsSignal = "records"
	// FeedSettingsSignal carries FeedSettings into a change feed; the worker sends it at every start,
	// so a running feed follows the worker's configuration.
	FeedSettingsSignal = "settings"
)

// DealWorkflowID is the workflow id of the deal with a co-sell id: one workflow per co-sold deal.
func DealWorkflowID(coSellID string) string { return dealWorkflowPrefix + coSellID }

const dealWorkflowPrefix = "cosell-deal/"

// ChangeFeedWorkflowID is the workflow id of the poller for one side of a pairing, as workers ran it
// before a CRM connection had one feed for all its pairings. Workers no longer start one: they hand its
// position to its connection's feed and cancel it (see ConnectionFeedWorkflowID).
func ChangeFeedWorkflowID(pairingID string, side vocab.Side) string {
	return "cosell-feed/" + pairingID + "/" + string(side)
}

// ConnectionFeedWorkflowID is the workflow id of the one change feed of a CRM connection, shared by
// every pairing that uses the connection. The task queue is part of it because connection names are
// chosen per deployment: two deployments in one namespace may both call theirs "salesforce", while
// the workers of one deployment share a task queue and so one feed per connection.
func ConnectionFeedWorkflowID(taskQueue, connection string) string {
	return "cosell-connection-feed/" + taskQueue + "/" + connection
}

// NewCoSellID derives the co-sell id of a deal first flagged on one side. It is a pure function of the
// pairing and the flagged record, so a retried or duplicated registration converges on one id.
func NewCoSellID(pairingID string, side vocab.Side, recordID string) string {
	sum := sha256.Sum256([]byte(pairingID + "\x00" + string(side) + "\x00" + recordID))
	return "CS-" + strings.ToUpper(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:16])
}

// NoteKey is the idempotency key of the mirror of one note (see engine.NoteKey).
func NoteKey(coSellID string, side vocab.Side, noteID string) string {
	return engine.NoteKey(coSellID, side, noteID)
}

// DealInput starts (or continues) a deal workflow.
type DealInput struct {
	PairingID string `json:"pairingId"`
	CoSellID  string `json:"coSellId"`
	// State is set only by continue-as-new.
	State *DealState `json:"state,omitempty"`
}

// DealState is everything a deal workflow carries across continue-as-new: the deal engine's state. It
// holds ids, values, keys and clocks; note bodies never live here.
type DealState = engine.State

// SideState is one side's deal as read from its CRM and translated to canonical values.
type SideState = engine.Reading

// NoteEvent is a shareable note written on one side.
type NoteEvent = engine.NoteEvent

// Types of the deal's state, shown by `cosell deal show`.
type (
	Conflict   = engine.Conflict
	SyncIssue  = engine.SyncIssue
	SLAState   = engine.SLAState
	SLARecord  = engine.SLARecord
	OutboxItem = engine.OutboxItem
	Owner      = vocab.Owner
	Decision   = engine.Decision
)

// ChangeEvent tells a deal workflow that something changed on one side. Deal, when set, is a fresh
// reading the sender already made (the poller has one); without it the workflow reads the side itself.
type ChangeEvent struct {
	Side     vocab.Side  `json:"side"`
	RecordID string      `json:"recordId,omitempty"`
	Deal     *SideState  `json:"deal,omitempty"`
	Notes    []NoteEvent `json:"notes,omitempty"`
	// Activities are CRM activities on the record the change feed read (tasks, events, meetings, calls,
	// e-mails, notes); the deal keeps those that are touchpoints.
	Activities []touchpoint.Activity `json:"activities,omitempty"`
	// Source names the sender: "poll", "webhook", "cli".
	Source string `json:"source"`
	// Policy is the version of the pairing's policy the sender serves (engine.Policy.Version), empty
	// when it does not say. A deal deciding with another version loads the policy again, so an edited
	// pairing file reaches a running deal with its next change.
	Policy string `json:"policy,omitempty"`
	// Backfill marks the change by which `cosell backfill` hands a deal the two records it linked, both
	// stamped with its co-sell id already: the deal adopts them as they are, a deal that existed before
	// the sync, rather than a new registration (engine.Change.Adopt).
	Backfill bool `json:"backfill,omitempty"`
}

// SideShadow is what the deal knows of one side, for display: the record, each field's value as that
// CRM stores it (owner bookkeeping under keys starting with "@"), and the CRM's last modification stamp.
type SideShadow struct {
	RecordID string            `json:"recordId,omitempty"`
	Values   map[string]string `json:"values,omitempty"`
	// ModifiedAt is the CRM's modification stamp of the last observation.
	ModifiedAt time.Time `json:"modifiedAt"`
	// Unlinked is set when the side deleted its record and the deal no longer mirrors to it.
	Unlinked bool `json:"unlinked,omitempty"`
}

// DealView is what the deal query returns and `cosell deal show` prints.
type DealView struct {
	PairingID   string                    `json:"pairingId"`
	CoSellID    string                    `json:"coSellId"`
	Sides       map[vocab.Side]SideShadow `json:"sides"`
	LastSyncAt  time.Time                 `json:"lastSyncAt"`
	Conflicts   []Conflict                `json:"conflicts"`
	Issues      []SyncIssue               `json:"issues"`
	NotesSynced int                       `json:"notesSynced"`
	Rounds      int                       `json:"rounds"`
	// Stage is the canonical stage the stage SLA measures.
	Stage string `json:"stage,omitempty"`
	// SLAs are the running SLAs with their absolute deadlines and escalation level.
	SLAs []SLAState `json:"slas"`
	// SLAHistory lists closed SLAs: breaches and how they ended.
	SLAHistory []SLARecord `json:"slaHistory"`
	// Outbox lists notices still being delivered.
	Outbox      []OutboxItem `json:"outbox"`
	NoticesSent int          `json:"noticesSent"`
	// Paused is set while the deal is out of co-sell; Registered once its first mirror exists.
	Paused     bool `json:"paused,omitempty"`
	Registered bool `json:"registered,omitempty"`
	// CoSell is the deal's co-sell plan, current lead, attribution and loss (issue #9); nil for a deal
	// registered without one.
	CoSell *CoSellView `json:"cosell,omitempty"`
	// Registration is the registration's answer (pending, accepted, declined) and its origin; nil for a
	// deal registered before the status field.
	Registration *RegistrationView `json:"registration,omitempty"`
	// Mapping is the version of the pairing's mapping the deal last completed a sync round with
	// (pairing.Pairing.MappingVersion); empty until its first round under a worker that records it.
	// Policy is the version of the policy it decides with now.
	Mapping string `json:"mapping,omitempty"`
	Policy  string `json:"policy,omitempty"`
	// Remapping is set while a remap (`cosell mapping apply`) waits for a party's read.
	Remapping bool `json:"remapping,omitempty"`
	// Decisions is the deal's decision log, oldest first: its last writes with the side and rule behind
	// each value, the echoes it recognised, conflicts and refusals (engine/decisions.go). The
	// sync-health page shows it; a deal last run before the log existed has none until its next write.
	Decisions []Decision `json:"decisions,omitempty"`
}

// CoSellView is a deal's co-sell plan and outcome as `cosell deal show` and `cosell deal attribution`
// print them.
type CoSellView struct {
	Model  cosell.Model  `json:"model"`
	Motion cosell.Motion `json:"motion"`
	Vendor vocab.Side    `json:"vendor"`
	// Stage is the current playbook stage, Lead who leads it and LeadName how both CRMs show that.
	Stage    cosell.Stage       `json:"stage,omitempty"`
	Lead     cosell.Lead        `json:"lead,omitempty"`
	LeadName string             `json:"leadName,omitempty"`
	Leads    []cosell.StageLead `json:"leads"`
	// Attribution is the result at close-won, the audit trail; nil before.
	Attribution *attribution.Result `json:"attribution,omitempty"`
	Loss        *attribution.Loss   `json:"loss,omitempty"`
	// Touchpoints is the deal's evidence (evidence.go); nil before the first.
	Touchpoints *EvidenceView `json:"touchpoints,omitempty"`
	// Disputes are the attribution's disputes and resolutions, oldest first; Parts is the split in
	// force (the attribution's, or the last upheld dispute's corrected split).
	Disputes []attribution.Dispute `json:"disputes,omitempty"`
	Parts    []attribution.Part    `json:"parts,omitempty"`
}

// FeedInput starts (or continues) a change feed: of a CRM connection (Connection set), for every
// pairing that uses it; or, in histories from before connections had feeds, of one side of a pairing.
type FeedInput struct {
	// Connection names the CRM connection the feed polls; empty in a feed of one pairing side.
	Connection string     `json:"connection,omitempty"`
	PairingID  string     `json:"pairingId,omitempty"`
	Side       vocab.Side `json:"side,omitempty"`
	// PollInterval between polls; zero takes the worker's configured default via the first poll's answer.
	PollInterval time.Duration `json:"pollInterval"`
	// NoPolling turns polling off: the feed reads what webhooks hand it, and polls only when one asks.
	NoPolling bool       `json:"noPolling,omitempty"`
	State     *FeedState `json:"state,omitempty"`
}

// FeedSettings is how a change feed polls, as the worker is configured.
type FeedSettings struct {
	PollInterval time.Duration `json:"pollInterval"`
	NoPolling    bool          `json:"noPolling,omitempty"`
}

// RecordsChanged is what a webhook told of one side: deals to read again (by CRM record id), and
// whether to poll for changes it named no deal for (a new note). The feed dedupes and orders nothing:
// each record is read as it is now, and a stale or repeated notice costs a read, never a wrong value.
type RecordsChanged struct {
	Deals []string `json:"deals,omitempty"`
	Poll  bool     `json:"poll,omitempty"`
	// Source names the sender, for logs: "hubspot webhook", "salesforce outbound message", ...
	Source string `json:"source"`
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
	Seen map[string]time.Time `json:"seen,omitempty"`
	// SeenSums holds a fingerprint of each seen record's fields: Salesforce stamps whole seconds, so two
	// versions of a record can share a stamp, and only a changed fingerprint tells them apart.
	SeenSums  map[string]uint64    `json:"seenSums,omitempty"`
	SeenNotes map[string]time.Time `json:"seenNotes,omitempty"`
	// Activities are the durable cursors of the connection's activity streams (touchpoint evidence:
	// Salesforce task and event, HubSpot meeting, call, email, note), by stream; SeenActivities the
	// activity versions delivered inside their overlap windows ("stream/id/deal" → modified).
	Activities     map[string]connectors.Cursor `json:"activities,omitempty"`
	SeenActivities map[string]time.Time         `json:"seenActivities,omitempty"`
	// Pending are deal record ids a webhook handed over and the feed has not delivered yet; PollAsked
	// says a webhook asked for a poll that has not run yet. Both are carried across continue-as-new.
	Pending   []string `json:"pending,omitempty"`
	PollAsked bool     `json:"pollAsked,omitempty"`
	// Notified counts the deal records webhooks handed over; Delivered those the feed delivered.
	Notified  int `json:"notified,omitempty"`
	Delivered int `json:"delivered,omitempty"`
	// Scan is the poll in progress, nil between polls: a poll of a large burst spans several activities,
	// and each carries on from the page the one before reached.
	Scan      *FeedScan `json:"scan,omitempty"`
	Polls     int       `json:"polls"`
	LastPoll  time.Time `json:"lastPoll"`
	LastError string    `json:"lastError,omitempty"`
	// Budget is the connection's API budget as its guard saw it when the last poll ended, for `cosell
	// status`; nil for a connection without a guard.
	Budget *budget.Snapshot `json:"budget,omitempty"`
}

// FeedScan is where a poll in progress stands: the keyset position its next page of deals or notes
// starts after. It is exact, not overlap-shifted, so a burst sharing one timestamp is never read again
// from its start.
type FeedScan struct {
	Deals connectors.Cursor `json:"deals"`
	// DealsDone is set once the deal stream is read to its end; the poll then reads notes.
	DealsDone bool              `json:"dealsDone,omitempty"`
	Notes     connectors.Cursor `json:"notes"`
	// NotesDone is set once the note stream is read to its end; the poll then reads the activity
	// streams, each from its position in Activities until it is in ActivitiesDone.
	NotesDone      bool                         `json:"notesDone,omitempty"`
	Activities     map[string]connectors.Cursor `json:"activities,omitempty"`
	ActivitiesDone []string                     `json:"activitiesDone,omitempty"`
}

// FeedView is what the feed query returns.
type FeedView struct {
	Connection string     `json:"connection,omitempty"`
	PairingID  string     `json:"pairingId,omitempty"`
	Side       vocab.Side `json:"side,omitempty"`
	State      FeedState  `json:"state"`
}
