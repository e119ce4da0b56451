//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// BenchmarkOpenDeals measures what the README's sizing section is built on. It opens
// COSELL_BENCH_DEALS deal workflows (default 200: a first sync of 1,000 takes over 10 minutes on a
// loaded 2-core machine) on a Temporal dev server of its own that persists to a SQLite file, served by
// one `cosell worker` process, and reports:
//
//   - setup-s: seconds from starting the worker to every deal mirrored (the first sync of all of them);
//   - rss-MB: the worker's resident memory with every deal open, after the first sync;
//   - server-rss-MB: the dev server's (all Temporal services in one process, SQLite) at the same time;
//   - idle-cpu-%: the worker's CPU (of one core) over 30 s with every deal open and nothing changing
//     (the feeds' polls and sticky caches);
//   - db-KB/deal: the dev server's database (with its write-ahead log, when it keeps one) per open deal;
//   - events/change and cpu-ms/change, per benchmark iteration: one Salesforce edit of one deal mirrored
//     to HubSpot, the deal's history growth and the worker's CPU for it, feed polls included.
//
// Run it by name with a fixed count, for example
//
//	COSELL_BENCH_DEALS=200 go test -tags e2e -run '^$' -bench BenchmarkOpenDeals -benchtime 20x ./e2e/
func BenchmarkOpenDeals(b *testing.B) {
	n := 200
	if v := os.Getenv("COSELL_BENCH_DEALS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err, "COSELL_BENCH_DEALS")
	}
	d := newRestartableDevServer(b)
	// The fakes' API limits are lifted: the figures are the worker's and Temporal's costs, not a CRM's quota.
	s := newStack(b, stackOptions{poll: time.Second, temporal: d.addr, hs: hsmock.Options{RateLimit: -1}, sf: sfmock.Options{DailyLimit: 100_000_000}})
	jane := s.sfUser.userID("jane.doe@acme.example")
	opps := make([]string, n)
	for i := range opps {
		opps[i] = s.sfUser.create("Opportunity", map[string]any{
			"Name": fmt.Sprintf("Open %04d", i), "StageName": "Qualification", "CloseDate": "2027-03-31",
			"Amount": 10000.0, "OwnerId": jane, "CoSell_Enabled__c": true,
		})
	}
	start := time.Now()
	w := s.startWorkerProcess()
	pid := w.Process.Pid
	eventually(b, time.Duration(n)*time.Second+5*time.Minute, func() bool { return s.countMirrors() == n }, "all %d deals mirrored", n)
	setup := time.Since(start)
	require.Equal(b, n, s.dealWorkflows(), "one deal workflow per deal")

	s.waitFeedPolls(2, time.Minute)
	cpu0 := procCPU(b, pid)
	time.Sleep(30 * time.Second)
	idle := (procCPU(b, pid) - cpu0).Seconds() / 30 * 100
	rss := procRSS(b, pid)
	serverRSS := procRSS(b, devServerPID(b, d.addr))
	var db int64
	for _, f := range []string{d.db, d.db + "-wal"} {
		if st, err := os.Stat(f); err == nil {
			db += st.Size()
		}
	}

	ctx := context.Background()
	var events, changes int64
	var cpu time.Duration
	i := 0
	for b.Loop() {
		opp := opps[i%n]
		id, _ := s.sfUser.get("Opportunity", opp)["CoSell_Id__c"].(string)
		before, err := s.temporal.DescribeWorkflowExecution(ctx, api.DealWorkflowID(id), "")
		require.NoError(b, err)
		next := fmt.Sprintf("Step %d", i)
		c0 := procCPU(b, pid)
		s.sfUser.update("Opportunity", opp, map[string]any{"NextStep": next})
		mirror := s.hsDealsByCoSellID(id)
		require.Len(b, mirror, 1)
		eventually(b, time.Minute, func() bool {
			r, _ := s.hs.Deal(mirror[0].ID)
			return r.Properties["hs_next_step"] == next
		}, "the edit of %s mirrored", id)
		cpu += procCPU(b, pid) - c0
		// The history grows by the change and its echo coming back through the feed (a read, nothing written).
		s.waitFeedPolls(2, time.Minute)
		after, err := s.temporal.DescribeWorkflowExecution(ctx, api.DealWorkflowID(id), "")
		require.NoError(b, err)
		if after.GetWorkflowExecutionInfo().GetExecution().GetRunId() == before.GetWorkflowExecutionInfo().GetExecution().GetRunId() {
			events += after.GetWorkflowExecutionInfo().GetHistoryLength() - before.GetWorkflowExecutionInfo().GetHistoryLength()
			changes++
		}
		i++
	}
	b.ReportMetric(setup.Seconds(), "setup-s")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	b.ReportMetric(float64(serverRSS)/(1<<20), "server-rss-MB")
	b.ReportMetric(idle, "idle-cpu-%")
	b.ReportMetric(float64(db)/1024/float64(n), "db-KB/deal")
	if changes > 0 {
		b.ReportMetric(float64(events)/float64(changes), "events/change")
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(i), "cpu-ms/change")
}

// devServerPID finds the dev server listening on addr among the processes in /proc (Linux): the SDK's
// launcher does not say which process it started.
func devServerPID(t testing.TB, addr string) int {
	t.Helper()
	_, port, _ := strings.Cut(addr, ":")
	dirs, err := os.ReadDir("/proc")
	require.NoError(t, err)
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(raw), "\x00")
		if slices.Contains(args, "start-dev") && slices.Contains(args, port) {
			return pid
		}
	}
	t.Fatalf("no dev server process on port %s", port)
	return 0
}

// procCPU reads a process's user and system CPU time from /proc (Linux).
func procCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	require.NoError(t, err)
	// Fields after the command name (which is in parentheses and may hold spaces).
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, err := strconv.ParseInt(f[11], 10, 64)
	require.NoError(t, err)
	stime, err := strconv.ParseInt(f[12], 10, 64)
	require.NoError(t, err)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}

// procRSS reads a process's resident set size in bytes from /proc (Linux).
func procRSS(t testing.TB, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return kb * 1024
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
