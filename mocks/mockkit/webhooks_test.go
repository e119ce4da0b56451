package mockkit

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// receiver records the batches it is sent and answers with status (200 unless set).
type receiver struct {
	mu      sync.Mutex
	batches [][]int
	status  func(n int) int
	srv     *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var b []int
		_ = json.NewDecoder(req.Body).Decode(&b)
		r.mu.Lock()
		r.batches = append(r.batches, b)
		n := len(r.batches)
		r.mu.Unlock()
		if r.status != nil {
			w.WriteHeader(r.status(n))
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() [][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]int(nil), r.batches...)
}

func intFormat() WebhookFormat[int] {
	return WebhookFormat[int]{MaxBatch: 3, Request: func(k WebhookKnobs, events []int, _ int) (*http.Request, error) {
		b, _ := json.Marshal(events)
		return http.NewRequest(http.MethodPost, k.URL, bytes.NewReader(b))
	}}
}

func TestWebhooksBatchAndDeliver(t *testing.T) {
	r := newReceiver(t)
	w := NewWebhooks(intFormat(), WebhookKnobs{URL: r.srv.URL})
	defer w.Close()
	w.Notify(1, 2)
	w.Notify(3, 4, 5)
	require.True(t, w.Wait(5*time.Second))
	assert.ElementsMatch(t, [][]int{{1, 2, 3}, {4, 5}}, r.got(), "changes gather, at most MaxBatch a request")
	st := w.Stats()
	assert.Equal(t, WebhookStats{Events: 5, Requests: 2, Sent: 2, Acked: 2, LastStatus: 200}, st)

	off := NewWebhooks(intFormat(), WebhookKnobs{})
	off.Notify(1)
	assert.Zero(t, off.Stats().Events, "no URL, nothing queued")
}

func TestWebhooksRetryUntilAcknowledged(t *testing.T) {
	r := newReceiver(t)
	r.status = func(n int) int {
		if n < 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	w := NewWebhooks(intFormat(), WebhookKnobs{URL: r.srv.URL})
	defer w.Close()
	w.Notify(7)
	require.True(t, w.Wait(5*time.Second))
	assert.Equal(t, [][]int{{7}, {7}, {7}}, r.got())
	st := w.Stats()
	assert.Equal(t, 2, st.Failed)
	assert.Equal(t, 1, st.Acked)

	r2 := newReceiver(t)
	r2.status = func(int) int { return http.StatusUnauthorized }
	w2 := NewWebhooks(intFormat(), WebhookKnobs{URL: r2.srv.URL, Attempts: 2})
	defer w2.Close()
	w2.Notify(8)
	require.True(t, w2.Wait(5*time.Second))
	assert.Len(t, r2.got(), 2)
	assert.Equal(t, 1, w2.Stats().GaveUp)
	assert.Contains(t, w2.Stats().LastError, "401")
}

func TestWebhookFaults(t *testing.T) {
	r := newReceiver(t)
	w := NewWebhooks(intFormat(), WebhookKnobs{URL: r.srv.URL, Loss: 1})
	w.Notify(1, 2, 3, 4)
	require.True(t, w.Wait(5*time.Second))
	assert.Empty(t, r.got(), "loss 1 sends nothing")
	assert.Equal(t, 2, w.Stats().Lost)

	require.NoError(t, w.Configure(WebhookKnobs{URL: r.srv.URL, Duplicate: 1}))
	w.Notify(5)
	require.True(t, w.Wait(5*time.Second))
	assert.Equal(t, [][]int{{5}, {5}}, r.got(), "duplicate 1 sends each request twice")

	r3 := newReceiver(t)
	require.NoError(t, w.Configure(WebhookKnobs{URL: r3.srv.URL, DelayMS: 300}))
	start := time.Now()
	w.Notify(6)
	require.True(t, w.Wait(5*time.Second))
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)

	r4 := newReceiver(t)
	require.NoError(t, w.Configure(WebhookKnobs{URL: r4.srv.URL, Reorder: 1, ReorderMS: 400, BatchMS: 1, Seed: 3}))
	for i := range 6 {
		w.Notify(i)
		time.Sleep(20 * time.Millisecond)
	}
	require.True(t, w.Wait(5*time.Second))
	var order []int
	for _, b := range r4.got() {
		order = append(order, b...)
	}
	assert.ElementsMatch(t, []int{0, 1, 2, 3, 4, 5}, order)
	assert.NotEqual(t, []int{0, 1, 2, 3, 4, 5}, order, "held back at random, later requests overtake")

	assert.Error(t, w.Configure(WebhookKnobs{Loss: 2}))
	w.Close()
	w.Notify(9)
	assert.True(t, w.Wait(time.Second))
}

func TestMountWebhooks(t *testing.T) {
	w := NewWebhooks(intFormat(), WebhookKnobs{URL: "http://127.0.0.1:1/hook", Secret: "s3cret"})
	defer w.Close()
	mux := http.NewServeMux()
	MountWebhooks(mux, w)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/__admin/webhooks", nil))
	assert.Contains(t, rec.Body.String(), `"secret":"set"`)
	assert.NotContains(t, rec.Body.String(), "s3cret")

	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/__admin/webhooks", strings.NewReader(`{"url":"http://127.0.0.1:2/hook","loss":0.5,"delayMs":20}`)))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, WebhookKnobs{URL: "http://127.0.0.1:2/hook", Secret: "s3cret", Loss: 0.5, DelayMS: 20}, w.Knobs(), "the secret stays unless given")

	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/__admin/webhooks", strings.NewReader(`{"duplicate":3}`)))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
}
