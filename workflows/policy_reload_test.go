package workflows

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
)

// TestAnEditedPairingReachesARunningDealWithItsNextChange: the worker serves an edited pairing file
// (amount becomes one-way, HubSpot to Salesforce) while a deal runs; the next change event carries the
// new policy version, the deal loads it before deciding, and so reverts a Salesforce edit of the amount
// instead of mirroring it.
func (s *dealSuite) TestAnEditedPairingReachesARunningDealWithItsNextChange() {
	served := &activities.Served{}
	conn := func(p *pairing.Pairing) *activities.Connection {
		return &activities.Connection{Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: s.sf, pairing.B: s.hs}, Slack: s.slack}
	}
	served.Store(activities.NewCatalog(map[string]*activities.Connection{s.p.ID: conn(s.p)}))
	acts := &activities.Activities{Served: served}
	s.env = s.NewTestWorkflowEnvironment()
	s.env.SetStartTime(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	Register(s.env, acts)
	s.mockPilot(s.env, acts)

	raw, err := os.ReadFile("../examples/demo/pairing.yaml")
	s.Require().NoError(err)
	edited, err := pairing.Parse("edited.yaml", []byte(strings.Replace(string(raw), "    b: amount\n", "    b: amount\n    direction: b_to_a\n", 1)))
	s.Require().NoError(err)
	version := func() string {
		pol, err := acts.LoadPolicy(context.Background(), activities.PolicyInput{PairingID: s.p.ID})
		s.Require().NoError(err)
		return pol.Version
	}
	before := version()

	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	var after string
	s.at(time.Second, func() {
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.A, RecordID: rec, Source: "test", Policy: before})
	})
	s.at(5*time.Second, func() {
		served.Store(activities.NewCatalog(map[string]*activities.Connection{s.p.ID: conn(edited)}))
		after = version()
		s.sf.Put(rec, map[string]any{"Amount": 200000.0})
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.A, RecordID: rec, Source: "test", Policy: after})
	})
	s.run(id, 10*time.Second)

	s.NotEqual(before, after, "the edit changed the policy's version")
	s.Equal("125000", s.mirror(id).Fields["amount"], "the Salesforce edit did not cross: amount is HubSpot's now")
	src, _ := s.sf.Deal(rec)
	s.EqualValues(125000, src.Fields["Amount"], "and it was reverted on Salesforce, as a one-way field's receiving edit is")
}
