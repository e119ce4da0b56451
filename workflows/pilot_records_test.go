package workflows

import (
	"time"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/vocab"
)

// TestScorecardFiguresComeFromAttributionRecords: issue #9, acceptance e. Three co-sell deals are won;
// their deals report attribution records: one co-sold (both partners hold a part), one credited to
// Acme alone, one co-sold and disputed (the dispute arrives in a later version of its record, twice,
// and its first version after it). The day-30 scorecard's attributable revenue counts the co-sold
// deals only, and its dispute rate is one of three attributions, from those records, not from the
// deal events.
func (s *pilotSuite) TestScorecardFiguresComeFromAttributionRecords() {
	day := func(d float64) time.Duration { return time.Duration(d * float64(24*time.Hour)) }
	rec := func(id string, amount, a, b int64, wonDay float64) attribution.Record {
		return attribution.Record{Result: attribution.Result{
			CoSellID: id, Currency: "USD", AmountMinor: amount, PoolMinor: a + b, WonAt: s.start.Add(day(wonDay)), Registrant: vocab.A,
			Parts: []attribution.Part{{Partner: vocab.A, Roles: []attribution.Role{}, AmountMinor: a}, {Partner: vocab.B, Roles: []attribution.Role{}, AmountMinor: b}},
		}}
	}
	coSold := rec("CS-1", 10000000, 2000000, 1000000, 10)
	solo := rec("CS-2", 5000000, 1000000, 0, 11)
	disputed := rec("CS-3", 4000000, 600000, 600000, 12)
	withDispute := disputed
	withDispute.Disputes = []attribution.Dispute{{Partner: vocab.B, Reason: "we ran the POC", At: s.start.Add(day(13))}}
	for i, r := range []attribution.Record{coSold, solo, withDispute, withDispute, disputed} {
		s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(api.PilotAttributionSignal, r) }, day(14)+time.Duration(i)*time.Minute)
	}
	for i, id := range []string{"CS-1", "CS-2", "CS-3"} {
		s.event(s.env, float64(i+1), pilot.Registered, id, 100000, "qualification")
		s.event(s.env, float64(10+i), pilot.StageChanged, id, 100000, "closed_won")
	}
	// A dispute event for every deal: without records, the rate would count these.
	for i, id := range []string{"CS-1", "CS-2", "CS-3"} {
		s.event(s.env, float64(13+i), pilot.Dispute, id, 0, "")
	}
	var mid api.PilotView
	s.env.RegisterDelayedCallback(func() { mid = s.view(s.env) }, day(31))
	s.env.RegisterDelayedCallback(func() { s.env.CancelWorkflow() }, day(32))
	s.env.ExecuteWorkflow(PilotWorkflow, api.PilotInput{PairingID: s.p.ID})

	s.Require().Len(mid.State.Scorecards, 1)
	m := mid.State.Scorecards[0].Metrics
	s.Equal(3, m.Attributions, "one record per deal")
	s.Equal(140000.0, m.AttributableRevenue, "CS-1 and CS-3: both partners hold a part; CS-2 is Acme's alone")
	s.Equal(300000.0, m.ClosedRevenue, "the deal events' revenue, unchanged")
	s.Equal(1, m.DisputedDeals)
	s.Equal(1, m.OpenDisputes)
	s.InDelta(1.0/3, m.DisputeRate.Value, 1e-9, "one disputed attribution of three")
	s.Len(mid.State.Records, 3)
	md := mid.State.Scorecards[0].Markdown()
	s.Contains(md, "| Revenue attributable to the partnership | $140,000 |", "the scorecard the CRMs and `cosell pilot report` show")
	s.Contains(md, "| Attribution dispute rate | 33.3% (flagged, 1 of 3 attributed deals, 1 open) |")
}
