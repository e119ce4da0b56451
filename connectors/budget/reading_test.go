package budget

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func answer(status int, headers map[string]string, body string) *http.Response {
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

func TestParseLimitInfo(t *testing.T) {
	for _, c := range []struct {
		in          string
		used, limit int
		ok          bool
	}{
		{"api-usage=18/5000", 18, 5000, true},
		{"api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)", 25, 5000, true},
		{"per-app-api-usage=17/250(appName=x); api-usage=110018/100000; api-bursts=1/750", 110018, 100000, true},
		{" api-usage = 7 / 15000 ", 7, 15000, true},
		{"", 0, 0, false},
		{"api-usage=18", 0, 0, false},
		{"api-usage=x/5000", 0, 0, false},
		{"api-usage=5/0", 0, 0, false},
	} {
		used, limit, ok := ParseLimitInfo(c.in)
		assert.Equal(t, c.ok, ok, c.in)
		if c.ok {
			assert.Equal(t, [2]int{c.used, c.limit}, [2]int{used, limit}, c.in)
		}
	}
}

func TestSalesforceReading(t *testing.T) {
	r := SalesforceReading(answer(200, map[string]string{"Sforce-Limit-Info": "api-usage=25/5000"}, ""))
	require.NotNil(t, r.Daily)
	assert.Equal(t, Count{Used: 25, Limit: 5000}, *r.Daily)
	assert.Nil(t, r.Short, "Salesforce reports no short window")

	r = SalesforceReading(answer(403, map[string]string{"Sforce-Limit-Info": "api-usage=5001/5000"},
		`[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`))
	require.NotNil(t, r.Daily)
	assert.Equal(t, 5001, r.Daily.Used, "REQUEST_LIMIT_EXCEEDED carries the count too")

	assert.True(t, SalesforceReading(answer(200, nil, "")).empty())
}

func hubspotHeaders(dailyLimit, dailyRemaining, max, remaining int) map[string]string {
	h := map[string]string{
		"X-HubSpot-RateLimit-Max":                   strconv.Itoa(max),
		"X-HubSpot-RateLimit-Remaining":             strconv.Itoa(remaining),
		"X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
	}
	if dailyLimit > 0 {
		h["X-HubSpot-RateLimit-Daily"] = strconv.Itoa(dailyLimit)
		h["X-HubSpot-RateLimit-Daily-Remaining"] = strconv.Itoa(dailyRemaining)
	}
	return h
}

func TestHubSpotReading(t *testing.T) {
	r := HubSpotReading(answer(200, hubspotHeaders(250000, 249000, 100, 97), "{}"))
	require.NotNil(t, r.Daily)
	require.NotNil(t, r.Short)
	assert.Equal(t, Count{Used: 1000, Limit: 250000}, *r.Daily)
	assert.Equal(t, Count{Used: 3, Limit: 100, Interval: 10 * time.Second}, *r.Short)

	// An OAuth app: no daily limit, no daily headers.
	r = HubSpotReading(answer(200, hubspotHeaders(0, 0, 110, 100), "{}"))
	assert.Nil(t, r.Daily)
	require.NotNil(t, r.Short)
	assert.Equal(t, 10, r.Short.Used)

	// The interval comes from its header.
	h := hubspotHeaders(0, 0, 100, 100)
	h["X-HubSpot-RateLimit-Interval-Milliseconds"] = "1000"
	assert.Equal(t, time.Second, HubSpotReading(answer(200, h, "")).Short.Interval)

	// Search answers carry no headers.
	assert.True(t, HubSpotReading(answer(200, nil, `{"results":[]}`)).empty())
}

func TestHubSpot429Bodies(t *testing.T) {
	body := `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING","groupName":"publicapi:private-app-api-calls-ten-secondly:24681357"}`
	h := hubspotHeaders(250000, 1000, 100, 3)
	h["Retry-After"] = "2"
	resp := answer(429, h, body)
	r := HubSpotReading(resp)
	require.NotNil(t, r.Short)
	assert.Equal(t, 100, r.Short.Used, "the window that refused is full whatever Remaining says")
	assert.Equal(t, 2*time.Second, r.Short.RetryAfter)
	assert.Equal(t, 249000, r.Daily.Used)
	rest, _ := io.ReadAll(resp.Body)
	assert.Equal(t, body, string(rest), "the body is put back for the connector")

	daily := `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}`
	r = HubSpotReading(answer(429, hubspotHeaders(250000, 3, 100, 0), daily))
	require.NotNil(t, r.Daily)
	assert.Equal(t, 250000, r.Daily.Used, "a DAILY 429 means the day is spent")
	assert.Nil(t, r.Short, "a DAILY answer says nothing about the rolling window")
}

func TestParseShare(t *testing.T) {
	for in, want := range map[string]Share{"50%": 0.5, "12.5%": 0.125, "0.5": 0.5, "1": 1, "100%": 1, " 80 % ": 0.8} {
		got, err := ParseShare(in)
		require.NoError(t, err, in)
		assert.InDelta(t, float64(want), float64(got), 1e-12, in)
	}
	for _, in := range []string{"", "0", "0%", "150%", "1.5", "-10%", "half"} {
		_, err := ParseShare(in)
		assert.Error(t, err, in)
	}
	assert.Equal(t, "50%", Share(0.5).String())
	assert.Equal(t, 30, Share(0.3).line(100), "0.3 × 100 is 30, not 29")
	assert.Equal(t, 50, Share(0.5).line(101))
}
