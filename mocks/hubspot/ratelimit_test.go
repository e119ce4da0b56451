package hubspot

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRollingWindowHeadersAnd429(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.RateLimit = 3; o.RateLimitWindow = 10 * time.Second; o.DailyLimit = 1000 })
	r := p.do("GET", "/crm/v3/objects/deals", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "10000", r.header.Get("X-HubSpot-RateLimit-Interval-Milliseconds"))
	assert.Equal(t, "3", r.header.Get("X-HubSpot-RateLimit-Max"))
	assert.Equal(t, "2", r.header.Get("X-HubSpot-RateLimit-Remaining"))
	assert.Equal(t, "1000", r.header.Get("X-HubSpot-RateLimit-Daily"))
	assert.Equal(t, "999", r.header.Get("X-HubSpot-RateLimit-Daily-Remaining"))

	p.clk.Advance(4 * time.Second)
	p.do("GET", "/crm/v3/objects/deals", nil)
	p.do("GET", "/crm/v3/objects/deals", nil)
	r = p.do("GET", "/crm/v3/objects/deals", nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "error", r.body["status"])
	assert.Equal(t, "You have reached your ten_secondly_rolling limit.", r.body["message"])
	assert.Equal(t, "RATE_LIMIT", r.body["errorType"])
	assert.Equal(t, "TEN_SECONDLY_ROLLING", r.body["policyName"])
	assert.NotEmpty(t, r.body["groupName"])
	assert.NotEmpty(t, r.body["correlationId"])
	assert.Equal(t, "0", r.header.Get("X-HubSpot-RateLimit-Remaining"))

	p.clk.Advance(6*time.Second + time.Millisecond) // the first request leaves the window
	r = p.do("GET", "/crm/v3/objects/deals", nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "0", r.header.Get("X-HubSpot-RateLimit-Remaining"))
}

func TestDailyLimitForPrivateApps(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.DailyLimit = 2 })
	p.do("GET", "/crm/v3/objects/deals", nil)
	r := p.do("GET", "/crm/v3/objects/deals", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "0", r.header.Get("X-HubSpot-RateLimit-Daily-Remaining"))
	r = p.do("GET", "/crm/v3/objects/deals", nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "DAILY", r.body["policyName"])
	assert.Equal(t, "You have reached your daily limit.", r.body["message"])

	oauth := p.srv.IssueAccessToken()
	o := p.doAs(oauth, "GET", "/crm/v3/objects/deals", nil)
	assert.Equal(t, http.StatusOK, o.status, "OAuth apps have no daily limit")
	assert.Empty(t, o.header.Get("X-HubSpot-RateLimit-Daily"))

	p.clk.Advance(24 * time.Hour)
	assert.Equal(t, http.StatusOK, p.do("GET", "/crm/v3/objects/deals", nil).status, "the budget resets the next day")
}

func TestUnauthenticatedRequestsDoNotCount(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.RateLimit = 1 })
	for range 3 {
		p.doAs("wrong", "GET", "/crm/v3/objects/deals", nil)
	}
	assert.Equal(t, http.StatusOK, p.do("GET", "/crm/v3/objects/deals", nil).status)
}

func TestLimitsCountersShowThePeaksAndTheKnobResetsTheDay(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.RateLimit = 3; o.RateLimitWindow = 10 * time.Second; o.DailyLimit = 5 })
	for i := 0; i < 4; i++ {
		p.do("GET", "/crm/v3/objects/deals", nil)
	}
	l := p.srv.Limits()
	assert.Equal(t, 3, l.DailyUsed, "the fourth call was refused and does not count")
	assert.Equal(t, 3, l.WindowPeak)
	assert.Equal(t, 1, l.Refused["TEN_SECONDLY_ROLLING"])
	assert.Equal(t, 10000, l.WindowMS)

	p.clk.Advance(11 * time.Second)
	p.do("GET", "/crm/v3/objects/deals", nil)
	p.do("GET", "/crm/v3/objects/deals", nil)
	r := p.do("GET", "/crm/v3/objects/deals", nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "DAILY", r.body["policyName"])
	assert.Equal(t, 5, p.srv.Limits().DailyPeak)

	require.Equal(t, http.StatusNoContent, p.doAs("", "POST", "/__admin/limits", map[string]any{"dailyUsed": 0}).status)
	assert.Equal(t, http.StatusOK, p.do("GET", "/crm/v3/objects/deals", nil).status, "the knob plays the day resetting")
	got := p.doAs("", "GET", "/__admin/limits", nil)
	require.Equal(t, http.StatusOK, got.status)
	assert.EqualValues(t, 1, got.body["dailyUsed"])
	assert.EqualValues(t, 5, got.body["dailyPeak"], "the peak is kept")
}
