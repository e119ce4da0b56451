//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// TestCoalescedBurstMirrorsWithFewCalls is issue #8 item 2 end to end: a burst of edits, one field on
// each of many co-sold deals, mirrors with a small fraction of a CRM call per change, because the
// worker's coalescer (connectors/batch, on by default) gathers the deals' single-record reads and
// writes into batch calls. One call per read and per write, as COSELL_COALESCE=false makes them, costs
// at least three calls per change on this path (the deal's look at HubSpot, its write, the read-back;
// measured: 4.6), so the bound below is far inside what only coalescing reaches. The counts are the fakes'
// own counters; nothing is timed.
func TestCoalescedBurstMirrorsWithFewCalls(t *testing.T) {
	const n = 100
	s := newStack(t, stackOptions{poll: 2 * time.Second})
	// The worker's defaults; E2E_COALESCE=false measures the naive reference (and fails the bound).
	s.env["COSELL_COALESCE"] = envOr("E2E_COALESCE", "true")
	var opps []sfmock.Record
	for i := range n {
		opps = append(opps, sfmock.Record{"Name": fmt.Sprintf("Burst %03d", i), "StageName": "Qualification",
			"CloseDate": "2027-03-31", "Amount": 1000 * (i + 1), "OwnerId": "jane.doe@acme.example", "CoSell_Enabled__c": true})
	}
	require.NoError(t, s.sf.Seed(sfmock.SeedData{Opportunities: opps}))
	s.startWorker()
	eventually(t, 240*time.Second, func() bool { return s.converged(n) }, "the %d flagged deals are mirrored (%d so far)",
		n, func() any { return s.countMirrors() })
	creations := s.sf.Admin().Snapshot().Total + s.hs.Admin().Snapshot().Total
	t.Logf("mirroring %d new deals took %d CRM calls (%.2f per deal)", n, creations, float64(creations)/n)

	// Let the deals settle (the mirrors' own stamps come back through the feeds), then count afresh.
	oppIDs := make([]string, 0, n)
	coSellIDs := map[string]string{}
	for _, o := range s.sf.Opportunities() {
		oppIDs = append(oppIDs, o["Id"].(string))
		coSellIDs[o["Id"].(string)] = o["CoSell_Id__c"].(string)
	}
	s.sfUser.get("Opportunity", oppIDs[0]) // the rep's session, so that its login is not counted below
	time.Sleep(3 * time.Second)
	s.sf.Admin().ResetCalls()
	s.hs.Admin().ResetCalls()

	// The burst: an Acme rep changes the amount of every deal.
	want := map[string]string{}
	for i, id := range oppIDs {
		amount := 500_000 + i
		s.sfUser.update("Opportunity", id, map[string]any{"Amount": amount})
		want[coSellIDs[id]] = fmt.Sprint(amount)
	}
	mirrored := func() int {
		k := 0
		for coSellID, amount := range want {
			if m := s.hsDealsByCoSellID(coSellID); len(m) == 1 && m[0].Properties["amount"] == amount {
				k++
			}
		}
		return k
	}
	eventually(t, 180*time.Second, func() bool { return mirrored() == n }, "every edit mirrors to HubSpot (%d of %d)",
		n, func() any { return mirrored() })

	sf, hs := s.sf.Admin().Snapshot(), s.hs.Admin().Snapshot()
	userCalls := n // the rep's PATCH of each opportunity
	require.Equal(t, n, sf.Endpoints["PATCH sobjects/Opportunity/id"].Count,
		"the rep's edits are the only single-record writes: the worker's went in batches")
	product := sf.Total - userCalls + hs.Total
	perChange := float64(product) / n
	t.Logf("%d edits mirrored with %d CRM calls (%.3f per change); Salesforce %v; HubSpot %v",
		n, product, perChange, sf.Endpoints, hs.Endpoints)
	assert.Zero(t, hs.Endpoints["GET deals/{id}"].Count, "no single-deal HubSpot read")
	assert.Zero(t, hs.Endpoints["PATCH deals/{id}"].Count, "no single-deal HubSpot write")
	// Measured on a loaded 2-core machine: 0.18–0.84 per change coalesced, 4.6 naive (E2E_COALESCE=false).
	assert.LessOrEqual(t, perChange, 1.5, "coalesced calls cost a fraction of the naive calls per change")
}
