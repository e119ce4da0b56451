package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// touchpointOptions is one `cosell deal touchpoint` or `cosell deal touchpoint list` call.
type touchpointOptions struct {
	CoSellID string
	List     bool
	Side     string
	Person   string
	Kind     string
	At       string
	ID       string
	Output   outputFormat
}

func newDealTouchpointCmd() *cobra.Command { return touchpointCmd(runDealTouchpoint) }

// touchpointCmd builds `deal touchpoint` and its `list` around run, which tests replace to see the
// options the command line gives.
func touchpointCmd(run func(context.Context, touchpointOptions, io.Writer) error) *cobra.Command {
	var o touchpointOptions
	c := &cobra.Command{
		Use:   "touchpoint CO-SELL-ID",
		Short: "Log a touchpoint on a deal (or list them: touchpoint list)",
		Long: `Log what a partner did on a deal (a Temporal Update to the deal's workflow), so attribution at
close-won credits it: --side a|b is the partner credited, --person who did it (e-mail), --kind what:
` + strings.Join(kindNames(), ", ") + `.
--at is RFC 3339 (2026-03-02T15:00:00Z) or a date (2026-03-02), default now; --id names the touchpoint
so that logging it twice counts once (default: derived from side, person, kind and time, to the minute).
A touchpoint the deal refuses (a deal without a co-sell plan) exits 1 with the deal's message.`,
		Example: `  cosell deal touchpoint CS-1A2B3C4D5E6F7G8H --side b --person kim@globex.example --kind technical_validation
  cosell deal touchpoint CS-1A2B3C4D5E6F7G8H --side a --person ann@acme.example --kind demo --at 2026-03-02 --id demo-1
  cosell deal touchpoint list CS-1A2B3C4D5E6F7G8H`,
		Args: exactArgs("CO-SELL-ID"),
		RunE: func(c *cobra.Command, args []string) error {
			o.CoSellID = args[0]
			return run(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.Side, "side", "", "the partner credited: a or b")
	c.Flags().StringVar(&o.Person, "person", "", "who did it (e-mail)")
	c.Flags().StringVar(&o.Kind, "kind", "", "what they did: "+strings.Join(kindNames(), ", "))
	c.Flags().StringVar(&o.At, "at", "", "when: RFC 3339 or a date (default now)")
	c.Flags().StringVar(&o.ID, "id", "", "an id of your choosing, so a retry counts once")
	addOutputFlag(c, &o.Output)
	_ = c.RegisterFlagCompletionFunc("side", cobra.FixedCompletions([]string{"a", "b"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(kindNames(), cobra.ShellCompDirectiveNoFileComp))

	l := touchpointOptions{List: true}
	list := &cobra.Command{
		Use:   "list CO-SELL-ID",
		Short: "List a deal's touchpoints, from both CRMs and from people",
		Long: `List the touchpoints the deal keeps (from its query): time, side, kind, person and source (the CRM
activity, the CLI or the API), then the older ones compacted to counts, and the total. With --output json,
the deal's evidence view (items, compacted, total). Exit 1 for a deal without a co-sell plan.`,
		Example: "  cosell deal touchpoint list CS-1A2B3C4D5E6F7G8H\n  cosell deal touchpoint list CS-1A2B3C4D5E6F7G8H -o json | jq .total",
		Args:    exactArgs("CO-SELL-ID"),
		RunE: func(c *cobra.Command, args []string) error {
			l.CoSellID = args[0]
			return run(c.Context(), l, c.OutOrStdout())
		},
	}
	addOutputFlag(list, &l.Output)
	c.AddCommand(list)
	return c
}

func kindNames() []string {
	names := make([]string, len(touchpoint.Kinds))
	for i, k := range touchpoint.Kinds {
		names[i] = string(k)
	}
	return names
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

// runDealTouchpoint logs a touchpoint on a deal (the touchpoint update) or lists its touchpoints. The
// touchpoint is checked before Temporal is dialed, so a bad one is a usage error (exit 2) at once.
func runDealTouchpoint(ctx context.Context, o touchpointOptions, out io.Writer) error {
	if o.List {
		v, err := queryDeal(ctx, o.CoSellID)
		if err != nil {
			return err
		}
		return printTouchpoints(out, v, o.Output)
	}
	tp, err := o.touchpoint(time.Now())
	if err != nil {
		return err
	}
	c, _, err := dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	var res api.TouchpointResult
	if err := update(ctx, c, o.CoSellID, api.TouchpointUpdate, api.TouchpointInput{Touchpoints: []touchpoint.Touchpoint{tp}, Via: "cli"}, &res); err != nil {
		return err
	}
	return o.Output.print(out, res, func() {
		fmt.Fprintf(out, "%s: %s %s by %s (%s) at %s; the deal has %d touchpoints\n", o.CoSellID, res.Outcomes[0], tp.Kind, tp.Person, tp.Side, tp.At.Format(time.RFC3339), res.Total)
	})
}

// update sends a deal update and waits for its answer; a refusal reads as the deal's own message.
func update(ctx context.Context, c client.Client, coSellID, name string, in, out any) error {
	if err := activities.UpdateDeal(ctx, c, coSellID, name, in, out); err != nil {
		return fmt.Errorf("deal %s: %s refused: %w", coSellID, name, err)
	}
	return nil
}

func printTouchpoints(out io.Writer, v api.DealView, output outputFormat) error {
	if v.CoSell == nil {
		return fmt.Errorf("deal %s has no co-sell plan, so no touchpoints", v.CoSellID)
	}
	ev := v.CoSell.Touchpoints
	if ev == nil {
		ev = &api.EvidenceView{}
	}
	if output == outputJSON {
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
