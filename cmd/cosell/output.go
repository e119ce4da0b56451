package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// outputFormat is the one --output convention of every command that prints a result: text for people
// (the default), json for scripts. Any other value is a usage error (exit 2) at flag parsing, before
// the command dials anything.
type outputFormat string

const (
	outputText outputFormat = "text"
	outputJSON outputFormat = "json"
)

func (o *outputFormat) String() string { return string(*o) }
func (o *outputFormat) Type() string   { return "text|json" }
func (o *outputFormat) Set(s string) error {
	switch outputFormat(s) {
	case outputText, outputJSON:
		*o = outputFormat(s)
		return nil
	}
	return fmt.Errorf("must be text or json, not %q", s)
}

// addOutputFlag registers --output (-o) on a command that prints a result, with completion of its values.
func addOutputFlag(c *cobra.Command, o *outputFormat) {
	*o = outputText
	c.Flags().VarP(o, "output", "o", "output format: text or json")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
}

// print writes v as indented JSON, or calls text for the human form.
func (o outputFormat) print(out io.Writer, v any, text func()) error {
	if o == outputJSON {
		return writeJSON(out, v)
	}
	text()
	return nil
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
