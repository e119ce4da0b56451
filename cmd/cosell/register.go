package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/httpapi"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

// registerOptions are the flags of `cosell deal register`.
type registerOptions struct {
	request   registration.Request
	partner   string
	requestID string
	output    outputFormat
}

func newDealRegisterCmd() *cobra.Command {
	var o registerOptions
	c := &cobra.Command{
		Use:   "register",
		Short: "Register a co-sell deal in the registering partner's CRM",
		Long: `Register a co-sell deal: the deal is checked (domain, amount, currency, close date, model; every
problem named, exit 2), then the RegistrationWorkflow checks the pairing and its pilot (a killed pairing
refuses with its reason, exit 1) and only then creates the deal, flagged, in the registering partner's CRM;
its deal workflow creates the mirror and claims its account (the first registration on an account is
primary, later ones conflicts: cosell conflict list). A refusal leaves nothing in either CRM. The same
--request-id makes a retried command the same registration.`,
		Example: `  cosell deal register --pairing acme-globex --partner a --name "Hooli rollout" --account "Hooli, Inc." \
    --domain hooli.com --amount 125000 --currency USD --close-date 2027-03-31 --model partner_led`,
		Args: noArgs("every value is a flag"),
		RunE: func(c *cobra.Command, _ []string) error {
			o.request.Partner = vocab.Side(o.partner)
			if o.requestID == "" {
				o.requestID = httpapi.NewRequestID()
			}
			return runDealRegister(c.Context(), o, c.OutOrStdout())
		},
	}
	f := c.Flags()
	f.StringVar(&o.request.PairingID, "pairing", "", "the pairing the deal is co-sold in")
	f.StringVar(&o.partner, "partner", "", "the registering partner: a or b")
	f.StringVar(&o.request.DealName, "name", "", "the deal's name")
	f.StringVar(&o.request.AccountName, "account", "", "the customer company's name")
	f.StringVar(&o.request.Domain, "domain", "", "the customer's web domain (its account identity)")
	f.StringVar(&o.request.Amount, "amount", "", "the deal amount, a plain decimal such as 125000 or 99.50")
	f.StringVar(&o.request.Currency, "currency", "", "the amount's ISO 4217 currency, such as USD")
	f.StringVar(&o.request.CloseDate, "close-date", "", "the expected close date, YYYY-MM-DD")
	f.StringVar(&o.request.Model, "model", "", "partner_led, vendor_led or true_cosell (default: the pairing's)")
	f.StringVar(&o.requestID, "request-id", "", "an id that makes a retried command the same registration (default: a new one)")
	_ = c.RegisterFlagCompletionFunc("partner", cobra.FixedCompletions([]string{"a", "b"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("model", cobra.FixedCompletions([]string{"partner_led", "vendor_led", "true_cosell"}, cobra.ShellCompDirectiveNoFileComp))
	addOutputFlag(c, &o.output)
	return c
}

// runDealRegister checks the registration here first (a clear message with no round trip), then sends
// it down the one path the API takes too: the RegistrationWorkflow.
func runDealRegister(ctx context.Context, o registerOptions, out io.Writer) error {
	if _, err := registration.Check(o.request, time.Now().UTC()); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	c, cfg, err := dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := httpapi.Register(ctx, c, cfg.TaskQueue, api.RegisterInput{Request: o.request, Source: "cli", RequestID: o.requestID})
	if err != nil {
		return refusalError(err)
	}
	return o.output.print(out, res, func() {
		fmt.Fprintf(out, "registered %s: record %s in partner %s's CRM, account %s; the mirror follows\n", res.CoSellID, res.RecordID, o.request.Partner, res.Account)
	})
}

// refusalError prints a refused request by its reason alone (exit 1), and anything else as it is.
func refusalError(err error) error {
	if msg, ok := httpapi.Refusal(err); ok {
		return &exitError{code: exitFinding, err: errors.New(msg)}
	}
	return err
}
