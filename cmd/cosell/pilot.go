package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pilot"
)

const pilotUsage = `usage:
  cosell pilot start PAIRING [--output json]
  cosell pilot status PAIRING [--output json]
  cosell pilot report PAIRING [--html FILE] [--day N] [--output json]
  cosell pilot decide PAIRING --by EMAIL --decision scale|kill|restructure --why TEXT [--changes TEXT] [--output json]`

// runPilot drives a pairing's 90-day pilot from the command line.
func runPilot(ctx context.Context, args []string, out io.Writer) error {
	if len(args) < 2 {
		return usageError("%s", pilotUsage)
	}
	verb, pairingID := args[0], args[1]
	fs := flag.NewFlagSet("pilot "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	output := fs.String("output", "text", "text or json")
	htmlFile := fs.String("html", "", "write the scorecard as a self-contained HTML page to this file")
	day := fs.Int("day", 0, "the checkpoint day to report (default: the latest)")
	by := fs.String("by", "", "the approver's e-mail")
	decision := fs.String("decision", "", "scale, kill or restructure")
	why := fs.String("why", "", "the reason, kept with the decision")
	changes := fs.String("changes", "", "what a restructure changes in the next window")
	if err := fs.Parse(args[2:]); err != nil {
		return usageError("%v\n%s", err, pilotUsage)
	}
	c, cfg, err := dialTemporal(ctx, *output)
	if err != nil {
		return err
	}
	defer c.Close()
	id := api.PilotWorkflowID(pairingID)

	switch verb {
	case "start":
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: id, TaskQueue: cfg.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		}, api.PilotWorkflowName, api.PilotInput{PairingID: pairingID})
		if err != nil {
			return fmt.Errorf("start pilot %s: %w", pairingID, err)
		}
		if *output == "json" {
			return writeJSON(out, map[string]string{"workflowId": run.GetID(), "runId": run.GetRunID()})
		}
		fmt.Fprintf(out, "pilot of %s running as %s (run %s)\n", pairingID, run.GetID(), run.GetRunID())
		return nil
	case "status", "report":
		v, err := queryPilot(ctx, c, id)
		if err != nil {
			return err
		}
		if verb == "status" {
			if *output == "json" {
				return writeJSON(out, v)
			}
			printPilotStatus(out, v)
			return nil
		}
		card, err := pickScorecard(v, *day)
		if err != nil {
			return err
		}
		if *htmlFile != "" {
			if err := os.WriteFile(*htmlFile, []byte(card.HTML()), 0o644); err != nil {
				return err
			}
		}
		if *output == "json" {
			return writeJSON(out, card)
		}
		fmt.Fprint(out, card.Markdown())
		return nil
	case "decide":
		in := api.DecideInput{By: *by, Decision: pilot.Decision(*decision), Why: *why, Changes: *changes}
		if in.By == "" || in.Decision == "" || in.Why == "" {
			return usageError("cosell pilot decide needs --by, --decision and --why\n%s", pilotUsage)
		}
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: api.PilotDecideUpdate, Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return fmt.Errorf("decide pilot %s: %w", pairingID, err)
		}
		var rec api.DecisionRecord
		if err := h.Get(ctx, &rec); err != nil {
			return fmt.Errorf("decide pilot %s: %w", pairingID, err)
		}
		if *output == "json" {
			return writeJSON(out, rec)
		}
		fmt.Fprintf(out, "quarter %d: %s (proposed %s), by %s: %s\n", rec.Quarter, rec.Decision, rec.Proposed.Decision, rec.By, rec.Why)
		return nil
	default:
		return usageError("unknown pilot command %q\n%s", verb, pilotUsage)
	}
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

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
