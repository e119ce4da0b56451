package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

const statusUsage = "usage: cosell status [PAIRING] [--deals N] [--output json]"

// statusOptions are the arguments and flags of cosell status.
type statusOptions struct {
	pairingID string
	maxDeals  int
	output    outputFormat
}

func newStatusCmd() *cobra.Command {
	var o statusOptions
	c := &cobra.Command{
		Use:   "status [PAIRING]",
		Short: "Each CRM connection's API budget and what waits on it",
		Long: `Show each CRM connection's API budget (used, limit, share, paused or not) as the worker's guard last
saw it at its change feed's latest poll, and the running deals that wait on a budget, for the worker's
pairings (COSELL_PAIRINGS_DIR or COSELL_PAIRING_FILE) or the one named. It spends no CRM call.`,
		Example: `  cosell status
  cosell status acme-globex --deals 200 --output json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("cosell status takes at most one PAIRING\n%s", statusUsage)
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.pairingID = args[0]
			}
			return runStatus(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().IntVar(&o.maxDeals, "deals", 1000, "check at most this many running deals for a budget wait")
	addOutputFlag(c, &o.output)
	return c
}

// statusReport is what `cosell status` shows: each CRM connection's API budget as its change feed last
// saw it, and what waits on a budget.
type statusReport struct {
	// Pairings are the pairings shown: the worker's (COSELL_PAIRINGS_DIR or COSELL_PAIRING_FILE), or the
	// one named.
	Pairings    []string           `json:"pairings"`
	Connections []connectionStatus `json:"connections"`
	// Waiting lists the running deals of those pairings with a budget sync issue, among the Checked of
	// Running deals on the task queue.
	Waiting []waitingDeal `json:"waiting"`
	Checked int           `json:"checked"`
	Running int           `json:"running"`
	// Refused lists pairing files that could not be read.
	Refused []string `json:"refused,omitempty"`
}

type connectionStatus struct {
	Connection string `json:"connection"`
	CRM        string `json:"crm,omitempty"`
	// UsedBy names the partners and pairings that use the connection ("Acme in acme-globex").
	UsedBy []string `json:"usedBy,omitempty"`
	// Budget is the guard's snapshot at the end of the feed's last successful poll.
	Budget *budget.Snapshot `json:"budget,omitempty"`
	// Paused says the connection waits on its daily budget: the guard said so at the last poll, or the
	// feed's last poll was refused by it.
	Paused    bool      `json:"paused"`
	Polls     int       `json:"polls"`
	LastPoll  time.Time `json:"lastPoll,omitzero"`
	LastError string    `json:"lastError,omitempty"`
	// FeedError is set when the feed could not be queried.
	FeedError string `json:"feedError,omitempty"`
}

type waitingDeal struct {
	PairingID string       `json:"pairingId"`
	CoSellID  string       `json:"coSellId"`
	Side      pairing.Side `json:"side"`
	Since     time.Time    `json:"since"`
	Message   string       `json:"message"`
}

// runStatus prints each connection's budget and what waits on it. The budget figures are the last ones
// the worker's guard saw (the connection feeds record them at every poll), so the command spends no CRM
// call.
func runStatus(ctx context.Context, o statusOptions, out io.Writer) error {
	id := o.pairingID
	c, cfg, err := dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	pairings, refused, err := servedPairings(cfg.PairingsDir, cfg.PairingFile)
	if err != nil {
		return configError(err)
	}
	if id != "" {
		pairings = slices.DeleteFunc(pairings, func(p *pairing.Pairing) bool { return p.ID != id })
		if len(pairings) == 0 {
			return usageError("pairing %s is not among the worker's pairings (COSELL_PAIRINGS_DIR or COSELL_PAIRING_FILE)\n%s", id, statusUsage)
		}
	}
	if len(pairings) == 0 {
		return usageError("no pairing to show: set COSELL_PAIRINGS_DIR or COSELL_PAIRING_FILE as for the worker\n%s", statusUsage)
	}
	rep := statusReport{Refused: refused}
	ids := map[string]bool{}
	byName := map[string]*connectionStatus{}
	var names []string
	for _, p := range pairings {
		rep.Pairings = append(rep.Pairings, p.ID)
		ids[p.ID] = true
		for _, s := range []pairing.Side{pairing.A, pairing.B} {
			part := p.Partner(s)
			cs := byName[part.Connection]
			if cs == nil {
				cs = &connectionStatus{Connection: part.Connection, CRM: part.CRM}
				byName[part.Connection] = cs
				names = append(names, part.Connection)
			}
			cs.UsedBy = append(cs.UsedBy, part.Name+" in "+p.ID)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		cs := byName[name]
		feedOf(ctx, c, cfg.TaskQueue, cs)
		rep.Connections = append(rep.Connections, *cs)
	}
	if err := waitingDeals(ctx, c, cfg.TaskQueue, ids, o.maxDeals, &rep); err != nil {
		return err
	}
	return o.output.print(out, rep, func() { printStatus(out, rep) })
}

// servedPairings reads the pairings a worker with these settings serves: every *.yaml or *.yml file
// of dir (dot files skipped), or the one file. A file that does not load is listed in refused.
func servedPairings(dir, file string) (ps []*pairing.Pairing, refused []string, err error) {
	var paths []string
	switch {
	case dir != "":
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("COSELL_PAIRINGS_DIR: %w", err)
		}
		for _, e := range entries {
			n := e.Name()
			if !e.IsDir() && !strings.HasPrefix(n, ".") && (filepath.Ext(n) == ".yaml" || filepath.Ext(n) == ".yml") {
				paths = append(paths, filepath.Join(dir, n))
			}
		}
	case file != "":
		paths = []string{file}
	}
	for _, path := range paths {
		p, err := pairing.Load(path)
		if err != nil {
			refused = append(refused, path)
			continue
		}
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *pairing.Pairing) int { return strings.Compare(a.ID, b.ID) })
	return ps, refused, nil
}

// feedOf reads a connection's change feed for its budget.
func feedOf(ctx context.Context, c client.Client, taskQueue string, cs *connectionStatus) {
	res, err := c.QueryWorkflow(ctx, api.ConnectionFeedWorkflowID(taskQueue, cs.Connection), "", api.FeedQuery)
	var v api.FeedView
	if err == nil {
		err = res.Get(&v)
	}
	if err != nil {
		cs.FeedError = err.Error()
		return
	}
	st := v.State
	cs.Budget, cs.Polls, cs.LastPoll, cs.LastError = st.Budget, st.Polls, st.LastPoll, st.LastError
	if b := st.Budget; b != nil {
		cs.Paused = !b.PausedSince.IsZero()
	}
	if strings.Contains(st.LastError, budget.Marker) && strings.Contains(st.LastError, "daily") {
		cs.Paused = true
	}
}

// waitingDeals finds the running deals of the pairing that wait on a budget: it lists the task queue's
// running deal workflows (visibility) and asks each, at most maxDeals of them, for its sync issues.
func waitingDeals(ctx context.Context, c client.Client, taskQueue string, pairings map[string]bool, maxDeals int, rep *statusReport) error {
	ids, err := activities.RunningDeals(ctx, c, taskQueue)
	if err != nil {
		return err
	}
	rep.Running = len(ids)
	ids = ids[:min(len(ids), maxDeals)]
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, wid := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res, err := c.QueryWorkflow(ctx, wid, "", api.DealQuery)
			var v api.DealView
			if err == nil {
				err = res.Get(&v)
			}
			if err != nil {
				return // closed meanwhile, or busy: not checked
			}
			mu.Lock()
			defer mu.Unlock()
			if !pairings[v.PairingID] {
				return
			}
			rep.Checked++
			for _, is := range v.Issues {
				if is.Kind == vocab.IssueBudget {
					rep.Waiting = append(rep.Waiting, waitingDeal{PairingID: v.PairingID, CoSellID: v.CoSellID, Side: is.Side, Since: is.Since, Message: is.Message})
				}
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(rep.Waiting, func(a, b waitingDeal) int { return a.Since.Compare(b.Since) })
	return nil
}

func printStatus(out io.Writer, rep statusReport) {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(out, "Pairings: %s\n", strings.Join(rep.Pairings, ", "))
	for _, f := range rep.Refused {
		fmt.Fprintf(out, "  (not read: %s; see cosell mapping validate)\n", f)
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTION\tCRM\tDAILY BUDGET\tRATE WINDOW\tSTATE\tFIGURES AS OF")
	for _, cs := range rep.Connections {
		daily, short, asOf := "-", "-", "-"
		if b := cs.Budget; b != nil {
			daily, short, asOf = window(b.Daily), window(b.Short), ts(b.At)
		}
		state := "running"
		switch {
		case cs.FeedError != "":
			state = "feed not found"
		case cs.Budget == nil && cs.LastError == "":
			state = "no budget figures yet"
		case cs.Paused:
			state = "PAUSED on the daily budget"
			if b := cs.Budget; b != nil && !b.NextProbe.IsZero() {
				state += ", next look " + ts(b.NextProbe)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cs.Connection, orDash(cs.CRM), daily, short, state, asOf)
	}
	_ = tw.Flush()
	for _, cs := range rep.Connections {
		line := fmt.Sprintf("  %s (%s): feed %d polls, last %s", cs.Connection, strings.Join(cs.UsedBy, ", "), cs.Polls, ts(cs.LastPoll))
		if cs.FeedError != "" {
			line = fmt.Sprintf("  %s (%s): %s", cs.Connection, strings.Join(cs.UsedBy, ", "), cs.FeedError)
		} else if cs.LastError != "" {
			line += "; last error: " + cs.LastError
		}
		fmt.Fprintln(out, line)
	}
	fmt.Fprintf(out, "\nWaiting on an API budget: %d deals (%d of %d running deals checked)\n", len(rep.Waiting), rep.Checked, rep.Running)
	for _, w := range rep.Waiting {
		fmt.Fprintf(out, "  %s  %s side %s  since %s: %s\n", w.CoSellID, w.PairingID, w.Side, ts(w.Since), w.Message)
	}
}

// window renders one budget window: "47/100 used, 50% share: line 50 (work pauses at 47), 3 refused".
func window(w *budget.WindowState) string {
	if w == nil {
		return "-"
	}
	per := ""
	if w.Interval > 0 {
		per = " per " + w.Interval.String()
	}
	s := fmt.Sprintf("%d/%d%s used, %s share: line %d", w.Used, w.Limit, per, w.Share, w.Line)
	if w.Stop > 0 {
		s += fmt.Sprintf(" (work pauses at %d)", w.Stop)
	}
	if w.Refused > 0 {
		s += fmt.Sprintf(", %d refused", w.Refused)
	}
	return s
}
