//go:build e2e

package e2e

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
	slackmock "github.com/cosellsync/cosell/mocks/slack"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// TestTinyDailyBudgetPausesAlertsOnceAndResumes is issue #8's acceptance (c). Acme's fake Salesforce has
// a daily budget of 100 calls and the product a 50 % share of it: the guard lets the org's count reach
// 50 at most, pausing ordinary work at 47. Twenty flagged opportunities need more than that, so work
// pauses, both partners hear of it once, `cosell status` shows the connection paused and the deals
// waiting; then the org's window empties (the fake's knob, as a day passing would, again whenever work
// stops at the line) and work resumes by itself until every deal has converged. The fake's own counter shows the count never passed 50.
func TestTinyDailyBudgetPausesAlertsOnceAndResumes(t *testing.T) {
	const limit, line = 100, 50
	s := newStack(t, stackOptions{sf: sfmock.Options{DailyLimit: limit}, poll: 2 * time.Second})
	sl := slackmock.New(slackmock.Options{})
	slackTS := httptest.NewServer(sl)
	t.Cleanup(slackTS.Close)
	s.env["COSELL_SLACK_WEBHOOK_URL"] = slackTS.URL + slackmock.DefaultWebhookPath
	sfp := config.ConnectionPrefix(demo.SalesforceConnection)
	s.env[sfp+"BUDGET_DAILY_SHARE"] = "50%"
	s.env[sfp+"BUDGET_PROBE_INTERVAL"] = "4s"
	// One call per read and per write: coalesced, twenty deals cost fewer calls than the share allows
	// and the budget would not run out mid-work, which is what this test is about.
	s.env["COSELL_COALESCE"] = "false"

	// The opportunities are seeded in-process, so only the product's calls count against the budget.
	const n = 20
	var opps []sfmock.Record
	for i := 0; i < n; i++ {
		opps = append(opps, sfmock.Record{"Name": fmt.Sprintf("Budget %02d", i), "StageName": "Qualification",
			"CloseDate": "2027-03-31", "Amount": 1000 * (i + 1), "OwnerId": "jane.doe@acme.example", "CoSell_Enabled__c": true})
	}
	require.NoError(t, s.sf.Seed(sfmock.SeedData{Opportunities: opps}))
	s.startWorker()

	// Work pauses: the guard refuses a deal's call, the deal waits on a timer, and both partners hear.
	alertKey := "budget/" + s.pairingID + "/a/"
	alerts := func() []slackmock.Message {
		var out []slackmock.Message
		for _, m := range sl.Messages() {
			if strings.Contains(string(m.Blocks), alertKey) {
				out = append(out, m)
			}
		}
		return out
	}
	eventually(t, 60*time.Second, func() bool { return len(alerts()) > 0 }, "the budget pause is told (org at %+v)",
		func() any { return s.sf.APIBudget() })
	paused := s.sf.APIBudget()
	t.Logf("paused with the org at %d/%d, %d of %d deals mirrored", paused.Used, paused.Max, s.countMirrors(), n)
	require.False(t, s.converged(n), "the budget must run out mid-work for the test to mean anything")
	alert := string(alerts()[0].Blocks)
	assert.Contains(t, alert, "maria.manager@acme.example", "Acme's partner manager is told")
	assert.Contains(t, alert, "kim.manager@globex.example", "Globex's partner manager is told")
	assert.Contains(t, alert, "50% share of the daily API budget")

	// The change feed waits too, and cosell status shows the pause and who waits.
	eventually(t, 20*time.Second, func() bool {
		v, _ := s.feedView(pairing.A)
		return strings.Contains(v.State.LastError, budget.Marker)
	}, "the Salesforce feed waits on the budget")
	status := exec.Command(cosellBin, "status")
	status.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+temporalAddr, "COSELL_PAIRING_FILE="+s.env["COSELL_PAIRING_FILE"],
		"COSELL_TASK_QUEUE="+s.env["COSELL_TASK_QUEUE"])
	out, err := status.CombinedOutput()
	require.NoError(t, err, string(out))
	t.Logf("cosell status while paused:\n%s", out)
	assert.Contains(t, string(out), "acme-sf (Acme in "+s.pairingID+")")
	assert.Contains(t, string(out), "PAUSED on the daily budget")
	assert.Regexp(t, `\d+/100 used, 50% share: line 50 \(work pauses at 47\)`, string(out))
	assert.Regexp(t, `Waiting on an API budget: [1-9]\d* deals`, string(out))

	// The org's window empties; a probe sees it and everything resumes by itself. The feed keeps polling
	// meanwhile, so the day may run out again before every deal is done: each time work stops at the
	// stop, another day passes.
	s.sf.SetAPIUsage(0, 0)
	days := 1
	eventually(t, 120*time.Second, func() bool {
		if s.converged(n) {
			return true
		}
		if s.sf.APIBudget().Used >= line-3 {
			s.sf.SetAPIUsage(0, 0)
			days++
		}
		return false
	}, "every deal converges after the budget resets (%d of %d mirrored, org at %+v)",
		func() any { return s.countMirrors() }, n, func() any { return s.sf.APIBudget() })
	t.Logf("converged after %d resets of the org's window", days)

	// Told once (a pause a day, and the resets all fall on one UTC day), however many deals waited; the
	// share was never passed; Salesforce never had to refuse.
	assert.Len(t, alerts(), 1, "both partners are told once")
	b := s.sf.APIBudget()
	t.Logf("Salesforce budget counters: %+v; HubSpot: %+v", b, s.hs.Limits())
	assert.LessOrEqual(t, b.Peak, line, "the org's count never passed the product's share")
	assert.GreaterOrEqual(t, b.Peak, line-3, "the guard let work run up to its stop")
	assert.Zero(t, b.Refused, "Salesforce never answered REQUEST_LIMIT_EXCEEDED")
	assert.LessOrEqual(t, s.hs.Limits().WindowPeak, 50, "nor did HubSpot's rolling window pass its share")
}

// converged reports whether all n flagged opportunities have exactly one mirror carrying their name and
// amount, their co-sell id and Globex's owner written back, and a deal with no open sync issue.
func (s *stack) converged(n int) bool {
	opps := s.sf.Opportunities()
	if len(opps) != n {
		return false
	}
	for _, o := range opps {
		id, _ := o["CoSell_Id__c"].(string)
		if id == "" || o["CoSell_Partner_Owner_Email__c"] != "jdoe@globex.example" {
			return false
		}
		m := s.hsDealsByCoSellID(id)
		if len(m) != 1 || m[0].Properties["dealname"] != o["Name"] || m[0].Properties["amount"] != fmt.Sprint(o["Amount"]) {
			return false
		}
		v, err := s.deal(id)
		if err != nil || hasIssueKind(v.Issues, vocab.IssueBudget) || hasIssueKind(v.Issues, vocab.IssueUnavailable) {
			return false
		}
	}
	return true
}
