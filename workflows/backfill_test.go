package workflows

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/backfill"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/internal/feedtest"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// backfillWorld is the demo pairing over two in-memory CRMs holding deals entered before the sync, and
// the running deals (feedtest.Deals) a backfill hands its pairs to.
type backfillWorld struct {
	p      *pairing.Pairing
	sf, hs *memory.CRM
	deals  *feedtest.Deals
	acts   *activities.Activities
}

func newBackfillWorld(t *testing.T) *backfillWorld {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { at = at.Add(time.Second); return at }
	w := &backfillWorld{p: p, sf: memory.New("salesforce", p.DealFields(pairing.A), clock), hs: memory.New("hubspot", p.DealFields(pairing.B), clock), deals: &feedtest.Deals{}}
	w.acts = &activities.Activities{Deals: w.deals, Pairings: map[string]*activities.Connection{
		p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: w.sf, pairing.B: w.hs}}}}
	return w
}

// pair puts one deal in each CRM; the zero cosell ids leave them unstamped.
func (w *backfillWorld) pair(i int, domain string, close string, amountA, amountB float64, idA, idB string) (string, string) {
	a := map[string]any{"Name": fmt.Sprintf("Deal %d", i), "Account.Website": "https://www." + domain, "CloseDate": close, "Amount": amountA, "StageName": "Prospecting"}
	b := map[string]any{"dealname": fmt.Sprintf("Deal %d", i), "company.domain": domain, "closedate": close, "amount": fmt.Sprint(amountB), "dealstage": "appointmentscheduled"}
	if idA != "" {
		a["CoSell_Id__c"] = idA
	}
	if idB != "" {
		b["cosell_id"] = idB
	}
	return w.sf.Put("", a), w.hs.Put("", b)
}

// runBackfill runs the workflow to its end, feeding each continue-as-new back in as a new run.
func (w *backfillWorld) runBackfill(t *testing.T, in api.BackfillInput) (api.BackfillResult, int) {
	runs := 0
	for {
		runs++
		require.Less(t, runs, 50, "the backfill never ends")
		var ts testsuite.WorkflowTestSuite
		env := ts.NewTestWorkflowEnvironment()
		env.SetStartTime(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		Register(env, w.acts)
		env.ExecuteWorkflow(BackfillWorkflow, in)
		require.True(t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			require.NotNil(t, in.State, "continue-as-new carries the state")
			continue
		}
		require.NoError(t, err)
		var res api.BackfillResult
		require.NoError(t, env.GetWorkflowResult(&res))
		v, err := env.QueryWorkflow(api.BackfillQuery)
		require.NoError(t, err)
		var p api.BackfillProgress
		require.NoError(t, v.Get(&p))
		require.Equal(t, res.Progress, p, "the progress query answers what the report says")
		require.Equal(t, runs, p.Runs, "the progress counts the runs")
		return res, runs
	}
}

// TestBackfillWorkflowLinksTheUnambiguousPairsOnce: pre-existing pairs, some ambiguous, some
// unmatched, one linked already, one with a co-sell id on one side; the backfill (forced to continue
// as new every two activities) stamps both records of each clear pair with one id and the flag and
// starts one deal for it with both readings marked for adoption, lists the ambiguous group, and a second
// run links nothing.
func TestBackfillWorkflowLinksTheUnambiguousPairsOnce(t *testing.T) {
	w := newBackfillWorld(t)
	defer func(n, p int) { backfillActivitiesPerRun, backfillScanPages = n, p }(backfillActivitiesPerRun, backfillScanPages)
	backfillActivitiesPerRun, backfillScanPages = 2, 1

	type pr struct{ a, b string }
	var clear []pr
	for i := range 12 {
		a, b := w.pair(i, fmt.Sprintf("acct%d.example", i), "2026-12-15", 1000+float64(i), 1000+float64(i)+10, "", "")
		clear = append(clear, pr{a, b})
	}
	kept, keptB := w.pair(20, "kept.example", "2026-11-30", 500, 500, "", "CS-KEPT")
	amb, amb1 := w.pair(30, "twice.example", "2026-12-20", 9000, 9000, "", "")
	amb2 := w.hs.Put("", map[string]any{"dealname": "Deal 30 bis", "company.domain": "twice.example", "closedate": "2026-12-22", "amount": "9100"})
	lone, loneB := w.pair(40, "lone.example", "2026-06-01", 100, 100, "", "")
	w.hs.Put(loneB, map[string]any{"company.domain": "other.example"})
	linkedA, linkedB := w.pair(50, "linked.example", "2026-12-01", 100, 100, "CS-LINKED", "CS-LINKED")
	w.deals.Link(w.p.ID, "CS-LINKED", vocab.A, linkedA)

	in := api.BackfillInput{PairingID: w.p.ID, Since: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Tolerance: backfill.DefaultTolerance()}
	res, runs := w.runBackfill(t, in)
	assert.GreaterOrEqual(t, runs, 2, "the backfill continued as new and carried on")
	p := res.Progress
	assert.Equal(t, 16, p.ScannedA)
	assert.Equal(t, 17, p.ScannedB)
	assert.Equal(t, 13, p.ToLink)
	assert.Equal(t, 13, p.Linked)
	assert.Equal(t, 1, p.AlreadyLinked)
	assert.Equal(t, 1, p.Ambiguous)
	assert.Equal(t, 1, p.UnmatchedA)
	assert.Equal(t, 1, p.UnmatchedB)
	assert.Empty(t, res.Skipped)

	for _, c := range append(clear, pr{kept, keptB}) {
		da, _ := w.sf.Deal(c.a)
		db, _ := w.hs.Deal(c.b)
		require.NotEmpty(t, da.CoSellID)
		assert.Equal(t, da.CoSellID, db.CoSellID, "both records carry one co-sell id")
		assert.True(t, da.Enabled && db.Enabled, "both records are flagged")
		assert.Equal(t, 1, w.deals.Started(da.CoSellID), "one deal started for the pair")
	}
	da, _ := w.sf.Deal(clear[0].a)
	assert.Equal(t, api.NewCoSellID(w.p.ID, vocab.A, clear[0].a), da.CoSellID, "the id derives from the side a record, as a registration there would")
	dk, _ := w.sf.Deal(kept)
	assert.Equal(t, "CS-KEPT", dk.CoSellID, "an id one record carried is kept")
	ev := w.deals.Events(da.CoSellID)
	require.Len(t, ev, 2, "the origin's reading starts the deal, the other side's follows")
	assert.Equal(t, vocab.A, ev[0].Side)
	assert.Equal(t, vocab.B, ev[1].Side)
	for _, e := range ev {
		assert.True(t, e.Backfill, "the deal adopts the records")
		require.NotNil(t, e.Deal)
		assert.Equal(t, da.CoSellID, e.Deal.CoSellID, "read back as stamped")
	}

	require.Len(t, res.Ambiguous, 1)
	g := res.Ambiguous[0]
	assert.Equal(t, []string{amb}, []string{g.A[0].ID})
	assert.ElementsMatch(t, []string{amb1, amb2}, []string{g.B[0].ID, g.B[1].ID})
	for _, id := range []string{amb, lone} {
		d, _ := w.sf.Deal(id)
		assert.Empty(t, d.CoSellID, "nothing ambiguous or unmatched is linked")
	}
	assert.Equal(t, 0, w.deals.Started("CS-LINKED"), "a linked deal is left alone")
	dl, _ := w.hs.Deal(linkedB)
	assert.Equal(t, "CS-LINKED", dl.CoSellID)

	// The linked deals now run: a second backfill links nothing and says so.
	res2, _ := w.runBackfill(t, in)
	assert.Equal(t, 0, res2.Progress.ToLink)
	assert.Equal(t, 14, res2.Progress.AlreadyLinked)
	assert.Equal(t, 1, res2.Progress.Ambiguous, "the ambiguous group is listed again until confirmed")
	assert.Equal(t, 1, w.deals.Started(da.CoSellID), "no deal started twice")

	// The admin confirms one pair of the ambiguous group.
	res3, _ := w.runBackfill(t, api.BackfillInput{PairingID: w.p.ID, Tolerance: backfill.DefaultTolerance(),
		Confirm: []backfill.Pair{{A: backfill.Record{ID: amb}, B: backfill.Record{ID: amb2}, By: backfill.ByAdmin}}})
	require.Len(t, res3.Linked, 1)
	assert.True(t, res3.Progress.Confirming)
	dA, _ := w.sf.Deal(amb)
	dB, _ := w.hs.Deal(amb2)
	assert.NotEmpty(t, dA.CoSellID)
	assert.Equal(t, dA.CoSellID, dB.CoSellID)
	d1, _ := w.hs.Deal(amb1)
	assert.Empty(t, d1.CoSellID, "the candidate not confirmed stays as it was")

	// Confirming it again links nothing twice.
	res4, _ := w.runBackfill(t, api.BackfillInput{PairingID: w.p.ID, Tolerance: backfill.DefaultTolerance(),
		Confirm: []backfill.Pair{{A: backfill.Record{ID: amb}, B: backfill.Record{ID: amb2}, By: backfill.ByAdmin}}})
	assert.Empty(t, res4.Linked)
	require.Len(t, res4.Skipped, 1)
	assert.Contains(t, res4.Skipped[0].Reason, "already linked")
	assert.Equal(t, 1, w.deals.Started(dA.CoSellID))
}

// TestBackfillWorkflowRefusesABadTolerance: bad input is refused with its reason, before any scan.
func TestBackfillWorkflowRefusesABadTolerance(t *testing.T) {
	w := newBackfillWorld(t)
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	Register(env, w.acts)
	env.ExecuteWorkflow(BackfillWorkflow, api.BackfillInput{PairingID: w.p.ID, Tolerance: backfill.Tolerance{CloseDays: -3}})
	require.Error(t, env.GetWorkflowError())
	assert.Contains(t, env.GetWorkflowError().Error(), "close-date tolerance")
}
