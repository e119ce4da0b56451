package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// A preview runs a remap (remap.go) in a copy of a deal's engine, against readings of both parties
// taken under the new mapping, and answers the engine's commands itself instead of calling the CRMs:
// each read with the party's reading, each write as acknowledged with what it sent. Its Writes are the
// commands the deal's own engine issues when the remap is applied to it with the same state and the
// same records (the engine is a pure function of them), so what `cosell mapping preview` shows is what
// `cosell mapping apply` writes, unless someone edits a record or the deal changes in between.

// PreviewWrite is one write the remap would issue, with why each field is written.
type PreviewWrite struct {
	Side     vocab.Side    `json:"side"`
	RecordID string        `json:"recordId,omitempty"`
	Create   bool          `json:"create,omitempty"`
	Changes  []FieldChange `json:"changes"`
}

// PreviewNote is a note the round would mirror (not a consequence of the mapping: the deal had it
// waiting).
type PreviewNote struct {
	Side   vocab.Side `json:"side"`
	Key    string     `json:"key"`
	Source vocab.Side `json:"source"`
}

// Preview is what a remap of one deal would do.
type Preview struct {
	Writes []PreviewWrite `json:"writes"`
	Notes  []PreviewNote  `json:"notes,omitempty"`
	// Stamps are the parties whose co-sell id would be written again.
	Stamps []vocab.Side `json:"stamps,omitempty"`
	// Rebased are, per party, the fields read again in the new mapping's terms.
	Rebased map[vocab.Side][]RebasedField `json:"rebased,omitempty"`
	// Changed lists the parties whose record changed since the deal's last look: their differences
	// are read as edits.
	Changed []vocab.Side `json:"changed,omitempty"`
	// Conflicts are the conflicts the round would log; Issues the sync issues open after it.
	Conflicts []Conflict  `json:"conflicts,omitempty"`
	Issues    []SyncIssue `json:"issues,omitempty"`
	// Unfinished is set when the round did not settle within the preview's step bound.
	Unfinished bool `json:"unfinished,omitempty"`
	// WaitsUntil is set when the deal waits out a retry backoff: the remap's reads and writes come
	// after it (the preview shows them as they will be decided then, on today's records).
	WaitsUntil time.Time `json:"waitsUntil,omitzero"`
}

// previewSteps bounds a preview: a remap round is a read per party and a write or two.
const previewSteps = 200

// PreviewRemap runs a remap of the deal in state st under policy pol (the new mapping's) in a copy of
// the engine, answering its reads with readings (by party; a party missing from it is read as having
// no record), and reports what it would write. st is not changed.
func PreviewRemap(pol Policy, st State, now time.Time, readings map[vocab.Side]Reading) (Preview, error) {
	raw, err := json.Marshal(st)
	if err != nil {
		return Preview{}, fmt.Errorf("copy the deal's state: %w", err)
	}
	var cp State
	if err := json.Unmarshal(raw, &cp); err != nil {
		return Preview{}, fmt.Errorf("copy the deal's state: %w", err)
	}
	var out Preview
	e := New(pol, &cp)
	e.Remap()
	if now.Before(cp.RetryAt) {
		out.WaitsUntil = cp.RetryAt
		now = cp.RetryAt // decide as the deal will, once its backoff is over
	}
	for i := 0; ; i++ {
		if i == previewSteps {
			out.Unfinished = true
			break
		}
		step := e.Next(now)
		if step.Kind != Run {
			break
		}
		cmd := step.Command
		res := Result{Seq: cmd.Seq}
		switch cmd.Kind {
		case Read:
			r, ok := readings[cmd.Side]
			if !ok {
				r = Reading{Side: cmd.Side}
			}
			res.Reading = &r
		case Write:
			out.Writes = append(out.Writes, PreviewWrite{Side: cmd.Side, RecordID: cmd.RecordID, Create: cmd.Write.Create, Changes: e.Explain(cmd)})
			rec := cmd.RecordID
			if cmd.Write.Create {
				rec = "preview:" + string(cmd.Side)
			}
			at := now
			if r, ok := readings[cmd.Side]; ok && r.ModifiedAt.After(at) {
				at = r.ModifiedAt
			}
			res.Written = &Written{RecordID: rec, ModifiedAt: at}
		case Stamp:
			out.Stamps = append(out.Stamps, cmd.Side)
		case MirrorNote:
			out.Notes = append(out.Notes, PreviewNote{Side: cmd.Side, Key: cmd.Note.Key, Source: cmd.Note.Source})
		case CheckPilot:
			res.Pilot = &PilotStatus{}
		}
		e.Done(now, res)
	}
	for _, s := range pol.sides() {
		if rb := e.Rebased(s); len(rb) > 0 {
			if out.Rebased == nil {
				out.Rebased = map[vocab.Side][]RebasedField{}
			}
			out.Rebased[s] = slices.Clone(rb)
		}
		if e.Changed(s) {
			out.Changed = append(out.Changed, s)
		}
	}
	for _, c := range cp.Conflicts {
		if !c.At.Before(now) { // logged by the preview's round (it runs at now, after all the deal did)
			out.Conflicts = append(out.Conflicts, c)
		}
	}
	out.Issues = slices.Clone(cp.Issues)
	return out, nil
}
