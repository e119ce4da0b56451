package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/registration"
)

// conflictListOptions are the flags of `cosell conflict list`.
type conflictListOptions struct {
	Pairing string // only conflicts whose deal or primary is in this pairing
	All     bool   // settled conflicts too
	Output  string
}

// conflictResolveOptions are the flags of `cosell conflict resolve`.
type conflictResolveOptions struct {
	CoSellID   string
	Account    string // the account key; found by listing when empty
	Resolution registration.Resolution
	By         string
	Note       string
	Output     string
}

// runConflict is the command's entry in today's dispatch: `cosell conflict list|resolve`.
func runConflict(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return usageError("usage: cosell conflict list|resolve")
	}
	switch args[0] {
	case "list":
		var o conflictListOptions
		fs := flag.NewFlagSet("conflict list", flag.ContinueOnError)
		fs.StringVar(&o.Pairing, "pairing", "", "only conflicts in this pairing")
		fs.BoolVar(&o.All, "all", false, "settled conflicts too")
		fs.StringVar(&o.Output, "output", "text", "text or json")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError("%v", err)
		}
		return conflictList(ctx, o, out)
	case "resolve":
		var o conflictResolveOptions
		var res string
		id, rest := splitID(args[1:])
		fs := flag.NewFlagSet("conflict resolve", flag.ContinueOnError)
		fs.StringVar(&o.Account, "account", "", "the account key (domain:… or name:…); found when left out")
		fs.StringVar(&res, "resolution", "", "keep (a deal of its own), merge (into the primary) or reject")
		fs.StringVar(&o.By, "by", "", "who settles it (an e-mail)")
		fs.StringVar(&o.Note, "note", "", "why, for the record")
		fs.StringVar(&o.Output, "output", "text", "text or json")
		if err := fs.Parse(rest); err != nil {
			return usageError("%v", err)
		}
		if id == "" && fs.NArg() == 1 {
			id = fs.Arg(0)
		}
		r, err := registration.ParseResolution(res)
		if id == "" || err != nil || o.By == "" {
			return usageError("usage: cosell conflict resolve CO-SELL-ID --resolution keep|merge|reject --by EMAIL [--note TEXT] [--account KEY]")
		}
		o.CoSellID, o.Resolution = id, r
		return conflictResolve(ctx, o, out)
	}
	return usageError("usage: cosell conflict list|resolve")
}

// accounts reads every running account workflow's ledger.
func accounts(ctx context.Context, c client.Client) ([]registration.Ledger, error) {
	var out []registration.Ledger
	var token []byte
	q := "WorkflowType = '" + api.AccountWorkflowName + "' AND ExecutionStatus = 'Running'"
	for {
		page, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 100, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		for _, ex := range page.GetExecutions() {
			v, err := queryAccount(ctx, c, ex.GetExecution().GetWorkflowId())
			if err != nil {
				return nil, err
			}
			out = append(out, v.Ledger)
		}
		if token = page.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	slices.SortFunc(out, func(a, b registration.Ledger) int { return strings.Compare(string(a.Account), string(b.Account)) })
	return out, nil
}

func queryAccount(ctx context.Context, c client.Client, workflowID string) (api.AccountView, error) {
	res, err := c.QueryWorkflow(ctx, workflowID, "", api.AccountQuery)
	if err != nil {
		return api.AccountView{}, fmt.Errorf("account %s: %w", workflowID, err)
	}
	var v api.AccountView
	if err := res.Get(&v); err != nil {
		return api.AccountView{}, fmt.Errorf("account %s: %w", workflowID, err)
	}
	return v, nil
}

// ConflictRow is one conflict as `cosell conflict list --output json` prints it.
type ConflictRow struct {
	Account string             `json:"account"`
	Entry   registration.Entry `json:"entry"`
	// PrimaryPairing is the pairing of the primary the conflict points at.
	PrimaryPairing string `json:"primaryPairing"`
}

func conflictList(ctx context.Context, o conflictListOptions, out io.Writer) error {
	c, _, err := dialTemporal(ctx, o.Output)
	if err != nil {
		return err
	}
	defer c.Close()
	ledgers, err := accounts(ctx, c)
	if err != nil {
		return err
	}
	rows := []ConflictRow{}
	for _, l := range ledgers {
		p, _ := l.Primary()
		for _, e := range l.Conflicts() {
			if !o.All && !e.Open() {
				continue
			}
			if o.Pairing != "" && e.PairingID != o.Pairing && p.PairingID != o.Pairing {
				continue
			}
			rows = append(rows, ConflictRow{Account: l.Account.String(), Entry: e, PrimaryPairing: p.PairingID})
		}
	}
	if o.Output == "json" {
		return writeJSON(out, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(out, "no open registration conflicts")
		return nil
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tDEAL\tPAIRING\tBY\tVIA\tPRIMARY\tPRIMARY PAIRING\tRESOLUTION")
	for _, r := range rows {
		e := r.Entry
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Account, e.CoSellID, e.PairingID, e.Partner, e.Source, e.Primary, r.PrimaryPairing, orDash(string(e.Resolution)))
	}
	return tw.Flush()
}

func conflictResolve(ctx context.Context, o conflictResolveOptions, out io.Writer) error {
	c, _, err := dialTemporal(ctx, o.Output)
	if err != nil {
		return err
	}
	defer c.Close()
	key := account.Key(o.Account)
	if o.Account != "" {
		if key, err = account.ParseKey(o.Account); err != nil {
			return usageError("--account: %v", err)
		}
	} else {
		ledgers, err := accounts(ctx, c)
		if err != nil {
			return err
		}
		for _, l := range ledgers {
			if slices.ContainsFunc(l.Entries, func(e registration.Entry) bool { return e.CoSellID == o.CoSellID }) {
				key = l.Account
			}
		}
		if key == "" {
			return fmt.Errorf("deal %s has no claim on any account", o.CoSellID)
		}
	}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: api.AccountWorkflowID(key), UpdateName: api.ResolveUpdate, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{api.ResolveInput{CoSellID: o.CoSellID, Resolution: o.Resolution, By: o.By, Note: o.Note}},
	})
	if err != nil {
		return fmt.Errorf("resolve the conflict of %s: %w", o.CoSellID, err)
	}
	var e registration.Entry
	if err := h.Get(ctx, &e); err != nil {
		return fmt.Errorf("resolve the conflict of %s: %w", o.CoSellID, err)
	}
	if o.Output == "json" {
		return writeJSON(out, e)
	}
	fmt.Fprintf(out, "conflict of %s on %s resolved: %s, by %s; both partners are told\n", e.CoSellID, key, e.Resolution, e.ResolvedBy)
	return nil
}
