// Package connectors defines the one interface the product uses to talk to a CRM, in the language of the
// co-sell domain. Each CRM (connectors/salesforce, connectors/hubspot) implements it with a typed client;
// nothing here imports Temporal, so connectors can be tested against the fakes in mocks/ alone.
//
// Field values cross this boundary in the CRM's own field names and JSON types (string, float64, bool,
// nil). Turning them into canonical co-sell values (stage value maps, dates without time zones, owners)
// is the job of the pure pairing package, not of a connector.
package connectors

import (
	"cmp"
	"context"
	"strings"
	"time"
)

// CRM is everything the sync needs from one partner's CRM connection.
//
// Every write is idempotent: UpsertDeal keys on the co-sell id (an external-id field), and CreateNote keys
// on NoteInput.Key, so a retried activity converges instead of duplicating a record or a note.
type CRM interface {
	// Kind names the CRM ("salesforce", "hubspot") for logs and errors.
	Kind() string

	// ChangedDeals returns co-sell-flagged deals whose (ModifiedAt, RecordID) sorts strictly after the
	// cursor, in that order, at most limit of them. Paging by the pair rather than the time alone means a
	// burst of more than limit deals sharing one timestamp can never pin the cursor in place.
	ChangedDeals(ctx context.Context, after Cursor, limit int) ([]Deal, error)

	// GetDeal reads one deal by the CRM's record id. A missing record is an error matching ErrNotFound.
	GetDeal(ctx context.Context, recordID string) (Deal, error)

	// FindDealByCoSellID reads the deal carrying a co-sell id; found is false when there is none.
	FindDealByCoSellID(ctx context.Context, coSellID string) (deal Deal, found bool, err error)

	// UpsertDeal creates or updates the deal whose co-sell id field equals coSellID, setting only the
	// given fields (CRM field names). It is the single write path for mirrored deals, so a batching layer
	// can wrap it later.
	UpsertDeal(ctx context.Context, coSellID string, fields map[string]any) (UpsertResult, error)

	// UpdateDeal sets fields on an existing record by its CRM id; it is used to stamp the co-sell id on
	// the deal a partner flagged.
	UpdateDeal(ctx context.Context, recordID string, fields map[string]any) error

	// ChangedNotes reads notes attached to deals whose (ModifiedAt, ID) sorts strictly after the cursor,
	// oldest first, at most limit of them. Notes this product wrote carry their Key, so callers can drop
	// them. The page says how far the read got, notes it skipped included (a HubSpot portal's notes are
	// mostly on contacts), so a stream of notes that are not on deals never stalls the cursor.
	ChangedNotes(ctx context.Context, after Cursor, limit int) (NotePage, error)

	// GetNote reads one note by id (its body, and its key when this product wrote it). A missing note is
	// an error matching ErrNotFound.
	GetNote(ctx context.Context, noteID string) (Note, error)

	// CreateNote attaches a note to a deal exactly once per Key: a second call with the same Key returns
	// the existing note's id and writes nothing.
	CreateNote(ctx context.Context, note NoteInput) (noteID string, err error)

	// CreateTask creates a to-do for one person on a deal (a Salesforce Task, a HubSpot task associated
	// with the deal), exactly once per Key: a second call with the same Key returns the existing task's
	// id and writes nothing. SLA notices use it to put the work in front of the responsible person.
	CreateTask(ctx context.Context, task TaskInput) (taskID string, err error)

	// DealURL is where a person opens the deal in this CRM's UI, for links in notices.
	DealURL(recordID string) string

	// ListOwners lists the users who can own a deal, active or not.
	ListOwners(ctx context.Context) ([]Owner, error)

	// DescribeDeals reports the deal object's fields, with picklist values, so mappings can be checked.
	DescribeDeals(ctx context.Context) (Schema, error)

	// ClosedSoloDeals lists deals NOT flagged for co-sell that closed (won or lost) with a close date in
	// [from, to), for the pilot review's joint-versus-solo comparison. It pages through everything.
	//
	// A deal whose co-sell flag was never set counts as solo. A close date that is a calendar date
	// (Salesforce's CloseDate) is taken as midnight UTC of that date, so pass UTC midnights to select
	// whole days. The order of the result is unspecified.
	ClosedSoloDeals(ctx context.Context, from, to time.Time) ([]ClosedDeal, error)
}

// ConditionalUpdater is a CRM that can make an update conditional on the record not having changed
// since a stamp, so a write decided on an earlier look never lands over a user's later edit. Salesforce
// offers it (If-Unmodified-Since on the sObject row); HubSpot offers no conditional write, so its
// connector does not implement this and its writes race a user editing at the same moment.
type ConditionalUpdater interface {
	// UpdateDealIfUnmodifiedSince is UpdateDeal refused, with nothing written and an error matching
	// ErrModified, when the record was modified after since. The CRM compares whole seconds: an edit in
	// the same second as since is not seen. A zero since makes it UpdateDeal.
	UpdateDealIfUnmodifiedSince(ctx context.Context, recordID string, fields map[string]any, since time.Time) error
}

// ClosedDeal is one closed deal as the pilot review counts it: what it was worth, whether it was won,
// and how long it took from creation to close.
type ClosedDeal struct {
	RecordID string  `json:"recordId"`
	Amount   float64 `json:"amount"` // 0 when the CRM has no amount
	Won      bool    `json:"won"`
	// CreatedAt is when the record was created in the CRM.
	CreatedAt time.Time `json:"createdAt"`
	// ClosedAt is the deal's close date (midnight UTC for a CRM that keeps a date only).
	ClosedAt time.Time `json:"closedAt"`
}

// Cursor is a position in a CRM's change stream: everything at or before (ModifiedAt, ID) has been seen.
type Cursor struct {
	ModifiedAt time.Time `json:"modifiedAt"`
	ID         string    `json:"id,omitempty"`
}

// Less reports whether c sorts before the position (t, id).
func (c Cursor) Less(t time.Time, id string) bool {
	if !c.ModifiedAt.Equal(t) {
		return c.ModifiedAt.Before(t)
	}
	return CompareIDs(c.ID, id) < 0
}

// CompareIDs orders record ids as the CRMs' keyset queries do: a shorter id first, then as text. For
// HubSpot's numeric ids (no leading zeros) that is numeric order; Salesforce ids all have 18 characters,
// so for them it is plain text order, as ORDER BY Id gives.
func CompareIDs(a, b string) int {
	switch {
	case len(a) != len(b):
		return cmp.Compare(len(a), len(b))
	default:
		return strings.Compare(a, b)
	}
}

// NotePage is one read of a CRM's note stream.
type NotePage struct {
	Notes []Note `json:"notes"`
	// Next is the position the read reached, past any notes it skipped; read on from it.
	Next Cursor `json:"next"`
	// More is false when the read reached the end of the stream.
	More bool `json:"more"`
}

// Deal is one CRM deal as the sync sees it.
type Deal struct {
	RecordID   string         `json:"recordId"`
	CoSellID   string         `json:"coSellId,omitempty"`
	Enabled    bool           `json:"enabled"`
	OwnerID    string         `json:"ownerId,omitempty"`
	Fields     map[string]any `json:"fields"`
	ModifiedAt time.Time      `json:"modifiedAt"`
}

// UpsertResult says which record an upsert touched and whether it was new.
type UpsertResult struct {
	RecordID string `json:"recordId"`
	Created  bool   `json:"created"`
}

// Note is a note or activity attached to a deal.
type Note struct {
	ID           string    `json:"id"`
	DealRecordID string    `json:"dealRecordId"`
	Body         string    `json:"body"`
	AuthorID     string    `json:"authorId,omitempty"`
	Key          string    `json:"key,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	ModifiedAt   time.Time `json:"modifiedAt"`
}

// NoteInput is a note to create on a deal. Key is the idempotency key the connector stores on the note.
type NoteInput struct {
	DealRecordID string    `json:"dealRecordId"`
	Key          string    `json:"key"`
	Subject      string    `json:"subject"`
	Body         string    `json:"body"`
	OwnerID      string    `json:"ownerId,omitempty"`
	Timestamp    time.Time `json:"timestamp"`
}

// TaskInput is a to-do to create on a deal for one owner. Key is the idempotency key the connector
// stores on the task; Due is the calendar date the task is due (time of day ignored by Salesforce).
type TaskInput struct {
	DealRecordID string    `json:"dealRecordId"`
	Key          string    `json:"key"`
	Subject      string    `json:"subject"`
	Body         string    `json:"body"`
	OwnerID      string    `json:"ownerId,omitempty"`
	Due          time.Time `json:"due"`
}

// Owner is a CRM user who can own a deal.
type Owner struct {
	ID     string `json:"id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// Schema describes the deal object's fields.
type Schema struct {
	Fields []FieldSchema `json:"fields"`
}

// Field returns the named field's schema, if the object has it.
func (s Schema) Field(name string) (FieldSchema, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return FieldSchema{}, false
}

// FieldSchema describes one field: its type as the CRM names it and, for picklists, the allowed values.
type FieldSchema struct {
	Name           string   `json:"name"`
	Label          string   `json:"label"`
	Type           string   `json:"type"`
	PicklistValues []string `json:"picklistValues,omitempty"`
	Restricted     bool     `json:"restricted,omitempty"`
	ExternalID     bool     `json:"externalId,omitempty"`
}

// DealFields names the fields a connector reads and writes besides the mapped ones. The defaults per CRM
// live in the pairing package; a pairing file may rename them.
type DealFields struct {
	CoSellID          string `json:"coSellId"`
	Enabled           string `json:"enabled"`
	Owner             string `json:"owner"`
	PartnerOwnerName  string `json:"partnerOwnerName"`
	PartnerOwnerEmail string `json:"partnerOwnerEmail"`
	// Mapped lists the other fields to read on every deal.
	Mapped []string `json:"mapped"`
}

// All returns every field name a deal read must select, without duplicates.
func (f DealFields) All() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range append([]string{f.CoSellID, f.Enabled, f.Owner, f.PartnerOwnerName, f.PartnerOwnerEmail}, f.Mapped...) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
