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
	acts, serve := s.servedWorker()

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
		serve(s.connection(edited))
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

// servedWorker sets the test up with activities that serve the pairing as a worker does, from a
// catalog it can swap (an edited pairing file reloaded); serve swaps in another pairing's connection.
func (s *dealSuite) servedWorker() (*activities.Activities, func(*activities.Connection)) {
	served := &activities.Served{}
	serve := func(c *activities.Connection) {
		served.Store(activities.NewCatalog(map[string]*activities.Connection{s.p.ID: c}))
	}
	serve(s.connection(s.p))
	acts := &activities.Activities{Served: served}
	s.env = s.NewTestWorkflowEnvironment()
	s.env.SetStartTime(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	Register(s.env, acts)
	s.mockPilot(s.env, acts)
	return acts, serve
}

// connection is the runtime of pairing p over the suite's in-memory CRMs.
func (s *dealSuite) connection(p *pairing.Pairing) *activities.Connection {
	return &activities.Connection{Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: s.sf, pairing.B: s.hs}, Slack: s.slack}
}
