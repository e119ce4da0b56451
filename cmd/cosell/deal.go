package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/worker"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/pairing"
)

// dealOptions are the flags of the deal subcommands.
type dealOptions struct {
	coSellID string
	output   outputFormat
}

func newDealCmd() *cobra.Command {
	return groupCmd("deal", "Read a co-sold deal's state; register, accept or decline one",
		`  cosell deal show CS-1A2B3C4D5E6F7G8H
  cosell deal attribution CS-1A2B3C4D5E6F7G8H --output json
  cosell deal touchpoint list CS-1A2B3C4D5E6F7G8H`,
		newDealVerbCmd("show", "Print a deal's sync state, model, motion and stage lead",
			`Print a deal's sync state from its workflow's query: the values on each side, the last sync, the
co-sell model, motion and current lead, the conflict log, the running and closed SLAs, the notices
still being delivered and the open sync issues.`,
			"  cosell deal show CS-1A2B3C4D5E6F7G8H\n  cosell deal show CS-1A2B3C4D5E6F7G8H -o json | jq .sides",
			runDealShow),
		newDealVerbCmd("attribution", "Print a won deal's attribution and its calculation",
			`Print a won deal's attribution: the calculation lines, as the CRM note shows them, or with --output
json the result (currency, amountMinor, poolMinor, parts with partner, roles, amountMinor, and the
awards and calculation behind them). Exit 1 with the reason when the deal is not attributed.`,
			"  cosell deal attribution CS-1A2B3C4D5E6F7G8H\n  cosell deal attribution CS-1A2B3C4D5E6F7G8H --output json",
			runDealAttribution),
		newDealTouchpointCmd(),     // touchpoint.go
		newDealLeadCmd(),           // lead.go
		newDealDisputeCmd(),        // dispute.go
		newDealRegisterCmd(),       // register.go
		newDealAnswerCmd("accept"), // answer.go
		newDealAnswerCmd("decline"),
	)
}

func newDealVerbCmd(verb, short, long, example string, run func(context.Context, dealOptions, io.Writer) error) *cobra.Command {
	var o dealOptions
	c := &cobra.Command{
		Use:     verb + " CO-SELL-ID",
		Short:   short,
		Long:    long,
		Example: example,
		Args:    exactArgs("CO-SELL-ID"),
		RunE: func(c *cobra.Command, args []string) error {
			o.coSellID = args[0]
			return run(c.Context(), o, c.OutOrStdout())
		},
	}
	addOutputFlag(c, &o.output)
	return c
}

// runDealShow prints a deal's sync state from its workflow's query: the values on each side, the last
// sync, the conflict log and the open sync issues.
func runDealShow(ctx context.Context, o dealOptions, out io.Writer) error {
	v, err := queryDeal(ctx, o.coSellID)
	if err != nil {
		return err
	}
	return o.output.print(out, v, func() { printDeal(out, v) })
}

// runDealAttribution prints a won deal's attribution from its workflow's query: the pool, each
// partner's part and the calculation behind every amount, as the CRM note shows it.
func runDealAttribution(ctx context.Context, o dealOptions, out io.Writer) error {
	v, err := queryDeal(ctx, o.coSellID)
	if err != nil {
		return err
	}
	if v.CoSell == nil || v.CoSell.Attribution == nil {
		why := "it has no co-sell plan (registered before attribution existed)"
		if v.CoSell != nil {
			why = "it is not won yet"
			if v.Stage != "" {
				why += " (stage " + v.Stage + ")"
			}
		}
		for _, is := range v.Issues {
			if is.Kind == "attribution" {
				why = is.Message
			}
		}
		return fmt.Errorf("deal %s has no attribution: %s", v.CoSellID, why)
	}
	res := v.CoSell.Attribution
	return o.output.print(out, res, func() {
		for _, line := range res.Calculation {
			fmt.Fprintln(out, line)
		}
	})
}

// queryDeal reads a deal's view from its workflow.
func queryDeal(ctx context.Context, id string) (api.DealView, error) {
	c, _, err := dialTemporal(ctx)
	if err != nil {
		return api.DealView{}, err
	}
	defer c.Close()
	return dealView(ctx, c, id)
}

// dealView asks a deal's workflow for its view.
func dealView(ctx context.Context, c client.Client, id string) (api.DealView, error) {
	v, err := activities.QueryDeal(ctx, c, api.DealWorkflowID(id))
	if err != nil {
		return api.DealView{}, fmt.Errorf("deal %s: %w", id, err)
	}
	return v, nil
}

func printDeal(out io.Writer, v api.DealView) {
	fmt.Fprintf(out, "Deal %s (pairing %s)\n", v.CoSellID, v.PairingID)
	last := "never"
	if !v.LastSyncAt.IsZero() {
		last = v.LastSyncAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(out, "Last sync: %s   rounds: %d   notes mirrored: %d\n", last, v.Rounds, v.NotesSynced)
	if v.Mapping != "" {
		remap := ""
		if v.Remapping {
			remap = " (a remap is under way)"
		}
		fmt.Fprintf(out, "Mapping: %s (the version of the pairing's mapping it last synced with)%s\n", v.Mapping, remap)
	}
	printCoSell(out, v.CoSell)
	printRegistration(out, v.Registration) // answer.go
	fmt.Fprintln(out)
	a, b := v.Sides[pairing.A], v.Sides[pairing.B]
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "FIELD\tA (%s)\tB (%s)\n", orDash(a.RecordID), orDash(b.RecordID))
	names := map[string]bool{}
	for k := range a.Values {
		names[k] = true
	}
	for k := range b.Values {
		names[k] = true
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", strings.TrimPrefix(k, "@"), orDash(a.Values[k]), orDash(b.Values[k]))
	}
	_ = tw.Flush()
	fmt.Fprintf(out, "\nConflicts (%d):\n", len(v.Conflicts))
	for _, c := range v.Conflicts {
		fmt.Fprintf(out, "  %s  %s: a=%q b=%q → %s wins (%s)\n", c.At.UTC().Format(time.RFC3339), c.Field, c.ValueA, c.ValueB, c.Winner, c.Details)
	}
	printSLAs(out, v)
	fmt.Fprintf(out, "Sync issues (%d):\n", len(v.Issues))
	for _, is := range v.Issues {
		field := is.Field
		if field == "" {
			field = "-"
		}
		fmt.Fprintf(out, "  [%s] side %s, field %s, since %s: %s\n", is.Kind, is.Side, field, is.Since.UTC().Format(time.RFC3339), is.Message)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printSLAs shows the running SLAs with their absolute deadlines, breach and escalation level, the next
// moment of each, the closed ones, and notices still being delivered.
func printSLAs(out io.Writer, v api.DealView) {
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	who := func(side string) string {
		if side == "" {
			return "both partners"
		}
		return "side " + side
	}
	if v.Stage != "" {
		fmt.Fprintf(out, "Stage: %s\n", v.Stage)
	}
	fmt.Fprintf(out, "SLAs (%d running):\n", len(v.SLAs))
	for _, c := range v.SLAs {
		state := "running"
		switch {
		case !c.BreachedAt.IsZero() && c.Level > 0:
			state = fmt.Sprintf("BREACHED %s, escalated to L%d", ts(c.BreachedAt), c.Level)
		case !c.BreachedAt.IsZero():
			state = "BREACHED " + ts(c.BreachedAt)
		case c.Warned:
			state = "warned"
		}
		next := ""
		if c.Fired < len(c.Events) {
			e := c.Events[c.Fired]
			next = fmt.Sprintf("; next: %s", e.Kind)
			if e.Level > 0 {
				next += fmt.Sprintf(" L%d", e.Level)
			}
			next += " at " + ts(e.At)
		}
		fmt.Fprintf(out, "  %s waiting on %s: deadline %s, %s%s\n", c.ID, who(c.Waiting), ts(c.Deadline), state, next)
		if c.Summary != "" {
			fmt.Fprintf(out, "      %s\n", c.Summary)
		}
	}
	if len(v.SLAHistory) > 0 {
		fmt.Fprintf(out, "Closed SLAs (%d):\n", len(v.SLAHistory))
		for _, r := range v.SLAHistory {
			breach := "met"
			if !r.BreachedAt.IsZero() {
				breach = fmt.Sprintf("breached %s, reached L%d", ts(r.BreachedAt), r.Level)
			}
			fmt.Fprintf(out, "  %s: %s; closed %s: %s\n", r.ID, breach, ts(r.ResolvedAt), r.Resolution)
		}
	}
	fmt.Fprintf(out, "Notices: %d delivered, %d pending\n", v.NoticesSent, len(v.Outbox))
	for _, o := range v.Outbox {
		line := fmt.Sprintf("  %s → %s", o.Notice.Key, strings.Join(o.Pending, ", "))
		if o.LastError != "" {
			line += fmt.Sprintf(" (attempt %d failed: %s)", o.Attempts, o.LastError)
		}
		fmt.Fprintln(out, line)
	}
}

// dialTemporal connects a one-shot command to Temporal with the worker's settings (TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TLS, API key, COSELL_TASK_QUEUE): invalid settings exit 2, no Temporal exits 3.
func dialTemporal(ctx context.Context) (client.Client, config.Config, error) {
	cfg, err := config.Load(ctx, envconfig.OsLookuper())
	if err != nil {
		return nil, cfg, configError(err)
	}
	c, err := worker.Dial(ctx, cfg, quietSlog())
	if err != nil {
		if errors.Is(err, worker.ErrConfig) {
			return nil, cfg, configError(err)
		}
		return nil, cfg, unavailableError(err)
	}
	return c, cfg, nil
}

// printCoSell shows the deal's model, motion and current lead, and its outcome when it closed.
func printCoSell(out io.Writer, cs *api.CoSellView) {
	if cs == nil {
		return
	}
	lead := orDash(cs.LeadName)
	if cs.Stage != "" {
		lead += " (" + string(cs.Stage) + ")"
	}
	fmt.Fprintf(out, "Co-sell: model %s, motion %s, vendor side %s; lead: %s\n", cs.Model, cs.Motion, cs.Vendor, lead)
	if ev := cs.Touchpoints; ev != nil {
		fmt.Fprintf(out, "Touchpoints: %d (cosell deal touchpoint list)\n", ev.Total)
	}
	if r := cs.Attribution; r != nil {
		inForce := r.Parts
		if len(cs.Parts) > 0 {
			inForce = cs.Parts // the split in force: a dispute upheld corrected it
		}
		var parts []string
		for _, p := range inForce {
			parts = append(parts, fmt.Sprintf("%s %s", p.Partner, money.Amount{Currency: r.Currency, Minor: p.AmountMinor}))
		}
		fmt.Fprintf(out, "Attribution: pool %s of %s: %s (cosell deal attribution %s)\n", r.PoolAmount(), r.Amount(), strings.Join(parts, ", "), r.CoSellID)
	}
	if n := len(cs.Disputes); n > 0 {
		d := cs.Disputes[n-1]
		status := "open"
		if d.Resolution != nil {
			status = string(d.Resolution.Verdict) + " by " + d.Resolution.Approver
		}
		fmt.Fprintf(out, "Disputes: %d; the last by %s: %s (%s)\n", n, d.Partner, d.Reason, status)
	}
	if l := cs.Loss; l != nil {
		reason := string(l.Reason)
		if reason == "" {
			reason = "no reason given"
		}
		if l.Detail != "" {
			reason += ": " + l.Detail
		}
		fmt.Fprintf(out, "Lost: %s\n", reason)
	}
}
