//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/workflows"
)

// changeQueries counts the fake Salesforce's change-feed queries: the keyset SOQL over opportunities
// that a poll runs (reads of one deal, owner listings and note queries are other calls).
type changeQueries struct{ n atomic.Int64 }

func (c *changeQueries) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query().Get("q"); strings.Contains(q, "FROM Opportunity WHERE") && strings.Contains(q, "ORDER BY SystemModstamp") {
			c.n.Add(1)
		}
		next.ServeHTTP(w, r)
	})
}

// routeTo gives the Salesforce side of a pairing file a route: new deals whose CoSell_Partner__c is
// partner start in it.
func routeTo(partner string) func(string) string {
	return func(text string) string {
		return strings.Replace(text, "connection: acme-sf ", "connection: acme-sf\n    route: { field: CoSell_Partner__c, values: ["+partner+"] }\n    #", 1)
	}
}

// initechPortal is a second partner of Acme: Initech's fake HubSpot, its credentials (connection
// initech-hs) in the stack's environment, and its pairing file's text (the demo pairing under another id,
// routed by CoSell_Partner__c = Initech on Acme's shared Salesforce connection).
func (s *stack) initechPortal() (hs *hsmock.Server, url, pairingID, text string) {
	t := s.t
	hs = hsmock.New(demo.HubSpotOptions())
	hsData := demo.HubSpot()
	hsData.Deals = nil
	require.NoError(t, hs.Seed(hsData))
	ts := httptest.NewServer(hs)
	t.Cleanup(ts.Close)
	pairingID = fmt.Sprintf("e2e-initech-%d-%d", os.Getpid(), seq.Add(1))
	raw, err := os.ReadFile("../" + demo.PairingFile)
	require.NoError(t, err)
	text = strings.Replace(routeTo("Initech")(string(raw)), "id: acme-globex", "id: "+pairingID, 1)
	text = strings.Replace(text, "connection: globex-hs", "connection: initech-hs", 1)
	p := config.ConnectionPrefix("initech-hs")
	s.env[p+"URL"], s.env[p+"TOKEN"] = ts.URL, demo.HubSpotToken
	feed := api.ConnectionFeedWorkflowID(s.env["COSELL_TASK_QUEUE"], "initech-hs")
	t.Cleanup(func() { _ = s.temporal.TerminateWorkflow(context.Background(), feed, "", "test over") })
	return hs, ts.URL, pairingID, text
}

// pairingsDir moves the stack's pairing file into a directory the worker serves, and returns it.
func (s *stack) pairingsDir() string {
	dir := s.t.TempDir()
	text, err := os.ReadFile(s.env["COSELL_PAIRING_FILE"])
	require.NoError(s.t, err)
	require.NoError(s.t, os.WriteFile(filepath.Join(dir, "globex.yaml"), text, 0o644))
	delete(s.env, "COSELL_PAIRING_FILE")
	s.env["COSELL_PAIRINGS_DIR"] = dir
	return dir
}

// TestTwoPairingsShareOneSalesforcePoll is issue #8's acceptance (d): Acme co-sells with Globex and with
// Initech, each on a HubSpot portal of its own, and both pairings use Acme's one Salesforce connection.
// One worker serves the directory of both files; deals registered on every CRM mirror within their own
// pairing; and Salesforce sees one change query per poll interval, not one per pairing.
func TestTwoPairingsShareOneSalesforcePoll(t *testing.T) {
	queries := &changeQueries{}
	s := newStack(t, stackOptions{pairingMod: routeTo("Globex"), sfWrap: queries.wrap})

	initech, initechURL, initechID, initechText := s.initechPortal()
	dir := s.pairingsDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "initech.yaml"), []byte(initechText), 0o644))
	s.startWorker()

	// A deal for each partner flagged in Salesforce, and one registered in each partner's HubSpot.
	jane := s.sfUser.userID("jane.doe@acme.example")
	opp := func(name, partner string) string {
		return s.sfUser.create("Opportunity", map[string]any{"Name": name, "StageName": "Qualification", "CloseDate": "2026-12-31",
			"Amount": 125000, "OwnerId": jane, "CoSell_Enabled__c": true, "CoSell_Partner__c": partner})
	}
	forGlobex, forInitech := opp("Globex rollout", "Globex"), opp("Initech rollout", "Initech")
	hsDeal := func(u *hsUser, name string) string {
		return u.createDeal(map[string]any{"dealname": name, "dealstage": "qualifiedtobuy", "pipeline": "default",
			"amount": "48000", "closedate": "2027-01-20", "hubspot_owner_id": "71001", "cosell_enabled": "true"})
	}
	fromGlobex := hsDeal(s.hsUser, "Hooli expansion")
	fromInitech := hsDeal(&hsUser{t: t, base: initechURL}, "Initrode upgrade")

	mirrored := func(hs *hsmock.Server, coSellID string) bool {
		for _, d := range hs.Deals() {
			if d.Properties["cosell_id"] == coSellID && !d.Archived {
				return true
			}
		}
		return false
	}
	inSalesforce := func(coSellID string) bool {
		return len(s.sfUser.query("SELECT Id FROM Opportunity WHERE CoSell_Id__c = '"+coSellID+"'")) == 1
	}
	globexOpp := api.NewCoSellID(s.pairingID, pairing.A, forGlobex)
	initechOpp := api.NewCoSellID(initechID, pairing.A, forInitech)
	globexDeal := api.NewCoSellID(s.pairingID, pairing.B, fromGlobex)
	initechDeal := api.NewCoSellID(initechID, pairing.B, fromInitech)
	eventually(t, 60*time.Second, func() bool {
		return mirrored(s.hs, globexOpp) && mirrored(initech, initechOpp) && inSalesforce(globexDeal) && inSalesforce(initechDeal)
	}, "every deal mirrored within its own pairing")
	assert.False(t, mirrored(s.hs, initechOpp), "Initech's opportunity is not mirrored to Globex")
	assert.False(t, mirrored(initech, globexOpp), "nor Globex's to Initech")
	assert.Len(t, s.hs.Deals(), 2, "Globex's portal holds its own deal and its mirror only")
	assert.Len(t, initech.Deals(), 2, "and so does Initech's")

	// An edit of a mirror in Salesforce reaches its own pairing's portal.
	mirror := s.sfUser.query("SELECT Id FROM Opportunity WHERE CoSell_Id__c = '" + initechDeal + "'")[0]["Id"].(string)
	s.sfUser.update("Opportunity", mirror, map[string]any{"Amount": 52000})
	eventually(t, 30*time.Second, func() bool {
		return (&hsUser{t: t, base: initechURL}).getDeal(fromInitech)["amount"] == "52000"
	}, "a Salesforce edit of Initech's mirror reaches Initech")

	// One change query of Salesforce per poll of the one feed of its connection.
	for _, id := range []pairing.Side{pairing.A, pairing.B} {
		_, err := s.temporal.DescribeWorkflowExecution(context.Background(), api.ChangeFeedWorkflowID(s.pairingID, id), "")
		require.Error(t, err, "no feed per pairing side runs")
	}
	polls0, queries0, start := s.feedPolls(pairing.A), queries.n.Load(), time.Now()
	eventually(t, 30*time.Second, func() bool { return s.feedPolls(pairing.A) >= polls0+10 }, "the Salesforce feed polls 10 times")
	polls, asked, elapsed := s.feedPolls(pairing.A)-polls0, int(queries.n.Load()-queries0), time.Since(start)
	t.Logf("%d polls of acme-sf, %d change queries to Salesforce in %s at a %s interval", polls, asked, elapsed.Round(time.Millisecond), s.env["COSELL_POLL_INTERVAL"])
	assert.InDelta(t, polls, asked, 1, "one change query per poll of the connection, for both pairings")
	interval, err := time.ParseDuration(s.env["COSELL_POLL_INTERVAL"])
	require.NoError(t, err)
	assert.LessOrEqual(t, asked, int(elapsed/interval)+2, "at most one poll per interval")
}

// TestAWorkerTakesOverOldFeedsAndFollowsItsDirectory: a feed of one pairing side, as workers before
// connection feeds ran it, hands its cursor over to its connection's feed and stops; a pairing file added
// while the worker runs is served (its deals mirror) and one removed is no longer (its own connection's
// feed stops).
func TestAWorkerTakesOverOldFeedsAndFollowsItsDirectory(t *testing.T) {
	s := newStack(t, stackOptions{pairingMod: routeTo("Globex")})
	dir := s.pairingsDir()
	s.env["COSELL_RELOAD_INTERVAL"] = "200ms"
	initech, _, initechID, initechText := s.initechPortal()

	// The old feed of side a, run by a worker that knows no pairing, so it keeps the cursor it was given.
	ctx := context.Background()
	old := api.ChangeFeedWorkflowID(s.pairingID, pairing.A)
	cursor := connectors.Cursor{ModifiedAt: time.Now().Add(-time.Hour).UTC().Truncate(time.Second), ID: "006000000000000AAA"}
	tw := sdkworker.New(s.temporal, s.env["COSELL_TASK_QUEUE"], sdkworker.Options{})
	workflows.Register(tw, &activities.Activities{})
	require.NoError(t, tw.Start())
	_, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: old, TaskQueue: s.env["COSELL_TASK_QUEUE"]}, api.ChangeFeedWorkflowName,
		api.FeedInput{PairingID: s.pairingID, Side: pairing.A, PollInterval: time.Hour, State: &api.FeedState{Deals: cursor, Notes: cursor}})
	require.NoError(t, err)
	eventually(t, 20*time.Second, func() bool {
		v, err := s.temporal.QueryWorkflow(ctx, old, "", api.FeedQuery)
		var view api.FeedView
		return err == nil && v.Get(&view) == nil && view.State.LastError != ""
	}, "the old feed ran a poll")
	tw.Stop()

	s.startWorker()
	eventually(t, 20*time.Second, func() bool {
		d, err := s.temporal.DescribeWorkflowExecution(ctx, old, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED
	}, "the old feed is cancelled")
	v, err := s.temporal.QueryWorkflow(ctx, s.feedID(pairing.A), "", api.FeedQuery)
	require.NoError(t, err)
	var view api.FeedView
	require.NoError(t, v.Get(&view))
	assert.Equal(t, "acme-sf", view.Connection)
	assert.False(t, view.State.Deals.ModifiedAt.Before(cursor.ModifiedAt), "the connection's feed goes on from the old cursor, %v", view.State.Deals)

	// Added while running: Initech's pairing, and a deal for it.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "initech.yaml"), []byte(initechText), 0o644))
	opp := s.sfUser.create("Opportunity", map[string]any{"Name": "Initech rollout", "StageName": "Qualification", "CloseDate": "2026-12-31",
		"Amount": 125000, "OwnerId": s.sfUser.userID("jane.doe@acme.example"), "CoSell_Enabled__c": true, "CoSell_Partner__c": "Initech"})
	id := api.NewCoSellID(initechID, pairing.A, opp)
	eventually(t, 60*time.Second, func() bool {
		for _, d := range initech.Deals() {
			if d.Properties["cosell_id"] == id {
				return true
			}
		}
		return false
	}, "the added pairing's deal mirrors to Initech")

	// Removed: its own connection's feed stops; Globex's pairing goes on.
	initechFeed := api.ConnectionFeedWorkflowID(s.env["COSELL_TASK_QUEUE"], "initech-hs")
	require.NoError(t, os.Remove(filepath.Join(dir, "initech.yaml")))
	eventually(t, 20*time.Second, func() bool {
		d, err := s.temporal.DescribeWorkflowExecution(ctx, initechFeed, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	}, "the removed pairing's own connection feed stops")
	globex := s.flagOpportunity("Globex rollout")
	s.sfUser.update("Opportunity", globex, map[string]any{"CoSell_Partner__c": "Globex"})
	s.waitMirror(globex, 30*time.Second)
}
