package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/drift"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/worker"
	"github.com/cosellsync/cosell/pairing"
)

// verifyExitCodes is the exit-code paragraph of verify's and reconcile's help.
const verifyExitCodes = `Exit codes: 0 both CRMs agree on every deal verified; 1 drift found (or remains, for reconcile), or a
deal could not be read from a CRM; 2 usage or configuration error (an unknown pairing, invalid
settings); 3 Temporal unreachable.`

// verifyOptions are the arguments and flags of cosell verify.
type verifyOptions struct {
	pairingID string
	deals     []string
	output    outputFormat
}

func newVerifyCmd() *cobra.Command {
	var o verifyOptions
	c := &cobra.Command{
		Use:   "verify PAIRING",
		Short: "Compare both CRMs for every co-sold deal and report drift per field",
		Long: `Read every running co-sold deal of the pairing from both CRMs, now, and report each mapped field on
which they disagree: a table per deal and field with --output text, the whole report with --output json.
Value maps, directions and the forms CRMs store values in (text without trailing spaces, an amount
rounded to cents) are taken into account, so what the sync would write as it is is no drift; a value
outside a field's value map is drift marked "unmapped", which no sync can carry across. The deal's
open sync issues are shown beside its drift: they often say why. A deal whose sides are both out of
co-sell, or which lacks a record on a side, is listed but not compared.

It writes nothing, to no CRM and no workflow; it spends two CRM reads per deal, on the connections of
the worker's settings (COSELL_PAIRINGS_DIR or COSELL_PAIRING_FILE and their COSELL_CONN_* variables).
A deal in the middle of a sync can show drift that heals by itself a moment later; cosell reconcile
heals the rest through the deals' workflows.

` + verifyExitCodes,
		Example: `  cosell verify acme-globex
  cosell verify acme-globex --deal CS-1A2B3C4D5E6F7G8H --output json`,
		Args: exactArgs("PAIRING"),
		RunE: func(c *cobra.Command, args []string) error {
			o.pairingID = args[0]
			return runVerify(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringSliceVar(&o.deals, "deal", nil, "verify only this co-sell id (repeat or comma-separate for several)")
	addOutputFlag(c, &o.output)
	return c
}

// verifyReport is what `cosell verify` prints.
type verifyReport struct {
	PairingID string `json:"pairingId"`
	// Verified counts the deals read from both CRMs; Drifting those that disagree, on Fields fields.
	Verified int `json:"verified"`
	Drifting int `json:"drifting"`
	Fields   int `json:"fields"`
	// Deals is every deal of the pairing looked at, drifting ones first.
	Deals []verifiedDeal `json:"deals"`
	// Skipped counts running deals that did not answer their query (closed meanwhile).
	Skipped int `json:"skipped,omitempty"`
}

// verifiedDeal is one deal's verdict, or why it has none.
type verifiedDeal struct {
	activities.DealDrift
	// Error is set when the deal could not be read from a CRM.
	Error string `json:"error,omitempty"`
}

func runVerify(ctx context.Context, o verifyOptions, out io.Writer) error {
	v, err := openVerifier(ctx, o.pairingID)
	if err != nil {
		return err
	}
	defer v.close()
	views, skipped, err := v.deals(ctx, o.deals)
	if err != nil {
		return err
	}
	rep := verifyReport{PairingID: o.pairingID, Skipped: skipped, Deals: v.verify(ctx, views)}
	rep.count()
	if err := o.output.print(out, rep, func() { printVerify(out, rep, v.pairing) }); err != nil {
		return err
	}
	return rep.verdict()
}

func (rep *verifyReport) count() {
	rep.Verified, rep.Drifting, rep.Fields = 0, 0, 0
	for _, d := range rep.Deals {
		if d.Error != "" {
			continue
		}
		rep.Verified++
		if d.Drifting() {
			rep.Drifting++
			rep.Fields += len(d.Fields)
		}
	}
	slices.SortStableFunc(rep.Deals, func(x, y verifiedDeal) int {
		rank := func(d verifiedDeal) int {
			switch {
			case d.Drifting():
				return 0
			case d.Error != "":
				return 1
			}
			return 2
		}
		if c := rank(x) - rank(y); c != 0 {
			return c
		}
		return strings.Compare(x.CoSellID, y.CoSellID)
	})
}

// verdict is the command's error: drift, or deals that could not be read, exit 1.
func (rep verifyReport) verdict() error {
	failed := len(rep.Deals) - rep.Verified
	switch {
	case rep.Drifting > 0 && failed > 0:
		return fmt.Errorf("%d fields drift on %d deals of %s, and %d deals could not be verified", rep.Fields, rep.Drifting, rep.PairingID, failed)
	case rep.Drifting > 0:
		return fmt.Errorf("%d fields drift on %d deals of %s", rep.Fields, rep.Drifting, rep.PairingID)
	case failed > 0:
		return fmt.Errorf("%d deals of %s could not be verified", failed, rep.PairingID)
	}
	return nil
}

// verifier reads a pairing's deals from Temporal and both CRMs with the worker's settings.
type verifier struct {
	client  client.Client
	acts    *activities.Activities
	pairing *pairing.Pairing
}

// openVerifier builds the pairing's connectors as the worker does (worker.Prepare), then dials
// Temporal: a configuration error or an unknown pairing is exit 2 before anything is dialled.
func openVerifier(ctx context.Context, pairingID string) (*verifier, error) {
	env := envconfig.OsLookuper()
	cfg, err := config.Load(ctx, env)
	if err != nil {
		return nil, configError(err)
	}
	ps, err := worker.Prepare(ctx, cfg, env, &http.Client{Timeout: 60 * time.Second}, quietSlog())
	if err != nil {
		return nil, configError(err)
	}
	conn, ok := ps.Catalog().Pairings[pairingID]
	if !ok {
		served := "it serves none"
		if ids := slices.Sorted(maps.Keys(ps.Catalog().Pairings)); len(ids) > 0 {
			served = "it serves " + strings.Join(ids, ", ")
		}
		return nil, usageError("pairing %s is not among the worker's pairings (%s); see COSELL_PAIRINGS_DIR or COSELL_PAIRING_FILE",
			pairingID, served)
	}
	c, cfg, err := dialTemporal(ctx)
	if err != nil {
		return nil, err
	}
	return &verifier{client: c, pairing: conn.Pairing,
		acts: &activities.Activities{Served: ps.Served(), Client: c, TaskQueue: cfg.TaskQueue}}, nil
}

func (v *verifier) close() { v.client.Close() }

// deals returns the running deals of the pairing, or the ones named.
func (v *verifier) deals(ctx context.Context, named []string) ([]api.DealView, int, error) {
	var ids []string
	if len(named) > 0 {
		for _, id := range named {
			ids = append(ids, api.DealWorkflowID(strings.TrimSpace(id)))
		}
	} else {
		var err error
		if ids, err = activities.RunningDeals(ctx, v.client, v.acts.TaskQueue); err != nil {
			return nil, 0, err
		}
	}
	views, skipped := activities.DealsOf(ctx, v.client, ids, v.pairing.ID)
	if len(named) > 0 && len(views) < len(named) {
		return nil, 0, fmt.Errorf("%d of the deals named are not running deals of %s", len(named)-len(views), v.pairing.ID)
	}
	return views, skipped, nil
}

// verify reads every deal from both CRMs, four deals at a time.
func (v *verifier) verify(ctx context.Context, views []api.DealView) []verifiedDeal {
	out := make([]verifiedDeal, len(views))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, view := range views {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = v.verifyOne(ctx, view)
		}()
	}
	wg.Wait()
	return out
}

func (v *verifier) verifyOne(ctx context.Context, view api.DealView) verifiedDeal {
	d, err := activities.VerifyDeal(ctx, v.acts, view)
	if err != nil {
		return verifiedDeal{DealDrift: activities.DealDrift{PairingID: view.PairingID, CoSellID: view.CoSellID, Issues: view.Issues}, Error: err.Error()}
	}
	return verifiedDeal{DealDrift: d}
}

func printVerify(out io.Writer, rep verifyReport, p *pairing.Pairing) {
	fmt.Fprintf(out, "Pairing %s: %d deals verified against both CRMs, %d drifting (%d fields)\n",
		rep.PairingID, rep.Verified, rep.Drifting, rep.Fields)
	printDriftTable(out, rep.Deals, p)
	var other []string
	for _, d := range rep.Deals {
		switch {
		case d.Error != "":
			other = append(other, fmt.Sprintf("  %s: not verified: %s", d.CoSellID, d.Error))
		case d.Status == drift.Paused:
			other = append(other, fmt.Sprintf("  %s: out of co-sell on both sides; not compared", d.CoSellID))
		case d.Status == drift.Missing:
			other = append(other, fmt.Sprintf("  %s: no record on side %s (not created yet, or deleted); not compared", d.CoSellID, sides(d.Missing)))
		}
	}
	if len(other) > 0 {
		fmt.Fprintln(out, "\nNot compared:")
		for _, l := range other {
			fmt.Fprintln(out, l)
		}
	}
	if rep.Skipped > 0 {
		fmt.Fprintf(out, "\n(%d running deals did not answer; they closed meanwhile)\n", rep.Skipped)
	}
}

// printDriftTable prints a row per drifting field, and the deal's open sync issues under its rows.
func printDriftTable(out io.Writer, deals []verifiedDeal, p *pairing.Pairing) {
	var drifting []verifiedDeal
	for _, d := range deals {
		if d.Drifting() {
			drifting = append(drifting, d)
		}
	}
	if len(drifting) == 0 {
		return
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "DEAL\tFIELD\tA (%s)\tB (%s)\tWHY\n", p.A.Name, p.B.Name)
	for _, d := range drifting {
		for _, f := range d.Fields {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.CoSellID, f.Field, quoted(f.A), quoted(f.B), f.Why)
		}
		for _, is := range d.Issues {
			fmt.Fprintf(tw, "%s\t\t\t\tsync issue on %s %s: %s\n", d.CoSellID, is.Side, orDash(is.Field), is.Message)
		}
	}
	_ = tw.Flush()
}

// quoted shows a value so that an empty one and trailing spaces are visible.
func quoted(s string) string {
	if s == "" {
		return "(empty)"
	}
	if strings.TrimSpace(s) != s {
		return fmt.Sprintf("%q", s)
	}
	return s
}

func sides(ss []pairing.Side) string {
	var out []string
	for _, s := range ss {
		out = append(out, string(s))
	}
	return strings.Join(out, " and ")
}
