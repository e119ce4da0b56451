package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/httpapi"
	"github.com/cosellsync/cosell/vocab"
)

// answerOptions are the arguments and flags of `cosell deal accept|decline`.
type answerOptions struct {
	coSellID string
	partner  string
	accept   bool
	reason   string
	output   outputFormat
}

func newDealAnswerCmd(verb string) *cobra.Command {
	o := answerOptions{accept: verb == "accept"}
	short, example := "Accept the other partner's registration", "  cosell deal accept CS-1A2B3C4D5E6F7G8H --partner b"
	if !o.accept {
		short = "Decline the other partner's registration, with a reason"
		example = `  cosell deal decline CS-1A2B3C4D5E6F7G8H --partner b --reason "we already work this account"`
	}
	c := &cobra.Command{
		Use:   verb + " CO-SELL-ID",
		Short: short,
		Long: `Answer a registration as the partner that did not register it: the answer is written to that
partner's CRM (CoSell_Status__c / cosell_status, and the decline reason) and handed to the deal, as an
edit made in the CRM would be. Accepting ends the acceptance SLA; declining ends it too and closes the
deal on both sides with the reason, after which it mirrors nothing more. Refused (exit 1) for the
registrant, an answered registration, or a deal registered without a status field.`,
		Example: example,
		Args:    exactArgs("CO-SELL-ID"),
		RunE: func(c *cobra.Command, args []string) error {
			o.coSellID = args[0]
			if o.partner != "a" && o.partner != "b" {
				return usageError("%s needs --partner a or b (the partner that answers)", c.CommandPath())
			}
			if !o.accept && o.reason == "" {
				return usageError("%s needs --reason: a decline is kept with its reason", c.CommandPath())
			}
			return runDealAnswer(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.partner, "partner", "", "the answering partner (the one that did not register): a or b")
	if !o.accept {
		c.Flags().StringVar(&o.reason, "reason", "", "why the registration is declined")
	}
	_ = c.RegisterFlagCompletionFunc("partner", cobra.FixedCompletions([]string{"a", "b"}, cobra.ShellCompDirectiveNoFileComp))
	addOutputFlag(c, &o.output)
	return c
}

// runDealAnswer writes the answer to the partner's CRM through the AnswerWorkflow, the API's path too.
func runDealAnswer(ctx context.Context, o answerOptions, out io.Writer) error {
	c, cfg, err := dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := httpapi.Answer(ctx, c, cfg.TaskQueue, api.AnswerInput{CoSellID: o.coSellID, Partner: vocab.Side(o.partner), Accept: o.accept, Reason: o.reason, Source: "cli"})
	if err != nil {
		return refusalError(err)
	}
	return o.output.print(out, res, func() {
		fmt.Fprintf(out, "deal %s %s by partner %s (record %s); the deal takes it from there\n", res.CoSellID, res.Status, o.partner, res.RecordID)
	})
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
