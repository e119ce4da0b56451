package workflows

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/cosellsync/cosell/activities"
)

// TestReplayRecordedHistories replays histories recorded from real runs (the e2e tests write them with
// E2E_RECORD_HISTORY=workflows/testdata/replay). A change to the workflows that would break a deal or a
// feed already running in production fails here: guard such changes with workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/replay/*.json")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 4, "the recorded histories are committed")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			Register(replayRegistrar{r}, &activities.Activities{})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), f))
		})
	}
}

// replayRegistrar lets Register fill a replayer, which takes workflows only.
type replayRegistrar struct{ worker.WorkflowReplayer }

func (replayRegistrar) RegisterActivity(interface{}) {}
