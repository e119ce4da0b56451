package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/httpapi"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// fakeDeals holds deal CS-1 of the demo pairing and CS-2 of another pairing; it refuses what refuse
// says and records the updates that reach it.
type fakeDeals struct {
	refuse  string
	updates []any
}

func (f *fakeDeals) View(_ context.Context, id string) (api.DealView, error) {
	switch id {
	case "CS-1":
		return api.DealView{PairingID: "acme-globex", CoSellID: id, CoSell: &api.CoSellView{
			Touchpoints: &api.EvidenceView{Total: 1, Items: []touchpoint.Touchpoint{{Side: vocab.B, Person: "kim@globex.example", Kind: touchpoint.Demo}}}}}, nil
	case "CS-2":
		return api.DealView{PairingID: "initech-hooli", CoSellID: id}, nil
	}
	return api.DealView{}, fmt.Errorf("deal %s: %w", id, httpapi.ErrNoDeal)
}

func (f *fakeDeals) Update(_ context.Context, _, _ string, in, out any) error {
	if f.refuse != "" {
		return fmt.Errorf("%w: %s", httpapi.ErrRefused, f.refuse)
	}
	f.updates = append(f.updates, in)
	if r, ok := out.(*api.TouchpointResult); ok {
		r.Outcomes = []touchpoint.Outcome{touchpoint.Added}
		r.Total = 1
	}
	return nil
}

// evidenceServer is the API as the worker mounts it (the real token and pairing checks) over the demo
// pairing, its deals the fake.
func evidenceServer(t *testing.T, deals httpapi.Deals) *httptest.Server {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	tokens, err := httpapi.ParseTokens("Acme=acme-token-0123456789,Globex=globex-token-0123456789,Initech=initech-token-0123456789")
	require.NoError(t, err)
	mux := http.NewServeMux()
	(&httpapi.Server{Tokens: tokens, Deals: deals, Now: func() time.Time { return time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) },
		Pairings: func() map[string]*pairing.Pairing { return map[string]*pairing.Pairing{p.ID: p} }}).Mount(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

const (
	acme    = "acme-token-0123456789"
	globex  = "globex-token-0123456789"
	initech = "initech-token-0123456789"
	deal1   = "/api/v1/pairings/acme-globex/deals/CS-1"
)

// problemDetail checks an error answer is a problem document that says why.
func problemDetail(t *testing.T, body string) string {
	t.Helper()
	var p struct{ Detail string }
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	require.NotEmpty(t, p.Detail, "an error says why: %s", body)
	return p.Detail
}

func TestTouchpointsBehindTheTokens(t *testing.T) {
	deals := &fakeDeals{}
	ts := evidenceServer(t, deals)
	tp := `{"touchpoints":[{"person":"kim@globex.example","kind":"Demo","at":"2026-03-01T10:00:00Z","id":"d1"}]}`

	for _, c := range []struct {
		name, token, path, body string
		want                    int
		says                    string
	}{
		{"no token", "", deal1 + "/touchpoints", tp, http.StatusUnauthorized, "missing bearer token"},
		{"unknown token", "nobody-token-0123456789", deal1 + "/touchpoints", tp, http.StatusUnauthorized, "unknown API token"},
		{"another partner's pairing", initech, deal1 + "/touchpoints", tp, http.StatusForbidden, "Initech is not a partner of pairing acme-globex"},
		{"a deal of another pairing", globex, "/api/v1/pairings/acme-globex/deals/CS-2/touchpoints", tp, http.StatusNotFound, "no deal CS-2 in pairing acme-globex"},
		{"an unknown deal", globex, "/api/v1/pairings/acme-globex/deals/CS-9/touchpoints", tp, http.StatusNotFound, "no deal CS-9"},
		{"the other side's work", acme, deal1 + "/touchpoints", `{"touchpoints":[{"person":"x@globex.example","kind":"demo","side":"b"}]}`, http.StatusForbidden, "logs touchpoints of side a only"},
		{"an unknown kind", globex, deal1 + "/touchpoints", `{"touchpoints":[{"person":"x","kind":"lunch"}]}`, http.StatusBadRequest, "touchpoints[0]"},
		{"an unknown field", globex, deal1 + "/touchpoints", `{"touchpoints":[{"person":"x","kind":"demo","when":"now"}]}`, http.StatusBadRequest, "unknown field"},
		{"a bad time", globex, deal1 + "/touchpoints", `{"touchpoints":[{"person":"x","kind":"demo","at":"yesterday"}]}`, http.StatusBadRequest, "RFC 3339"},
		{"none", globex, deal1 + "/touchpoints", `{"touchpoints":[]}`, http.StatusBadRequest, "no touchpoints"},
	} {
		code, body := call(t, ts, http.MethodPost, c.path, c.token, c.body)
		assert.Equal(t, c.want, code, "%s: %s", c.name, body)
		assert.Contains(t, problemDetail(t, body), c.says, c.name)
	}
	require.Empty(t, deals.updates, "nothing refused reached a deal")

	code, body := call(t, ts, http.MethodPost, deal1+"/touchpoints", globex, tp)
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"outcomes":["added"],"total":1}`, body)
	require.Len(t, deals.updates, 1)
	assert.Equal(t, api.TouchpointInput{Via: "api", Touchpoints: []touchpoint.Touchpoint{{
		Side: vocab.B, Person: "kim@globex.example", Kind: touchpoint.Demo, At: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Deal: "CS-1", Source: "api:d1",
	}}}, deals.updates[0], "the token's side, whatever the body says")

	code, body = call(t, ts, http.MethodPost, deal1+"/touchpoints", acme, `{"touchpoints":[{"person":"ann@acme.example","kind":"meeting"}]}`)
	require.Equal(t, http.StatusOK, code, body)
	got := deals.updates[1].(api.TouchpointInput).Touchpoints[0]
	assert.Equal(t, vocab.A, got.Side)
	assert.Equal(t, time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC), got.At, "no time means now")

	code, body = call(t, ts, http.MethodGet, deal1+"/touchpoints", acme, "")
	require.Equal(t, http.StatusOK, code, body)
	var ev api.EvidenceView
	require.NoError(t, json.Unmarshal([]byte(body), &ev))
	assert.Equal(t, 1, ev.Total)
	code, _ = call(t, ts, http.MethodGet, deal1+"/touchpoints", initech, "")
	assert.Equal(t, http.StatusForbidden, code, "another partner reads nothing either")
}

func TestDisputesBehindTheTokens(t *testing.T) {
	deals := &fakeDeals{}
	ts := evidenceServer(t, deals)

	code, _ := call(t, ts, http.MethodPost, deal1+"/disputes", "", `{"reason":"we ran the POC"}`)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = call(t, ts, http.MethodPost, deal1+"/disputes", initech, `{"reason":"we ran the POC"}`)
	assert.Equal(t, http.StatusForbidden, code)
	code, body := call(t, ts, http.MethodPost, deal1+"/disputes/resolve", acme, `{"verdict":"rejected","note":"x"}`)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, problemDetail(t, body), "name the approver")
	require.Empty(t, deals.updates)

	code, body = call(t, ts, http.MethodPost, deal1+"/disputes", globex, `{"reason":"we ran the POC","by":"kim.manager@globex.example"}`)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, api.DisputeInput{Partner: vocab.B, By: "kim.manager@globex.example", Reason: "we ran the POC", Via: "api"}, deals.updates[0])

	code, body = call(t, ts, http.MethodPost, deal1+"/disputes/resolve", acme, `{"verdict":"rejected","approver":"maria.manager@acme.example","note":"the demo was ours"}`)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, api.ResolveDisputeInput{Verdict: attribution.Rejected, Approver: "maria.manager@acme.example", Note: "the demo was ours", Via: "api"}, deals.updates[1])

	deals.refuse = "kim.manager@globex.example disputed the attribution and cannot settle the dispute"
	code, body = call(t, ts, http.MethodPost, deal1+"/disputes/resolve", globex, `{"verdict":"rejected","approver":"kim.manager@globex.example","note":"x"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Contains(t, problemDetail(t, body), "cannot settle the dispute", "the deal's own message")
}
