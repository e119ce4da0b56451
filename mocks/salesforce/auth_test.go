package salesforce

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func postToken(t *testing.T, base string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(base+"/services/oauth2/token", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	return resp.StatusCode, m
}

func TestTokenEndpoint(t *testing.T) {
	srv := New(Options{SecurityToken: "TOKEN"})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	status, tok := postToken(t, ts.URL, url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}})
	require.Equal(t, http.StatusOK, status)
	assert.Regexp(t, `^00D[0-9A-Za-z]{12}![0-9A-Za-z._]+$`, tok["access_token"])
	assert.Equal(t, ts.URL, tok["instance_url"])
	assert.Equal(t, "Bearer", tok["token_type"])
	assert.Equal(t, ts.URL+"/id/"+srv.orgID+"/"+srv.IntegrationUserID(), tok["id"])
	assert.Regexp(t, `^\d{13}$`, tok["issued_at"])
	assert.NotEmpty(t, tok["signature"])

	cases := []struct {
		form url.Values
		code string
		desc string
	}{
		{url.Values{"grant_type": {"client_credentials"}, "client_id": {"nope"}, "client_secret": {DefaultClientSecret}}, "invalid_client_id", "client identifier invalid"},
		{url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {"nope"}}, "invalid_client", "invalid client credentials"},
		{url.Values{"grant_type": {"password"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "username": {DefaultUsername}, "password": {DefaultPassword}}, "invalid_grant", "authentication failure"},
		{url.Values{"grant_type": {"authorization_code"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}, "unsupported_grant_type", "grant type not supported"},
	}
	for _, c := range cases {
		status, body := postToken(t, ts.URL, c.form)
		assert.Equal(t, http.StatusBadRequest, status, c.code)
		assert.Equal(t, map[string]any{"error": c.code, "error_description": c.desc}, body)
	}

	status, tok = postToken(t, ts.URL, url.Values{"grant_type": {"password"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
		"username": {DefaultUsername}, "password": {DefaultPassword + "TOKEN"}})
	require.Equal(t, http.StatusOK, status, tok)
	assert.NotEmpty(t, tok["access_token"])
}

func TestSessionsTimeOutAfterInactivity(t *testing.T) {
	o := newOrg(t, Options{TokenTTL: time.Hour})
	o.clock.Advance(50 * time.Minute)
	require.Equal(t, http.StatusOK, o.call(http.MethodGet, "limits", nil).status)
	o.clock.Advance(50 * time.Minute)
	require.Equal(t, http.StatusOK, o.call(http.MethodGet, "limits", nil).status, "use keeps a session alive")
	o.clock.Advance(61 * time.Minute)
	a := o.call(http.MethodGet, "limits", nil)
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.Equal(t, `[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]`+"\n", string(a.body))
	assert.Equal(t, "Token", a.header.Get("WWW-Authenticate"))

	o.token = o.login()
	require.Equal(t, http.StatusOK, o.call(http.MethodGet, "limits", nil).status)
	o.srv.ExpireTokens()
	assert.Equal(t, http.StatusUnauthorized, o.call(http.MethodGet, "limits", nil).status)

	o.token = "garbage"
	assert.Equal(t, "INVALID_SESSION_ID", o.call(http.MethodGet, "sobjects", nil).errs(t)[0]["errorCode"])
}

func TestDailyAPILimit(t *testing.T) {
	o := newOrg(t, Options{DailyLimit: 3})
	for i := 1; i <= 3; i++ {
		a := o.call(http.MethodGet, "limits", nil)
		require.Equal(t, http.StatusOK, a.status)
		assert.Equal(t, "api-usage="+string(rune('0'+i))+"/3", a.header.Get("Sforce-Limit-Info"))
		l := a.json(t)["DailyApiRequests"].(map[string]any)
		assert.Equal(t, float64(3), l["Max"])
		assert.Equal(t, float64(3-i), l["Remaining"])
	}
	a := o.query("SELECT Id FROM Opportunity")
	assert.Equal(t, http.StatusForbidden, a.status)
	assert.Equal(t, []map[string]any{{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}}, a.list(t))
	assert.Equal(t, "api-usage=3/3", a.header.Get("Sforce-Limit-Info"))

	// The allocation is a rolling 24 hours.
	o.clock.Advance(24*time.Hour + time.Minute)
	o.token = o.login()
	assert.Equal(t, http.StatusOK, o.call(http.MethodGet, "limits", nil).status)
	used, max := o.srv.APIUsage()
	assert.Equal(t, 1, used)
	assert.Equal(t, 3, max)

	o.srv.SetAPIUsage(3, 0)
	assert.Equal(t, http.StatusForbidden, o.call(http.MethodGet, "limits", nil).status)
}

func TestSplitLoginAndInstanceHosts(t *testing.T) {
	srv := New(Options{})
	login := httptest.NewServer(srv.LoginHandler())
	defer login.Close()
	myDomain := httptest.NewServer(srv.MyDomainHandler())
	defer myDomain.Close()
	inst := httptest.NewServer(srv.InstanceHandler(false))
	defer inst.Close()
	srv.SetInstanceURL(inst.URL)

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
	status, body := postToken(t, login.URL, form)
	assert.Equal(t, http.StatusBadRequest, status, "client_credentials needs the My Domain")
	assert.Equal(t, map[string]any{"error": "invalid_request", "error_description": "request not supported on this domain"}, body)
	password := url.Values{"grant_type": {"password"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
		"username": {DefaultUsername}, "password": {DefaultPassword}}
	status, _ = postToken(t, login.URL, password)
	assert.Equal(t, http.StatusOK, status, "the login host serves the password grant")

	status, tok := postToken(t, myDomain.URL, form)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, inst.URL, tok["instance_url"])

	status, body = postToken(t, inst.URL, form)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "request not supported on this domain", body["error_description"])

	for _, base := range []string{login.URL, inst.URL} {
		req, _ := http.NewRequest(http.MethodGet, base+"/services/data/v63.0/limits", nil)
		req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		if base == login.URL {
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the login host serves no API")
		} else {
			assert.Equal(t, http.StatusOK, resp.StatusCode, "a token from the login host works on the instance")
		}
	}
	open := httptest.NewServer(srv.InstanceHandler(true))
	defer open.Close()
	status, _ = postToken(t, open.URL, form)
	assert.Equal(t, http.StatusOK, status, "a My Domain instance host also serves OAuth")
}

func TestLoginHostByNameRefusesClientCredentials(t *testing.T) {
	srv := New(Options{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/services/oauth2/token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Host = "login.salesforce.com"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "login.salesforce.com does not serve client_credentials")

	status, _ := postToken(t, ts.URL, form)
	assert.Equal(t, http.StatusOK, status, "the one-handler server is the org's My Domain")
}
