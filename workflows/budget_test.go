package workflows

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// pausedCRM is an in-memory CRM behind a budget guard that has paused it: while paused, every write is
// refused unsent, as the guard refuses it.
type pausedCRM struct {
	*memory.CRM
	paused  atomic.Bool
	refused atomic.Int64
}

func (c *pausedCRM) refusal() error {
	c.refused.Add(1)
	return &budget.Refusal{CRM: "hubspot", Connection: "globex-hs", Window: budget.Daily, Used: 47, Limit: 100, Line: 50,
		Share: 0.5, RetryAfter: 5 * time.Minute}
}

func (c *pausedCRM) UpdateDeal(ctx context.Context, id string, fields map[string]any) error {
	if c.paused.Load() {
		return c.refusal()
	}
	return c.CRM.UpdateDeal(ctx, id, fields)
}

func (c *pausedCRM) UpsertDeal(ctx context.Context, coSellID string, fields map[string]any) (connectors.UpsertResult, error) {
	if c.paused.Load() {
		return connectors.UpsertResult{}, c.refusal()
	}
	return c.CRM.UpsertDeal(ctx, coSellID, fields)
}

// TestABudgetPauseWaitsOnATimerTellsOnceAndResumes: a deal whose write the budget guard refuses waits
// the guard's delay on a durable timer (no activity retries it), shows a budget issue, tells both
// partners once however often it is refused, and lands the write once the budget allows.
func (s *dealSuite) TestABudgetPauseWaitsOnATimerTellsOnceAndResumes() {
	hs := &pausedCRM{CRM: s.hs}
	acts := &activities.Activities{Pairings: map[string]*activities.Connection{s.p.ID: {Pairing: s.p,
		CRM: map[pairing.Side]connectors.CRM{pairing.A: s.sf, pairing.B: hs}, Slack: s.slack}}}
	s.env = s.NewTestWorkflowEnvironment()
	s.env.SetStartTime(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	Register(s.env, acts)
	s.mockPilot(s.env, acts)

	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var during, after []api.SyncIssue
	var refusedDuring int64
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(time.Minute, func() {
		hs.paused.Store(true)
		s.sf.Put(rec, map[string]any{"Amount": 150000.0})
		s.trigger(pairing.A, rec)
	})
	s.at(20*time.Minute, func() {
		during = s.view().Issues
		refusedDuring = hs.refused.Load()
		hs.paused.Store(false) // the probe saw the count fall
	})
	s.at(30*time.Minute, func() { after = s.view().Issues })
	s.run(id, 31*time.Minute)

	s.GreaterOrEqual(refusedDuring, int64(3), "refused again after each five-minute wait")
	s.LessOrEqual(refusedDuring, int64(5), "never retried faster than the guard asked")
	s.Require().NotEmpty(during)
	s.Equal(vocab.IssueBudget, during[0].Kind)
	s.Contains(during[0].Message, "share of the daily API budget is used")
	s.Empty(after, "the issue clears once the write lands")
	s.Equal("150000", s.mirror(id).Fields["amount"], "nothing was dropped")

	s.slack.mu.Lock()
	var told []notify.Notice
	for _, n := range s.slack.notices {
		if n.Event == notify.BudgetPaused {
			told = append(told, n)
		}
	}
	s.slack.mu.Unlock()
	s.Require().Len(told, 1, "both partners told once")
	s.Len(told[0].Recipients, 2)
	s.Equal("maria.manager@acme.example", told[0].Recipients[0].Email)
	s.Equal("kim.manager@globex.example", told[0].Recipients[1].Email)
}
