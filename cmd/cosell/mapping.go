package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/pairing"
)

func newMappingCmd() *cobra.Command {
	return groupCmd("mapping", "Check, compare, preview and apply pairing files (the field mappings CRM admins keep in git)",
		"  cosell mapping validate examples/demo/pairing.yaml\n  cosell mapping check examples/demo/pairing.yaml\n"+
			"  cosell mapping diff old.yaml pairings/acme-globex.yaml\n  cosell mapping preview pairings/acme-globex.yaml\n"+
			"  cosell mapping apply pairings/acme-globex.yaml --yes",
		newMappingValidateCmd(), newMappingCheckCmd(), newMappingDiffCmd(), newMappingPreviewCmd(), newMappingApplyCmd())
}

func newMappingValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check pairing files and report every problem with file:line:col",
		Long: `Check each pairing file and print every problem (not just the first) as file:line:col: message, with
a hint. The files are also checked together, as a worker serving them from one directory would: one
pairing id each, and pairings that share a connection agreeing on it. Exit 2 if any file has a problem,
so CI can gate a pairing change. Credentials are not checked: only the worker's environment holds them.`,
		Example: `  cosell mapping validate examples/demo/pairing.yaml
  cosell mapping validate pairings/*.yaml`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("usage: cosell mapping validate FILE...")
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(c *cobra.Command, args []string) error {
			return runMappingValidate(args, c.OutOrStdout())
		},
	}
}

// runMappingValidate checks each pairing file and prints every problem; it fails (exit 2) when any file
// has one, so CI can gate a pairing change. Files are also checked together, as a worker serving them
// from one directory would (pairing.CheckShared, in the order given): one id each, and pairings that
// share a connection agreeing on it, so `cosell mapping validate pairings/*.yaml` tells what the worker
// would refuse (but for credentials, which only the worker's environment holds).
func runMappingValidate(files []string, out io.Writer) error {
	if len(files) == 0 {
		return usageError("usage: cosell mapping validate FILE...")
	}
	bad := 0
	var valid []*pairing.Pairing
	for _, f := range files {
		p, err := pairing.Load(f)
		if err == nil {
			if shared := pairing.CheckShared(p, valid); len(shared) > 0 {
				err = &pairing.Problems{List: shared}
			}
		}
		if err != nil {
			bad++
			var ps *pairing.Problems
			if errors.As(err, &ps) {
				fmt.Fprintln(out, ps.Error())
			} else {
				fmt.Fprintf(out, "%s: %v\n", f, err)
			}
			continue
		}
		valid = append(valid, p)
		fmt.Fprintf(out, "%s: ok (pairing %s, %s on %s ↔ %s on %s, %d fields)\n", f, p.ID, p.A.Name, p.A.CRM, p.B.Name, p.B.CRM, len(p.Fields))
	}
	if bad > 0 {
		return configError(fmt.Errorf("%d of %d pairing files have problems", bad, len(files)))
	}
	return nil
}
