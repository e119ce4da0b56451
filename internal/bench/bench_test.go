package bench

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

func validOptions() Options {
	return Options{Deals: 2, Edits: 1, Timeout: time.Minute, PollInterval: time.Second,
		Feeds: []string{FeedWebhook}, Modes: []string{ModeCoalesced, ModeNaive}}
}

func TestValidateNamesEveryBadOption(t *testing.T) {
	require.NoError(t, validOptions().Validate())
	o := validOptions()
	o.Deals, o.Edits, o.Rate, o.Timeout, o.NaiveTimeout = 0, -1, -2, 0, -time.Second
	o.Feeds, o.Modes, o.WorkerEnv = []string{"carrier-pigeon"}, []string{"fast"}, []string{"NOEQUALS"}
	err := o.Validate()
	require.Error(t, err)
	for _, want := range []string{"--deals 0", "--edits -1", "--rate -2", "--timeout 0s", "--naive-timeout -1s", `--feeds "carrier-pigeon"`, `--modes "fast"`, `--worker-env "NOEQUALS"`} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestPlanSpreadsEachRoundOverBothCRMs(t *testing.T) {
	deals := []seededDeal{{mirrored: true}, {mirrored: true}, {mirrored: false}, {mirrored: true}}
	changes := plan(deals, 2)
	require.Len(t, changes, 6, "two rounds over the three mirrored deals")
	var in []side
	for _, c := range changes {
		assert.NotEqual(t, 2, c.deal, "a deal that never mirrored is not edited")
		in = append(in, c.in)
	}
	assert.Equal(t, []side{sideSalesforce, sideHubSpot, sideHubSpot, sideHubSpot, sideSalesforce, sideSalesforce}, in)
	assert.Equal(t, "edit 2 of deal 3", changes[5].value)
	seen := map[string]bool{}
	for _, c := range changes {
		assert.False(t, seen[c.value], "every edit writes a value of its own")
		seen[c.value] = true
	}
}

func TestPercentilesAreNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	l := latencyOf(lat)
	assert.Equal(t, Latency{P50: 50, P95: 95, P99: 99, Max: 100}, l)
	assert.Equal(t, Latency{}, latencyOf(nil))
	assert.Equal(t, Latency{P50: 7, P95: 7, P99: 7, Max: 7}, latencyOf([]time.Duration{7 * time.Millisecond}))
}

func TestBillableActions(t *testing.T) {
	ev := func(t enumspb.EventType) *historypb.HistoryEvent { return &historypb.HistoryEvent{EventType: t} }
	started := func(attempt int32) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED,
			Attributes: &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{Attempt: attempt}}}
	}
	marker := func(name string) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventType: enumspb.EVENT_TYPE_MARKER_RECORDED,
			Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{MarkerName: name}}}
	}
	history := []*historypb.HistoryEvent{
		ev(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED), // 1
		ev(enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),    // 0: workflow tasks are not billed
		ev(enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
		ev(enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), // 1
		started(3), // 2 retries
		ev(enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
		ev(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED), // 1
		ev(enumspb.EVENT_TYPE_TIMER_STARTED),               // 1
		ev(enumspb.EVENT_TYPE_TIMER_FIRED),
		marker("Version"),       // 0
		marker("LocalActivity"), // 1
	}
	n := 0
	for _, e := range history {
		n += billable(e)
	}
	assert.Equal(t, 7, n)
}

func TestReadProcOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system; the bench runs on Linux")
	}
	st, err := readProc(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, st.peakRSSKB)
	_, err = readProc(1 << 30)
	assert.Error(t, err)
}

func TestMarkdownHasTheCommandMachineAndARowPerPhase(t *testing.T) {
	r := &Report{Command: "cosell bench --deals 2", Date: "2026-12-02T20:00:00Z",
		Machine: Machine{CPUs: 2, MemoryGiB: 24, Go: "go1.26", OS: "linux/amd64", LoadStart: "1.00 1.00 1.00"},
		Options: OptionsSummary{Deals: 2, Edits: 1, LatencyMS: 150},
		Runs: []RunResult{{Feed: FeedWebhook, Mode: ModeNaive,
			Flag:  &Phase{Changes: 2, Mirrored: 2, Converged: true, Seconds: 3},
			Edits: &Phase{Changes: 2, Mirrored: 1, Seconds: 2, Latency: Latency{P50: 400, P95: 500, P99: 510}, CallsPerChange: 5}}}}
	md := r.Markdown()
	assert.Contains(t, md, "Command: `cosell bench --deals 2`")
	assert.Contains(t, md, "2 CPUs")
	assert.Contains(t, md, "24.0 GiB")
	assert.Contains(t, md, "| webhook | naive | flag burst | 2/2 |")
	assert.Contains(t, md, "| webhook | naive | edits | 1/2 (timed out) |")
	assert.Contains(t, md, "| 400 | 500 | 510 |")
	path := t.TempDir() + "/BENCHMARKS.md"
	require.NoError(t, os.WriteFile(path, []byte("# Benchmarks\n"), 0o644))
	require.NoError(t, r.AppendMarkdown(path))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "# Benchmarks\n"), "appended, not replaced")
	assert.Contains(t, string(b), md)
}

func TestMarkdownSplitsHubSpotRefusalsByPolicyAndShowsTheWindowPeak(t *testing.T) {
	r := &Report{Date: "2026-12-03T09:00:00Z", Options: OptionsSummary{Deals: 1},
		Runs: []RunResult{{Feed: FeedPolling, Mode: ModeCoalesced,
			Flag: &Phase{Changes: 1, Mirrored: 1, Converged: true,
				HubSpot: CRMCalls{Refused: 5, RefusedBy: map[string]int{"SECONDLY": 4, "TEN_SECONDLY_ROLLING": 1}}},
			Budget: Budget{WindowShare: "40%", HubSpotWindowPeak: 39, HubSpotWindowLimit: 100}}}}
	md := r.Markdown()
	assert.Contains(t, md, "| 5 (search 4, 10 s window 1) | 39/100 (share 40%) |")
}

func TestBudgetTakesTheSharesTheWorkerWasGiven(t *testing.T) {
	o := Options{WorkerEnv: []string{"COSELL_CONN_GLOBEX_HS_BUDGET_WINDOW_SHARE=30%", "OTHER=1"}}
	s := snapshot{hsLimits: hsmock.Limits{WindowPeak: 29, WindowLimit: 100, WindowMS: 10000}, sfBudget: sfmock.APIBudget{Peak: 7, Max: 1000}}
	b := budgetOf(o, s)
	assert.Equal(t, Budget{WindowShare: "30%", DailyShare: "50%", HubSpotWindowPeak: 29, HubSpotWindowLimit: 100, HubSpotWindowMS: 10000,
		SalesforceDailyPeak: 7, SalesforceDailyLimit: 1000}, b)
}

func TestPhaseCountsRefusalsPerPolicyWithinThePhase(t *testing.T) {
	before := snapshot{hsLimits: hsmock.Limits{Refused: map[string]int{"SECONDLY": 2}}}
	after := snapshot{hsLimits: hsmock.Limits{Refused: map[string]int{"SECONDLY": 5, "DAILY": 1}}}
	p := phase(1, []time.Duration{time.Second}, before, after, time.Time{})
	assert.Equal(t, 4, p.HubSpot.Refused)
	assert.Equal(t, map[string]int{"SECONDLY": 3, "DAILY": 1}, p.HubSpot.RefusedBy)
}

func TestNaiveTimeoutBoundsOnlyTheNaiveReference(t *testing.T) {
	o := validOptions()
	assert.Equal(t, time.Minute, o.TimeoutOf(ModeNaive), "unset: --timeout for both")
	o.NaiveTimeout = 10 * time.Second
	assert.Equal(t, time.Minute, o.TimeoutOf(ModeCoalesced))
	assert.Equal(t, 10*time.Second, o.TimeoutOf(ModeNaive))
	r := &Report{Date: "2026-12-03T09:00:00Z", Options: OptionsSummary{Deals: 1, TimeoutS: 60, NaiveTimeoutS: 10}}
	assert.Contains(t, r.Markdown(), "Each phase waited at most 60 s to converge (the naive reference: 10 s).")
}
