package engine

import (
	"time"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/vocab"
)

// Reading is one party's record as read from its CRM, in canonical values.
type Reading struct {
	Side     vocab.Side `json:"side"`
	Found    bool       `json:"found"`
	RecordID string     `json:"recordId,omitempty"`
	CoSellID string     `json:"coSellId,omitempty"`
	Enabled  bool       `json:"enabled"`
	// Values holds the fields that translated; Issues the ones that did not (with their raw values).
	Values  map[string]string `json:"values,omitempty"`
	Issues  []vocab.Issue     `json:"issues,omitempty"`
	Owner   vocab.Owner       `json:"owner"`
	Partner vocab.Owner       `json:"partnerOwner"`
	// ModifiedAt is the CRM's modification stamp of the record.
	ModifiedAt time.Time `json:"modifiedAt"`
}

// NoteEvent is a shareable note written on one party's record.
type NoteEvent struct {
	Side       vocab.Side `json:"side"`
	NoteID     string     `json:"noteId"`
	Body       string     `json:"body"`
	AuthorName string     `json:"authorName,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
}

// Kind is the kind of a command.
type Kind string

// Command kinds.
const (
	// Read the party's record (by record id, else by co-sell id).
	Read Kind = "read"
	// Stamp the co-sell id onto the party's record.
	Stamp Kind = "stamp"
	// Write fields to the party's record, or create its mirror.
	Write Kind = "write"
	// MirrorNote copies a note onto the party's record, once per key.
	MirrorNote Kind = "note"
	// CheckPilot asks the pairing's pilot whether it still takes registrations.
	CheckPilot Kind = "check_pilot"
)

// Command is one step of I/O the engine asks its interpreter to carry out. Seq identifies it; the
// result must answer with the same Seq.
type Command struct {
	Seq      int64      `json:"seq"`
	Kind     Kind       `json:"kind"`
	Side     vocab.Side `json:"side,omitempty"`
	RecordID string     `json:"recordId,omitempty"`
	CoSellID string     `json:"coSellId"`
	Write    *WriteCmd  `json:"write,omitempty"`
	Note     *NoteCmd   `json:"note,omitempty"`
}

// WriteCmd is a write of canonical values to one party. A write to a linked record goes to its record
// id; only a create goes by co-sell id (an idempotent upsert).
type WriteCmd struct {
	Create bool              `json:"create,omitempty"`
	Values map[string]string `json:"values,omitempty"`
	// Enabled, when set, writes the co-sell flag.
	Enabled *bool `json:"enabled,omitempty"`
	// PartnerOwner, when set, is written to the partner-owner fields.
	PartnerOwner *vocab.Owner `json:"partnerOwner,omitempty"`
	// SourceOwnerEmail is the e-mail of the origin's owner, mapped to pick a new mirror's owner.
	SourceOwnerEmail string `json:"sourceOwnerEmail,omitempty"`
	// UnmodifiedSince, on a write to a linked record, is the modification stamp of the engine's last
	// observation of it (Party.Stamp), which the write was decided on. A CRM with conditional writes
	// (Salesforce) refuses the write when the record was modified after it, and the result is a Modified
	// failure; one without (HubSpot) writes anyway.
	UnmodifiedSince time.Time `json:"unmodifiedSince,omitzero"`
}

// NoteCmd is a note to mirror. Body is empty when the engine no longer holds it (a note carried across
// continue-as-new): the interpreter reads it from the source CRM by id.
type NoteCmd struct {
	Key        string     `json:"key"`
	Source     vocab.Side `json:"source"`
	NoteID     string     `json:"noteId"`
	Subject    string     `json:"subject"`
	Prefix     string     `json:"prefix"`
	Body       string     `json:"body,omitempty"`
	AuthorName string     `json:"authorName,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
}

// FailureKind classifies a failed command.
type FailureKind string

// Failure kinds.
const (
	// Rejected: the CRM refused the request (validation); repeating it would fail the same way.
	Rejected FailureKind = "rejected"
	// Unavailable: the CRM could not be reached, failed past its retries or its budget is spent.
	Unavailable FailureKind = "unavailable"
	// NotFound: the record a write addressed does not exist (deleted, or merged away).
	NotFound FailureKind = "not_found"
	// Modified: a conditional write (WriteCmd.UnmodifiedSince) was refused, and nothing written, because
	// the record changed after the observation the write was decided on.
	Modified FailureKind = "modified"
	// Budget: the product's share of the party's CRM API budget is used (the worker's budget guard
	// refused the call unsent). It waits like Unavailable, and both partners are told once.
	Budget FailureKind = "budget"
)

// Failure is why a command did not complete.
type Failure struct {
	Kind    FailureKind `json:"kind"`
	CRM     string      `json:"crm,omitempty"`
	Code    string      `json:"code,omitempty"`
	Message string      `json:"message"`
	// Fields are the canonical fields a rejection blames, when the CRM named them.
	Fields []string `json:"fields,omitempty"`
	// RetryAfter is the delay the CRM asked for, zero when it did not say.
	RetryAfter time.Duration `json:"retryAfter,omitempty"`
}

func (f Failure) text() string {
	if f.CRM == "" && f.Code == "" {
		return f.Message
	}
	return f.CRM + ": " + f.Code + ": " + f.Message
}

// Written acknowledges a write: the record, its stamp after the write, and each written field as the
// CRM stored it.
type Written struct {
	RecordID string            `json:"recordId"`
	Stored   map[string]string `json:"stored,omitempty"`
	// Refused maps a field that could not be written (no value on this side) to why.
	Refused map[string]string `json:"refused,omitempty"`
	// Owner is the new mirror's owner (creates only).
	Owner      vocab.Owner `json:"owner"`
	ModifiedAt time.Time   `json:"modifiedAt,omitzero"`
	// ReadBackAsStored takes Stored for the stored forms of the write even where they are no form of
	// what was written, as the engine did before it told a save racing the read-back from its own
	// write. Only an interpreter replaying a history recorded before that rule sets it, so the history
	// replays the commands it recorded.
	ReadBackAsStored bool `json:"readBackAsStored,omitempty"`
}

// PilotStatus is the pairing pilot's answer to CheckPilot.
type PilotStatus struct {
	Killed   bool      `json:"killed"`
	KilledAt time.Time `json:"killedAt,omitzero"`
	Name     string    `json:"name,omitempty"`
}

// Result is the outcome of a command.
type Result struct {
	Seq     int64        `json:"seq"`
	Reading *Reading     `json:"reading,omitempty"`
	Written *Written     `json:"written,omitempty"`
	Pilot   *PilotStatus `json:"pilot,omitempty"`
	Failure *Failure     `json:"failure,omitempty"`
}

// Effect is something the interpreter carries out without waiting: a pilot report or a log line.
type Effect struct {
	Pilot *pilot.DealEvent `json:"pilot,omitempty"`
	Log   *LogLine         `json:"log,omitempty"`
	// Attribution is the deal's attribution record, for the pilot, each time it changes (attributed,
	// disputed, resolved): the pilot keeps the latest per deal.
	Attribution *attribution.Record `json:"attribution,omitempty"`
}

// LogLine is a structured log line the interpreter writes with its replay-safe logger.
type LogLine struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
	KV    []any  `json:"kv,omitempty"`
}

// StepKind says what the interpreter should do next.
type StepKind int

// Step kinds.
const (
	// Idle: nothing to do until a signal (or WakeAt, when set).
	Idle StepKind = iota
	// Run: carry out Command, then report its Result.
	Run
)

// Step is the engine's answer to "what next?".
type Step struct {
	Kind    StepKind
	Command Command
	// WakeAt, when not zero, is when the engine next has something to do on its own (an SLA moment, a
	// retry).
	WakeAt time.Time
}
