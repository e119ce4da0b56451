package pairing_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/sla"
)

// base is a valid pairing of 22 lines whose stage field maps prospecting, qualification, decision and
// the two closed stages; the SLA sections under test are appended from line 23.
const base = `version: 1
pairing: { id: ab, name: A × B }
partners:
  a: { name: A, crm: salesforce, connection: a-sf }
  b: { name: B, crm: hubspot, connection: b-hs }
fields:
  - name: stage
    type: picklist
    a: StageName
    b: dealstage
    values:
      - { canonical: prospecting, a: Prospecting, b: appointmentscheduled }
      - { canonical: qualification, a: Qualification, b: qualifiedtobuy }
      - { canonical: decision, a: Id. Decision Makers, b: decisionmakerboughtin }
      - { canonical: needs_analysis, a: Needs Analysis, b: needsanalysis }
      - { canonical: closed_won, a: Closed Won, b: closedwon }
      - { canonical: closed_lost, a: Closed Lost, b: closedlost }
owners:
  fallback: { a: ops@a.example, b: ops@b.example }
notes:
  share: tagged
  tag: "#partner"
`

const baseLines = 22

func parseWith(t *testing.T, sections string) (*pairing.Pairing, error) {
	t.Helper()
	require.Equal(t, baseLines, strings.Count(base, "\n"))
	return pairing.Parse("p.yaml", []byte(base+sections))
}

// noStageBase is a valid pairing of 9 lines with no stage field, for the sections that need one.
const noStageBase = `version: 1
pairing: { id: ab, name: A × B }
partners:
  a: { name: A, crm: salesforce, connection: a-sf }
  b: { name: B, crm: hubspot, connection: b-hs }
fields:
  - { name: name, a: Name, b: dealname }
owners:
  fallback: { a: ops@a.example, b: ops@b.example }
`

// problemCase is a snippet appended to base that must give exactly one problem.
type problemCase struct {
	name, yaml string
	line       int // in the appended snippet, 1-based
	msg, hint  string
}

// checkProblems parses base with each case's snippet and checks its one problem: its line, and that
// its message and hint say what the case expects.
func checkProblems(t *testing.T, cases []problemCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseWith(t, c.yaml)
			require.Error(t, err)
			var ps *pairing.Problems
			require.True(t, errors.As(err, &ps), err.Error())
			require.Len(t, ps.List, 1, err.Error())
			got := ps.List[0]
			assert.Equal(t, baseLines+c.line, got.Line, got.String())
			assert.Contains(t, got.Message, c.msg)
			assert.Contains(t, got.Hint, c.hint)
		})
	}
}

func TestSLASectionsAbsentGiveDefaults(t *testing.T) {
	p, err := parseWith(t, "")
	require.NoError(t, err)
	assert.Equal(t, sla.Policy{}.WithDefaults(), p.SLA)
	assert.Equal(t, pairing.Notifications{SlackWebhookURLEnv: "", CRMTasks: true}, p.Notifications)

	assert.False(t, p.SLA.Calendar.Business)
	assert.Equal(t, 24*time.Hour, p.SLA.RequestResponse)
	assert.Len(t, p.SLA.Ladder, 4)
	b, ok := p.SLA.StageBudget("qualification")
	assert.True(t, ok)
	assert.Equal(t, 14*sla.Day, b, "the playbook's stage budget")
	_, ok = p.SLA.StageBudget("needs_analysis")
	assert.False(t, ok, "a stage the playbook does not know has none")
}

func TestSLASectionParses(t *testing.T) {
	p, err := parseWith(t, `sla:
  calendar: business
  timezone: America/New_York
  business_hours: "08:30 - 18:00"
  business_days: [Monday, tue, wed, thu]
  holidays: [2026-12-25, 2027-01-01, 2026-12-25]
  warn_at: 0.75
  registration_acceptance: 1d12h
  request_response: 90m
  request_tag: "[ask]"
  stages:
    prospecting: 1w
    needs_analysis: 10d
    decision: none
`)
	require.NoError(t, err)
	assert.Equal(t, sla.Policy{
		Calendar: sla.Calendar{Business: true, Timezone: "America/New_York", DayStart: "08:30", DayEnd: "18:00",
			Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday},
			Holidays: []string{"2026-12-25", "2027-01-01"}},
		WarnAt:                 0.75,
		RegistrationAcceptance: 36 * time.Hour,
		RequestResponse:        90 * time.Minute,
		RequestTag:             "[ask]",
		Stages:                 map[string]time.Duration{"prospecting": 7 * sla.Day, "needs_analysis": 10 * sla.Day, "decision": 0},
		Ladder:                 sla.DefaultLadder(),
	}, p.SLA)
	require.NoError(t, p.SLA.Calendar.Validate())
	_, ok := p.SLA.StageBudget("decision")
	assert.False(t, ok, "none switches the playbook's 25d off")
	b, _ := p.SLA.StageBudget("qualification")
	assert.Equal(t, 14*sla.Day, b, "an unlisted stage keeps the playbook's budget")

	p, err = parseWith(t, "sla:\n  warn_at: 90%\n  business_days: [sat, sun]\n")
	require.NoError(t, err)
	assert.InDelta(t, 0.9, p.SLA.WarnAt, 1e-12)
	assert.Equal(t, []time.Weekday{time.Sunday, time.Saturday}, p.SLA.Calendar.Weekdays)
	assert.False(t, p.SLA.Calendar.Business, "calendar time unless calendar: business")
}

func TestEscalationParses(t *testing.T) {
	p, err := parseWith(t, `escalation:
  - level: 1
    after: 0h
  - level: 2
    after: 1d
    a: [maria.manager@acme.example]
    b: [kim.manager@globex.example, kim.deputy@globex.example]
  - level: 3
    name: the VPs
  - level: 4
    after: 2w
    a: [dealdesk@acme.example, legal@acme.example]
`)
	require.NoError(t, err)
	assert.Equal(t, []sla.Level{
		{Level: 1, Name: "reps", After: 0},
		{Level: 2, Name: "partner managers", After: 24 * time.Hour, A: []string{"maria.manager@acme.example"},
			B: []string{"kim.manager@globex.example", "kim.deputy@globex.example"}},
		{Level: 3, Name: "the VPs", After: 48 * time.Hour}, // after defaults to the level's default
		{Level: 4, Name: "deal desk and legal", After: 14 * sla.Day, A: []string{"dealdesk@acme.example", "legal@acme.example"}},
	}, p.SLA.Ladder)
	assert.Equal(t, 0.8, p.SLA.WarnAt, "the sla defaults are kept")

	p, err = parseWith(t, "escalation:\n  - { level: 2, after: 4h }\n  - { level: 4, after: 4h }\n")
	require.NoError(t, err)
	assert.Equal(t, []sla.Level{{Level: 2, Name: "partner managers", After: 4 * time.Hour}, {Level: 4, Name: "deal desk and legal", After: 4 * time.Hour}},
		p.SLA.Ladder, "levels may be skipped, and may fire together")
}

func TestNotificationsParse(t *testing.T) {
	p, err := parseWith(t, "notifications:\n  slack:\n    webhook_url_env: COSELL_SLACK_WEBHOOK_URL\n  crm_tasks: false\n")
	require.NoError(t, err)
	assert.Equal(t, pairing.Notifications{SlackWebhookURLEnv: "COSELL_SLACK_WEBHOOK_URL", CRMTasks: false}, p.Notifications)

	p, err = parseWith(t, "notifications:\n  slack: { webhook_url_env: _HOOK_2 }\n")
	require.NoError(t, err)
	assert.Equal(t, pairing.Notifications{SlackWebhookURLEnv: "_HOOK_2", CRMTasks: true}, p.Notifications)
}

// Problems beyond the one-per-file broken set: each snippet appended to base gives exactly one problem.
func TestSLAProblems(t *testing.T) {
	cases := []problemCase{
		{"business hours without a dash", "sla:\n  business_hours: \"9 to 5\"\n", 2, `invalid business_hours "9 to 5" in sla: want opening-closing`, `"09:00-17:00"`},
		{"business hours not a time", "sla:\n  business_hours: \"9am-5pm\"\n", 2, `business hours start: "9am" is not a time written HH:MM`, ""},
		{"warn_at zero", "sla:\n  warn_at: 0\n", 2, `invalid warn_at "0"`, "between 0 and 1"},
		{"warn_at one", "sla:\n  warn_at: 1\n", 2, `invalid warn_at "1"`, ""},
		{"warn_at a percent without %", "sla:\n  warn_at: 80\n", 2, `invalid warn_at "80"`, "80% or 0.8"},
		{"warn_at not a number", "sla:\n  warn_at: soon\n", 2, `invalid warn_at "soon"`, ""},
		{"business_days empty", "sla:\n  business_days: []\n", 2, "sla › business_days is empty", "[mon, tue, wed, thu, fri]"},
		{"business_days twice", "sla:\n  business_days: [mon, tue, Mon]\n", 2, "Mon appears twice in sla › business_days", ""},
		{"business_days not a list", "sla:\n  business_days: weekdays\n", 2, "sla › business_days must be a list", ""},
		{"host zone", "sla:\n  timezone: Local\n", 2, `unknown time zone "Local" in sla`, ""},
		{"holiday a date-time", "sla:\n  holidays:\n    - 2026-12-25T00:00:00Z\n", 3, `invalid holiday "2026-12-25T00:00:00Z"`, ""},
		{"zero registration budget", "sla:\n  registration_acceptance: 0h\n", 2, "sla › registration_acceptance must be longer than zero", ""},
		{"empty request budget", "sla:\n  request_response:\n", 2, "sla › request_response is empty", "default 24h"},
		{"empty request tag", "sla:\n  request_tag: #request\n", 2, "sla › request_tag is empty", "quoted"},
		{"stage did you mean", "sla:\n  stages:\n    qualificaton: 10d\n", 3, "unknown stage qualificaton", "did you mean qualification? the stages you can budget are prospecting, qualification, decision or needs_analysis"},
		{"stage budget not a duration", "sla:\n  stages:\n    prospecting: a week\n", 3, `invalid duration "a week" for stage prospecting`, `"7d", "24h"`},
		{"stage twice", "sla:\n  stages:\n    prospecting: 7d\n    prospecting: 8d\n", 4, "sla › stages has prospecting twice (first on line 25)", ""},
		{"stages as a list", "sla:\n  stages:\n    - prospecting: 7d\n", 3, "sla › stages must be a map, not a list", "remove the leading `- `"},
		{"unknown sla key", "sla:\n  warnat: 80%\n", 2, "unknown key warnat in sla", "did you mean warn_at?"},
		{"escalation empty", "escalation: []\n", 1, "escalation is empty", "remove escalation for the default ladder"},
		{"escalation a map", "escalation:\n  level: 1\n", 2, "escalation must be a list, not a map", ""},
		{"level not a number", "escalation:\n  - level: two\n", 2, `unknown escalation level "two"`, ""},
		{"level missing", "escalation:\n  - after: 0h\n", 2, "escalation › entry 1 › level is missing", ""},
		{"after negative", "escalation:\n  - level: 1\n    after: -1h\n", 3, "escalation › level 1 › after is negative", "0h"},
		{"default after decreasing", "escalation:\n  - level: 2\n    after: 50h\n  - level: 3\n", 4, "escalation level 3 fires 2d (the default) after the breach, before level 2 (50h)", ""},
		{"e-mail twice", "escalation:\n  - level: 2\n    a: [m@acme.example, M@acme.example]\n", 3, "M@acme.example appears twice in escalation › level 2 › a", ""},
		{"e-mail with a name", "escalation:\n  - level: 2\n    b:\n      - Kim <kim@globex.example>\n", 4, `invalid e-mail "Kim <kim@globex.example>"`, "no name or angle brackets"},
		{"unknown level key", "escalation:\n  - level: 2\n    people: [m@acme.example]\n", 3, "unknown key people in escalation › level 2", ""},
		{"slack is a URL", "notifications:\n  slack: https://hooks.slack.com/services/T0/B0/SECRET\n", 2, "notifications › slack holds a webhook URL", "environment variable"},
		{"url key", "notifications:\n  slack:\n    url: https://hooks.slack.com/services/T0/B0/SECRET\n", 3, "notifications › slack › url: the pairing file names the environment variable", ""},
		{"env name starting with a digit", "notifications:\n  slack:\n    webhook_url_env: 1HOOK\n", 3, `invalid environment variable name "1HOOK"`, "upper-case letters, digits and _"},
		{"slack with an unknown key", "notifications:\n  slack:\n    webhook_url_env: HOOK\n    channel: '#deals'\n", 4, "unknown key channel in notifications › slack", "webhook_url_env"},
		{"slack without a variable", "notifications:\n  slack:\n", 2, "notifications › slack › webhook_url_env is missing", "COSELL_SLACK_WEBHOOK_URL"},
		{"unknown notifications key", "notifications:\n  email: true\n", 2, "unknown key email in notifications", ""},
	}
	checkProblems(t, cases)
}

func TestStagesNeedAStagePicklist(t *testing.T) {
	_, err := pairing.Parse("p.yaml", []byte(noStageBase+`sla:
  stages:
    prospecting: 7d
`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yaml:11:3: sla › stages needs a picklist field named stage")
}

// A webhook URL is a secret: a problem about one says where it is, never what it is, because problem
// lists end up in CI logs.
func TestWebhookURLIsNeverEchoed(t *testing.T) {
	for _, f := range []string{"testdata/broken/slack-literal-url.yaml", "testdata/broken/slack-webhook-url-key.yaml"} {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Contains(t, string(data), "hooks.slack.com/services/T0000", "the file does hold the URL")
		ps := problems(t, f)
		text := (&pairing.Problems{List: ps}).Error()
		assert.NotContains(t, text, "hooks.slack.com", f)
		assert.NotContains(t, text, "XXXXXXXX", f)
	}
}

func TestExampleSLAs(t *testing.T) {
	demo, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	assert.Equal(t, sla.Policy{}.WithDefaults().Calendar, demo.SLA.Calendar, "the demo counts calendar time")
	assert.Equal(t, 0.8, demo.SLA.WarnAt)
	assert.Equal(t, "#request", demo.SLA.RequestTag)
	for _, stage := range []string{"prospecting", "qualification", "presentation", "decision", "proposal"} {
		def, ok := sla.DefaultStageBudget(stage)
		require.True(t, ok, stage)
		got, _ := demo.SLA.StageBudget(stage)
		assert.Equal(t, def, got, "the demo spells out the playbook's %s budget", stage)
	}
	require.Len(t, demo.SLA.Ladder, 4)
	assert.Equal(t, sla.Level{Level: 4, Name: "deal desk and legal", After: 72 * time.Hour,
		A: []string{"dealdesk@acme.example", "legal@acme.example"}, B: []string{"dealdesk@globex.example"}}, demo.SLA.Ladder[3])
	for _, l := range demo.SLA.Ladder[1:] {
		assert.NotEmpty(t, l.A, "level %d names Acme's people", l.Level)
		assert.NotEmpty(t, l.B, "level %d names Globex's people", l.Level)
		for _, e := range append(append([]string{}, l.A...), l.B...) {
			assert.True(t, strings.HasSuffix(e, "@acme.example") || strings.HasSuffix(e, "@globex.example"), e)
		}
	}
	assert.Equal(t, pairing.Notifications{SlackWebhookURLEnv: "COSELL_SLACK_WEBHOOK_URL", CRMTasks: true}, demo.Notifications)

	hs, err := pairing.Load("../examples/hubspot-salesforce/pairing.yaml")
	require.NoError(t, err)
	cal := hs.SLA.Calendar
	assert.True(t, cal.Business)
	assert.Equal(t, "America/Los_Angeles", cal.Timezone)
	assert.Equal(t, "08:00", cal.DayStart)
	assert.Equal(t, "17:00", cal.DayEnd)
	assert.Contains(t, cal.Holidays, "2026-12-25")
	require.NoError(t, cal.Validate())
	_, ok := hs.SLA.StageBudget("negotiation")
	assert.False(t, ok, "switched off")
	b, _ := hs.SLA.StageBudget("discovery")
	assert.Equal(t, 90*time.Hour, b)
	assert.Equal(t, []int{1, 2, 4}, []int{hs.SLA.Ladder[0].Level, hs.SLA.Ladder[1].Level, hs.SLA.Ladder[2].Level})
	assert.Equal(t, "alliance managers", hs.SLA.Ladder[1].Name)
	assert.Equal(t, pairing.Notifications{CRMTasks: true}, hs.Notifications)

	// Its registration budget is one working day: Friday 16:00 in Los Angeles is due Monday 16:00.
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	c := hs.SLA.Start(sla.Registration, "registration", "b", time.Date(2026, 11, 20, 16, 0, 0, 0, la), hs.SLA.RegistrationAcceptance)
	assert.True(t, time.Date(2026, 11, 23, 16, 0, 0, 0, la).Equal(c.Deadline), "%s", c.Deadline)
	// And a request made the day before Thanksgiving waits out the holiday and the weekend.
	c = hs.SLA.Start(sla.Request, "n1", "b", time.Date(2026, 11, 25, 12, 0, 0, 0, la), hs.SLA.RequestResponse)
	assert.True(t, time.Date(2026, 11, 30, 16, 30, 0, 0, la).Equal(c.Deadline), "%s", c.Deadline)
}
