package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/httpapi"
	"github.com/cosellsync/cosell/pairing"
)

// server is the API over the demo pairing and no Temporal client: every request these tests send is
// answered before a registration would reach Temporal, so a nil client proves the answer came first.
func server(t *testing.T) *httptest.Server {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	tokens, err := httpapi.ParseTokens("Acme=acme-token-0123456789, Globex=globex-token-0123456789,Initech=initech-token-0123456789")
	require.NoError(t, err)
	mux := http.NewServeMux()
	(&httpapi.Server{Tokens: tokens, Pairings: func() map[string]*pairing.Pairing { return map[string]*pairing.Pairing{p.ID: p} }}).Mount(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func call(t *testing.T, ts *httptest.Server, method, path, token, body string) (int, string) {
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := ts.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

const reg = "/api/v1/pairings/acme-globex/registrations"

func TestAuth(t *testing.T) {
	ts := server(t)
	good := `{"dealName":"Hooli","domain":"hooli.com","amount":"1000","currency":"USD","closeDate":"2099-01-31"}`
	code, body := call(t, ts, http.MethodPost, reg, "", good)
	assert.Equal(t, http.StatusUnauthorized, code, body)
	assert.Contains(t, body, "missing bearer token")
	code, _ = call(t, ts, http.MethodPost, reg, "someone-else-0123456789", good)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, body = call(t, ts, http.MethodPost, reg, "initech-token-0123456789", good)
	assert.Equal(t, http.StatusForbidden, code, body)
	assert.Contains(t, body, "Initech is not a partner of pairing acme-globex")
	code, body = call(t, ts, http.MethodPost, reg, "globex-token-0123456789", strings.Replace(good, "{", `{"partner":"a",`, 1))
	assert.Equal(t, http.StatusForbidden, code, "Globex (side b) cannot register as Acme: %s", body)
	code, _ = call(t, ts, http.MethodPost, "/api/v1/pairings/nope/registrations", "acme-token-0123456789", good)
	assert.Equal(t, http.StatusNotFound, code)

	code, body = call(t, ts, http.MethodGet, "/api/v1/pairings", "globex-token-0123456789", "")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `[{"id":"acme-globex","name":"Acme × Globex","side":"b","partner":"Acme"}]`, body)
	code, body = call(t, ts, http.MethodGet, "/api/v1/pairings", "initech-token-0123456789", "")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `[]`, body, "a partner sees its own pairings only")
}

func TestMalformedRegistrationsAreRefusedBeforeTemporal(t *testing.T) {
	ts := server(t)
	for body, want := range map[string]string{
		`{"dealName":"Hooli","domain":"hooli..com","amount":"1000","currency":"USD","closeDate":"2099-01-31"}`: "malformed domain",
		`{"dealName":"Hooli","domain":"hooli.com","amount":"1e3","currency":"USD","closeDate":"2099-01-31"}`:   "amount",
		`{"dealName":"Hooli","domain":"hooli.com","amount":"1000","currency":"usd$","closeDate":"2099-01-31"}`: "currency",
		`{"dealName":"Hooli","domain":"hooli.com","amount":"1000","currency":"USD","closeDate":"tomorrow"}`:    "closeDate",
		`{"dealName":"Hooli","unknown":1}`: "unknown field",
		`not json`:                         "not a registration",
	} {
		code, got := call(t, ts, http.MethodPost, reg, "acme-token-0123456789", body)
		assert.Equal(t, http.StatusBadRequest, code, body)
		assert.Contains(t, got, want, body)
	}
	code, got := call(t, ts, http.MethodPost, "/api/v1/pairings/acme-globex/deals/CS-1/decline", "globex-token-0123456789", `{}`)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, got, "a decline needs a reason")
}

func TestParseTokens(t *testing.T) {
	_, err := httpapi.ParseTokens("Acme")
	assert.ErrorContains(t, err, "entry 1")
	_, err = httpapi.ParseTokens("Acme=short")
	assert.ErrorContains(t, err, "shorter than 16")
	assert.NotContains(t, err.Error(), "short\"", "the secret is never in the message")
	toks, err := httpapi.ParseTokens("")
	require.NoError(t, err)
	assert.Empty(t, toks)
}
