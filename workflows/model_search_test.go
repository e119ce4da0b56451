//go:build model

package workflows

import (
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

// The randomized search over the whole vocabulary of the workflow model test (model_test.go). It is
// behind the model tag while it still finds the engine defects listed in CHANGELOG.md; `make model`
// runs it after the engine's model test.

// wmSearchChecks is the number of histories TestWorkflowModel plays (a fifth with -short);
// -rapid.checks or RAPID_CHECKS change it.
const wmSearchChecks = 300

// TestWorkflowModel drives the real DealWorkflow, its activities and the in-memory CRMs in the SDK's
// test environment through random histories of edits on both sides (in and outside the value map, on
// normalising CRMs), notes, flags, co-sell id edits, reassignments, deletions (unlink and recreate),
// feed disorder (late, duplicated, dropped events, bare triggers), faults before and after writes and
// before reads, users racing the engine's writes, and continue-as-new at random points; it checks the
// invariants along the way and at quiescence.
func TestWorkflowModel(t *testing.T) {
	defer setRapidFlag("rapid.checks", "RAPID_CHECKS", strconv.Itoa(wmSearchChecks))()
	defer setRapidFlag("rapid.nofailfile", "RAPID_NOFAILFILE", "true")()
	rapid.Check(t, wmEnvProperty(wmOptions{}))
}

// TestWorkflowModelCrashesSearch runs the whole vocabulary against a real dev server, with worker
// crashes and a replay of every run (see TestWorkflowModelCrashes).
func TestWorkflowModelCrashesSearch(t *testing.T) {
	wmWithDevServer(t, wmOptions{server: true}, 10)
}
