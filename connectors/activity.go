package connectors

import (
	"context"
	"time"
)

// ActivityReader is a CRM whose activities on deals (Salesforce Tasks and Events; HubSpot meetings,
// calls, e-mails and notes) the change feed reads as touchpoint evidence. Each object is its own
// stream with its own cursor, paged by (ModifiedAt, ID) like ChangedDeals, because the CRMs keep them
// apart (two SOQL objects, four HubSpot object types).
type ActivityReader interface {
	// ActivityStreams names the streams, in the order a poll reads them ("task", "event").
	ActivityStreams() []string
	// ChangedActivities reads activities of one stream on deals, modified strictly after the cursor,
	// oldest first, at most limit of them; the page says how far it read (past activities on other
	// objects too) and whether there is more.
	ChangedActivities(ctx context.Context, stream string, after Cursor, limit int) (ActivityPage, error)
}

// Activity is one CRM activity on a deal, in the CRM's own terms.
type Activity struct {
	// Object is the stream it came from: task, event, meeting, call, email, note.
	Object       string `json:"object"`
	ID           string `json:"id"`
	DealRecordID string `json:"dealRecordId"`
	// Type is the CRM's classification: Salesforce Type (else TaskSubtype), HubSpot hs_activity_type.
	Type    string `json:"type,omitempty"`
	Subject string `json:"subject,omitempty"`
	// OwnerID is the CRM user whose activity it is.
	OwnerID string `json:"ownerId,omitempty"`
	// At is when it happened: a meeting's start, a call's or e-mail's timestamp, a task's completion or
	// due date.
	At         time.Time `json:"at"`
	ModifiedAt time.Time `json:"modifiedAt"`
	// Key is set on activities this product wrote (mirrored notes, SLA tasks): never evidence.
	Key string `json:"key,omitempty"`
}

// ActivityPage is one read of an activity stream.
type ActivityPage struct {
	Activities []Activity `json:"activities"`
	Next       Cursor     `json:"next"`
	More       bool       `json:"more"`
}
