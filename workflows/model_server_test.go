package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"pgregory.net/rapid"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/devserver"
)

// wmServerChecks is the number of histories TestWorkflowModelCrashes runs against the dev server; each
// takes seconds of real time. COSELL_MODEL_SERVER_CHECKS changes it.
const wmServerChecks = 3

// wmServer drives a history through a real Temporal dev server and a real worker in this process. The
// worker is stopped at random points and a fresh one started with the sticky cache purged, so the next
// workflow task replays the history; after the history every run of the deal is replayed again with
// worker.NewWorkflowReplayer. Workflow time is real time here, so gaps are scaled down and faults stay
// within Temporal's own activity retries (the engine's backoffs start at 30 s).
type wmServer struct {
	w         *wmWorld
	c         client.Client
	taskQueue string
	acts      *activities.Activities
	mu        sync.Mutex // guards wk: the history and a crash after a write both replace it
	wk        worker.Worker
	crashes   atomic.Int32
}

func (d *wmServer) now() time.Time { return time.Now() }

func (d *wmServer) deliver(e wmEvent) {
	d.w.delivering(e)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := activities.Deliver(ctx, d.c, d.taskQueue, d.w.p.ID, d.w.id, e.ev); err != nil {
		d.w.mu.Lock()
		d.w.violate("deliver a change: %v", err)
		d.w.mu.Unlock()
	}
}

func (d *wmServer) view() (api.DealView, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return queryDeal(d.c.QueryWorkflow(ctx, api.DealWorkflowID(d.w.id), "", api.DealQuery))
}

func (d *wmServer) continueAsNew() bool { return false }

func (d *wmServer) crash() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.wk.Stop()
	worker.PurgeStickyWorkflowCache() // what a crashed process would have lost
	d.crashes.Add(1)
	d.w.forgetLooks()
	d.startWorker()
	return true
}

func (d *wmServer) startWorker() {
	d.wk = worker.New(d.c, d.taskQueue, worker.Options{})
	Register(d.wk, d.acts)
	if err := d.wk.Start(); err != nil {
		d.w.t.Fatalf("start a worker: %v", err)
	}
}

// waitIdle waits until the deal has no workflow task or activity pending and has made no CRM call for
// a while (Temporal's activity retries are a second or two apart). An activity whose worker crashed
// under it is only retried after its start-to-close timeout, a minute: that is waited for too.
func (d *wmServer) waitIdle() {
	last, since := -1, time.Now()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		d.w.mu.Lock()
		n := d.w.calls
		d.w.mu.Unlock()
		if n != last {
			last, since = n, time.Now()
		}
		if time.Since(since) < 1500*time.Millisecond {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		desc, err := d.c.DescribeWorkflowExecution(ctx, api.DealWorkflowID(d.w.id), "")
		cancel()
		if err == nil && len(desc.GetPendingActivities()) == 0 && desc.GetPendingWorkflowTask() == nil {
			return
		}
	}
}

// wmRealGap maps a history's gap in workflow time to a pause in real time.
func wmRealGap(g time.Duration) time.Duration {
	switch {
	case g <= time.Second:
		return 0
	case g <= 2*time.Second:
		return 20 * time.Millisecond
	case g <= time.Minute:
		return 50 * time.Millisecond
	}
	return 100 * time.Millisecond
}

// wmServerSeq numbers the server histories of this process: each gets a pairing and a task queue of
// its own.
var wmServerSeq atomic.Int64

func wmServerProperty(outer *testing.T, c client.Client, opts wmOptions) func(*rapid.T) {
	return func(t *rapid.T) {
		w := newWorld(t, opts)
		w.outer = outer
		// A pairing of its own: the deal's workflow id is derived from it, and a failed history leaves
		// its deal running.
		w.p.ID = fmt.Sprintf("wfmodel-%d-%d", os.Getpid(), wmServerSeq.Add(1))
		d := &wmServer{w: w, c: c, taskQueue: w.p.ID}
		w.drv = d
		d.acts = w.activities()
		d.acts.Client = c
		defer drawRunLimits(t)()
		d.startWorker()
		stop, stopped := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(stopped)
			for {
				select {
				case <-w.crashes:
					w.mu.Lock()
					w.logf("the worker crashes after that write, before the activity's result is acknowledged")
					w.mu.Unlock()
					d.crash()
				case <-stop:
					return
				}
			}
		}()
		defer func() {
			close(stop)
			<-stopped
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = c.TerminateWorkflow(ctx, api.DealWorkflowID(w.id), "", "history over") // a failed one is still running
			d.wk.Stop()
		}()
		w.flagOrigin()
		var steps []wmStep
		done := false
		wmHistory(t, w, func(s wmStep) { steps = append(steps, s) }, 0, func() { done = true })
		for len(steps) > 0 {
			st := steps[0]
			steps = steps[1:]
			if g := st.gap(); g == 0 {
				d.waitIdle()
			} else {
				time.Sleep(wmRealGap(g))
			}
			w.mu.Lock()
			v := w.violation
			w.mu.Unlock()
			if v != "" {
				w.fail("%s", v)
			}
			st.do()
		}
		if !done {
			t.Fatalf("the history did not finish")
		}
		d.finish(t)
	}
}

// finish cancels the deal, waits for it to end and replays every run of it from its recorded history.
func (d *wmServer) finish(t *rapid.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := api.DealWorkflowID(d.w.id)
	if err := d.c.CancelWorkflow(ctx, id, ""); err != nil {
		t.Fatalf("cancel the deal: %v", err)
	}
	if err := d.c.GetWorkflow(ctx, id, "").Get(ctx, nil); err == nil {
		t.Fatalf("the cancelled deal reports success")
	}
	runs := 0
	for run := ""; ; runs++ {
		h, err := wmHistoryOf(ctx, d.c, id, run)
		if err != nil {
			t.Fatalf("read the history of run %q: %v", run, err)
		}
		r := worker.NewWorkflowReplayer()
		Register(replayRegistrar{r}, &activities.Activities{})
		if err := r.ReplayWorkflowHistory(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), h); err != nil {
			t.Fatalf("INVARIANT: run %s of the deal does not replay from its history: %v", run, err)
		}
		run = h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		if run == "" {
			break
		}
	}
	t.Logf("(%d run(s) replayed, %d worker crash(es))", runs+1, d.crashes.Load())
	wmServerRuns.Add(int64(runs + 1))
	wmServerCrashes.Add(int64(d.crashes.Load()))
}

// wmServerRuns and wmServerCrashes count, over TestWorkflowModelCrashes, the runs replayed and the
// worker crashes: the test reports them, and fails if the histories never crashed or continued-as-new.
var wmServerRuns, wmServerCrashes atomic.Int64

func wmHistoryOf(ctx context.Context, c client.Client, id, run string) (*historypb.History, error) {
	it := c.GetWorkflowHistory(ctx, id, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, ev)
	}
	if len(h.Events) == 0 {
		return nil, errors.New("empty history")
	}
	return h, nil
}

// wmWithDevServer runs the histories of opts against a dev server started for the test, checks times
// (COSELL_MODEL_SERVER_CHECKS overrides it). Without the Temporal CLI it skips, except in CI, which
// provides it.
func wmWithDevServer(t *testing.T, opts wmOptions, checks int) {
	if testing.Short() {
		t.Skip("-short: the dev-server half of the workflow model takes seconds per history")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := devserver.FindBinary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI provides the Temporal CLI: %v", err)
		}
		t.Skipf("no Temporal CLI (run make tools): %v", err)
	}
	srv, err := devserver.Start(ctx, devserver.Options{})
	if err != nil {
		t.Fatalf("start the dev server: %v", err)
	}
	defer srv.Stop()
	c, err := client.Dial(client.Options{HostPort: srv.FrontendHostPort(), Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatalf("dial the dev server: %v", err)
	}
	defer c.Close()
	n := strconv.Itoa(checks)
	if v := os.Getenv("COSELL_MODEL_SERVER_CHECKS"); v != "" {
		n = v
	}
	defer setRapidFlag("rapid.checks", "RAPID_CHECKS", n)()
	defer setRapidFlag("rapid.nofailfile", "RAPID_NOFAILFILE", "true")()
	defer setRapidFlag("rapid.shrinktime", "RAPID_SHRINKTIME", "60s")()
	wmServerRuns.Store(0)
	wmServerCrashes.Store(0)
	rapid.Check(t, wmServerProperty(t, c, opts))
	t.Logf("%d run(s) replayed from their recorded histories, %d worker crash(es)", wmServerRuns.Load(), wmServerCrashes.Load())
}

// TestWorkflowModelCrashes runs control histories (as TestWorkflowModelCatchesBrokenRule does, with
// writes failing before and after they are applied) against a real Temporal dev server, crashing the
// worker at random points and right after writes so that workflow tasks replay from history, and
// replays every recorded run at the end. The whole vocabulary runs against the server in
// TestWorkflowModelCrashesSearch (build tag model).
func TestWorkflowModelCrashes(t *testing.T) {
	wmWithDevServer(t, wmOptions{control: true, server: true}, wmServerChecks)
}
