package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// walk calls f on every visible command of the tree, the root included.
func walk(c *cobra.Command, f func(*cobra.Command)) {
	if c.Hidden {
		return
	}
	f(c)
	for _, sub := range c.Commands() {
		walk(sub, f)
	}
}

// path is the command's arguments after "cosell".
func path(c *cobra.Command) []string {
	return strings.Fields(c.CommandPath())[1:]
}

func TestEveryCommandHasHelpWithAnExample(t *testing.T) {
	var paths [][]string
	walk(newRootCmd(io.Discard, io.Discard), func(c *cobra.Command) { paths = append(paths, path(c)) })
	require.GreaterOrEqual(t, len(paths), 20, "the whole tree: %v", paths)
	for _, p := range paths {
		for _, help := range []string{"--help", "-h"} {
			args := append(append([]string{}, p...), help)
			var out, errb bytes.Buffer
			err := run(context.Background(), args, &out, &errb)
			require.NoError(t, err, "cosell %s", strings.Join(args, " "))
			assert.Equal(t, 0, exitCode(err))
			s := out.String()
			assert.Contains(t, s, "Usage:\n  cosell", "cosell %s", strings.Join(args, " "))
			assert.Regexp(t, `Examples:\n  +[^\n]*\b(cosell|make run)\b`, s, "cosell %s shows an example", strings.Join(args, " "))
			assert.Empty(t, errb.String(), "help goes to stdout")
		}
	}
	// "cosell help X" shows the same help as "cosell X --help".
	var a, b bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"help", "pilot", "decide"}, &a, &a))
	require.NoError(t, run(context.Background(), []string{"pilot", "decide", "--help"}, &b, &b))
	assert.Equal(t, b.String(), a.String())
}

func TestRootHelpListsTheExitCodes(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"--help"}, &out, &out))
	for _, line := range []string{"0  success", "1  a finding or a failure", "2  usage or configuration error", "3  Temporal unreachable"} {
		assert.Contains(t, out.String(), line)
	}
	for _, cmd := range []string{"worker", "dev", "mapping", "deal", "status", "pilot", "mock", "completion"} {
		assert.Regexp(t, `\n  `+cmd+` +\S`, out.String(), "the root help lists %s", cmd)
	}
}

func TestBareCosellPrintsUsageOnStderrAndExits2(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), nil, &out, &errb)
	assert.Equal(t, 2, exitCode(err))
	assert.Empty(t, out.String())
	assert.Contains(t, errb.String(), "Usage:\n  cosell")
}

func TestUnknownCommandSuggests(t *testing.T) {
	err := run(context.Background(), []string{"pilto"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.Equal(t, 2, exitCode(err))
	assert.Contains(t, err.Error(), `unknown command "pilto" for "cosell"; did you mean pilot?`)
	err = run(context.Background(), []string{"pilot", "stauts", "acme-globex"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.Equal(t, 2, exitCode(err))
	assert.Contains(t, err.Error(), `unknown command "stauts" for "cosell pilot"; did you mean start or status?`)
}

// Every command that prints a result takes --output text|json (and -o), and refuses another format
// with exit 2 before it dials anything.
func TestOneOutputConvention(t *testing.T) {
	want := map[string][]string{
		"deal show":            {"CS-1"},
		"deal attribution":     {"CS-1"},
		"deal touchpoint":      {"CS-1", "--side", "a", "--person", "ann@acme.example", "--kind", "demo"},
		"deal touchpoint list": {"CS-1"},
		"deal dispute":         {"CS-1", "--partner", "b", "--reason", "r"},
		"deal dispute resolve": {"CS-1", "--verdict", "rejected", "--approver", "m", "--note", "n"},
		"status":               nil,
		"pilot start":          {"acme-globex"},
		"pilot status":         {"acme-globex"},
		"pilot report":         {"acme-globex"},
		"pilot decide":         {"acme-globex", "--by", "a@b.example", "--decision", "kill", "--why", "w"},
		"deal register": {"--pairing", "acme-globex", "--partner", "a", "--name", "n", "--domain", "hooli.com",
			"--amount", "1", "--currency", "USD", "--close-date", "2099-01-01"},
		"deal accept":      {"CS-1", "--partner", "b"},
		"deal decline":     {"CS-1", "--partner", "b", "--reason", "r"},
		"conflict list":    nil,
		"conflict resolve": {"CS-1", "--resolution", "keep", "--by", "a@b.example"},
		"verify":           {"acme-globex"},
		"reconcile":        {"acme-globex"},
		"mapping check":    {"../../examples/demo/pairing.yaml"},
		"backfill":         {"acme-globex", "--since", "2026-01-01"},
		"backfill status":  {"acme-globex"},
		"deal lead":        {"CS-1", "--stage", "discovery", "--lead", "b"},
		"mapping diff":     {"../../examples/demo/pairing.yaml", "../../examples/demo/pairing.yaml"},
		"mapping preview":  {"../../examples/demo/pairing.yaml"},
		"mapping apply":    {"../../examples/demo/pairing.yaml"},
	}
	var found []string
	walk(newRootCmd(io.Discard, io.Discard), func(c *cobra.Command) {
		f := c.Flags().Lookup("output")
		if f == nil {
			return
		}
		name := strings.Join(path(c), " ")
		found = append(found, name)
		assert.Equal(t, "text|json", f.Value.Type(), name)
		assert.Equal(t, "text", f.DefValue, name)
		assert.Equal(t, "o", f.Shorthand, name)
	})
	assert.ElementsMatch(t, keys(want), found)
	for name, rest := range want {
		for _, flag := range []string{"--output", "-o"} {
			args := append(append(strings.Fields(name), rest...), flag, "yaml")
			err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
			assert.Equal(t, 2, exitCode(err), "%v: %v", args, err)
			assert.ErrorContains(t, err, `must be text or json, not "yaml"`)
		}
	}
}

func keys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestOutputFormatPrints(t *testing.T) {
	var out bytes.Buffer
	v := map[string]int{"deals": 3}
	require.NoError(t, outputJSON.print(&out, v, func() { out.WriteString("text form\n") }))
	assert.JSONEq(t, `{"deals": 3}`, out.String())
	out.Reset()
	require.NoError(t, outputText.print(&out, v, func() { out.WriteString("text form\n") }))
	assert.Equal(t, "text form\n", out.String())
}

// With no Temporal to reach, a one-shot command exits 3, not 1: nothing was checked.
func TestTemporalUnreachableExits3(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := run(ctx, []string{"deal", "show", "CS-1", "--output", "json"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Equal(t, 3, exitCode(err), "%v", err)
}

func TestCompletionForEveryShell(t *testing.T) {
	marks := map[string]string{
		"bash":       "__start_cosell",
		"zsh":        "#compdef cosell",
		"fish":       "complete -c cosell",
		"powershell": "Register-ArgumentCompleter",
	}
	for sh, mark := range marks {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"completion", sh}, &out, &bytes.Buffer{}), sh)
		assert.Contains(t, out.String(), mark, sh)
		assert.Greater(t, out.Len(), 1000, sh)
	}
	// The scripts call back into "cosell __complete": commands, subcommands and flag values complete.
	complete := func(args ...string) string {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), append([]string{"__complete"}, args...), &out, &bytes.Buffer{}))
		return out.String()
	}
	assert.Contains(t, complete("pi"), "pilot\t")
	assert.Contains(t, complete("pilot", ""), "decide\t")
	s := complete("pilot", "decide", "acme-globex", "--decision", "")
	for _, d := range []string{"scale\n", "kill\n", "restructure\n"} {
		assert.Contains(t, s, d)
	}
	s = complete("deal", "show", "CS-1", "--output", "")
	assert.Contains(t, s, "text\n")
	assert.Contains(t, s, "json\n")
}

func TestFlagsMayComeBeforeOrAfterArguments(t *testing.T) {
	// Both orders reach the same argument check: a second positional is refused either way.
	for _, args := range [][]string{{"deal", "show", "--output", "json", "CS-1", "CS-2"}, {"deal", "show", "CS-1", "--output", "json", "CS-2"}} {
		err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
		assert.Equal(t, 2, exitCode(err), "%v", args)
		assert.ErrorContains(t, err, "cosell deal show takes CO-SELL-ID, got 2 argument(s)")
	}
}
