package hubspot

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// crmName is the CRM kind in errors and logs.
const crmName = "hubspot"

// apiError is HubSpot's error body. Every field is optional, as HubSpot's documentation warns; OAuth
// token errors use error/error_description and put their own code in status.
type apiError struct {
	Status        string `json:"status"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
	Category      string `json:"category"`
	SubCategory   string `json:"subCategory"`
	ErrorType     string `json:"errorType"`
	PolicyName    string `json:"policyName"`
	Errors        []struct {
		Message string              `json:"message"`
		Code    string              `json:"code"`
		In      string              `json:"in"`
		Context map[string][]string `json:"context"`
	} `json:"errors"`
	Context          map[string][]string `json:"context"`
	OAuthError       string              `json:"error"`
	ErrorDescription string              `json:"error_description"`
}

// HubSpot's rate-limit policies, as a 429's policyName gives them.
const (
	policyTenSecondly = "TEN_SECONDLY_ROLLING"
	policySecondly    = "SECONDLY"
	policyDaily       = "DAILY"
)

// invalidPropertiesPrefix starts the message of a property validation error; a JSON list of the
// problems follows it, each naming the property.
const invalidPropertiesPrefix = "Property values were not valid: "

// classify turns a non-2xx answer into a classified connectors.Error carrying HubSpot's own code and
// message: validation, permission and not-found errors are final; rate limits, locks and server errors
// may pass, with the delay HubSpot asked for when it said.
func classify(op string, status int, h http.Header, body []byte, now func() time.Time) *connectors.Error {
	var b apiError
	_ = json.Unmarshal(body, &b)
	e := &connectors.Error{CRM: crmName, Op: op, Status: status, Message: b.Message}
	switch {
	case b.PolicyName != "":
		e.Code = b.PolicyName
	case b.Category != "":
		e.Code = b.Category
	case b.ErrorType != "":
		e.Code = b.ErrorType
	case b.Status != "" && b.Status != "error":
		e.Code = b.Status // OAuth: BAD_REFRESH_TOKEN, BAD_CLIENT_ID, ...
	case b.OAuthError != "":
		e.Code = b.OAuthError
	}
	if e.Message == "" {
		e.Message = b.ErrorDescription
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(truncate(string(body), 500))
	}
	e.Fields = blamedProperties(b)

	retryAfter, hasRetryAfter := parseRetryAfter(h, now)
	switch {
	case status == http.StatusNotFound:
		e.NotFound = true
	case status == http.StatusTooManyRequests:
		e.Retryable = true
		switch {
		case b.PolicyName == policyDaily:
			e.RetryAfter = untilNextUTCDay(now)
		case hasRetryAfter:
			e.RetryAfter = retryAfter
		default:
			e.RetryAfter = rateWindow(h, b.PolicyName)
		}
	case status == http.StatusLocked:
		// HubSpot: locks last 2 seconds; wait at least that long.
		e.Retryable, e.RetryAfter = true, 2*time.Second
	case status == 477: // migration in progress; HubSpot sends Retry-After
		e.Retryable = true
		e.RetryAfter = retryAfter
	case status >= 500 && status != http.StatusNotImplemented:
		e.Retryable = true
		e.RetryAfter = retryAfter
	}
	return e
}

// blamedProperties collects the properties an error names: errors[].context.propertyName, and the
// "name" of each entry in the JSON list a "Property values were not valid" message embeds.
func blamedProperties(b apiError) []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, e := range b.Errors {
		for _, n := range e.Context["propertyName"] {
			add(n)
		}
	}
	if rest, ok := strings.CutPrefix(b.Message, invalidPropertiesPrefix); ok {
		var problems []struct {
			Name string `json:"name"`
		}
		if json.Unmarshal([]byte(rest), &problems) == nil {
			for _, p := range problems {
				add(p.Name)
			}
		}
	}
	return out
}

// parseRetryAfter reads a Retry-After header in seconds or as an HTTP date.
func parseRetryAfter(h http.Header, now func() time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now()), 0), true
	}
	return 0, false
}

// rateWindow is how long to wait after a 429 that gave no Retry-After: the rolling window HubSpot reports
// in X-HubSpot-RateLimit-Interval-Milliseconds, or the policy's own window.
func rateWindow(h http.Header, policy string) time.Duration {
	if ms, err := strconv.ParseInt(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds"), 10, 64); err == nil && ms > 0 && policy != policySecondly {
		return time.Duration(ms) * time.Millisecond
	}
	if policy == policySecondly {
		return time.Second
	}
	return 10 * time.Second
}

// untilNextUTCDay is the wait after a DAILY 429. HubSpot resets the daily budget at midnight in the
// account's time zone, which the API does not report; midnight UTC is the nearest guess that is never
// more than a day off.
func untilNextUTCDay(now func() time.Time) time.Duration {
	t := now().UTC()
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
	return max(next.Sub(t), time.Minute)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
