//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Failure cases of issue #7 that the other e2e tests do not reach the way they happened before the deal
// engine. Each uses only the fakes and what a rep does, so it runs unchanged against that code too
// (docs/REGRESSIONS.md).

// TestUnflaggedDealLeaksNothingWhenThePartnerEdits is case 7 as it leaked: the feeds never delivered an
// unflagged record, but Globex's next edit made the deal read the opportunity before writing to it and
// carry the rep's internal next step across.
func TestUnflaggedDealLeaksNothingWhenThePartnerEdits(t *testing.T) {
	s := newStack(t, stackOptions{poll: time.Second})
	s.startWorker()
	opp := s.flagOpportunity("Unflag, then Globex edits")
	_, hsID := s.waitMirror(opp, 15*time.Second)

	s.sfUser.update("Opportunity", opp, map[string]any{"CoSell_Enabled__c": false, "NextStep": "internal only: 40% discount"})
	s.waitFeedPolls(2, 20*time.Second)
	s.hsUser.updateDeal(hsID, map[string]any{"amount": "5"})
	s.waitFeedPolls(3, 20*time.Second)
	time.Sleep(3 * time.Second) // a few more polls and rounds
	assert.NotEqual(t, "internal only: 40% discount", s.hsUser.getDeal(hsID)["hs_next_step"], "the internal next step stays home")
	assert.Equal(t, 125000.0, s.sfUser.get("Opportunity", opp)["Amount"], "Globex's edit does not cross either")
}
