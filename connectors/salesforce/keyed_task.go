package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cosellsync/cosell/connectors"
)

// findTaskByKey looks a Task up by its idempotency key (Config.NoteKeyField, which notes and SLA tasks
// share: both are Task records).
//
// It reads by external id (GET /sobjects/Task/{keyField}/{key}), not with SOQL: a query does not see a
// Task whose transaction has not committed yet, so a retry right after a create whose answer was lost
// would find nothing, create again and fail on the unique key. A read by key sees the row at once.
func (c *Connector) findTaskByKey(ctx context.Context, key string) (string, bool, error) {
	op := "find Task " + c.cfg.NoteKeyField + "=" + key
	resp, err := c.call(ctx, op, http.MethodGet, "/sobjects/Task/"+c.cfg.NoteKeyField+"/"+url.PathEscape(key)+"?fields=Id", nil, true)
	if errors.Is(err, connectors.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	var rec struct {
		ID string `json:"Id"`
	}
	if err := json.Unmarshal(resp.body, &rec); err != nil {
		return "", false, invalid(op, "decode record: "+err.Error())
	}
	return rec.ID, rec.ID != "", nil
}

// createKeyedTask inserts a Task on an opportunity exactly once per key, for CreateNote and CreateTask.
//
// It reads by key first and writes only when nothing holds the key; the insert then relies on the key
// field being unique, so when two tries race, the loser gets DUPLICATE_VALUE and returns the winner's id.
// An upsert by the key would look simpler but, on a retry, would update the existing Task: that rewrites a
// note or to-do its owner may have edited (or completed) and bumps its SystemModstamp, so ChangedNotes
// would offer it again as a change. Reading first costs one query per new Task and makes a repeated call
// write nothing.
func (c *Connector) createKeyedTask(ctx context.Context, op, dealRecordID, key string, fields map[string]any) (string, error) {
	if key == "" {
		return "", invalid(op, "task without idempotency key")
	}
	if !validID(dealRecordID) || !strings.HasPrefix(dealRecordID, "006") {
		return "", invalid(op, fmt.Sprintf("deal record id %q is not an Opportunity id", dealRecordID))
	}
	if id, found, err := c.findTaskByKey(ctx, key); err != nil || found {
		return id, err
	}
	fields[c.cfg.NoteKeyField] = key
	// A create is not idempotent, so the transport never resends it; a retry of the whole call finds
	// the Task by its key instead.
	resp, err := c.call(ctx, op, http.MethodPost, "/sobjects/Task", fields, false)
	if err != nil {
		if errorCode(err) == "DUPLICATE_VALUE" {
			if id, found, ferr := c.findTaskByKey(ctx, key); ferr == nil && found {
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
