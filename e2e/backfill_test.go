//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/backfill"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// backfillReport is what `cosell backfill --output json` prints.
type backfillReport struct {
	api.BackfillResult
	ReviewFile string `json:"reviewFile"`
}

// cosellOutput runs the CLI against the test's worker environment and returns its stdout and stderr.
func (s *stack) cosellOutput(args ...string) (stdout, stderr string, err error) {
	cmd := s.cosellCmd(args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func (s *stack) cosellCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(cosellBin, args...)
	cmd.Env = os.Environ()
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// TestBackfillLinksPreExistingPairsAcrossAWorkerRestart is issue #11 acceptance d: 500 deal pairs
// entered in both CRMs before the sync (450 clear, 20 accounts with two candidate deals on side b, 20
// with no partner, 10 carrying a co-sell id from an earlier tool: 5 on both records, 5 on side b's
// only). `cosell backfill --detach` starts the backfill, `--attach` follows it; the worker is SIGKILLed
// while a link activity has heartbeated, and a new one finishes it from that heartbeat. The clear pairs
// and the id-carrying ones are linked (one co-sell id on both records, flagged, one deal workflow each,
// which links both records and creates no mirror), the ambiguous ones are in the review file and
// linked nowhere; a second backfill links nothing, and an admin's confirmation links exactly the pair
// confirmed.
func TestBackfillLinksPreExistingPairsAcrossAWorkerRestart(t *testing.T) {
	const clear, ambiguous, solo, legacy = 450, 20, 20, 10
	// The feeds poll seldom: the backfill does not go through them, and HubSpot's budget is for it and
	// the deals it starts (a poll reads the deal stream and four activity streams).
	s := newStack(t, stackOptions{poll: 10 * time.Second})
	// 460 deals start within seconds: their reads and writes go to the CRMs in batch calls, as a
	// deployment backfilling a large portal should run (HubSpot's 100 calls in 10 s, half of them the
	// budget guard's share, would otherwise hold the deals' first rounds up for minutes).
	s.env["COSELL_COALESCE"] = "true"

	var opps []sfmock.Record
	var deals []hsmock.SeedRecord
	// Each CRM's accounts, one per domain: the opportunities' Accounts (Website with the scheme and
	// www. a rep types) and the deals' primary companies.
	var accounts []sfmock.Record
	var companies []hsmock.SeedRecord
	accountOf, companyOf := map[string]string{}, map[string]string{}
	accountID := func(domain string) string {
		if id, ok := accountOf[domain]; ok {
			return id
		}
		id := fmt.Sprintf("001%012dAAA", 1000+len(accounts)) // past the demo's own accounts
		accounts = append(accounts, sfmock.Record{"Id": id, "Name": domain, "Website": "https://www." + domain})
		accountOf[domain] = id
		return id
	}
	companyID := func(domain string) string {
		if id, ok := companyOf[domain]; ok {
			return id
		}
		id := fmt.Sprint(30_000_000_001 + len(companies))
		companies = append(companies, hsmock.SeedRecord{ID: id, Properties: map[string]any{"name": domain, "domain": domain}})
		companyOf[domain] = id
		return id
	}
	opp := func(name, domain, close string, amount float64, coSellID string) {
		r := sfmock.Record{"Name": name, "StageName": "Prospecting", "CloseDate": close, "Amount": amount,
			"OwnerId": "jane.doe@acme.example", "CoSell_Enabled__c": false, "AccountId": accountID(domain),
			// Entered before the sync, in one import: every opportunity shares one whole-second stamp, as
			// Salesforce keeps them, so the scan's keyset paging is tested on a tie of 500.
			"SystemModstamp": "2026-11-20T08:00:00.000+0000"}
		if coSellID != "" {
			r["CoSell_Id__c"] = coSellID
		}
		opps = append(opps, r)
	}
	deal := func(name, domain, close string, amount float64, coSellID string) {
		p := map[string]any{"dealname": name, "dealstage": "appointmentscheduled", "pipeline": "default",
			"amount": fmt.Sprint(amount), "closedate": close, "hubspot_owner_id": "71002"}
		if coSellID != "" {
			p["cosell_id"] = coSellID
		}
		deals = append(deals, hsmock.SeedRecord{Properties: p, Companies: []string{companyID(domain)}})
	}
	day := func(i, plus int) string {
		return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%250+plus).Format(time.DateOnly)
	}
	for i := range clear { // partners round differently and close a couple of days apart
		opp(fmt.Sprintf("Pair %03d", i), fmt.Sprintf("acct%03d.example", i), day(i, 0), float64(10000+100*i), "")
		deal(fmt.Sprintf("Pair %03d", i), fmt.Sprintf("acct%03d.example", i), day(i, 2), float64(10000+100*i)*1.01, "")
	}
	for i := range ambiguous {
		d := fmt.Sprintf("amb%02d.example", i)
		opp(fmt.Sprintf("Amb %02d", i), d, "2026-09-10", 5000, "")
		deal(fmt.Sprintf("Amb %02d x", i), d, "2026-09-11", 5000, "")
		deal(fmt.Sprintf("Amb %02d y", i), d, "2026-09-13", 5050, "")
	}
	for i := range solo {
		opp(fmt.Sprintf("Solo %02d", i), fmt.Sprintf("solo-a-%02d.example", i), "2026-10-01", 700, "")
		deal(fmt.Sprintf("Solo %02d", i), fmt.Sprintf("solo-b-%02d.example", i), "2026-10-01", 700, "")
	}
	for i := range legacy {
		id, idA := fmt.Sprintf("CS-LEGACY-%02d", i), ""
		if i < legacy/2 {
			idA = id // both records carry it: matched by id
		}
		opp(fmt.Sprintf("Legacy %02d", i), fmt.Sprintf("legacy%02d.example", i), "2026-11-20", 900, idA)
		deal(fmt.Sprintf("Legacy %02d", i), fmt.Sprintf("legacy%02d.example", i), "2026-11-20", 900, id)
	}
	require.NoError(t, s.sf.Seed(sfmock.SeedData{Accounts: accounts, Opportunities: opps}))
	require.NoError(t, s.hs.Seed(hsmock.SeedData{Companies: companies, Deals: deals}))
	sfByName, hsByName := map[string]string{}, map[string]string{}
	for _, o := range s.sf.Opportunities() {
		sfByName[o["Name"].(string)] = o["Id"].(string)
	}
	for _, d := range s.hs.Deals() {
		hsByName[d.Properties["dealname"]] = d.ID
	}
	require.Len(t, sfByName, clear+ambiguous+solo+legacy)
	require.Len(t, hsByName, clear+2*ambiguous+solo+legacy)
	started := time.Now()

	worker := s.startWorkerProcess()
	review := filepath.Join(t.TempDir(), "review.yaml")
	out, errOut, err := s.cosellOutput("backfill", s.pairingID, "--since", "2026-01-01", "--detach")
	require.NoError(t, err, "%s%s", out, errOut)
	assert.Contains(t, out, "--attach")

	// Follow it from a second CLI, as an admin re-attaching would.
	attach := s.cosellCmd("backfill", s.pairingID, "--attach", "--review", review, "--output", "json")
	var attachOut, attachErr bytes.Buffer
	attach.Stdout, attach.Stderr = &attachOut, &attachErr
	require.NoError(t, attach.Start())
	attached := make(chan error, 1)
	go func() { attached <- attach.Wait() }()

	// SIGKILL the worker while a link activity is under way and has recorded a heartbeat.
	id := api.BackfillWorkflowID(s.pairingID)
	eventually(t, 90*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d, err := s.temporal.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return false
		}
		if os.Getenv("E2E_DEBUG") != "" {
			st, _, _ := s.cosellOutput("backfill", "status", s.pairingID)
			t.Logf("%s %v %s", d.GetWorkflowExecutionInfo().GetStatus(), d.GetPendingActivities(), st)
		}
		for _, pa := range d.GetPendingActivities() {
			if pa.GetActivityType().GetName() == "BackfillLink" && pa.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED && pa.GetHeartbeatDetails() != nil {
				return true
			}
		}
		return false
	}, "a link activity runs and has heartbeated")
	require.NoError(t, worker.Process.Signal(syscall.SIGKILL))
	_ = worker.Wait()
	t.Logf("worker killed %s after the start", time.Since(started).Round(time.Second))
	s.startWorkerProcess()

	select {
	case err := <-attached:
		require.NoError(t, err, "attach: %s\n%s", attachOut.String(), attachErr.String())
	case <-time.After(3 * time.Minute):
		t.Fatalf("the backfill did not finish: %s", attachErr.String())
	}
	t.Logf("backfill done %s after the start", time.Since(started).Round(time.Second))
	calls := s.hs.Admin().Snapshot()
	for _, n := range calls.SortedNames() {
		t.Logf("  hubspot %s: %d", n, calls.Endpoints[n].Count)
	}
	assert.Contains(t, attachErr.String(), "linking", "the progress bar was shown")
	if bar := attachErr.String(); len(bar) > 400 {
		t.Logf("progress bar, last frames: %q", bar[len(bar)-400:])
	}
	var rep backfillReport
	require.NoError(t, json.Unmarshal(attachOut.Bytes(), &rep), attachOut.String())
	p := rep.Progress
	assert.Equal(t, clear+ambiguous+solo+legacy, p.ScannedA)
	assert.Equal(t, clear+2*ambiguous+solo+legacy, p.ScannedB)
	assert.Equal(t, clear+legacy, p.Linked, "every unambiguous pair is linked, none lost to the restart")
	assert.Equal(t, ambiguous, p.Ambiguous)
	assert.Equal(t, solo, p.UnmatchedA)
	assert.Equal(t, solo, p.UnmatchedB)
	assert.Zero(t, p.Skipped, "%v", rep.Skipped)
	require.Len(t, rep.Linked, clear+legacy)

	// The link activity the worker died in was retried and resumed from its heartbeat.
	retried := false
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := s.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && a.GetAttempt() > 1 {
			retried = true
		}
	}
	assert.True(t, retried, "the activity the worker died in ran again on the new worker")

	// Both records of every linked pair carry its id and the flag.
	byCoSellID := map[string]bool{}
	for _, l := range rep.Linked {
		a, ok := s.sf.Get(l.A)
		require.True(t, ok)
		b, ok := s.hs.Deal(l.B)
		require.True(t, ok)
		assert.Equal(t, l.CoSellID, a["CoSell_Id__c"], "side a %s", l.A)
		assert.Equal(t, l.CoSellID, b.Properties["cosell_id"], "side b %s", l.B)
		assert.Equal(t, true, a["CoSell_Enabled__c"])
		assert.Equal(t, "true", b.Properties["cosell_enabled"])
		assert.False(t, byCoSellID[l.CoSellID], "one pair per co-sell id")
		byCoSellID[l.CoSellID] = true
	}
	for i := range legacy {
		l := rep.Linked[0]
		for _, x := range rep.Linked {
			if x.A == sfByName[fmt.Sprintf("Legacy %02d", i)] {
				l = x
			}
		}
		assert.Equal(t, fmt.Sprintf("CS-LEGACY-%02d", i), l.CoSellID, "the earlier tool's id is kept")
	}

	// The ambiguous ones are in the review file, and linked nowhere.
	b, err := os.ReadFile(review)
	require.NoError(t, err)
	rv, err := backfill.ParseReview(b)
	require.NoError(t, err)
	require.Len(t, rv.Groups, ambiguous)
	for i, g := range rv.Groups {
		require.Len(t, g.Candidates, 2, "group %d", i)
		name := ""
		for n, id := range sfByName {
			if id == g.Candidates[0].A.Record {
				name = n
			}
		}
		assert.Regexp(t, `^Amb \d\d$`, name)
	}
	for n, id := range sfByName {
		if o, _ := s.sf.Get(id); len(n) > 3 && (n[:3] == "Amb" || n[:4] == "Solo") {
			assert.Empty(t, o["CoSell_Id__c"], "%s is not linked", n)
		}
	}

	// One deal workflow per linked pair, each holding both records, and no mirror created on either side.
	eventually(t, 90*time.Second, func() bool {
		for _, l := range rep.Linked {
			v, err := s.deal(l.CoSellID)
			if err != nil || v.Sides["a"].RecordID != l.A || v.Sides["b"].RecordID != l.B || !v.Registered {
				return false
			}
		}
		return true
	}, "every linked deal holds both of its records")
	assert.Equal(t, clear+legacy, s.dealWorkflows(), "one deal workflow per pair")
	assert.Len(t, s.sf.Opportunities(), clear+ambiguous+solo+legacy, "no mirror created in Salesforce")
	assert.Len(t, s.hs.Deals(), clear+2*ambiguous+solo+legacy, "no mirror created in HubSpot")
	t.Logf("deals settled %s after the start", time.Since(started).Round(time.Second))

	// A second backfill links nothing twice.
	out, errOut, err = s.cosellOutput("backfill", s.pairingID, "--since", "2026-01-01", "--review", review, "--output", "json")
	require.NoError(t, err, errOut)
	var again backfillReport
	require.NoError(t, json.Unmarshal([]byte(out), &again), out)
	assert.Zero(t, again.Progress.ToLink)
	assert.Empty(t, again.Linked)
	assert.Equal(t, clear+legacy, again.Progress.AlreadyLinked)
	assert.Equal(t, ambiguous, again.Progress.Ambiguous, "the ambiguous ones wait for the admin")

	// The admin confirms the first group's first candidate: exactly that pair is linked.
	rv.Groups[0].Candidates[0].Confirm = true
	b, err = rv.Marshal()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(review, b, 0o644))
	out, errOut, err = s.cosellOutput("backfill", s.pairingID, "--confirm", review)
	require.NoError(t, err, "%s%s", out, errOut)
	assert.Contains(t, out, "linked          1")
	t.Logf("confirm report:\n%s", out)
	c := rv.Groups[0].Candidates[0]
	a, _ := s.sf.Get(c.A.Record)
	bd, _ := s.hs.Deal(c.B.Record)
	require.NotNil(t, a["CoSell_Id__c"])
	assert.Equal(t, a["CoSell_Id__c"], bd.Properties["cosell_id"])
	other, _ := s.hs.Deal(rv.Groups[0].Candidates[1].B.Record)
	assert.Empty(t, other.Properties["cosell_id"], "the candidate not confirmed is left alone")

	status, _, err := s.cosellOutput("backfill", "status", s.pairingID)
	require.NoError(t, err)
	assert.Contains(t, status, "completed")
	t.Logf("test done %s after the start", time.Since(started).Round(time.Second))
}
