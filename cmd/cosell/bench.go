package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cosellsync/cosell/internal/bench"
	"github.com/cosellsync/cosell/internal/demo"
)

// benchCmdOptions are the flags of cosell bench: the harness's options and what to do with its report.
type benchCmdOptions struct {
	bench.Options
	feeds, modes     string
	jsonOut          string
	markdown         string
	requireConverged bool
	workdir          string
	workerEnv        []string
}

func newBenchCmd() *cobra.Command {
	var o benchCmdOptions
	c := &cobra.Command{
		Use:   "bench",
		Short: "The load benchmark: N deals × M edits through the fakes, naive beside coalesced",
		Long: `Seeds N co-sold deals (half in each fake CRM), runs a cosell worker process against them on a
Temporal dev server, makes M edits per deal spread over both CRMs, and times each mirror. Every feed mode
(webhook, polling) runs with coalesced calls and with the naive reference (COSELL_COALESCE=false) side by
side. The fakes answer each API call after --latency, with HubSpot's real rate limits on.

It reports mirror latency p50/p95/p99, changes per second, CRM calls per mirrored change per CRM, Temporal
actions per change and the worker's peak RSS and CPU seconds: JSON on standard output (--json), and a
Markdown table with the command, the machine and the date appended to docs/BENCHMARKS.md (--markdown).
No figure is asserted; a phase that does not converge within --timeout is reported as timed out, and is
exit 1 only with --require-converged. Run it from the repository root. See docs/BENCHMARKS.md.`,
		Example: `  cosell bench --deals 20 --edits 2
  cosell bench --deals 500 --edits 4 --rate 50 --feeds webhook --json rate50.json
  cosell bench --deals 4 --edits 2 --latency 20ms --markdown '' --require-converged   # the smoke test`,
		Args: noArgs("the flags set it up"),
		RunE: func(c *cobra.Command, _ []string) error {
			o.Command = "cosell bench " + strings.Join(benchArgs(c), " ")
			return runBench(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.IntVar(&o.Deals, "deals", 100, "co-sold deals seeded, half in each CRM (N)")
	f.IntVar(&o.Edits, "edits", 2, "edits per deal, spread over both CRMs (M)")
	f.Float64Var(&o.Rate, "rate", 0, "edits per second across all deals; 0 sends each round as a burst")
	f.DurationVar(&o.EditGap, "edit-gap", 0, "the least time from a deal's edit mirroring to its next edit; 0 saves the next edit as soon as the last one shows, within a second of the worker's own write")
	f.DurationVar(&o.Latency, "latency", 150*time.Millisecond, "how long each fake CRM takes to answer an API call")
	f.StringVar(&o.feeds, "feeds", "webhook,polling", "feed modes to run: webhook, polling")
	f.StringVar(&o.modes, "modes", "coalesced,naive", "call modes to run: coalesced (COSELL_COALESCE=true), naive (false)")
	f.DurationVar(&o.PollInterval, "poll-interval", time.Second, "the feeds' poll interval in polling mode")
	f.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "the longest wait for each phase to converge")
	f.DurationVar(&o.NaiveTimeout, "naive-timeout", 0, "the longest wait for each phase of the naive reference; 0 is --timeout (at the targets' sizes naive takes hours: a bounded run still gives its rate beside the coalesced one)")
	f.StringVar(&o.Temporal, "temporal", "", "address of a running Temporal server; empty starts a dev server")
	f.StringVar(&o.PairingFile, "pairing", demo.PairingFile, "the pairing to serve (the demo pairing, its id replaced per run)")
	f.IntVar(&o.SalesforceDailyLimit, "salesforce-daily-limit", 1_000_000, "the fake org's daily API allocation")
	f.StringVar(&o.jsonOut, "json", "-", "write the JSON report to this file; - for standard output, empty for none")
	f.StringVar(&o.markdown, "markdown", "docs/BENCHMARKS.md", "append the Markdown table to this file; empty for none")
	f.BoolVar(&o.requireConverged, "require-converged", false, "exit 1 when a phase does not converge (the smoke test in make test)")
	f.StringVar(&o.workdir, "workdir", "", "keep each run's pairing file and worker log in this directory; empty uses a temporary one")
	f.StringArrayVar(&o.workerEnv, "worker-env", nil, "KEY=VALUE added to every worker's environment (repeatable)")
	_ = c.MarkFlagFilename("pairing", "yaml")
	_ = c.MarkFlagFilename("json", "json")
	_ = c.MarkFlagFilename("markdown", "md")
	return c
}

// benchArgs are the flags given on the command line, for the report's command.
func benchArgs(c *cobra.Command) []string {
	var out []string
	c.Flags().Visit(func(f *pflag.Flag) {
		if f.Value.Type() == "stringArray" {
			for _, v := range c.Flags().Lookup(f.Name).Value.(pflag.SliceValue).GetSlice() {
				out = append(out, "--"+f.Name+" "+v)
			}
			return
		}
		v := f.Value.String()
		if v == "" {
			v = "''"
		}
		out = append(out, "--"+f.Name+" "+v)
	})
	return out
}

// runBench runs the load benchmark (internal/bench) and writes its report.
func runBench(ctx context.Context, co benchCmdOptions, stdout, stderr io.Writer) error {
	o := co.Options
	o.Progress = stderr
	o.Feeds, o.Modes, o.WorkerEnv = splitList(co.feeds), splitList(co.modes), co.workerEnv
	if err := o.Validate(); err != nil {
		return usageError("bench: %v", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find the cosell binary for the worker: %w", err)
	}
	o.Worker = exe
	o.Workdir = co.workdir
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
	switch co.jsonOut {
	case "":
	case "-":
		if err := rep.WriteJSON(stdout); err != nil {
			return err
		}
	default:
		f, err := os.Create(co.jsonOut)
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
	if co.markdown != "" {
		if err := rep.AppendMarkdown(co.markdown); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "bench: table appended to %s\n", filepath.Clean(co.markdown))
	}
	if co.requireConverged {
		for _, r := range rep.Runs {
			for _, p := range []*bench.Phase{r.Flag, r.Edits} {
				if p != nil && !p.Converged {
					return fmt.Errorf("bench: %s feed, %s calls: %d of %d changes mirrored within %s", r.Feed, r.Mode, p.Mirrored, p.Changes, o.TimeoutOf(r.Mode))
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
