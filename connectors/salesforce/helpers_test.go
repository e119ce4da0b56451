package salesforce

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// testClock drives the fake org's clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a connector talking to a fake org in-process.
type env struct {
	t     *testing.T
	fake  *sfmock.Server
	url   string
	clock *testClock
	conn  *Connector
	logs  *syncBuffer
	cfg   Config
}

func testConfig(loginURL string, logs *syncBuffer) Config {
	return Config{
		LoginURL:     loginURL,
		ClientID:     sfmock.DefaultClientID,
		ClientSecret: sfmock.DefaultClientSecret,
		DealFields: connectors.DealFields{
			Mapped: []string{"Name", "StageName", "Amount", "CloseDate", "NextStep"},
		},
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
}

// newEnv starts a fake org on one server (login and instance) and a connector for it.
func newEnv(t *testing.T, opts sfmock.Options, tweak func(*Config)) *env {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	fake := sfmock.New(opts)
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	logs := &syncBuffer{}
	cfg := testConfig(ts.URL, logs)
	if tweak != nil {
		tweak(&cfg)
	}
	conn, err := New(cfg)
	require.NoError(t, err)
	return &env{t: t, fake: fake, url: ts.URL, clock: clock, conn: conn, logs: logs, cfg: cfg}
}

func (e *env) seed(d sfmock.SeedData) {
	e.t.Helper()
	require.NoError(e.t, e.fake.Seed(d))
}

func (e *env) calls(endpoint string) int {
	return e.fake.Admin().Snapshot().Endpoints[endpoint].Count
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func oppSeed(name string, extra sfmock.Record) sfmock.Record {
	r := sfmock.Record{"Name": name, "StageName": "Prospecting", "CloseDate": "2026-12-31"}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

// requireCRMError asserts err is a classified Salesforce error and returns it.
func requireCRMError(t *testing.T, err error) *connectors.Error {
	t.Helper()
	require.Error(t, err)
	e, ok := connectors.AsError(err)
	require.True(t, ok, "want *connectors.Error, got %T: %v", err, err)
	require.Equal(t, "salesforce", e.CRM)
	return e
}
