// Command cosell is CoSell Sync's single binary: the worker, the local demo, and the admin tools.
//
//	cosell worker                      run the worker (configured from the environment)
//	cosell dev                         run the local demo: dev Temporal, both fake CRMs, the worker
//	cosell mapping validate FILE...    check pairing files; every problem with file:line:col and a hint
//	cosell deal show CO-SELL-ID        print a deal's sync state (fields per side, conflicts, issues)
//	cosell status [PAIRING]            each CRM connection's API budget and what waits on it
//	cosell deal attribution CO-SELL-ID print a won deal's attribution and the calculation behind it
//	cosell deal touchpoint [list] ID   log a touchpoint on a deal, or list its touchpoints
//	cosell deal dispute [resolve] ID   dispute a won deal's attribution, or resolve the dispute
//	cosell pilot start|status|report|decide PAIRING   the 90-day pilot review
//	cosell mock salesforce|hubspot|slack   run one fake as a process
//
// Exit codes: 0 success, 1 failure, 2 invalid configuration or usage.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// exitError carries an exit code out of a subcommand.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func configError(err error) error { return &exitError{code: 2, err: err} }

const usage = `usage: cosell <command> [arguments]

commands:
  worker                         run the worker; settings come from the environment (see README)
  dev                            run the local demo: dev Temporal, both fake CRMs, the worker
  mapping validate FILE...       check pairing files and report every problem with file:line:col
  deal show CO-SELL-ID           print a deal's sync state, model, motion and stage lead [--output json]
  deal attribution CO-SELL-ID    print a won deal's attribution and its calculation [--output json]
  deal touchpoint [list] CO-SELL-ID   log a touchpoint (--side --person --kind [--at] [--id]), or list them
  deal dispute [resolve] CO-SELL-ID   dispute an attribution (--partner --reason), or resolve the dispute
                                 (--verdict upheld|rejected --approver --note [--a --b AMOUNT])
  status [PAIRING]               each CRM connection's API budget and what waits on it [--deals N] [--output json]
  pilot start|status|report|decide PAIRING   drive a pairing's 90-day pilot (see cosell pilot)
  mock salesforce|hubspot|slack  run a fake as a process [--addr HOST:PORT] [--seed FILE] [--demo]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "cosell:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	os.Exit(1)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError("missing command")
	}
	switch args[0] {
	case "worker":
		return runWorker(ctx, args[1:])
	case "dev":
		return runDev(ctx, args[1:], stdout)
	case "mapping":
		if len(args) < 2 || args[1] != "validate" {
			return usageError("usage: cosell mapping validate FILE...")
		}
		return runMappingValidate(args[2:], stdout)
	case "deal":
		switch {
		case len(args) >= 2 && args[1] == "show":
			return runDealShow(ctx, args[2:], stdout)
		case len(args) >= 2 && args[1] == "attribution":
			return runDealAttribution(ctx, args[2:], stdout)
		case len(args) >= 2 && args[1] == "touchpoint":
			return runDealTouchpoint(ctx, args[2:], stdout) // touchpoint.go
		case len(args) >= 2 && args[1] == "dispute":
			return runDealDispute(ctx, args[2:], stdout) // dispute.go
		}
		return usageError("usage: cosell deal show|attribution|touchpoint|dispute CO-SELL-ID [--output json]")
	case "status":
		return runStatus(ctx, args[1:], stdout)
	case "mock":
		return runMock(ctx, args[1:], stdout)
	case "pilot":
		return runPilot(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError("unknown command %q", args[0])
	}
}
