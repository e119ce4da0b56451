package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/vocab"
)

const disputeUsage = `usage:
  cosell deal dispute CO-SELL-ID --partner a|b --reason TEXT [--by EMAIL] [--output json]
  cosell deal dispute resolve CO-SELL-ID --verdict upheld|rejected --approver EMAIL --note TEXT
        [--a AMOUNT --b AMOUNT] [--a-roles ROLE,...] [--b-roles ROLE,...] [--output json]

An upheld dispute needs the corrected split: --a and --b in the deal's currency (major units, 1234.56),
summing to the commission pool; each partner keeps the roles of the split in force unless --a-roles or
--b-roles name others (sourcing, selling, technical_validation, implementation, influence).`

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
	Output   string
}

func parseDisputeOptions(args []string) (disputeOptions, error) {
	var o disputeOptions
	if len(args) > 0 && args[0] == "resolve" {
		o.Resolve, args = true, args[1:]
	}
	fs := flag.NewFlagSet("deal dispute", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.Output, "output", "text", "text or json")
	if o.Resolve {
		fs.StringVar(&o.Verdict, "verdict", "", "upheld or rejected")
		fs.StringVar(&o.Approver, "approver", "", "who decides (an approver of the pairing)")
		fs.StringVar(&o.Note, "note", "", "why")
		fs.StringVar(&o.A, "a", "", "side a's corrected part")
		fs.StringVar(&o.B, "b", "", "side b's corrected part")
		fs.StringVar(&o.ARoles, "a-roles", "", "side a's roles in the corrected split")
		fs.StringVar(&o.BRoles, "b-roles", "", "side b's roles in the corrected split")
	} else {
		fs.StringVar(&o.Partner, "partner", "", "the side disputing: a or b")
		fs.StringVar(&o.Reason, "reason", "", "what is wrong with the split")
		fs.StringVar(&o.By, "by", "", "who disputes (e-mail)")
	}
	id, rest := splitID(args)
	if err := fs.Parse(rest); err != nil {
		return o, usageError("%v\n%s", err, disputeUsage)
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	if id == "" || fs.NArg() > 1 {
		return o, usageError("%s", disputeUsage)
	}
	o.CoSellID = id
	return o, nil
}

// disputeInput is the dispute the options describe.
func (o disputeOptions) disputeInput() (api.DisputeInput, error) {
	side := vocab.Side(strings.ToLower(strings.TrimSpace(o.Partner)))
	if side != vocab.A && side != vocab.B {
		return api.DisputeInput{}, usageError("--partner must be a or b\n%s", disputeUsage)
	}
	if strings.TrimSpace(o.Reason) == "" {
		return api.DisputeInput{}, usageError("--reason is required: say what is wrong with the split")
	}
	return api.DisputeInput{Partner: side, By: strings.TrimSpace(o.By), Reason: o.Reason, Via: "cli"}, nil
}

// resolveInput is the resolution the options describe; the split in force gives the currency and the
// roles a corrected part keeps.
func (o disputeOptions) resolveInput(currency string, inForce []attribution.Part) (api.ResolveInput, error) {
	in := api.ResolveInput{Verdict: attribution.Verdict(strings.ToLower(o.Verdict)), Approver: strings.TrimSpace(o.Approver), Note: o.Note, Via: "cli"}
	switch in.Verdict {
	case attribution.Rejected:
		if o.A != "" || o.B != "" || o.ARoles != "" || o.BRoles != "" {
			return in, usageError("a rejected dispute keeps the split in force: drop --a, --b and the roles")
		}
		return in, nil
	case attribution.Upheld:
	default:
		return in, usageError("--verdict must be upheld or rejected\n%s", disputeUsage)
	}
	if o.A == "" || o.B == "" {
		return in, usageError("an upheld dispute needs the corrected split: --a and --b")
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
func runDealDispute(ctx context.Context, args []string, out io.Writer) error {
	o, err := parseDisputeOptions(args)
	if err != nil {
		return err
	}
	var name string
	var in any
	if o.Resolve {
		v, _, err := queryDeal(ctx, "dispute resolve", []string{o.CoSellID, "--output", o.Output})
		if err != nil {
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
	c, _, err := dialTemporal(ctx, o.Output)
	if err != nil {
		return err
	}
	defer c.Close()
	var res api.DisputeResult
	if err := update(ctx, c, o.CoSellID, name, in, &res); err != nil {
		return err
	}
	if o.Output == "json" {
		return writeJSON(out, res)
	}
	for _, l := range res.Record.Lines() {
		fmt.Fprintln(out, l)
	}
	return nil
}
