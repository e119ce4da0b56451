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

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/pairing"
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

// TestTwoPairingsShareOneSalesforcePoll is issue #8's acceptance (d): Acme co-sells with Globex and with
// Initech, each on a HubSpot portal of its own, and both pairings use Acme's one Salesforce connection.
// One worker serves the directory of both files; deals registered on every CRM mirror within their own
// pairing; and Salesforce sees one change query per poll interval, not one per pairing.
func TestTwoPairingsShareOneSalesforcePoll(t *testing.T) {
	queries := &changeQueries{}
	s := newStack(t, stackOptions{pairingMod: routeTo("Globex"), sfHandler: queries.wrap})

	// Initech's portal and pairing: the demo pairing under another id, on connection initech-hs.
	initech := hsmock.New(demo.HubSpotOptions())
	hsData := demo.HubSpot()
	hsData.Deals = nil
	require.NoError(t, initech.Seed(hsData))
	initechTS := httptest.NewServer(initech)
	t.Cleanup(initechTS.Close)
	initechID := fmt.Sprintf("e2e-initech-%d-%d", os.Getpid(), seq.Add(1))
	dir := t.TempDir()
	globexText, err := os.ReadFile(s.env["COSELL_PAIRING_FILE"])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "globex.yaml"), globexText, 0o644))
	raw, err := os.ReadFile("../" + demo.PairingFile)
	require.NoError(t, err)
	initechText := strings.Replace(routeTo("Initech")(string(raw)), "id: acme-globex", "id: "+initechID, 1)
	initechText = strings.Replace(initechText, "connection: globex-hs", "connection: initech-hs", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "initech.yaml"), []byte(initechText), 0o644))
	delete(s.env, "COSELL_PAIRING_FILE")
	s.env["COSELL_PAIRINGS_DIR"] = dir
	ihp := config.ConnectionPrefix("initech-hs")
	s.env[ihp+"URL"], s.env[ihp+"TOKEN"] = initechTS.URL, demo.HubSpotToken
	initechFeed := api.ConnectionFeedWorkflowID(s.env["COSELL_TASK_QUEUE"], "initech-hs")
	t.Cleanup(func() { _ = s.temporal.TerminateWorkflow(context.Background(), initechFeed, "", "test over") })
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
	fromInitech := hsDeal(&hsUser{t: t, base: initechTS.URL}, "Initrode upgrade")

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
		return (&hsUser{t: t, base: initechTS.URL}).getDeal(fromInitech)["amount"] == "52000"
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
