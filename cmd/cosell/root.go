package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// newRootCmd builds the whole command tree. A command is a newXCmd() in the file of its logic; it is
// registered here and nowhere else.
// Its output goes to stdout and stderr (the completion scripts bind theirs when the tree is built).
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "cosell",
		Short: "CoSell Sync: mirror co-sold deals between two partners' CRMs",
		Long: `CoSell Sync mirrors co-sold deals between two partners' CRMs (Salesforce, HubSpot) as Temporal
workflows. This one binary is the worker, the local demo and the admin tools. Commands that print a
result take --output text|json.

` + exitCodesHelp,
		Example: `  cosell dev                                  # the local demo (make run)
  cosell mapping validate pairings/*.yaml
  cosell deal show CS-1A2B3C4D5E6F7G8H --output json
  cosell completion bash > /etc/bash_completion.d/cosell`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// A bare "cosell" is a usage error (exit 2) with the usage on stderr, as before cobra.
		Args: noSubcommandArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			c.SetOut(c.ErrOrStderr())
			_ = c.Usage()
			return usageError("missing command (see cosell --help)")
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v (see %s --help)", err, c.CommandPath())
	})
	root.AddCommand(
		newWorkerCmd(),
		newDevCmd(),
		newMappingCmd(),
		newDealCmd(),
		newStatusCmd(),
		newPilotCmd(),
		newConflictCmd(), // conflict.go
		newMockCmd(),
		newSearchAttributesCmd(),
		newProbeCmd(),
		newCodecServerCmd(),
		newBenchCmd(),
		newVerifyCmd(),    // verify.go
		newReconcileCmd(), // reconcile.go
	)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = "  cosell help pilot decide"
		case "completion":
			c.Args, c.RunE = noSubcommandArgs, needSubcommand
			c.Example = `  cosell completion bash > /etc/bash_completion.d/cosell
  cosell completion zsh > "${fpath[1]}/_cosell"
  cosell completion fish > ~/.config/fish/completions/cosell.fish
  cosell completion powershell | Out-String | Invoke-Expression`
			for _, sh := range c.Commands() {
				sh.Example = "  cosell completion " + sh.Name() + " > cosell-completion." + sh.Name()
			}
		}
	}
	usageArgs(root)
	return root
}

// usageArgs makes every argument check of the tree (cobra's own included, as in the completion
// commands) a usage error, exit 2.
func usageArgs(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				var ee *exitError
				if errors.As(err, &ee) {
					return err
				}
				return usageError("%v (see %s --help)", err, cmd.CommandPath())
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// noSubcommandArgs refuses an argument to a command that only groups subcommands: it names no
// subcommand of it, so it is an unknown command, with cobra's suggestions.
func noSubcommandArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's own default, which only its unexported path sets
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageError("%s (see %s --help)", msg, c.CommandPath())
}

// groupCmd is a command that only groups subcommands: run bare, it is a usage error (exit 2), as an
// unknown subcommand is.
func groupCmd(use, short, example string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    noSubcommandArgs,
		RunE:    needSubcommand,
	}
	c.AddCommand(subs...)
	return c
}

// needSubcommand is the run of a command that only groups subcommands.
func needSubcommand(c *cobra.Command, _ []string) error {
	var names []string
	for _, s := range c.Commands() {
		names = append(names, s.Name())
	}
	return usageError("%s needs a subcommand: %s (see %s --help)", c.CommandPath(), strings.Join(names, ", "), c.CommandPath())
}

// exactArgs wants exactly the named positional arguments; the message names them.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usageError("%s takes %s, got %d argument(s) (see %s --help)", c.CommandPath(), strings.Join(names, " "), len(args), c.CommandPath())
		}
		return nil
	}
}

// noArgs refuses positional arguments, with why.
func noArgs(why string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError("%s takes no arguments; %s", c.CommandPath(), why)
		}
		return nil
	}
}
