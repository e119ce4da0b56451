package salesforce

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// ActivityStreams implements connectors.ActivityReader: Tasks (logged calls, e-mails, to-dos) and
// Events (meetings) on opportunities.
func (c *Connector) ActivityStreams() []string { return []string{"task", "event"} }

// ChangedActivities pages Tasks or Events on opportunities by (SystemModstamp, Id), as ChangedNotes
// does: What.Type selects activities on opportunities in SOQL itself.
func (c *Connector) ChangedActivities(ctx context.Context, stream string, after connectors.Cursor, limit int) (connectors.ActivityPage, error) {
	if limit <= 0 {
		limit = defaultPageLimit
	}
	var object, fields string
	switch stream {
	case "task":
		object, fields = "Task", "Type, TaskSubtype, ActivityDate, CompletedDateTime, Status, "+c.cfg.NoteKeyField
	case "event":
		object, fields = "Event", "Type, StartDateTime, ActivityDateTime"
	default:
		return connectors.ActivityPage{}, fmt.Errorf("salesforce has no activity stream %q (task, event)", stream)
	}
	where := "What.Type = 'Opportunity'"
	if k := keysetAfter(after.ModifiedAt, after.ID); k != "" {
		where += " AND " + k
	}
	soql := fmt.Sprintf("SELECT Id, WhatId, Subject, OwnerId, CreatedDate, SystemModstamp, %s FROM %s WHERE %s ORDER BY SystemModstamp ASC, Id ASC LIMIT %d",
		fields, object, where, limit)
	op := "query changed " + object
	recs, err := c.query(ctx, op, soql)
	if err != nil {
		return connectors.ActivityPage{}, err
	}
	page := connectors.ActivityPage{Next: after, More: len(recs) >= limit}
	for _, r := range recs {
		str := func(k string) string { s, _ := r[k].(string); return s }
		created, ok1 := parseSFTime(str("CreatedDate"))
		modified, ok2 := parseSFTime(str("SystemModstamp"))
		if str("Id") == "" || !ok1 || !ok2 {
			return connectors.ActivityPage{}, invalid(op, fmt.Sprintf("record without Id or timestamps: %v", r))
		}
		page.Next = connectors.Cursor{ModifiedAt: modified, ID: str("Id")}
		if !strings.HasPrefix(str("WhatId"), "006") {
			continue
		}
		a := connectors.Activity{Object: stream, ID: str("Id"), DealRecordID: str("WhatId"), Type: str("Type"), Subject: str("Subject"),
			OwnerID: str("OwnerId"), ModifiedAt: modified}
		switch stream {
		case "task":
			a.Key = str(c.cfg.NoteKeyField)
			if a.Type == "" && str("TaskSubtype") != "Task" {
				a.Type = str("TaskSubtype") // Email, Call, ListEmail: what Salesforce logged it as
			}
			// When it happened: completed, else the due date (a date: midnight UTC), else created.
			a.At = created
			if t, ok := parseSFTime(str("CompletedDateTime")); ok {
				a.At = t
			} else if d, err := time.Parse(time.DateOnly, str("ActivityDate")); err == nil {
				a.At = d
			}
		case "event":
			a.At = created
			if t, ok := parseSFTime(str("StartDateTime")); ok {
				a.At = t
			} else if t, ok := parseSFTime(str("ActivityDateTime")); ok {
				a.At = t
			}
		}
		page.Activities = append(page.Activities, a)
	}
	return page, nil
}
