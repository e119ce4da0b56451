// Command cosell is CoSell Sync's single binary: the worker, the local demo, and the admin tools.
//
//	cosell worker                      run the worker (configured from the environment)
//	cosell dev                         run the local demo: dev Temporal, both fake CRMs, the worker
//	cosell mapping validate FILE...    check pairing files; every problem with file:line:col and a hint
//	cosell deal show CO-SELL-ID        print a deal's sync state (fields per side, conflicts, issues)
//	cosell deal attribution CO-SELL-ID print a won deal's attribution and the calculation behind it
//	cosell status [PAIRING]            each CRM connection's API budget and what waits on it
//	cosell pilot start|status|report|decide PAIRING   the 90-day pilot review
//	cosell mock salesforce|hubspot|slack   run one fake as a process
//	cosell search-attributes register  register the product's search attributes in the namespace
//	cosell probe URL                   GET a health endpoint; exit 0 on 2xx (container health checks)
//	cosell completion bash|zsh|fish|powershell   a shell completion script
//	cosell bench [flags]               the load benchmark: deals × edits through the fakes, naive beside coalesced
//	cosell codec-server                decrypt payloads for the Temporal UI and CLI (behind a bearer token)
//
// The command tree is built with cobra in root.go; each command's logic stays in its own file (see
// README.md in this directory for how to add one). Exit codes are listed in exitcode.go.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := withPayloadHint(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "cosell:", err)
	stop()
	os.Exit(exitCode(err))
}

// run executes one command line; tests call it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
