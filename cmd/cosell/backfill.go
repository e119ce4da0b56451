package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/backfill"
)

// backfillOptions are the flags of cosell backfill.
type backfillOptions struct {
	pairingID string
	since     string
	tol       backfill.Tolerance
	confirm   string
	review    string
	detach    bool
	attach    bool
	output    outputFormat
	// poll is how often an attached CLI asks the workflow for its progress.
	poll time.Duration
}

func newBackfillCmd() *cobra.Command {
	o := backfillOptions{tol: backfill.DefaultTolerance(), poll: 500 * time.Millisecond}
	c := &cobra.Command{
		Use:   "backfill PAIRING (--since DATE | --confirm FILE | --attach)",
		Short: "Link deals that existed in both CRMs before the sync",
		Long: `Link the deals both partners entered before the sync, as if the sync had mirrored them: both
records get the same co-sell id and the co-sell flag, and one deal workflow runs for the pair.

It runs as a workflow on the worker (BackfillWorkflow, one per pairing at a time): it scans both CRMs'
deals modified since DATE, pairs them, and links the pairs that are unambiguous:
  - records carrying the same co-sell id are one deal (a pair whose deal already runs is left alone);
  - otherwise, the same account (normalized domain, else company name), close dates at most
    --close-days apart and amounts at most --amount-pct percent apart, each record the other's only
    candidate.
Nothing is linked silently: every group of several candidates goes to the review file (--review), where
you set confirm: true on the right pairs and run it again with --confirm FILE. A second run links
nothing twice.

The command shows a progress bar with rate and ETA, and prints the report (--output json for scripts).
--detach returns once the workflow has started; --attach (or cosell backfill status PAIRING) finds it
again. The workflow survives a worker restart: it resumes from its last heartbeat.`,
		Example: `  cosell backfill acme-globex --since 2026-01-01
  cosell backfill acme-globex --since 2026-01-01 --close-days 14 --amount-pct 10 --detach
  cosell backfill acme-globex --attach --review acme-globex-review.yaml
  cosell backfill acme-globex --confirm backfill-review-acme-globex.yaml --output json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("%s takes one PAIRING", c.CommandPath())
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.pairingID = args[0]
			in, err := o.input()
			if err != nil {
				return err
			}
			ctx := c.Context()
			tc, cfg, err := dialTemporal(ctx)
			if err != nil {
				return err
			}
			defer tc.Close()
			if !o.attach {
				if err := startBackfill(ctx, tc, cfg.TaskQueue, in); err != nil {
					return err
				}
				if o.detach {
					return o.output.print(c.OutOrStdout(), map[string]string{"workflowId": api.BackfillWorkflowID(o.pairingID)}, func() {
						fmt.Fprintf(c.OutOrStdout(), "backfill of %s started as %s; follow it with: cosell backfill %s --attach (or cosell backfill status %s)\n",
							o.pairingID, api.BackfillWorkflowID(o.pairingID), o.pairingID, o.pairingID)
					})
				}
			}
			return attachBackfill(ctx, tc, o, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.since, "since", "", "scan deals modified since this date (YYYY-MM-DD, UTC, or an RFC 3339 time)")
	f.IntVar(&o.tol.CloseDays, "close-days", o.tol.CloseDays, "most days two close dates of one deal may be apart")
	f.Float64Var(&o.tol.AmountPct, "amount-pct", o.tol.AmountPct, "most two amounts of one deal may differ, in percent of the larger")
	f.StringVar(&o.confirm, "confirm", "", "link the pairs confirmed (confirm: true) in this review file, and nothing else")
	f.StringVar(&o.review, "review", "", "where to write the review file of ambiguous matches (default backfill-review-PAIRING.yaml)")
	f.BoolVar(&o.detach, "detach", false, "start the backfill and return; re-attach with --attach")
	f.BoolVar(&o.attach, "attach", false, "follow the pairing's backfill started earlier (running or finished), and write its report")
	_ = c.MarkFlagFilename("confirm", "yaml", "yml")
	_ = c.MarkFlagFilename("review", "yaml", "yml")
	addOutputFlag(c, &o.output)
	c.AddCommand(newBackfillStatusCmd())
	return c
}

// input checks the flags and builds the workflow's input.
func (o *backfillOptions) input() (api.BackfillInput, error) {
	if o.review == "" {
		o.review = "backfill-review-" + o.pairingID + ".yaml"
	}
	in := api.BackfillInput{PairingID: o.pairingID, Tolerance: o.tol}
	modes := 0
	for _, set := range []bool{o.since != "", o.confirm != "", o.attach} {
		if set {
			modes++
		}
	}
	switch {
	case modes > 1:
		return in, usageError("cosell backfill takes one of --since, --confirm and --attach")
	case o.detach && o.attach:
		return in, usageError("cosell backfill takes --detach or --attach, not both")
	}
	if err := o.tol.Validate(); err != nil {
		return in, usageError("%v", err)
	}
	switch {
	case o.attach:
		return in, nil
	case o.confirm != "":
		b, err := os.ReadFile(o.confirm)
		if err != nil {
			return in, usageError("%v", err)
		}
		rv, err := backfill.ParseReview(b)
		if err != nil {
			return in, usageError("%s: %v", o.confirm, err)
		}
		if rv.Pairing != o.pairingID {
			return in, usageError("%s is the review file of pairing %s, not %s", o.confirm, rv.Pairing, o.pairingID)
		}
		pairs, err := rv.Confirmed()
		if err != nil {
			return in, usageError("%s: %v", o.confirm, err)
		}
		if len(pairs) == 0 {
			return in, usageError("%s confirms no pair: set confirm: true on the pairs that are one deal", o.confirm)
		}
		in.Confirm = pairs
		return in, nil
	case o.since == "":
		return in, usageError("cosell backfill needs --since DATE (or --confirm FILE, or --attach)")
	}
	since, err := parseSince(o.since)
	if err != nil {
		return in, usageError("--since: %v", err)
	}
	in.Since = since
	return in, nil
}

func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

// startBackfill starts the pairing's backfill; one already running is an error that says how to attach.
func startBackfill(ctx context.Context, tc client.Client, taskQueue string, in api.BackfillInput) error {
	_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: api.BackfillWorkflowID(in.PairingID), TaskQueue: taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, api.BackfillWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		return &exitError{code: exitFinding, err: fmt.Errorf("a backfill of %s is running already; follow it with: cosell backfill %s --attach", in.PairingID, in.PairingID)}
	case err != nil:
		return fmt.Errorf("start the backfill of %s: %w", in.PairingID, err)
	}
	return nil
}

// attachBackfill follows the pairing's backfill with a progress bar until it ends, then writes the
// review file (when there are ambiguous matches) and prints the report.
func attachBackfill(ctx context.Context, tc client.Client, o backfillOptions, out, errw io.Writer) error {
	id := api.BackfillWorkflowID(o.pairingID)
	run := tc.GetWorkflow(ctx, id, "")
	done := make(chan error, 1)
	var res api.BackfillResult
	go func() { done <- run.Get(ctx, &res) }()
	bar := newBackfillBar(errw)
	tick := time.NewTicker(o.poll)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			bar.finish()
			if err != nil {
				var missing *serviceerror.NotFound
				if errors.As(err, &missing) {
					return &exitError{code: exitFinding, err: fmt.Errorf("no backfill of %s (start one with --since DATE)", o.pairingID)}
				}
				return fmt.Errorf("backfill of %s: %w", o.pairingID, err)
			}
			return reportBackfill(o, res, out)
		case <-tick.C:
			if p, err := queryBackfill(ctx, tc, o.pairingID); err == nil {
				bar.show(p)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func queryBackfill(ctx context.Context, tc client.Client, pairingID string) (api.BackfillProgress, error) {
	v, err := tc.QueryWorkflow(ctx, api.BackfillWorkflowID(pairingID), "", api.BackfillQuery)
	if err != nil {
		return api.BackfillProgress{}, fmt.Errorf("query the backfill of %s: %w", pairingID, err)
	}
	var p api.BackfillProgress
	if err := v.Get(&p); err != nil {
		return api.BackfillProgress{}, fmt.Errorf("query the backfill of %s: %w", pairingID, err)
	}
	return p, nil
}

// backfillBar draws the backfill's progress on stderr: a spinner with the count while it scans (the
// total is not known), a bar of the pairs to link while it links, with the workflow's own rate and an
// ETA from it (the bar's own would start again at every re-attach).
type backfillBar struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	phase string
}

func newBackfillBar(w io.Writer) *backfillBar { return &backfillBar{w: w} }

func (b *backfillBar) show(p api.BackfillProgress) {
	if p.Phase != b.phase {
		b.finish()
		b.phase = p.Phase
		switch p.Phase {
		case api.BackfillScanA, api.BackfillScanB:
			b.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(b.w), progressbar.OptionSpinnerType(14),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond))
		case api.BackfillLink:
			b.bar = progressbar.NewOptions(max(p.ToLink, 1), progressbar.OptionSetWriter(b.w), progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetPredictTime(false)) // the ETA is the description's, from the workflow's rate
		}
	}
	if b.bar == nil {
		return
	}
	switch p.Phase {
	case api.BackfillScanA, api.BackfillScanB:
		b.bar.Describe(fmt.Sprintf("scanning side %s · %.1f deals/s", strings.TrimPrefix(p.Phase, "scan-"), p.Rate))
		_ = b.bar.Set(p.Scanned())
	case api.BackfillLink:
		done := p.Linked + p.Skipped
		eta := "—"
		if done >= p.ToLink {
			eta = "0s"
		} else if p.Rate > 0 {
			eta = (time.Duration(math.Ceil(float64(p.ToLink-done)/p.Rate)) * time.Second).String()
		}
		b.bar.Describe(fmt.Sprintf("linking · %.1f pairs/s · ETA %s", p.Rate, eta))
		_ = b.bar.Set(done)
	}
}

func (b *backfillBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
		fmt.Fprintln(b.w)
		b.bar = nil
	}
}

// backfillReport is the final report as --output json prints it.
type backfillReport struct {
	api.BackfillResult
	// ReviewFile is where the ambiguous groups were written, empty when there were none.
	ReviewFile string `json:"reviewFile,omitempty"`
}

func reportBackfill(o backfillOptions, res api.BackfillResult, out io.Writer) error {
	rep := backfillReport{BackfillResult: res}
	if len(res.Ambiguous) > 0 {
		b, err := backfill.NewReview(o.pairingID, res.Progress.Since.Format(time.DateOnly), res.Ambiguous).Marshal()
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.review, b, 0o644); err != nil {
			return fmt.Errorf("write the review file: %w", err)
		}
		rep.ReviewFile = o.review
	}
	return o.output.print(out, rep, func() {
		p := res.Progress
		what := fmt.Sprintf("since %s", p.Since.Format(time.DateOnly))
		if p.Confirming {
			what = "of the confirmed pairs"
		}
		fmt.Fprintf(out, "backfill of %s %s: done\n", o.pairingID, what)
		if !p.Confirming {
			fmt.Fprintf(out, "  scanned         %d deals (side a %d, side b %d)\n", p.Scanned(), p.ScannedA, p.ScannedB)
		}
		by := map[string]int{}
		for _, l := range res.Linked {
			by[l.By]++
		}
		fmt.Fprintf(out, "  linked          %d (by co-sell id %d, by deal %d, confirmed %d)\n", len(res.Linked), by[backfill.ByCoSellID], by[backfill.ByDeal], by[backfill.ByAdmin])
		if !p.Confirming {
			fmt.Fprintf(out, "  already linked  %d\n", p.AlreadyLinked)
			fmt.Fprintf(out, "  ambiguous       %d groups\n", p.Ambiguous)
			fmt.Fprintf(out, "  unmatched       side a %d, side b %d\n", p.UnmatchedA, p.UnmatchedB)
		}
		fmt.Fprintf(out, "  skipped         %d\n", len(res.Skipped))
		for _, s := range res.Skipped {
			fmt.Fprintf(out, "    %s ↔ %s: %s\n", s.A, s.B, s.Reason)
		}
		if rep.ReviewFile != "" {
			fmt.Fprintf(out, "Review the ambiguous matches in %s (set confirm: true on the right pairs), then run:\n  cosell backfill %s --confirm %s\n",
				rep.ReviewFile, o.pairingID, rep.ReviewFile)
		}
	})
}

func newBackfillStatusCmd() *cobra.Command {
	var output outputFormat
	c := &cobra.Command{
		Use:     "status PAIRING",
		Short:   "Where the pairing's backfill stands: phase, counts and rate",
		Long:    "Show the phase of the pairing's backfill, running or finished, with what it scanned, linked, found ambiguous or unmatched, and its rate.",
		Example: "  cosell backfill status acme-globex\n  cosell backfill status acme-globex -o json",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("%s takes one PAIRING", c.CommandPath())
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			tc, _, err := dialTemporal(ctx)
			if err != nil {
				return err
			}
			defer tc.Close()
			d, err := tc.DescribeWorkflowExecution(ctx, api.BackfillWorkflowID(args[0]), "")
			var missing *serviceerror.NotFound
			switch {
			case errors.As(err, &missing):
				return &exitError{code: exitFinding, err: fmt.Errorf("no backfill of %s (start one with cosell backfill %s --since DATE)", args[0], args[0])}
			case err != nil:
				return fmt.Errorf("describe the backfill of %s: %w", args[0], err)
			}
			status := strings.ToLower(strings.TrimPrefix(d.GetWorkflowExecutionInfo().GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"))
			p, err := queryBackfill(ctx, tc, args[0])
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			return output.print(out, struct {
				Status string `json:"status"`
				api.BackfillProgress
			}{status, p}, func() {
				fmt.Fprintf(out, "backfill of %s since %s: %s, phase %s\n", args[0], p.Since.Format(time.DateOnly), status, p.Phase)
				fmt.Fprintf(out, "  scanned %d (a %d, b %d) · to link %d · linked %d · skipped %d · already linked %d · ambiguous %d · unmatched a %d, b %d\n",
					p.Scanned(), p.ScannedA, p.ScannedB, p.ToLink, p.Linked, p.Skipped, p.AlreadyLinked, p.Ambiguous, p.UnmatchedA, p.UnmatchedB)
				fmt.Fprintf(out, "  rate %.1f/s · started %s · updated %s\n", p.Rate, p.StartedAt.Format(time.RFC3339), p.UpdatedAt.Format(time.RFC3339))
			})
		},
	}
	addOutputFlag(c, &output)
	return c
}
