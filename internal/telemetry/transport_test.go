package telemetry

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOperationKeepsTheLabelLowInCardinality(t *testing.T) {
	for path, want := range map[string]string{
		"/services/data/v63.0/query":                                  "GET /services/data/{v}/query",
		"/services/data/v63.0/sobjects/Opportunity/006xx000001234AAA": "GET /services/data/{v}/sobjects/Opportunity/{id}",
		"/services/data/v63.0/sobjects/Opportunity/CoSell_Id__c/CS-7": "GET /services/data/{v}/sobjects/Opportunity/CoSell_Id__c/{id}",
		"/crm/v3/objects/deals/123":                                   "GET /crm/{v}/objects/deals/{id}",
		"/crm/v3/objects/deals/search":                                "GET /crm/{v}/objects/deals/search",
		"/crm/v3/owners/jdoe@globex.example":                          "GET /crm/{v}/owners/{id}",
		"/a/b/c/d/e/f/g/h/i/j":                                        "GET /a/b/c/d/e/f/g/h/…",
		"/services/oauth2/token":                                      "GET /services/oauth2/token",
		"/":                                                           "GET /",
	} {
		assert.Equal(t, want, Operation(http.MethodGet, path), path)
	}
}

// Every attempt is counted with its CRM, connection, operation and status; an attempt with no answer
// has status error.
func TestTransportCountsEachCall(t *testing.T) {
	m, err := New(slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/missing") {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	c := m.HTTPClient("hubspot", "globex-hs", srv.Client())
	for _, p := range []string{"/crm/v3/objects/deals/1", "/crm/v3/objects/deals/2", "/crm/v3/objects/deals/missing"} {
		resp, err := c.Get(srv.URL + p)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	srv.Close()
	_, err = c.Get(srv.URL + "/crm/v3/objects/deals/3")
	require.Error(t, err)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	assert.Contains(t, body, `cosell_crm_calls_total{connection="globex-hs",crm="hubspot",operation="GET /crm/{v}/objects/deals/{id}",status="200"} 2`)
	assert.Contains(t, body, `cosell_crm_calls_total{connection="globex-hs",crm="hubspot",operation="GET /crm/{v}/objects/deals/missing",status="404"} 1`)
	assert.Contains(t, body, `cosell_crm_calls_total{connection="globex-hs",crm="hubspot",operation="GET /crm/{v}/objects/deals/{id}",status="error"} 1`)
	assert.Contains(t, body, `cosell_crm_call_duration_seconds_count{connection="globex-hs",crm="hubspot",operation="GET /crm/{v}/objects/deals/{id}"} 3`)
}

func TestNilMetricsLeaveTheClientAlone(t *testing.T) {
	var m *Metrics
	c := &http.Client{}
	assert.Same(t, c, m.HTTPClient("hubspot", "x", c))
	assert.Nil(t, m.TemporalHandler())
}
