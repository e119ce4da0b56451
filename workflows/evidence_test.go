package workflows

import (
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// update sends an update at a point of workflow time and keeps its outcome.
func (s *dealSuite) update(at time.Duration, name string, in any, out any, rejected, failed *error) {
	s.at(at, func() {
		s.env.UpdateWorkflow(name, name+at.String(), &testsuite.TestUpdateCallback{
			OnReject: func(err error) { *rejected = err },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				if err != nil {
					*failed = err
					return
				}
				switch o := out.(type) {
				case *api.TouchpointResult:
					*o = v.(api.TouchpointResult)
				case *api.DisputeResult:
					*o = v.(api.DisputeResult)
				}
			},
		}, in)
	})
}

// TestTouchpointsAndADisputeThroughUpdates: issue #9, items 4 and 6, through the interpreter over the
// in-memory CRMs. Touchpoints logged by update (and one delivered as a CRM activity) earn Globex
// technical validation at close-won; a dispute opened before the close is refused; Globex disputes,
// an approver upholds it with a corrected split, and both CRMs get the split in force and the notes;
// the pilot hears each version of the record.
func (s *dealSuite) TestTouchpointsAndADisputeThroughUpdates() {
	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	start := s.env.Now()
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })

	var early, bad, noRej, noFail, disputeRej, resolveRej, resolveFail error
	var logged api.TouchpointResult
	var tooEarly api.DisputeResult
	s.update(2*time.Second, api.DisputeUpdate, api.DisputeInput{Partner: vocab.B, Reason: "early"}, &tooEarly, &early, &noFail)
	s.update(3*time.Second, api.TouchpointUpdate, api.TouchpointInput{Touchpoints: []touchpoint.Touchpoint{
		{Side: vocab.B, Person: "jdoe@globex.example", Kind: touchpoint.Demo, At: start.Add(time.Second), Deal: id, Source: "cli:demo"},
		{Side: vocab.A, Person: "jane.doe@acme.example", Kind: touchpoint.Meeting, At: start.Add(time.Second), Deal: id, Source: "cli:meeting"},
	}}, &logged, &noRej, &noFail)
	var ignored api.TouchpointResult
	s.update(4*time.Second, api.TouchpointUpdate, api.TouchpointInput{Touchpoints: []touchpoint.Touchpoint{
		{Side: vocab.B, Person: "jdoe@globex.example", Kind: "lunch", At: start, Deal: id},
	}}, &ignored, &bad, &noFail)
	s.at(5*time.Second, func() {
		m := s.mirror(id)
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.B, RecordID: m.RecordID, Source: "test", Activities: []touchpoint.Activity{
			{Object: touchpoint.HubSpotMeeting, ID: "77", Subject: "POC review", Person: "jdoe@globex.example", At: start.Add(2 * time.Second)},
		}})
	})
	s.at(6*time.Second, func() {
		m := s.mirror(id)
		s.hs.Put(m.RecordID, map[string]any{"dealstage": "closedwon"})
		s.trigger(pairing.B, m.RecordID)
	})
	var won api.DealView
	s.at(8*time.Second, func() { won = s.view() })
	var disputed, resolved api.DisputeResult
	s.update(9*time.Second, api.DisputeUpdate, api.DisputeInput{Partner: vocab.B, By: "jdoe@globex.example", Reason: "we ran the POC"}, &disputed, &disputeRej, &noFail)
	var corrected []attribution.Part
	s.at(10*time.Second, func() {
		pool := won.CoSell.Attribution.PoolMinor
		corrected = []attribution.Part{
			{Partner: vocab.A, Roles: []attribution.Role{attribution.Sourcing, attribution.Selling}, AmountMinor: pool / 2},
			{Partner: vocab.B, Roles: []attribution.Role{attribution.TechnicalValidation, attribution.Influence}, AmountMinor: pool - pool/2},
		}
		s.env.UpdateWorkflow(api.ResolveDisputeUpdate, "resolve", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { resolveRej = err }, OnAccept: func() {},
			OnComplete: func(v any, err error) {
				resolveFail = err
				if err == nil {
					resolved = v.(api.DisputeResult)
				}
			},
		}, api.ResolveDisputeInput{Verdict: attribution.Upheld, Parts: corrected, Approver: "maria.manager@acme.example", Note: "the POC notes show it"})
	})
	var final api.DealView
	s.at(12*time.Second, func() { final = s.view() })
	s.run(id, 13*time.Second)

	s.Require().Error(early, "no dispute before the deal is won")
	s.Contains(early.Error(), "not attributed")
	s.NoError(noRej)
	s.NoError(noFail)
	s.Equal([]touchpoint.Outcome{touchpoint.Added, touchpoint.Added}, logged.Outcomes)
	s.Require().Error(bad, "an invalid touchpoint is refused by the validator")
	s.Contains(bad.Error(), `unknown kind "lunch"`)

	s.Require().NotNil(won.CoSell)
	s.Require().NotNil(won.CoSell.Touchpoints)
	s.Equal(3, won.CoSell.Touchpoints.Total, "two logged, one read from HubSpot")
	res := won.CoSell.Attribution
	s.Require().NotNil(res)
	var tv []vocab.Side
	for _, aw := range res.Awards {
		if aw.Role == attribution.TechnicalValidation {
			tv = aw.Holders
		}
	}
	s.Equal([]vocab.Side{vocab.B}, tv, "Globex's demo and POC review earn technical validation")

	s.NoError(disputeRej)
	s.NoError(resolveRej)
	s.NoError(resolveFail)
	s.Require().Len(disputed.Record.Disputes, 1)
	s.Nil(disputed.Record.Disputes[0].Resolution)
	s.Equal(corrected, resolved.Parts, "the corrected split is in force")
	s.Require().NotNil(final.CoSell)
	s.Equal(corrected, final.CoSell.Parts)
	s.Require().Len(final.CoSell.Disputes, 1)
	s.Equal(attribution.Upheld, final.CoSell.Disputes[0].Resolution.Verdict)

	m := s.mirror(id)
	src, _ := s.sf.Deal(rec)
	summary := engine.RecordSummary(resolved.Record, names{vocab.A: "Acme", vocab.B: "Globex"}.get)
	s.Equal(summary, src.Fields["CoSell_Attribution__c"])
	s.Equal(summary, m.Fields["cosell_attribution"])
	body := "[CoSell Sync] "
	for i, l := range resolved.Record.Lines() {
		if i > 0 {
			body += "\n"
		}
		body += l
	}
	s.Equal(1, countBody(s.sf.Notes(rec), body), "Salesforce has the resolution note once")
	s.Equal(1, countBody(s.hs.Notes(m.RecordID), body), "HubSpot has the resolution note once")

	s.mu.Lock()
	records := append([]attribution.Record(nil), s.records...)
	s.mu.Unlock()
	s.Require().Len(records, 3, "attributed, disputed, resolved")
	var kept []attribution.Record
	for _, r := range records {
		kept = attribution.Keep(kept, r)
	}
	s.Equal([]attribution.Record{resolved.Record}, kept, "the pilot keeps the resolved record")
}

func countBody(notes []connectors.Note, body string) int {
	n := 0
	for _, x := range notes {
		if x.Body == body {
			n++
		}
	}
	return n
}
