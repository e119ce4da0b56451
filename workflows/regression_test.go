package workflows

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/pilot"
)

// The failure cases of issue #7, driven through DealWorkflow, the real activities and the in-memory
// CRMs. They use only what the workflow showed before the deal engine existed (change signals, the
// CRMs' records, the deal query, continue-as-new input), so each runs unchanged against the code
// before the engine too; docs/REGRESSIONS.md records that it failed there.

// faultyCRM is HubSpot with the faults a real CRM has: a run of 503s on every write, a validation
// error on creating a record, and trailing spaces trimmed from what it stores.
type faultyCRM struct {
	connectors.CRM
	mem          *memory.CRM
	down         atomic.Bool
	refuseCreate atomic.Bool
	trim         bool
	// afterUpdate, when set, runs once right after an update is applied, before the write's activity
	// reads the record back: a user's save racing that read-back.
	afterUpdate atomic.Pointer[func(recordID string)]
}

var errUnavailable = &connectors.Error{CRM: "hubspot", Op: "write deal", Status: 503, Message: "Service Unavailable", Retryable: true}

func (c *faultyCRM) UpsertDeal(ctx context.Context, coSellID string, fields map[string]any) (connectors.UpsertResult, error) {
	if c.down.Load() {
		return connectors.UpsertResult{}, errUnavailable
	}
	if _, exists, _ := c.mem.FindDealByCoSellID(ctx, coSellID); !exists && c.refuseCreate.Load() {
		return connectors.UpsertResult{}, &connectors.Error{CRM: "hubspot", Op: "create deal", Status: 400, Code: "VALIDATION_ERROR",
			Message: "Property values were not valid: the pipeline default is archived"}
	}
	return c.CRM.UpsertDeal(ctx, coSellID, c.normalise(fields))
}

func (c *faultyCRM) UpdateDeal(ctx context.Context, recordID string, fields map[string]any) error {
	if c.down.Load() {
		return errUnavailable
	}
	if err := c.CRM.UpdateDeal(ctx, recordID, c.normalise(fields)); err != nil {
		return err
	}
	if fn := c.afterUpdate.Swap(nil); fn != nil {
		(*fn)(recordID)
	}
	return nil
}

func (c *faultyCRM) normalise(fields map[string]any) map[string]any {
	if !c.trim {
		return fields
	}
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		if s, ok := v.(string); ok {
			v = strings.TrimRight(s, " ")
		}
		out[k] = v
	}
	return out
}

// withFaultyHubSpot starts the test over with HubSpot behind a faultyCRM.
func (s *dealSuite) withFaultyHubSpot() *faultyCRM {
	c := &faultyCRM{CRM: s.hs, mem: s.hs}
	start := s.env.Now()
	s.env = s.NewTestWorkflowEnvironment()
	s.env.SetStartTime(start)
	acts := s.activities()
	acts.Pairings[s.p.ID].CRM[pairing.B] = c
	Register(s.env, acts)
	s.mockPilot(s.env, acts)
	return c
}

// stageChangeWhileHubSpotIsDown mirrors a flagged opportunity; a minute later HubSpot starts answering
// every write with 503 (longer than the activity's retries) and Acme moves the stage.
func (s *dealSuite) stageChangeWhileHubSpotIsDown() (hs *faultyCRM, coSellID string) {
	hs = s.withFaultyHubSpot()
	rec := s.flagOnSalesforce()
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(time.Minute, func() {
		hs.down.Store(true)
		s.sf.Put(rec, map[string]any{"StageName": "Value Proposition"})
		s.trigger(pairing.A, rec)
	})
	return hs, api.NewCoSellID(s.p.ID, pairing.A, rec)
}

// continued returns the input the workflow continued as new with.
func (s *dealSuite) continued() api.DealInput {
	var can *workflow.ContinueAsNewError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &can, "the deal continued as new")
	var next api.DealInput
	s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	s.Require().NotNil(next.State)
	return next
}

func (s *dealSuite) hasIssue(v api.DealView, side pairing.Side, kind string) bool {
	for _, is := range v.Issues {
		if is.Side == side && is.Kind == kind {
			return true
		}
	}
	return false
}

// Case 1: a write that fails past its retries is written once the CRM is back, and shows as a sync
// issue until then.
func (s *dealSuite) TestRegressionFailedWriteLandsWhenTheCRMIsBack() {
	hs, id := s.stageChangeWhileHubSpotIsDown()
	var during, after api.DealView
	s.at(5*time.Minute, func() { during = s.view() })
	s.at(10*time.Minute, func() { hs.down.Store(false) })
	s.at(50*time.Minute, func() { after = s.view() })
	s.run(id, time.Hour)

	s.True(s.hasIssue(during, pairing.B, "unavailable"), "the failed write shows while HubSpot is down: %+v", during.Issues)
	s.Equal("presentationscheduled", s.mirror(id).Fields["dealstage"], "the stage reaches HubSpot once it is back, with no new edit")
	s.False(s.hasIssue(after, pairing.B, "unavailable"), "the issue clears once the write landed: %+v", after.Issues)
}

// Case 2: a change that arrives while the deal waits to continue as new (a notice still being sent) is
// carried into the next run: its note is mirrored and its field edit crosses.
func (s *dealSuite) TestRegressionChangeDuringContinueAsNewIsKept() {
	// Notices take half an hour to send, so continue-as-new has to wait for one.
	s.env.OnActivity((&activities.Activities{}).Notify, mock.Anything, mock.Anything).After(30 * time.Minute).Return(nil)
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(10*time.Minute, func() { // a stage change queues a notice to both partners
		s.sf.Put(rec, map[string]any{"StageName": "Value Proposition"})
		s.trigger(pairing.A, rec)
	})
	s.at(15*time.Minute, func() {
		s.env.SetContinueAsNewSuggested(true)
		s.trigger(pairing.A, rec) // a re-delivered poll wakes the deal, which then continues as new
	})
	var noteID string
	s.at(20*time.Minute, func() { // Globex writes a shared note and edits the amount meanwhile
		m := s.mirror(id)
		noteID = s.hs.AddNote(m.RecordID, "#partner Legal approved the MSA", "101")
		s.hs.Put(m.RecordID, map[string]any{"amount": "175000"})
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.B, RecordID: m.RecordID, Source: "poll",
			Notes: []api.NoteEvent{{Side: pairing.B, NoteID: noteID, Body: "#partner Legal approved the MSA", AuthorName: "John Doe"}}})
		s.trigger(pairing.B, m.RecordID)
	})
	s.env.ExecuteWorkflow(DealWorkflow, api.DealInput{PairingID: s.p.ID, CoSellID: id})
	s.Require().True(s.env.IsWorkflowCompleted())
	s.Require().NotEmpty(noteID, "the change arrived before the run ended")
	next := s.continued()

	// The next run gets no signal at all: what it does comes from the carried state.
	env2 := s.NewTestWorkflowEnvironment()
	env2.SetStartTime(s.env.Now())
	acts2 := s.activities()
	Register(env2, acts2)
	s.mockPilot(env2, acts2)
	env2.RegisterDelayedCallback(func() { env2.CancelWorkflow() }, time.Hour)
	env2.ExecuteWorkflow(DealWorkflow, next)
	s.Require().True(env2.IsWorkflowCompleted())

	src, _ := s.sf.Deal(rec)
	s.Equal(175000.0, src.Fields["Amount"], "the amount edited during continue-as-new crosses")
	var bodies []string
	for _, n := range s.sf.Notes(rec) {
		bodies = append(bodies, n.Body)
	}
	s.Contains(strings.Join(bodies, "\n"), "Legal approved the MSA", "the note delivered during continue-as-new is mirrored")
}

// Case 4: a reading older than the deal's own write (a poll taken before it, or a lagging search
// index) changes nothing.
func (s *dealSuite) TestRegressionStaleReadingChangesNothing() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var stale api.SideState
	read := func(side pairing.Side, recordID string) api.SideState {
		env := s.NewTestActivityEnvironment()
		env.RegisterActivity(s.activities())
		v, err := env.ExecuteActivity((&activities.Activities{}).ReadDeal,
			activities.ReadDealInput{PairingID: s.p.ID, Side: side, RecordID: recordID, CoSellID: id})
		s.Require().NoError(err)
		var st api.SideState
		s.Require().NoError(v.Get(&st))
		return st
	}
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(time.Minute, func() {
		stale = read(pairing.B, s.mirror(id).RecordID) // the poll reads HubSpot ...
		s.sf.Put(rec, map[string]any{"StageName": "Value Proposition"})
		s.trigger(pairing.A, rec) // ... and the deal writes the new stage there
	})
	var writes int
	s.at(2*time.Minute, func() {
		s.Require().Equal("presentationscheduled", s.mirror(id).Fields["dealstage"])
		writes = s.sf.Writes() + s.hs.Writes()
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.B, RecordID: stale.RecordID, Deal: &stale, Source: "poll"})
	})
	var v api.DealView
	s.at(3*time.Minute, func() { v = s.view() })
	s.run(id, 4*time.Minute)

	src, _ := s.sf.Deal(rec)
	s.Equal("Value Proposition", src.Fields["StageName"], "the deal does not flip back")
	s.Equal("presentationscheduled", s.mirror(id).Fields["dealstage"])
	s.Equal(writes, s.sf.Writes()+s.hs.Writes(), "a stale reading writes nothing")
	s.Empty(v.Conflicts)
}

// Case 7: once a deal is unflagged, nothing crosses in either direction, even when the partner edits.
func (s *dealSuite) TestRegressionUnflaggedDealLeaksNothing() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(time.Minute, func() {
		s.sf.Put(rec, map[string]any{"CoSell_Enabled__c": false, "NextStep": "internal only: 40% discount"})
		s.trigger(pairing.A, rec)
	})
	s.at(2*time.Minute, func() { // Globex goes on editing its mirror
		m := s.mirror(id)
		s.hs.Put(m.RecordID, map[string]any{"amount": "5"})
		s.trigger(pairing.B, m.RecordID)
	})
	s.run(id, 3*time.Minute)

	s.Equal("Joint discovery call", s.mirror(id).Fields["hs_next_step"], "the internal next step stays home")
	src, _ := s.sf.Deal(rec)
	s.Equal(125000.0, src.Fields["Amount"], "nothing crosses the other way either")
}

// Case 8: a mirror the CRM refuses to create is a sync issue, not a registration: no SLA runs, nobody
// is escalated, the pilot counts nothing.
func (s *dealSuite) TestRegressionRefusedCreationIsNoRegistration() {
	hs := s.withFaultyHubSpot()
	hs.refuseCreate.Store(true)
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	var v api.DealView
	s.at(time.Hour, func() { v = s.view() })
	s.run(id, 5*24*time.Hour) // past the 24 h acceptance budget and every escalation level

	s.Empty(s.hs.Deals(), "HubSpot refused the mirror")
	s.Empty(v.SLAs, "no SLA runs against a record that does not exist")
	for _, e := range s.reported {
		s.NotEqual(pilot.Registered, e.Kind, "the pilot counts no registration")
	}
	s.Zero(s.slack.count("sla_breached")+s.slack.count("sla_escalated"), "nobody is escalated")
	var shown bool
	for _, is := range v.Issues {
		shown = shown || (is.Side == pairing.B && strings.Contains(is.Message, "VALIDATION_ERROR"))
	}
	s.True(shown, "the refusal shows with HubSpot's own message: %+v", v.Issues)
}

// Case 9a: a deal whose round keeps failing still continues as new when Temporal suggests it.
func (s *dealSuite) TestRegressionContinueAsNewWhileARoundKeepsFailing() {
	_, id := s.stageChangeWhileHubSpotIsDown() // and HubSpot stays down: every round fails
	s.at(10*time.Minute, func() { s.env.SetContinueAsNewSuggested(true) })
	s.run(id, 6*time.Hour)
	s.continued()
}

// Case 9b: notes waiting across continue-as-new are carried as keys, never with their bodies.
func (s *dealSuite) TestRegressionContinueAsNewCarriesNoNoteBody() {
	hs := s.withFaultyHubSpot()
	hs.refuseCreate.Store(true) // the note has no mirror to go to yet
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	noteID := s.sf.AddNote(rec, "#partner Customer budget is 2.1M, do not share the discount", "005-jane")
	s.at(time.Second, func() {
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.A, RecordID: rec, Source: "poll", Notes: []api.NoteEvent{{
			Side: pairing.A, NoteID: noteID, Body: "#partner Customer budget is 2.1M, do not share the discount", AuthorName: "Jane Doe"}}})
		s.trigger(pairing.A, rec)
	})
	s.at(10*time.Minute, func() {
		s.env.SetContinueAsNewSuggested(true)
		s.trigger(pairing.A, rec)
	})
	s.run(id, time.Hour)
	raw, err := json.Marshal(s.continued().State)
	s.Require().NoError(err)
	s.NotContains(string(raw), "Customer budget", "the carried state holds the note's key, not its body")
}

// Case 10: a value HubSpot normalises (a trailing space trimmed) neither echoes back nor counts as
// Globex acting on the registration.
func (s *dealSuite) TestRegressionNormalisedValueNeitherEchoesNorAccepts() {
	hs := s.withFaultyHubSpot()
	hs.trim = true
	rec := s.sf.Put("", map[string]any{
		"Name": "Initech rollout ", "StageName": "Qualification", "Amount": 125000.0, "CloseDate": "2026-12-31",
		"NextStep": "Joint discovery call", "OwnerId": "005-jane", "CoSell_Enabled__c": true,
	})
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	var writes int
	s.at(time.Minute, func() {
		s.Require().Equal("Initech rollout", s.mirror(id).Fields["dealname"], "HubSpot trimmed the name")
		writes = s.sf.Writes()
		s.trigger(pairing.B, s.mirror(id).RecordID) // HubSpot's feed sees the new mirror
	})
	var v api.DealView
	s.at(2*time.Minute, func() { v = s.view() })
	s.run(id, 3*time.Minute)

	src, _ := s.sf.Deal(rec)
	s.Equal("Initech rollout ", src.Fields["Name"], "the trimmed form does not echo back")
	s.Equal(writes, s.sf.Writes(), "nothing is written to Salesforce")
	var waiting bool
	for _, c := range v.SLAs {
		waiting = waiting || c.Kind == "registration"
	}
	s.True(waiting, "the registration still waits for Globex: %+v", v.SLAs)
	for _, e := range s.reported {
		s.NotEqual(pilot.Accepted, e.Kind, "a normalised value is not Globex accepting")
	}
}

// Case 11: an edit to a value outside the value map that meets an edit of the same field on the other
// side is a logged conflict, not a silent overwrite.
func (s *dealSuite) TestRegressionUnmappedEditMeetingAnEditIsALoggedConflict() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(time.Minute, func() {
		m := s.mirror(id)
		s.sf.Put(rec, map[string]any{"StageName": "Negotiation/Review"}) // not in the stage map
		s.hs.Put(m.RecordID, map[string]any{"dealstage": "contractsent"})
		s.trigger(pairing.A, rec)
		s.trigger(pairing.B, m.RecordID)
	})
	var v api.DealView
	s.at(2*time.Minute, func() { v = s.view() })
	s.run(id, 3*time.Minute)

	s.Require().Len(v.Conflicts, 1, "the edit outside the value map takes part in a conflict")
	s.Equal("stage", v.Conflicts[0].Field)
	s.Contains(v.Conflicts[0].ValueA, "Negotiation/Review")
	s.Equal("proposal", v.Conflicts[0].ValueB)
}

// A HubSpot user saves the mirror right after the deal's write lands there, before WriteDeal reads it
// back (an edit saved within a second of the deal's write: cosell bench --edit-gap 0). The read-back
// shows the user's save; the deal reads the mirror again and the save crosses to Salesforce, with no
// change event of its own.
func (s *dealSuite) TestAnEditRacingTheReadBackOfOurWriteCrosses() {
	hs := s.withFaultyHubSpot()
	rec, id, reads := s.readsAfterARacedWrite(hs)
	s.Equal([]string{"ReadDeal b"}, reads, "the deal reads the mirror again after the raced read-back")
	s.Equal("Legal review first", s.mirror(id).Fields["hs_next_step"], "the user's save stands")
	src, _ := s.sf.Deal(rec)
	s.Equal("Legal review first", src.Fields["NextStep"], "and crosses to Salesforce")
}

// A history recorded before the engine told a raced read-back from its write's own replays as it ran:
// the read-back is taken for the write's stored form, and no read follows the write.
func (s *dealSuite) TestARacedReadBackBeforeTheRuleReplaysAsItRan() {
	hs := s.withFaultyHubSpot()
	s.env.OnGetVersion(readBackRaceVersion, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	_, _, reads := s.readsAfterARacedWrite(hs)
	s.Empty(reads, "no read follows the write, as before the rule")
}

// readsAfterARacedWrite runs a deal whose write of Acme's next step to HubSpot meets a HubSpot user's
// save right after it lands, and returns the opportunity, the co-sell id and the reads the deal issued
// right after that write, up to its next write.
func (s *dealSuite) readsAfterARacedWrite(hs *faultyCRM) (rec, id string, reads []string) {
	rec = s.flagOnSalesforce()
	id = api.NewCoSellID(s.p.ID, pairing.A, rec)
	var mu sync.Mutex
	var log []string
	raced := -1
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		mu.Lock()
		defer mu.Unlock()
		side := ""
		switch info.ActivityType.Name {
		case "ReadDeal":
			var in activities.ReadDealInput
			if args.Get(&in) == nil {
				side = string(in.Side)
			}
		case "WriteDeal":
			var in activities.WriteDealInput
			if args.Get(&in) == nil {
				side = string(in.Side)
				if in.Side == pairing.B && in.Values["next_step"] == "Send the proposal" {
					raced = len(log)
				}
			}
		default:
			return
		}
		log = append(log, info.ActivityType.Name+" "+side)
	})
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(time.Minute, func() {
		fn := func(recordID string) { s.hs.Put(recordID, map[string]any{"hs_next_step": "Legal review first"}) }
		hs.afterUpdate.Store(&fn)
		s.sf.Put(rec, map[string]any{"NextStep": "Send the proposal"})
		s.trigger(pairing.A, rec)
	})
	s.run(id, 3*time.Minute)
	s.Require().Nil(hs.afterUpdate.Load(), "the user saved right after the deal's write")
	mu.Lock()
	defer mu.Unlock()
	s.Require().GreaterOrEqual(raced, 0, "the deal wrote Acme's next step to HubSpot: %q", log)
	for _, l := range log[raced+1:] {
		if !strings.HasPrefix(l, "ReadDeal") {
			break
		}
		reads = append(reads, l)
	}
	return rec, id, reads
}
