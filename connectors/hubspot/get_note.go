package hubspot

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// GetNote reads one note's text by id, for a note whose mirror was deferred (the deal never carries
// note bodies in its state). DealRecordID is left empty: the caller knows the deal.
func (c *Client) GetNote(ctx context.Context, noteID string) (connectors.Note, error) {
	o, err := c.GetObject(ctx, "notes", noteID, "", c.noteProperties())
	if err != nil {
		return connectors.Note{}, err
	}
	return connectors.Note{ID: noteID, Body: plainText(o.Get("hs_note_body")), Key: o.Get(c.cfg.NoteKeyProperty)}, nil
}
