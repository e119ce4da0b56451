//go:build e2e

package e2e

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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
		return s.hsDealNow(hsID)["hs_next_step"] == "Security review"
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
		return s.hsDealNow(hsID)["cosell_id"] == coSellID && s.sfUser.get("Opportunity", opp)["Amount"] == 77000.0
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
		return s.hsDealNow(hsID)["cosell_enabled"] == "false"
	}, "the mirror is marked as no longer co-sold")
	time.Sleep(3 * time.Second) // a few polls
	assert.NotEqual(t, "internal only: 40% discount", s.hsUser.getDeal(hsID)["hs_next_step"], "the internal next step stays home")
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	assert.True(t, v.Paused)
	assert.True(t, hasIssueKind(v.Issues, vocab.IssueUnflagged), "%+v", v.Issues)

	s.sfUser.update("Opportunity", opp, map[string]any{"CoSell_Enabled__c": true, "NextStep": "Joint demo"})
	eventually(t, 20*time.Second, func() bool {
		h := s.hsDealNow(hsID)
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

func TestSalesforceEditBetweenReadAndWriteIsNotOverwritten(t *testing.T) {
	var (
		s        *stack
		opp      string
		armed    atomic.Bool
		hsSaved  atomic.Int64 // when the HubSpot rep saved, in Unix nanoseconds
		refused  atomic.Int32 // the status the fake gave the deal's write
		repSave  atomic.Int32 // the status of the Salesforce rep's save
		token    string       // the rep's session, set before the race is armed
		refusals atomic.Int32 // every 412 the fake answered
	)
	// An Acme rep saves the opportunity's next step after the deal read it and before the deal's write
	// of Globex's next step reaches Salesforce: the write is held at the fake until the rep has saved.
	race := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls := sfCallsOf(r) // alone, or coalesced into a Composite call
			at := -1
			var since time.Time
			for i, c := range calls {
				when, err := http.ParseTime(c.Header.Get("If-Unmodified-Since"))
				if c.Method == http.MethodPatch && err == nil && strings.HasSuffix(c.Path, "/sobjects/Opportunity/"+opp) &&
					bytes.Contains(c.Body, []byte("Send the proposal")) {
					at, since = i, when
					break
				}
			}
			if at < 0 || !armed.CompareAndSwap(true, false) {
				next.ServeHTTP(w, r)
				return
			}
			// Stamped in a later whole second than both the deal's look and the HubSpot save, the rep's
			// save is after the condition and the last writer.
			after := time.Unix(0, hsSaved.Load()).Truncate(time.Second)
			if since.After(after) {
				after = since
			}
			time.Sleep(time.Until(after.Add(time.Second)))
			save := httptest.NewRequest(http.MethodPatch, "/services/data/v63.0/sobjects/Opportunity/"+opp,
				strings.NewReader(`{"NextStep":"Legal review first"}`))
			save.Header.Set("Authorization", "Bearer "+token)
			save.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, save)
			repSave.Store(int32(rec.Code))

			rw := &recorder{ResponseWriter: w}
			next.ServeHTTP(rw, r)
			if st := sfStatuses(r, rw.status, rw.body.Bytes()); at < len(st) {
				refused.Store(int32(st[at]))
			}
		})
	}
	count := func(next http.Handler) http.Handler { // every write Salesforce refuses by its condition
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rw := &recorder{ResponseWriter: w}
			next.ServeHTTP(rw, r)
			for _, st := range sfStatuses(r, rw.status, rw.body.Bytes()) {
				if st == http.StatusPreconditionFailed {
					refusals.Add(1)
				}
			}
		})
	}
	s = newStack(t, stackOptions{poll: time.Second, sfWrap: func(h http.Handler) http.Handler { return count(race(h)) }})
	s.startWorker()
	opp = s.flagOpportunity("Read then write")
	coSellID, hsID := s.waitMirror(opp, 15*time.Second)
	s.waitFeedPolls(2, 15*time.Second) // registration's own writes are done
	require.Zero(t, refusals.Load(), "registration's writes are not refused by its own stamp")
	s.sfUser.get("Opportunity", opp) // the rep logs in
	token = s.sfUser.token

	armed.Store(true)
	hsSaved.Store(time.Now().UnixNano())
	s.hsUser.updateDeal(hsID, map[string]any{"hs_next_step": "Send the proposal"})
	eventually(t, 20*time.Second, func() bool { return refused.Load() != 0 }, "the deal writes Globex's next step to Salesforce")
	require.Equal(t, int32(http.StatusNoContent), repSave.Load(), "the rep's save landed")
	assert.Equal(t, int32(http.StatusPreconditionFailed), refused.Load(), "Salesforce refuses the write decided before the rep's save")

	eventually(t, 20*time.Second, func() bool {
		return s.sfUser.get("Opportunity", opp)["NextStep"] == "Legal review first" &&
			s.hsDealNow(hsID)["hs_next_step"] == "Legal review first"
	}, "the rep's save stands and, being the later edit, crosses to HubSpot: Salesforce %v, HubSpot %v",
		func() any { return s.sfUser.get("Opportunity", opp)["NextStep"] }, func() any { return s.hsDealNow(hsID)["hs_next_step"] })
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	require.Len(t, v.Conflicts, 1, "the new decision saw both edits: %+v", v.Conflicts)
	assert.Equal(t, "next_step", v.Conflicts[0].Field)
	assert.Equal(t, pairing.A, v.Conflicts[0].Winner)
	assert.Empty(t, v.Issues, "a write refused once is no sync issue")
	assert.Equal(t, int32(1), refusals.Load(), "and it was refused once only")
	s.recordHistory(api.DealWorkflowID(coSellID), "deal-modified")
}

func hasIssueKind(issues []api.SyncIssue, kind string) bool {
	for _, is := range issues {
		if is.Kind == kind {
			return true
		}
	}
	return false
}
