package hubspot

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cosellsync/cosell/connectors"
)

// CreateNote attaches a note to a deal once per NoteInput.Key. It reads the deal's notes (v4
// associations, then one batch read of their key property; see findKeyedOnDeal) and returns the note
// carrying the key if there is one; otherwise it creates the note with the key and the deal association
// inline.
//
// Read-then-create is safe because one deal workflow serializes writes per deal, so no two CreateNote
// calls for one deal run at once. The create itself is never repeated by the transport; a retried
// activity comes back through the read.
func (c *Client) CreateNote(ctx context.Context, note connectors.NoteInput) (string, error) {
	if note.Key == "" || note.DealRecordID == "" {
		return "", &connectors.Error{CRM: crmName, Op: "create note on deal " + note.DealRecordID, Code: "MISSING_INPUT",
			Message: "a mirrored note needs an idempotency key and a deal", Fields: []string{c.cfg.NoteKeyProperty}}
	}
	if id, found, err := c.findKeyedOnDeal(ctx, ObjectNotes, note.DealRecordID, c.cfg.NoteKeyProperty, note.Key); err != nil || found {
		return id, err
	}
	ts := note.Timestamp
	if ts.IsZero() {
		ts = c.cfg.Now()
	}
	props := map[string]string{
		"hs_note_body":        noteHTML(note.Subject, note.Body),
		"hs_timestamp":        strconv.FormatInt(ts.UnixMilli(), 10),
		c.cfg.NoteKeyProperty: note.Key,
	}
	if note.OwnerID != "" {
		props["hubspot_owner_id"] = note.OwnerID
	}
	created, err := c.CreateObject(ctx, ObjectNotes, CreateInput{
		Properties:   props,
		Associations: []Association{{To: AssociationTarget{ID: note.DealRecordID}, Types: []AssociationType{NoteToDeal}}},
	})
	if err != nil {
		if e, ok := connectors.AsError(err); ok {
			e.Op = fmt.Sprintf("create note %s on deal %s", note.Key, note.DealRecordID)
		}
		return "", err
	}
	return created.ID, nil
}
