package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// Report is one `cosell bench` invocation: where and how it ran, and every run's figures. Its JSON is
// the machine-readable output; Markdown renders the table appended to docs/BENCHMARKS.md.
type Report struct {
	Command string         `json:"command"`
	Date    string         `json:"date"`
	Machine Machine        `json:"machine"`
	Options OptionsSummary `json:"options"`
	Runs    []RunResult    `json:"runs"`
}

// Machine is the host the figures come from, with its load average (1, 5, 15 min) at the start and end:
// on a shared machine the load is part of the figures.
type Machine struct {
	CPUs      int     `json:"cpus"`
	CPU       string  `json:"cpu,omitempty"`
	MemoryGiB float64 `json:"memoryGiB"`
	Go        string  `json:"go"`
	OS        string  `json:"os"`
	LoadStart string  `json:"loadStart,omitempty"`
	LoadEnd   string  `json:"loadEnd,omitempty"`
}

// OptionsSummary is the workload the runs share.
type OptionsSummary struct {
	Deals                int     `json:"deals"`
	Edits                int     `json:"editsPerDeal"`
	Rate                 float64 `json:"rate"`
	LatencyMS            int64   `json:"latencyMs"`
	EditGapMS            int64   `json:"editGapMs"`
	PollIntervalMS       int64   `json:"pollIntervalMs"`
	TimeoutS             float64 `json:"timeoutS"`
	NaiveTimeoutS        float64 `json:"naiveTimeoutS"`
	SalesforceDailyLimit int     `json:"salesforceDailyLimit"`
}

// RunResult is one feed × mode.
type RunResult struct {
	Feed string `json:"feed"`
	Mode string `json:"mode"`
	// Flag is the flag burst: every seeded deal found and mirrored, timed from the worker being ready.
	Flag *Phase `json:"flag"`
	// Edits is the edit workload, each edit timed from its save to its value being readable across.
	Edits        *Phase        `json:"edits,omitempty"`
	Worker       WorkerFigures `json:"worker"`
	WorkflowRuns int           `json:"workflowRuns"`
	Budget       Budget        `json:"budget"`
}

// Budget is the run's peak use of each CRM's API windows, from the fakes' own counters (each run has
// fresh fakes, and the bench's seeding, edits and reads spend no API call), beside the shares the
// worker's guard was given: the evidence for the target that the guard never lets the product pass its
// share of either window.
type Budget struct {
	WindowShare string `json:"windowShare"`
	DailyShare  string `json:"dailyShare"`
	// HubSpotWindowPeak is the most requests the app had in one rolling window of HubSpotWindowMS.
	HubSpotWindowPeak  int `json:"hubspotWindowPeak"`
	HubSpotWindowLimit int `json:"hubspotWindowLimit"`
	HubSpotWindowMS    int `json:"hubspotWindowMs"`
	HubSpotDailyPeak   int `json:"hubspotDailyPeak"`
	HubSpotDailyLimit  int `json:"hubspotDailyLimit"`
	// SalesforceDailyPeak is the most requests counted in the org's rolling 24 hours.
	SalesforceDailyPeak  int `json:"salesforceDailyPeak"`
	SalesforceDailyLimit int `json:"salesforceDailyLimit"`
}

// Phase is one phase's figures.
type Phase struct {
	Changes          int      `json:"changes"`
	Mirrored         int      `json:"mirrored"`
	Converged        bool     `json:"converged"`
	Seconds          float64  `json:"seconds"`
	ChangesPerSecond float64  `json:"changesPerSecond"`
	Latency          Latency  `json:"latencyMs"`
	Salesforce       CRMCalls `json:"salesforce"`
	HubSpot          CRMCalls `json:"hubspot"`
	CallsPerChange   float64  `json:"callsPerChange"`
	TemporalActions  int      `json:"temporalActions"`
	ActionsPerChange float64  `json:"actionsPerChange"`
	WorkerCPUSeconds float64  `json:"workerCpuSeconds"`
}

// Latency is in milliseconds, nearest rank.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// CRMCalls is what one fake counted: every API call of the worker (429s and 403s included, which
// Refused counts again on their own), by endpoint. RefusedBy splits HubSpot's 429s by the policy its
// body names (TEN_SECONDLY_ROLLING: the app's 100 per 10 s; SECONDLY: the search API's 5 a second;
// DAILY), since the guard paces the first and the last and the connector paces searches.
type CRMCalls struct {
	Calls     int            `json:"calls"`
	PerChange float64        `json:"perChange"`
	Refused   int            `json:"refused"`
	RefusedBy map[string]int `json:"refusedBy,omitempty"`
	Endpoints map[string]int `json:"endpoints"`
}

// WorkerFigures are the worker process's own: VmHWM and user+system CPU time over the whole run.
type WorkerFigures struct {
	PeakRSSMB  float64 `json:"peakRssMb"`
	CPUSeconds float64 `json:"cpuSeconds"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Markdown renders the report as a section for docs/BENCHMARKS.md: the command, the machine and the
// date, then a row per run and phase.
func (r *Report) Markdown() string {
	var b strings.Builder
	o := r.Options
	mode := "as a burst per round"
	if o.Rate > 0 {
		mode = fmt.Sprintf("at %g edits/s", o.Rate)
	}
	fmt.Fprintf(&b, "\n### `cosell bench`: %d deals × %d edits %s, %d ms per call (%s)\n\n", o.Deals, o.Edits, mode, o.LatencyMS, r.Date[:10])
	fmt.Fprintf(&b, "Command: `%s`  \n", r.Command)
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %.1f GiB, %s, %s; load average %s at the start, %s at the end; %s.\n\n",
		r.Machine.CPUs, orUnknown(r.Machine.CPU), r.Machine.MemoryGiB, r.Machine.Go, r.Machine.OS, orUnknown(r.Machine.LoadStart), orUnknown(r.Machine.LoadEnd), r.Date)
	if o.NaiveTimeoutS > 0 && o.NaiveTimeoutS != o.TimeoutS {
		fmt.Fprintf(&b, "Each phase waited at most %g s to converge (the naive reference: %g s).\n\n", o.TimeoutS, o.NaiveTimeoutS)
	}
	b.WriteString("| feed | calls | phase | mirrored | seconds | changes/s | p50 ms | p95 ms | p99 ms | SF calls/change | HS calls/change | HS 429s | HS window peak | actions/change | worker peak RSS | worker CPU s |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, run := range r.Runs {
		for _, ph := range []struct {
			name string
			p    *Phase
		}{{"flag burst", run.Flag}, {"edits", run.Edits}} {
			if ph.p == nil {
				continue
			}
			p := ph.p
			mirrored := fmt.Sprintf("%d/%d", p.Mirrored, p.Changes)
			if !p.Converged {
				mirrored += " (timed out)"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %.1f | %.1f | %.0f | %.0f | %.0f | %.2f | %.2f | %s | %s | %.1f | %.0f MB | %.1f |\n",
				run.Feed, run.Mode, ph.name, mirrored, p.Seconds, p.ChangesPerSecond, p.Latency.P50, p.Latency.P95, p.Latency.P99,
				p.Salesforce.PerChange, p.HubSpot.PerChange, refusals(p.HubSpot), windowPeak(run.Budget), p.ActionsPerChange, run.Worker.PeakRSSMB, p.WorkerCPUSeconds)
		}
	}
	return b.String()
}

// AppendMarkdown appends the report's section to a Markdown file.
func (r *Report) AppendMarkdown(path string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("append to %s: %w", path, err)
	}
	if _, err := f.WriteString(r.Markdown()); err != nil {
		f.Close()
		return fmt.Errorf("append to %s: %w", path, err)
	}
	return f.Close()
}

// refusals is a phase's 429 count with its policies, as "4 (search 4)".
func refusals(c CRMCalls) string {
	if c.Refused == 0 || len(c.RefusedBy) == 0 {
		return fmt.Sprint(c.Refused)
	}
	names := map[string]string{"TEN_SECONDLY_ROLLING": "10 s window", "SECONDLY": "search", "DAILY": "daily"}
	var parts []string
	for _, policy := range slices.Sorted(maps.Keys(c.RefusedBy)) {
		name := names[policy]
		if name == "" {
			name = policy
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, c.RefusedBy[policy]))
	}
	return fmt.Sprintf("%d (%s)", c.Refused, strings.Join(parts, ", "))
}

// windowPeak is the run's HubSpot window peak beside its limit and the guard's share, as "48/100 (share 50%)".
func windowPeak(b Budget) string {
	if b.HubSpotWindowLimit == 0 {
		return "–"
	}
	return fmt.Sprintf("%d/%d (share %s)", b.HubSpotWindowPeak, b.HubSpotWindowLimit, b.WindowShare)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
