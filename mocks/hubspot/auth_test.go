package hubspot

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (p *portal) token(form url.Values) (int, map[string]any) {
	p.t.Helper()
	resp, err := http.Post(p.ts.URL+"/oauth/v1/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(p.t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(p.t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func TestMissingOrUnknownTokenIs401(t *testing.T) {
	p := newPortal(t)
	for _, tok := range []string{"", "not-a-token"} {
		r := p.doAs(tok, "GET", "/crm/v3/objects/deals", nil)
		require.Equal(t, http.StatusUnauthorized, r.status)
		assert.Equal(t, "INVALID_AUTHENTICATION", r.body["category"])
		assert.True(t, strings.HasPrefix(r.body["message"].(string), "Authentication credentials not found."))
		assert.NotEmpty(t, r.body["correlationId"])
	}
}

func TestRefreshTokenGrantAndExpiry(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.TokenTTL = time.Minute })
	status, body := p.token(url.Values{
		"grant_type": {"refresh_token"}, "client_id": {"client-id"}, "client_secret": {"client-secret"}, "refresh_token": {"refresh-1"},
	})
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "bearer", body["token_type"])
	assert.Equal(t, "refresh-1", body["refresh_token"])
	assert.EqualValues(t, 60, body["expires_in"])
	access := body["access_token"].(string)

	assert.Equal(t, http.StatusOK, p.doAs(access, "GET", "/crm/v3/objects/deals", nil).status)
	p.clk.Advance(3 * time.Minute)
	r := p.doAs(access, "GET", "/crm/v3/objects/deals", nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "EXPIRED_AUTHENTICATION", r.body["category"])
	assert.Equal(t, "The OAuth token used to make this call expired 2 minute(s) ago.", r.body["message"])
}

func TestExpireTokensNow(t *testing.T) {
	p := newPortal(t)
	access := p.srv.IssueAccessToken()
	require.Equal(t, http.StatusOK, p.doAs(access, "GET", "/crm/v3/owners", nil).status)
	resp, err := http.Post(p.ts.URL+"/__admin/oauth/expire", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	r := p.doAs(access, "GET", "/crm/v3/owners", nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "EXPIRED_AUTHENTICATION", r.body["category"])
	assert.Equal(t, http.StatusOK, p.do("GET", "/crm/v3/owners", nil).status, "private-app tokens do not expire")
}

func TestTokenEndpointErrors(t *testing.T) {
	p := newPortal(t)
	cases := map[string]struct {
		form   url.Values
		status string
		code   string
	}{
		"bad refresh token": {url.Values{"grant_type": {"refresh_token"}, "client_id": {"client-id"}, "client_secret": {"client-secret"}, "refresh_token": {"stale"}}, "BAD_REFRESH_TOKEN", "invalid_grant"},
		"bad client id":     {url.Values{"grant_type": {"refresh_token"}, "client_id": {"other"}, "client_secret": {"client-secret"}, "refresh_token": {"refresh-1"}}, "BAD_CLIENT_ID", "invalid_client"},
		"bad secret":        {url.Values{"grant_type": {"client_credentials"}, "client_id": {"client-id"}, "client_secret": {"nope"}}, "BAD_CLIENT_SECRET", "invalid_client"},
		"bad grant":         {url.Values{"grant_type": {"password"}, "client_id": {"client-id"}}, "BAD_GRANT_TYPE", "unsupported_grant_type"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			status, body := p.token(tc.form)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, tc.status, body["status"])
			assert.Equal(t, tc.code, body["error"])
		})
	}
}

func TestClientCredentialsGrant(t *testing.T) {
	p := newPortal(t)
	status, body := p.token(url.Values{"grant_type": {"client_credentials"}, "client_id": {"client-id"}, "client_secret": {"client-secret"}})
	require.Equal(t, http.StatusOK, status, body)
	assert.NotContains(t, body, "refresh_token")
	assert.Equal(t, http.StatusOK, p.doAs(body["access_token"].(string), "GET", "/crm/v3/objects/deals", nil).status)
}
