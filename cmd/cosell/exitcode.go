package main

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
)

// The exit codes of every cosell command, so scripts and CI can tell a finding from a typo from an
// outage. The root help and the README list them; keep the three in step.
const (
	// exitOK: the command did what it was asked, and found nothing wrong.
	exitOK = 0
	// exitFinding: the command ran and its answer is "no" or it failed at its task: a deal with no
	// attribution, a pilot decision the workflow refused, an error found by mapping check, drift found
	// by verify (or left by reconcile), a CRM or workflow error.
	exitFinding = 1
	// exitUsage: the command line or the configuration is wrong: an unknown command or flag, a missing
	// argument, a --output other than text or json, invalid settings in the environment, or a pairing
	// file with problems (cosell mapping validate, a worker refusing to start).
	exitUsage = 2
	// exitUnavailable: Temporal could not be reached (the dial failed, or the service answered
	// unavailable or timed out), so nothing was checked or changed; retrying later may succeed.
	exitUnavailable = 3
)

// exitCodesHelp is the list the root help and the README show.
const exitCodesHelp = `Exit codes:
  0  success
  1  a finding or a failure: the command ran and says no (a deal not attributed, a decision refused,
     an error found by mapping check, drift found by verify or left by reconcile, a workflow or CRM error)
  2  usage or configuration error: unknown command or flag, missing argument, bad --output, invalid
     environment, a pairing file with problems
  3  Temporal unreachable: nothing was checked or changed; retry later`

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func configError(err error) error { return &exitError{code: exitUsage, err: err} }

func unavailableError(err error) error { return &exitError{code: exitUnavailable, err: err} }

// exitCode maps an error to the process's exit code: the code it carries, 3 when Temporal answered
// unavailable or the call timed out, else 1.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &unavailable) || errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded) {
		return exitUnavailable
	}
	return exitFinding
}
