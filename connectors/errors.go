package connectors

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound matches (errors.Is) a CRM error for a record that does not exist.
var ErrNotFound = errors.New("record not found")

// ErrModified matches (errors.Is) a CRM error for a conditional write the CRM refused because the
// record was modified after the write's condition (Salesforce's 412 on If-Unmodified-Since). Nothing was
// written; the caller reads the record again before it decides what to write.
var ErrModified = errors.New("record modified since the write's condition")

// Error is a CRM failure classified for the retry layers. Connectors return it for every non-2xx answer
// that survived their transport retries, keeping the CRM's own code and message so that an admin sees
// exactly what Salesforce or HubSpot said.
type Error struct {
	CRM     string // "salesforce" or "hubspot"
	Op      string // what the connector was doing, e.g. "upsert Opportunity CoSell_Id__c/CS-1"
	Status  int    // HTTP status
	Code    string // the CRM's error code: INVALID_FIELD, VALIDATION_ERROR, RATE_LIMITS, ...
	Message string // the CRM's own message, verbatim
	// Fields lists the fields the CRM blamed, where it says (Salesforce "fields", HubSpot error context).
	Fields []string
	// Retryable is false for validation and permission errors that no retry can fix.
	Retryable bool
	// RetryAfter is the CRM's requested delay (Retry-After, or the rest of a rate-limit window), if any.
	RetryAfter time.Duration
	// NotFound marks a missing record; errors.Is(err, ErrNotFound) is true for it.
	NotFound bool
	// Modified marks a conditional write refused because the record changed after its condition;
	// errors.Is(err, ErrModified) is true for it. Repeating the same write would fail the same way.
	Modified bool
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %d", e.CRM, e.Op, e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if len(e.Fields) > 0 {
		fmt.Fprintf(&b, " (fields: %s)", strings.Join(e.Fields, ", "))
	}
	return b.String()
}

// Is lets errors.Is(err, ErrNotFound) and errors.Is(err, ErrModified) see through a classified error.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.NotFound || target == ErrModified && e.Modified
}

// AsError returns the classified CRM error inside err, if there is one.
func AsError(err error) (*Error, bool) { return errors.AsType[*Error](err) }

// IsRetryable reports whether err may succeed if tried again. Unclassified errors (network failures,
// timeouts) are retryable; classified ones say so themselves.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if e, ok := AsError(err); ok {
		return e.Retryable
	}
	return true
}
