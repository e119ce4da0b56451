package workflows

import (
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

// The randomized search over the whole vocabulary of the workflow model test (model_test.go). A plain
// `go test` (and so `make test`) plays wmSearchChecks histories from wmSearchSeed, so it is
// reproducible; `make model` explores from random seeds with many more.

const (
	// wmSearchChecks is the number of histories TestWorkflowModel plays; -rapid.checks or RAPID_CHECKS
	// change it.
	wmSearchChecks = 1000
	// wmSearchSeed is the seed of a plain run; -rapid.seed or RAPID_SEED (0: a random one) change it.
	wmSearchSeed = 20261202
)

// TestWorkflowModel drives the real DealWorkflow, its activities and the in-memory CRMs in the SDK's
// test environment through random histories of edits on both sides (in and outside the value map, on
// normalising CRMs), notes, flags, co-sell id edits, reassignments, deletions (unlink and recreate),
// feed disorder (late, duplicated, dropped events, bare triggers), faults before and after writes and
// before reads, users racing the engine's writes, and continue-as-new at random points; it checks the
// invariants along the way and at quiescence.
func TestWorkflowModel(t *testing.T) {
	defer setRapidFlag("rapid.checks", "RAPID_CHECKS", strconv.Itoa(wmSearchChecks))()
	defer setRapidFlag("rapid.seed", "RAPID_SEED", strconv.Itoa(wmSearchSeed))()
	defer setRapidFlag("rapid.nofailfile", "RAPID_NOFAILFILE", "true")()
	rapid.Check(t, wmEnvProperty(wmOptions{}))
}
