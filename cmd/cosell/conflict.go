package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/registration"
)

// conflictListOptions are the flags of `cosell conflict list`.
type conflictListOptions struct {
	pairing string // only conflicts whose deal or primary is in this pairing
	all     bool   // settled conflicts too
	output  outputFormat
}

// conflictResolveOptions are the arguments and flags of `cosell conflict resolve`.
type conflictResolveOptions struct {
	coSellID   string
	account    string // the account key; found by listing when empty
	resolution string
	by         string
	note       string
	output     outputFormat
}

func newConflictCmd() *cobra.Command {
	return groupCmd("conflict", "List and settle registration conflicts (two deals on one account)",
		`  cosell conflict list
  cosell conflict resolve CS-1A2B3C4D5E6F7G8H --resolution merge --by maria.manager@acme.example`,
		newConflictListCmd(), newConflictResolveCmd())
}

func newConflictListCmd() *cobra.Command {
	var o conflictListOptions
	c := &cobra.Command{
		Use:   "list",
		Short: "List the registration conflicts waiting for an admin",
		Long: `List every deal that registered an account another deal registered first (a conflict), with the
primary it points at, from the account workflows. --all shows settled ones too.`,
		Example: "  cosell conflict list\n  cosell conflict list --pairing acme-globex --all --output json",
		Args:    noArgs("filter with --pairing"),
		RunE: func(c *cobra.Command, _ []string) error {
			return runConflictList(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.pairing, "pairing", "", "only conflicts in this pairing")
	c.Flags().BoolVar(&o.all, "all", false, "settled conflicts too")
	addOutputFlag(c, &o.output)
	return c
}

func newConflictResolveCmd() *cobra.Command {
	var o conflictResolveOptions
	c := &cobra.Command{
		Use:   "resolve CO-SELL-ID",
		Short: "Settle a registration conflict: keep, merge into the primary, or reject",
		Long: `Settle the conflict of a deal (a Temporal Update of its account's workflow): keep (a different
opportunity at the same account), merge (the same opportunity: the primary owns it) or reject (the later
registration is refused). It is recorded once, with who and why, and both partners of the deal are told;
a second answer is refused (exit 1). A merge or a reject then closes the conflicting deal on both sides,
through its workflow: declined, with a reason naming the primary and who settled it, the lost stage, and
nothing more mirrored; on a merge its touchpoints move to the primary when both are of one pairing. Keep
changes nothing of the deal.`,
		Example: "  cosell conflict resolve CS-1A2B3C4D5E6F7G8H --resolution merge --by maria.manager@acme.example --note \"same deal\"",
		Args:    exactArgs("CO-SELL-ID"),
		RunE: func(c *cobra.Command, args []string) error {
			o.coSellID = args[0]
			if _, err := registration.ParseResolution(o.resolution); err != nil || o.by == "" {
				return usageError("%s needs --resolution keep|merge|reject and --by EMAIL", c.CommandPath())
			}
			return runConflictResolve(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.account, "account", "", "the account key (domain:… or name:…); found when left out")
	c.Flags().StringVar(&o.resolution, "resolution", "", "keep, merge or reject")
	c.Flags().StringVar(&o.by, "by", "", "who settles it (an e-mail)")
	c.Flags().StringVar(&o.note, "note", "", "why, for the record")
	_ = c.RegisterFlagCompletionFunc("resolution", cobra.FixedCompletions([]string{"keep", "merge", "reject"}, cobra.ShellCompDirectiveNoFileComp))
	addOutputFlag(c, &o.output)
	return c
}

// accounts reads the ledger of every running account workflow of the worker's task queue: another
// task queue is another deployment on the same namespace (another environment, another test), whose
// accounts are not this one's to settle, and whose workers may be gone.
func accounts(ctx context.Context, c client.Client, taskQueue string) ([]registration.Ledger, error) {
	var out []registration.Ledger
	var token []byte
	q := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND TaskQueue = '%s'", api.AccountWorkflowName, taskQueue)
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

func runConflictList(ctx context.Context, o conflictListOptions, out io.Writer) error {
	c, cfg, err := dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ledgers, err := accounts(ctx, c, cfg.TaskQueue)
	if err != nil {
		return err
	}
	rows := []ConflictRow{}
	for _, l := range ledgers {
		p, _ := l.Primary()
		for _, e := range l.Conflicts() {
			if !o.all && !e.Open() {
				continue
			}
			if o.pairing != "" && e.PairingID != o.pairing && p.PairingID != o.pairing {
				continue
			}
			rows = append(rows, ConflictRow{Account: l.Account.String(), Entry: e, PrimaryPairing: p.PairingID})
		}
	}
	return o.output.print(out, rows, func() {
		if len(rows) == 0 {
			fmt.Fprintln(out, "no open registration conflicts")
			return
		}
		tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tDEAL\tPAIRING\tBY\tVIA\tPRIMARY\tPRIMARY PAIRING\tRESOLUTION")
		for _, r := range rows {
			e := r.Entry
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Account, e.CoSellID, e.PairingID, e.Partner, e.Source, e.Primary, r.PrimaryPairing, orDash(string(e.Resolution)))
		}
		_ = tw.Flush()
	})
}

func runConflictResolve(ctx context.Context, o conflictResolveOptions, out io.Writer) error {
	c, cfg, err := dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	key := account.Key(o.account)
	if o.account != "" {
		if key, err = account.ParseKey(o.account); err != nil {
			return usageError("--account: %v", err)
		}
	} else {
		ledgers, err := accounts(ctx, c, cfg.TaskQueue)
		if err != nil {
			return err
		}
		for _, l := range ledgers {
			if slices.ContainsFunc(l.Entries, func(e registration.Entry) bool { return e.CoSellID == o.coSellID }) {
				key = l.Account
			}
		}
		if key == "" {
			return fmt.Errorf("deal %s has no claim on any account", o.coSellID)
		}
	}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: api.AccountWorkflowID(key), UpdateName: api.ResolveUpdate, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{api.ResolveInput{CoSellID: o.coSellID, Resolution: registration.Resolution(o.resolution), By: o.by, Note: o.note}},
	})
	if err != nil {
		return fmt.Errorf("resolve the conflict of %s: %w", o.coSellID, err)
	}
	var e registration.Entry
	if err := h.Get(ctx, &e); err != nil {
		return fmt.Errorf("resolve the conflict of %s: %w", o.coSellID, err)
	}
	return o.output.print(out, e, func() {
		fmt.Fprintf(out, "conflict of %s on %s resolved: %s, by %s; both partners are told\n", e.CoSellID, key, e.Resolution, e.ResolvedBy)
	})
}
