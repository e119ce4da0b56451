package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// budgetNotices lists the outbox's budget notices.
func budgetNotices(st State) []OutboxItem {
	var out []OutboxItem
	for _, it := range st.Outbox {
		if it.Notice.Event == vocab.BudgetPaused {
			out = append(out, it)
		}
	}
	return out
}

// refuseNextWrite runs the deal's commands until it writes to side s, and fails that write with f.
func refuseNextWrite(d *regDeal, s vocab.Side, f Failure) {
	for i := 0; i < 20; i++ {
		step := d.e.Next(d.clock)
		if step.Kind != Run {
			continue
		}
		if step.Command.Kind == Write && step.Command.Side == s {
			d.e.Done(d.clock, Result{Seq: step.Command.Seq, Failure: &f})
			return
		}
		d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
	}
	d.t.Fatalf("no write to %s", s)
}

func TestBudgetFailureWaitsAndTellsBothPartnersOnce(t *testing.T) {
	d, a, b := registered(t)
	d.pol.Slack = true
	d.pol.SLA.Ladder = []sla.Level{{Level: 1, Name: "reps"},
		{Level: 2, Name: "partner managers", A: []string{"maria@acme.example"}, B: []string{"kim@globex.example"}}}
	d.e = New(d.pol, &d.st)
	d.st.Outbox = nil

	d.crm[vocab.A].edit(a, map[string]string{"stage": "proposal"})
	d.deliver(vocab.A, a)
	refusal := Failure{Kind: Budget, CRM: "hubspot",
		Message:    "hubspot connection globex-hs: API budget guard: the product's 50% share of the daily API budget is used",
		RetryAfter: 5 * time.Minute}
	refused := 0
	for i := 0; i < 50 && refused < 3; i++ {
		step := d.e.Next(d.clock)
		if step.Kind == Idle {
			require.True(t, d.st.RetryAt.After(d.clock), "the deal waits on its retry, not on a signal")
			assert.Equal(t, 5*time.Minute, d.st.RetryAt.Sub(d.clock), "the wait the guard asked for")
			d.clock = d.st.RetryAt // the workflow's durable timer fires
			continue
		}
		if step.Command.Kind == Write && step.Command.Side == vocab.B {
			d.e.Done(d.clock, Result{Seq: step.Command.Seq, Failure: &refusal})
			refused++
			continue
		}
		d.e.Done(d.clock, d.crm[step.Command.Side].run(step.Command))
	}
	require.Equal(t, 3, refused, "the write was tried again after each wait")
	assert.True(t, hasIssue(d.st, vocab.IssueBudget), "the deal shows it waits on the budget")
	assert.False(t, hasIssue(d.st, vocab.IssueUnavailable))
	notices := budgetNotices(d.st)
	require.Len(t, notices, 1, "three refusals, one notice")
	n := notices[0].Notice
	assert.Equal(t, BudgetNoticeKey("p", vocab.B, d.clock), n.Key, "the same key for every deal the pause holds")
	assert.Equal(t, "Globex's hubspot", n.DealName)
	assert.Contains(t, n.Message, "Syncing with Globex is paused")
	assert.Contains(t, n.Message, "nothing is dropped")
	assert.ElementsMatch(t, []string{"maria@acme.example", "kim@globex.example"},
		[]string{n.Recipients[0].Email, n.Recipients[1].Email}, "both partners' managers")
	assert.Equal(t, []string{ChannelLog, ChannelSlack}, notices[0].Pending, "no CRM task: the CRM's budget is spent")

	// Delivered, the notice leaves the outbox; a later refusal the same day does not queue it again.
	for _, ch := range append([]string(nil), notices[0].Pending...) {
		d.e.NoticeDone(d.clock, n.Key, ch, "")
	}
	d.clock = d.st.RetryAt
	refuseNextWrite(d, vocab.B, refusal)
	assert.Empty(t, budgetNotices(d.st), "told once")

	// The budget allows again: the write lands, the issue clears, nothing was dropped.
	d.settle()
	assert.Equal(t, "proposal", d.crm[vocab.B].recs[b].values["stage"])
	assert.False(t, hasIssue(d.st, vocab.IssueBudget))
	assert.Empty(t, budgetNotices(d.st))

	// A pause on a later day is told again.
	d.clock = d.clock.Add(24 * time.Hour)
	d.crm[vocab.A].edit(a, map[string]string{"stage": "decision"})
	d.deliver(vocab.A, a)
	refuseNextWrite(d, vocab.B, refusal)
	assert.Len(t, budgetNotices(d.st), 1)
}
