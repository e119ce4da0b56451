package notify

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error is a notifier failure classified for the retry layers: a refusal no retry can fix (a malformed
// payload, a revoked or archived webhook) or a passing failure (a rate limit, a server error, the
// network), with the delay the service asked for. It keeps the service's own code and message so an
// admin sees exactly what, say, Slack said.
type Error struct {
	Notifier string // "slack"
	// Status is the HTTP status; 0 when no answer came (a network failure).
	Status int
	// Code is the service's error code when it gives one (Slack: invalid_payload, no_service, ...).
	Code string
	// Message is the service's own message, or what went wrong on the way.
	Message string
	// Retryable is false for refusals that the same notice will meet again.
	Retryable bool
	// RetryAfter is the service's requested delay (Retry-After), if any.
	RetryAfter time.Duration
	err        error
}

// Error says which notifier failed, how, and when to try again, with the service's own words.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Notifier)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d", e.Status)
	}
	if e.Code != "" && e.Code != e.Message {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap gives the underlying failure (a context error, for one), if there is one.
func (e *Error) Unwrap() error { return e.err }

// AsError returns the classified notifier error inside err, if there is one.
func AsError(err error) (*Error, bool) { return errors.AsType[*Error](err) }

// IsRetryable reports whether err may pass if the notice is sent again. Unclassified errors are
// retryable; classified ones say so themselves.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if e, ok := AsError(err); ok {
		return e.Retryable
	}
	return true
}
