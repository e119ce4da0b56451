//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

// chaosField is a mapped field as both CRMs write it, with the values a rep picks from.
type chaosField struct {
	name     string
	sf, hs   string
	sfValues []any    // what an Acme rep writes
	hsValues []string // what a Globex rep writes, index for index the same canonical value
}

var chaosFields = []chaosField{
	{name: "stage", sf: "StageName", hs: "dealstage",
		sfValues: []any{"Qualification", "Value Proposition", "Id. Decision Makers", "Proposal/Price Quote"},
		hsValues: []string{"qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent"}},
	{name: "amount", sf: "Amount", hs: "amount",
		sfValues: []any{11000.0, 12500.0, 99000.0, 150000.0}, hsValues: []string{"11000", "12500", "99000", "150000"}},
	{name: "next_step", sf: "NextStep", hs: "hs_next_step",
		sfValues: []any{"Call", "Demo", "Security review", "Send the proposal"}, hsValues: []string{"Call", "Demo", "Security review", "Send the proposal"}},
	{name: "close_date", sf: "CloseDate", hs: "closedate",
		sfValues: []any{"2027-01-01", "2027-02-28", "2027-06-30", "2027-12-31"}, hsValues: []string{"2027-01-01", "2027-02-28", "2027-06-30", "2027-12-31"}},
}

// TestChaosEveryDealConverges edits a few dozen deals on both sides for about a minute while both fake
// CRMs fail a fifth of all calls (half of them after applying the request) and the worker is SIGKILLed
// and restarted twice, with the HubSpot partner at UTC−11. Afterwards every deal satisfies the engine's
// invariants: both sides agree on every field, a field edited on one side only holds its last value,
// exactly one mirror per deal, and nothing written that nobody asked for.
func TestChaosEveryDealConverges(t *testing.T) {
	s := newStack(t, stackOptions{poll: time.Second, pairingMod: func(p string) string {
		return strings.Replace(p, "    connection: globex-hs\n", "    connection: globex-hs\n    timezone: Pacific/Pago_Pago\n", 1)
	}})
	jane := s.sfUser.userID("jane.doe@acme.example")
	const n = 24
	opps := make([]string, n)
	for i := range opps {
		opps[i] = s.sfUser.create("Opportunity", map[string]any{
			"Name": fmt.Sprintf("Chaos %02d", i), "StageName": "Qualification", "CloseDate": "2027-03-31",
			"Amount": 10000.0, "NextStep": "Kickoff", "OwnerId": jane, "CoSell_Enabled__c": true,
		})
	}
	w := s.startWorkerProcess()
	eventually(t, 90*time.Second, func() bool { return s.countMirrors() == n }, "every deal mirrored before the chaos")
	mirror := make([]string, n)
	for i, opp := range opps {
		id, _ := s.sfUser.get("Opportunity", opp)["CoSell_Id__c"].(string)
		ms := s.hsDealsByCoSellID(id)
		require.Len(t, ms, 1)
		mirror[i] = ms[0].ID
	}

	s.sf.Admin().AddFault(mockkit.Fault{Rate: 0.2, After: 0.5, Status: http.StatusServiceUnavailable, Seed: 41})
	s.hs.Admin().AddFault(mockkit.Fault{Rate: 0.2, After: 0.5, Status: http.StatusServiceUnavailable, Seed: 42})

	// edited[deal][field] records which sides edited the field and the last value each side wrote.
	type edit struct {
		sides map[string]bool
		last  int // index into the field's values
		side  string
	}
	edited := make([]map[string]*edit, n)
	for i := range edited {
		edited[i] = map[string]*edit{}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	start := time.Now()
	kills := 0
	for time.Since(start) < 60*time.Second {
		if (kills == 0 && time.Since(start) > 20*time.Second) || (kills == 1 && time.Since(start) > 40*time.Second) {
			require.NoError(t, w.Process.Signal(syscall.SIGKILL))
			_, _ = w.Process.Wait()
			kills++
			t.Logf("SIGKILL %d at %s", kills, time.Since(start).Round(time.Second))
			w = s.startWorkerProcess()
		}
		i, f, v := rng.IntN(n), chaosFields[rng.IntN(len(chaosFields))], rng.IntN(4)
		side := "a"
		if rng.IntN(2) == 1 {
			side = "b"
		}
		// A rep saves again until the CRM says it took the change (an applied-then-failed save is
		// simply saved twice).
		for try := 0; ; try++ {
			require.Less(t, try, 50, "a rep's save never went through")
			var code int
			if side == "a" {
				code, _ = s.sfUser.do(http.MethodPatch, "/sobjects/Opportunity/"+opps[i], map[string]any{f.sf: f.sfValues[v]})
			} else {
				code, _ = s.hsUser.do(http.MethodPatch, "/crm/v3/objects/deals/"+mirror[i], map[string]any{"properties": map[string]any{f.hs: f.hsValues[v]}})
			}
			if code/100 == 2 {
				break
			}
		}
		e := edited[i][f.name]
		if e == nil {
			e = &edit{sides: map[string]bool{}}
			edited[i][f.name] = e
		}
		e.sides[side], e.last, e.side = true, v, side
		time.Sleep(100 * time.Millisecond)
	}
	s.sf.Admin().ClearFaults()
	s.hs.Admin().ClearFaults()
	t.Logf("edits done after %s, %d kills", time.Since(start).Round(time.Second), kills)

	canonical := func(f chaosField, side string, i int) int { return canonicalValue(s, f, side, opps[i], mirror[i]) }
	var last string
	lastDeal := -1
	converged := func() bool {
		for i := range opps {
			for _, f := range chaosFields {
				a, b := canonical(f, "a", i), canonical(f, "b", i)
				lastDeal = i
				if a != b || a < 0 {
					last = fmt.Sprintf("deal %d %s: a=%d b=%d", i, f.name, a, b)
					return false
				}
				if e := edited[i][f.name]; e != nil && len(e.sides) == 1 && a != e.last {
					last = fmt.Sprintf("deal %d %s edited on %s only: holds %d, want %d", i, f.name, e.side, a, e.last)
					return false
				}
			}
		}
		return true
	}
	deadline := time.Now().Add(180 * time.Second)
	for !converged() {
		if !time.Now().Before(deadline) {
			// What the deal itself thinks, for the diagnosis.
			id, _ := s.sfUser.get("Opportunity", opps[lastDeal])["CoSell_Id__c"].(string)
			v, err := s.deal(id)
			raw, _ := json.MarshalIndent(v, "", "  ")
			t.Logf("deal %d (%s) as its workflow sees it (query error %v):\n%s", lastDeal, id, err, raw)
		}
		require.True(t, time.Now().Before(deadline), "every deal converges after the chaos; still: %s", last)
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("converged %s after the edits stopped", time.Since(start.Add(60*time.Second)).Round(time.Second))

	for i, opp := range opps {
		id, _ := s.sfUser.get("Opportunity", opp)["CoSell_Id__c"].(string)
		assert.Len(t, s.hsDealsByCoSellID(id), 1, "exactly one mirror for deal %d", i)
	}
	assert.Equal(t, n, s.countMirrors(), "no stray mirror in HubSpot")
	assert.Len(t, s.sfUser.query("SELECT Id FROM Opportunity WHERE Name LIKE 'Chaos%'"), n, "no stray opportunity in Salesforce")

	// Quiet: two poll cycles write nothing more.
	time.Sleep(3 * time.Second) // the last writes' echoes come back through the feeds
	sfWrites, hsWrites := s.sf.Admin().Snapshot().Writes, s.hs.Admin().Snapshot().Writes
	time.Sleep(4 * time.Second)
	assert.Equal(t, sfWrites, s.sf.Admin().Snapshot().Writes, "no write to Salesforce once converged")
	assert.Equal(t, hsWrites, s.hs.Admin().Snapshot().Writes, "no write to HubSpot once converged")
}

// hsDate reads HubSpot's closedate (a date, a midnight-UTC date-time or epoch milliseconds) as the date.
func hsDate(v string) string {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC().Format(time.DateOnly)
	}
	if len(v) >= 10 {
		return v[:10]
	}
	return v
}
