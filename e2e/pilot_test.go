//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
)

// pilotDays runs the pilots at one second a day, with a one-day decision timeout.
func pilotDays(p string) string {
	return strings.Replace(p, "decision_timeout: 14", "decision_timeout: 1", 1)
}

func (s *stack) pilot() (api.PilotView, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := s.temporal.QueryWorkflow(ctx, api.PilotWorkflowID(s.pairingID), "", api.PilotQuery)
	if err != nil {
		return api.PilotView{}, err
	}
	var v api.PilotView
	return v, res.Get(&v)
}

// TestPilotWithOneSecondDays runs two 90-day pilots at a second a day, side by side: one pairing whose
// reps register, move and close deals through both fake CRMs, and one that produces nothing, which is
// killed and then refuses a new registration.
func TestPilotWithOneSecondDays(t *testing.T) {
	active := newStack(t, stackOptions{pairingMod: pilotDays})
	// The empty pairing's approvers get 60 pilot days to answer, and answer through the CLI.
	empty := newStack(t, stackOptions{pairingMod: func(p string) string { return strings.Replace(p, "decision_timeout: 14", "decision_timeout: 60", 1) }})
	for _, s := range []*stack{active, empty} {
		s.env["COSELL_PILOT_DAY"] = "1s"
		s.startWorker()
	}

	// The active pairing: three deals registered from Acme, one from Globex; one won, one lost.
	var opps []string
	for _, name := range []string{"Umbrella", "Initech", "Stark"} {
		opps = append(opps, active.flagOpportunity(name))
	}
	hsDeal := active.hsUser.createDeal(map[string]any{"dealname": "Hooli", "dealstage": "qualifiedtobuy", "pipeline": "default",
		"amount": "40000", "closedate": "2027-03-01", "hubspot_owner_id": "71001", "cosell_enabled": "true"})
	for _, opp := range opps {
		active.waitMirror(opp, 15*time.Second)
	}
	eventually(t, 15*time.Second, func() bool {
		return len(active.sfUser.query("SELECT Id FROM Opportunity WHERE Name = 'Hooli'")) == 1
	}, "Globex's registration mirrored")
	initechCS, initechHS := active.waitMirror(opps[1], 5*time.Second)
	// Globex ran the technical validation, so the evidence credits both partners and the win is the
	// partnership's (attribution.Figures.AttributableMinor): a deal credited to one partner alone would
	// count as won but not as attributable revenue.
	cosell(t, active, "deal", "touchpoint", initechCS, "--side", "b", "--person", "kim@globex.example", "--kind", "technical_validation")
	active.hsUser.updateDeal(initechHS, map[string]any{"dealstage": "closedwon", "amount": "150000"})
	active.sfUser.update("Opportunity", opps[2], map[string]any{"StageName": "Closed Lost"})
	eventually(t, 15*time.Second, func() bool {
		return active.sfUser.get("Opportunity", opps[1])["StageName"] == "Closed Won" &&
			active.hsDealNow(hsDeal)["dealstage"] == "qualifiedtobuy"
	}, "the win reaches Salesforce")

	// Both pilots publish their three scorecards (days 30, 60, 90) and decide.
	var wg sync.WaitGroup
	views := map[*stack]api.PilotView{}
	var mu sync.Mutex
	ready := map[*stack]func(api.PilotView) bool{
		active: func(v api.PilotView) bool { return len(v.State.Decisions) > 0 },                  // decided by timeout
		empty:  func(v api.PilotView) bool { return v.State.Status == api.PilotAwaitingDecision }, // waits for a person
	}
	for _, s := range []*stack{active, empty} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(150 * time.Second)
			for time.Now().Before(deadline) {
				v, err := s.pilot()
				if err == nil && ready[s](v) {
					mu.Lock()
					views[s] = v
					mu.Unlock()
					return
				}
				time.Sleep(500 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	require.Contains(t, views, active, "the active pilot decided")
	require.Contains(t, views, empty, "the empty pilot proposed")

	// An approver reads the empty pilot's report and confirms its proposal from the command line.
	status := cosell(t, empty, "pilot", "status", empty.pairingID)
	assert.Contains(t, status, "AWAITING_DECISION")
	assert.Contains(t, status, "PROPOSED: kill")
	html := filepath.Join(t.TempDir(), "scorecard.html")
	report := cosell(t, empty, "pilot", "report", empty.pairingID, "--html", html)
	assert.Contains(t, report, "no data")
	page, err := os.ReadFile(html)
	require.NoError(t, err)
	assert.Contains(t, string(page), "<svg")
	var rec api.DecisionRecord
	out := cosell(t, empty, "pilot", "decide", empty.pairingID, "--by", "kim.manager@globex.example", "--decision", "kill",
		"--why", "nothing registered in 90 days", "--output", "json")
	require.NoError(t, json.Unmarshal([]byte(out), &rec), out)
	assert.Equal(t, "kill", string(rec.Decision))
	assert.False(t, rec.TimedOut)
	_, stderr, err := cosellErr(empty, "pilot", "decide", empty.pairingID, "--by", "kim.manager@globex.example", "--decision", "scale", "--why", "again")
	assert.Error(t, err, "a second decision is refused")
	assert.Contains(t, stderr, "no decision is pending")

	// The fixture: 4 registrations, 1 won at 150,000, 1 lost, 2 open (125,000 and 40,000).
	decision := views[active].State.Decisions[0]
	cards := decision.Evidence
	require.Equal(t, 90, cards.Day)
	m := cards.Metrics
	assert.Equal(t, 4, m.JointOpportunities)
	assert.Equal(t, 1, m.JointWon)
	assert.Equal(t, 2, m.OpenDeals)
	assert.Equal(t, 150000.0, m.ClosedRevenue)
	assert.Equal(t, 150000.0, m.AttributableRevenue)
	assert.Equal(t, 165000.0, m.PipelineValue)
	assert.InDelta(t, 0.5, m.JointWinRate.Value, 1e-9)
	assert.True(t, m.JointWinRate.Valid)
	assert.Equal(t, "restructure", string(decision.Proposed.Decision), "pipeline and revenue, but 4 registrations against 5")
	assert.True(t, decision.TimedOut)
	// Every checkpoint of the window saw the same deals (all registered and closed before day 30).
	for _, c := range views[active].State.Scorecards {
		assert.Equal(t, 4, c.Metrics.JointOpportunities, "day %d", c.Day)
		assert.Equal(t, 150000.0, c.Metrics.ClosedRevenue, "day %d", c.Day)
	}

	// The empty pairing is killed, and refuses the next registration.
	eventually(t, 10*time.Second, func() bool {
		v, err := empty.pilot()
		return err == nil && v.State.Status == api.PilotKilled
	}, "the empty pilot is killed")
	opp := empty.flagOpportunity("Late idea")
	coSellID := api.NewCoSellID(empty.pairingID, "a", opp)
	eventually(t, 15*time.Second, func() bool {
		v, err := empty.deal(coSellID)
		return err == nil && hasIssue(v, "", "", "registration refused")
	}, "the new registration is refused")
	time.Sleep(2 * time.Second)
	assert.Empty(t, empty.hsDealsByCoSellID(coSellID), "no mirror in HubSpot")
	assert.Nil(t, empty.sfUser.get("Opportunity", opp)["CoSell_Id__c"], "not stamped as co-sell")

	empty.recordHistory(api.DealWorkflowID(coSellID), "deal-refused")
	empty.recordHistory(api.PilotWorkflowID(empty.pairingID), "pilot-killed")
	active.recordHistory(api.PilotWorkflowID(active.pairingID), "pilot-restructured")
}

// cosell runs the cosell binary against the stack's Temporal and returns its standard output.
func cosell(t *testing.T, s *stack, args ...string) string {
	t.Helper()
	out, stderr, err := cosellErr(s, args...)
	require.NoError(t, err, "cosell %v: %s", args, stderr)
	return out
}

func cosellErr(s *stack, args ...string) (string, string, error) {
	return runCosell(append(os.Environ(), "TEMPORAL_ADDRESS="+temporalAddr, "COSELL_TASK_QUEUE="+s.env["COSELL_TASK_QUEUE"]), args...)
}

// runCosell runs the cosell binary with env and returns its standard output and error.
func runCosell(env []string, args ...string) (string, string, error) {
	cmd := exec.Command(cosellBin, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}
