package worker

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/telemetry"
)

// /metrics is served beside the health paths when the pairings were prepared WithMetrics, and not
// otherwise.
func TestMetricsPathServedWithMetrics(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	m, err := telemetry.New(log)
	require.NoError(t, err)
	ps := NewPairings("", "", nil, http.DefaultClient, log)
	ps.metrics = collect([]Option{WithMetrics(m)}).metrics

	rec := httptest.NewRecorder()
	New(config.Config{}, log, nil, ps).routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "go_goroutines")

	rec = httptest.NewRecorder()
	New(config.Config{}, log, nil, NewPairings("", "", nil, http.DefaultClient, log)).routes().
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}
