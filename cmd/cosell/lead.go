package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/cosell"
)

// leadOptions is one `cosell deal lead` call.
type leadOptions struct {
	coSellID string
	stage    string
	lead     string
	by       string
	output   outputFormat
}

func newDealLeadCmd() *cobra.Command {
	var o leadOptions
	c := &cobra.Command{
		Use:   "lead CO-SELL-ID",
		Short: "Override who leads one stage of a deal (a, b or joint)",
		Long: `Set who leads one stage of a deal, over the playbook's table for its model (a Temporal Update to the
deal's workflow): --stage is a playbook stage (identification, discovery, presentation, evaluation,
proposal, close), --lead is a, b or joint; the playbook's own lead removes the override. When the stage
is the deal's current one, both CRMs show the new lead and the new lead is told, as at a stage change.
Prints every stage's lead, overrides marked. A deal without a co-sell plan, or a closed one, refuses (exit 1).`,
		Example: `  cosell deal lead CS-1A2B3C4D5E6F7G8H --stage discovery --lead b --by maria.manager@acme.example
  cosell deal lead CS-1A2B3C4D5E6F7G8H --stage evaluation --lead joint --output json`,
		Args: exactArgs("CO-SELL-ID"),
		RunE: func(c *cobra.Command, args []string) error {
			o.coSellID = args[0]
			return runDealLead(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.stage, "stage", "", "the playbook stage: "+stageNames())
	c.Flags().StringVar(&o.lead, "lead", "", "who leads it: a, b or joint")
	c.Flags().StringVar(&o.by, "by", "", "who agreed it (an e-mail), for the log")
	_ = c.RegisterFlagCompletionFunc("lead", cobra.FixedCompletions([]string{"a", "b", "joint"}, cobra.ShellCompDirectiveNoFileComp))
	addOutputFlag(c, &o.output)
	return c
}

func stageNames() string {
	s := ""
	for i, st := range cosell.Stages {
		if i > 0 {
			s += ", "
		}
		s += string(st)
	}
	return s
}

func runDealLead(ctx context.Context, o leadOptions, out io.Writer) error {
	stage, err := cosell.ParseStage(o.stage)
	if err != nil {
		return usageError("--stage: %v", err)
	}
	lead, err := cosell.ParseLead(o.lead)
	if err != nil {
		return usageError("--lead: %v", err)
	}
	c, _, err := dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	var res api.LeadResult
	if err := update(ctx, c, o.coSellID, api.LeadUpdate, api.LeadInput{Stage: stage, Lead: lead, By: o.by}, &res); err != nil { // touchpoint.go
		return err
	}
	return o.output.print(out, res, func() {
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "STAGE\tLEAD\t")
		for _, l := range res.Leads {
			mark := ""
			if l.Overridden {
				mark = "(override)"
			}
			if l.Stage == res.Current.Stage {
				mark += " ← current"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", l.Stage, l.Lead, mark)
		}
		_ = w.Flush()
	})
}
