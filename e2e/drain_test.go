//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/cosellsync/cosell/api"
)

// TestWorkerDrainsOnSIGTERM stops the worker process with SIGTERM while it is in the middle of a CRM
// write (the Salesforce mirror of a new HubSpot deal, held 4 s by the fake): the write completes, its
// activity is recorded completed on its first attempt, and the process exits 0. A worker started
// afterwards carries on from there and never sends that write again.
func TestWorkerDrainsOnSIGTERM(t *testing.T) {
	const hold = 4 * time.Second
	var upserts, held atomic.Int32
	var coSellID atomic.Value
	inFlight, done := make(chan struct{}), make(chan struct{})
	s := newStack(t, stackOptions{sfWrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The upsert by co-sell id travels alone (PATCH …/sobjects/Opportunity/CoSell_Id__c/ID) or,
			// coalesced, as a Composite subrequest of sObject Collections (…/composite/sobjects/Opportunity/CoSell_Id__c).
			const upsert = "/sobjects/Opportunity/CoSell_Id__c"
			id := ""
			for _, c := range sfCallsOf(r) {
				if c.Method != http.MethodPatch || !strings.Contains(c.Path, upsert) {
					continue
				}
				if _, tail, _ := strings.Cut(c.Path, upsert+"/"); tail != "" {
					id = tail
					break
				}
				var coll struct {
					Records []map[string]any `json:"records"`
				}
				if json.Unmarshal(c.Body, &coll) == nil && len(coll.Records) > 0 {
					id, _ = coll.Records[0]["CoSell_Id__c"].(string)
					break
				}
			}
			if id == "" {
				h.ServeHTTP(w, r)
				return
			}
			upserts.Add(1)
			if held.Add(1) != 1 {
				h.ServeHTTP(w, r)
				return
			}
			coSellID.Store(id)
			close(inFlight)
			time.Sleep(hold)
			h.ServeHTTP(w, r)
			close(done)
		})
	}})
	s.env["COSELL_SHUTDOWN_GRACE"] = "90s"
	w := s.startWorkerProcess()

	hsID := s.hsUser.createDeal(map[string]any{"dealname": "Pendant Publishing", "dealstage": "qualifiedtobuy", "pipeline": "default",
		"amount": "64000", "closedate": "2027-02-01", "hubspot_owner_id": "71001", "cosell_enabled": "true"})
	select {
	case <-inFlight:
	case <-time.After(90 * time.Second):
		t.Fatal("the worker never wrote the Salesforce mirror")
	}
	require.NoError(t, w.Process.Signal(syscall.SIGTERM))
	exited := make(chan error, 1)
	go func() { exited <- w.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(120 * time.Second):
		t.Fatal("the worker did not exit within its grace period")
	}
	require.NoError(t, err, "exit code 0 after a drain")
	select {
	case <-done:
	default:
		t.Fatal("the worker exited before its Salesforce write was answered")
	}
	id := coSellID.Load().(string)

	// The write's activity completed on its first attempt and nothing is left pending or failed.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wid := api.DealWorkflowID(id)
	completed := 0
	it := s.temporal.GetWorkflowHistory(ctx, wid, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			assert.EqualValues(t, 1, ev.GetActivityTaskStartedEventAttributes().GetAttempt(), "event %d: no activity was retried", ev.GetEventId())
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			completed++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED, enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
			t.Errorf("event %d: %s", ev.GetEventId(), ev.GetEventType())
		}
	}
	assert.Positive(t, completed)
	desc, err := s.temporal.DescribeWorkflowExecution(ctx, wid, "")
	require.NoError(t, err)
	assert.Empty(t, desc.GetPendingActivities(), "no activity left running or to retry")

	// A new worker picks up where the drained one left off: the mirror is written once.
	s.startWorkerProcess()
	eventually(t, 60*time.Second, func() bool {
		m := s.hsDealNow(hsID)
		return m["cosell_id"] == id && m["cosell_partner_owner_email"] == "jane.doe@acme.example"
	}, "the deal carries on after the drain")
	s.waitFeedPolls(2, 30*time.Second)
	assert.EqualValues(t, 1, upserts.Load(), "the drained write was not sent again")
	assert.Len(t, s.sfUser.query("SELECT Id FROM Opportunity WHERE CoSell_Id__c = '"+id+"'"), 1)
}
