package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/mappingdiff"
	"github.com/cosellsync/cosell/pairing"
)

// mappingDiffOptions are the arguments and flags of cosell mapping diff.
type mappingDiffOptions struct {
	old, new string
	output   outputFormat
}

func newMappingDiffCmd() *cobra.Command {
	var o mappingDiffOptions
	c := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Explain what changes in sync behaviour between two versions of a pairing file",
		Long: `Compare two pairing files (the one the worker serves and an edited one, say from a pull request) and
say, change by change, what the sync does differently: fields that start or stop syncing, a field
carried by another CRM field, its type, direction or conflict policy, value map entries added, removed
or changed per side, owner map pairs and fallback owners, the bookkeeping fields, on_delete. Changes
that records already synced follow only after ` + "`cosell mapping apply`" + ` are marked APPLY (a value map
entry that now writes another CRM value, a field newly mapped or moved to another CRM field). Names,
SLAs, notifications and the pilot are not part of the mapping and are not listed.

It reads the two files only (no CRM, no Temporal). Exit 0 whether or not they differ; 2 for a file
with problems.`,
		Example: `  cosell mapping diff pairings/acme-globex.yaml acme-globex.edited.yaml
  git show main:pairings/acme-globex.yaml > /tmp/old.yaml && cosell mapping diff /tmp/old.yaml pairings/acme-globex.yaml --output json`,
		Args: exactArgs("OLD", "NEW"),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.old, o.new = args[0], args[1]
			return runMappingDiff(o, c.OutOrStdout())
		},
	}
	addOutputFlag(c, &o.output)
	return c
}

// runMappingDiff loads both files and prints what changes between them.
func runMappingDiff(o mappingDiffOptions, out io.Writer) error {
	old, err := pairing.Load(o.old)
	if err != nil {
		return configError(err)
	}
	new, err := pairing.Load(o.new)
	if err != nil {
		return configError(err)
	}
	r := mappingdiff.Diff(old, new)
	if r.Changes == nil {
		r.Changes = []mappingdiff.Change{}
	}
	return o.output.print(out, r, func() { printMappingDiff(out, r) })
}

func printMappingDiff(out io.Writer, r mappingdiff.Report) {
	fmt.Fprintf(out, "Pairing %s: mapping %s → %s\n", r.Pairing, r.Old, r.New)
	if r.Same() {
		fmt.Fprintln(out, "No change in sync behaviour.")
		return
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANGE\tFIELD\tSIDE\tOLD → NEW\t")
	for _, c := range r.Changes {
		what := c.Value
		if what != "" {
			what += ": "
		}
		mark := ""
		if c.Apply {
			mark = "APPLY"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s → %s\t%s\n", c.Kind, orDash(c.Field), orDash(string(c.Side)), what, orDash(c.Old), orDash(c.New), mark)
	}
	_ = tw.Flush()
	fmt.Fprintln(out)
	for _, c := range r.Changes {
		fmt.Fprintf(out, "- %s\n", c.Effect)
	}
	if r.NeedsApply() {
		fmt.Fprintln(out, "\nRecords already synced follow the APPLY changes only after `cosell mapping apply` (see `cosell mapping preview`).")
	}
}
