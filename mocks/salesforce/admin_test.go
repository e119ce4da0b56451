package salesforce

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cosellsync/cosell/mocks/mockkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func adminDo(t *testing.T, o *org, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, o.http.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestAdminCountersNameEndpoints(t *testing.T) {
	o := newOrg(t, Options{})
	id := o.create("Opportunity", opp("A", nil))
	o.call(http.MethodPatch, "sobjects/Opportunity/CoSell_Id__c/CS-1", opp("B", nil))
	o.call(http.MethodGet, "sobjects/Opportunity/"+id, nil)
	o.query("SELECT Id FROM Opportunity")
	o.call(http.MethodGet, "sobjects/Opportunity/describe", nil)
	o.call(http.MethodPost, "composite", map[string]any{"compositeRequest": []any{map[string]any{"method": "GET", "url": "/services/data/v63.0/limits", "referenceId": "a"}}})

	calls := o.srv.Admin().Snapshot()
	assert.Equal(t, mockkit.CallCount{Count: 1}, calls.Endpoints["oauth2/token"])
	assert.Equal(t, mockkit.CallCount{Count: 1, Write: true}, calls.Endpoints["POST sobjects/Opportunity"])
	assert.Equal(t, mockkit.CallCount{Count: 1, Write: true}, calls.Endpoints["PATCH sobjects/Opportunity/ext"])
	assert.Equal(t, mockkit.CallCount{Count: 1}, calls.Endpoints["GET sobjects/Opportunity/id"])
	assert.Equal(t, mockkit.CallCount{Count: 1}, calls.Endpoints["query"])
	assert.Equal(t, mockkit.CallCount{Count: 1}, calls.Endpoints["GET sobjects/Opportunity/describe"])
	assert.Equal(t, mockkit.CallCount{Count: 1, Write: true}, calls.Endpoints["POST composite"])
	assert.Equal(t, 3, calls.Writes)

	status, body := adminDo(t, o, http.MethodGet, "/__admin/calls", "")
	require.Equal(t, http.StatusOK, status)
	var served mockkit.Calls
	require.NoError(t, json.Unmarshal(body, &served))
	assert.Equal(t, calls.Total, served.Total)
}

func TestAdminFaultsAnswerInSalesforceShapes(t *testing.T) {
	o := newOrg(t, Options{})
	cases := []struct {
		status int
		code   string
	}{{401, "INVALID_SESSION_ID"}, {403, "REQUEST_LIMIT_EXCEEDED"}, {500, "UNKNOWN_EXCEPTION"}, {503, "SERVER_UNAVAILABLE"}, {429, "REQUEST_LIMIT_EXCEEDED"}}
	for _, c := range cases {
		o.srv.Admin().AddFault(mockkit.Fault{Endpoint: "query", Status: c.status, Count: 1, Headers: map[string]string{"Retry-After": "3"}})
		a := o.query("SELECT Id FROM Opportunity")
		assert.Equal(t, c.status, a.status)
		assert.Equal(t, c.code, a.errs(t)[0]["errorCode"], c.status)
		assert.Equal(t, "3", a.header.Get("Retry-After"))
	}
	o.srv.Admin().AddFault(mockkit.Fault{Status: 502, Count: 1})
	a := o.query("SELECT Id FROM Opportunity")
	assert.Equal(t, http.StatusBadGateway, a.status)
	assert.True(t, strings.HasPrefix(string(a.body), "<html>"), "gateway errors are HTML, as at Salesforce's edge")
	assert.Equal(t, http.StatusOK, o.query("SELECT Id FROM Opportunity").status, "Count lifts the fault")

	status, _ := adminDo(t, o, http.MethodPost, "/__admin/faults", `{"endpoint":"limits","status":503}`)
	require.Equal(t, http.StatusNoContent, status)
	assert.Equal(t, http.StatusServiceUnavailable, o.call(http.MethodGet, "limits", nil).status)
	adminDo(t, o, http.MethodDelete, "/__admin/faults", "")
	assert.Equal(t, http.StatusOK, o.call(http.MethodGet, "limits", nil).status)
}

func TestAdminSeedResetExpireAndLimits(t *testing.T) {
	o := newOrg(t, Options{})
	seed := `{
	  "users": [{"Id": "0055g0000000Ana", "Name": "Ana Ruiz", "Email": "ana@acme.example"}],
	  "opportunities": [{"Id": "0065g0000000Acm", "Name": "Acme", "StageName": "Prospecting", "CloseDate": "2026-12-31",
	                     "OwnerId": "ana@acme.example", "CoSell_Enabled__c": true, "SystemModstamp": "2026-11-01T09:00:00.000+0000"}],
	  "tasks": [{"WhatId": "0065g0000000Acm", "Subject": "Call", "Description": "Intro"}]
	}`
	status, body := adminDo(t, o, http.MethodPost, "/__admin/seed", seed)
	require.Equal(t, http.StatusNoContent, status, string(body))
	opps := o.srv.Opportunities()
	require.Len(t, opps, 1)
	ana := to18("0055g0000000Ana")
	assert.Equal(t, to18("0065g0000000Acm"), opps[0]["Id"])
	assert.Equal(t, ana, opps[0]["OwnerId"])
	assert.Equal(t, "2026-11-01T09:00:00.000+0000", opps[0]["SystemModstamp"])
	assert.Equal(t, "2026-11-01T09:00:00.000+0000", opps[0]["LastModifiedDate"])
	u, ok := o.srv.Get(ana)
	require.True(t, ok)
	assert.Equal(t, "Ana Ruiz", u["Name"])
	assert.Equal(t, "ana@acme.example", u["Username"])

	status, body = adminDo(t, o, http.MethodPost, "/__admin/seed", `{"opportunities":[{"Name":"ok","StageName":"Prospecting","CloseDate":"2026-12-31"},{"Name":"bad"}]}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), "seed opportunities[1]: REQUIRED_FIELD_MISSING")
	assert.Len(t, o.srv.Opportunities(), 1, "a failed seed adds nothing")

	status, body = adminDo(t, o, http.MethodGet, "/__admin/records", "")
	require.Equal(t, http.StatusOK, status)
	var recs SeedData
	require.NoError(t, json.Unmarshal(body, &recs))
	assert.Len(t, recs.Tasks, 1)

	status, _ = adminDo(t, o, http.MethodPost, "/__admin/tokens/expire", "")
	require.Equal(t, http.StatusNoContent, status)
	assert.Equal(t, http.StatusUnauthorized, o.call(http.MethodGet, "limits", nil).status)
	o.token = o.login()

	status, _ = adminDo(t, o, http.MethodPost, "/__admin/limits", `{"used": 99, "max": 100}`)
	require.Equal(t, http.StatusNoContent, status)
	a := o.call(http.MethodGet, "limits", nil)
	assert.Equal(t, "api-usage=100/100", a.header.Get("Sforce-Limit-Info"))
	refused := o.call(http.MethodGet, "limits", nil)
	assert.Equal(t, http.StatusForbidden, refused.status)
	assert.Equal(t, "api-usage=100/100", refused.header.Get("Sforce-Limit-Info"), "a refusal carries the count too")

	// The counters show the highest count reached, whatever the window does afterwards.
	status, _ = adminDo(t, o, http.MethodPost, "/__admin/limits", `{"used": 0}`)
	require.Equal(t, http.StatusNoContent, status)
	o.call(http.MethodGet, "limits", nil)
	status, body = adminDo(t, o, http.MethodGet, "/__admin/limits", "")
	require.Equal(t, http.StatusOK, status)
	var b APIBudget
	require.NoError(t, json.Unmarshal(body, &b))
	assert.Equal(t, APIBudget{Used: 1, Max: 100, Peak: 100, Refused: 1}, b)

	status, _ = adminDo(t, o, http.MethodPost, "/__admin/reset", "")
	require.Equal(t, http.StatusNoContent, status)
	assert.Empty(t, o.srv.Opportunities())
	assert.Len(t, o.srv.Users(), 1, "only the integration user remains")
	assert.Zero(t, o.srv.Admin().Snapshot().Total)
}

func TestHTMLPageEscapesContent(t *testing.T) {
	o := newOrg(t, Options{})
	id := o.create("Opportunity", opp("<script>alert(1)</script>", map[string]any{"CoSell_Id__c": "CS-9", "CoSell_Enabled__c": true, "Amount": 42}))
	o.create("Task", map[string]any{"WhatId": id, "Subject": "Note", "Description": "<b>bold</b>", "CoSell_Note_Key__c": "k1"})
	status, body := adminDo(t, o, http.MethodGet, "/", "")
	require.Equal(t, http.StatusOK, status)
	page := string(body)
	assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.NotContains(t, page, "<script>")
	assert.Contains(t, page, "&lt;b&gt;bold&lt;/b&gt;")
	assert.Contains(t, page, "CS-9")
	assert.Contains(t, page, "42.00")
	assert.Contains(t, page, "Integration User")
	assert.Contains(t, page, `http-equiv="refresh" content="2"`)
	_, body = adminDo(t, o, http.MethodGet, "/?refresh=0", "")
	assert.NotContains(t, string(body), "http-equiv")
}

func TestDemoSeedFileLoads(t *testing.T) {
	d, err := ReadSeedFile("testdata/demo-seed.json")
	require.NoError(t, err)
	srv := New(Options{})
	require.NoError(t, srv.Seed(d))
	assert.Len(t, srv.Users(), 4)
	assert.Len(t, srv.Opportunities(), 4)
	assert.Len(t, srv.Tasks(), 2)
	_, err = ReadSeedFile("testdata/missing.json")
	assert.Error(t, err)
}

func TestSeedAcceptsGoValues(t *testing.T) {
	srv := New(Options{})
	stamp := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	require.NoError(t, srv.Seed(SeedData{Opportunities: []Record{{
		"Name": "Go-built", "StageName": "Prospecting", "CloseDate": "2026-12-31", "Amount": 125000, "Probability": int64(40),
		"SystemModstamp": stamp,
	}}}))
	o := srv.Opportunities()[0]
	assert.Equal(t, float64(125000), o["Amount"])
	assert.Equal(t, "2026-11-20T09:00:00.000+0000", o["SystemModstamp"])
}
