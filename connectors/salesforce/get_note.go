package salesforce

import (
	"context"
	"fmt"

	"github.com/cosellsync/cosell/connectors"
)

// GetNote reads one note (a Task) by id, for a note whose mirror was deferred (the deal never carries
// note bodies in its state). A missing Task is an error matching connectors.ErrNotFound.
func (c *Connector) GetNote(ctx context.Context, noteID string) (connectors.Note, error) {
	op := "get Task " + noteID
	soql := fmt.Sprintf("SELECT Id, WhatId, Subject, Description, %s FROM Task WHERE Id = %s LIMIT 1", c.cfg.NoteKeyField, quote(noteID))
	recs, err := c.query(ctx, op, soql)
	if err != nil {
		return connectors.Note{}, err
	}
	if len(recs) == 0 {
		return connectors.Note{}, &connectors.Error{CRM: "salesforce", Op: op, Status: 404, Code: "NOT_FOUND", Message: "no such Task", NotFound: true}
	}
	str := func(k string) string { s, _ := recs[0][k].(string); return s }
	body := str("Description")
	if body == "" {
		body = str("Subject")
	}
	return connectors.Note{ID: noteID, DealRecordID: str("WhatId"), Body: body, Key: str(c.cfg.NoteKeyField)}, nil
}
