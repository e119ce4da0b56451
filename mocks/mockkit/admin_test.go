package mockkit

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCRM applies every request (counts it) and answers 201; the admin's faults sit in front of it.
type fakeCRM struct {
	admin   *Admin
	applied atomic.Int64
	srv     *httptest.Server
}

func newFakeCRM(t *testing.T) *fakeCRM {
	t.Helper()
	c := &fakeCRM{admin: NewAdmin()}
	classify := func(r *http.Request) (Endpoint, bool) {
		return Endpoint{Name: r.Method + " thing", Write: r.Method == http.MethodPost}, true
	}
	writeError := func(w http.ResponseWriter, status int) { w.WriteHeader(status) }
	c.srv = httptest.NewServer(c.admin.Middleware(classify, writeError, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		c.applied.Add(1)
		w.WriteHeader(http.StatusCreated)
	})))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *fakeCRM) post(client *http.Client) (int, error) {
	resp, err := client.Post(c.srv.URL, "application/json", bytes.NewReader([]byte(`{}`)))
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestFaultBeforeApplyingLeavesNothingWritten(t *testing.T) {
	c := newFakeCRM(t)
	c.admin.AddFault(Fault{Status: http.StatusServiceUnavailable, Count: 1})
	status, err := c.post(http.DefaultClient)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Zero(t, c.applied.Load(), "a fault before applying must not reach the CRM")
}

func TestFaultAfterApplyingCommitsThenFails(t *testing.T) {
	c := newFakeCRM(t)
	c.admin.AddFault(Fault{Status: http.StatusServiceUnavailable, After: 1, Count: 1})
	status, err := c.post(http.DefaultClient)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, status, "the client sees the failure")
	assert.EqualValues(t, 1, c.applied.Load(), "but the write was applied")

	status, err = c.post(http.DefaultClient)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, status, "the fault lifted after Count hits")
}

func TestFaultAfterApplyingCanDropTheConnection(t *testing.T) {
	c := newFakeCRM(t)
	c.admin.AddFault(Fault{Kind: KindDrop, After: 1, Count: 1})
	_, err := c.post(http.DefaultClient)
	require.Error(t, err, "a dropped connection has no answer")
	assert.EqualValues(t, 1, c.applied.Load())
}

func TestFaultAfterApplyingCanHangPastTheClientDeadline(t *testing.T) {
	c := newFakeCRM(t)
	c.admin.AddFault(Fault{Kind: KindHang, After: 1, Count: 1, HangMS: 10_000})
	start := time.Now()
	_, err := c.post(&http.Client{Timeout: 200 * time.Millisecond})
	require.Error(t, err, "the client times out")
	assert.Less(t, time.Since(start), 5*time.Second, "the hang ends when the client gives up")
	assert.EqualValues(t, 1, c.applied.Load())
}

func TestWritesOnlyFaultSparesReads(t *testing.T) {
	c := newFakeCRM(t)
	c.admin.AddFault(Fault{Status: http.StatusInternalServerError, WritesOnly: true})
	resp, err := http.Get(c.srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	status, err := c.post(http.DefaultClient)
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, status)
}

// outcomes runs n writes through a fresh admin holding f and names each: ok, before or after.
func outcomes(f Fault, n int) []string {
	a := NewAdmin()
	a.AddFault(f)
	out := make([]string, n)
	for i := range out {
		hit, ok := a.Record(Endpoint{Name: "POST thing", Write: true})
		switch {
		case !ok:
			out[i] = "ok"
		case hit.AfterApply():
			out[i] = "after"
		default:
			out[i] = "before"
		}
	}
	return out
}

func TestRandomFaultsAreSeededAndSplitBeforeAndAfter(t *testing.T) {
	chaos := Fault{Rate: 0.2, After: 0.5, Status: http.StatusServiceUnavailable, Seed: 42}
	first := outcomes(chaos, 2000)
	assert.Equal(t, first, outcomes(chaos, 2000), "the same seed draws the same faults")
	other := chaos
	other.Seed = 43
	assert.NotEqual(t, first, outcomes(other, 2000), "another seed draws other faults")

	count := map[string]int{}
	for _, o := range first {
		count[o]++
	}
	assert.InDelta(t, 400, count["before"]+count["after"], 80, "about one call in five fails")
	assert.InDelta(t, count["before"], count["after"], 80, "about half of them after applying")
}

func TestAdminRefusesAMalformedFault(t *testing.T) {
	mux := http.NewServeMux()
	NewAdmin().Mount(mux, func([]byte) error { return nil }, func() {})
	for _, body := range []string{`{"kind":"explode"}`, `{"after":2,"status":503}`, `{"kind":"status"}`, `{"rate":-1}`} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/__admin/faults", bytes.NewReader([]byte(body))))
		assert.Equal(t, http.StatusBadRequest, rec.Code, body)
	}
}

func TestLatencyDelaysEveryCountedCall(t *testing.T) {
	c := newFakeCRM(t)
	mux := http.NewServeMux()
	c.admin.Mount(mux, func([]byte) error { return nil }, func() {})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/__admin/latency", bytes.NewReader([]byte(`{"ms":120}`))))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, 120*time.Millisecond, c.admin.Latency())

	start := time.Now()
	status, err := c.post(http.DefaultClient)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, status)
	assert.GreaterOrEqual(t, time.Since(start), 120*time.Millisecond, "the call waited its latency")
	assert.Equal(t, 1, c.admin.Snapshot().Total)

	for _, body := range []string{`{"ms":-1}`, `{}`, `nope`} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/__admin/latency", bytes.NewReader([]byte(body))))
		assert.Equal(t, http.StatusBadRequest, rec.Code, body)
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/__admin/latency", nil))
	assert.JSONEq(t, `{"ms":120}`, rec.Body.String())
}
