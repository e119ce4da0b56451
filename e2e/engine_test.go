//go:build e2e

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// The deal engine's rules of issue #7 against the real dev server and the fakes over HTTP.

func TestEditedCoSellIDIsRestoredWithoutASecondMirror(t *testing.T) {
	s, opp, coSellID, hsID := restoresCoSellID(t, "Edited id", "CS-MISTYPED")
	assert.Empty(t, s.hsDealsByCoSellID("CS-MISTYPED"))
	// Writes keep going to the linked record.
	s.sfUser.update("Opportunity", opp, map[string]any{"NextStep": "Security review"})
	eventually(t, 20*time.Second, func() bool {
		return s.hsUser.getDeal(hsID)["hs_next_step"] == "Security review"
	}, "a later edit reaches the mirror")
	assert.Len(t, s.hsDealsByCoSellID(coSellID), 1, "no second mirror")
}

// TestClearedCoSellIDIsRestoredWithoutASecondDeal: a flagged record with no co-sell id looks like a
// brand-new registration to the feed; the record directory tells it the record is a mirror.
func TestClearedCoSellIDIsRestoredWithoutASecondDeal(t *testing.T) {
	s, _, coSellID, hsID := restoresCoSellID(t, "Cleared id", "")
	_, err := s.deal(api.NewCoSellID(s.pairingID, pairing.B, hsID))
	assert.Error(t, err, "no deal under the id derived from the mirror")
	s.recordHistory(api.DealWorkflowID(coSellID), "deal-directory")
}

// restoresCoSellID mirrors a new opportunity, then a Globex user overwrites the co-sell id on the mirror
// with typed (empty: clears it) and edits the amount in the same save. The feed routes the mirror to its
// deal by the record directory: the id is restored at once and shown as a sync issue, the amount crosses,
// and there stays one deal workflow and one record per side.
func restoresCoSellID(t *testing.T, name, typed string) (s *stack, opp, coSellID, hsID string) {
	t.Helper()
	s = newStack(t, stackOptions{poll: time.Second})
	s.startWorker()
	opp = s.flagOpportunity(name)
	coSellID, hsID = s.waitMirror(opp, 15*time.Second)

	s.hsUser.updateDeal(hsID, map[string]any{"cosell_id": typed, "amount": "77000"})
	eventually(t, 20*time.Second, func() bool {
		return s.hsUser.getDeal(hsID)["cosell_id"] == coSellID && s.sfUser.get("Opportunity", opp)["Amount"] == 77000.0
	}, "the mirror reaches its own deal: the id is restored and the amount saved with %q crosses", typed)
	s.waitFeedPolls(3, 20*time.Second) // time for a second deal, were one started, to stamp and mirror

	assert.Equal(t, 1, s.dealWorkflows(), "one deal workflow for the pairing")
	assert.Len(t, s.sfUser.query("SELECT Id FROM Opportunity WHERE Name = '"+name+"'"), 1, "one opportunity")
	assert.Equal(t, 1, s.countMirrors(), "one HubSpot deal carries a co-sell id")
	assert.Len(t, s.hsDealsByCoSellID(coSellID), 1)
	assert.Equal(t, coSellID, s.hsUser.getDeal(hsID)["cosell_id"], "the id stays restored")
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	assert.True(t, hasIssueKind(v.Issues, vocab.IssueCoSellID), "%+v", v.Issues)
	return s, opp, coSellID, hsID
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
