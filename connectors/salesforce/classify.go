package salesforce

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

const crmName = "salesforce"

// transientCodes are 400-class Salesforce errors that a later try can get past.
var transientCodes = map[string]bool{
	"UNABLE_TO_LOCK_ROW": true, // another transaction holds the record
	"QUERY_TIMEOUT":      true,
	"SERVER_UNAVAILABLE": true,
	// A query cursor idle too long; the repeated activity runs the query again from the start.
	"INVALID_QUERY_LOCATOR": true,
}

type sfError struct {
	Message   string   `json:"message"`
	ErrorCode string   `json:"errorCode"`
	Fields    []string `json:"fields"`
}

// classify turns a failed exchange into a *connectors.Error, keeping Salesforce's code, message and fields
// whatever shape the body had (fault c).
func (c *Connector) classify(op string, status int, header http.Header, body []byte) *connectors.Error {
	e := &connectors.Error{CRM: crmName, Op: op, Status: status}
	var list []sfError
	var obj struct {
		sfError
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	switch {
	case json.Unmarshal(body, &list) == nil && len(list) > 0:
		e.Code, e.Message, e.Fields = list[0].ErrorCode, list[0].Message, list[0].Fields
		for _, more := range list[1:] {
			e.Message += "; " + more.ErrorCode + ": " + more.Message
			e.Fields = append(e.Fields, more.Fields...)
		}
	case json.Unmarshal(body, &obj) == nil && (obj.ErrorCode != "" || obj.Error != ""):
		e.Code, e.Message, e.Fields = obj.ErrorCode, obj.Message, obj.Fields
		if obj.Error != "" {
			e.Code, e.Message = obj.Error, obj.Description
		}
	default:
		e.Message = bodySnippet(body)
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
	}
	delay, _ := retryAfter(header, time.Now())
	switch {
	case status == http.StatusNotFound:
		e.NotFound = true
	case status == http.StatusPreconditionFailed:
		// A conditional write (If-Unmodified-Since) found the record modified after its date: nothing was
		// written, and the same write would fail again. The status decides, whatever the body says.
		e.Modified = true
	case status == http.StatusForbidden && e.Code == "REQUEST_LIMIT_EXCEEDED":
		e.Retryable = true
		e.RetryAfter = max(delay, c.cfg.LimitRetryAfter)
	case status == http.StatusUnauthorized:
		// The session was renewed once already and still failed; a later try starts a new one.
		e.Retryable = true
		e.RetryAfter = delay
	case status == http.StatusTooManyRequests || status >= 500:
		e.Retryable = true
		e.RetryAfter = delay
	case transientCodes[e.Code]:
		e.Retryable = true
		e.RetryAfter = delay
	default:
		e.Retryable = false
	}
	return e
}

// bodySnippet renders a non-JSON error body (an HTML gateway page) as one readable line.
func bodySnippet(b []byte) string {
	s := string(b)
	if strings.Contains(s, "<") {
		var out strings.Builder
		in := false
		for _, r := range s {
			switch {
			case r == '<':
				in = true
				out.WriteByte(' ')
			case r == '>':
				in = false
			case !in:
				out.WriteRune(r)
			}
		}
		s = out.String()
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// invalid reports a request the connector refuses to send; no retry can fix it.
func invalid(op, msg string) *connectors.Error {
	return &connectors.Error{CRM: crmName, Op: op, Message: msg, Retryable: false}
}
