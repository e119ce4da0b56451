//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// sfCall is one Salesforce REST call as the fake serves it: a request of its own, or one subrequest of
// a Composite call, which is how coalesced reads and writes travel (COSELL_COALESCE). Fault hooks in
// the tests match sfCalls, so they catch a write whichever way the connector sends it.
type sfCall struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// sfCallsOf lists r's calls and leaves r's body to be read again.
func sfCallsOf(r *http.Request) []sfCall {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/composite") {
		return []sfCall{{Method: r.Method, Path: r.URL.Path, Header: r.Header, Body: body}}
	}
	var c struct {
		CompositeRequest []struct {
			Method      string            `json:"method"`
			URL         string            `json:"url"`
			HTTPHeaders map[string]string `json:"httpHeaders"`
			Body        json.RawMessage   `json:"body"`
		} `json:"compositeRequest"`
	}
	if json.Unmarshal(body, &c) != nil {
		return nil
	}
	calls := make([]sfCall, len(c.CompositeRequest))
	for i, sub := range c.CompositeRequest {
		path, _, _ := strings.Cut(sub.URL, "?")
		h := http.Header{}
		for k, v := range sub.HTTPHeaders {
			h.Set(k, v)
		}
		calls[i] = sfCall{Method: sub.Method, Path: path, Header: h, Body: sub.Body}
	}
	return calls
}

// sfStatuses is the status of each of r's calls in the answer status and body: the answer's own for a
// request of its own, each subrequest's for a Composite call.
func sfStatuses(r *http.Request, status int, body []byte) []int {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/composite") || status != http.StatusOK {
		return []int{status}
	}
	var ans struct {
		CompositeResponse []struct {
			HTTPStatusCode int `json:"httpStatusCode"`
		} `json:"compositeResponse"`
	}
	if json.Unmarshal(body, &ans) != nil {
		return []int{status}
	}
	out := make([]int, len(ans.CompositeResponse))
	for i, sr := range ans.CompositeResponse {
		out[i] = sr.HTTPStatusCode
	}
	return out
}

// recorder keeps a handler's answer so that a hook can read it and then pass it on.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recorder) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}
