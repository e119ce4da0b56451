package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/vocab"
)

// Disputes (issue #9, item 6). A partner disputes the attribution of a won deal with a reason; an
// approver (the pairing's pilot approvers) settles it: upheld with a corrected split, which replaces
// the split in force, or rejected. The rules of that are attribution.Record's (one open dispute at a
// time, a corrected split that sums to the pool, the disputer never settles it); the engine keeps the
// disputes beside the attribution as the deal's audit trail, writes the split in force and the
// dispute's status to the attribution field of both CRMs, a note on both for each dispute and each
// resolution (keyed, once), and reports the record to the pilot, whose dispute rate and attributable
// revenue are computed from it.

// Record is the deal's attribution and its disputes; ok is false before the deal is attributed.
func (e *Engine) Record() (attribution.Record, bool) {
	cs := e.st.CoSell
	if cs == nil || cs.Attribution == nil {
		return attribution.Record{}, false
	}
	return attribution.Record{Result: *cs.Attribution, Disputes: slices.Clone(cs.Disputes)}, true
}

// CheckDispute says whether a dispute would be recorded, recording nothing.
func (e *Engine) CheckDispute(d attribution.Dispute) error {
	r, ok := e.Record()
	if !ok {
		return e.notAttributed()
	}
	_, err := r.Dispute(d)
	return err
}

// Dispute records a partner's dispute of the attribution.
func (e *Engine) Dispute(now time.Time, d attribution.Dispute) (attribution.Record, error) {
	r, ok := e.Record()
	if !ok {
		return attribution.Record{}, e.notAttributed()
	}
	r, err := r.Dispute(d)
	if err != nil {
		return attribution.Record{}, err
	}
	e.st.CoSell.Disputes = r.Disputes
	e.log("info", "attribution disputed", "side", string(d.Partner), "by", d.By)
	e.report(now, pilot.Dispute, d.Partner)
	e.recordChanged(now)
	return r, nil
}

// CheckResolution says whether a resolution would be recorded, recording nothing.
func (e *Engine) CheckResolution(res attribution.Resolution) error {
	r, ok := e.Record()
	if !ok {
		return e.notAttributed()
	}
	_, err := r.Resolve(res, e.approvers())
	return err
}

// ResolveDispute settles the open dispute.
func (e *Engine) ResolveDispute(now time.Time, res attribution.Resolution) (attribution.Record, error) {
	r, ok := e.Record()
	if !ok {
		return attribution.Record{}, e.notAttributed()
	}
	r, err := r.Resolve(res, e.approvers())
	if err != nil {
		return attribution.Record{}, err
	}
	e.st.CoSell.Disputes = r.Disputes
	e.log("info", "attribution dispute resolved", "verdict", string(res.Verdict), "approver", res.Approver)
	e.recordChanged(now)
	return r, nil
}

func (e *Engine) approvers() []string {
	if e.pol.CoSell == nil {
		return nil
	}
	return e.pol.CoSell.Approvers
}

func (e *Engine) notAttributed() error {
	if e.st.CoSell == nil {
		return ErrNoCoSell
	}
	return errors.New("the deal is not attributed: only a won deal's attribution can be disputed")
}

// recordChanged writes the split in force to the attribution field and reports the record to the
// pilot; the notes follow from planDisputeNote.
func (e *Engine) recordChanged(now time.Time) {
	r, _ := e.Record()
	e.want(now, vocab.FieldCoSellAttribution, RecordSummary(r, e.pol.Name))
	if e.pol.Pilot {
		e.effects = append(e.effects, Effect{Attribution: &r})
	}
}

// RecordSummary is the attribution field's value for a record: the split in force, and the status of
// its last dispute.
func RecordSummary(r attribution.Record, name func(vocab.Side) string) string {
	res := r.Result
	res.Parts = r.Parts()
	s := AttributionSummary(res, name)
	if n := len(r.Disputes); n > 0 {
		d := r.Disputes[n-1]
		switch {
		case d.Resolution == nil:
			s += fmt.Sprintf(" — disputed by %s, open", name(d.Partner))
		case d.Resolution.Verdict == attribution.Upheld:
			s += fmt.Sprintf(" — dispute by %s upheld (corrected split)", name(d.Partner))
		default:
			s += fmt.Sprintf(" — dispute by %s rejected", name(d.Partner))
		}
	}
	return s
}

// DisputeNoteKey is the idempotency key of the note on party s about dispute i (0-based) being opened
// (resolved false) or resolved.
func DisputeNoteKey(coSellID string, s vocab.Side, i int, resolved bool) string {
	state := "open"
	if resolved {
		state = "resolved"
	}
	return NoteKey(coSellID, s, fmt.Sprintf("@dispute/%d/%s", i, state))
}

// planDisputeNote plans the next dispute note a linked party lacks: for each dispute, one when it was
// opened and one when it was resolved. The body is the record as it stood then (the calculation and
// the disputes up to that one), regenerated from the state each time, never carried.
func (e *Engine) planDisputeNote() (Command, bool) {
	cs := e.st.CoSell
	if cs == nil || cs.Attribution == nil {
		return Command{}, false
	}
	for i, d := range cs.Disputes {
		for _, resolved := range []bool{false, true} {
			if resolved && d.Resolution == nil {
				continue
			}
			for _, s := range e.pol.sides() {
				p := e.party(s)
				key := DisputeNoteKey(e.st.CoSellID, s, i, resolved)
				if p.RecordID == "" || p.Unlinked || slices.Contains(cs.DisputeNotes, key) {
					continue
				}
				then := attribution.Record{Result: *cs.Attribution, Disputes: slices.Clone(cs.Disputes[:i+1])}
				subject, at := "Co-sell attribution disputed", d.At
				if resolved {
					subject, at = "Co-sell attribution dispute "+string(d.Resolution.Verdict), d.Resolution.At
				} else {
					then.Disputes[i].Resolution = nil
				}
				body := strings.Join(then.Lines(), "\n")
				return Command{Kind: MirrorNote, Side: s, Note: &NoteCmd{
					Key: key, Subject: subject, Prefix: "[CoSell Sync]", Body: body, CreatedAt: at,
				}}, true
			}
		}
	}
	return Command{}, false
}

// disputeNoteDone records that a dispute note reached (or was refused by) its party.
func (e *Engine) disputeNoteDone(key string) {
	cs := e.st.CoSell
	if cs == nil || slices.Contains(cs.DisputeNotes, key) {
		return
	}
	for i := range cs.Disputes {
		for _, s := range e.pol.sides() {
			if key == DisputeNoteKey(e.st.CoSellID, s, i, false) || key == DisputeNoteKey(e.st.CoSellID, s, i, true) {
				cs.DisputeNotes = append(cs.DisputeNotes, key)
				return
			}
		}
	}
}

// disputeFromField opens a dispute from the dispute field (vocab.FieldDispute) when a partner typed a
// new reason in it on a won, attributed deal: the side whose edit it was disputes, its deal owner as
// the person. A reason the rules refuse (another dispute open, too many) is shown as a sync issue.
func (e *Engine) disputeFromField(now time.Time) {
	cs := e.st.CoSell
	w := e.st.Fields[vocab.FieldDispute]
	if cs.Attribution == nil || w == nil || w.From == "" {
		return
	}
	reason := strings.TrimSpace(w.Value)
	if reason == "" || reason == cs.DisputeField {
		return
	}
	cs.DisputeField = reason
	by := ""
	if p := e.party(w.From); p != nil {
		by = p.Owner.Email
	}
	if _, err := e.Dispute(now, attribution.Dispute{Partner: w.From, By: by, Reason: reason, At: now}); err != nil {
		e.setIssue(now, w.From, vocab.FieldDispute, vocab.IssueAttribution, "the dispute in the CRM field is not recorded: "+err.Error())
		return
	}
	e.clearIssue(w.From, vocab.FieldDispute, vocab.IssueAttribution)
}
