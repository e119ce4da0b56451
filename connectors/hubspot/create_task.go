package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cosellsync/cosell/connectors"
)

// maxTaskSubject bounds hs_task_subject, so a long request line cannot make the task unreadable.
const maxTaskSubject = 255

// CreateTask puts a to-do on a deal once per TaskInput.Key: a HubSpot task (NOT_STARTED, HIGH, TODO) due
// at Due, assigned to OwnerID, associated with the deal (type 216), its key in Config.TaskKeyProperty.
//
// It reads the task by its key first and writes only when none carries it, so a repeated call writes
// nothing. The key property has unique values, so should two tries ever race, HubSpot refuses
// the second create with 409 and the task holding the key is read by it and returned.
func (c *Client) CreateTask(ctx context.Context, task connectors.TaskInput) (string, error) {
	op := fmt.Sprintf("create task %s on deal %s", task.Key, task.DealRecordID)
	if task.Key == "" || task.DealRecordID == "" {
		return "", &connectors.Error{CRM: crmName, Op: op, Code: "MISSING_INPUT",
			Message: "a task needs an idempotency key and a deal", Fields: []string{c.cfg.TaskKeyProperty}}
	}
	// The key property has unique values, so the task holding the key is read by it in one call
	// (GET by idProperty), which sees a create at once, unlike search, and costs one call however many
	// tasks the deal has.
	if existing, err := c.GetObject(ctx, ObjectTasks, task.Key, c.cfg.TaskKeyProperty, nil); err == nil {
		return existing.ID, nil
	} else if !errors.Is(err, connectors.ErrNotFound) {
		return "", err
	}
	due := task.Due
	if due.IsZero() {
		due = c.cfg.Now()
	}
	props := map[string]string{
		"hs_task_subject":     taskSubject(task.Subject, task.Body),
		"hs_task_body":        noteHTML("", task.Body),
		"hs_task_status":      "NOT_STARTED",
		"hs_task_priority":    "HIGH",
		"hs_task_type":        "TODO",
		"hs_timestamp":        strconv.FormatInt(due.UnixMilli(), 10),
		c.cfg.TaskKeyProperty: task.Key,
	}
	if task.OwnerID != "" {
		props["hubspot_owner_id"] = task.OwnerID
	}
	created, err := c.CreateObject(ctx, ObjectTasks, CreateInput{
		Properties:   props,
		Associations: []Association{{To: AssociationTarget{ID: task.DealRecordID}, Types: []AssociationType{TaskToDeal}}},
	})
	if err == nil {
		return created.ID, nil
	}
	if e, ok := connectors.AsError(err); ok {
		e.Op = op
		if e.Status == http.StatusConflict {
			existing, gerr := c.GetObject(ctx, ObjectTasks, task.Key, c.cfg.TaskKeyProperty, nil)
			if gerr == nil {
				return existing.ID, nil
			}
			if !errors.Is(gerr, connectors.ErrNotFound) {
				return "", gerr
			}
		}
	}
	return "", err
}

// taskSubject is the task's title: the given subject, else the body's first line, within maxTaskSubject.
func taskSubject(subject, body string) string {
	s := strings.TrimSpace(subject)
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(body), "\n")
		s = strings.TrimSpace(s)
	}
	if s == "" {
		s = "Co-sell task"
	}
	if utf8.RuneCountInString(s) > maxTaskSubject {
		s = string([]rune(s)[:maxTaskSubject-1]) + "…"
	}
	return s
}
