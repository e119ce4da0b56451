package workflows

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/sla"
)

// captured is a Slack stand-in that records what it is sent, and can refuse for a while.
type captured struct {
	mu      sync.Mutex
	notices []notify.Notice
	failing bool
}

func (c *captured) Name() string { return "slack" }

func (c *captured) Notify(_ context.Context, n notify.Notice) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failing {
		return &notify.Error{Notifier: "slack", Status: 500, Message: "rollup_error", Retryable: true}
	}
	c.notices = append(c.notices, n)
	return nil
}

func (c *captured) setFailing(v bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failing = v
}

// events lists "event/level" of the notices about one SLA, in the order they were sent.
func (c *captured) events(slaID string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, n := range c.notices {
		if strings.Contains(n.Key, "/"+slaID+"/") {
			e := string(n.Event)
			if n.Level > 0 {
				e += fmt.Sprintf("/L%d", n.Level)
			}
			out = append(out, e)
		}
	}
	return out
}

// count counts the notices of one event kind.
func (c *captured) count(event notify.Event) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, x := range c.notices {
		if x.Event == event {
			n++
		}
	}
	return n
}

func (c *captured) keys() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for _, n := range c.notices {
		out[n.Key]++
	}
	return out
}

var fullLadder = []string{"sla_warning", "sla_breached", "sla_escalated/L1", "sla_escalated/L2", "sla_escalated/L3", "sla_escalated/L4"}

// registerWithRequest mirrors the flagged opportunity, then Acme asks Globex a question.
func (s *dealSuite) registerWithRequest(rec string) {
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(time.Minute, func() {
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.A, RecordID: rec, Notes: []api.NoteEvent{{
			Side: pairing.A, NoteID: "00T-req", Body: "#partner #request Can you send the security questionnaire?", AuthorName: "Jane Doe",
		}}})
	})
}

func (s *dealSuite) replyFromGlobex(id string) func() {
	return func() {
		m := s.mirror(id)
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.B, RecordID: m.RecordID, Notes: []api.NoteEvent{{
			Side: pairing.B, NoteID: "n-reply", Body: "#partner Sent it over this morning", AuthorName: "John Doe",
		}}})
	}
}

func (s *dealSuite) TestRequestSLABreachesAndEscalatesToL4() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.registerWithRequest(rec)
	var v api.DealView
	s.at(36*time.Hour, func() { v = s.view() })
	s.run(id, 6*24*time.Hour)

	s.Equal(fullLadder, s.slack.events("request:00T-req"), "the request ladder, in order, each once")
	s.Equal(fullLadder, s.slack.events("registration:registration"), "Globex never acted on the registration either")
	for key, n := range s.slack.keys() {
		s.Equal(1, n, "notice %s sent once", key)
	}
	// Mid-ladder the query shows the breach, the level and the absolute deadline.
	var req *api.SLAState
	for i := range v.SLAs {
		if v.SLAs[i].Kind == sla.Request {
			req = &v.SLAs[i]
		}
	}
	s.Require().NotNil(req)
	start := time.Date(2026, 11, 23, 9, 1, 0, 0, time.UTC)
	s.Equal(start.Add(24*time.Hour), req.Deadline.UTC())
	s.Equal(start.Add(24*time.Hour), req.BreachedAt.UTC())
	s.Equal(1, req.Level)
	s.Equal("b", req.Waiting)
	// Every actionable notice is a task in both CRMs, for the right people.
	m := s.mirror(id)
	s.Len(s.sf.Tasks(rec), 12, "6 request + 6 registration notices on Acme's side")
	s.Len(s.hs.Tasks(m.RecordID), 12)
	var l2 []string
	for _, t := range s.hs.Tasks(m.RecordID) {
		if strings.Contains(t.Subject, "Escalated to L2") {
			l2 = append(l2, t.Body)
		}
	}
	s.Require().Len(l2, 2)
	s.Contains(l2[0], "kim.manager@globex.example", "L2 reaches Globex's partner manager")
}

func (s *dealSuite) TestReplyBeforeTheWarningIsQuiet() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.registerWithRequest(rec)
	s.at(10*time.Hour, s.replyFromGlobex(id))
	var v api.DealView
	s.at(5*24*time.Hour, func() { v = s.view() })
	s.run(id, 6*24*time.Hour)
	s.Empty(s.slack.events("request:00T-req"))
	s.Empty(s.slack.events("registration:registration"), "Globex's note accepts the registration too")
	s.Require().Len(v.SLAHistory, 2)
	for _, r := range v.SLAHistory {
		s.Equal("reply from Globex", r.Resolution)
		s.True(r.BreachedAt.IsZero())
	}
}

func (s *dealSuite) TestReplyBetweenWarningAndBreach() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.registerWithRequest(rec)
	s.at(22*time.Hour, s.replyFromGlobex(id))
	s.run(id, 6*24*time.Hour)
	s.Equal([]string{"sla_warning", "sla_resolved"}, s.slack.events("request:00T-req"))
}

func (s *dealSuite) TestReplyMidLadderStopsIt() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.registerWithRequest(rec)
	s.at(60*time.Hour, s.replyFromGlobex(id)) // after L2 (48 h past the start), before L3
	s.run(id, 8*24*time.Hour)
	s.Equal([]string{"sla_warning", "sla_breached", "sla_escalated/L1", "sla_escalated/L2", "sla_resolved/L2"}, s.slack.events("request:00T-req"),
		"the resolution says the level it stopped at")
}

func (s *dealSuite) TestStageChangeResetsTheStageSLA() {
	rec := s.flagOnSalesforce() // Qualification: 14 days
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(10*24*time.Hour, func() {
		s.sf.Put(rec, map[string]any{"StageName": "Value Proposition"}) // presentation: 14 days from now
		s.trigger(pairing.A, rec)
	})
	var v api.DealView
	s.at(20*24*time.Hour, func() { v = s.view() })
	s.run(id, 30*24*time.Hour)

	s.Empty(s.slack.events("stage:qualification"), "left before its warning (11.2 days)")
	s.Equal(fullLadder, s.slack.events("stage:presentation"), "the presentation clock runs its full ladder by day 27")
	s.Require().Len(v.SLAs, 2, "the presentation stage clock and the unaccepted registration")
	for _, c := range v.SLAs {
		if c.Kind == sla.Stage {
			s.Equal("presentation", c.Subject)
			s.Equal(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).Add(24*24*time.Hour), c.Deadline.UTC().Truncate(time.Minute))
		}
	}
	changed := 0
	for _, n := range s.slack.notices {
		if n.Event == notify.StageChanged {
			changed++
			s.Equal("presentation", n.Subject)
			s.Len(n.Recipients, 2, "a stage change goes to both partners")
		}
	}
	s.Equal(1, changed)
}

func (s *dealSuite) TestBusinessHoursAcrossAWeekendAndAHoliday() {
	s.p.SLA.Calendar = sla.Calendar{Business: true, Timezone: "America/New_York", DayStart: "09:00", DayEnd: "17:00",
		Holidays: []string{"2026-11-30"}}
	// Friday 27 Nov 2026, 15:00 in New York (20:00 UTC).
	s.env.SetStartTime(time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC))
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	var v api.DealView
	s.at(time.Hour, func() { v = s.view() })
	s.run(id, 2*time.Hour)
	var reg *api.SLAState
	for i := range v.SLAs {
		if v.SLAs[i].Kind == sla.Registration {
			reg = &v.SLAs[i]
		}
	}
	s.Require().NotNil(reg)
	// 24 business hours from Fri 15:00: Fri 2 h, (weekend, Monday holiday), Tue 8 h, Wed 8 h, Thu 6 h.
	ny, _ := time.LoadLocation("America/New_York")
	s.Equal(time.Date(2026, 12, 3, 15, 0, 0, 0, ny), reg.Deadline.In(ny).Truncate(time.Minute))
}

func (s *dealSuite) TestContinueAsNewKeepsEveryDeadline() {
	roundsPerRun = 3
	defer func() { roundsPerRun = 500 }()
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.registerWithRequest(rec)                              // rounds 1 and 2
	s.at(3*time.Hour, func() { s.trigger(pairing.A, rec) }) // round 3: continue-as-new
	s.env.ExecuteWorkflow(DealWorkflow, api.DealInput{PairingID: s.p.ID, CoSellID: id})
	s.Require().True(s.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &can)
	var next api.DealInput
	s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	s.Require().NotNil(next.State)
	s.Require().Len(next.State.SLAs, 3, "registration, request and stage clocks are carried")
	before := map[string]time.Time{}
	for _, c := range next.State.SLAs {
		before[c.ID] = c.Deadline
	}

	// The next run, started later than the first (as after a worker outage), fires at the carried
	// absolute times, not 24 h from its own start.
	resumedAt := s.env.Now().Add(30 * time.Minute)
	env2 := s.NewTestWorkflowEnvironment()
	env2.SetStartTime(resumedAt)
	s.slack.notices = nil
	acts2 := s.activities()
	Register(env2, acts2)
	s.mockPilot(env2, acts2)
	var v api.DealView
	env2.RegisterDelayedCallback(func() {
		q, err := env2.QueryWorkflow(api.DealQuery)
		s.Require().NoError(err)
		s.Require().NoError(q.Get(&v))
	}, 30*time.Hour)
	env2.RegisterDelayedCallback(func() { env2.CancelWorkflow() }, 31*time.Hour)
	env2.ExecuteWorkflow(DealWorkflow, next)
	s.Require().Len(v.SLAs, 3)
	for _, c := range v.SLAs {
		s.Equal(before[c.ID], c.Deadline, "%s keeps its deadline", c.ID)
		if c.Kind == sla.Stage {
			s.True(c.BreachedAt.IsZero(), "the 14-day stage clock is not due yet")
		} else {
			s.Equal(c.Deadline, c.BreachedAt, "%s breached at the carried deadline", c.ID)
		}
	}
	s.Equal([]string{"sla_warning", "sla_breached", "sla_escalated/L1"}, s.slack.events("request:00T-req"))
}

func (s *dealSuite) TestFailingNotifierDelaysOnlyItsNotice() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.registerWithRequest(rec)
	s.at(19*time.Hour, func() { s.slack.setFailing(true) }) // Slack is down around the warning (19.2 h)
	s.at(20*time.Hour, func() {
		// The sync keeps flowing while Slack fails.
		s.sf.Put(rec, map[string]any{"Amount": 200000.0})
		s.trigger(pairing.A, rec)
	})
	var amount any
	s.at(20*time.Hour+time.Minute, func() { amount = s.mirror(id).Fields["amount"] })
	s.at(21*time.Hour, func() { s.slack.setFailing(false) })
	s.run(id, 23*time.Hour)
	s.Equal("200000", amount)
	s.Equal([]string{"sla_warning"}, s.slack.events("request:00T-req"), "delivered once Slack recovered, once")
	m := s.mirror(id)
	s.Len(s.hs.Tasks(m.RecordID), 2, "the CRM tasks (request and registration warnings) were not held up")
}

// TestChangesKeepTheWakeUpTimer: changes that leave the deal's next deadline where it was do not cancel
// its timer and start the same one again (keepTimerVersion): before, every change and every echo of the
// deal's own writes cost a timer cancelled and one started, two Temporal actions of an edit's six.
func (s *dealSuite) TestChangesKeepTheWakeUpTimer() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	var started, cancelled int
	s.at(time.Hour, func() {
		s.env.SetOnTimerScheduledListener(func(string, time.Duration) { started++ })
		s.env.SetOnTimerCanceledListener(func(string) { cancelled++ })
	})
	for i := 1; i <= 10; i++ { // ten edits of the next step, an hour apart, well before any warning
		s.at(time.Hour+time.Duration(i)*time.Minute, func() {
			s.sf.Put(rec, map[string]any{"NextStep": fmt.Sprintf("Call %d", i)})
			s.trigger(pairing.A, rec)
		})
	}
	s.at(2*time.Hour, func() {
		s.Equal("Call 10", s.mirror(id).Fields["hs_next_step"], "every edit mirrored")
		s.LessOrEqual(cancelled, 1, "ten changes, one deadline: its timer is kept")
		s.LessOrEqual(started, 1)
	})
	s.run(id, 3*time.Hour)
}
