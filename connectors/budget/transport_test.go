package budget

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeOrg counts API calls as Salesforce does and answers each with Sforce-Limit-Info after a random
// delay, so answers overtake each other; it remembers the highest count it reached.
type fakeOrg struct {
	mu          sync.Mutex
	used, limit int
	peak        int
	rng         *rand.Rand
}

func (o *fakeOrg) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	o.mu.Lock()
	o.used++
	used := o.used
	o.peak = max(o.peak, used)
	delay := time.Duration(o.rng.IntN(3000)) * time.Microsecond
	o.mu.Unlock()
	time.Sleep(delay)
	w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", used, o.limit))
	w.WriteHeader(http.StatusOK)
}

func (o *fakeOrg) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.used = 0
}

func (o *fakeOrg) counts() (used, peak int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.used, o.peak
}

func TestTransportKeepsConcurrentCallersUnderTheShare(t *testing.T) {
	org := &fakeOrg{limit: 400, rng: rand.New(rand.NewPCG(1, 2))}
	srv := httptest.NewServer(org)
	t.Cleanup(srv.Close)
	g := New(Config{CRM: "salesforce", DailyShare: 0.5, ProbeEvery: 20 * time.Millisecond})
	client := &http.Client{Transport: &Transport{Guard: g, Next: srv.Client().Transport, Read: SalesforceReading}}
	line := 200

	run := func(callers, calls int) (sent, refused int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for c := 0; c < callers; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < calls; {
					resp, err := client.Get(srv.URL + "/services/data/v63.0/query")
					if err == nil {
						resp.Body.Close()
						mu.Lock()
						sent++
						mu.Unlock()
						i++
						continue
					}
					r, isRefusal := AsRefusal(err)
					if !assert.True(t, isRefusal, "%v", err) {
						return
					}
					if !r.Learning {
						i++
						mu.Lock()
						refused++
						mu.Unlock()
					}
					time.Sleep(min(r.RetryAfter, time.Millisecond))
				}
			}()
		}
		wg.Wait()
		return sent, refused
	}

	sent, refused := run(16, 30)
	used, peak := org.counts()
	assert.LessOrEqual(t, peak, line, "the org never counted more than the share allows")
	// The estimate covers the calls in flight, so it may stop a little early, never late.
	assert.GreaterOrEqual(t, used, line-reserve(line)-32, "ordinary work ran up to about the stop")
	assert.Equal(t, used, sent)
	assert.Positive(t, refused)

	// The org's day resets; a probe sees it and work resumes by itself, still under the share.
	org.reset()
	time.Sleep(30 * time.Millisecond)
	sent, _ = run(16, 30)
	used, peak = org.counts()
	assert.Positive(t, sent, "work resumed after the reset")
	assert.LessOrEqual(t, peak, line)
	assert.LessOrEqual(t, used, line)
}

func TestTransportRefusesWithoutSending(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls++
		w.Header().Set("Sforce-Limit-Info", "api-usage=9/10")
	}))
	t.Cleanup(srv.Close)
	g := New(Config{CRM: "salesforce", DailyShare: 0.5})
	client := &http.Client{Transport: &Transport{Guard: g, Next: srv.Client().Transport, Read: SalesforceReading,
		Cost: func(r *http.Request) Cost {
			if r.URL.Path == "/services/oauth2/token" {
				return Cost{}
			}
			return Full
		}}}
	resp, err := client.Get(srv.URL + "/services/data/v63.0/limits")
	require.NoError(t, err, "the first call learns where the count stands")
	resp.Body.Close()
	_, err = client.Get(srv.URL + "/services/data/v63.0/limits")
	r, ok := AsRefusal(err)
	require.True(t, ok, "%v", err)
	assert.True(t, r.Paused())
	assert.Equal(t, 1, calls, "a refused call never reaches the CRM")
	resp, err = client.Post(srv.URL+"/services/oauth2/token", "application/x-www-form-urlencoded", nil)
	require.NoError(t, err, "a token request costs nothing")
	resp.Body.Close()
}

func TestTransportLoggerKeepsRefusalsOutOfTheErrorLog(t *testing.T) {
	var buf bytes.Buffer
	l := TransportLogger{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	l.Error("request failed", "error", fmt.Errorf("get: %w", &Refusal{Window: Daily}), "method", "GET")
	assert.Empty(t, buf.String(), "a refusal is logged at debug level")
	l.Error("request failed", "error", errors.New("connection reset"))
	assert.Contains(t, buf.String(), "level=ERROR")
}
