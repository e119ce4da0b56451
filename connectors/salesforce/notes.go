package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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

// findNote looks a note up by its idempotency key.
func (c *Connector) findNote(ctx context.Context, key string) (string, bool, error) {
	soql := fmt.Sprintf("SELECT Id FROM Task WHERE %s = %s LIMIT 1", c.cfg.NoteKeyField, quote(key))
	recs, err := c.query(ctx, "find Task "+c.cfg.NoteKeyField+"="+key, soql)
	if err != nil || len(recs) == 0 {
		return "", false, err
	}
	id, _ := recs[0]["Id"].(string)
	return id, id != "", nil
}

// CreateNote writes a Task exactly once per key.
//
// It reads by key first and writes only when nothing holds the key; the insert then relies on the key
// field being unique, so when two tries race, the loser gets DUPLICATE_VALUE and returns the winner's id.
// An upsert by the key would look simpler but, on a retry, would update the existing Task: that rewrites a
// note its owner may have edited and bumps its SystemModstamp, so ChangedNotes would offer the note again
// as a change. Reading first costs one query per new note and makes a repeated call write nothing.
func (c *Connector) CreateNote(ctx context.Context, note connectors.NoteInput) (string, error) {
	op := "create Task " + c.cfg.NoteKeyField + "/" + note.Key
	if note.Key == "" {
		return "", invalid(op, "note without idempotency key")
	}
	if !validID(note.DealRecordID) || !strings.HasPrefix(note.DealRecordID, "006") {
		return "", invalid(op, fmt.Sprintf("deal record id %q is not an Opportunity id", note.DealRecordID))
	}
	if id, found, err := c.findNote(ctx, note.Key); err != nil || found {
		return id, err
	}
	fields := map[string]any{
		"WhatId":           note.DealRecordID,
		"Subject":          noteSubject(note),
		"Description":      note.Body,
		"Status":           "Completed",
		"Priority":         "Normal",
		c.cfg.NoteKeyField: note.Key,
	}
	if note.OwnerID != "" {
		fields["OwnerId"] = note.OwnerID
	}
	if !note.Timestamp.IsZero() {
		fields["ActivityDate"] = note.Timestamp.UTC().Format("2006-01-02")
	}
	// A create is not idempotent, so the transport never resends it; a retry of the whole call finds
	// the Task by its key instead.
	resp, err := c.call(ctx, op, http.MethodPost, "/sobjects/Task", fields, false)
	if err != nil {
		if errorCode(err) == "DUPLICATE_VALUE" {
			if id, found, ferr := c.findNote(ctx, note.Key); ferr == nil && found {
				return id, nil
			}
		}
		return "", err
	}
	var ans struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp.body, &ans); err != nil || ans.ID == "" {
		return "", invalid(op, "create answer without id: "+bodySnippet(resp.body))
	}
	return ans.ID, nil
}

// noteSubject is the Task subject: the given one, else the body's first line, within Subject's 255 chars.
func noteSubject(n connectors.NoteInput) string {
	s := strings.TrimSpace(n.Subject)
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(n.Body), "\n")
		s = truncateRunes(strings.TrimSpace(s), 80)
	}
	if s == "" {
		s = "Co-sell note"
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
