package pairing_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pairing"
)

// problems loads a file that must be rejected and returns its problems.
func problems(t *testing.T, path string) []pairing.Problem {
	t.Helper()
	p, err := pairing.Load(path)
	require.Error(t, err, "%s must be rejected", path)
	require.Nil(t, p)
	var ps *pairing.Problems
	require.True(t, errors.As(err, &ps), "want *pairing.Problems, got %T: %v", err, err)
	require.NotEmpty(t, ps.List)
	return ps.List
}

func TestBrokenFilesAreRejectedAtTheirLine(t *testing.T) {
	cases := []struct {
		file string
		line int
		msg  string
		hint string // a substring of the hint, when the hint is the point
	}{
		{"syntax-error.yaml", 19, "YAML syntax: mapping values are not allowed", "quote values"},
		{"empty.yaml", 0, "the file is empty", ""},
		{"version-missing.yaml", 2, "version is missing", "version: 1"},
		{"version-unsupported.yaml", 2, "unsupported version 2", ""},
		{"unknown-key-typo.yaml", 27, "unknown key direciton in fields › amount", "did you mean direction?"},
		{"unknown-key-partner.yaml", 11, "unknown key timezon in partners › a", "did you mean timezone?"},
		{"duplicate-key.yaml", 9, "partners › a has name twice (first on line 8)", ""},
		{"pairing-is-list.yaml", 4, "pairing must be a map, not a list", "remove the leading `- `"},
		{"owner-map-is-map.yaml", 29, "owners › map must be a list, not a map", ""},
		{"pairing-id-missing.yaml", 3, "pairing › id is missing", ""},
		{"pairing-id-invalid.yaml", 4, `invalid pairing id "Acme_Globex"`, "lower-case"},
		{"crm-missing.yaml", 11, "partners › b › crm is missing", "salesforce or hubspot"},
		{"crm-unknown.yaml", 9, `unknown crm "dynamics"`, "use salesforce or hubspot"},
		{"connection-invalid.yaml", 10, `invalid connection name "Acme SF"`, ""},
		{"connection-shared.yaml", 14, "both partners use connection acme-sf", ""},
		{"timezone-invalid.yaml", 11, `unknown time zone "Eastern"`, "IANA"},
		{"deal-field-reused.yaml", 12, "cosell_id and owner are both CoSell_Id__c", ""},
		{"fields-empty.yaml", 15, "fields is empty", ""},
		{"field-duplicate.yaml", 23, "field stage is defined twice (first on line 16)", ""},
		{"field-name-invalid.yaml", 23, `invalid field name "Deal Amount"`, ""},
		{"type-unknown.yaml", 24, `unknown type "currency" in fields › amount`, "text, number, date or picklist"},
		{"crm-field-twice.yaml", 25, "StageName is mapped twice on side a: by field stage (line 18) and by field amount", ""},
		{"bookkeeping-mapped.yaml", 26, "cosell_id is partner b's bookkeeping field deal › cosell_id", ""},
		{"direction-unknown.yaml", 27, `unknown direction "two_way"`, "both, a_to_b or b_to_a"},
		{"conflict-unknown.yaml", 27, `unknown conflict "newest"`, "last_writer_wins, prefer_a or prefer_b"},
		{"conflict-vs-direction.yaml", 28, "conflict prefer_b cannot apply to field amount: it flows a_to_b", "prefer_a"},
		{"picklist-no-values.yaml", 16, "picklist field stage has no values", ""},
		{"values-on-number.yaml", 27, "values are only for picklist fields", "type: picklist"},
		{"value-canonical-twice.yaml", 22, `canonical value "qualification" appears twice in the stage value map (first on line 21)`, ""},
		{"value-side-twice.yaml", 22, `side b value "qualifiedtobuy" appears twice`, ""},
		{"value-side-missing.yaml", 22, "fields › stage › values › entry 2 › b is missing", ""},
		{"email-invalid.yaml", 29, `invalid e-mail "jane.doe@acme"`, ""},
		{"email-twice.yaml", 30, "Jane.Doe@acme.example is mapped twice on side a (first on line 29)", ""},
		{"fallback-missing.yaml", 30, "owners › fallback › b is missing", ""},
		{"owners-missing.yaml", 2, "owners is missing", "fallback"},
		{"notes-share-invalid.yaml", 34, `unknown share "some" in notes`, "all or tagged"},
		{"notes-tag-empty.yaml", 35, "notes › tag is empty", "quoted"},
		{"sla-duration-invalid.yaml", 37, `invalid duration "24" in sla › request_response`, `"7d", "24h"`},
		{"sla-warn-at-range.yaml", 37, `invalid warn_at "120%" in sla`, "80% or 0.8"},
		{"sla-calendar-unknown.yaml", 37, `unknown calendar "working" in sla`, "use calendar or business"},
		{"sla-timezone-invalid.yaml", 38, `unknown time zone "Eastern" in sla`, "IANA"},
		{"sla-business-hours-invalid.yaml", 38, `invalid business_hours "17:00-09:00" in sla: business hours end 09:00 is not after start 17:00`, `"09:00-17:00"`},
		{"sla-weekday-unknown.yaml", 38, `unknown weekday "thur" in sla › business_days`, "mon, tue, wed, thu, fri, sat or sun"},
		{"sla-holiday-invalid.yaml", 38, `invalid holiday "12/31/2026" in sla › holidays`, "YYYY-MM-DD"},
		{"sla-stage-unknown.yaml", 39, `unknown stage prospecting in sla › stages: the stage field's value map has no canonical value "prospecting"`, "the stages you can budget are qualification"},
		{"sla-stage-closed.yaml", 38, "stage closed_won is closed", "remove the line"},
		{"sla-stage-zero.yaml", 38, "stage qualification has a budget of 0d", "none to switch the stage SLA off"},
		{"escalation-level-invalid.yaml", 39, `unknown escalation level "5"`, "4 (deal desk and legal)"},
		{"escalation-level-twice.yaml", 41, "escalation level 2 appears twice (first on line 39)", ""},
		{"escalation-level-order.yaml", 41, "escalation level 2 comes after level 3", "in order"},
		{"escalation-after-decreasing.yaml", 42, "escalation level 3 fires 24h after the breach, before level 2 (48h)", "at or after the one before it"},
		{"escalation-after-invalid.yaml", 40, `invalid duration "24" in escalation › level 2 › after`, `"7d", "24h"`},
		{"escalation-email-invalid.yaml", 41, `invalid e-mail "maria.manager@acme" in escalation › level 2 › a`, ""},
		{"slack-env-invalid.yaml", 38, `invalid environment variable name "cosell-slack-webhook-url"`, "write it as COSELL_SLACK_WEBHOOK_URL"},
		{"slack-literal-url.yaml", 38, "webhook_url_env holds a URL, not the name of an environment variable", "secret"},
		{"slack-webhook-url-key.yaml", 38, "notifications › slack › webhook_url: the pairing file names the environment variable holding the webhook URL, never the URL", "put the URL in an environment variable"},
		{"notifications-crm-tasks-invalid.yaml", 37, `notifications › crm_tasks must be true or false, not "sometimes"`, ""},
		{"pilot-day-invalid.yaml", 38, `invalid duration "24" in pilot › day`, `"7d", "24h"`},
		{"pilot-checkpoints-not-increasing.yaml", 38, "checkpoint day 60 does not come after day 90: checkpoints must increase", "in order"},
		{"pilot-checkpoints-last.yaml", 39, "the last checkpoint is day 80, not the pilot's last day (90)", "end the list with 90, or set length: 80"},
		{"pilot-target-negative.yaml", 39, "pilot › targets › registrations is negative (-5)", "e.g. 5"},
		{"pilot-uplift-bare-number.yaml", 39, `pilot › targets › win_rate_uplift is "10": a bare number is a share of 1, so this would be 1000.0%`, "write 10% for a percentage"},
		{"pilot-growth-zero.yaml", 38, "pilot › growth must be above 0%, not 0%", "50%"},
		{"pilot-approver-invalid.yaml", 38, `invalid e-mail "maria.manager@acme" in pilot › approvers`, "plain address"},
		{"pilot-won-stage-unknown.yaml", 38, `unknown stage closedwon in pilot › won_stages: the stage field's value map has no canonical value "closedwon"`, "did you mean closed_won?"},
		{"pilot-unknown-key.yaml", 38, "unknown key chekpoints in pilot", "did you mean checkpoints?"},
		{"pilot-rules-all-off.yaml", 38, "every rule in pilot › rules is off, so every pilot would be proposed for scale", "keep at least one rule on"},
		{"pilot-enabled-invalid.yaml", 37, `pilot › enabled must be true or false, not "yes"`, "enabled: true"},
		{"pilot-active-deals-day-beyond.yaml", 39, "pilot › targets › active_deals_by_day is day 120, after the pilot's last day (90)", "from 1 to 90"},
	}
	files, err := filepath.Glob("testdata/broken/*.yaml")
	require.NoError(t, err)
	require.Len(t, files, len(cases), "every broken file needs a case, and every case a file")

	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join("testdata", "broken", c.file)
			ps := problems(t, path)
			require.Len(t, ps, 1, "one problem per broken file, got:\n%s", (&pairing.Problems{List: ps}).Error())
			got := ps[0]
			assert.Equal(t, path, got.File)
			assert.Equal(t, c.line, got.Line)
			assert.Contains(t, got.Message, c.msg)
			assert.Contains(t, got.Hint, c.hint)
			if c.line > 0 {
				assert.True(t, strings.HasPrefix(got.String(), path+":"+strconv.Itoa(c.line)+":"), got.String())
			}
		})
	}
}

func TestEveryProblemIsReportedInFileOrder(t *testing.T) {
	ps := problems(t, "testdata/several-problems.yaml")
	want := []struct {
		line int
		msg  string
	}{
		{4, "invalid pairing id"},
		{9, "unknown crm"},
		{14, "both partners use connection acme-sf"},
		{16, "picklist field stage has no values"},
		{20, "unknown key dirction"},
		{26, "conflict prefer_b cannot apply"},
		{28, "owners › fallback › b is missing"},
		{29, "invalid e-mail"},
		{32, "notes › tag is empty"},
	}
	require.Len(t, ps, len(want), (&pairing.Problems{List: ps}).Error())
	for i, w := range want {
		assert.Equal(t, w.line, ps[i].Line, "problem %d: %s", i, ps[i])
		assert.Contains(t, ps[i].Message, w.msg, "problem %d", i)
	}
}

func TestProblemString(t *testing.T) {
	p := pairing.Problem{File: "p.yaml", Line: 7, Column: 12, Message: "unknown crm \"sf\"", Hint: "use salesforce or hubspot"}
	assert.Equal(t, "p.yaml:7:12: unknown crm \"sf\"\n    hint: use salesforce or hubspot", p.String())
	assert.Equal(t, "p.yaml:7:12: x", pairing.Problem{File: "p.yaml", Line: 7, Column: 12, Message: "x"}.String())
	assert.Equal(t, "p.yaml:3: x", pairing.Problem{File: "p.yaml", Line: 3, Message: "x"}.String(), "syntax errors have no column")

	err := &pairing.Problems{List: []pairing.Problem{p, {File: "p.yaml", Line: 9, Column: 1, Message: "y"}}}
	assert.Equal(t, p.String()+"\np.yaml:9:1: y", err.Error())
}

func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("../examples/*/pairing.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 2)
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			p, err := pairing.Load(f)
			require.NoError(t, err)
			assert.NotEmpty(t, p.ID)
			assert.NotEmpty(t, p.Fields)
		})
	}
}

func TestDemoPairing(t *testing.T) {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	assert.Equal(t, "acme-globex", p.ID)
	assert.Equal(t, "Acme × Globex", p.Name)
	assert.Equal(t, pairing.Partner{Name: "Acme", CRM: pairing.Salesforce, Connection: "acme-sf", Timezone: "UTC",
		Deal: pairing.DefaultDealFields(pairing.Salesforce), At: p.A.At}, p.A)
	assert.Equal(t, pairing.Position{Line: 21, Column: 17}, p.A.At.Connection, "kept for problems found across files")
	assert.Equal(t, p.A.At.Connection, p.A.At.Deal, "no deal: key, so the connection stands for it")
	assert.Equal(t, "globex-hs", p.B.Connection)
	assert.Equal(t, pairing.HubSpot, p.B.CRM)

	var names []string
	for _, f := range p.Fields {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"name", "stage", "amount", "close_date", "next_step", "loss_reason",
		"account_domain", "account_name", "cosell_status", "cosell_decline_reason",
		"cosell_model", "cosell_motion", "cosell_lead", "cosell_attribution"}, names, "the account, the registration's answer and the engine-written fields are mapped too")

	stage, ok := p.Field("stage")
	require.True(t, ok)
	assert.Len(t, stage.Values, 7)
	assert.Contains(t, stage.Values, pairing.ValueMapping{Canonical: "decision", A: "Id. Decision Makers", B: "decisionmakerboughtin"})

	// The unmapped stages are left out on purpose and surface as sync issues.
	_, issues := p.ToCanonical(pairing.A, map[string]any{"StageName": "Negotiation/Review"})
	require.Len(t, issues, 1)
	assert.Equal(t, `StageName "Negotiation/Review" has no entry in the stage value map; add it under fields › stage › values`, issues[0].Message)

	assert.Equal(t, pairing.Owners{
		Map:       []pairing.OwnerPair{{A: "jane.doe@acme.example", B: "jdoe@globex.example"}, {A: "sam.lee@acme.example", B: "slee@globex.example"}},
		FallbackA: "ops@acme.example", FallbackB: "ops@globex.example",
	}, p.Owners)
	assert.Equal(t, pairing.Notes{Share: "tagged", Tag: "#partner"}, p.Notes)
	assert.Equal(t, "../examples/demo/pairing.yaml", p.Path)
}

func TestSecondExample(t *testing.T) {
	p, err := pairing.Load("../examples/hubspot-salesforce/pairing.yaml")
	require.NoError(t, err)
	assert.Equal(t, pairing.HubSpot, p.A.CRM)
	assert.Equal(t, pairing.Salesforce, p.B.CRM)
	assert.Equal(t, "Partner_Deal_Id__c", p.B.Deal.CoSellID)
	assert.Equal(t, "CoSell_Enabled__c", p.B.Deal.Enabled, "a deal field not renamed keeps its default")

	amount, _ := p.Field("amount")
	assert.Equal(t, pairing.AToB, amount.Direction)
	assert.Equal(t, pairing.PreferA, amount.Conflict)
	closeDate, _ := p.Field("close_date")
	assert.Equal(t, pairing.PreferB, closeDate.Conflict)
	stage, _ := p.Field("stage")
	assert.Equal(t, "1029384756", stage.Values[0].A, "numeric stage ids read as text")
}

func TestDefaults(t *testing.T) {
	p, err := pairing.Parse("min.yaml", []byte(`
version: 1
pairing: { id: ab, name: A × B }
partners:
  a: { name: A, crm: salesforce, connection: a-sf }
  b: { name: B, crm: hubspot, connection: b_hs, deal: { owner: deal_owner } }
fields:
  - { name: name, a: Name, b: dealname }
owners:
  fallback: { a: ops@a.example, b: ops@b.example }
`))
	require.NoError(t, err)
	f := p.Fields[0]
	assert.Equal(t, pairing.Text, f.Type)
	assert.Equal(t, pairing.Both, f.Direction)
	assert.Equal(t, pairing.LastWriterWins, f.Conflict)
	assert.Equal(t, "UTC", p.A.Timezone)
	assert.Equal(t, pairing.Notes{Share: "tagged", Tag: "#partner"}, p.Notes)
	assert.Equal(t, "deal_owner", p.B.Deal.Owner)
	assert.Equal(t, "cosell_id", p.B.Deal.CoSellID)
	assert.Empty(t, p.Owners.Map)
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	p, err := pairing.Parse("anchors.yaml", []byte(`
version: 1
pairing: { id: ab, name: A × B }
partners:
  a: &partner { name: A, crm: salesforce, connection: a-sf, timezone: Europe/Paris }
  b:
    <<: *partner
    name: B
    connection: b-sf
fields:
  - { name: name, a: Name, b: Name }
owners:
  fallback: { a: ops@a.example, b: ops@b.example }
`))
	require.NoError(t, err)
	assert.Equal(t, "B", p.B.Name, "a key written out wins over a merged one")
	assert.Equal(t, "Europe/Paris", p.B.Timezone)
	assert.Equal(t, pairing.Salesforce, p.B.CRM)
}

func TestUnknownKeyFarFromAnyKnownListsThem(t *testing.T) {
	_, err := pairing.Parse("x.yaml", []byte("version: 1\nforecast:\n  days: 90\n"))
	var ps *pairing.Problems
	require.True(t, errors.As(err, &ps))
	var found bool
	for _, p := range ps.List {
		if p.Message == "unknown key forecast in the file" {
			found = true
			assert.Equal(t, 2, p.Line)
			assert.Equal(t, 1, p.Column)
			assert.Equal(t, "the keys allowed here are version, pairing, partners, fields, owners, notes, sla, escalation, notifications, pilot, cosell or sync", p.Hint)
		}
	}
	assert.True(t, found, err.Error())
}

func TestWrongValueType(t *testing.T) {
	_, err := pairing.Parse("x.yaml", []byte("version: [1]\npartners: acme\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "x.yaml:1:10: version must be a number, not a list")
	assert.Contains(t, err.Error(), "x.yaml:2:11: partners must be a map, not a single value")
}

func TestSecondDocumentIsRejected(t *testing.T) {
	data, err := os.ReadFile("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	lines := strings.Count(string(data), "\n")
	_, err = pairing.Parse("two.yaml", append(data, []byte("---\nversion: 1\n")...))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "two.yaml:"+strconv.Itoa(lines+1)+":1: a pairing file holds one YAML document", "reported at the --- line")
}

func TestLoadMissingFile(t *testing.T) {
	_, err := pairing.Load("testdata/does-not-exist.yaml")
	require.Error(t, err)
	assert.True(t, errors.Is(err, os.ErrNotExist))
	var ps *pairing.Problems
	assert.False(t, errors.As(err, &ps), "an unreadable file is not a validation problem")
}

// The annotated format in examples/README.md must stay a valid pairing, or admins copy a broken file.
func TestReadmeExampleLoads(t *testing.T) {
	data, err := os.ReadFile("../examples/README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(data), "```yaml\n")
	require.True(t, ok, "README has a yaml block")
	block, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	p, err := pairing.Parse("README.md", []byte(block))
	require.NoError(t, err)
	assert.Equal(t, "America/New_York", p.A.Timezone)
	assert.Equal(t, pairing.DefaultDealFields(pairing.Salesforce), p.A.Deal)
}
