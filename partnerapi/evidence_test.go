package partnerapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// fakeDeals holds one deal of pairing "p1"; it refuses what refuse says and records the updates.
type fakeDeals struct {
	refuse  string
	updates []any
}

func (f *fakeDeals) View(_ context.Context, id string) (api.DealView, error) {
	if id != "CS-1" {
		return api.DealView{}, fmt.Errorf("deal %s: %w", id, ErrNoDeal)
	}
	return api.DealView{PairingID: "p1", CoSellID: id}, nil
}

func (f *fakeDeals) Update(_ context.Context, _, name string, in, out any) error {
	if f.refuse != "" {
		return fmt.Errorf("%w: %s", ErrRefused, f.refuse)
	}
	f.updates = append(f.updates, in)
	if r, ok := out.(*api.TouchpointResult); ok {
		r.Outcomes = []touchpoint.Outcome{touchpoint.Added}
		r.Total = 1
	}
	return nil
}

func server(deals Deals) *httptest.Server {
	tokens := map[string]Caller{
		"acme":   {Side: vocab.A, Pairings: []string{"p1"}, Email: "maria.manager@acme.example"},
		"globex": {Side: vocab.B, Pairings: []string{"p1"}, Email: "kim.manager@globex.example"},
		"other":  {Side: vocab.A, Pairings: []string{"p2"}},
	}
	h := &Evidence{Deals: deals, Now: func() time.Time { return time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) },
		Auth: func(r *http.Request) (Caller, error) {
			c, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
			if !ok {
				return Caller{}, errors.New("missing or unknown token")
			}
			return c, nil
		}}
	mux := http.NewServeMux()
	h.Mount(mux)
	return httptest.NewServer(mux)
}

func call(t *testing.T, srv *httptest.Server, token, path, body string) (int, string) {
	t.Helper()
	method := http.MethodPost
	if body == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode >= 400 {
		var e struct{ Error string }
		require.NoError(t, json.Unmarshal(b, &e), string(b))
		assert.NotEmpty(t, e.Error, "an error says why")
	}
	return resp.StatusCode, string(b)
}

func TestEvidenceAPI(t *testing.T) {
	deals := &fakeDeals{}
	srv := server(deals)
	defer srv.Close()
	tp := `{"touchpoints":[{"person":"kim@globex.example","kind":"Demo","at":"2026-03-01T10:00:00Z","id":"d1"}]}`

	code, _ := call(t, srv, "", "/v1/deals/CS-1/touchpoints", tp)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = call(t, srv, "other", "/v1/deals/CS-1/touchpoints", tp)
	assert.Equal(t, http.StatusForbidden, code, "another pairing's deal")
	code, _ = call(t, srv, "globex", "/v1/deals/CS-9/touchpoints", tp)
	assert.Equal(t, http.StatusNotFound, code)
	code, _ = call(t, srv, "acme", "/v1/deals/CS-1/touchpoints", `{"touchpoints":[{"person":"x","kind":"demo","side":"b"}]}`)
	assert.Equal(t, http.StatusForbidden, code, "a partner logs its own work only")
	code, _ = call(t, srv, "globex", "/v1/deals/CS-1/touchpoints", `{"touchpoints":[{"person":"x","kind":"lunch"}]}`)
	assert.Equal(t, http.StatusBadRequest, code)
	code, _ = call(t, srv, "globex", "/v1/deals/CS-1/touchpoints", `{"touchpoints":[{"person":"x","kind":"demo","when":"now"}]}`)
	assert.Equal(t, http.StatusBadRequest, code, "unknown fields are refused")
	require.Empty(t, deals.updates, "nothing refused reached the deal")

	code, _ = call(t, srv, "globex", "/v1/deals/CS-1/touchpoints", tp)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, deals.updates, 1)
	assert.Equal(t, api.TouchpointInput{Via: "api", Touchpoints: []touchpoint.Touchpoint{{
		Side: vocab.B, Person: "kim@globex.example", Kind: touchpoint.Demo, At: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Deal: "CS-1", Source: "api:d1",
	}}}, deals.updates[0])

	code, _ = call(t, srv, "globex", "/v1/deals/CS-1/disputes", `{"reason":"we ran the POC"}`)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, api.DisputeInput{Partner: vocab.B, By: "kim.manager@globex.example", Reason: "we ran the POC", Via: "api"}, deals.updates[1])

	code, _ = call(t, srv, "globex", "/v1/deals/CS-1/disputes/resolve", `{"verdict":"rejected","approver":"maria.manager@acme.example","note":"x"}`)
	assert.Equal(t, http.StatusForbidden, code, "a token resolves as its own person only")

	deals.refuse = "kim.manager@globex.example disputed the attribution and cannot settle the dispute"
	code, body := call(t, srv, "globex", "/v1/deals/CS-1/disputes/resolve", `{"verdict":"rejected","note":"x"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Contains(t, body, "cannot settle the dispute", "the deal's own message")
}
