package hubspot_test

import (
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

const privateToken = "pat-test-token"

// clock is the fake portal's clock; it starts in the past so the connector's IndexLag (measured on the
// real clock) never hides seeded records.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

// env is a fake portal served in-process and a connector pointed at it.
type env struct {
	t      *testing.T
	portal *fake.Server
	ts     *httptest.Server
	clk    *clock
	client *hubspot.Client
}

func newEnv(t *testing.T, opts ...func(*fake.Options)) *env {
	t.Helper()
	clk := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	o := fake.Options{
		PrivateAppTokens: []string{privateToken},
		ClientID:         "app-client", ClientSecret: "app-secret", RefreshTokens: []string{"refresh-abc"},
		RateLimit: -1, DailyLimit: -1, SearchRateLimit: -1,
		Now: clk.Now,
	}
	for _, f := range opts {
		f(&o)
	}
	portal := fake.New(o)
	ts := httptest.NewServer(portal)
	t.Cleanup(ts.Close)
	require.NoError(t, portal.Seed(fake.SeedData{
		Properties: fake.CoSellProperties(),
		Owners: []fake.SeedOwner{
			{ID: "501", Email: "ann@vendor.example", FirstName: "Ann", LastName: "Lee", UserID: 1},
			{ID: "502", Email: "bo@vendor.example", FirstName: "Bo", LastName: "Chen", UserID: 2},
			{ID: "599", Email: "left@vendor.example", FirstName: "Left", LastName: "Company", UserID: 3, Archived: true},
		},
	}))
	e := &env{t: t, portal: portal, ts: ts, clk: clk}
	e.client = e.connect(hubspot.Config{PrivateAppToken: privateToken, DealFields: dealFields()})
	return e
}

// connect builds a connector for the portal; cfg's BaseURL and HTTPClient are filled in.
func (e *env) connect(cfg hubspot.Config) *hubspot.Client {
	e.t.Helper()
	cfg.BaseURL = e.ts.URL
	cfg.HTTPClient = e.ts.Client()
	if cfg.MinRetryWait == 0 {
		cfg.MinRetryWait = 5 * time.Millisecond
	}
	c, err := hubspot.New(cfg)
	require.NoError(e.t, err)
	return c
}

func (e *env) calls(name string) int { return e.portal.Admin().Snapshot().Endpoints[name].Count }

func newServer(t *testing.T, h *fake.Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// dealFields is a pairing's view of a HubSpot deal: the default co-sell properties and the mapped ones.
func dealFields() connectors.DealFields {
	f := hubspot.DefaultDealFields()
	f.Mapped = []string{"dealname", "amount", "dealstage", "closedate", "hs_next_step"}
	return f
}
