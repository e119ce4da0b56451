package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/mocks/mockkit"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// snapshot is both fakes' counters and the worker's /proc figures at one moment.
type snapshot struct {
	at       time.Time
	sf, hs   mockkit.Calls
	sfBudget sfmock.APIBudget
	hsLimits hsmock.Limits
	proc     procStats
}

func (w *world) snapshot() (snapshot, error) {
	s := snapshot{at: time.Now(), sf: w.sf.Admin().Snapshot(), hs: w.hsSrv.Admin().Snapshot(), sfBudget: w.sf.APIBudget(), hsLimits: w.hsSrv.Limits()}
	var err error
	s.proc, err = readProc(w.worker.Process.Pid)
	return s, err
}

// runOne runs one feed × mode in a world of its own: the flag burst, then the edits.
func runOne(ctx context.Context, o Options, temporalAddr, feed, mode string, progress io.Writer) (RunResult, error) {
	run := RunResult{Feed: feed, Mode: mode}
	w, deals, err := newWorld(o, feed, mode)
	if err != nil {
		return run, err
	}
	defer w.close()
	w.deals, w.progress = deals, progress
	if err := w.startWorker(ctx, o, temporalAddr, feed, mode); err != nil {
		return run, err
	}
	c, err := client.Dial(client.Options{HostPort: temporalAddr, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return run, fmt.Errorf("dial temporal at %s: %w", temporalAddr, err)
	}
	defer c.Close()
	defer func() {
		// Stop the run's change feeds, so a reused server does not keep polling fakes that are gone.
		for _, conn := range []string{demo.SalesforceConnection, demo.HubSpotConnection} {
			_ = c.TerminateWorkflow(context.Background(), api.ConnectionFeedWorkflowID(w.taskQueue, conn), "", "benchmark over")
		}
	}()

	s0, err := w.snapshot()
	if err != nil {
		return run, err
	}
	flagLat, err := w.waitFlagBurst(ctx, deals, s0.at, o.TimeoutOf(mode))
	if err != nil {
		return run, err
	}
	fmt.Fprintf(progress, "bench: flag burst: %d of %d deals mirrored\n", len(flagLat), len(deals))
	w.quiesce(2*time.Second, 5*time.Second)
	s1, err := w.snapshot()
	if err != nil {
		return run, err
	}
	run.Flag = phase(len(deals), flagLat, s0, s1, lastOf(flagLat, s0.at))

	changes := plan(deals, o.Edits)
	var s2 snapshot
	if len(changes) > 0 {
		lat, last, err := w.runEdits(ctx, deals, changes, o.Rate, o.EditGap, o.TimeoutOf(mode), progress)
		if err != nil {
			return run, err
		}
		fmt.Fprintf(progress, "bench: edits: %d of %d mirrored\n", len(lat), len(changes))
		w.quiesce(2*time.Second, 5*time.Second)
		if s2, err = w.snapshot(); err != nil {
			return run, err
		}
		if last.IsZero() {
			last = s2.at
		}
		run.Edits = phase(len(changes), lat, s1, s2, last)
	} else {
		s2 = s1
	}
	run.Worker = WorkerFigures{PeakRSSMB: float64(s2.proc.peakRSSKB) / 1024, CPUSeconds: s2.proc.cpuSeconds}
	run.Budget = budgetOf(o, s2)

	windows := []window{{s0.at, s1.at}, {s1.at, s2.at}}
	actions, runs, err := countActions(ctx, c, w.taskQueue, windows)
	if err != nil {
		return run, err
	}
	run.WorkflowRuns = runs
	run.Flag.setActions(actions[0])
	if len(changes) > 0 {
		run.Edits.setActions(actions[1])
	}
	return run, nil
}

// budgetOf is the run's peak use of each window, from the fakes' counters at its end (the fakes are the
// run's own, so their peaks are the worker's), beside the guard's shares as the worker read them: each
// connection's BUDGET_*_SHARE (COSELL_CONN_<NAME>_…) from --worker-env, with the config's defaults.
func budgetOf(o Options, s snapshot) Budget {
	env := map[string]string{}
	for _, kv := range o.WorkerEnv {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	l := envconfig.MapLookuper(env)
	hs, _ := config.LoadConnection(context.Background(), l, demo.HubSpotConnection) // a bad share: the worker itself refuses to start
	sf, _ := config.LoadConnection(context.Background(), l, demo.SalesforceConnection)
	return Budget{WindowShare: hs.BudgetWindowShare.String(), DailyShare: sf.BudgetDailyShare.String(),
		HubSpotWindowPeak: s.hsLimits.WindowPeak, HubSpotWindowLimit: s.hsLimits.WindowLimit, HubSpotWindowMS: s.hsLimits.WindowMS,
		HubSpotDailyPeak: s.hsLimits.DailyPeak, HubSpotDailyLimit: s.hsLimits.DailyLimit,
		SalesforceDailyPeak: s.sfBudget.Peak, SalesforceDailyLimit: s.sfBudget.Max}
}

func lastOf(lat []time.Duration, start time.Time) time.Time {
	var m time.Duration
	for _, d := range lat {
		m = max(m, d)
	}
	return start.Add(m)
}

// phase turns a phase's latencies and counters into its figures. The rate is mirrored changes over the
// time from the phase's start to its last mirror.
func phase(changes int, lat []time.Duration, before, after snapshot, last time.Time) *Phase {
	p := &Phase{Changes: changes, Mirrored: len(lat), Converged: len(lat) == changes, Latency: latencyOf(lat)}
	p.Seconds = last.Sub(before.at).Seconds()
	if p.Seconds > 0 {
		p.ChangesPerSecond = float64(len(lat)) / p.Seconds
	}
	p.Salesforce.Calls, p.Salesforce.Endpoints = callDelta(before.sf, after.sf)
	p.HubSpot.Calls, p.HubSpot.Endpoints = callDelta(before.hs, after.hs)
	p.Salesforce.Refused = after.sfBudget.Refused - before.sfBudget.Refused
	for policy, n := range after.hsLimits.Refused {
		if d := n - before.hsLimits.Refused[policy]; d > 0 {
			if p.HubSpot.RefusedBy == nil {
				p.HubSpot.RefusedBy = map[string]int{}
			}
			p.HubSpot.RefusedBy[policy] = d
			p.HubSpot.Refused += d
		}
	}
	if p.Mirrored > 0 {
		p.Salesforce.PerChange = float64(p.Salesforce.Calls) / float64(p.Mirrored)
		p.HubSpot.PerChange = float64(p.HubSpot.Calls) / float64(p.Mirrored)
		p.CallsPerChange = float64(p.Salesforce.Calls+p.HubSpot.Calls) / float64(p.Mirrored)
	}
	p.WorkerCPUSeconds = after.proc.cpuSeconds - before.proc.cpuSeconds
	return p
}

func (p *Phase) setActions(n int) {
	p.TemporalActions = n
	if p.Mirrored > 0 {
		p.ActionsPerChange = float64(n) / float64(p.Mirrored)
	}
}
