package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/httpapi"
	"github.com/cosellsync/cosell/vocab"
)

// answerOptions are the flags of `cosell deal accept|decline`.
type answerOptions struct {
	CoSellID string
	Partner  vocab.Side
	Accept   bool
	Reason   string
	Output   string
}

// runDealAnswer is the commands' entry in today's dispatch: `cosell deal accept CO-SELL-ID --partner
// a|b` and `cosell deal decline CO-SELL-ID --partner a|b --reason TEXT`.
func runDealAnswer(ctx context.Context, verb string, args []string, out io.Writer) error {
	o := answerOptions{Accept: verb == "accept"}
	var partner string
	id, rest := splitID(args)
	fs := flag.NewFlagSet("deal "+verb, flag.ContinueOnError)
	fs.StringVar(&partner, "partner", "", "the answering partner (the one that did not register): a or b")
	fs.StringVar(&o.Reason, "reason", "", "why the registration is declined")
	fs.StringVar(&o.Output, "output", "text", "text or json")
	if err := fs.Parse(rest); err != nil {
		return usageError("%v", err)
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	if id == "" || (partner != "a" && partner != "b") || (!o.Accept && o.Reason == "") {
		return usageError("usage: cosell deal accept CO-SELL-ID --partner a|b | cosell deal decline CO-SELL-ID --partner a|b --reason TEXT")
	}
	o.CoSellID, o.Partner = id, vocab.Side(partner)
	return dealAnswer(ctx, o, out)
}

// dealAnswer writes the answer to the partner's CRM through the AnswerWorkflow, the API's path too.
func dealAnswer(ctx context.Context, o answerOptions, out io.Writer) error {
	c, cfg, err := dialTemporal(ctx, o.Output)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := httpapi.Answer(ctx, c, cfg.TaskQueue, api.AnswerInput{CoSellID: o.CoSellID, Partner: o.Partner, Accept: o.Accept, Reason: o.Reason, Source: "cli"})
	if err != nil {
		return refusalError(err)
	}
	if o.Output == "json" {
		return writeJSON(out, res)
	}
	fmt.Fprintf(out, "deal %s %s by partner %s (record %s); the deal takes it from there\n", res.CoSellID, res.Status, o.Partner, res.RecordID)
	return nil
}

// printRegistration shows a deal's registration answer and its claim on its account.
func printRegistration(out io.Writer, r *api.RegistrationView) {
	if r == nil {
		return
	}
	if r.Status != "" {
		line := fmt.Sprintf("Registration: %s (registered by %s)", r.Status, r.Origin)
		if r.By != "" {
			line += fmt.Sprintf(", answered by %s on %s", r.By, r.At.UTC().Format("2006-01-02 15:04 MST"))
		}
		if r.Reason != "" {
			line += ": " + r.Reason
		}
		if r.Closed {
			line += "; closed on both sides, mirrors nothing more"
		}
		fmt.Fprintln(out, line)
	}
	if e := r.Account; e != nil {
		if e.Primary != "" {
			fmt.Fprintf(out, "Account: conflict, points at primary %s (cosell conflict list)\n", e.Primary)
		} else {
			fmt.Fprintf(out, "Account: %s registration\n", e.Role)
		}
	}
}
