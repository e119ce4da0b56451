package workflows

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/pilot"
)

// pilotSuite runs a full 90-day PilotWorkflow with time skipping (a pilot day is 24 h) from synthetic deal
// events, with the real activities over in-memory CRMs holding the solo baseline.
type pilotSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env   *testsuite.TestWorkflowEnvironment
	p     *pairing.Pairing
	sf    *memory.CRM
	hs    *memory.CRM
	slack *captured
	start time.Time
}

func TestPilotWorkflow(t *testing.T) { suite.Run(t, new(pilotSuite)) }

func (s *pilotSuite) SetupTest() {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	s.Require().NoError(err)
	s.p = p
	s.start = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return s.start }
	s.sf = memory.New("salesforce", p.DealFields(pairing.A), clock)
	s.hs = memory.New("hubspot", p.DealFields(pairing.B), clock)
	// Acme's solo deals closed in the window: one won (50,000), one lost. Solo win rate 50 %.
	s.sf.Put("", map[string]any{"Name": "solo won", "StageName": "Closed Won", "Amount": 50000.0, "CloseDate": "2026-12-15", "CoSell_Enabled__c": false})
	s.sf.Put("", map[string]any{"Name": "solo lost", "StageName": "Closed Lost", "Amount": 80000.0, "CloseDate": "2027-01-05", "CoSell_Enabled__c": false})
	s.slack = &captured{}
	s.env = s.newEnv(s.start)
}

func (s *pilotSuite) newEnv(start time.Time) *testsuite.TestWorkflowEnvironment {
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	Register(env, &activities.Activities{Pairings: map[string]*activities.Connection{
		s.p.ID: {Pairing: s.p, CRM: map[pairing.Side]connectors.CRM{pairing.A: s.sf, pairing.B: s.hs}, Slack: s.slack}}})
	return env
}

// event signals a deal event at a pilot day.
func (s *pilotSuite) event(env *testsuite.TestWorkflowEnvironment, day float64, kind pilot.EventKind, deal string, amount float64, stage string) {
	at := time.Duration(day * float64(24*time.Hour))
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(api.PilotEventSignal, pilot.DealEvent{Kind: kind, CoSellID: deal, At: env.Now(), Amount: amount, Stage: stage, Side: "a"})
	}, at)
}

// productive feeds a pilot that earns "scale": 5 registrations, 4 still open at day 60, 1 won.
func (s *pilotSuite) productive(env *testsuite.TestWorkflowEnvironment) {
	for i := 1; i <= 5; i++ {
		s.event(env, float64(i), pilot.Registered, fmt.Sprintf("CS-%d", i), 100000, "qualification")
	}
	s.event(env, 40, pilot.StageChanged, "CS-1", 120000, "closed_won")
}

func (s *pilotSuite) view(env *testsuite.TestWorkflowEnvironment) api.PilotView {
	v, err := env.QueryWorkflow(api.PilotQuery)
	s.Require().NoError(err)
	var out api.PilotView
	s.Require().NoError(v.Get(&out))
	return out
}

func (s *pilotSuite) decide(env *testsuite.TestWorkflowEnvironment, day float64, in api.DecideInput, rejected *error) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(api.PilotDecideUpdate, fmt.Sprintf("decide-%v", day), &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { *rejected = err },
			OnAccept:   func() {},
			OnComplete: func(any, error) {},
		}, in)
	}, time.Duration(day*float64(24*time.Hour)))
}

// continued returns the input the workflow continued as new with.
func (s *pilotSuite) continued(env *testsuite.TestWorkflowEnvironment) api.PilotInput {
	var can *workflow.ContinueAsNewError
	s.Require().ErrorAs(env.GetWorkflowError(), &can)
	var next api.PilotInput
	s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return next
}

func (s *pilotSuite) TestScaleByTimeoutThenASecondQuarter() {
	s.productive(s.env)
	var mid api.PilotView
	s.env.RegisterDelayedCallback(func() { mid = s.view(s.env) }, 61*24*time.Hour)
	s.env.ExecuteWorkflow(PilotWorkflow, api.PilotInput{PairingID: s.p.ID})
	s.Require().True(s.env.IsWorkflowCompleted())

	s.Len(mid.State.Scorecards, 2, "days 30 and 60 published by day 61")
	s.Equal(4, mid.State.Scorecards[1].Metrics.OpenDeals, "four deals open at day 60")
	next := s.continued(s.env)
	st := next.State
	s.Require().NotNil(st)
	s.Equal(2, st.Quarter)
	s.Require().Len(st.Decisions, 1)
	d := st.Decisions[0]
	s.Equal(pilot.Scale, d.Proposed.Decision)
	s.Equal(pilot.Scale, d.Decision)
	s.True(d.TimedOut, "nobody answered within 14 days; the proposal stood")
	s.Equal(90, d.Evidence.Day)
	s.Equal(5, d.Evidence.Metrics.JointOpportunities)
	s.Equal(120000.0, d.Evidence.Metrics.ClosedRevenue)
	s.Equal(8, st.Config.Targets.Registrations, "targets raised 50 %")
	s.Equal(s.start.Add(104*24*time.Hour), st.Start.UTC(), "quarter 2 starts when the decision stood (day 90 + 14)")
	s.Equal(1, s.slack.count("pilot_decision"))
	s.Equal(3, s.slack.count("pilot_scorecard"), "days 30, 60 and 90")

	// Quarter 2: nothing new is registered, so it proposes kill; an approver confirms it.
	env2 := s.newEnv(st.Start)
	var rejected error
	s.decide(env2, 91, api.DecideInput{By: "kim.manager@globex.example", Decision: pilot.Kill, Why: "no new registrations in quarter 2"}, &rejected)
	var after api.PilotView
	env2.RegisterDelayedCallback(func() { after = s.view(env2) }, 92*24*time.Hour)
	env2.RegisterDelayedCallback(func() { env2.CancelWorkflow() }, 93*24*time.Hour)
	env2.ExecuteWorkflow(PilotWorkflow, next)
	s.NoError(rejected)
	s.Equal(api.PilotKilled, after.State.Status)
	s.Require().Len(after.State.Decisions, 2)
	q2 := after.State.Decisions[1]
	s.Equal(2, q2.Quarter)
	s.Equal(pilot.Kill, q2.Proposed.Decision)
	s.Equal(0, q2.Evidence.Metrics.JointOpportunities, "open deals carried from quarter 1 are pipeline, not new registrations")
	s.Positive(q2.Evidence.Metrics.PipelineValue)
	s.Equal("kim.manager@globex.example", q2.By)
	s.False(q2.TimedOut)
}

func (s *pilotSuite) TestNothingProducedIsKilled() {
	var rejected error
	s.decide(s.env, 91, api.DecideInput{By: "maria.manager@acme.example", Decision: pilot.Kill, Why: "nothing registered"}, &rejected)
	var v api.PilotView
	s.env.RegisterDelayedCallback(func() { v = s.view(s.env) }, 92*24*time.Hour)
	s.env.RegisterDelayedCallback(func() { s.env.CancelWorkflow() }, 95*24*time.Hour)
	s.env.ExecuteWorkflow(PilotWorkflow, api.PilotInput{PairingID: s.p.ID})
	s.NoError(rejected)
	s.Equal(api.PilotKilled, v.State.Status)
	s.Require().Len(v.State.Scorecards, 3)
	for _, c := range v.State.Scorecards {
		s.Contains(c.Markdown(), "no data", "an empty pilot reads as no data, never a division by zero")
	}
	s.Equal(pilot.Kill, v.State.Decisions[0].Proposed.Decision)
	s.Equal(1, s.slack.count("pilot_decision"))
	s.Equal(3, s.slack.count("pilot_scorecard"), "days 30, 60 and 90")
	found := false
	for _, n := range s.slack.notices {
		if n.Event == "pilot_decision" {
			found = true
			s.Contains(n.Message, "future deals route to referral")
			s.Len(n.Recipients, 2, "both partner managers are told")
		}
	}
	s.True(found)
}

func (s *pilotSuite) TestRestructureStartsANewWindowWithTheApproversChanges() {
	for i := 1; i <= 3; i++ { // pipeline, no revenue, under the registration target
		s.event(s.env, float64(i*5), pilot.Registered, fmt.Sprintf("CS-%d", i), 75000, "qualification")
	}
	var rejected error
	s.decide(s.env, 92, api.DecideInput{By: "maria.manager@acme.example", Decision: pilot.Restructure,
		Why: "pipeline but no close", Changes: "weekly joint pipeline review; Globex SE assigned"}, &rejected)
	s.env.ExecuteWorkflow(PilotWorkflow, api.PilotInput{PairingID: s.p.ID})
	s.NoError(rejected)
	next := s.continued(s.env)
	d := next.State.Decisions[0]
	s.Equal(pilot.Restructure, d.Proposed.Decision)
	s.Equal(pilot.Restructure, d.Decision)
	s.Equal("weekly joint pipeline review; Globex SE assigned", next.State.Changes)
	s.Equal(2, next.State.Quarter)
	s.Equal(5, next.State.Config.Targets.Registrations, "restructure keeps the targets")
}

func (s *pilotSuite) TestHumanOverrideAndTheValidator() {
	for i := 1; i <= 3; i++ {
		s.event(s.env, float64(i*5), pilot.Registered, fmt.Sprintf("CS-%d", i), 75000, "qualification")
	}
	var early, stranger, noReason, bogus, ok error
	s.decide(s.env, 45, api.DecideInput{By: "maria.manager@acme.example", Decision: pilot.Scale, Why: "too early"}, &early)
	s.decide(s.env, 91, api.DecideInput{By: "intern@acme.example", Decision: pilot.Scale, Why: "looks good"}, &stranger)
	s.decide(s.env, 91.2, api.DecideInput{By: "kim.manager@globex.example", Decision: pilot.Scale}, &noReason)
	s.decide(s.env, 91.4, api.DecideInput{By: "kim.manager@globex.example", Decision: "expand", Why: "x"}, &bogus)
	s.decide(s.env, 91.6, api.DecideInput{By: "Kim.Manager@globex.example", Decision: pilot.Scale, Why: "two big deals close next month"}, &ok)
	s.env.ExecuteWorkflow(PilotWorkflow, api.PilotInput{PairingID: s.p.ID})
	s.ErrorContains(early, "no decision is pending")
	s.ErrorContains(stranger, "not an approver")
	s.ErrorContains(noReason, "say why")
	s.ErrorContains(bogus, "scale, kill or restructure")
	s.NoError(ok)
	next := s.continued(s.env)
	d := next.State.Decisions[0]
	s.Equal(pilot.Restructure, d.Proposed.Decision)
	s.Equal(pilot.Scale, d.Decision, "the approver overrode the proposal")
	s.Equal("two big deals close next month", d.Why)
	s.Equal(8, next.State.Config.Targets.Registrations)
}
