package workflows

import (
	"context"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
)

// swappedStages is the demo pairing with Globex's stages for qualification and decision swapped: a
// value map edit that changes what an untouched HubSpot deal reads as.
func swappedStages(raw string) string {
	raw = strings.Replace(raw, "b: qualifiedtobuy }", "b: QUALIFIED }", 1)
	raw = strings.Replace(raw, "b: decisionmakerboughtin }", "b: qualifiedtobuy }", 1)
	return strings.Replace(raw, "b: QUALIFIED }", "b: decisionmakerboughtin }", 1)
}

// TestARemapWritesTheNewValueMapsStageAndNothingElse: issue #11, item 3. A deal is mirrored; the
// worker then serves the edited value map; the remap update loads it, and the deal writes HubSpot the
// stage the new map gives the deal's canonical stage, writes nothing to Salesforce, logs no conflict,
// and records the new mapping's version. A remap naming another version is refused.
func (s *dealSuite) TestARemapWritesTheNewValueMapsStageAndNothingElse() {
	_, serve := s.servedWorker()

	raw, err := os.ReadFile("../examples/demo/pairing.yaml")
	s.Require().NoError(err)
	edited, err := pairing.Parse("edited.yaml", []byte(swappedStages(string(raw))))
	s.Require().NoError(err)
	s.Require().NotEqual(s.p.MappingVersion(), edited.MappingVersion())

	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	var before api.DealView
	var sfWrites int
	s.at(5*time.Second, func() {
		before = s.view()
		s.Equal("qualifiedtobuy", s.mirror(id).Fields["dealstage"])
		serve(s.connection(edited))
		src, _ := s.sf.Deal(rec)
		sfWrites = s.sfModified(src)
	})
	var wrongRej, wrongFail, rej, fail error
	var wrong, res api.RemapResult
	s.remap(6*time.Second, api.RemapInput{Mapping: s.p.MappingVersion()}, &wrong, &wrongRej, &wrongFail)
	s.remap(7*time.Second, api.RemapInput{Mapping: edited.MappingVersion(), Via: "test"}, &res, &rej, &fail)
	var after api.DealView
	s.at(12*time.Second, func() { after = s.view() })
	s.run(id, 15*time.Second)

	s.Equal(s.p.MappingVersion(), before.Mapping, "the deal recorded the mapping of its first round")
	s.NoError(wrongRej)
	s.ErrorContains(wrongFail, "not "+s.p.MappingVersion(), "a remap to a mapping the worker does not serve is refused")
	s.NoError(rej)
	s.NoError(fail)
	s.Equal(edited.MappingVersion(), res.Mapping)
	s.ElementsMatch([]pairing.Side{pairing.A, pairing.B}, res.Parties)
	s.Equal("decisionmakerboughtin", s.mirror(id).Fields["dealstage"], "the deal's stage in the new map's terms")
	src, _ := s.sf.Deal(rec)
	s.Equal("Qualification", src.Fields["StageName"])
	s.Equal(sfWrites, s.sfModified(src), "nothing written to Salesforce")
	s.Equal(edited.MappingVersion(), after.Mapping, "the deal records the mapping it synced with")
	s.False(after.Remapping)
	s.Empty(after.Conflicts, "a mapping change is no conflict")
}

// sfModified is a stand-in count of Salesforce writes: the record's modification stamp in ms.
func (s *dealSuite) sfModified(d connectors.Deal) int { return int(d.ModifiedAt.UnixMilli()) }

// remap sends the remap update at a point of workflow time and keeps its outcome.
func (s *dealSuite) remap(at time.Duration, in api.RemapInput, out *api.RemapResult, rejected, failed *error) {
	s.at(at, func() {
		s.env.UpdateWorkflow(api.RemapUpdate, "remap"+at.String(), &testsuite.TestUpdateCallback{
			OnReject: func(err error) { *rejected = err },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				*failed = err
				if err == nil {
					*out = v.(api.RemapResult)
				}
			},
		}, in)
	})
}

// TestADealThatMeetsAnEditedMappingOnItsOwnRebasesWithoutReSyncing: the worker serves the edited value
// map and a Salesforce edit of another field reaches the deal with the new policy version. The deal
// loads the policy and rebases: the edit syncs, but HubSpot's untouched stage (qualifiedtobuy, which
// now reads as decision) is no edit of Globex's, so Salesforce keeps Qualification and HubSpot is not
// rewritten until a remap.
func (s *dealSuite) TestADealThatMeetsAnEditedMappingOnItsOwnRebasesWithoutReSyncing() {
	acts, serve := s.servedWorker()
	raw, err := os.ReadFile("../examples/demo/pairing.yaml")
	s.Require().NoError(err)
	edited, err := pairing.Parse("edited.yaml", []byte(swappedStages(string(raw))))
	s.Require().NoError(err)

	rec := s.flagOnSalesforce()
	id := api.NewCoSellID(s.p.ID, pairing.A, rec)
	s.at(time.Second, func() { s.trigger(pairing.A, rec) })
	s.at(5*time.Second, func() {
		serve(s.connection(edited))
		pol, err := acts.LoadPolicy(context.Background(), activities.PolicyInput{PairingID: s.p.ID})
		s.Require().NoError(err)
		s.sf.Put(rec, map[string]any{"NextStep": "Pricing call"})
		s.env.SignalWorkflow(api.ChangeSignal, api.ChangeEvent{Side: pairing.A, RecordID: rec, Source: "test", Policy: pol.Version})
	})
	var mid api.DealView
	var midStage any
	s.at(9*time.Second, func() { mid, midStage = s.view(), s.mirror(id).Fields["dealstage"] })
	var rej, fail error
	var res api.RemapResult
	s.remap(10*time.Second, api.RemapInput{Mapping: edited.MappingVersion()}, &res, &rej, &fail)
	s.run(id, 15*time.Second)

	s.Equal("qualifiedtobuy", midStage, "the rebase did not re-sync HubSpot's stage")
	s.Equal("Pricing call", s.mirror(id).Fields["hs_next_step"], "the edit synced")
	src, _ := s.sf.Deal(rec)
	s.Equal("Qualification", src.Fields["StageName"], "HubSpot's untouched stage was no edit: Salesforce keeps its stage")
	s.Empty(mid.Conflicts)
	s.Equal(edited.MappingVersion(), mid.Mapping)
	s.NoError(rej)
	s.NoError(fail)
	s.Equal("decisionmakerboughtin", s.mirror(id).Fields["dealstage"], "the remap re-synced it")
}
