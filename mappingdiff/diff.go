// Package mappingdiff explains what changes in sync behaviour between two versions of a pairing file:
// fields that start or stop syncing, CRM fields, types, directions and conflict policies, value map
// entries, the owner map, the bookkeeping fields and what a delete does. It is pure (two parsed
// pairings in, a list of changes out), so `cosell mapping diff OLD NEW` can run in CI on a pull request
// that edits a mapping, with no CRM and no Temporal.
//
// Each change says whether records already synced need `cosell mapping apply` to follow it (Apply): a
// value map entry that now writes another CRM value, a field mapped to another CRM field or newly
// mapped. Without it, running deals follow the new mapping only for the edits made from then on.
package mappingdiff

import (
	"fmt"
	"slices"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// Kind names a kind of change.
type Kind string

// Kinds of change, in the order a report lists them per field.
const (
	Pairing           Kind = "pairing"     // the files are not the same pairing (id)
	CRM               Kind = "crm"         // a side's CRM kind
	FieldAdded        Kind = "field_added" // a canonical field starts to sync
	FieldRemoved      Kind = "field_removed"
	CRMField          Kind = "crm_field" // the CRM field that carries a canonical field on one side
	TypeChanged       Kind = "type"
	DirectionChanged  Kind = "direction"
	PolicyChanged     Kind = "conflict"
	ValueAdded        Kind = "value_added" // a value map entry (by canonical value)
	ValueRemoved      Kind = "value_removed"
	ValueChanged      Kind = "value_changed" // one side's CRM value of a canonical value
	OwnerAdded        Kind = "owner_added"   // an owner map pair (by side a's e-mail)
	OwnerRemoved      Kind = "owner_removed"
	OwnerChanged      Kind = "owner_changed"
	FallbackChanged   Kind = "fallback_owner"
	BookkeepingChange Kind = "bookkeeping" // a co-sell bookkeeping field (co-sell id, flag, owners)
	OnDeleteChanged   Kind = "on_delete"
)

// Change is one difference between the two files and what it does to the sync.
type Change struct {
	Kind Kind `json:"kind"`
	// Field is the canonical field, for field and value map changes.
	Field string `json:"field,omitempty"`
	// Side is the side a one-sided change is on.
	Side vocab.Side `json:"side,omitempty"`
	// Value is the canonical value of a value map change, side a's e-mail of an owner pair, the role of
	// a bookkeeping field.
	Value string `json:"value,omitempty"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
	// Effect says what the sync does differently.
	Effect string `json:"effect"`
	// Apply is set when records already synced follow the change only after `cosell mapping apply`.
	Apply bool `json:"apply,omitempty"`
}

// Report is the difference between two pairing files.
type Report struct {
	Pairing string `json:"pairing"`
	// Old and New are the mapping versions (pairing.Pairing.MappingVersion) the deals record.
	Old     string   `json:"old"`
	New     string   `json:"new"`
	Changes []Change `json:"changes"`
}

// Same reports whether the two files sync alike.
func (r Report) Same() bool { return len(r.Changes) == 0 }

// NeedsApply reports whether a change needs `cosell mapping apply` to reach records already synced.
func (r Report) NeedsApply() bool {
	return slices.ContainsFunc(r.Changes, func(c Change) bool { return c.Apply })
}

// Diff explains what changes when old is replaced by new.
func Diff(old, new *pairing.Pairing) Report {
	r := Report{Pairing: new.ID, Old: old.MappingVersion(), New: new.MappingVersion()}
	add := func(c Change) { r.Changes = append(r.Changes, c) }
	if old.ID != new.ID {
		add(Change{Kind: Pairing, Old: old.ID, New: new.ID, Effect: fmt.Sprintf(
			"the files are different pairings: %s starts as a pairing of its own, and the running deals of %s stay with it", new.ID, old.ID)})
	}
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		if o, n := old.Partner(s).CRM, new.Partner(s).CRM; o != n {
			add(Change{Kind: CRM, Side: s, Old: o, New: n, Effect: fmt.Sprintf(
				"side %s moves from %s to %s: the running deals' record ids there do not carry over", s, o, n)})
		}
	}
	for _, nf := range new.Fields {
		of, ok := old.Field(nf.Name)
		if !ok {
			add(Change{Kind: FieldAdded, Field: nf.Name, New: fmt.Sprintf("a: %s, b: %s, %s", nf.A, nf.B, nf.Direction), Apply: true, Effect: fmt.Sprintf(
				"%s starts to sync (%s): deals take it at their next change; `mapping apply` syncs it on running deals now, where the sides differ by its conflict policy %s",
				nf.Name, flowWords(nf.Direction), nf.Conflict)})
			continue
		}
		fieldChanges(of, nf, add)
	}
	for _, of := range old.Fields {
		if _, ok := new.Field(of.Name); !ok {
			add(Change{Kind: FieldRemoved, Field: of.Name, Old: fmt.Sprintf("a: %s, b: %s", of.A, of.B), Effect: fmt.Sprintf(
				"%s stops syncing: what the deals wrote stays in both CRMs, and edits of it no longer cross", of.Name)})
		}
	}
	ownerChanges(old.Owners, new.Owners, add)
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		bookkeepingChanges(s, old.Partner(s).Deal, new.Partner(s).Deal, add)
	}
	if old.OnDelete != new.OnDelete {
		add(Change{Kind: OnDeleteChanged, Old: string(old.OnDelete), New: string(new.OnDelete), Effect: fmt.Sprintf(
			"a partner deleting its record of a deal now %s it", onDeleteWords(new.OnDelete))})
	}
	return r
}

func fieldChanges(of, nf pairing.Field, add func(Change)) {
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		if o, n := of.On(s), nf.On(s); o != n {
			add(Change{Kind: CRMField, Field: nf.Name, Side: s, Old: o, New: n, Apply: true, Effect: fmt.Sprintf(
				"side %s keeps %s in %s instead of %s: `mapping apply` writes the deals' value into %s; %s is no longer read or written",
				s, nf.Name, n, o, n, o)})
		}
	}
	if of.Type != nf.Type {
		add(Change{Kind: TypeChanged, Field: nf.Name, Old: string(of.Type), New: string(nf.Type), Apply: true, Effect: fmt.Sprintf(
			"%s values are read and compared as %s instead of %s; `mapping apply` re-reads the records in the new form", nf.Name, nf.Type, of.Type)})
	}
	if of.Direction != nf.Direction {
		add(Change{Kind: DirectionChanged, Field: nf.Name, Old: string(of.Direction), New: string(nf.Direction), Effect: fmt.Sprintf(
			"%s now %s; values already synced are not rewritten", nf.Name, flowWords(nf.Direction))})
	}
	if of.Conflict != nf.Conflict {
		add(Change{Kind: PolicyChanged, Field: nf.Name, Old: string(of.Conflict), New: string(nf.Conflict), Effect: fmt.Sprintf(
			"when both sides change %s before it syncs, %s (was %s); conflicts already settled stay settled", nf.Name, policyWords(nf.Conflict), of.Conflict)})
	}
	valueChanges(of, nf, add)
}

func valueChanges(of, nf pairing.Field, add func(Change)) {
	oldByCanonical := map[string]pairing.ValueMapping{}
	for _, v := range of.Values {
		oldByCanonical[v.Canonical] = v
	}
	standsFor := func(s vocab.Side, raw string) (string, bool) {
		for _, v := range nf.Values {
			if (s == vocab.A && v.A == raw) || (s == vocab.B && v.B == raw) {
				return v.Canonical, true
			}
		}
		return "", false
	}
	for _, nv := range nf.Values {
		ov, ok := oldByCanonical[nv.Canonical]
		if !ok {
			add(Change{Kind: ValueAdded, Field: nf.Name, Value: nv.Canonical, New: fmt.Sprintf("a: %s, b: %s", nv.A, nv.B), Apply: true, Effect: fmt.Sprintf(
				"%s %s is mapped (a %q, b %q): records holding either now sync it instead of showing an unmapped-value issue; `mapping apply` syncs the records already holding one",
				nf.Name, nv.Canonical, nv.A, nv.B)})
			continue
		}
		for _, s := range []vocab.Side{vocab.A, vocab.B} {
			o, n := side(ov, s), side(nv, s)
			if o == n {
				continue
			}
			now := "reads as a value outside the map"
			if c, ok := standsFor(s, o); ok {
				now = "reads as " + c
			}
			add(Change{Kind: ValueChanged, Field: nf.Name, Side: s, Value: nv.Canonical, Old: o, New: n, Apply: true, Effect: fmt.Sprintf(
				"side %s gets %q for %s %s instead of %q; a record still holding %q %s until `mapping apply` writes it %q",
				s, n, nf.Name, nv.Canonical, o, o, now, n)})
		}
	}
	for _, ov := range of.Values {
		if !slices.ContainsFunc(nf.Values, func(v pairing.ValueMapping) bool { return v.Canonical == ov.Canonical }) {
			add(Change{Kind: ValueRemoved, Field: nf.Name, Value: ov.Canonical, Old: fmt.Sprintf("a: %s, b: %s", ov.A, ov.B), Effect: fmt.Sprintf(
				"%s %s is no longer mapped: a record holding %q (a) or %q (b) shows an unmapped-value issue and its %s stops syncing",
				nf.Name, ov.Canonical, ov.A, ov.B, nf.Name)})
		}
	}
}

func side(v pairing.ValueMapping, s vocab.Side) string {
	if s == vocab.B {
		return v.B
	}
	return v.A
}

func ownerChanges(o, n pairing.Owners, add func(Change)) {
	oldB := map[string]string{}
	for _, p := range o.Map {
		oldB[p.A] = p.B
	}
	for _, p := range n.Map {
		b, ok := oldB[p.A]
		switch {
		case !ok:
			add(Change{Kind: OwnerAdded, Value: p.A, New: p.B, Effect: fmt.Sprintf(
				"new mirrors of %s's deals are owned by %s on side b (and of %s's by %s on side a); existing mirrors keep their owner", p.A, p.B, p.B, p.A)})
		case b != p.B:
			add(Change{Kind: OwnerChanged, Value: p.A, Old: b, New: p.B, Effect: fmt.Sprintf(
				"new mirrors of %s's deals are owned by %s instead of %s; existing mirrors keep their owner", p.A, p.B, b)})
		}
	}
	for _, p := range o.Map {
		if !slices.ContainsFunc(n.Map, func(q pairing.OwnerPair) bool { return q.A == p.A }) {
			add(Change{Kind: OwnerRemoved, Value: p.A, Old: p.B, Effect: fmt.Sprintf(
				"%s and %s are no longer paired: new mirrors of their deals go to the fallback owner", p.A, p.B)})
		}
	}
	for _, f := range []struct {
		s    vocab.Side
		o, n string
	}{{vocab.A, o.FallbackA, n.FallbackA}, {vocab.B, o.FallbackB, n.FallbackB}} {
		if f.o != f.n {
			add(Change{Kind: FallbackChanged, Side: f.s, Old: f.o, New: f.n, Effect: fmt.Sprintf(
				"new mirrors on side %s whose owner the map cannot place are owned by %s instead of %s", f.s, f.n, f.o)})
		}
	}
}

func bookkeepingChanges(s vocab.Side, o, n connectors.DealFields, add func(Change)) {
	for _, f := range []struct {
		role, o, n, effect string
	}{
		{"co-sell id", o.CoSellID, n.CoSellID, "deals are found by the co-sell id in %s instead of %s: running deals' records must carry their id there first, or they are taken for new registrations"},
		{"co-sell flag", o.Enabled, n.Enabled, "the co-sell flag is read and written in %s instead of %s"},
		{"owner", o.Owner, n.Owner, "a mirror's owner is set in %s instead of %s"},
		{"partner owner name", o.PartnerOwnerName, n.PartnerOwnerName, "the partner's owner name is shown in %s instead of %s"},
		{"partner owner e-mail", o.PartnerOwnerEmail, n.PartnerOwnerEmail, "the partner's owner e-mail is shown in %s instead of %s"},
	} {
		if f.o != f.n {
			add(Change{Kind: BookkeepingChange, Side: s, Value: f.role, Old: f.o, New: f.n, Effect: fmt.Sprintf("side %s: "+f.effect, s, f.n, f.o)})
		}
	}
}

func flowWords(d vocab.Direction) string {
	switch d {
	case vocab.AToB:
		return "flows from side a to side b only; an edit on side b is reverted"
	case vocab.BToA:
		return "flows from side b to side a only; an edit on side a is reverted"
	}
	return "flows both ways"
}

func policyWords(p vocab.Policy) string {
	switch p {
	case vocab.PreferA:
		return "side a's value wins"
	case vocab.PreferB:
		return "side b's value wins"
	}
	return "the later edit wins"
}

func onDeleteWords(d vocab.OnDelete) string {
	if d == vocab.Recreate {
		return "recreates"
	}
	return "unlinks"
}
