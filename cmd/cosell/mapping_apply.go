package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/vocab"
)

// mappingApplyOptions are the argument and flags of cosell mapping apply.
type mappingApplyOptions struct {
	mappingPreviewOptions
	yes  bool
	wait time.Duration
}

func newMappingApplyCmd() *cobra.Command {
	var o mappingApplyOptions
	c := &cobra.Command{
		Use:   "apply FILE --yes",
		Short: "Re-sync the running deals' records to a pairing file's mapping, through their workflows (previewed first)",
		Long: `Make an edited mapping retroactive for the running deals of its pairing (or the one --deal names).
It first prints the preview (` + "`cosell mapping preview`" + `); without --yes it stops there and applies
nothing. With --yes it asks each deal that has something to re-sync, or has not synced with FILE's
mapping yet, to remap (the deal's remap update): the deal loads its pairing's policy as the worker
serves it, refuses when that is not FILE's mapping (put FILE in the worker's pairings first, and wait
for its reload), then reads both records, takes what reads differently under the mapping on an
unchanged record as no edit, and writes through its ordinary write path what the records no longer
hold in the mapping's terms. The CLI waits for each deal's round (--wait), reads both CRMs again and
reports, per previewed field, whether the record now holds the previewed value.

Exit codes: 0 every deal remapped and every previewed value landed (or nothing applied without
--yes); 1 a deal refused or did not finish within --wait, or a record holds another value than
previewed; 2 a pairing file with problems, missing credentials, or a bad command line; 3 Temporal
unreachable.`,
		Example: `  cosell mapping apply pairings/acme-globex.yaml            # the preview only
  cosell mapping apply pairings/acme-globex.yaml --yes
  cosell mapping apply pairings/acme-globex.yaml --deal CS-1A2B3C4D5E6F7G8H --yes --output json`,
		Args: exactArgs("FILE"),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.file = args[0]
			return runMappingApply(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	addPreviewFlags(c, &o.mappingPreviewOptions)
	c.Flags().BoolVar(&o.yes, "yes", false, "apply: without it the command only previews")
	c.Flags().DurationVar(&o.wait, "wait", 2*time.Minute, "how long to wait for each deal's remap round")
	return c
}

// mappingApply is what mapping apply prints.
type mappingApply struct {
	Preview mappingPreview `json:"preview"`
	// Applied is false when --yes was not given.
	Applied bool          `json:"applied"`
	Deals   []dealApplied `json:"deals"`
	// Landed counts the previewed fields the records now hold; Missed those they do not.
	Landed int `json:"landed"`
	Missed int `json:"missed"`
}

// dealApplied is what became of one deal's remap.
type dealApplied struct {
	CoSellID string `json:"coSellId"`
	// Mapping is the mapping version the deal synced with after the remap.
	Mapping string         `json:"mapping,omitempty"`
	Fields  []fieldApplied `json:"fields"`
	Error   string         `json:"error,omitempty"`
}

// fieldApplied is one previewed field and what its record holds after the remap.
type fieldApplied struct {
	Side   vocab.Side `json:"side"`
	Field  string     `json:"field"`
	Wanted string     `json:"wanted"`
	Holds  string     `json:"holds"`
	Landed bool       `json:"landed"`
}

func runMappingApply(ctx context.Context, o mappingApplyOptions, out, errOut io.Writer) error {
	mp, err := newMappingPreviewer(ctx, o.file)
	if err != nil {
		return err
	}
	defer mp.close()
	pv, err := mp.preview(ctx, o.mappingPreviewOptions)
	if err != nil {
		return err
	}
	res := mappingApply{Preview: pv, Deals: []dealApplied{}}
	if !o.yes {
		err := o.output.print(out, res, func() { printMappingPreview(out, pv) })
		fmt.Fprintln(errOut, "\nNothing applied: run again with --yes to apply.")
		return err
	}
	res.Applied = true
	for _, d := range pv.Deals {
		if d.Error != "" || (len(d.Writes) == 0 && len(d.Rebased) == 0 && d.Synced == pv.Mapping) {
			continue // not previewed, or nothing to re-sync on a deal already on the mapping
		}
		da := mp.apply(ctx, d, pv.Mapping, o.wait)
		for _, f := range da.Fields {
			if f.Landed {
				res.Landed++
			} else {
				res.Missed++
			}
		}
		res.Deals = append(res.Deals, da)
	}
	if err := o.output.print(out, res, func() { printMappingApply(out, res) }); err != nil {
		return err
	}
	for _, d := range res.Deals {
		if d.Error != "" || res.Missed > 0 {
			return errors.New("the remap did not do all the preview said (see above)")
		}
	}
	return nil
}

// apply asks one deal to remap, waits for its round, and checks each previewed field on the records.
func (mp *mappingPreviewer) apply(ctx context.Context, d dealPreview, mapping string, wait time.Duration) dealApplied {
	da := dealApplied{CoSellID: d.CoSellID, Fields: []fieldApplied{}}
	var r api.RemapResult
	if err := update(ctx, mp.c, d.CoSellID, api.RemapUpdate, api.RemapInput{Mapping: mapping, Via: "cli"}, &r); err != nil {
		da.Error = err.Error()
		return da
	}
	deadline := time.Now().Add(wait)
	for {
		v, err := dealView(ctx, mp.c, d.CoSellID)
		if err == nil && !v.Remapping && v.Mapping == mapping && v.LastSyncAt.After(r.At) {
			da.Mapping = v.Mapping
			break
		}
		if time.Now().After(deadline) {
			da.Error = fmt.Sprintf("the deal did not finish its remap round within %s", wait)
			if err != nil {
				da.Error += ": " + err.Error()
			}
			return da
		}
		select {
		case <-ctx.Done():
			da.Error = ctx.Err().Error()
			return da
		case <-time.After(250 * time.Millisecond):
		}
	}
	st, err := mp.dealState(ctx, api.DealWorkflowID(d.CoSellID))
	if err != nil {
		da.Error = err.Error()
		return da
	}
	readings, err := mp.readings(ctx, st)
	if err != nil {
		da.Error = err.Error()
		return da
	}
	for _, w := range d.Writes {
		for _, f := range w.Fields {
			if f.CRMField == "" || f.Field == "co-sell flag" {
				continue
			}
			holds := readings[w.Side].Values[f.Field]
			da.Fields = append(da.Fields, fieldApplied{Side: w.Side, Field: f.Field, Wanted: f.NewCanonical, Holds: holds, Landed: holds == f.NewCanonical})
		}
	}
	return da
}

func printMappingApply(out io.Writer, res mappingApply) {
	printMappingPreview(out, res.Preview)
	fmt.Fprintf(out, "\nApplied to %d deal(s): %d previewed field(s) landed, %d did not\n", len(res.Deals), res.Landed, res.Missed)
	for _, d := range res.Deals {
		if d.Error != "" {
			fmt.Fprintf(out, "  %s: NOT APPLIED: %s\n", d.CoSellID, d.Error)
			continue
		}
		fmt.Fprintf(out, "  %s: synced with mapping %s\n", d.CoSellID, d.Mapping)
		for _, f := range d.Fields {
			state := "landed"
			if !f.Landed {
				state = fmt.Sprintf("DIFFERS: the record holds %q", f.Holds)
			}
			fmt.Fprintf(out, "    side %s %s = %s: %s\n", f.Side, f.Field, f.Wanted, state)
		}
	}
}
