//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mocks/mockkit"
	"github.com/cosellsync/cosell/pairing"
)

// flagHubSpotDeal creates a deal flagged for co-sell in HubSpot, as a Globex rep would.
func (s *stack) flagHubSpotDeal(name string) string {
	return s.hsUser.createDeal(map[string]any{
		"dealname": name, "dealstage": "qualifiedtobuy", "pipeline": "default", "amount": "11000", "closedate": "2027-03-31",
		"hs_next_step": "Call", "hubspot_owner_id": "71001", "cosell_enabled": "true",
	})
}

// sfMirrorOf returns the Salesforce opportunity carrying a co-sell id, "" while there is none.
func (s *stack) sfMirrorOf(coSellID string) string {
	if coSellID == "" {
		return ""
	}
	recs := s.sfUser.query("SELECT Id FROM Opportunity WHERE CoSell_Id__c = '" + coSellID + "'")
	if len(recs) != 1 {
		return ""
	}
	return recs[0]["Id"].(string)
}

// TestWebhooksAloneMirrorWithNoPoll runs with webhooks on and polling off: deals flagged on either side
// (with no co-sell id yet) mirror, and edits cross both ways, by webhook alone. The feeds never poll, and
// HubSpot's search, which every poll uses, is never called.
func TestWebhooksAloneMirrorWithNoPoll(t *testing.T) {
	s := newStack(t, stackOptions{webhooks: &webhookOptions{poll: 0}})
	s.startWorker()
	eventually(t, 10*time.Second, func() bool {
		_, a := s.feedView(pairing.A)
		_, b := s.feedView(pairing.B)
		return a && b
	}, "both feeds run")

	start := time.Now()
	hsID := s.flagHubSpotDeal("Hooli expansion")
	var coSellID, opp string
	eventually(t, 10*time.Second, func() bool {
		d, _ := s.hs.Deal(hsID)
		coSellID = d.Properties["cosell_id"]
		opp = s.sfMirrorOf(coSellID)
		return opp != ""
	}, "a deal flagged in HubSpot mirrors to Salesforce")
	t.Logf("HubSpot → Salesforce by webhook in %s", time.Since(start).Round(time.Millisecond))
	assert.Equal(t, "Hooli expansion", s.sfUser.get("Opportunity", opp)["Name"])

	start = time.Now()
	flagged := s.flagOpportunity("Initech rollout")
	_, mirror := s.waitMirror(flagged, 10*time.Second)
	t.Logf("Salesforce → HubSpot by webhook in %s", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	s.sfUser.update("Opportunity", flagged, map[string]any{"StageName": "Proposal/Price Quote"})
	eventually(t, 10*time.Second, func() bool {
		d, _ := s.hs.Deal(mirror)
		return d.Properties["dealstage"] == "contractsent"
	}, "a stage change in Salesforce reaches HubSpot")
	t.Logf("an edit Salesforce → HubSpot in %s", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	s.hsUser.updateDeal(hsID, map[string]any{"amount": "777"})
	eventually(t, 10*time.Second, func() bool {
		return fmt.Sprint(s.sfUser.get("Opportunity", opp)["Amount"]) == "777"
	}, "an amount changed in HubSpot reaches Salesforce")
	t.Logf("an edit HubSpot → Salesforce in %s", time.Since(start).Round(time.Millisecond))

	// The last write's own webhook (the echo Salesforce sends of the amount it was given) may still be
	// on its way through the feed: nothing stays pending, but a snapshot can catch an echo in flight.
	eventually(t, 10*time.Second, func() bool {
		a, okA := s.feedView(pairing.A)
		b, okB := s.feedView(pairing.B)
		return okA && okB && len(a.State.Pending) == 0 && len(b.State.Pending) == 0
	}, "both feeds deliver what they heard")
	for _, side := range []pairing.Side{pairing.A, pairing.B} {
		v, ok := s.feedView(side)
		require.True(t, ok)
		assert.Zero(t, v.State.Polls, "side %s never polled", side)
		assert.True(t, v.State.LastPoll.IsZero(), "side %s never polled", side)
		assert.Positive(t, v.State.Notified, "side %s heard of its changes by webhook", side)
		assert.Positive(t, v.State.Delivered)
	}
	calls := s.hs.Admin().Snapshot()
	assert.Zero(t, calls.Endpoints["POST deals/search"].Count, "no HubSpot poll: %v", calls.Endpoints)
	assert.Zero(t, calls.Endpoints["POST notes/search"].Count, "no HubSpot poll: %v", calls.Endpoints)
	for _, st := range []mockkit.WebhookStats{s.hs.Webhooks().Stats(), s.sf.Webhooks().Stats()} {
		assert.Positive(t, st.Acked)
		assert.Zero(t, st.GaveUp, "%+v", st)
	}
	// A history with settings and records signals, for the replay test.
	s.recordHistory(s.feedID(pairing.B), "feed-connection-webhooks")
}

// TestWebhookFaultsPollingStillConverges has the fakes' webhooks delayed, duplicated and reordered, or
// lost altogether, with the safety-net poll on: every deal, flagged on either side and then edited on
// both, converges, exactly one mirror each.
func TestWebhookFaultsPollingStillConverges(t *testing.T) {
	for _, c := range []struct {
		name  string
		knobs mockkit.WebhookKnobs
		check func(t *testing.T, s *stack)
	}{
		{name: "delayed", knobs: mockkit.WebhookKnobs{DelayMS: 3000}},
		{name: "duplicated and reordered", knobs: mockkit.WebhookKnobs{Duplicate: 1, Reorder: 1, ReorderMS: 1500, Seed: 5},
			check: func(t *testing.T, s *stack) {
				assert.Positive(t, s.hs.Webhooks().Stats().Duplicated)
				assert.Positive(t, s.sf.Webhooks().Stats().Reordered)
			}},
		{name: "dropped", knobs: mockkit.WebhookKnobs{Loss: 1},
			check: func(t *testing.T, s *stack) {
				for _, side := range []pairing.Side{pairing.A, pairing.B} {
					v, _ := s.feedView(side)
					assert.Zero(t, v.State.Notified, "no webhook arrived on side %s", side)
					assert.Positive(t, v.State.Polls, "polling did it all on side %s", side)
				}
				assert.Zero(t, s.hs.Webhooks().Stats().Sent)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newStack(t, stackOptions{webhooks: &webhookOptions{poll: 2 * time.Second, hs: c.knobs, sf: c.knobs}})
			s.startWorker()
			jane := s.sfUser.userID("jane.doe@acme.example")
			const n = 3
			var a, b []string // each deal's record on side a (Salesforce) and side b (HubSpot)
			for i := range n {
				a = append(a, s.sfUser.create("Opportunity", map[string]any{
					"Name": fmt.Sprintf("From Acme %d", i), "StageName": "Qualification", "CloseDate": "2027-03-31",
					"Amount": 11000.0, "NextStep": "Call", "OwnerId": jane, "CoSell_Enabled__c": true,
				}))
				b = append(b, "")
			}
			for i := range n {
				b = append(b, s.flagHubSpotDeal(fmt.Sprintf("From Globex %d", i)))
				a = append(a, "")
			}
			eventually(t, 60*time.Second, func() bool {
				for i := range a {
					if a[i] == "" {
						d, _ := s.hs.Deal(b[i])
						a[i] = s.sfMirrorOf(d.Properties["cosell_id"])
					}
					if b[i] == "" {
						id, _ := s.sfUser.get("Opportunity", a[i])["CoSell_Id__c"].(string)
						if ms := s.hsDealsByCoSellID(id); id != "" && len(ms) == 1 {
							b[i] = ms[0].ID
						}
					}
					if a[i] == "" || b[i] == "" {
						return false
					}
				}
				return true
			}, "every deal mirrored")

			// Edits on both sides: two quick ones on the same field on one side, another field on the other.
			stage, amount, next := chaosFields[0], chaosFields[1], chaosFields[2]
			for i := range a {
				s.sfUser.update("Opportunity", a[i], map[string]any{amount.sf: amount.sfValues[1]})
				s.sfUser.update("Opportunity", a[i], map[string]any{amount.sf: amount.sfValues[2], stage.sf: stage.sfValues[3]})
				s.hsUser.updateDeal(b[i], map[string]any{next.hs: next.hsValues[3]})
			}
			want := map[string]int{stage.name: 3, amount.name: 2, next.name: 3}
			edited := time.Now()
			var last string
			eventually(t, 60*time.Second, func() bool {
				for i := range a {
					r, _ := s.sf.Get(a[i])
					d, _ := s.hs.Deal(b[i])
					for _, f := range []chaosField{stage, amount, next} {
						gotA, gotB := fmt.Sprint(r[f.sf]), d.Properties[f.hs]
						if gotA != fmt.Sprint(f.sfValues[want[f.name]]) || gotB != f.hsValues[want[f.name]] {
							last = fmt.Sprintf("deal %d %s: Salesforce %s, HubSpot %s", i, f.name, gotA, gotB)
							return false
						}
					}
				}
				return true
			}, "every deal converges (still: %s)", func() any { return last })
			t.Logf("converged %s after the edits", time.Since(edited).Round(time.Millisecond))
			for i := range a {
				id, _ := s.sfUser.get("Opportunity", a[i])["CoSell_Id__c"].(string)
				assert.Len(t, s.hsDealsByCoSellID(id), 1, "one mirror for deal %d", i)
			}
			assert.Len(t, s.sfUser.query("SELECT Id FROM Opportunity WHERE Name LIKE 'From %'"), 2*n, "no stray opportunity")
			if c.check != nil {
				c.check(t, s)
			}
		})
	}
}
