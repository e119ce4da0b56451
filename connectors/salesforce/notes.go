package salesforce

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cosellsync/cosell/connectors"
)

// ChangedNotes pages Tasks related to opportunities by (SystemModstamp, Id). What.Type selects tasks on
// opportunities in SOQL itself, so LIMIT counts only notes the sync cares about.
func (c *Connector) ChangedNotes(ctx context.Context, after connectors.Cursor, limit int) (connectors.NotePage, error) {
	if limit <= 0 {
		limit = defaultPageLimit
	}
	where := "What.Type = 'Opportunity'"
	if k := keysetAfter(after.ModifiedAt, after.ID); k != "" {
		where += " AND " + k
	}
	soql := fmt.Sprintf("SELECT Id, WhatId, Subject, Description, OwnerId, CreatedById, CreatedDate, SystemModstamp, %s FROM Task WHERE %s ORDER BY SystemModstamp ASC, Id ASC LIMIT %d",
		c.cfg.NoteKeyField, where, limit)
	recs, err := c.query(ctx, "query changed Task", soql)
	if err != nil {
		return connectors.NotePage{}, err
	}
	page := connectors.NotePage{Next: after, More: len(recs) >= limit}
	out := make([]connectors.Note, 0, len(recs))
	for _, r := range recs {
		str := func(k string) string { s, _ := r[k].(string); return s }
		created, ok1 := parseSFTime(str("CreatedDate"))
		modified, ok2 := parseSFTime(str("SystemModstamp"))
		if str("Id") == "" || !ok1 || !ok2 {
			return connectors.NotePage{}, invalid("query changed Task", fmt.Sprintf("record without Id or timestamps: %v", r))
		}
		page.Next = connectors.Cursor{ModifiedAt: modified, ID: str("Id")}
		if !strings.HasPrefix(str("WhatId"), "006") {
			continue // not on an opportunity; What.Type already filters, this guards the cursor's meaning
		}
		// The task's owner is whose note it is: a rep who logs a call owns the task, and a task an
		// integration logs on a rep's behalf is owned by the rep while the integration user created it.
		author := str("OwnerId")
		if author == "" {
			author = str("CreatedById")
		}
		body := str("Description")
		if body == "" {
			body = str("Subject")
		}
		out = append(out, connectors.Note{
			ID: str("Id"), DealRecordID: str("WhatId"), Body: body, AuthorID: author,
			Key: str(c.cfg.NoteKeyField), CreatedAt: created, ModifiedAt: modified,
		})
	}
	page.Notes = out
	return page, nil
}

// CreateNote writes a Task exactly once per key (see createKeyedTask): a completed, normal-priority
// activity on the opportunity, dated at the note's timestamp.
func (c *Connector) CreateNote(ctx context.Context, note connectors.NoteInput) (string, error) {
	op := "create Task " + c.cfg.NoteKeyField + "/" + note.Key
	fields := map[string]any{
		"WhatId":      note.DealRecordID,
		"Subject":     noteSubject(note),
		"Description": note.Body,
		"Status":      "Completed",
		"Priority":    "Normal",
	}
	if note.OwnerID != "" {
		fields["OwnerId"] = note.OwnerID
	}
	if !note.Timestamp.IsZero() {
		fields["ActivityDate"] = note.Timestamp.UTC().Format("2006-01-02")
	}
	return c.createKeyedTask(ctx, op, note.DealRecordID, note.Key, fields)
}

// noteSubject is a note's Task subject.
func noteSubject(n connectors.NoteInput) string {
	return subjectLine(n.Subject, n.Body, "Co-sell note")
}

// subjectLine is a Task subject: the given one, else the body's first line (80 characters at most), else
// fallback, within Subject's 255 characters.
func subjectLine(subject, body, fallback string) string {
	s := strings.TrimSpace(subject)
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(body), "\n")
		s = truncateRunes(strings.TrimSpace(s), 80)
	}
	if s == "" {
		s = fallback
	}
	return truncateRunes(s, 255)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
