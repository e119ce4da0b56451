package telemetry

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// HTTPClient returns a copy of c whose transport counts and times every request to the CRM (kind) of
// one connection. The connectors build their retrying and budget layers over the client's transport,
// so each attempt is counted once, and a call the budget guard refuses, never sent, is not. Without
// metrics it returns c.
func (m *Metrics) HTTPClient(crm, connection string, c *http.Client) *http.Client {
	if m == nil {
		return c
	}
	out := *c
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	out.Transport = &crmTransport{m: m, crm: crm, connection: connection, next: next}
	return &out
}

type crmTransport struct {
	m               *Metrics
	crm, connection string
	next            http.RoundTripper
}

func (t *crmTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	op := Operation(req.Method, req.URL.Path)
	base := []attribute.KeyValue{attr("crm", t.crm), attr("connection", t.connection), attr("operation", op)}
	ctx := req.Context()
	t.m.crmCalls.Add(ctx, 1, metric.WithAttributes(append(base, attr("status", status))...))
	t.m.crmDuration.Record(ctx, since(start), metric.WithAttributes(base...))
	return resp, err
}

func attr(k, v string) attribute.KeyValue { return attribute.String(k, v) }

// maxSegments bounds an operation's path, so a deep path cannot grow the label set.
const maxSegments = 8

// Operation names a request for the crm_calls metric by its method and path template, so the label
// stays low in cardinality: a segment that is an id (it holds a digit, or is long: record ids,
// co-sell ids, owner ids; but not a word ending in one digit, like oauth2) becomes {id}, an API version (v3, v59.0) becomes {v}, and the query is
// dropped. "GET /services/data/v59.0/sobjects/Opportunity/006xx0000012345" is
// "GET /services/data/{v}/sobjects/Opportunity/{id}".
func Operation(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > maxSegments {
		segs = append(segs[:maxSegments], "…")
	}
	for i, s := range segs {
		switch {
		case s == "" || s == "…":
		case isVersion(s):
			segs[i] = "{v}"
		case wordWithDigit.MatchString(s): // oauth2, v4-style names: part of the route, not an id
		case len(s) > 40 || strings.ContainsFunc(s, unicode.IsDigit) || strings.ContainsAny(s, "@%.:"):
			segs[i] = "{id}"
		}
	}
	return method + " /" + strings.Join(segs, "/")
}

var wordWithDigit = regexp.MustCompile(`^[a-z]{2,}\d$`)

// isVersion is an API version segment: v, then digits and dots (v3, v59.0).
func isVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	for _, r := range s[1:] {
		if r != '.' && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
