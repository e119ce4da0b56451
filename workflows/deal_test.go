package workflows

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/pilot"
)

// dealSuite runs DealWorkflow in the SDK test environment with the real activities over two in-memory
// CRMs shaped like the demo pairing: Acme on Salesforce (side a), Globex on HubSpot (side b).
type dealSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env   *testsuite.TestWorkflowEnvironment
	p     *pairing.Pairing
	sf    *memory.CRM
	hs    *memory.CRM
	slack *captured
	tick  atomic.Int64
	// reported are the events the deal sent its pairing's pilot (signals sent in one workflow task reach
	// the mock from concurrent goroutines: mu guards it); killed is the pilot status it sees.
	mu       sync.Mutex
	reported []pilot.DealEvent
	records  []attribution.Record
	killed   bool
}

func TestDealWorkflow(t *testing.T) { suite.Run(t, new(dealSuite)) }

func (s *dealSuite) SetupTest() {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	s.Require().NoError(err)
	s.p = p
	base := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return base.Add(time.Duration(s.tick.Add(1)) * time.Millisecond) }
	s.sf = memory.New("salesforce", p.DealFields(pairing.A), clock)
	s.hs = memory.New("hubspot", p.DealFields(pairing.B), clock)
	s.sf.AddOwner(connectors.Owner{ID: "005-jane", Email: "jane.doe@acme.example", Name: "Jane Doe", Active: true})
	s.sf.AddOwner(connectors.Owner{ID: "005-ops", Email: "ops@acme.example", Name: "Acme Ops", Active: true})
	s.hs.AddOwner(connectors.Owner{ID: "101", Email: "jdoe@globex.example", Name: "John Doe", Active: true})
	s.hs.AddOwner(connectors.Owner{ID: "199", Email: "ops@globex.example", Name: "Globex Ops", Active: true})
	s.sf.Restrict("StageName", "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
		"Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost")

	s.env = s.NewTestWorkflowEnvironment()
	s.env.SetStartTime(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)) // a Monday
	s.slack = &captured{}
	s.mu.Lock()
	s.reported, s.records, s.killed = nil, nil, false
	s.mu.Unlock()
	acts := s.activities()
	Register(s.env, acts)
	s.mockPilot(s.env, acts)
}

// mockPilot stands in for the pairing's pilot: it records what deals report and answers their status
// question with s.killed.
func (s *dealSuite) mockPilot(env *testsuite.TestWorkflowEnvironment, acts *activities.Activities) {
	env.OnSignalExternalWorkflow(mock.Anything, api.PilotWorkflowID(s.p.ID), "", api.PilotEventSignal, mock.Anything).Return(
		func(_, _, _, _ string, arg interface{}) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.reported = append(s.reported, arg.(pilot.DealEvent))
			return nil
		}).Maybe()
	env.OnSignalExternalWorkflow(mock.Anything, api.PilotWorkflowID(s.p.ID), "", api.PilotAttributionSignal, mock.Anything).Return(
		func(_, _, _, _ string, arg interface{}) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.records = append(s.records, arg.(attribution.Record))
			return nil
		}).Maybe()
	env.OnActivity(acts.PilotStatus, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PilotStatusInput) (activities.PilotStatus, error) {
			return activities.PilotStatus{Killed: s.killed, KilledAt: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Name: s.p.Name}, nil
		}).Maybe()
}

// events returns a copy of what the deal reported to its pilot.
func (s *dealSuite) events() []pilot.DealEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reported)
}

func (s *dealSuite) activities() *activities.Activities {
	return &activities.Activities{
		// Salesforce's writes by record id can be conditional; HubSpot's cannot.
		Pairings: map[string]*activities.Connection{s.p.ID: {Pairing: s.p, CRM: map[pairing.Side]connectors.CRM{pairing.A: memory.Conditional(s.sf), pairing.B: s.hs}, Slack: s.slack}},
	}
}

func (s *dealSuite) TearDownTest() { s.env.AssertExpectations(s.T()) }

// flagOnSalesforce creates an opportunity a rep flagged for co-sell, as it would sit in Acme's org.
func (s *dealSuite) flagOnSalesforce() string {
	return s.sf.Put("", map[string]any{
		"Name": "Initech rollout", "StageName": "Qualification", "Amount": 125000.0, "CloseDate": "2026-12-31",
		"NextStep": "Joint discovery call", "OwnerId": "005-jane", "CoSell_Enabled__c": true,
	})
}

// at schedules fn at a point of workflow time.
func (s *dealSuite) at(d time.Duration, fn func()) { s.env.RegisterDelayedCallback(fn, d) }

func (s *dealSuite) trigger(side pairing.Side, recordID string) {
	s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: side, RecordID: recordID, Source: "test"})
}

func (s *dealSuite) view() api.DealView {
	v, err := s.env.QueryWorkflow(api.DealQuery)
	s.Require().NoError(err)
	var out api.DealView
	s.Require().NoError(v.Get(&out))
	return out
}

// run executes the workflow until every scheduled callback has fired, then cancels it.
func (s *dealSuite) run(coSellID string, until time.Duration) {
	s.at(until, func() { s.env.CancelWorkflow() })
	s.env.ExecuteWorkflow(DealWorkflow, api.DealInput{PairingID: s.p.ID, CoSellID: coSellID})
	s.Require().True(s.env.IsWorkflowCompleted())
}

func (s *dealSuite) mirror(coSellID string) connectors.Deal {
	for _, d := range s.hs.Deals() {
		if d.CoSellID == coSellID {
			return d
		}
	}
	s.FailNow("no mirror on HubSpot for " + coSellID)
	return connectors.Deal{}
}

func (s *dealSuite) TestFlaggedOpportunityIsMirroredAndRegistered() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var v api.DealView
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() { v = s.view() })
	s.run(id, 3*time.Second)

	m := s.mirror(id)
	s.Equal("Initech rollout", m.Fields["dealname"])
	s.Equal("qualifiedtobuy", m.Fields["dealstage"])
	s.Equal("125000", m.Fields["amount"])
	s.Equal("2026-12-31", m.Fields["closedate"])
	s.Equal("Joint discovery call", m.Fields["hs_next_step"])
	s.True(m.Enabled, "the mirror is flagged for co-sell")
	s.Equal("101", m.Fields["hubspot_owner_id"], "owner from the owner map")
	s.Equal("Jane Doe", m.Fields["cosell_partner_owner_name"])
	s.Equal("jane.doe@acme.example", m.Fields["cosell_partner_owner_email"])

	src, _ := s.sf.Deal(rec)
	s.Equal(id, src.Fields["CoSell_Id__c"], "the co-sell id is stamped on the flagged opportunity")
	s.Equal("John Doe", src.Fields["CoSell_Partner_Owner_Name__c"])
	s.Equal("jdoe@globex.example", src.Fields["CoSell_Partner_Owner_Email__c"])

	s.Equal(rec, v.Sides[pairing.A].RecordID)
	s.Equal(m.RecordID, v.Sides[pairing.B].RecordID)
	s.Equal("qualification", v.Sides[pairing.B].Values["stage"])
	s.False(v.LastSyncAt.IsZero())
	s.Empty(v.Issues)
}

// TestLinkedRecordsArePublishedToTheDirectory: the deal keeps its CoSellRecords search attribute equal to
// the records it is linked to, as it learns of them, so a feed can route a record that lost its co-sell
// id to it.
func (s *dealSuite) TestLinkedRecordsArePublishedToTheDirectory() {
	var published [][]string
	s.env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		v, ok := args.Get(0).(temporal.SearchAttributes).GetKeywordList(api.CoSellRecords)
		s.True(ok, "only the directory is upserted")
		published = append(published, v)
	})
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() { s.trigger(pairing.A, rec) }) // nothing new to publish
	s.run(id, 3*time.Second)

	m := s.mirror(id)
	s.Equal([][]string{
		{api.RecordKey(s.p.ID, pairing.A, rec)},
		{api.RecordKey(s.p.ID, pairing.A, rec), api.RecordKey(s.p.ID, pairing.B, m.RecordID)},
	}, published, "the origin as soon as it is delivered, the mirror once created, each once")
}

func (s *dealSuite) TestEchoesWriteNothing() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var writes int
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() { writes = s.sf.Writes() + s.hs.Writes() })
	s.at(3*time.Second, func() {
		s.trigger(pairing.A, rec)
		s.trigger(pairing.B, s.mirror(id).RecordID)
	})
	s.at(4*time.Second, func() {
		s.trigger(pairing.B, s.mirror(id).RecordID)
		s.trigger(pairing.A, rec)
	})
	var after int
	s.at(5*time.Second, func() { after = s.sf.Writes() + s.hs.Writes() })
	s.run(id, 6*time.Second)
	s.Positive(writes)
	s.Equal(writes, after, "re-reading converged sides must not write")
}

func (s *dealSuite) TestStageChangeOnHubSpotReachesSalesforce() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() {
		m := s.mirror(id)
		s.hs.Put(m.RecordID, map[string]any{"dealstage": "contractsent"})
		s.trigger(pairing.B, m.RecordID)
	})
	s.run(id, 3*time.Second)
	src, _ := s.sf.Deal(rec)
	s.Equal("Proposal/Price Quote", src.Fields["StageName"])
}

func (s *dealSuite) TestConcurrentEdits() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var v api.DealView
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() {
		m := s.mirror(id)
		// Same field on both sides (HubSpot's edit is later), and a different field on each.
		s.sf.Put(rec, map[string]any{"StageName": "Value Proposition", "Amount": 150000.0})
		s.hs.Put(m.RecordID, map[string]any{"dealstage": "decisionmakerboughtin", "hs_next_step": "Send the proposal"})
		s.trigger(pairing.A, rec)
		s.trigger(pairing.B, m.RecordID)
	})
	s.at(3*time.Second, func() { v = s.view() })
	s.run(id, 4*time.Second)

	src, _ := s.sf.Deal(rec)
	m := s.mirror(id)
	s.Equal("Id. Decision Makers", src.Fields["StageName"], "last writer (HubSpot) wins the stage")
	s.Equal("decisionmakerboughtin", m.Fields["dealstage"])
	s.Equal(150000.0, src.Fields["Amount"])
	s.Equal("150000", m.Fields["amount"], "the amount edit survives")
	s.Equal("Send the proposal", src.Fields["NextStep"], "the next-step edit survives")
	s.Require().Len(v.Conflicts, 1)
	s.Equal("stage", v.Conflicts[0].Field)
	s.Equal("presentation", v.Conflicts[0].ValueA)
	s.Equal("decision", v.Conflicts[0].ValueB)
	s.Equal(pairing.B, v.Conflicts[0].Winner)
	s.Equal(pairing.LastWriterWins, v.Conflicts[0].Policy)
}

func (s *dealSuite) TestSalesforceEditBetweenReadAndWriteIsNotOverwritten() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	raced := false
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		var in activities.WriteDealInput
		if raced || info.ActivityType.Name != "WriteDeal" || args.Get(&in) != nil {
			return
		}
		if in.Side == pairing.A && in.Values["next_step"] == "Send the proposal" {
			// An Acme rep saves after the deal read the opportunity, before its write arrives.
			raced = true
			s.NotZero(in.UnmodifiedSince, "the write is conditioned on the deal's last look")
			s.sf.Put(rec, map[string]any{"NextStep": "Legal review first"})
		}
	})
	refusals := 0
	s.env.SetOnActivityCompletedListener(func(_ *activity.Info, _ converter.EncodedValue, err error) {
		if rej, ok := activities.RejectionOf(err); ok && rej.Code == activities.CodeModified {
			refusals++
		}
	})
	var v api.DealView
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() {
		s.Zero(refusals, "registration's own stamp does not refuse its next write: the stamp's read-back keeps the look current")
		m := s.mirror(id)
		s.hs.Put(m.RecordID, map[string]any{"hs_next_step": "Send the proposal"})
		s.trigger(pairing.B, m.RecordID)
	})
	s.at(3*time.Second, func() { v = s.view() })
	s.run(id, 4*time.Second)

	s.Require().True(raced, "the rep's edit landed between the read and the write")
	s.Equal(1, refusals, "Salesforce refused the write decided before it, once")
	src, _ := s.sf.Deal(rec)
	s.Equal("Legal review first", src.Fields["NextStep"], "the rep's edit is not overwritten")
	s.Equal("Legal review first", s.mirror(id).Fields["hs_next_step"], "the later edit wins and crosses")
	s.Require().Len(v.Conflicts, 1, "the decision saw both edits")
	s.Equal("next_step", v.Conflicts[0].Field)
	s.Equal(pairing.A, v.Conflicts[0].Winner)
	s.Empty(v.Issues)
}

func (s *dealSuite) TestUnmappedStageIsAnIssueAndTheRestSyncs() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var v api.DealView
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() {
		s.sf.Put(rec, map[string]any{"StageName": "Negotiation/Review", "Amount": 99000.5})
		s.trigger(pairing.A, rec)
	})
	s.at(3*time.Second, func() { v = s.view() })
	s.run(id, 4*time.Second)

	m := s.mirror(id)
	s.Equal("qualifiedtobuy", m.Fields["dealstage"], "an unmapped stage is not written")
	s.Equal("99000.5", m.Fields["amount"])
	s.Require().Len(v.Issues, 1)
	s.Equal("unmapped_value", v.Issues[0].Kind)
	s.Equal("stage", v.Issues[0].Field)
	s.Contains(v.Issues[0].Message, "Negotiation/Review")
}

func (s *dealSuite) TestCRMRejectionIsShownAndOtherFieldsSync() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var v api.DealView
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() {
		// Acme's admin deactivated a stage value the map still uses.
		s.sf.Restrict("StageName", "Prospecting", "Qualification")
		m := s.mirror(id)
		s.hs.Put(m.RecordID, map[string]any{"dealstage": "contractsent", "amount": "175000"})
		s.trigger(pairing.B, m.RecordID)
	})
	s.at(3*time.Second, func() { v = s.view() })
	var writes int
	s.at(4*time.Second, func() {
		writes = s.sf.Writes()
		s.trigger(pairing.B, s.mirror(id).RecordID)
	})
	var after int
	s.at(5*time.Second, func() { after = s.sf.Writes() })
	s.run(id, 6*time.Second)

	src, _ := s.sf.Deal(rec)
	s.Equal("Qualification", src.Fields["StageName"])
	s.Equal(175000.0, src.Fields["Amount"], "the amount still syncs")
	s.Require().Len(v.Issues, 1)
	s.Equal("rejected", v.Issues[0].Kind)
	s.Equal("stage", v.Issues[0].Field)
	s.Equal(pairing.A, v.Issues[0].Side)
	s.Contains(v.Issues[0].Message, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
	s.Contains(v.Issues[0].Message, "bad value for restricted picklist field: Proposal/Price Quote")
	s.Equal(writes, after, "a rejected value is not replayed every round")
}

func (s *dealSuite) TestNotesAreMirroredOnceWithAttribution() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	note := api.NoteEvent{Side: pairing.A, NoteID: "00T-1", Body: "#partner Customer wants SSO", AuthorName: "Jane Doe", CreatedAt: time.Now()}
	ev := api.ChangeEvent{Side: pairing.A, RecordID: rec, Notes: []api.NoteEvent{note}, Source: "test"}
	// The note arrives before the mirror exists, then again (a re-delivered poll), then once more later.
	s.at(time.Second, func() { s.env.SignalWorkflow(api.ChangeSignal, ev) })
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() { s.env.SignalWorkflow(api.ChangeSignal, ev) })
	s.at(3*time.Second, func() {
		m := s.mirror(id)
		back := api.NoteEvent{Side: pairing.B, NoteID: "n-9", Body: "#partner Security review booked", AuthorName: "John Doe"}
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.B, RecordID: m.RecordID, Notes: []api.NoteEvent{back}})
		s.env.SignalWorkflow(api.ChangeSignal, ev)
	})
	var v api.DealView
	s.at(4*time.Second, func() { v = s.view() })
	s.run(id, 5*time.Second)

	m := s.mirror(id)
	notes := s.hs.Notes(m.RecordID)
	s.Require().Len(notes, 1)
	s.Equal("[Acme · Jane Doe] #partner Customer wants SSO", notes[0].Body)
	s.Equal(api.NoteKey(id, pairing.A, "00T-1"), notes[0].Key)
	back := s.sf.Notes(rec)
	s.Require().Len(back, 1)
	s.True(strings.HasPrefix(back[0].Body, "[Globex · John Doe] "))
	s.Equal(2, v.NotesSynced)
}

func TestNoteKeyAndCoSellIDAreStable(t *testing.T) {
	require.Equal(t, api.NewCoSellID("p", pairing.A, "006x"), api.NewCoSellID("p", pairing.A, "006x"))
	assert.NotEqual(t, api.NewCoSellID("p", pairing.A, "006x"), api.NewCoSellID("p", pairing.B, "006x"))
	assert.NotEqual(t, api.NoteKey("CS-1", pairing.A, "n1"), api.NoteKey("CS-1", pairing.B, "n1"))
}

func (s *dealSuite) TestDealReportsToItsPilot() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(time.Hour, func() {
		s.sf.Put(rec, map[string]any{"StageName": "Closed Won", "Amount": 140000.0})
		s.trigger(pairing.A, rec)
	})
	s.run(id, 2*time.Hour)
	var kinds []string
	for _, e := range s.events() {
		s.Equal(id, e.CoSellID)
		kinds = append(kinds, string(e.Kind)+":"+e.Stage)
	}
	// Signals sent in one workflow task reach the test environment's mock in no fixed order.
	s.ElementsMatch([]string{"stage_changed:qualification", "registered:qualification", "stage_changed:closed_won"}, kinds)
	for _, e := range s.events() {
		if e.Kind == pilot.Registered {
			s.Equal("a", e.Side, "Acme registered it")
		}
	}
	ev := s.events()
	s.Equal(140000.0, ev[len(ev)-1].Amount)
}

func (s *dealSuite) TestKilledPairingRefusesNewRegistrations() {
	s.killed = true
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var v api.DealView
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(time.Minute, func() { s.trigger(pairing.A, rec) }) // asked again: still refused, and not re-checked
	s.at(2*time.Minute, func() { v = s.view() })
	s.run(id, 3*time.Minute)
	s.Empty(s.hs.Deals(), "no mirror for a killed pairing")
	src, _ := s.sf.Deal(rec)
	s.Nil(src.Fields["CoSell_Id__c"], "the refused deal is not stamped")
	s.Require().Len(v.Issues, 1)
	s.Equal("registration", v.Issues[0].Kind)
	s.Contains(v.Issues[0].Message, "registration refused: the Acme × Globex pilot was killed on 2026-11-20; future deals route to referral")
}

func (s *dealSuite) TestReconcileRetriesAValueTheCRMRefusedOnceFixed() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	allStages := []string{"Prospecting", "Qualification", "Value Proposition", "Id. Decision Makers", "Proposal/Price Quote", "Closed Won", "Closed Lost"}
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(2*time.Second, func() {
		s.sf.Restrict("StageName", "Prospecting", "Qualification")
		m := s.mirror(id)
		s.hs.Put(m.RecordID, map[string]any{"dealstage": "contractsent"})
		s.trigger(pairing.B, m.RecordID)
	})
	var stageAfterTrigger any
	s.at(3*time.Second, func() {
		s.sf.Restrict("StageName", allStages...) // Acme's admin activates the value again
		s.trigger(pairing.A, rec)
	})
	s.at(4*time.Second, func() {
		d, _ := s.sf.Deal(rec)
		stageAfterTrigger = d.Fields["StageName"]
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.A, RecordID: rec, Source: api.SourceReconcile})
	})
	var v api.DealView
	s.at(5*time.Second, func() { v = s.view() })
	s.run(id, 6*time.Second)

	s.Equal("Qualification", stageAfterTrigger, "a plain re-read leaves the refused value set aside")
	src, _ := s.sf.Deal(rec)
	s.Equal("Proposal/Price Quote", src.Fields["StageName"], "a reconcile writes it again, and it lands")
	s.Empty(v.Issues, "the rejection's issue clears")
}
