//go:build model

package workflows

import "testing"

// TestWorkflowModelCrashesSearch runs the whole vocabulary against a real dev server, with worker
// crashes and a replay of every run (see TestWorkflowModelCrashes). It is behind the model tag for its
// time (a dev server, real workers stopped and started); `make model` runs it.
func TestWorkflowModelCrashesSearch(t *testing.T) {
	wmWithDevServer(t, wmOptions{server: true}, 10)
}
