package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/pilot"
)

const pilotUsage = `usage:
  cosell pilot start PAIRING [--output json]
  cosell pilot status PAIRING [--output json]
  cosell pilot report PAIRING [--html FILE] [--day N] [--output json]
  cosell pilot decide PAIRING --by EMAIL --decision scale|kill|restructure --why TEXT [--changes TEXT] [--output json]`

// pilotOptions are the arguments and flags of the pilot subcommands (each registers the flags it uses).
type pilotOptions struct {
	pairingID string
	output    outputFormat
	htmlFile  string // report
	day       int    // report
	by        string // decide
	decision  string // decide
	why       string // decide
	changes   string // decide
}

func newPilotCmd() *cobra.Command {
	c := groupCmd("pilot", "Drive a pairing's 90-day pilot: start, status, report, decide",
		`  cosell pilot status acme-globex
  cosell pilot report acme-globex --html scorecard.html
  cosell pilot decide acme-globex --by maria.manager@acme.example --decision scale --why "two wins in Q1"`,
		newPilotVerbCmd("start", "Start a pairing's pilot (idempotent)",
			`Start the pairing's pilot workflow, or find the one running. A pairing with pilot: enabled: true
starts on the worker's boot; this starts one by hand.`,
			"  cosell pilot start acme-globex",
			nil, runPilotStart),
		newPilotVerbCmd("status", "Day, status, next checkpoint, the pending proposal, every decision",
			"Show the pilot's window, day and status, the next scorecard day, a pending proposal and every decision.",
			"  cosell pilot status acme-globex\n  cosell pilot status acme-globex -o json",
			nil, runPilotStatus),
		newPilotVerbCmd("report", "A scorecard as Markdown, or the HTML page with charts",
			`Print the latest scorecard (or the one of --day) as Markdown, or as JSON with --output json; --html
also writes it as a self-contained HTML page with charts.`,
			"  cosell pilot report acme-globex\n  cosell pilot report acme-globex --day 30 --html scorecard.html",
			func(c *cobra.Command, o *pilotOptions) {
				c.Flags().StringVar(&o.htmlFile, "html", "", "write the scorecard as a self-contained HTML page to this file")
				c.Flags().IntVar(&o.day, "day", 0, "the checkpoint day to report (default: the latest)")
				_ = c.MarkFlagFilename("html", "html")
			}, runPilotReport),
		newPilotVerbCmd("decide", "Confirm or override the day-90 proposal",
			`Record the quarter's decision (a Temporal Update): refused unless a proposal is pending and EMAIL is
one of the pairing's named approvers. Scale starts the next quarter, restructure starts it with
--changes, kill stops new registrations.`,
			`  cosell pilot decide acme-globex --by maria.manager@acme.example --decision scale --why "two wins in Q1"
  cosell pilot decide acme-globex --by maria.manager@acme.example --decision restructure \
    --why "pipeline but few registrations" --changes "joint webinars monthly"`,
			func(c *cobra.Command, o *pilotOptions) {
				c.Flags().StringVar(&o.by, "by", "", "the approver's e-mail")
				c.Flags().StringVar(&o.decision, "decision", "", "scale, kill or restructure")
				c.Flags().StringVar(&o.why, "why", "", "the reason, kept with the decision")
				c.Flags().StringVar(&o.changes, "changes", "", "what a restructure changes in the next window")
				_ = c.RegisterFlagCompletionFunc("decision", cobra.FixedCompletions(
					[]string{string(pilot.Scale), string(pilot.Kill), string(pilot.Restructure)}, cobra.ShellCompDirectiveNoFileComp))
			}, runPilotDecide),
	)
	return c
}

func newPilotVerbCmd(verb, short, long, example string, flags func(*cobra.Command, *pilotOptions),
	run func(context.Context, client.Client, config.Config, pilotOptions, io.Writer) error) *cobra.Command {
	var o pilotOptions
	c := &cobra.Command{
		Use:     verb + " PAIRING",
		Short:   short,
		Long:    long,
		Example: example,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("%s takes one PAIRING\n%s", c.CommandPath(), pilotUsage)
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.pairingID = args[0]
			if verb == "decide" && (o.by == "" || o.decision == "" || o.why == "") {
				return usageError("cosell pilot decide needs --by, --decision and --why\n%s", pilotUsage)
			}
			ctx := c.Context()
			tc, cfg, err := dialTemporal(ctx)
			if err != nil {
				return err
			}
			defer tc.Close()
			return run(ctx, tc, cfg, o, c.OutOrStdout())
		},
	}
	addOutputFlag(c, &o.output)
	if flags != nil {
		flags(c, &o)
	}
	return c
}

// runPilotStart starts the pairing's pilot workflow, or finds the running one.
func runPilotStart(ctx context.Context, c client.Client, cfg config.Config, o pilotOptions, out io.Writer) error {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: api.PilotWorkflowID(o.pairingID), TaskQueue: cfg.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, api.PilotWorkflowName, api.PilotInput{PairingID: o.pairingID})
	if err != nil {
		return fmt.Errorf("start pilot %s: %w", o.pairingID, err)
	}
	return o.output.print(out, map[string]string{"workflowId": run.GetID(), "runId": run.GetRunID()}, func() {
		fmt.Fprintf(out, "pilot of %s running as %s (run %s)\n", o.pairingID, run.GetID(), run.GetRunID())
	})
}

func runPilotStatus(ctx context.Context, c client.Client, _ config.Config, o pilotOptions, out io.Writer) error {
	v, err := queryPilot(ctx, c, api.PilotWorkflowID(o.pairingID))
	if err != nil {
		return err
	}
	return o.output.print(out, v, func() { printPilotStatus(out, v) })
}

func runPilotReport(ctx context.Context, c client.Client, _ config.Config, o pilotOptions, out io.Writer) error {
	v, err := queryPilot(ctx, c, api.PilotWorkflowID(o.pairingID))
	if err != nil {
		return err
	}
	card, err := pickScorecard(v, o.day)
	if err != nil {
		return err
	}
	if o.htmlFile != "" {
		if err := os.WriteFile(o.htmlFile, []byte(card.HTML()), 0o644); err != nil {
			return err
		}
	}
	return o.output.print(out, card, func() { fmt.Fprint(out, card.Markdown()) })
}

// runPilotDecide records the quarter's decision through the pilot workflow's update.
func runPilotDecide(ctx context.Context, c client.Client, _ config.Config, o pilotOptions, out io.Writer) error {
	in := api.DecideInput{By: o.by, Decision: pilot.Decision(o.decision), Why: o.why, Changes: o.changes}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: api.PilotWorkflowID(o.pairingID), UpdateName: api.PilotDecideUpdate, Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return fmt.Errorf("decide pilot %s: %w", o.pairingID, err)
	}
	var rec api.DecisionRecord
	if err := h.Get(ctx, &rec); err != nil {
		return fmt.Errorf("decide pilot %s: %w", o.pairingID, err)
	}
	return o.output.print(out, rec, func() {
		fmt.Fprintf(out, "quarter %d: %s (proposed %s), by %s: %s\n", rec.Quarter, rec.Decision, rec.Proposed.Decision, rec.By, rec.Why)
	})
}

func queryPilot(ctx context.Context, c client.Client, id string) (api.PilotView, error) {
	res, err := c.QueryWorkflow(ctx, id, "", api.PilotQuery)
	if err != nil {
		return api.PilotView{}, fmt.Errorf("pilot %s: %w (start it with `cosell pilot start`)", id, err)
	}
	var v api.PilotView
	return v, res.Get(&v)
}

// pickScorecard returns the scorecard of a checkpoint day, or the latest.
func pickScorecard(v api.PilotView, day int) (pilot.Scorecard, error) {
	cards := v.State.Scorecards
	if len(cards) == 0 && len(v.State.Decisions) > 0 {
		// A new window has no scorecard yet; the last decision carries the previous window's evidence.
		cards = []pilot.Scorecard{v.State.Decisions[len(v.State.Decisions)-1].Evidence}
	}
	for i := len(cards) - 1; i >= 0; i-- {
		if day == 0 || cards[i].Day == day {
			return cards[i], nil
		}
	}
	if day != 0 {
		return pilot.Scorecard{}, fmt.Errorf("no scorecard for day %d yet", day)
	}
	return pilot.Scorecard{}, errors.New("no scorecard yet: the first comes at day " + fmt.Sprint(v.NextCheckpoint))
}

func printPilotStatus(out io.Writer, v api.PilotView) {
	st := v.State
	fmt.Fprintf(out, "Pilot of %s (%s): quarter %d, day %d of %d, %s\n", st.PairingName, v.PairingID, st.Quarter, st.Day, st.Config.Length, strings.ToUpper(st.Status))
	fmt.Fprintf(out, "Window started %s; a pilot day lasts %s\n", st.Start.UTC().Format(time.RFC3339), st.Config.Day)
	if v.NextCheckpoint > 0 {
		fmt.Fprintf(out, "Next scorecard: day %d\n", v.NextCheckpoint)
	}
	if st.Changes != "" {
		fmt.Fprintf(out, "This window's changes: %s\n", st.Changes)
	}
	fmt.Fprintf(out, "Scorecards: %d published\n", len(st.Scorecards))
	if st.Proposal != nil && st.Status == api.PilotAwaitingDecision {
		fmt.Fprintf(out, "PROPOSED: %s — %s\n  confirm or override with: cosell pilot decide %s --by EMAIL --decision scale|kill|restructure --why TEXT\n",
			st.Proposal.Decision, strings.Join(st.Proposal.Reasons, "; "), v.PairingID)
	}
	for _, d := range st.Decisions {
		how := "by " + d.By
		if d.TimedOut {
			how = "the proposal stood (timeout)"
		}
		fmt.Fprintf(out, "Quarter %d decision: %s (proposed %s), %s: %s\n", d.Quarter, d.Decision, d.Proposed.Decision, how, d.Why)
	}
	if !st.KilledAt.IsZero() {
		fmt.Fprintf(out, "Killed %s: new registrations are refused; future deals route to referral\n", st.KilledAt.UTC().Format(time.RFC3339))
	}
}
