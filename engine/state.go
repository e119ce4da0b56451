package engine

import (
	"time"

	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// FlagField is the pseudo-field holding a party's co-sell flag ("true" or "false"). It travels through
// the same cells as mapped fields, so unflagging on one side reaches the others once, without echoes.
const FlagField = "@cosell"

// Limits that keep a deal's state bounded whatever happens to it.
const (
	maxConflicts     = 100
	maxNoteKeys      = 2000
	maxSLAHistory    = 50
	maxNotesPerRound = 20
	maxGone          = 5
	maxSent          = 4
)

// State is everything a deal carries: it is the only memory of the engine, and what continue-as-new
// hands to the next run. It holds ids, values, keys and clocks, never note bodies.
type State struct {
	PairingID string `json:"pairingId"`
	CoSellID  string `json:"coSellId"`
	// Parties holds what the engine knows of each party's record, keyed by party.
	Parties map[vocab.Side]*Party `json:"parties"`
	// Fields holds, per canonical field, the value every receiving party should converge on.
	Fields    map[string]*Want `json:"fields"`
	Conflicts []Conflict       `json:"conflicts,omitempty"`
	Issues    []SyncIssue      `json:"issues,omitempty"`
	NoteKeys  []string         `json:"noteKeys,omitempty"`
	// PendingNotes are notes to mirror, by id: a body not received in this run is read again from its
	// CRM when the note is mirrored.
	PendingNotes []PendingNote `json:"pendingNotes,omitempty"`

	// Registered is set once the first mirror exists; Origin is the party that registered the deal.
	Registered bool       `json:"registered,omitempty"`
	Origin     vocab.Side `json:"origin,omitempty"`
	// Backfilled is set on a deal `cosell backfill` linked from two records that existed before the
	// sync (adopt.go): it is registered once every party's record is linked, with no mirror created.
	Backfilled bool `json:"backfilled,omitempty"`
	// CreateRefused is set when a CRM refused to create a mirror; it is tried again on the next change.
	CreateRefused bool `json:"createRefused,omitempty"`
	// PilotChecked records that the pairing's pilot allowed this registration.
	PilotChecked bool `json:"pilotChecked,omitempty"`
	// Refused marks a registration refused because the pairing's pilot was killed.
	Refused bool `json:"refused,omitempty"`
	// Registration is the registration's answer (registration.go); nil for a deal registered before the
	// status field existed, or under a pairing that does not map it.
	Registration *RegistrationState `json:"registration,omitempty"`
	// Paused is set while the deal is out of co-sell (unflagged on a side).
	Paused bool `json:"paused,omitempty"`

	// Stage is the canonical stage the stage SLA is measuring.
	Stage      string      `json:"stage,omitempty"`
	SLAs       []SLAState  `json:"slas,omitempty"`
	SLAHistory []SLARecord `json:"slaHistory,omitempty"`
	// Outbox holds notices not yet delivered to every channel.
	Outbox         []OutboxItem `json:"outbox,omitempty"`
	NoticesSent    int          `json:"noticesSent"`
	NoticesRefused int          `json:"noticesRefused"`
	// CoSell is the deal's co-sell plan, current lead, attribution and loss (cosell.go); nil for a deal
	// registered without a cosell policy.
	CoSell *CoSellState `json:"cosell,omitempty"`
	// ReportedAmount is the amount last reported to the pairing's pilot.
	ReportedAmount float64 `json:"reportedAmount,omitempty"`

	// Seq numbers the commands the engine issues; a result answers one sequence number.
	Seq int64 `json:"seq"`
	// Round counts sync rounds; InRound is set while a round has work left.
	Round   int  `json:"round"`
	InRound bool `json:"inRound,omitempty"`
	// RoundNotes counts the notes mirrored in this round; a round mirrors at most maxNotesPerRound.
	RoundNotes int `json:"roundNotes,omitempty"`
	// RetryAt is when a failed step is tried again; RetryDelay the backoff that set it.
	RetryAt    time.Time     `json:"retryAt,omitzero"`
	RetryDelay time.Duration `json:"retryDelay,omitempty"`
	LastSyncAt time.Time     `json:"lastSyncAt,omitzero"`
	// Mapping is the version of the mapping (Policy.Mapping) the deal last completed a round with.
	Mapping string `json:"mapping,omitempty"`
	// BudgetNoticed is the key of the last budget pause this deal told the partners about.
	BudgetNoticed string `json:"budgetNoticed,omitempty"`
	// Decisions is the decision log (decisions.go): the last writes with their reasons, the echoes
	// recognised, conflicts and refusals; a bounded ring, for the sync-health page.
	Decisions []Decision `json:"decisions,omitempty"`
}

// Party is the engine's knowledge of one party's record of the deal.
type Party struct {
	RecordID string `json:"recordId,omitempty"`
	// Cells hold each field's value as this party's CRM stores it, as last read or acknowledged.
	Cells map[string]Cell `json:"cells,omitempty"`
	// Refused maps a field to the value its CRM refused; it is not written again until the value to
	// write changes.
	Refused map[string]string `json:"refused,omitempty"`
	// Stamp is the CRM's modification stamp of the newest observation of the record.
	Stamp time.Time `json:"stamp,omitzero"`
	// Observed is the round in which the record was last read or written.
	Observed int `json:"observed"`
	// Races counts the writes refused in round RaceRound because the record changed after the look they
	// were decided on (a Modified failure); each is read again at once, up to maxRaces in a round.
	Races     int `json:"races,omitempty"`
	RaceRound int `json:"raceRound,omitempty"`
	// NeedRead asks for a fresh read: a bare trigger, a stale reading that disagreed, a write that found
	// no record.
	NeedRead bool `json:"needRead,omitempty"`
	// NeedStamp asks for the co-sell id to be written onto the record (a registration, or a restore
	// after a user edited the field).
	NeedStamp bool `json:"needStamp,omitempty"`
	// Remap asks the party's next read of the engine's own to take the mapping's new reading of an
	// unchanged record as no edit and re-sync it (remap.go); Rebase asks the same without the re-sync.
	Remap  bool `json:"remap,omitempty"`
	Rebase bool `json:"rebase,omitempty"`
	// Stale maps a field whose cell a rebase read in the new mapping's terms while it still stands for
	// the value the old mapping wrote, to that reading: a remap re-syncs it.
	Stale map[string]string `json:"stale,omitempty"`
	// Unlinked is set when the party deleted its record and the pairing unlinks on delete.
	Unlinked bool `json:"unlinked,omitempty"`
	// Gone lists record ids the party deleted (the last few), so a late reading of one is not taken
	// for the deal's record again.
	Gone []string `json:"gone,omitempty"`
	// Sent holds the values of the writes issued to this party whose answer never came and that no
	// read of the engine's own has settled since (the last few: a write whose answer was lost may have
	// been applied, and so may its retry). A delivered reading settles none: it may have been taken
	// before a write in flight landed.
	Sent []Sent `json:"sent,omitempty"`
	// AbsentAt is when the engine's own look by co-sell id last found no record of the party, while
	// none was linked. A delivered reading of a record stamped no later is older than that look (a
	// mirror whose create answer was lost, deleted since): it is no ground to link the record.
	AbsentAt time.Time `json:"absentAt,omitzero"`
	// Owner is the record's owner; Shown the partner owner the record shows.
	Owner vocab.Owner `json:"owner"`
	Shown vocab.Owner `json:"shown"`
}

// Cell is one field on one party: Value as the CRM stores it, and Synced, the value it stands for. They
// differ when the CRM normalised what was written (a trimmed space, a rounded amount), so the stored
// form neither echoes back nor counts as the partner acting.
type Cell struct {
	Value  string `json:"v"`
	Synced string `json:"s"`
	// Seen is the latest time the party is known to have held Value: the time of the engine's own read
	// or of a write's acknowledgement, or the stamp of a delivered reading. A party's next edit follows
	// the wanted value only if it was known to hold it after the wanted value was set; otherwise the
	// two edits may have crossed, and they are a conflict.
	Seen time.Time `json:"t,omitzero"`
}

// Sent is a write the engine issued and has not seen the outcome of: the values it carried and when it
// was issued (the record holds them at least from then, if it was applied).
type Sent struct {
	Seq    int64             `json:"seq,omitempty"`
	Create bool              `json:"create,omitempty"`
	Values map[string]string `json:"values"`
	At     time.Time         `json:"at"`
}

// Want is the value of a field every receiving party should hold, with the party whose edit set it and
// that edit's modification stamp (for last-writer-wins).
type Want struct {
	Value string     `json:"v"`
	From  vocab.Side `json:"from"`
	// Also is a second party that typed the same value itself, in an order the stamps do not tell
	// (whole seconds): a next edit of From is no follow-up of Also's edit unless From was seen holding
	// the value after both were known, and the other way round.
	Also vocab.Side `json:"also,omitempty"`
	At   time.Time  `json:"at"`
	// Known is when the engine learnt of that edit: the edit happened before it. A party known to hold
	// the value only from an earlier time may have edited the field without having seen this one.
	Known time.Time `json:"k,omitzero"`
}

// PendingNote is a shared note waiting to be mirrored to the other parties.
type PendingNote struct {
	Key        string     `json:"key"`
	Side       vocab.Side `json:"side"`
	NoteID     string     `json:"noteId"`
	AuthorName string     `json:"authorName,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	// Done lists the parties the note has reached.
	Done []vocab.Side `json:"done,omitempty"`
}

// Conflict records a field changed on two parties since they last agreed, and how it was settled.
type Conflict struct {
	Field  string       `json:"field"`
	ValueA string       `json:"valueA"`
	ValueB string       `json:"valueB"`
	Winner vocab.Side   `json:"winner"`
	Policy vocab.Policy `json:"policy"`
	At     time.Time    `json:"at"`
	// Details says how it was settled: by policy, by the field's direction, or held as unmapped.
	Details string `json:"details,omitempty"`
}

// SyncIssue is something that keeps part of a deal from syncing. It stays visible until it clears.
type SyncIssue struct {
	Side    vocab.Side `json:"side"`
	Field   string     `json:"field,omitempty"`
	Kind    string     `json:"kind"`
	Message string     `json:"message"`
	Since   time.Time  `json:"since"`
}

// SLAState is a running SLA: its clock and how far it has got.
type SLAState struct {
	sla.Clock
	// Fired counts the clock's events already fired.
	Fired      int       `json:"fired"`
	Warned     bool      `json:"warned,omitempty"`
	BreachedAt time.Time `json:"breachedAt,omitzero"`
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
	BreachedAt time.Time `json:"breachedAt,omitzero"`
	Level      int       `json:"level"`
	ResolvedAt time.Time `json:"resolvedAt"`
	Resolution string    `json:"resolution"`
}

// OutboxItem is a notice and the channels it still has to reach.
type OutboxItem struct {
	Notice  vocab.Notice `json:"notice"`
	Pending []string     `json:"pending"`
	// Due is when a CRM task made from the notice is due.
	Due       time.Time `json:"due"`
	Attempts  int       `json:"attempts,omitempty"`
	LastError string    `json:"lastError,omitempty"`
}

// NewState returns the empty state of a deal.
func NewState(pairingID, coSellID string) State {
	return State{PairingID: pairingID, CoSellID: coSellID, Parties: map[vocab.Side]*Party{}, Fields: map[string]*Want{}}
}
