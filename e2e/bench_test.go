//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
)

// BenchmarkMirrorLatency measures, end to end, the time from a rep flagging an opportunity in Salesforce
// to its mirror being readable in HubSpot: poll, signal-with-start, the deal workflow's round (read,
// merge, upsert, stamp the co-sell id) on a real Temporal dev server, over HTTP to both fakes. The feeds
// poll every 100 ms, so the figure is latency past the polling delay plus half an interval on average.
func BenchmarkMirrorLatency(b *testing.B) {
	s := newStack(b, stackOptions{poll: 100 * time.Millisecond})
	s.startWorker()
	jane := s.sfUser.userID("jane.doe@acme.example")
	var total time.Duration
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		opp := s.sfUser.create("Opportunity", map[string]any{
			"Name": fmt.Sprintf("Bench %d", i), "StageName": "Qualification", "CloseDate": "2026-12-31",
			"Amount": 1000, "OwnerId": jane, "CoSell_Enabled__c": true,
		})
		s.waitMirror(opp, 30*time.Second)
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(i), "ms/mirror")
}

// BenchmarkDeliveredChangeToMirror measures the path a webhook receiver will take: the change event is
// handed to the deal workflow with activities.Deliver as soon as it happens (no polling), and the clock
// stops when the mirror is readable in HubSpot and the co-sell id is stamped in Salesforce. The feeds
// are parked (1 h interval) so they do not race the delivery.
func BenchmarkDeliveredChangeToMirror(b *testing.B) {
	s := newStack(b, stackOptions{poll: time.Hour})
	s.startWorker()
	jane := s.sfUser.userID("jane.doe@acme.example")
	s.waitFeedPolls(1, 30*time.Second)
	ctx := context.Background()
	var total time.Duration
	i := 0
	for b.Loop() {
		i++
		opp := s.sfUser.create("Opportunity", map[string]any{
			"Name": fmt.Sprintf("Pushed %d", i), "StageName": "Qualification", "CloseDate": "2026-12-31",
			"Amount": 1000, "OwnerId": jane, "CoSell_Enabled__c": true,
		})
		start := time.Now()
		ev := api.ChangeEvent{Side: pairing.A, RecordID: opp, Source: "webhook"}
		if err := activities.Deliver(ctx, s.temporal, s.env["COSELL_TASK_QUEUE"], s.pairingID, api.NewCoSellID(s.pairingID, pairing.A, opp), ev); err != nil {
			b.Fatal(err)
		}
		s.waitMirror(opp, 30*time.Second)
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(i), "ms/mirror")
}
