package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/vocab"
)

// disputeOptions is one `cosell deal dispute` or `cosell deal dispute resolve` call.
type disputeOptions struct {
	CoSellID string
	Resolve  bool
	// dispute
	Partner string
	Reason  string
	By      string
	// resolve
	Verdict  string
	Approver string
	Note     string
	A, B     string
	ARoles   string
	BRoles   string
	Output   outputFormat
}

func newDealDisputeCmd() *cobra.Command { return disputeCmd(runDealDispute) }

// disputeCmd builds `deal dispute` and its `resolve` around run, which tests replace to see the options
// the command line gives. Each takes only its own flags.
func disputeCmd(run func(context.Context, disputeOptions, io.Writer) error) *cobra.Command {
	var o disputeOptions
	c := &cobra.Command{
		Use:   "dispute CO-SELL-ID",
		Short: "Dispute a won deal's attribution (or resolve it: dispute resolve)",
		Long: `Open a dispute on a won deal's attribution (a Temporal Update to the deal's workflow): --partner a|b
is the side disputing, --reason what is wrong with the split, --by who disputes (e-mail). Both CRMs show
the dispute in cosell_attribution and a note; one of the pairing's approvers settles it with
cosell deal dispute resolve. Prints the audit trail as the CRM notes show it. A dispute the deal
refuses (a deal not won, or another dispute still open) exits 1 with the deal's message.`,
		Example: `  cosell deal dispute CS-1A2B3C4D5E6F7G8H --partner b --by kim@globex.example --reason "Globex ran the evaluation"`,
		Args:    exactArgs("CO-SELL-ID"),
		RunE: func(c *cobra.Command, args []string) error {
			o.CoSellID = args[0]
			return run(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.Partner, "partner", "", "the side disputing: a or b")
	c.Flags().StringVar(&o.Reason, "reason", "", "what is wrong with the split")
	c.Flags().StringVar(&o.By, "by", "", "who disputes (e-mail)")
	addOutputFlag(c, &o.Output)
	_ = c.RegisterFlagCompletionFunc("partner", cobra.FixedCompletions([]string{"a", "b"}, cobra.ShellCompDirectiveNoFileComp))

	r := disputeOptions{Resolve: true}
	resolve := &cobra.Command{
		Use:   "resolve CO-SELL-ID",
		Short: "Settle a deal's open dispute: upheld with the corrected split, or rejected",
		Long: `Settle the open dispute (a Temporal Update): --verdict upheld|rejected, --approver one of the pairing's
approvers (not the disputer), --note why. An upheld dispute needs the corrected split: --a and --b in the
deal's currency (major units, 1234.56), summing to the commission pool; each partner keeps the roles of
the split in force unless --a-roles or --b-roles name others (sourcing, selling, technical_validation,
implementation, influence). A rejected dispute keeps the split in force and takes none of these. The
split in force goes to both CRMs. Exit 1 with the deal's message when it refuses the resolution.`,
		Example: `  cosell deal dispute resolve CS-1A2B3C4D5E6F7G8H --verdict rejected --approver maria@acme.example --note "sourced by Acme"
  cosell deal dispute resolve CS-1A2B3C4D5E6F7G8H --verdict upheld --approver maria@acme.example \
    --note "Globex ran the POC" --a 1250.00 --b 1250.00 --b-roles selling,technical_validation`,
		Args: exactArgs("CO-SELL-ID"),
		RunE: func(c *cobra.Command, args []string) error {
			r.CoSellID = args[0]
			return run(c.Context(), r, c.OutOrStdout())
		},
	}
	resolve.Flags().StringVar(&r.Verdict, "verdict", "", "upheld or rejected")
	resolve.Flags().StringVar(&r.Approver, "approver", "", "who decides (an approver of the pairing)")
	resolve.Flags().StringVar(&r.Note, "note", "", "why")
	resolve.Flags().StringVar(&r.A, "a", "", "side a's corrected part (upheld)")
	resolve.Flags().StringVar(&r.B, "b", "", "side b's corrected part (upheld)")
	resolve.Flags().StringVar(&r.ARoles, "a-roles", "", "side a's roles in the corrected split, comma separated")
	resolve.Flags().StringVar(&r.BRoles, "b-roles", "", "side b's roles in the corrected split, comma separated")
	addOutputFlag(resolve, &r.Output)
	_ = resolve.RegisterFlagCompletionFunc("verdict", cobra.FixedCompletions(
		[]string{string(attribution.Upheld), string(attribution.Rejected)}, cobra.ShellCompDirectiveNoFileComp))
	c.AddCommand(resolve)
	return c
}

// disputeInput is the dispute the options describe.
func (o disputeOptions) disputeInput() (api.DisputeInput, error) {
	side := vocab.Side(strings.ToLower(strings.TrimSpace(o.Partner)))
	if side != vocab.A && side != vocab.B {
		return api.DisputeInput{}, usageError("--partner must be a or b (see cosell deal dispute --help)")
	}
	if strings.TrimSpace(o.Reason) == "" {
		return api.DisputeInput{}, usageError("--reason is required: say what is wrong with the split")
	}
	return api.DisputeInput{Partner: side, By: strings.TrimSpace(o.By), Reason: o.Reason, Via: "cli"}, nil
}

// checkResolve refuses what resolveInput would refuse without the deal's currency, so a bad command line
// is a usage error before anything is dialed.
func (o disputeOptions) checkResolve() error {
	switch attribution.Verdict(strings.ToLower(o.Verdict)) {
	case attribution.Rejected:
		if o.A != "" || o.B != "" || o.ARoles != "" || o.BRoles != "" {
			return usageError("a rejected dispute keeps the split in force: drop --a, --b and the roles")
		}
	case attribution.Upheld:
		if o.A == "" || o.B == "" {
			return usageError("an upheld dispute needs the corrected split: --a and --b")
		}
	default:
		return usageError("--verdict must be upheld or rejected (see cosell deal dispute resolve --help)")
	}
	return nil
}

// resolveInput is the resolution the options describe; the split in force gives the currency and the
// roles a corrected part keeps.
func (o disputeOptions) resolveInput(currency string, inForce []attribution.Part) (api.ResolveDisputeInput, error) {
	in := api.ResolveDisputeInput{Verdict: attribution.Verdict(strings.ToLower(o.Verdict)), Approver: strings.TrimSpace(o.Approver), Note: o.Note, Via: "cli"}
	if err := o.checkResolve(); err != nil {
		return in, err
	}
	if in.Verdict == attribution.Rejected {
		return in, nil
	}
	for _, p := range []struct {
		side         vocab.Side
		amount, role string
	}{{vocab.A, o.A, o.ARoles}, {vocab.B, o.B, o.BRoles}} {
		amt, err := money.Parse(currency, p.amount)
		if err != nil {
			return in, usageError("--%s: %v", p.side, err)
		}
		part := attribution.Part{Partner: p.side, AmountMinor: amt.Minor, Roles: []attribution.Role{}}
		if p.role != "" {
			for _, r := range strings.Split(p.role, ",") {
				part.Roles = append(part.Roles, attribution.Role(strings.TrimSpace(r)))
			}
		} else {
			for _, f := range inForce {
				if f.Partner == p.side {
					part.Roles = append(part.Roles, f.Roles...)
				}
			}
		}
		in.Parts = append(in.Parts, part)
	}
	return in, nil
}

// runDealDispute disputes a won deal's attribution, or resolves the open dispute, and prints the
// audit trail as the CRM notes show it.
func runDealDispute(ctx context.Context, o disputeOptions, out io.Writer) error {
	var name string
	var in any
	var err error
	if o.Resolve {
		if err = o.checkResolve(); err != nil {
			return err
		}
		var v api.DealView
		if v, err = queryDeal(ctx, o.CoSellID); err != nil {
			return err
		}
		if v.CoSell == nil || v.CoSell.Attribution == nil {
			return fmt.Errorf("deal %s is not attributed: there is no dispute to resolve", o.CoSellID)
		}
		if in, err = o.resolveInput(v.CoSell.Attribution.Currency, v.CoSell.Parts); err != nil {
			return err
		}
		name = api.ResolveDisputeUpdate
	} else {
		if in, err = o.disputeInput(); err != nil {
			return err
		}
		name = api.DisputeUpdate
	}
	c, _, err := dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	var res api.DisputeResult
	if err := update(ctx, c, o.CoSellID, name, in, &res); err != nil {
		return err
	}
	return o.Output.print(out, res, func() {
		for _, l := range res.Record.Lines() {
			fmt.Fprintln(out, l)
		}
	})
}
