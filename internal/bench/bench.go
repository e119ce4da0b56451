// Package bench is the load benchmark behind `cosell bench` and `make bench`: N co-sold deals and M edits
// per deal, spread over both CRMs, mirrored by a real worker process through both fakes (with a latency
// per call and HubSpot's real rate limits on) on a Temporal dev server. Each feed mode (webhooks, polling)
// runs with the worker's coalesced calls and with the naive reference (COSELL_COALESCE=false: one call
// per read and per write) in the same invocation, so every gain is a ratio measured side by side.
//
// What it measures, per run: the flag burst (every seeded deal mirrored) and the edit workload; for each,
// the mirror latency from an edit in one CRM to its value being readable in the other, the changes
// mirrored per second, the CRM calls per mirrored change counted by each fake, the Temporal actions per
// change read from the workflow histories, and the worker process's peak RSS and CPU seconds.
// Nothing here asserts a target: the figures go to JSON and to a Markdown table (docs/BENCHMARKS.md).
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/cosellsync/cosell/internal/devserver"
)

// Feed modes: how changes reach the worker.
const (
	FeedWebhook = "webhook"
	FeedPolling = "polling"
)

// Call modes: how the worker talks to the CRMs (COSELL_COALESCE).
const (
	ModeCoalesced = "coalesced"
	ModeNaive     = "naive"
)

// Options are `cosell bench`'s flags.
type Options struct {
	// Deals is N, the co-sold deals seeded (half in each CRM); Edits is M, the edits per deal.
	Deals, Edits int
	// Rate is the edits per second across all deals; 0 sends each round of edits as one burst.
	Rate float64
	// EditGap is the least time from a deal's edit being mirrored to its next edit. At 0 (the
	// default) a deal's next edit is saved as soon as its last one shows in the other CRM, within about
	// a second of the worker's own write to the record edited: the race between a rep's save and a
	// write's read-back that the engine once lost edits to (issue #7, docs/BENCHMARKS.md). A gap spaces
	// the edits out, to measure a calmer workload.
	EditGap time.Duration
	// Latency is how long each fake takes to answer any API call.
	Latency time.Duration
	// Feeds and Modes are the runs, every feed with every mode.
	Feeds, Modes []string
	// PollInterval is the feeds' interval in polling mode.
	PollInterval time.Duration
	// Timeout bounds each phase's wait for convergence; a phase that does not converge is reported
	// with what did mirror.
	Timeout time.Duration
	// NaiveTimeout, when set, bounds the naive reference's phases instead: at the targets' sizes the
	// naive mode takes hours (one call per read and write under HubSpot's 10 s window), and a bounded
	// run still gives its rate and calls per change beside the coalesced run of the same invocation.
	NaiveTimeout time.Duration
	// Temporal is the address of a running Temporal server to use; empty starts a dev server.
	Temporal string
	// Worker is the cosell binary the worker runs from; PairingFile the pairing it serves (its id is
	// replaced per run); Workdir holds the runs' pairing files and worker logs.
	Worker, PairingFile, Workdir string
	// SalesforceDailyLimit is the fake org's daily API allocation.
	SalesforceDailyLimit int
	// WorkerEnv is added to every worker's environment (KEY=VALUE), after the bench's own settings.
	WorkerEnv []string
	// Command is the command line, written into the report.
	Command string
	// Progress receives a line per step; nil discards them.
	Progress io.Writer
}

// TimeoutOf is how long each phase of a run in mode may wait for convergence.
func (o Options) TimeoutOf(mode string) time.Duration {
	if mode == ModeNaive && o.NaiveTimeout > 0 {
		return o.NaiveTimeout
	}
	return o.Timeout
}

// Validate refuses options that cannot run.
func (o Options) Validate() error {
	var errs []error
	if o.Deals < 1 {
		errs = append(errs, fmt.Errorf("--deals %d: want at least 1", o.Deals))
	}
	if o.Edits < 0 {
		errs = append(errs, fmt.Errorf("--edits %d: want 0 or more", o.Edits))
	}
	if o.Rate < 0 {
		errs = append(errs, fmt.Errorf("--rate %v: want 0 (burst) or more", o.Rate))
	}
	if o.Latency < 0 {
		errs = append(errs, fmt.Errorf("--latency %s: want 0 or more", o.Latency))
	}
	if o.EditGap < 0 {
		errs = append(errs, fmt.Errorf("--edit-gap %s: want 0 or more", o.EditGap))
	}
	if o.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout %s: want more than 0", o.Timeout))
	}
	if o.NaiveTimeout < 0 {
		errs = append(errs, fmt.Errorf("--naive-timeout %s: want 0 (as --timeout) or more", o.NaiveTimeout))
	}
	if o.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("--poll-interval %s: want more than 0", o.PollInterval))
	}
	for _, f := range o.Feeds {
		if f != FeedWebhook && f != FeedPolling {
			errs = append(errs, fmt.Errorf("--feeds %q: want %s and/or %s", f, FeedWebhook, FeedPolling))
		}
	}
	for _, m := range o.Modes {
		if m != ModeCoalesced && m != ModeNaive {
			errs = append(errs, fmt.Errorf("--modes %q: want %s and/or %s", m, ModeCoalesced, ModeNaive))
		}
	}
	if len(o.Feeds) == 0 || len(o.Modes) == 0 {
		errs = append(errs, errors.New("--feeds and --modes each need at least one value"))
	}
	for _, kv := range o.WorkerEnv {
		if !strings.Contains(kv, "=") {
			errs = append(errs, fmt.Errorf("--worker-env %q: want KEY=VALUE", kv))
		}
	}
	return errors.Join(errs...)
}

// Run runs every feed × mode and returns the report. A run that fails to start (a worker that exits, a
// fake that cannot listen) is an error; a run that does not converge in time is a result.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	rep := &Report{Command: o.Command, Date: time.Now().UTC().Format(time.RFC3339), Machine: readMachine(), Options: o.summary()}
	addr := o.Temporal
	if addr == "" {
		fmt.Fprintln(progress, "bench: starting a Temporal dev server")
		srv, err := devserver.Start(ctx, devserver.Options{})
		if err != nil {
			return nil, err
		}
		defer srv.Stop()
		addr = srv.FrontendHostPort()
	}
	for _, feed := range o.Feeds {
		for _, mode := range o.Modes {
			fmt.Fprintf(progress, "bench: %s feed, %s calls: %d deals × %d edits\n", feed, mode, o.Deals, o.Edits)
			res, err := runOne(ctx, o, addr, feed, mode, progress)
			if err != nil {
				return nil, fmt.Errorf("%s feed, %s calls: %w", feed, mode, err)
			}
			rep.Runs = append(rep.Runs, res)
		}
	}
	rep.Machine.LoadEnd = loadAverage()
	return rep, nil
}

func (o Options) summary() OptionsSummary {
	return OptionsSummary{Deals: o.Deals, Edits: o.Edits, Rate: o.Rate, LatencyMS: o.Latency.Milliseconds(), EditGapMS: o.EditGap.Milliseconds(),
		PollIntervalMS: o.PollInterval.Milliseconds(), TimeoutS: o.Timeout.Seconds(), NaiveTimeoutS: o.TimeoutOf(ModeNaive).Seconds(), SalesforceDailyLimit: o.SalesforceDailyLimit}
}

// readMachine describes where the figures come from: the machine is shared, so its load is part of them.
func readMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, LoadStart: loadAverage()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var kb int64
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				m.MemoryGiB = float64(kb) / (1 << 20)
			}
		}
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return m
}

// loadAverage is /proc/loadavg's 1-minute figure, "" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
