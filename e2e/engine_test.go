//go:build e2e

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/vocab"
)

// The deal engine's rules of issue #7 against the real dev server and the fakes over HTTP.

func TestEditedCoSellIDIsRestoredWithoutASecondMirror(t *testing.T) {
	s := newStack(t, stackOptions{poll: time.Second})
	s.startWorker()
	opp := s.flagOpportunity("Edited id")
	coSellID, hsID := s.waitMirror(opp, 15*time.Second)

	// A Globex user overwrites the co-sell id on the mirror, and edits the amount in the same save.
	s.hsUser.updateDeal(hsID, map[string]any{"cosell_id": "CS-MISTYPED", "amount": "77000"})
	s.waitFeedPolls(3, 20*time.Second)
	assert.Len(t, s.hsDealsByCoSellID(coSellID), 0, "the id is still the mistyped one")
	assert.Equal(t, 1, s.countMirrors(), "a record with an id no deal knows starts no deal and no mirror")
	// The deal reads the mirror again before it next writes there: the id is restored, and the amount
	// saved with the mistyped id still crosses.
	s.sfUser.update("Opportunity", opp, map[string]any{"NextStep": "Security review"})
	eventually(t, 20*time.Second, func() bool {
		h := s.hsUser.getDeal(hsID)
		return h["cosell_id"] == coSellID && h["hs_next_step"] == "Security review" &&
			s.sfUser.get("Opportunity", opp)["Amount"] == 77000.0
	}, "the co-sell id is restored, writes go to the linked record, and the amount edit is not lost")
	assert.Len(t, s.hsDealsByCoSellID(coSellID), 1, "no second mirror")
	assert.Empty(t, s.hsDealsByCoSellID("CS-MISTYPED"))
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	assert.True(t, hasIssueKind(v.Issues, vocab.IssueCoSellID), "%+v", v.Issues)
	assert.Len(t, s.sfUser.query("SELECT Id FROM Opportunity WHERE Name = 'Edited id'"), 1, "no second origin either")
}

func TestUnflaggedDealStopsCrossingUntilFlaggedAgain(t *testing.T) {
	s := newStack(t, stackOptions{poll: time.Second})
	s.startWorker()
	opp := s.flagOpportunity("Unflag me")
	coSellID, hsID := s.waitMirror(opp, 15*time.Second)

	s.sfUser.update("Opportunity", opp, map[string]any{"CoSell_Enabled__c": false, "NextStep": "internal only: 40% discount"})
	eventually(t, 20*time.Second, func() bool {
		return s.hsUser.getDeal(hsID)["cosell_enabled"] == "false"
	}, "the mirror is marked as no longer co-sold")
	time.Sleep(3 * time.Second) // a few polls
	assert.NotEqual(t, "internal only: 40% discount", s.hsUser.getDeal(hsID)["hs_next_step"], "the internal next step stays home")
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	assert.True(t, v.Paused)
	assert.True(t, hasIssueKind(v.Issues, vocab.IssueUnflagged), "%+v", v.Issues)

	s.sfUser.update("Opportunity", opp, map[string]any{"CoSell_Enabled__c": true, "NextStep": "Joint demo"})
	eventually(t, 20*time.Second, func() bool {
		h := s.hsUser.getDeal(hsID)
		return h["cosell_enabled"] == "true" && h["hs_next_step"] == "Joint demo"
	}, "flagging it again resumes mirroring")
}

func TestDeletedMirrorIsUnlinkedAndShown(t *testing.T) {
	s := newStack(t, stackOptions{poll: time.Second})
	s.startWorker()
	opp := s.flagOpportunity("Delete the mirror")
	coSellID, hsID := s.waitMirror(opp, 15*time.Second)

	code, body := s.hsUser.do(http.MethodDelete, "/crm/v3/objects/deals/"+hsID, nil)
	require.Equal(t, http.StatusNoContent, code, string(body))
	s.sfUser.update("Opportunity", opp, map[string]any{"StageName": "Value Proposition"})
	eventually(t, 20*time.Second, func() bool {
		v, err := s.deal(coSellID)
		return err == nil && v.Sides[vocab.B].Unlinked
	}, "the deleted mirror is detected and unlinked (the default on_delete)")
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	assert.True(t, hasIssueKind(v.Issues, vocab.IssueDeleted), "%+v", v.Issues)
	assert.Empty(t, s.hsDealsByCoSellID(coSellID), "not recreated with part of the record")
}

func hasIssueKind(issues []api.SyncIssue, kind string) bool {
	for _, is := range issues {
		if is.Kind == kind {
			return true
		}
	}
	return false
}
