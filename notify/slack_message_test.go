package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func escalation() Notice {
	return Notice{
		Key: "CS-1/request:00T1/escalation/2", PairingID: "acme-globex", PairingName: "Acme × Globex",
		CoSellID: "CS-1", DealName: "Initech <rollout>", Event: SLAEscalated, SLAKind: "request",
		Subject: "Can you share pricing & terms?", Level: 2, LevelName: "partner managers",
		Deadline: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), At: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Message: "The reply of Globex to a request is still open past its deadline: escalated to L2, partner managers.",
		Recipients: []Recipient{
			{Side: "a", Partner: "Acme", Email: "pm@acme.example", Role: "partner managers"},
			{Side: "b", Partner: "Globex", Email: "jane@globex.example", Name: "Jane Doe", Role: "partner managers"},
		},
		Links: []Link{
			{Label: "Salesforce (Acme)", URL: "https://acme.my.salesforce.com/lightning/r/Opportunity/006A/view"},
			{Label: "HubSpot (Globex)", URL: "https://app.hubspot.com/contacts/24681357/record/0-3/42"},
		},
	}
}

func TestSlackMessageShape(t *testing.T) {
	m := SlackMessage(escalation())
	assert.Equal(t, "[Escalated to L2] Initech &lt;rollout&gt; — The reply of Globex to a request is still open past its deadline: escalated to L2, partner managers.", m.Text)
	require.Len(t, m.Blocks, 5)

	assert.Equal(t, "header", m.Blocks[0].Type)
	assert.Equal(t, SlackText{Type: "plain_text", Text: ":arrow_double_up: Escalated to L2: Initech <rollout>", Emoji: true}, *m.Blocks[0].Text)

	assert.Equal(t, "section", m.Blocks[1].Type)
	assert.Equal(t, "mrkdwn", m.Blocks[1].Text.Type)
	assert.Equal(t, escalation().Message, m.Blocks[1].Text.Text)

	fields := m.Blocks[2].Fields
	var texts []string
	for _, f := range fields {
		assert.Equal(t, "mrkdwn", f.Type)
		texts = append(texts, f.Text)
	}
	assert.Equal(t, []string{
		"*Pairing*\nAcme × Globex",
		"*SLA*\nReply to a request",
		"*Subject*\nCan you share pricing &amp; terms?",
		"*Deadline*\n<!date^1795521600^{date_short_pretty} {time}|Tue 24 Nov 2026 12:00 UTC>",
		"*Level*\nL2 · partner managers",
		"*Who must act*\n<mailto:pm@acme.example|pm@acme.example> — Acme, partner managers\nJane Doe <mailto:jane@globex.example|jane@globex.example> — Globex, partner managers",
	}, texts)

	assert.Equal(t, "*Open the deal:* <https://acme.my.salesforce.com/lightning/r/Opportunity/006A/view|Salesforce (Acme)> · <https://app.hubspot.com/contacts/24681357/record/0-3/42|HubSpot (Globex)>",
		m.Blocks[3].Text.Text)
	assert.Equal(t, "context", m.Blocks[4].Type)
	assert.Equal(t, "Co-sell CS-1 · <!date^1795608000^{date_short_pretty} {time}|Wed 25 Nov 2026 12:00 UTC> · notice CS-1/request:00T1/escalation/2",
		m.Blocks[4].Elements[0].Text)

	raw, err := json.Marshal(m)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), `"fields":null`)
	assert.NotContains(t, string(raw), `"elements":null`)
}

func TestSlackMessageForAStageChangeAndBareNotices(t *testing.T) {
	m := SlackMessage(Notice{Event: StageChanged, CoSellID: "CS-2", PairingID: "p", Subject: "Negotiation", Message: "The deal moved from Proposal to Negotiation.",
		Recipients: []Recipient{{Email: "ann@a.example", Name: "Ann", Role: "deal owner"}}})
	assert.Equal(t, ":arrows_counterclockwise: Stage changed: CS-2", m.Blocks[0].Text.Text, "without a deal name, the co-sell id")
	assert.Equal(t, []SlackText{mrkdwn("*Pairing*\np"), mrkdwn("*Stage*\nNegotiation"), mrkdwn("*Notified*\nAnn <mailto:ann@a.example|ann@a.example> — deal owner")}, m.Blocks[2].Fields)

	bare := SlackMessage(Notice{Event: SLAResolved})
	require.Len(t, bare.Blocks, 1, "nothing to say but the header")
	assert.Equal(t, ":white_check_mark: SLA resolved", bare.Blocks[0].Text.Text)
	assert.Equal(t, "[SLA resolved] ", bare.Text)
}

func TestSlackMessageLinksAreSafe(t *testing.T) {
	m := SlackMessage(Notice{Event: SLABreached, Links: []Link{
		{Label: "a|b <c>", URL: "https://x.example/p|q?a=<1>"},
		{Label: "script", URL: "javascript:alert(1)"},
		{Label: "relative", URL: "/contacts/1"},
		{URL: "http://fake.local:8702/contacts/1/record/0-3/2"},
	}})
	require.Len(t, m.Blocks, 2)
	assert.Equal(t, "*Open the deal:* <https://x.example/p%7Cq?a=%3C1%3E|a¦b &lt;c&gt;> · <http://fake.local:8702/contacts/1/record/0-3/2|fake.local:8702>", m.Blocks[1].Text.Text)
}

func TestSlackMessageStaysWithinBlockKitLimits(t *testing.T) {
	n := escalation()
	n.DealName = strings.Repeat("Very long deal name ", 20)
	n.Message = strings.Repeat("a & b ", 1000)
	n.Subject = strings.Repeat("<subject> ", 400)
	n.Recipients = nil
	for i := range 200 {
		n.Recipients = append(n.Recipients, Recipient{Email: fmt.Sprintf("person%03d@partner.example", i), Name: "Person & Co", Partner: "Globex", Role: "executives"})
	}
	m := SlackMessage(n)

	header := m.Blocks[0].Text.Text
	assert.Equal(t, maxHeaderText, utf8.RuneCountInString(header))
	assert.True(t, strings.HasSuffix(header, "…"))
	section := m.Blocks[1].Text.Text
	assert.LessOrEqual(t, utf8.RuneCountInString(section), maxSectionText)
	assert.True(t, strings.HasSuffix(section, " &amp; b …") || strings.HasSuffix(section, "…"))
	assert.NotRegexp(t, `&[a-z]*…$`, section, "no entity cut in half")
	for _, f := range m.Blocks[2].Fields {
		assert.LessOrEqual(t, utf8.RuneCountInString(f.Text), maxFieldText)
		assert.NotRegexp(t, `<[^>]*…$`, f.Text, "no link cut in half")
	}
	who := m.Blocks[2].Fields[len(m.Blocks[2].Fields)-1].Text
	assert.Regexp(t, `\nand \d+ more$`, who)
	assert.LessOrEqual(t, utf8.RuneCountInString(m.Text), maxFallback)
}
