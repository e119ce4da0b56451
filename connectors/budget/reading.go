package budget

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Count is what one CRM answer says about one window: the calls counted in it (this one included) and
// its limit.
type Count struct {
	Used  int `json:"used"`
	Limit int `json:"limit"`
	// Interval is the length of a rolling window; zero for the daily budget.
	Interval time.Duration `json:"interval,omitempty"`
	// RetryAfter is when the CRM said the window has room again (a 429's Retry-After), zero if it did
	// not say.
	RetryAfter time.Duration `json:"retryAfter,omitempty"`
}

// Reading is what one answer says about the connection's budget; a window the answer did not report is
// nil.
type Reading struct {
	Daily *Count
	Short *Count
}

func (r Reading) empty() bool { return r.Daily == nil && r.Short == nil }

// SalesforceReading reads Sforce-Limit-Info ("api-usage=25/5000; per-app-api-usage=..."), which
// Salesforce sends on every REST answer, REQUEST_LIMIT_EXCEEDED included. Salesforce has no short
// window.
func SalesforceReading(resp *http.Response) Reading {
	used, limit, ok := ParseLimitInfo(resp.Header.Get("Sforce-Limit-Info"))
	if !ok {
		return Reading{}
	}
	return Reading{Daily: &Count{Used: used, Limit: limit}}
}

// ParseLimitInfo reads the api-usage part of a Sforce-Limit-Info header.
func ParseLimitInfo(h string) (used, limit int, ok bool) {
	for _, part := range strings.Split(h, ";") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || strings.TrimSpace(k) != "api-usage" {
			continue
		}
		u, m, found := strings.Cut(v, "/")
		if !found {
			return 0, 0, false
		}
		used, err1 := strconv.Atoi(strings.TrimSpace(u))
		limit, err2 := strconv.Atoi(strings.TrimSpace(m))
		return used, limit, err1 == nil && err2 == nil && used >= 0 && limit > 0
	}
	return 0, 0, false
}

// HubSpot's rate-limit policies, as a 429 body's policyName gives them.
const (
	hubSpotDaily       = "DAILY"
	hubSpotTenSecondly = "TEN_SECONDLY_ROLLING"
)

// HubSpotReading reads HubSpot's rate-limit headers: X-HubSpot-RateLimit-Daily and -Daily-Remaining
// (private apps only), -Max, -Remaining and -Interval-Milliseconds (the app's rolling window). A 429's
// body names the policy that refused it (policyName DAILY or TEN_SECONDLY_ROLLING): that window is full
// whatever the headers say, and its Retry-After, when sent, is when it frees. The body is read and put
// back for the caller. Search answers carry no headers and read as empty.
func HubSpotReading(resp *http.Response) Reading {
	h := resp.Header
	var r Reading
	if limit, ok := headerInt(h, "X-HubSpot-RateLimit-Daily"); ok && limit > 0 {
		if rem, ok := headerInt(h, "X-HubSpot-RateLimit-Daily-Remaining"); ok {
			r.Daily = &Count{Used: max(limit-rem, 0), Limit: limit}
		}
	}
	if limit, ok := headerInt(h, "X-HubSpot-RateLimit-Max"); ok && limit > 0 {
		if rem, ok := headerInt(h, "X-HubSpot-RateLimit-Remaining"); ok {
			c := &Count{Used: max(limit-rem, 0), Limit: limit, Interval: 10 * time.Second}
			if ms, ok := headerInt(h, "X-HubSpot-RateLimit-Interval-Milliseconds"); ok && ms > 0 {
				c.Interval = time.Duration(ms) * time.Millisecond
			}
			r.Short = c
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		return r
	}
	var body struct {
		PolicyName string `json:"policyName"`
	}
	_ = json.Unmarshal(peek(resp), &body)
	retryAfter := retryAfterSeconds(h)
	switch body.PolicyName {
	case hubSpotDaily:
		if r.Daily != nil {
			r.Daily.Used = max(r.Daily.Used, r.Daily.Limit)
		}
		// The rolling window was not what refused it; its headers on a DAILY answer say nothing.
		r.Short = nil
	case hubSpotTenSecondly:
		if r.Short != nil {
			r.Short.Used = max(r.Short.Used, r.Short.Limit)
			r.Short.RetryAfter = retryAfter
		}
	}
	return r
}

func headerInt(h http.Header, name string) (int, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

// retryAfterSeconds reads a Retry-After given in seconds (HubSpot's form); zero when absent.
func retryAfterSeconds(h http.Header) time.Duration {
	s, err := strconv.ParseFloat(strings.TrimSpace(h.Get("Retry-After")), 64)
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// peek reads a response body (at most 1 MiB) and puts it back.
func peek(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}
