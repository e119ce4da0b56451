package salesforce

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// org is a fake org served over HTTP with a logged-in client.
type org struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	clock *clock
	token string
	// headers are sent on the next calls as well (conditional requests).
	headers map[string]string
}

func newOrg(t *testing.T, opts Options) *org {
	t.Helper()
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.CommitDelay == 0 {
		// Queries see writes at once here, so tests of SOQL need not wait out the commit delay;
		// commit_test.go asks for the delay to test it.
		opts.CommitDelay = -1
	}
	srv := New(opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	o := &org{t: t, srv: srv, http: ts, clock: c}
	o.token = o.login()
	return o
}

func (o *org) login() string {
	o.t.Helper()
	resp, err := http.PostForm(o.http.URL+"/services/oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
	})
	require.NoError(o.t, err)
	defer resp.Body.Close()
	require.Equal(o.t, http.StatusOK, resp.StatusCode)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(o.t, json.NewDecoder(resp.Body).Decode(&tok))
	return tok.AccessToken
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(a.body, &m), string(a.body))
	return m
}

func (a answer) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	require.NoError(t, json.Unmarshal(a.body, &l), string(a.body))
	return l
}

// errs decodes Salesforce's error array and fails if the body is not one.
func (a answer) errs(t *testing.T) []map[string]any {
	t.Helper()
	l := a.list(t)
	require.NotEmpty(t, l)
	for _, e := range l {
		require.Contains(t, e, "errorCode")
		require.Contains(t, e, "message")
	}
	return l
}

// call sends a request under /services/data/v63.0 (unless path starts with /).
func (o *org) call(method, path string, body any) answer {
	o.t.Helper()
	if !strings.HasPrefix(path, "/") {
		path = "/services/data/v63.0/" + path
	}
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			require.NoError(o.t, err)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, o.http.URL+path, rd)
	require.NoError(o.t, err)
	req.Header.Set("Authorization", "Bearer "+o.token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range o.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(o.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(o.t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func (o *org) query(q string) answer {
	o.t.Helper()
	return o.call(http.MethodGet, "query?q="+url.QueryEscape(q), nil)
}

// create inserts a record over the API and returns its id.
func (o *org) create(object string, fields map[string]any) string {
	o.t.Helper()
	a := o.call(http.MethodPost, "sobjects/"+object, fields)
	require.Equal(o.t, http.StatusCreated, a.status, string(a.body))
	return a.json(o.t)["id"].(string)
}

func opp(name string, extra map[string]any) map[string]any {
	m := map[string]any{"Name": name, "StageName": "Prospecting", "CloseDate": "2026-12-31"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func ids(records []any) []string {
	var out []string
	for _, r := range records {
		out = append(out, r.(map[string]any)["Id"].(string))
	}
	return out
}
