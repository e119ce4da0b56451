package worker

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cosellsync/cosell/internal/config"
)

// The paths deployments probe are the ones the worker serves: liveness answers at once, readiness
// refuses until the worker has started polling.
func TestHealthPathsAreServed(t *testing.T) {
	w := New(config.Config{}, slog.New(slog.DiscardHandler), nil, nil)
	h := w.routes()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, LivenessPath, nil))
	assert.Equal(t, http.StatusOK, rec.Code)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ReadinessPath, nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "not ready before Run has started the Temporal worker")
	assert.Equal(t, "starting\n", rec.Body.String())
}
