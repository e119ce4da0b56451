package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

const touchpointUsage = `usage:
  cosell deal touchpoint CO-SELL-ID --side a|b --person EMAIL --kind KIND [--at TIME] [--id ID] [--output json]
  cosell deal touchpoint list CO-SELL-ID [--output json]

kinds: intro, meeting, discovery_call, demo, technical_validation, proposal_review, email, executive_sponsorship
--at is RFC 3339 (2026-03-02T15:00:00Z) or a date (2026-03-02), default now; --id names the touchpoint
so that logging it twice counts once (default: derived from side, person, kind and time).`

// touchpointOptions is one `cosell deal touchpoint` call.
type touchpointOptions struct {
	CoSellID string
	List     bool
	Side     string
	Person   string
	Kind     string
	At       string
	ID       string
	Output   string
}

// parseTouchpointOptions reads the command line; now dates a touchpoint without --at.
func parseTouchpointOptions(args []string) (touchpointOptions, error) {
	var o touchpointOptions
	if len(args) > 0 && args[0] == "list" {
		o.List, args = true, args[1:]
	}
	fs := flag.NewFlagSet("deal touchpoint", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.Side, "side", "", "the partner credited: a or b")
	fs.StringVar(&o.Person, "person", "", "who did it (e-mail)")
	fs.StringVar(&o.Kind, "kind", "", "what they did")
	fs.StringVar(&o.At, "at", "", "when (RFC 3339 or a date)")
	fs.StringVar(&o.ID, "id", "", "an id of your choosing, so a retry counts once")
	fs.StringVar(&o.Output, "output", "text", "text or json")
	id, rest := splitID(args)
	if err := fs.Parse(rest); err != nil {
		return o, usageError("%v\n%s", err, touchpointUsage)
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	if id == "" || fs.NArg() > 1 {
		return o, usageError("%s", touchpointUsage)
	}
	o.CoSellID = id
	return o, nil
}

// touchpoint builds the touchpoint the options describe, refusing what the deal would refuse.
func (o touchpointOptions) touchpoint(now time.Time) (touchpoint.Touchpoint, error) {
	kind, err := touchpoint.ParseKind(o.Kind)
	if err != nil {
		return touchpoint.Touchpoint{}, usageError("--kind: %v", err)
	}
	at := now.UTC().Truncate(time.Second)
	if o.At != "" {
		if at, err = parseWhen(o.At); err != nil {
			return touchpoint.Touchpoint{}, usageError("--at: %v", err)
		}
	}
	tp := touchpoint.Touchpoint{Side: vocab.Side(strings.ToLower(o.Side)), Person: strings.TrimSpace(o.Person), Kind: kind, At: at, Deal: o.CoSellID}
	tp.Source = "cli:" + o.ID
	if o.ID == "" {
		k := tp.Key()
		tp.Source = fmt.Sprintf("cli:%s/%s/%s/%d", k.Side, k.Person, k.Kind, k.Minute)
	}
	if err := tp.Validate(); err != nil {
		return touchpoint.Touchpoint{}, usageError("%v", err)
	}
	return tp, nil
}

// parseWhen reads an RFC 3339 time or a calendar date (midnight UTC).
func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-03-02T15:00:00Z) nor a date (2026-03-02)", s)
}

// runDealTouchpoint logs a touchpoint on a deal (the touchpoint update) or lists its touchpoints.
func runDealTouchpoint(ctx context.Context, args []string, out io.Writer) error {
	o, err := parseTouchpointOptions(args)
	if err != nil {
		return err
	}
	if o.List {
		v, output, err := queryDeal(ctx, "touchpoint list", []string{o.CoSellID, "--output", o.Output})
		if err != nil {
			return err
		}
		return printTouchpoints(out, v, output)
	}
	tp, err := o.touchpoint(time.Now())
	if err != nil {
		return err
	}
	c, _, err := dialTemporal(ctx, o.Output)
	if err != nil {
		return err
	}
	defer c.Close()
	var res api.TouchpointResult
	if err := update(ctx, c, o.CoSellID, api.TouchpointUpdate, api.TouchpointInput{Touchpoints: []touchpoint.Touchpoint{tp}, Via: "cli"}, &res); err != nil {
		return err
	}
	if o.Output == "json" {
		return writeJSON(out, res)
	}
	fmt.Fprintf(out, "%s: %s %s by %s (%s) at %s; the deal has %d touchpoints\n", o.CoSellID, res.Outcomes[0], tp.Kind, tp.Person, tp.Side, tp.At.Format(time.RFC3339), res.Total)
	return nil
}

// update sends a deal update and waits for its answer; a refusal reads as the deal's own message.
func update(ctx context.Context, c client.Client, coSellID, name string, in, out any) error {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: api.DealWorkflowID(coSellID), UpdateName: name, Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, out)
	}
	if err != nil {
		return fmt.Errorf("deal %s: %s refused: %w", coSellID, name, err)
	}
	return nil
}

func printTouchpoints(out io.Writer, v api.DealView, output string) error {
	if v.CoSell == nil {
		return fmt.Errorf("deal %s has no co-sell plan, so no touchpoints", v.CoSellID)
	}
	ev := v.CoSell.Touchpoints
	if ev == nil {
		ev = &api.EvidenceView{}
	}
	if output == "json" {
		return writeJSON(out, ev)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TIME\tSIDE\tKIND\tPERSON\tSOURCE")
	for _, t := range ev.Items {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.At.UTC().Format(time.RFC3339), t.Side, t.Kind, t.Person, t.Source)
	}
	for _, c := range ev.Compacted {
		fmt.Fprintf(w, "(older)\t%s\t%s\t%d compacted\t\n", c.Side, c.Kind, c.N)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d touchpoints\n", ev.Total)
	return nil
}
