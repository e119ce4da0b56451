// Package drift tells whether the two CRMs of a co-sold deal agree right now: given the pairing's
// mapped fields and each side's record as read and translated to canonical values, it lists the fields
// that disagree. It has no I/O, so `cosell verify`, `cosell reconcile` and the worker's periodic
// reconcile share one rule, tested in microseconds.
//
// What is not drift: a value absent on one side and empty on the other (a partial read never clears a
// value, and the CRMs return an empty field either way); a value and the form a CRM stores it in (text
// without its trailing spaces, an amount rounded to cents: engine.SameStored), which the engine takes
// for its own write; the values of a deal both partners took out of co-sell, since nothing is
// mirrored then. Value maps are applied before the comparison (pairing.ToCanonical), so "Closed Won"
// and "closedwon" are one stage; a value outside the value map is drift, named as such, since no sync
// can carry it across.
package drift

import (
	"fmt"
	"strings"

	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// Reading is one side's record of a deal, as the activities read and translate it.
type Reading = engine.Reading

// Status is the verdict on one deal.
type Status string

// Statuses.
const (
	// Agree: every mapped field holds the same canonical value on both sides.
	Agree Status = "agree"
	// Drift: at least one field disagrees (Report.Fields).
	Drift Status = "drift"
	// Paused: both sides took the deal out of co-sell; nothing is mirrored, so nothing is compared.
	Paused Status = "paused"
	// Missing: a side has no record of the deal (not created yet, or deleted); nothing is compared.
	Missing Status = "missing"
)

// Pseudo-fields a Field can name besides the mapped ones.
const (
	// FlagField is the co-sell flag (engine.FlagField).
	FlagField = engine.FlagField
	// PartnerOwnerA is side a's partner-owner fields, which show side b's deal owner.
	PartnerOwnerA = "@partner_owner_a"
	// PartnerOwnerB is side b's partner-owner fields, which show side a's deal owner.
	PartnerOwnerB = "@partner_owner_b"
)

// Field is one field the sides disagree on, with each side's value for people (a value outside the
// value map is shown with its raw CRM value and "(unmapped)").
type Field struct {
	Field string `json:"field"`
	A     string `json:"a"`
	B     string `json:"b"`
	// Direction is the field's mapping direction; Source, for a one-way field, the side whose value
	// the other must hold.
	Direction vocab.Direction `json:"direction,omitempty"`
	Source    vocab.Side      `json:"source,omitempty"`
	// Unmapped is set when a side's value is outside the field's value map or cannot be translated:
	// no sync can carry it across, so only an edit in that CRM or a wider value map heals it.
	Unmapped bool `json:"unmapped,omitempty"`
	// Why says in words what disagrees.
	Why string `json:"why"`
}

// Report is the verdict on one deal.
type Report struct {
	Status Status `json:"status"`
	// Missing names the sides without a record (Status Missing).
	Missing []vocab.Side `json:"missing,omitempty"`
	// Fields are the fields that disagree (Status Drift), in the pairing file's order, the flag first.
	Fields []Field `json:"fields,omitempty"`
}

// Compare lists the fields on which a and b, the two sides of one deal, disagree.
func Compare(fields []pairing.Field, a, b Reading) Report {
	var missing []vocab.Side
	if !a.Found {
		missing = append(missing, vocab.A)
	}
	if !b.Found {
		missing = append(missing, vocab.B)
	}
	if len(missing) > 0 {
		return Report{Status: Missing, Missing: missing}
	}
	var out []Field
	if a.Enabled != b.Enabled {
		out = append(out, Field{Field: FlagField, A: fmt.Sprint(a.Enabled), B: fmt.Sprint(b.Enabled), Direction: vocab.Both,
			Why: "one side took the deal out of co-sell, the other did not"})
	} else if !a.Enabled {
		return Report{Status: Paused}
	}
	for _, f := range fields {
		if d, ok := compareField(f, a, b); ok {
			out = append(out, d)
		}
	}
	out = appendOwner(out, PartnerOwnerA, a.Partner, b.Owner, vocab.B)
	out = appendOwner(out, PartnerOwnerB, b.Partner, a.Owner, vocab.A)
	if len(out) == 0 {
		return Report{Status: Agree}
	}
	return Report{Status: Drift, Fields: out}
}

// side is one side's value of a field: its canonical value, or the raw value it could not translate.
type side struct {
	value    string
	unmapped bool
	message  string
}

func valueOf(r Reading, field string) side {
	for _, is := range r.Issues {
		if is.Field == field {
			return side{value: is.Raw, unmapped: true, message: is.Message}
		}
	}
	return side{value: r.Values[field]} // absent is empty: a partial read never clears a value
}

func (s side) display() string {
	if s.unmapped {
		return s.value + " (unmapped)"
	}
	return s.value
}

func compareField(f pairing.Field, a, b Reading) (Field, bool) {
	va, vb := valueOf(a, f.Name), valueOf(b, f.Name)
	dir := f.Direction
	if dir == "" {
		dir = vocab.Both
	}
	d := Field{Field: f.Name, A: va.display(), B: vb.display(), Direction: dir, Source: dir.Source()}
	switch {
	case va.unmapped && vb.unmapped:
		if va.value == vb.value {
			return Field{}, false // the same CRM value on both sides, outside the map on both
		}
		d.Unmapped = true
		d.Why = fmt.Sprintf("neither side's value translates (a: %s; b: %s)", va.message, vb.message)
	case va.unmapped || vb.unmapped:
		s, v := vocab.A, va
		if vb.unmapped {
			s, v = vocab.B, vb
		}
		d.Unmapped = true
		d.Why = fmt.Sprintf("side %s holds %q, which does not translate (%s): it cannot be mirrored", s, v.value, v.message)
	case engine.SameStored(f.Name, va.value, vb.value):
		return Field{}, false
	case d.Source != "":
		d.Why = fmt.Sprintf("%s: side %s should hold side %s's value", dir, d.Source.Other(), d.Source)
	default:
		d.Why = "the sides hold different values"
	}
	return d, true
}

// appendOwner adds a drift when side shows another partner owner than the other side's deal owner.
// An owner the read could not resolve (no e-mail) is not compared.
func appendOwner(out []Field, field string, shown, owner vocab.Owner, ownerSide vocab.Side) []Field {
	if owner.Email == "" {
		return out
	}
	if strings.EqualFold(strings.TrimSpace(shown.Email), owner.Email) && strings.TrimSpace(shown.Name) == strings.TrimSpace(owner.Name) {
		return out
	}
	shownSide := ownerSide.Other()
	dir := vocab.AToB
	if ownerSide == vocab.B {
		dir = vocab.BToA
	}
	f := Field{Field: field, Direction: dir, Source: ownerSide,
		Why: fmt.Sprintf("side %s's partner-owner fields should show side %s's deal owner", shownSide, ownerSide)}
	if shownSide == vocab.A {
		f.A, f.B = OwnerText(shown), OwnerText(owner)
	} else {
		f.A, f.B = OwnerText(owner), OwnerText(shown)
	}
	return append(out, f)
}

// OwnerText shows an owner for people, as the reports of drift name them: "Name <e-mail>".
func OwnerText(o vocab.Owner) string {
	switch {
	case o.Email == "" && o.Name == "":
		return ""
	case o.Name == "":
		return o.Email
	}
	return o.Name + " <" + o.Email + ">"
}

// Count returns the number of drifting fields across reports.
func Count(reps ...Report) int {
	n := 0
	for _, r := range reps {
		n += len(r.Fields)
	}
	return n
}
