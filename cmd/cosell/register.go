package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/httpapi"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

// registerOptions are the flags of `cosell deal register`, kept apart from parsing so the command can
// be wired to another CLI framework as it is.
type registerOptions struct {
	Request   registration.Request
	RequestID string
	Output    string
}

// parseRegister reads `cosell deal register --pairing P --partner a|b --name N --account A --domain D
// --amount X --currency C --close-date YYYY-MM-DD [--model M] [--request-id ID] [--output json]`.
func parseRegister(args []string) (registerOptions, error) {
	var o registerOptions
	var partner string
	fs := flag.NewFlagSet("deal register", flag.ContinueOnError)
	fs.StringVar(&o.Request.PairingID, "pairing", "", "the pairing the deal is co-sold in")
	fs.StringVar(&partner, "partner", "", "the registering partner: a or b")
	fs.StringVar(&o.Request.DealName, "name", "", "the deal's name")
	fs.StringVar(&o.Request.AccountName, "account", "", "the customer company's name")
	fs.StringVar(&o.Request.Domain, "domain", "", "the customer's web domain (its account identity)")
	fs.StringVar(&o.Request.Amount, "amount", "", "the deal amount, a plain decimal such as 125000 or 99.50")
	fs.StringVar(&o.Request.Currency, "currency", "", "the amount's ISO 4217 currency, such as USD")
	fs.StringVar(&o.Request.CloseDate, "close-date", "", "the expected close date, YYYY-MM-DD")
	fs.StringVar(&o.Request.Model, "model", "", "partner_led, vendor_led or true_cosell (default: the pairing's)")
	fs.StringVar(&o.RequestID, "request-id", "", "an id that makes a retried command the same registration (default: a new one)")
	fs.StringVar(&o.Output, "output", "text", "text or json")
	if err := fs.Parse(args); err != nil {
		return o, usageError("%v", err)
	}
	o.Request.Partner = vocab.Side(partner)
	if o.RequestID == "" {
		o.RequestID = httpapi.NewRequestID()
	}
	return o, nil
}

// runDealRegister is the command's entry in today's dispatch.
func runDealRegister(ctx context.Context, args []string, out io.Writer) error {
	o, err := parseRegister(args)
	if err != nil {
		return err
	}
	return dealRegister(ctx, o, out)
}

// dealRegister checks the registration here first (a clear message with no round trip), then sends
// it down the one path the API takes too: the RegistrationWorkflow, which refuses it whole (a killed
// pairing, a value the pairing cannot hold) or creates the deal in the registering partner's CRM and
// hands it to its deal workflow, which mirrors it and claims its account.
func dealRegister(ctx context.Context, o registerOptions, out io.Writer) error {
	if _, err := registration.Check(o.Request, time.Now().UTC()); err != nil {
		return &exitError{code: 2, err: err}
	}
	c, cfg, err := dialTemporal(ctx, o.Output)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := httpapi.Register(ctx, c, cfg.TaskQueue, api.RegisterInput{Request: o.Request, Source: "cli", RequestID: o.RequestID})
	if err != nil {
		return refusalError(err)
	}
	if o.Output == "json" {
		return writeJSON(out, res)
	}
	fmt.Fprintf(out, "registered %s: record %s in partner %s's CRM, account %s; the mirror follows\n", res.CoSellID, res.RecordID, o.Request.Partner, res.Account)
	return nil
}

// refusalError prints a refused request by its reason alone (exit code 1), and anything else as it is.
func refusalError(err error) error {
	if msg, ok := httpapi.Refusal(err); ok {
		return &exitError{code: 1, err: errors.New(msg)}
	}
	return err
}
