package engine

import (
	"fmt"
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// A mapping edit (a value map entry changed, a field mapped to another CRM field) changes what a
// party's record reads as without anyone editing it: under the new mapping, a HubSpot stage that stood
// for canonical "negotiation" may read as a value outside the map, or as another canonical value. Read
// as usual, that difference would be the party's edit, and flow to the others. A remap (the admin's
// `cosell mapping apply`) makes the engine read every linked party again, and for a record unchanged
// since the engine's last look (its CRM stamp did not move) take the new reading as the mapping's,
// not the party's:
//   - the party's cells take the new reading (a rebase), logged, with no edit and no conflict;
//   - the field's wanted value stays while the new mapping can still write it: a party whose record no
//     longer stands for it then needs a write, which carries the value in the new mapping's terms (this
//     is how an edited value map reaches existing deals: the mapping is made retroactive);
//   - a wanted value the new mapping no longer has (removed from the value map, or outside it) is
//     replaced by the new reading of a party whose record stood for it, when that reading is one the
//     mapping can write (the first such party in the pairing's order).
// A record that changed since the engine's last look is read as always: its differences are edits (the
// stamp is per record, so a mapping difference cannot be told from a user's edit there).

// RebasedField is one field of one party that a remap read again in the new mapping's terms.
type RebasedField struct {
	Field string `json:"field"`
	// Old is the cell's value before the remap, New the record's reading under the new mapping (both
	// canonical; Display renders one outside the value map).
	Old string `json:"old"`
	New string `json:"new"`
	// Wanted is set when the new reading replaced the deal's wanted value, which the new mapping no
	// longer had.
	Wanted bool `json:"wanted,omitempty"`
}

// Remap asks the engine to read every linked party again and take the new mapping's reading of a
// record unchanged since its last look as no edit (see above). Call it after SetPolicy with the policy
// of the edited mapping; it returns the parties it will read. The work is planned by Next as usual.
func (e *Engine) Remap() []vocab.Side {
	var out []vocab.Side
	e.rebased = nil
	for _, s := range e.pol.sides() {
		p := e.party(s)
		if p == nil || p.RecordID == "" || p.Unlinked {
			continue
		}
		p.NeedRead, p.Remap = true, true
		out = append(out, s)
	}
	if len(out) > 0 {
		e.log("info", "mapping remap", "mapping", e.pol.Mapping, "parties", len(out))
	}
	return out
}

// Remapping reports whether a remap still waits for a party's read.
func (e *Engine) Remapping() bool {
	for _, s := range e.pol.sides() {
		if p := e.party(s); p != nil && p.Remap {
			return true
		}
	}
	return false
}

// Rebased returns the fields a remap read again on party s in this engine's lifetime. They are not
// carried: the preview, which runs the remap in one engine, reports them, and the decision log gives
// the remap's writes their reason from them (after a continue-as-new between the remap's reads and its
// writes, those writes are logged with the value's origin only).
func (e *Engine) Rebased(s vocab.Side) []RebasedField { return e.rebased[s] }

// Changed reports whether a remap found party s's record changed since the engine's last look, so it
// read its differences as edits (not carried, as Rebased).
func (e *Engine) Changed(s vocab.Side) bool { return e.changed[s] }

// Rebase is the passive half of a remap, for a deal that meets an edited mapping on its own (a change
// event carried a new policy version, and the deal loaded it): each linked party's next read of the
// engine's own takes the new reading of an unchanged record as no edit, as Remap does, but a cell that
// stood for the deal's value keeps standing for it, so nothing is re-synced: the record keeps the old
// mapping's rendering until the value changes or `cosell mapping apply` remaps (Party.Stale). Without
// it, a deal edited anywhere after the worker loaded the mapping would take the mapping's differences
// for that party's edits, and write them to the others. It issues no command itself.
func (e *Engine) Rebase() []vocab.Side {
	var out []vocab.Side
	for _, s := range e.pol.sides() {
		p := e.party(s)
		if p == nil || p.RecordID == "" || p.Unlinked || p.Remap {
			continue
		}
		p.Rebase = true
		out = append(out, s)
	}
	return out
}

// remapped handles the remap's (or the rebase's) read of party s: unchanged is whether the record's
// stamp did not move since the engine's last look.
func (e *Engine) remapped(now time.Time, s vocab.Side, r Reading, unchanged bool, asOf time.Time) {
	p := e.party(s)
	active := p.Remap
	p.Remap, p.Rebase = false, false
	if !unchanged {
		if active {
			if e.changed == nil {
				e.changed = map[vocab.Side]bool{}
			}
			e.changed[s] = true
		}
		e.log("info", "mapping remap: the record changed since the deal's last look; its differences are edits",
			"side", string(s), "record", r.RecordID)
		return
	}
	unmapped := map[string]string{}
	for _, is := range r.Issues {
		unmapped[is.Field] = is.Raw
	}
	stale := p.Stale
	if active {
		p.Stale = nil
	}
	for _, rule := range e.pol.Rules {
		c, had := p.Cells[rule.Field]
		if !had {
			continue // never held: a newly mapped field is read as any first reading
		}
		nv, ok := r.Values[rule.Field]
		if !ok {
			raw, isUnmapped := unmapped[rule.Field]
			if !isUnmapped {
				continue // empty on the record: nothing the mapping reads differently
			}
			nv = unmappedValue(raw)
		}
		if nv == c.Value && !(active && stale[rule.Field] == nv && c.Synced != nv) {
			continue // read alike (and not left in the old mapping's rendering by a rebase)
		}
		e.rebaseField(now, s, rule, c, nv, asOf, active)
	}
}

// rebaseField takes the new mapping's reading nv of party s's field as no edit. A remap (active) makes
// the cell stand for its reading, so the field is re-synced where it no longer stands for the deal's
// value; a rebase keeps it standing for what it stood for, and remembers it as stale.
func (e *Engine) rebaseField(now time.Time, s vocab.Side, rule Rule, c Cell, nv string, asOf time.Time, active bool) {
	p := e.party(s)
	if !active {
		p.Cells[rule.Field] = Cell{Value: nv, Synced: c.Synced, Seen: asOf}
		if p.Stale == nil {
			p.Stale = map[string]string{}
		}
		p.Stale[rule.Field] = nv
		e.log("info", "mapping rebase: read in the new mapping's terms, not re-synced", "side", string(s), "field", rule.Field,
			"from", Display(c.Value), "to", Display(nv))
		return
	}
	rb := RebasedField{Field: rule.Field, Old: c.Synced, New: nv}
	if c.Value != nv {
		rb.Old = c.Value
	}
	p.Cells[rule.Field] = Cell{Value: nv, Synced: nv, Seen: asOf}
	if w := e.st.Fields[rule.Field]; w != nil && !rule.Derived && !rule.has(w.Value) && c.Synced == w.Value && rule.has(nv) {
		*w = Want{Value: nv, From: s, At: w.At, Known: now}
		rb.Wanted = true
	}
	if e.rebased == nil {
		e.rebased = map[vocab.Side][]RebasedField{}
	}
	e.rebased[s] = append(e.rebased[s], rb)
	e.log("info", "mapping remap: read in the new mapping's terms", "side", string(s), "field", rule.Field,
		"from", Display(rb.Old), "to", Display(rb.New), "wanted", rb.Wanted)
}

// FieldChange is one field of a write, with why the engine writes it.
type FieldChange struct {
	Field string `json:"field"`
	// Old is what the receiving party holds (canonical; empty when it holds nothing), New what it is
	// written (canonical). HasOld tells an empty value from none.
	Old    string `json:"old"`
	HasOld bool   `json:"hasOld"`
	New    string `json:"new"`
	// From is the party whose edit set the value; empty for a value the engine writes itself.
	From      vocab.Side      `json:"from,omitempty"`
	Direction vocab.Direction `json:"direction,omitempty"`
	Policy    vocab.Policy    `json:"policy,omitempty"`
	// Remapped is set when the write re-syncs a mapping change (the receiving party's record, read in
	// the new mapping's terms, no longer stands for the value).
	Remapped bool `json:"remapped,omitempty"`
	// Why says it in words.
	Why string `json:"why"`
}

// Explain says, field by field, why a write command writes what it does: who set the value, the
// field's direction and policy, a conflict that settled it, a mapping change it re-syncs. It reads the
// state as it is when the command was planned (call it before Done).
func (e *Engine) Explain(cmd Command) []FieldChange {
	if cmd.Kind != Write || cmd.Write == nil {
		return nil
	}
	p := e.party(cmd.Side)
	var out []FieldChange
	for _, f := range sortedKeys(cmd.Write.Values) {
		out = append(out, e.explainField(cmd.Side, p, f, cmd.Write.Values[f], cmd.Write.Create))
	}
	if cmd.Write.Enabled != nil {
		out = append(out, e.explainField(cmd.Side, p, FlagField, fmt.Sprint(*cmd.Write.Enabled), cmd.Write.Create))
	}
	if o := cmd.Write.PartnerOwner; o != nil {
		old := p.Shown.Email
		out = append(out, FieldChange{Field: "@partner_owner", Old: old, HasOld: old != "", New: o.Email,
			Why: "the partner's owner of the deal, shown on this record"})
	}
	return out
}

func (e *Engine) explainField(s vocab.Side, p *Party, f, v string, create bool) FieldChange {
	ch := FieldChange{Field: f, New: v}
	if c, ok := p.Cells[f]; ok && !create {
		ch.Old, ch.HasOld = c.Value, true
	}
	rule, _ := e.pol.rule(f)
	ch.Direction, ch.Policy = rule.Direction, rule.Conflict
	fr := e.writeReason(s, f, v) // decisions.go's reason, and a remap's
	ch.From, ch.Why, ch.Remapped = fr.From, fr.Reason, e.remapWhy(s, f) != ""
	switch {
	case create:
		ch.Why = fmt.Sprintf("the new mirror on %s is created with the deal's value: %s", e.pol.Name(s), ch.Why)
	case !ch.HasOld && !ch.Remapped && !rule.Derived:
		ch.Why = fmt.Sprintf("%s does not hold the field yet: %s", e.pol.Name(s), ch.Why)
	}
	if ch.Direction != "" && !rule.Derived {
		ch.Why += fmt.Sprintf(" (direction %s, conflict policy %s)", ch.Direction, ch.Policy)
	}
	return ch
}

// writeReason is the decision log's reason for writing v to party s's field, or, when a remap made the
// write, the mapping change behind it.
func (e *Engine) writeReason(s vocab.Side, f, v string) FieldReason {
	fr := e.reason(f, v)
	if why := e.remapWhy(s, f); why != "" {
		fr.Reason = why
	}
	return fr
}

// remapWhy says why a remap writes party s's field: its record reads differently under the new
// mapping, or the deal's value gave way to a record's new reading. Empty when no remap of this engine
// touched the field.
func (e *Engine) remapWhy(s vocab.Side, f string) string {
	w := e.st.Fields[f]
	if w != nil {
		for _, rb := range e.rebased[w.From] {
			if rb.Field == f && rb.Wanted {
				return fmt.Sprintf("the mapping changed: it no longer has %s, and %s's record reads %s under it, which takes its place",
					Display(rb.Old), e.pol.Name(w.From), Display(rb.New))
			}
		}
	}
	for _, rb := range e.rebased[s] {
		if rb.Field == f && w != nil {
			return fmt.Sprintf("the mapping changed: %s's record reads %s under it (was %s); the deal's value %s is written in the new mapping's terms",
				e.pol.Name(s), Display(rb.New), Display(rb.Old), Display(w.Value))
		}
	}
	return ""
}
