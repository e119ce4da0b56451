package hubspot

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testToken = "test-private-app-token"

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 123_000_000, time.UTC)} }

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

// portal is a fake portal served over HTTP with a private-app token client.
type portal struct {
	t   *testing.T
	srv *Server
	ts  *httptest.Server
	clk *clock
}

func newPortal(t *testing.T, mutate ...func(*Options)) *portal {
	t.Helper()
	clk := newClock()
	opts := Options{
		PrivateAppTokens: []string{testToken},
		ClientID:         "client-id", ClientSecret: "client-secret", RefreshTokens: []string{"refresh-1"},
		RateLimit: -1, SearchRateLimit: -1, DailyLimit: -1,
		// Search sees writes at once here, so tests of search semantics need not wait out the index
		// lag; index_test.go turns the lag back on to test it.
		SearchIndexLag: -1,
		Now:            clk.Now,
	}
	for _, m := range mutate {
		m(&opts)
	}
	srv := New(opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	require.NoError(t, srv.Seed(SeedData{
		Properties: CoSellProperties(),
		Owners: []SeedOwner{
			{ID: "101", Email: "ann@vendor.example", FirstName: "Ann", LastName: "Lee", UserID: 9001},
			{ID: "102", Email: "bo@vendor.example", FirstName: "Bo", LastName: "Chen", UserID: 9002},
			{ID: "103", Email: "gone@vendor.example", FirstName: "Gone", LastName: "Away", UserID: 9003, Archived: true},
		},
	}))
	return &portal{t: t, srv: srv, ts: ts, clk: clk}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (p *portal) do(method, path string, body any) response {
	return p.doAs(testToken, method, path, body)
}

func (p *portal) doAs(token, method, path string, body any) response {
	p.t.Helper()
	var r io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			r = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			require.NoError(p.t, err)
			r = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, p.ts.URL+path, r)
	require.NoError(p.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(p.t, err)
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		require.NoError(p.t, json.Unmarshal(raw, &out.body), string(raw))
	}
	return out
}

// createDeal creates a deal through the API and returns its id.
func (p *portal) createDeal(props map[string]any) string {
	p.t.Helper()
	r := p.do("POST", "/crm/v3/objects/deals", map[string]any{"properties": props})
	require.Equal(p.t, http.StatusCreated, r.status, r.raw)
	return r.body["id"].(string)
}

func results(r response) []map[string]any {
	var out []map[string]any
	for _, x := range r.body["results"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func props(obj map[string]any) map[string]any { return obj["properties"].(map[string]any) }

func ids(objs []map[string]any) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o["id"].(string))
	}
	return out
}

// numStr renders a JSON number decoded as float64 the way it was written.
func numStr(v any) string { return strconv.FormatFloat(v.(float64), 'f', -1, 64) }
