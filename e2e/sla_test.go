//go:build e2e

package e2e

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/mocks/mockkit"
	slackmock "github.com/cosellsync/cosell/mocks/slack"
)

// slaScale compresses SLA time so a day lasts 20 s: a 24 h request warns at 16 s (80 %), breaches at 20 s,
// and each escalation level comes 20 s after the one before (the demo ladder: 0 h, 24 h, 48 h, 72 h) —
// room enough for a busy 2-core machine to process a reply between two levels.
const slaScale = "4320"

// withSlack adds a fake Slack to the stack and points the pairing's webhook variable at it.
func (s *stack) withSlack() *slackmock.Server {
	sl := slackmock.New(slackmock.Options{})
	ts := httptest.NewServer(sl)
	s.t.Cleanup(ts.Close)
	s.env["COSELL_SLACK_WEBHOOK_URL"] = ts.URL + slackmock.DefaultWebhookPath
	s.env["COSELL_SLA_TIME_SCALE"] = slaScale
	return sl
}

var noticeKey = regexp.MustCompile(`notice (CS-[A-Z0-9]+/[^ "\\]+)`)

// slackEvents lists the notice keys Slack received about one SLA ("request:…", "registration:…"), in order.
func slackEvents(sl *slackmock.Server, sla string) []string {
	var out []string
	for _, m := range sl.Messages() {
		for _, k := range noticeKey.FindAllStringSubmatch(string(m.Blocks), -1) {
			if strings.Contains(k[1], "/"+sla) {
				parts := strings.SplitN(k[1], "/", 3)
				out = append(out, parts[2])
			}
		}
	}
	return out
}

// taskSubjects lists the subjects of the CRM tasks on the deal in each CRM.
func (s *stack) taskSubjects(oppID, hsID string) (sf, hs []string) {
	for _, t := range s.sfUser.query("SELECT Subject, CoSell_Note_Key__c FROM Task WHERE WhatId = '" + oppID + "' AND Subject LIKE '[Co-sell]%'") {
		sf = append(sf, fmt.Sprint(t["Subject"]))
	}
	for _, t := range s.hs.Tasks() {
		for _, d := range t.Associated {
			if d == hsID {
				hs = append(hs, t.Properties["hs_task_subject"])
			}
		}
	}
	return sf, hs
}

func TestUnansweredRequestEscalatesOnceAndAReplyStopsIt(t *testing.T) {
	s := newStack(t, stackOptions{})
	sl := s.withSlack()
	w := s.startWorkerProcess()
	opp := s.flagOpportunity("Cyberdyne pilot")
	coSellID, hsID := s.waitMirror(opp, 10*time.Second)
	// Globex accepts the registration in its CRM (cosell_status, issue #9), so only the request's ladder
	// runs; an edit alone no longer accepts a deal registered under a pairing that maps the status.
	s.hsUser.updateDeal(hsID, map[string]any{"hs_next_step": "Schedule the joint call", "cosell_status": "accepted"})
	eventually(t, 10*time.Second, func() bool {
		return s.sfUser.get("Opportunity", opp)["NextStep"] == "Schedule the joint call"
	}, "Globex's edit syncs")

	asked := time.Now()
	s.sfUser.create("Task", map[string]any{"WhatId": opp, "Subject": "Ask", "OwnerId": s.sfUser.userID("jane.doe@acme.example"),
		"Description": "#partner #request Can you send the security questionnaire?"})
	eventually(t, 30*time.Second, func() bool { return len(slackEvents(sl, "request:")) >= 1 }, "the warning")

	// Kill the worker between the warning and the breach, once the warning is recorded as delivered, and
	// bring it back. (Killed inside the Slack HTTP call itself, a worker may repeat that one message:
	// Slack's incoming webhooks take no idempotency key. CRM tasks are keyed and cannot repeat.)
	eventually(t, 10*time.Second, func() bool {
		v, err := s.deal(coSellID)
		return err == nil && len(v.Outbox) == 0
	}, "the warning recorded as delivered on every channel")
	require.NoError(t, w.Process.Signal(syscall.SIGKILL))
	_, _ = w.Process.Wait()
	s.startWorkerProcess()

	eventually(t, 90*time.Second, func() bool { return len(slackEvents(sl, "request:")) >= 4 }, "breach, L1 and L2 (got %v)",
		func() any { return slackEvents(sl, "request:") })
	s.hsUser.createNote(hsID, "#partner Sent it this morning")
	eventually(t, 20*time.Second, func() bool {
		ev := slackEvents(sl, "request:")
		return len(ev) > 0 && strings.HasSuffix(ev[len(ev)-1], "resolved")
	}, "the reply resolves the request (got %v)", func() any { return slackEvents(sl, "request:") })
	time.Sleep(time.Until(asked.Add(70 * time.Second))) // past where L3 would have fired (60 s)

	got := slackEvents(sl, "request:")
	require.GreaterOrEqual(t, len(got), 5, "%v", got)
	want := []string{"warning/0", "breach/0", "escalation/1", "escalation/2"}
	ids := got
	assert.Equal(t, want, ids[:4], "in order, each once, across the kill")
	assert.Equal(t, "resolved", ids[len(ids)-1])
	assert.Len(t, ids, 5, "warning, breach, L1, L2, resolved: %v", ids)
	assert.NotContains(t, ids, "escalation/3", "the reply stopped the ladder")
	seen := map[string]int{}
	for _, id := range ids {
		seen[id]++
	}
	for id, n := range seen {
		assert.Equal(t, 1, n, "%s delivered once", id)
	}

	sfTasks, hsTasks := s.taskSubjects(opp, hsID)
	for _, subjects := range [][]string{sfTasks, hsTasks} {
		count := map[string]int{}
		for _, sub := range subjects {
			count[sub]++
		}
		assert.Equal(t, 1, count["[Co-sell] SLA due soon: Cyberdyne pilot"], "%v", subjects)
		assert.Equal(t, 1, count["[Co-sell] SLA breached: Cyberdyne pilot"], "%v", subjects)
		assert.Equal(t, 1, count["[Co-sell] Escalated to L1: Cyberdyne pilot"], "%v", subjects)
		assert.Equal(t, 1, count["[Co-sell] Escalated to L2: Cyberdyne pilot"], "%v", subjects)
		assert.Zero(t, count["[Co-sell] Escalated to L3: Cyberdyne pilot"], "%v", subjects)
	}
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	var closed bool
	for _, r := range v.SLAHistory {
		if r.Kind == "request" {
			closed = true
			assert.Equal(t, 2, r.Level)
			assert.Equal(t, "reply from Globex", r.Resolution)
		}
	}
	assert.True(t, closed)
	s.recordHistory(api.DealWorkflowID(coSellID), "deal-sla")
}

func TestFailingNotifierDelaysOnlyItsOwnNotice(t *testing.T) {
	s := newStack(t, stackOptions{})
	sl := s.withSlack()
	s.startWorker()
	opp := s.flagOpportunity("Tyrell renewal")
	_, hsID := s.waitMirror(opp, 10*time.Second)

	sl.Admin().AddFault(mockkit.Fault{Status: 500}) // Slack answers 500 rollup_error for a while
	s.sfUser.create("Task", map[string]any{"WhatId": opp, "Subject": "Ask", "Description": "#partner #request Pricing for 500 seats?"})
	// The warning (16 s) is due while Slack fails. The sync keeps flowing meanwhile.
	time.Sleep(18 * time.Second)
	s.sfUser.update("Opportunity", opp, map[string]any{"Amount": 480000})
	eventually(t, 10*time.Second, func() bool { return s.hsDealNow(hsID)["amount"] == "480000" }, "the sync flows while Slack fails")
	sfTasks, hsTasks := s.taskSubjects(opp, hsID)
	assert.Contains(t, sfTasks, "[Co-sell] SLA due soon: Tyrell renewal", "the CRM tasks are not held up by Slack")
	assert.Contains(t, hsTasks, "[Co-sell] SLA due soon: Tyrell renewal")
	assert.Empty(t, slackEvents(sl, "request:"), "nothing reached Slack while it failed")

	sl.Admin().ClearFaults()
	eventually(t, 60*time.Second, func() bool {
		ev := slackEvents(sl, "request:")
		return len(ev) > 0 && strings.HasSuffix(ev[0], "warning/0")
	}, "the warning arrives once Slack recovers")
	count := 0
	for _, e := range slackEvents(sl, "request:") {
		if strings.HasSuffix(e, "warning/0") {
			count++
		}
	}
	assert.Equal(t, 1, count, "delivered once")
}
