package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/drift"
	"github.com/cosellsync/cosell/pairing"
)

// reconcileOptions are the arguments and flags of cosell reconcile.
type reconcileOptions struct {
	pairingID string
	deals     []string
	wait      time.Duration
	output    outputFormat
}

func newReconcileCmd() *cobra.Command {
	var o reconcileOptions
	c := &cobra.Command{
		Use:   "reconcile PAIRING",
		Short: "Heal drift between both CRMs through the deals' workflows, and report what changed",
		Long: `Verify the pairing's running deals as cosell verify does, then ask each drifting deal's workflow to
reconcile: a change event per side (source "reconcile"), on which the deal reads both CRMs itself and
decides with its normal rules (an edit nobody was told of flows to the other side, a one-way field
edited where it is received is reverted, a crossing pair of edits is a logged conflict settled by the
field's policy), and tries once more the values a CRM refused before. The command never writes to a
CRM itself. It then waits, at most --wait, for each deal to finish a sync round, verifies it again,
and reports each field that healed (its values before, its value now) and those that still drift
(a value outside the value map, a value the CRM still refuses: see the deal's sync issues).

` + verifyExitCodes,
		Example: `  cosell reconcile acme-globex
  cosell reconcile acme-globex --deal CS-1A2B3C4D5E6F7G8H --wait 5m --output json`,
		Args: exactArgs("PAIRING"),
		RunE: func(c *cobra.Command, args []string) error {
			o.pairingID = args[0]
			if o.wait <= 0 {
				return usageError("--wait must be positive, got %s (see cosell reconcile --help)", o.wait)
			}
			return runReconcile(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringSliceVar(&o.deals, "deal", nil, "reconcile only this co-sell id (repeat or comma-separate for several)")
	c.Flags().DurationVar(&o.wait, "wait", 2*time.Minute, "wait at most this long for the drifting deals to heal")
	addOutputFlag(c, &o.output)
	return c
}

// reconcileReport is what `cosell reconcile` prints.
type reconcileReport struct {
	PairingID string `json:"pairingId"`
	// Verified counts the deals verified first, Drifting those that drifted then.
	Verified int `json:"verified"`
	Drifting int `json:"drifting"`
	// Healed counts the drifting deals on which both CRMs agree now; Remaining those that still drift
	// (or could not be verified again) when the wait ended.
	Healed    int              `json:"healed"`
	Remaining int              `json:"remaining"`
	Deals     []reconciledDeal `json:"deals"`
	// Errors are the deals that could not be verified at all.
	Errors []verifiedDeal `json:"errors,omitempty"`
}

// reconciledDeal is one drifting deal: what drifted, what healed, and what still drifts.
type reconciledDeal struct {
	CoSellID string `json:"coSellId"`
	// Before is the drift found first.
	Before []drift.Field `json:"before"`
	// Healed are the fields of Before on which the CRMs agree now, with the value they hold.
	Healed []healedField `json:"healed,omitempty"`
	// After is the drift found at the last look (empty when healed).
	After []drift.Field `json:"after,omitempty"`
	// Issues are the deal's open sync issues at the last look.
	Issues []api.SyncIssue `json:"issues,omitempty"`
	Error  string          `json:"error,omitempty"`
	// Signalled is false when the deal could not be asked to reconcile (Error says why).
	Signalled bool `json:"signalled"`
}

// healedField is a field that drifted and agrees now.
type healedField struct {
	Field string `json:"field"`
	// A and B are the values each side held before.
	A string `json:"a"`
	B string `json:"b"`
	// Now is the value both sides hold now.
	Now string `json:"now"`
}

func runReconcile(ctx context.Context, o reconcileOptions, out io.Writer) error {
	v, err := openVerifier(ctx, o.pairingID)
	if err != nil {
		return err
	}
	defer v.close()
	views, _, err := v.deals(ctx, o.deals)
	if err != nil {
		return err
	}
	rep := reconcileReport{PairingID: o.pairingID}
	byID := map[string]api.DealView{}
	for _, view := range views {
		byID[view.CoSellID] = view
	}
	var drifting []verifiedDeal
	for _, d := range v.verify(ctx, views) {
		switch {
		case d.Error != "":
			rep.Errors = append(rep.Errors, d)
		case d.Drifting():
			rep.Verified++
			drifting = append(drifting, d)
		default:
			rep.Verified++
		}
	}
	rep.Drifting = len(drifting)
	slices.SortFunc(drifting, func(x, y verifiedDeal) int { return strings.Compare(x.CoSellID, y.CoSellID) })
	deadline := time.Now().Add(o.wait)
	rep.Deals = make([]reconciledDeal, len(drifting))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, d := range drifting {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rep.Deals[i] = v.reconcile(ctx, byID[d.CoSellID], d, deadline)
		}()
	}
	wg.Wait()
	for _, d := range rep.Deals {
		if d.Error == "" && len(d.After) == 0 {
			rep.Healed++
		} else {
			rep.Remaining++
		}
	}
	if err := o.output.print(out, rep, func() { printReconcile(out, rep, v.pairing) }); err != nil {
		return err
	}
	switch {
	case rep.Remaining > 0:
		return fmt.Errorf("%d of %d drifting deals of %s still drift", rep.Remaining, rep.Drifting, rep.PairingID)
	case len(rep.Errors) > 0:
		return fmt.Errorf("%d deals of %s could not be verified", len(rep.Errors), rep.PairingID)
	}
	return nil
}

// reconcile asks one drifting deal to reconcile, waits until it has finished a sync round after the
// request (its LastSyncAt moves; asked of the workflow, no CRM call), verifies it again, and keeps
// waiting for further rounds while it still drifts, until the deadline.
func (v *verifier) reconcile(ctx context.Context, view api.DealView, before verifiedDeal, deadline time.Time) reconciledDeal {
	rd := reconciledDeal{CoSellID: view.CoSellID, Before: before.Fields, After: before.Fields, Issues: before.Issues}
	last := view.LastSyncAt
	if err := activities.SignalReconcile(ctx, v.acts, view); err != nil {
		rd.Error = err.Error()
		return rd
	}
	rd.Signalled = true
	wid := api.DealWorkflowID(view.CoSellID)
	for {
		now, err := activities.QueryDeal(ctx, v.client, wid)
		switch {
		case err != nil:
			rd.Error = err.Error()
		case !now.LastSyncAt.Equal(last):
			last = now.LastSyncAt
			d := v.verifyOne(ctx, now)
			rd.Issues, rd.Error = d.Issues, d.Error
			if d.Error == "" {
				rd.After = d.Fields
				rd.Healed = healed(before, d)
				if !d.Drifting() {
					return rd
				}
			}
		}
		if !time.Now().Before(deadline) {
			return rd
		}
		select {
		case <-ctx.Done():
			rd.Error = ctx.Err().Error()
			return rd
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// healed lists the fields that drifted before and agree now, with the value they hold now.
func healed(before verifiedDeal, now verifiedDeal) []healedField {
	var out []healedField
	for _, f := range before.Fields {
		if slices.ContainsFunc(now.Fields, func(g drift.Field) bool { return g.Field == f.Field }) {
			continue
		}
		out = append(out, healedField{Field: f.Field, A: f.A, B: f.B, Now: now.Value(f.Field)})
	}
	return out
}

func printReconcile(out io.Writer, rep reconcileReport, p *pairing.Pairing) {
	fmt.Fprintf(out, "Pairing %s: %d deals verified, %d drifting; %d healed, %d still drifting\n",
		rep.PairingID, rep.Verified, rep.Drifting, rep.Healed, rep.Remaining)
	for _, d := range rep.Deals {
		fmt.Fprintf(out, "\n%s:\n", d.CoSellID)
		for _, h := range d.Healed {
			fmt.Fprintf(out, "  healed  %s: %s %s, %s %s → both %s\n", h.Field, p.A.Name, quoted(h.A), p.B.Name, quoted(h.B), quoted(h.Now))
		}
		for _, f := range d.After {
			fmt.Fprintf(out, "  drifts  %s: %s %s, %s %s (%s)\n", f.Field, p.A.Name, quoted(f.A), p.B.Name, quoted(f.B), f.Why)
		}
		for _, is := range d.Issues {
			fmt.Fprintf(out, "  issue   %s %s: %s\n", is.Side, orDash(is.Field), is.Message)
		}
		if d.Error != "" {
			fmt.Fprintf(out, "  error   %s\n", d.Error)
		}
	}
	for _, d := range rep.Errors {
		fmt.Fprintf(out, "\n%s: not verified: %s\n", d.CoSellID, d.Error)
	}
}
