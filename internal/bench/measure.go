package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

// procStats are a process's own figures from /proc: the peak resident set (VmHWM) and the CPU time it
// used, user plus system.
type procStats struct {
	peakRSSKB  int64
	cpuSeconds float64
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times; 100 on every Linux Go runs on.
const clockTicks = 100

func readProc(pid int) (procStats, error) {
	var st procStats
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, fmt.Errorf("read the worker's /proc status: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			st.peakRSSKB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, fmt.Errorf("read the worker's /proc stat: %w", err)
	}
	// The command name (field 2) may hold spaces; the fields after its closing parenthesis start at 3.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return st, fmt.Errorf("the worker's /proc stat has %d fields after its name", len(fields))
	}
	utime, _ := strconv.ParseFloat(fields[11], 64) // field 14
	stime, _ := strconv.ParseFloat(fields[12], 64) // field 15
	st.cpuSeconds = (utime + stime) / clockTicks
	return st, nil
}

// percentile is the nearest-rank percentile of sorted durations, in milliseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	rank = min(max(rank, 0), len(sorted)-1)
	return float64(sorted[rank].Microseconds()) / 1000
}

func latencyOf(lat []time.Duration) Latency {
	s := slices.Clone(lat)
	slices.Sort(s)
	if len(s) == 0 {
		return Latency{}
	}
	return Latency{P50: percentile(s, 50), P95: percentile(s, 95), P99: percentile(s, 99), Max: percentile(s, 100)}
}

// callDelta is what a fake counted between two snapshots, by endpoint.
func callDelta(before, after mockkit.Calls) (int, map[string]int) {
	by := map[string]int{}
	for name, c := range after.Endpoints {
		if d := c.Count - before.Endpoints[name].Count; d > 0 {
			by[name] = d
		}
	}
	return after.Total - before.Total, by
}

// quiesce waits until neither fake has counted a call for quiet, at most limit, so that a phase's
// figures hold the calls that trail its last mirror (a stamp, a partner owner read). Polling never goes
// quiet, so limit is short: a polling phase's count holds its polls up to a few seconds past the last
// mirror.
func (w *world) quiesce(quiet, limit time.Duration) {
	end := time.Now().Add(limit)
	last := w.sf.Admin().Snapshot().Total + w.hsSrv.Admin().Snapshot().Total
	still := time.Now()
	for time.Now().Before(end) {
		time.Sleep(100 * time.Millisecond)
		n := w.sf.Admin().Snapshot().Total + w.hsSrv.Admin().Snapshot().Total
		if n != last {
			last, still = n, time.Now()
			continue
		}
		if time.Since(still) >= quiet {
			return
		}
	}
}

// Temporal actions are counted from the workflow histories, as Temporal Cloud's billable-action estimate
// in its UI counts them (https://docs.temporal.io/cloud/actions): a workflow started (by a client, by
// continue-as-new or as a child), a signal received, an activity scheduled and each of its retries, a
// timer started, an update accepted, search attributes upserted or properties modified, a signal or
// cancel request sent to another workflow, and a local activity (counted per marker, an upper bound:
// Cloud bills local activities once per workflow task). Not in a history, so not counted: queries (the
// bench makes none while it measures) and activity heartbeats (the feeds heartbeat long polls).
func billable(ev *historypb.HistoryEvent) int {
	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
		enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
		enumspb.EVENT_TYPE_TIMER_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
		enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
		enumspb.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
		enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
		enumspb.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
		return 1
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
		// The started event carries the attempt that ran last: every attempt before it was a retry.
		return max(int(ev.GetActivityTaskStartedEventAttributes().GetAttempt())-1, 0)
	case enumspb.EVENT_TYPE_MARKER_RECORDED:
		if ev.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity" {
			return 1
		}
	}
	return 0
}

// window is a span of time a phase's actions are counted in.
type window struct{ from, to time.Time }

// countActions reads the history of every workflow run on the task queue and counts the billable
// actions of the events inside each window.
func countActions(ctx context.Context, c client.Client, taskQueue string, windows []window) ([]int, int, error) {
	out := make([]int, len(windows))
	var token []byte
	runs := 0
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("TaskQueue = '%s'", taskQueue), PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, 0, fmt.Errorf("list the run's workflows: %w", err)
		}
		for _, ex := range resp.GetExecutions() {
			runs++
			it := c.GetWorkflowHistory(ctx, ex.GetExecution().GetWorkflowId(), ex.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					return nil, 0, fmt.Errorf("read the history of %s: %w", ex.GetExecution().GetWorkflowId(), err)
				}
				n := billable(ev)
				if n == 0 {
					continue
				}
				at := ev.GetEventTime().AsTime()
				for i, w := range windows {
					if !at.Before(w.from) && at.Before(w.to) {
						out[i] += n
					}
				}
			}
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, runs, nil
		}
	}
}
