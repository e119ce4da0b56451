package slack

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageRendersBlocksReadablyAndSafely(t *testing.T) {
	s, ts := newFake(t, Options{})
	hook := ts.URL + DefaultWebhookPath
	msg := `{
	  "text": "[SLA breached] Initech &lt;rollout&gt; — overdue",
	  "blocks": [
	    {"type": "header", "text": {"type": "plain_text", "text": ":rotating_light: SLA breached: Initech <rollout>", "emoji": true}},
	    {"type": "section", "text": {"type": "mrkdwn", "text": "The reply of *Globex* is overdue &amp; late."}},
	    {"type": "section", "fields": [
	      {"type": "mrkdwn", "text": "*Deadline*\n<!date^1795521600^{date_short_pretty} {time}|Mon 24 Nov 2026 12:00 UTC>"},
	      {"type": "mrkdwn", "text": "*Who must act*\nJane Doe <mailto:jane@globex.example|jane@globex.example> — Globex, deal owner"}
	    ]},
	    {"type": "section", "text": {"type": "mrkdwn", "text": "*Open the deal:* <https://crm.example/lightning/r/Opportunity/006A/view|Salesforce (Acme)> · <javascript:alert(1)|evil>"}},
	    {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "HubSpot"}, "url": "https://app.hubspot.com/contacts/1/record/0-3/2"}]},
	    {"type": "context", "elements": [{"type": "mrkdwn", "text": "notice CS-1/sla/breach/0"}]}
	  ]
	}`
	require.Equal(t, http.StatusOK, post(t, hook, msg).status)
	require.Equal(t, http.StatusOK, post(t, hook, `{"text": "second <https://example.com|link> for <!here>"}`).status)
	require.Len(t, s.Messages(), 2)

	a := send(t, http.MethodGet, ts.URL+"/", "", "")
	require.Equal(t, http.StatusOK, a.status)
	page := a.body
	assert.Contains(t, page, `http-equiv="refresh" content="2"`)
	assert.Less(t, strings.Index(page, "#2 ·"), strings.Index(page, "#1 ·"), "newest first")
	assert.Contains(t, page, "🚨 SLA breached: Initech &lt;rollout&gt;", "emoji codes are drawn")
	assert.NotContains(t, page, "<rollout>")
	assert.Contains(t, page, "<strong>Globex</strong> is overdue &amp; late.")
	assert.Contains(t, page, "<strong>Deadline</strong>\nMon 24 Nov 2026 12:00 UTC", "a date shows its fallback")
	assert.Contains(t, page, `<a href="mailto:jane@globex.example">jane@globex.example</a>`)
	assert.Contains(t, page, `<a href="https://crm.example/lightning/r/Opportunity/006A/view">Salesforce (Acme)</a>`)
	assert.NotContains(t, page, "javascript:", "html/template sanitizes unsafe links")
	assert.Contains(t, page, `<a href="https://app.hubspot.com/contacts/1/record/0-3/2">[HubSpot]</a>`)
	assert.Contains(t, page, "notice CS-1/sla/breach/0")
	assert.Contains(t, page, "notification text: [SLA breached] Initech &lt;rollout&gt; — overdue")
	assert.Contains(t, page, `<a href="https://example.com">link</a>`)
	assert.Contains(t, page, "<strong>@here</strong>")
	assert.Contains(t, page, "T0DEMO/B0DEMO")
	assert.NotContains(t, page, "demo-secret", "the webhook's secret stays off the page")

	a = send(t, http.MethodGet, ts.URL+"/?refresh=0", "", "")
	assert.NotContains(t, a.body, "http-equiv")
	assert.Zero(t, s.Admin().Snapshot().Endpoints["GET /"].Count, "the page is not Slack's API")
}

func TestEmptyPageSaysWhereToPost(t *testing.T) {
	_, ts := newFake(t, Options{})
	a := send(t, http.MethodGet, ts.URL+"/", "", "")
	require.Equal(t, http.StatusOK, a.status)
	assert.Contains(t, a.body, "No messages yet")
	assert.Contains(t, a.body, DefaultWebhookPath)
}
