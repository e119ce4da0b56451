package engine

import (
	"fmt"
	"time"

	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// BudgetNoticeKey names the notice of a budget pause: one per pairing, party and UTC day, the same for
// every deal the pause holds, so a notice channel can tell both partners once however many deals wait.
func BudgetNoticeKey(pairingID string, s vocab.Side, at time.Time) string {
	return fmt.Sprintf("budget/%s/%s/%s", pairingID, s, at.UTC().Format(time.DateOnly))
}

// budgetPaused queues the notice that the product's share of party s's API budget is used, addressed to
// both partners' managers (the escalation ladder's second level, else the deal owners). A deal queues
// it once per pause key; the deal still waits and retries like any unavailable step.
func (e *Engine) budgetPaused(now time.Time, s vocab.Side, f Failure) {
	key := BudgetNoticeKey(e.st.PairingID, s, now)
	if e.st.BudgetNoticed == key {
		return
	}
	e.st.BudgetNoticed = key
	crm := f.CRM
	if crm == "" {
		crm = "CRM"
	}
	e.queue(now, vocab.Notice{
		Key: key, Event: vocab.BudgetPaused, Subject: string(s), At: now,
		Message: fmt.Sprintf("Syncing with %s is paused: %s. Work on that connection waits and resumes by itself when the budget allows; nothing is dropped.",
			e.pol.Name(s), f.Message),
	}, false, sla.Clock{})
	if it := &e.st.Outbox[len(e.st.Outbox)-1]; it.Notice.Key == key {
		it.Notice.DealName = e.pol.Name(s) + "'s " + crm
		it.Notice.Recipients = e.recipients(2)
	}
	e.log("warn", "API budget share used; the deal waits", "side", string(s), "crm", crm, "retryIn", f.RetryAfter.String())
}
