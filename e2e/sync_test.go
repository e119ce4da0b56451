//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/mocks/mockkit"
	"github.com/cosellsync/cosell/pairing"
)

// flagOpportunity creates an opportunity owned by Jane Doe and flagged for co-sell, as an Acme rep would.
func (s *stack) flagOpportunity(name string) string {
	return s.sfUser.create("Opportunity", map[string]any{
		"Name": name, "StageName": "Qualification", "CloseDate": "2026-12-31", "Amount": 125000,
		"NextStep": "Joint discovery call", "OwnerId": s.sfUser.userID("jane.doe@acme.example"), "CoSell_Enabled__c": true,
	})
}

// waitMirror waits for the HubSpot mirror of an opportunity and returns the co-sell id and HubSpot id.
func (s *stack) waitMirror(oppID string, within time.Duration) (coSellID, hsID string) {
	s.t.Helper()
	eventually(s.t, within, func() bool {
		id, _ := s.sfUser.get("Opportunity", oppID)["CoSell_Id__c"].(string)
		if id == "" {
			return false
		}
		m := s.hsDealsByCoSellID(id)
		if len(m) == 0 {
			return false
		}
		coSellID, hsID = id, m[0].ID
		return true
	}, "opportunity %s mirrored to HubSpot", oppID)
	if !s.traced {
		s.traced = true // the test's first deal: its history is printed if the test fails
		s.traceOnFailure(api.DealWorkflowID(coSellID))
	}
	return coSellID, hsID
}

func (s *stack) sfTasks(oppID string) []map[string]any {
	return s.sfUser.query("SELECT Id, Subject, Description, CoSell_Note_Key__c FROM Task WHERE WhatId = '" + oppID + "'")
}

func (s *stack) hsNotes(dealID string) []string {
	var bodies []string
	for _, n := range s.hs.Notes() {
		for _, d := range n.Associated {
			if d == dealID && !n.Archived {
				bodies = append(bodies, n.Properties["hs_note_body"])
			}
		}
	}
	return bodies
}

func TestMirrorBothWaysWithNotesAndNoEcho(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker()

	start := time.Now()
	opp := s.flagOpportunity("Initech rollout")
	coSellID, hsID := s.waitMirror(opp, 10*time.Second)
	t.Logf("Salesforce → HubSpot mirror in %s", time.Since(start).Round(time.Millisecond))

	m := s.hsUser.getDeal(hsID)
	assert.Equal(t, "Initech rollout", m["dealname"])
	assert.Equal(t, "qualifiedtobuy", m["dealstage"], "stage through the value map")
	assert.Equal(t, "125000", m["amount"])
	assert.True(t, strings.HasPrefix(fmt.Sprint(m["closedate"]), "2026-12-31"), "close date %v", m["closedate"])
	assert.Equal(t, "Joint discovery call", m["hs_next_step"])
	assert.Equal(t, coSellID, m["cosell_id"])
	assert.Equal(t, "true", m["cosell_enabled"])
	assert.Equal(t, "71001", m["hubspot_owner_id"], "owner from the owner map (jane.doe → jdoe)")
	assert.Equal(t, "Jane Doe", m["cosell_partner_owner_name"])
	assert.Equal(t, "jane.doe@acme.example", m["cosell_partner_owner_email"])
	eventually(t, 10*time.Second, func() bool {
		return s.sfUser.get("Opportunity", opp)["CoSell_Partner_Owner_Email__c"] == "jdoe@globex.example"
	}, "the Salesforce side shows Globex's owner")
	assert.Equal(t, "John Doe", s.sfUser.get("Opportunity", opp)["CoSell_Partner_Owner_Name__c"])

	// An expired Salesforce session is refreshed transparently.
	s.sf.ExpireTokens()

	// A stage change in HubSpot reaches Salesforce.
	s.hsUser.updateDeal(hsID, map[string]any{"dealstage": "contractsent"})
	eventually(t, 10*time.Second, func() bool {
		return s.sfUser.get("Opportunity", opp)["StageName"] == "Proposal/Price Quote"
	}, "HubSpot's stage change reaches Salesforce")

	// A shared note on each side appears on the other exactly once; a private one stays home.
	s.sfUser.create("Task", map[string]any{"WhatId": opp, "Subject": "Call", "Description": "#partner Customer asked for SSO", "OwnerId": s.sfUser.userID("jane.doe@acme.example")})
	s.sfUser.create("Task", map[string]any{"WhatId": opp, "Subject": "Internal", "Description": "Margin is thin on this one"})
	s.hsUser.createNote(hsID, "#partner Security review booked for Tuesday")
	eventually(t, 10*time.Second, func() bool {
		return len(s.hsNotes(hsID)) == 2 && len(s.sfTasks(opp)) == 3
	}, "notes mirrored (HubSpot %v, Salesforce %v)", func() any { return s.hsNotes(hsID) }, func() any { return s.sfTasks(opp) })

	// Converged: let the feeds settle, then two more poll cycles must write nothing anywhere.
	s.waitFeedPolls(2, 15*time.Second)
	s.sf.Admin().ResetCalls()
	s.hs.Admin().ResetCalls()
	s.waitFeedPolls(2, 15*time.Second)
	assert.Zero(t, writes(s.sf.Admin()), "no echo writes to Salesforce: %+v", s.sf.Admin().Snapshot())
	assert.Zero(t, writes(s.hs.Admin()), "no echo writes to HubSpot: %+v", s.hs.Admin().Snapshot())

	var fromAcme []string
	for _, body := range s.hsNotes(hsID) {
		if strings.Contains(body, "Customer asked for SSO") {
			fromAcme = append(fromAcme, body)
		}
		assert.NotContains(t, body, "Margin is thin", "a note without the tag stays home")
	}
	require.Len(t, fromAcme, 1, "exactly one mirrored note on HubSpot")
	assert.Contains(t, fromAcme[0], "[Acme · Jane Doe]")
	mirrored := 0
	for _, task := range s.sfTasks(opp) {
		if d, _ := task["Description"].(string); strings.Contains(d, "Security review booked") {
			mirrored++
			assert.True(t, strings.HasPrefix(d, "[Globex"), "attributed: %q", d)
			assert.NotEmpty(t, task["CoSell_Note_Key__c"])
		}
	}
	assert.Equal(t, 1, mirrored, "exactly one mirrored note on Salesforce")

	v, err := s.deal(coSellID)
	require.NoError(t, err)
	assert.Equal(t, "proposal", v.Sides[pairing.A].Values["stage"])
	assert.Equal(t, 2, v.NotesSynced)
	assert.Empty(t, v.Issues)

	// What an operator sees with `cosell deal show`.
	show := exec.Command(cosellBin, "deal", "show", coSellID)
	show.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+temporalAddr)
	out, err := show.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "Deal "+coSellID)
	assert.Regexp(t, `stage\s+proposal\s+proposal`, string(out))
	assert.Contains(t, string(out), "notes mirrored: 2")
	assert.Contains(t, string(out), "Sync issues (0)")

	s.recordHistory(s.feedID(pairing.A), "feed-connection")
	s.recordHistory(api.DealWorkflowID(coSellID), "deal-mirror")
}

func TestDealFlaggedInHubSpotIsMirroredToSalesforce(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker()
	hsID := s.hsUser.createDeal(map[string]any{
		"dealname": "Hooli expansion", "dealstage": "presentationscheduled", "pipeline": "default",
		"amount": "310000", "closedate": "2027-01-20", "hubspot_owner_id": "71004", "cosell_enabled": "true",
	})
	var opp map[string]any
	eventually(t, 10*time.Second, func() bool {
		recs := s.sfUser.query("SELECT Id, Name, StageName, Amount, CloseDate, OwnerId, CoSell_Id__c, CoSell_Enabled__c, CoSell_Partner_Owner_Name__c FROM Opportunity WHERE Name = 'Hooli expansion'")
		if len(recs) != 1 {
			return false
		}
		opp = recs[0]
		return true
	}, "the HubSpot deal appears in Salesforce")
	assert.Equal(t, "Value Proposition", opp["StageName"])
	assert.EqualValues(t, 310000, opp["Amount"])
	assert.Equal(t, "2027-01-20", opp["CloseDate"])
	assert.Equal(t, true, opp["CoSell_Enabled__c"])
	assert.Equal(t, s.sfUser.userID("ops@acme.example"), opp["OwnerId"], "no owner-map entry for kim.park: the fallback owner")
	assert.Equal(t, "Kim Park", opp["CoSell_Partner_Owner_Name__c"])
	eventually(t, 10*time.Second, func() bool {
		return s.hsDealNow(hsID)["cosell_id"] == opp["CoSell_Id__c"]
	}, "the co-sell id is written back to HubSpot")
	assert.Equal(t, api.NewCoSellID(s.pairingID, pairing.B, hsID), opp["CoSell_Id__c"])
}

func TestConcurrentEditsResolveByPolicy(t *testing.T) {
	s := newStack(t, stackOptions{poll: 2 * time.Second})
	s.startWorker()
	opp := s.flagOpportunity("Globex renewal")
	coSellID, hsID := s.waitMirror(opp, 15*time.Second)
	s.waitFeedPolls(1, 15*time.Second)

	// Right after a poll, both reps edit: the stage on both sides (HubSpot last), and one other field each.
	s.sfUser.update("Opportunity", opp, map[string]any{"StageName": "Value Proposition", "Amount": 150000})
	time.Sleep(20 * time.Millisecond)
	s.hsUser.updateDeal(hsID, map[string]any{"dealstage": "decisionmakerboughtin", "hs_next_step": "Send the proposal"})

	eventually(t, 15*time.Second, func() bool {
		o := s.sfUser.get("Opportunity", opp)
		h := s.hsDealNow(hsID)
		return o["StageName"] == "Id. Decision Makers" && h["dealstage"] == "decisionmakerboughtin" &&
			h["amount"] == "150000" && o["NextStep"] == "Send the proposal"
	}, "both sides converge: the later stage wins, both other edits survive")
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	require.Len(t, v.Conflicts, 1, "%+v", v.Conflicts)
	assert.Equal(t, "stage", v.Conflicts[0].Field)
	assert.Equal(t, pairing.B, v.Conflicts[0].Winner)
	assert.Equal(t, pairing.LastWriterWins, v.Conflicts[0].Policy)
	s.recordHistory(api.DealWorkflowID(coSellID), "deal-conflict")
}

func TestRejectionsBecomeSyncIssuesWhileOtherFieldsSync(t *testing.T) {
	s := newStack(t, stackOptions{pairingMod: func(p string) string {
		// Map one stage to a value each CRM refuses, as a stale mapping would.
		p = strings.Replace(p, "a: Proposal/Price Quote,", "a: Proposal,", 1)
		return strings.Replace(p, "b: closedlost }", "b: closedlost_legacy }", 1)
	}})
	s.startWorker()
	opp := s.flagOpportunity("Stark pilot")
	coSellID, hsID := s.waitMirror(opp, 10*time.Second)

	// HubSpot → Salesforce: Salesforce refuses "Proposal" (restricted picklist); the amount still syncs.
	s.hsUser.updateDeal(hsID, map[string]any{"dealstage": "contractsent", "amount": "175000"})
	eventually(t, 10*time.Second, func() bool {
		v, err := s.deal(coSellID)
		return err == nil && hasIssue(v, pairing.A, "stage", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
	}, "Salesforce's rejection shows on the deal")
	eventually(t, 10*time.Second, func() bool {
		return fmt.Sprint(s.sfUser.get("Opportunity", opp)["Amount"]) == "175000"
	}, "the amount still syncs")
	assert.Equal(t, "Qualification", s.sfUser.get("Opportunity", opp)["StageName"])

	// Salesforce → HubSpot: HubSpot refuses a stage its pipeline lacks; the next step still syncs.
	s.sfUser.update("Opportunity", opp, map[string]any{"StageName": "Closed Lost", "NextStep": "Post-mortem"})
	eventually(t, 10*time.Second, func() bool {
		v, err := s.deal(coSellID)
		return err == nil && hasIssue(v, pairing.B, "stage", "closedlost_legacy")
	}, "HubSpot's rejection shows on the deal")
	eventually(t, 10*time.Second, func() bool { return s.hsDealNow(hsID)["hs_next_step"] == "Post-mortem" }, "next step syncs")
	v, _ := s.deal(coSellID)
	for _, is := range v.Issues {
		t.Logf("sync issue: %+v", is)
	}
	s.recordHistory(api.DealWorkflowID(coSellID), "deal-rejections")
}

func TestExhaustedBudgetIsSurfaced(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker()
	opp := s.flagOpportunity("Wayne Enterprises")
	coSellID, hsID := s.waitMirror(opp, 10*time.Second)

	s.sf.Admin().AddFault(mockkit.Fault{Status: 403}) // every call: 403 REQUEST_LIMIT_EXCEEDED
	s.hsUser.updateDeal(hsID, map[string]any{"amount": "99000"})
	eventually(t, 20*time.Second, func() bool {
		v, err := s.deal(coSellID)
		return err == nil && hasIssue(v, pairing.A, "", "REQUEST_LIMIT_EXCEEDED")
	}, "the exhausted Salesforce budget shows on the deal")
}

func hasIssue(v api.DealView, side pairing.Side, field, text string) bool {
	for _, is := range v.Issues {
		if is.Side == side && (field == "" || is.Field == field) && strings.Contains(is.Message, text) {
			return true
		}
	}
	return false
}

func TestKillWorkerMidSyncConverges(t *testing.T) {
	s := newStack(t, stackOptions{})
	jane := s.sfUser.userID("jane.doe@acme.example")
	const n = 50
	opps := make([]string, n)
	for i := range opps {
		opps[i] = s.sfUser.create("Opportunity", map[string]any{
			"Name": fmt.Sprintf("Deal %02d", i), "StageName": "Prospecting", "CloseDate": "2027-03-31",
			"Amount": 1000 * (i + 1), "OwnerId": jane, "CoSell_Enabled__c": true,
		})
		s.sfUser.create("Task", map[string]any{"WhatId": opps[i], "Subject": "Kickoff", "Description": fmt.Sprintf("#partner kickoff notes %02d", i)})
	}
	// Slow HubSpot down so the kill lands mid-sync.
	s.hs.Admin().AddFault(mockkit.Fault{LatencyMS: 150})

	w := s.startWorkerProcess()
	eventually(t, 60*time.Second, func() bool { return s.countMirrors() >= 5 }, "some mirrors before the kill")
	require.NoError(t, w.Process.Signal(syscall.SIGKILL))
	_, _ = w.Process.Wait()
	before := s.countMirrors()
	t.Logf("killed the worker with %d of %d deals mirrored", before, n)
	require.Less(t, before, n, "the kill must land mid-sync")

	s.hs.Admin().ClearFaults()
	s.startWorkerProcess()
	eventually(t, 120*time.Second, func() bool {
		if s.countMirrors() < n {
			return false
		}
		notes := 0
		for _, d := range s.hs.Deals() {
			notes += len(s.hsNotes(d.ID))
		}
		return notes >= n
	}, "all %d deals and notes mirrored after the restart", n)

	for _, opp := range opps {
		id, _ := s.sfUser.get("Opportunity", opp)["CoSell_Id__c"].(string)
		require.NotEmpty(t, id)
		mirrors := s.hsDealsByCoSellID(id)
		require.Len(t, mirrors, 1, "exactly one mirror for %s", id)
		assert.Len(t, s.hsNotes(mirrors[0].ID), 1, "exactly one note on the mirror of %s", id)
		assert.Len(t, s.sfTasks(opp), 1, "the mirrored note never comes back to %s", opp)
	}
	assert.Len(t, s.hs.Deals(), n, "no stray deals in HubSpot")
}

func (s *stack) countMirrors() int {
	n := 0
	for _, d := range s.hs.Deals() {
		if d.Properties["cosell_id"] != "" && !d.Archived {
			n++
		}
	}
	return n
}
