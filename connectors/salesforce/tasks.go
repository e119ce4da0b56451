package salesforce

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// CreateTask puts a to-do on an opportunity exactly once per key (see createKeyedTask): an open Task
// (Status "Not Started", Priority "High") assigned to OwnerID, due on Due's calendar date, its key in the
// Task key field notes use.
//
// The key is also what keeps the task out of the sync: ChangedNotes reports every Task on an opportunity,
// this one with its Key, and the change feed drops keyed Tasks as the product's own writes, so an SLA task
// never crosses to the partner as a note.
func (c *Connector) CreateTask(ctx context.Context, task connectors.TaskInput) (string, error) {
	op := "create Task " + c.cfg.NoteKeyField + "/" + task.Key
	fields := map[string]any{
		"WhatId":      task.DealRecordID,
		"Subject":     subjectLine(task.Subject, task.Body, "Co-sell task"),
		"Description": task.Body,
		"Status":      "Not Started",
		"Priority":    "High",
	}
	if task.OwnerID != "" {
		fields["OwnerId"] = task.OwnerID
	}
	if !task.Due.IsZero() {
		// ActivityDate is a date without a time zone: the due day as the caller's time zone has it.
		fields["ActivityDate"] = task.Due.Format("2006-01-02")
	}
	return c.createKeyedTask(ctx, op, task.DealRecordID, task.Key, fields)
}
