//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/internal/devserver"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
)

// burstHubSpot lifts the fake HubSpot's rate limit (100 calls per 10 s, of which the budget guard grants
// the product half) to 1,000: these tests are about workers and Temporal, and at the default limit the
// reps' burst alone would hold the worker to the budget for minutes. budget_test.go tests the budget.
var burstHubSpot = hsmock.Options{RateLimit: 1000}

// workerOf names the worker process an activity identity belongs to: the SDK's default identity is
// "<pid>@<host>@".
func workerOf(identity string, procs map[string]*exec.Cmd) string {
	for name, p := range procs {
		if strings.HasPrefix(identity, fmt.Sprintf("%d@", p.Process.Pid)) {
			return name
		}
	}
	return ""
}

// TestTwoWorkersShareLoadAndSurviveSIGKILL runs two `cosell worker` processes on one task queue. Both
// execute the deals' activities (read from the activity tasks' worker identities in the histories). In
// the middle of a burst of edits and notes on 30 deals from both sides, one worker is SIGKILLed and not
// restarted; the other carries on alone. Afterwards every deal converges in both fakes, and nothing is
// lost or doubled: one mirror per deal, no stray record, every note exactly once on each side.
func TestTwoWorkersShareLoadAndSurviveSIGKILL(t *testing.T) {
	s := newStack(t, stackOptions{poll: time.Second, hs: burstHubSpot})
	b := newBurst(s, "Shared", 30)
	procs := map[string]*exec.Cmd{"first": s.startWorkerProcess(), "second": s.startWorkerProcess()}
	b.waitMirrored(120 * time.Second)

	before := map[string]int{}
	for id, n := range b.activityWorkers() {
		before[workerOf(id, procs)] += n
	}
	t.Logf("activities per worker before the kill: %v", before)
	assert.Positive(t, before["first"], "the first worker executed activities")
	assert.Positive(t, before["second"], "the second worker executed activities")
	assert.Zero(t, before[""], "every activity ran on one of the two workers")

	b.run(45*time.Second, 17, burstEvent{at: 15 * time.Second, do: func() {
		require.NoError(t, procs["first"].Process.Signal(syscall.SIGKILL))
		_, _ = procs["first"].Process.Wait()
	}})
	b.waitConverged(240 * time.Second)

	after := map[string]int{}
	for id, n := range b.activityWorkers() {
		after[workerOf(id, procs)] += n
	}
	t.Logf("activities per worker at the end: %v", after)
	assert.Greater(t, after["second"], before["second"], "the surviving worker took over the load")
	assert.Nil(t, procs["second"].ProcessState, "the surviving worker is still running")
}

// restartableDevServer is a Temporal dev server of a test's own, on a fixed port and a database file,
// so it can be stopped and started again with its workflows intact.
type restartableDevServer struct {
	t    testing.TB
	addr string
	db   string
	srv  *testsuite.DevServer
}

func newRestartableDevServer(t testing.TB) *restartableDevServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	d := &restartableDevServer{t: t, addr: addr, db: filepath.Join(t.TempDir(), "temporal.db")}
	d.start()
	t.Cleanup(func() {
		if d.srv != nil {
			_ = d.srv.Stop()
		}
	})
	return d
}

func (d *restartableDevServer) start() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{HostPort: d.addr, DBFile: d.db})
	require.NoError(d.t, err, "start the dev server on %s with %s", d.addr, d.db)
	d.srv = srv
}

func (d *restartableDevServer) stop() {
	require.NoError(d.t, d.srv.Stop())
	d.srv = nil
}

// TestTemporalRestartMidSyncConverges runs the worker against a Temporal dev server of its own that
// persists to a database file, and stops that server for 10 s in the middle of a burst of edits and
// notes on 24 deals, then starts it again on the same file. The reps keep editing while Temporal is
// down. The same worker process reconnects by itself (it is never restarted and is still running at
// the end), and every deal converges with nothing lost or doubled.
func TestTemporalRestartMidSyncConverges(t *testing.T) {
	d := newRestartableDevServer(t)
	s := newStack(t, stackOptions{poll: time.Second, temporal: d.addr, hs: burstHubSpot})
	b := newBurst(s, "Restart", 24)
	w := s.startWorkerProcess()
	b.waitMirrored(120 * time.Second)

	b.run(40*time.Second, 23,
		burstEvent{at: 12 * time.Second, do: d.stop},
		burstEvent{at: 22 * time.Second, do: d.start})
	b.waitConverged(240 * time.Second)
	assert.Nil(t, w.ProcessState, "the worker rode out the restart without exiting")
	assert.NoError(t, w.Process.Signal(syscall.Signal(0)), "the worker process is alive")
}
