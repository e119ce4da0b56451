package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cosellsync/cosell/internal/bench"
	"github.com/cosellsync/cosell/internal/demo"
)

// runBench runs the load benchmark (internal/bench) with its options from flags: the flag parsing is
// all that lives here, so the command is easy to move onto another CLI framework.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := bench.Options{Progress: stderr}
	fs.IntVar(&o.Deals, "deals", 100, "co-sold deals seeded, half in each CRM (N)")
	fs.IntVar(&o.Edits, "edits", 2, "edits per deal, spread over both CRMs (M)")
	fs.Float64Var(&o.Rate, "rate", 0, "edits per second across all deals; 0 sends each round as a burst")
	fs.DurationVar(&o.EditGap, "edit-gap", 2*time.Second, "the least time from a deal's edit mirroring to its next edit (0 shows the engine losing an edit saved right after its own write)")
	fs.DurationVar(&o.Latency, "latency", 150*time.Millisecond, "how long each fake CRM takes to answer an API call")
	feeds := fs.String("feeds", "webhook,polling", "feed modes to run: webhook, polling")
	modes := fs.String("modes", "coalesced,naive", "call modes to run: coalesced (COSELL_COALESCE=true), naive (false)")
	fs.DurationVar(&o.PollInterval, "poll-interval", time.Second, "the feeds' poll interval in polling mode")
	fs.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "the longest wait for each phase to converge")
	fs.StringVar(&o.Temporal, "temporal", "", "address of a running Temporal server; empty starts a dev server")
	fs.StringVar(&o.PairingFile, "pairing", demo.PairingFile, "the pairing to serve (the demo pairing, its id replaced per run)")
	fs.IntVar(&o.SalesforceDailyLimit, "salesforce-daily-limit", 1_000_000, "the fake org's daily API allocation")
	jsonOut := fs.String("json", "-", "write the JSON report to this file; - for standard output, empty for none")
	markdown := fs.String("markdown", "docs/BENCHMARKS.md", "append the Markdown table to this file; empty for none")
	requireConverged := fs.Bool("require-converged", false, "exit 1 when a phase does not converge (the smoke test in make test)")
	workdir := fs.String("workdir", "", "keep each run's pairing file and worker log in this directory; empty uses a temporary one")
	var workerEnv multiFlag
	fs.Var(&workerEnv, "worker-env", "KEY=VALUE added to every worker's environment (repeatable)")
	if err := fs.Parse(args); err != nil {
		return usageError("bench: %v", err)
	}
	if fs.NArg() > 0 {
		return usageError("bench takes flags only, not %q", fs.Args())
	}
	o.Feeds, o.Modes, o.WorkerEnv = splitList(*feeds), splitList(*modes), workerEnv
	o.Command = "cosell bench " + strings.Join(args, " ")
	if err := o.Validate(); err != nil {
		return usageError("bench: %v", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find the cosell binary for the worker: %w", err)
	}
	o.Worker = exe
	o.Workdir = *workdir
	if o.Workdir == "" {
		if o.Workdir, err = os.MkdirTemp("", "cosell-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.Workdir)
	}
	if _, err := os.Stat(o.PairingFile); err != nil {
		return configError(fmt.Errorf("bench: pairing %s not found: run from the repository root or pass --pairing", o.PairingFile))
	}
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	switch *jsonOut {
	case "":
	case "-":
		if err := rep.WriteJSON(stdout); err != nil {
			return err
		}
	default:
		f, err := os.Create(*jsonOut)
		if err != nil {
			return err
		}
		if err := rep.WriteJSON(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if *markdown != "" {
		if err := rep.AppendMarkdown(*markdown); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "bench: table appended to %s\n", filepath.Clean(*markdown))
	}
	if *requireConverged {
		for _, r := range rep.Runs {
			for _, p := range []*bench.Phase{r.Flag, r.Edits} {
				if p != nil && !p.Converged {
					return fmt.Errorf("bench: %s feed, %s calls: %d of %d changes mirrored within %s", r.Feed, r.Mode, p.Mirrored, p.Changes, o.Timeout)
				}
			}
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
