package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// mappingPreviewOptions are the argument and flags of cosell mapping preview (and apply).
type mappingPreviewOptions struct {
	file     string
	deal     string
	maxDeals int
	output   outputFormat
}

const mappingPreviewLong = `For the running co-sold deals of the pairing FILE defines (or the one --deal names), show what each
side would receive if the deals re-synced under FILE's mapping: per write, the record, and per field the
CRM field, its value now → the value written, and why: which side's value it is, the field's direction
and conflict policy, the value map entry that gives the CRM value, and whether the write re-syncs the
mapping change (the record reads differently under FILE, though nobody edited it) or an edit the deal has
not synced yet.

It writes nothing to any CRM. It reads each deal's state from its workflow (Temporal, with the worker's
TEMPORAL_* settings and COSELL_TASK_QUEUE) and both CRMs' records, with the worker's connection settings
(COSELL_CONN_<CONNECTION>_*), translated with FILE, and runs the deal engine's remap in a copy of the
deal: the same decisions ` + "`cosell mapping apply`" + ` makes the deal itself take, so apply writes what this shows
unless a record or the deal changes in between.

A record changed since the deal's last look is marked CHANGED: its differences are read as that side's
edits, as the sync would (a CRM stamps a record, not a field, so an edit cannot be told from a mapping
difference there).`

func newMappingPreviewCmd() *cobra.Command {
	var o mappingPreviewOptions
	c := &cobra.Command{
		Use:   "preview FILE",
		Short: "Dry run: what each side of the running deals would receive under a pairing file's mapping",
		Long: mappingPreviewLong + `

Exit codes: 0 the preview ran (with or without writes to show); 1 a CRM or workflow call failed;
2 a pairing file with problems, missing credentials, or a bad command line; 3 Temporal unreachable.`,
		Example: `  cosell mapping preview pairings/acme-globex.yaml
  cosell mapping preview pairings/acme-globex.yaml --deal CS-1A2B3C4D5E6F7G8H --output json`,
		Args: exactArgs("FILE"),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.file = args[0]
			p, err := newMappingPreviewer(c.Context(), o.file)
			if err != nil {
				return err
			}
			defer p.close()
			rep, err := p.preview(c.Context(), o)
			if err != nil {
				return err
			}
			return o.output.print(c.OutOrStdout(), rep, func() { printMappingPreview(c.OutOrStdout(), rep) })
		},
	}
	addPreviewFlags(c, &o)
	return c
}

func addPreviewFlags(c *cobra.Command, o *mappingPreviewOptions) {
	c.Flags().StringVar(&o.deal, "deal", "", "only this deal (its co-sell id)")
	c.Flags().IntVar(&o.maxDeals, "deals", 1000, "look at most at this many running deals")
	addOutputFlag(c, &o.output)
}

// mappingPreview is what mapping preview prints.
type mappingPreview struct {
	Pairing string `json:"pairing"`
	File    string `json:"file"`
	// Mapping is FILE's mapping version; a deal that synced with it records the same.
	Mapping string        `json:"mapping"`
	Deals   []dealPreview `json:"deals"`
	// Writes counts the writes of every deal; Running the task queue's running deals, Checked those
	// looked at (at most --deals).
	Writes  int `json:"writes"`
	Checked int `json:"checked"`
	Running int `json:"running"`
}

// dealPreview is one deal's remap.
type dealPreview struct {
	CoSellID string `json:"coSellId"`
	// Synced is the mapping version the deal last synced with.
	Synced string         `json:"synced,omitempty"`
	Writes []previewWrite `json:"writes"`
	// Changed are the sides whose record changed since the deal's last look.
	Changed   []vocab.Side       `json:"changed,omitempty"`
	Rebased   []previewRebase    `json:"rebased,omitempty"`
	Notes     int                `json:"notes,omitempty"`
	Stamps    []vocab.Side       `json:"stamps,omitempty"`
	Conflicts []engine.Conflict  `json:"conflicts,omitempty"`
	Issues    []engine.SyncIssue `json:"issues,omitempty"`
	// WaitsUntil is when the deal's retry backoff ends: its remap runs then.
	WaitsUntil time.Time `json:"waitsUntil,omitzero"`
	// Error is why the deal could not be previewed.
	Error string `json:"error,omitempty"`
}

// previewWrite is one write to one side's record.
type previewWrite struct {
	Side     vocab.Side     `json:"side"`
	Partner  string         `json:"partner"`
	CRM      string         `json:"crm"`
	RecordID string         `json:"recordId,omitempty"`
	Create   bool           `json:"create,omitempty"`
	Fields   []previewField `json:"fields"`
}

// previewField is one field of a write: canonical and CRM values, and why.
type previewField struct {
	Field    string `json:"field"`
	CRMField string `json:"crmField,omitempty"`
	// Old and New are the CRM's values (New as the write sends it); OldCanonical and NewCanonical the
	// canonical ones the deal compares.
	Old          string          `json:"old"`
	New          string          `json:"new"`
	OldCanonical string          `json:"oldCanonical,omitempty"`
	NewCanonical string          `json:"newCanonical"`
	From         vocab.Side      `json:"from,omitempty"`
	Direction    vocab.Direction `json:"direction,omitempty"`
	Policy       vocab.Policy    `json:"policy,omitempty"`
	// ValueMap is the value map entry that gives New, for a picklist.
	ValueMap string `json:"valueMap,omitempty"`
	Remapped bool   `json:"remapped,omitempty"`
	Why      string `json:"why"`
}

// previewRebase is a field a side's record reads differently under FILE, with no edit.
type previewRebase struct {
	Side  vocab.Side `json:"side"`
	Field string     `json:"field"`
	Old   string     `json:"old"`
	New   string     `json:"new"`
}

// mappingPreviewer holds what a preview reads with: Temporal, FILE's pairing, and activities over
// connectors of both sides that serve FILE (the worker's own read and policy code, so the preview
// reads and decides as the deals do).
type mappingPreviewer struct {
	c         client.Client
	taskQueue string
	p         *pairing.Pairing
	acts      *activities.Activities
	crm       map[vocab.Side]connectors.CRM
	pol       engine.Policy
}

func newMappingPreviewer(ctx context.Context, file string) (*mappingPreviewer, error) {
	p, err := pairing.Load(file)
	if err != nil {
		return nil, configError(err)
	}
	c, cfg, err := dialTemporal(ctx)
	if err != nil {
		return nil, err
	}
	mp := &mappingPreviewer{c: c, taskQueue: cfg.TaskQueue, p: p, crm: map[vocab.Side]connectors.CRM{}}
	env := envconfig.OsLookuper()
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		crm, err := connectCRM(ctx, env, p, s)
		if err != nil {
			c.Close()
			return nil, err
		}
		mp.crm[s] = crm
	}
	mp.acts = &activities.Activities{SLAScale: cfg.SLATimeScale,
		Pairings: map[string]*activities.Connection{p.ID: {Pairing: p, CRM: mp.crm}}}
	if mp.pol, err = mp.acts.LoadPolicy(ctx, activities.PolicyInput{PairingID: p.ID}); err != nil {
		c.Close()
		return nil, err
	}
	return mp, nil
}

func (mp *mappingPreviewer) close() { mp.c.Close() }

// preview runs the remap of every running deal of the pairing (or the one named) in a copy.
func (mp *mappingPreviewer) preview(ctx context.Context, o mappingPreviewOptions) (mappingPreview, error) {
	rep := mappingPreview{Pairing: mp.p.ID, File: o.file, Mapping: mp.p.MappingVersion(), Deals: []dealPreview{}}
	var ids []string
	if o.deal != "" {
		ids, rep.Running = []string{api.DealWorkflowID(o.deal)}, 1
	} else {
		var err error
		if ids, err = activities.RunningDeals(ctx, mp.c, mp.taskQueue); err != nil {
			return rep, err
		}
		rep.Running, ids = len(ids), ids[:min(len(ids), o.maxDeals)]
	}
	for _, wid := range ids {
		st, err := mp.dealState(ctx, wid)
		if err != nil {
			if o.deal != "" {
				return rep, err
			}
			continue // closed meanwhile, or busy: not checked
		}
		if st.PairingID != mp.p.ID {
			if o.deal != "" {
				return rep, usageError("deal %s is a deal of pairing %s, not of %s (%s)", o.deal, st.PairingID, mp.p.ID, o.file)
			}
			continue
		}
		rep.Checked++
		dp := mp.previewDeal(ctx, st)
		rep.Writes += len(dp.Writes)
		rep.Deals = append(rep.Deals, dp)
	}
	slices.SortFunc(rep.Deals, func(a, b dealPreview) int { return strings.Compare(a.CoSellID, b.CoSellID) })
	return rep, nil
}

// dealState reads a deal's engine state from its workflow.
func (mp *mappingPreviewer) dealState(ctx context.Context, workflowID string) (engine.State, error) {
	res, err := mp.c.QueryWorkflow(ctx, workflowID, "", api.DealStateQuery)
	var st engine.State
	if err == nil {
		err = res.Get(&st)
	}
	if err != nil {
		return st, fmt.Errorf("deal %s: %w", strings.TrimPrefix(workflowID, "cosell-deal/"), err)
	}
	return st, nil
}

// readings reads each linked side's record as the deal's ReadDeal would, translated with FILE.
func (mp *mappingPreviewer) readings(ctx context.Context, st engine.State) (map[vocab.Side]engine.Reading, error) {
	out := map[vocab.Side]engine.Reading{}
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		party := st.Parties[s]
		if party == nil || party.Unlinked {
			continue
		}
		r, err := mp.acts.ReadDeal(ctx, activities.ReadDealInput{PairingID: mp.p.ID, Side: s, RecordID: party.RecordID, CoSellID: st.CoSellID})
		if err != nil {
			return nil, fmt.Errorf("read side %s: %w", s, err)
		}
		out[s] = r
	}
	return out, nil
}

func (mp *mappingPreviewer) previewDeal(ctx context.Context, st engine.State) dealPreview {
	dp := dealPreview{CoSellID: st.CoSellID, Synced: st.Mapping, Writes: []previewWrite{}}
	readings, err := mp.readings(ctx, st)
	if err != nil {
		dp.Error = err.Error()
		return dp
	}
	pv, err := engine.PreviewRemap(mp.pol, st, time.Now().UTC(), readings)
	if err != nil {
		dp.Error = err.Error()
		return dp
	}
	for _, w := range pv.Writes {
		pw := previewWrite{Side: w.Side, Partner: mp.p.Partner(w.Side).Name, CRM: mp.p.Partner(w.Side).CRM, RecordID: w.RecordID, Create: w.Create}
		for _, ch := range w.Changes {
			pw.Fields = append(pw.Fields, mp.field(w.Side, ch))
		}
		dp.Writes = append(dp.Writes, pw)
	}
	dp.Changed, dp.Stamps, dp.Notes, dp.Conflicts, dp.Issues = pv.Changed, pv.Stamps, len(pv.Notes), pv.Conflicts, pv.Issues
	dp.WaitsUntil = pv.WaitsUntil
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		for _, rb := range pv.Rebased[s] {
			dp.Rebased = append(dp.Rebased, previewRebase{Side: s, Field: rb.Field, Old: engine.Display(rb.Old), New: engine.Display(rb.New)})
		}
	}
	return dp
}

// field renders one field of a write in the CRM's terms, with the value map entry that gives it.
func (mp *mappingPreviewer) field(s vocab.Side, ch engine.FieldChange) previewField {
	pf := previewField{Field: ch.Field, NewCanonical: ch.New, From: ch.From, Direction: ch.Direction, Policy: ch.Policy,
		Remapped: ch.Remapped, Why: ch.Why}
	if ch.HasOld {
		pf.OldCanonical = engine.Display(ch.Old)
	}
	f, mapped := mp.p.Field(ch.Field)
	switch {
	case ch.Field == engine.FlagField:
		pf.Field, pf.CRMField = "co-sell flag", mp.p.DealFields(s).Enabled
		pf.Old, pf.New = pf.OldCanonical, ch.New
		return pf
	case !mapped:
		pf.Old, pf.New = pf.OldCanonical, ch.New
		return pf
	}
	pf.CRMField = f.On(s)
	pf.New = crmValue(mp.p, s, f, ch.New)
	if ch.HasOld {
		pf.Old = crmValue(mp.p, s, f, ch.Old)
	}
	for _, v := range f.Values {
		if v.Canonical == ch.New {
			pf.ValueMap = fmt.Sprintf("%s: a %q ↔ b %q", v.Canonical, v.A, v.B)
		}
	}
	return pf
}

// crmValue renders a canonical value as side s's CRM holds it under the pairing (a value outside the
// value map as the CRM holds it).
func crmValue(p *pairing.Pairing, s vocab.Side, f pairing.Field, v string) string {
	if raw, ok := strings.CutSuffix(engine.Display(v), " (unmapped)"); ok {
		return raw
	}
	raw, _ := p.FromCanonical(s, map[string]string{f.Name: v})
	if x, ok := raw[f.On(s)]; ok && x != nil {
		return fmt.Sprint(x)
	}
	return v
}

func printMappingPreview(out io.Writer, rep mappingPreview) {
	fmt.Fprintf(out, "Pairing %s, mapping %s (%s): %d deal(s) of %d running looked at, %d write(s)\n",
		rep.Pairing, rep.Mapping, rep.File, rep.Checked, rep.Running, rep.Writes)
	for _, d := range rep.Deals {
		synced := "never recorded"
		switch {
		case d.Synced == rep.Mapping:
			synced = "this mapping"
		case d.Synced != "":
			synced = d.Synced
		}
		fmt.Fprintf(out, "\nDeal %s (last synced with: %s)\n", d.CoSellID, synced)
		if d.Error != "" {
			fmt.Fprintf(out, "  not previewed: %s\n", d.Error)
			continue
		}
		if !d.WaitsUntil.IsZero() {
			fmt.Fprintf(out, "  the deal waits out a retry backoff until %s; what follows runs then\n", d.WaitsUntil.UTC().Format(time.RFC3339))
		}
		for _, s := range d.Changed {
			fmt.Fprintf(out, "  CHANGED: side %s's record changed since the deal's last look; its differences are that side's edits\n", s)
		}
		for _, rb := range d.Rebased {
			fmt.Fprintf(out, "  side %s's %s reads %s under this mapping (was %s): no edit\n", rb.Side, rb.Field, rb.New, rb.Old)
		}
		if len(d.Writes) == 0 {
			fmt.Fprintln(out, "  nothing to write")
		}
		for _, w := range d.Writes {
			what := "record " + w.RecordID
			if w.Create {
				what = "a new mirror"
			}
			fmt.Fprintf(out, "  → side %s (%s, %s), %s:\n", w.Side, w.Partner, w.CRM, what)
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "    FIELD\tCRM FIELD\tNOW → WRITTEN\tVALUE MAP\tWHY")
			for _, f := range w.Fields {
				old := f.Old
				if old == "" {
					old = "(none)"
				}
				fmt.Fprintf(tw, "    %s\t%s\t%s → %s\t%s\t%s\n", f.Field, orDash(f.CRMField), old, f.New, orDash(f.ValueMap), f.Why)
			}
			_ = tw.Flush()
		}
		if d.Notes > 0 || len(d.Stamps) > 0 {
			fmt.Fprintf(out, "  also waiting, whatever the mapping: %d note(s) to mirror, co-sell id stamps on %v\n", d.Notes, d.Stamps)
		}
		for _, c := range d.Conflicts {
			fmt.Fprintf(out, "  conflict: %s a=%q b=%q → %s wins (%s)\n", c.Field, c.ValueA, c.ValueB, c.Winner, c.Details)
		}
	}
}
