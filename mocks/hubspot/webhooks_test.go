package hubspot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	hsconn "github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/mocks/mockkit"
)

// hookSink is an app's webhook endpoint: it checks each request's v3 signature, as HubSpot documents
// it and as the connector verifies it, and keeps the events.
type hookSink struct {
	t      *testing.T
	mu     sync.Mutex
	events []map[string]any
	srv    *httptest.Server
}

func newHookSink(t *testing.T, secret string) *hookSink {
	h := &hookSink{t: t}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get("X-HubSpot-Request-Timestamp")
		uri := "http://" + r.Host + r.RequestURI
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(r.Method + uri + string(body) + ts))
		assert.Equal(t, base64.StdEncoding.EncodeToString(mac.Sum(nil)), r.Header.Get("X-HubSpot-Signature-v3"), "signed as documented")
		assert.NoError(t, hsconn.VerifyWebhook(secret, r.Method, uri, body, r.Header.Get(hsconn.SignatureHeader), ts, time.Now()), "and as the connector checks it")
		_, err := hsconn.ParseWebhook(body)
		assert.NoError(t, err, "in the shape the connector reads")
		var events []map[string]any
		require.NoError(t, json.Unmarshal(body, &events))
		h.mu.Lock()
		h.events = append(h.events, events...)
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookSink) take(w *mockkit.Webhooks[webhookEvent]) []map[string]any {
	h.t.Helper()
	require.True(h.t, w.Wait(5*time.Second))
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.events
	h.events = nil
	return out
}

func kinds(events []map[string]any) []string {
	var out []string
	for _, e := range events {
		k := e["subscriptionType"].(string)
		if p, ok := e["propertyName"].(string); ok {
			k += ":" + p
		}
		out = append(out, k)
	}
	return out
}

func TestWebhooksTellTheAppWhatChanged(t *testing.T) {
	sink := newHookSink(t, "app-secret")
	p := newPortal(t, func(o *Options) {
		o.Webhooks = mockkit.WebhookKnobs{URL: sink.srv.URL + "/webhooks/hubspot/globex-hs?portal=1", Secret: "app-secret", BatchMS: 1}
	})
	require.NoError(t, p.srv.Seed(SeedData{Deals: []SeedRecord{{Properties: map[string]any{"dealname": "Seeded"}}}}))

	id := p.createDeal(map[string]any{"dealname": "Hooli", "cosell_enabled": "true"})
	events := sink.take(p.srv.Webhooks())
	assert.Equal(t, []string{"deal.creation", "deal.propertyChange:cosell_enabled", "deal.propertyChange:dealname", "deal.propertyChange:pipeline"}, kinds(events),
		"a create, and each property it set (the default pipeline too); nothing for the seeded deal")
	e := events[0]
	assert.Equal(t, json.Number(id).String(), jsonNumber(e["objectId"]))
	assert.EqualValues(t, 24681357, e["portalId"])
	assert.EqualValues(t, 7654321, e["appId"])
	assert.EqualValues(t, 0, e["attemptNumber"])
	assert.NotZero(t, e["occurredAt"])
	assert.Equal(t, "Hooli", events[2]["propertyValue"])

	p.do("PATCH", "/crm/v3/objects/deals/"+id, map[string]any{"properties": map[string]any{"dealstage": "contractsent", "dealname": "Hooli"}})
	assert.Equal(t, []string{"deal.propertyChange:dealstage"}, kinds(sink.take(p.srv.Webhooks())), "only what changed")

	r := p.do("POST", "/crm/v3/objects/deals/batch/update", map[string]any{"inputs": []any{
		map[string]any{"id": id, "properties": map[string]any{"amount": "5"}},
		map[string]any{"id": id, "properties": map[string]any{"dealstage": "no-such-stage"}},
	}})
	require.Equal(t, http.StatusBadRequest, r.status, r.raw)
	assert.Empty(t, sink.take(p.srv.Webhooks()), "a batch rolled back sends nothing")

	p.do("POST", "/crm/v3/objects/notes", map[string]any{"properties": map[string]any{"hs_note_body": "hi", "hs_timestamp": "2026-11-22T10:00:00Z"},
		"associations": []any{map[string]any{"to": map[string]any{"id": id}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}}}}})
	notes := sink.take(p.srv.Webhooks())
	assert.Equal(t, []string{"object.creation"}, kinds(notes))
	assert.Equal(t, "0-46", notes[0]["objectTypeId"])

	other := p.createDeal(map[string]any{"dealname": "Other"})
	sink.take(p.srv.Webhooks())
	merged, err := p.srv.Merge("deals", id, other)
	require.NoError(t, err)
	m := sink.take(p.srv.Webhooks())
	require.Equal(t, []string{"deal.merge"}, kinds(m))
	assert.Equal(t, merged, jsonNumber(m[0]["newObjectId"]))

	p.do("DELETE", "/crm/v3/objects/deals/"+merged, nil)
	assert.Equal(t, []string{"deal.deletion"}, kinds(sink.take(p.srv.Webhooks())))

	st := p.srv.Webhooks().Stats()
	assert.Zero(t, st.Failed)
	assert.Equal(t, st.Requests, st.Acked)
}

func TestWebhooksRetryWithAFreshSignatureAndCountingAttempts(t *testing.T) {
	var mu sync.Mutex
	var attempts []float64
	var stamps []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var events []map[string]any
		_ = json.NewDecoder(r.Body).Decode(&events)
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, events[0]["attemptNumber"].(float64))
		stamps = append(stamps, r.Header.Get("X-HubSpot-Request-Timestamp"))
		if len(attempts) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	p := newPortal(t, func(o *Options) { o.Webhooks = mockkit.WebhookKnobs{URL: srv.URL, Secret: "s", BatchMS: 1} })
	p.createDeal(map[string]any{"dealname": "x"})
	require.True(t, p.srv.Webhooks().Wait(5*time.Second))
	assert.Equal(t, []float64{0, 1, 2}, attempts)
	assert.NotEqual(t, stamps[0], stamps[2], "each attempt is signed at its own time")
}

func TestAdminWebhooks(t *testing.T) {
	p := newPortal(t)
	r := p.do("POST", "/__admin/webhooks", map[string]any{"url": "http://127.0.0.1:1/x", "secret": "s", "loss": 0.5})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, 0.5, p.srv.Webhooks().Knobs().Loss)
	r = p.do("GET", "/__admin/webhooks", nil)
	assert.Equal(t, "set", r.body["knobs"].(map[string]any)["secret"])
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
