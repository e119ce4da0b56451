package pairing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cosellsync/cosell/vocab"
)

// On returns the CRM field that carries f on side s, so code handling either side never branches on it.
func (f Field) On(s Side) string {
	if s == B {
		return f.B
	}
	return f.A
}

// Flows reports whether a change made on side from may be copied to the other side. A one-way field
// only ever flows from its source; an empty direction (a Field built by hand) flows both ways.
func (f Field) Flows(from Side) bool {
	switch f.Direction {
	case AToB:
		return from == A
	case BToA:
		return from == B
	}
	return true
}

// Field looks a mapped field up by canonical name, the name merge results and sync issues use.
func (p *Pairing) Field(name string) (Field, bool) {
	for _, f := range p.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// The values each field setting accepts, in the order hints list them.
var (
	fieldTypes = []string{string(Text), string(Number), string(Date), string(Picklist)}
	directions = []string{string(Both), string(AToB), string(BToA)}
	policies   = []string{string(LastWriterWins), string(PreferA), string(PreferB)}
)

// canonicalName keeps canonical names usable as map keys, log fields and identifiers in messages.
var canonicalName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

var fieldKeys = []string{"name", "type", "a", "b", "direction", "conflict", "values"}

// crmFieldUse remembers where a CRM field was first mapped, to report a second mapping of it.
type crmFieldUse struct {
	field string
	line  int
}

func decodeFields(d *decoder, at, n *yaml.Node, p *Pairing) {
	items, ok := d.seq(n, "fields")
	if !ok {
		return
	}
	if len(items) == 0 {
		d.report(at, "fields is empty: a pairing must map at least one field", "add an entry such as `- { name: name, a: Name, b: dealname }`")
		return
	}
	names := map[string]int{}
	used := map[Side]map[string]crmFieldUse{A: {}, B: {}}
	for i, item := range items {
		f, ok := d.field(item, i, p)
		if !ok {
			continue
		}
		if f.Name != "" {
			if line, dup := names[f.Name]; dup {
				d.report(item, fmt.Sprintf("field %s is defined twice (first on line %d)", f.Name, line), "give each field a name of its own, or remove one")
			} else {
				names[f.Name] = item.Line
			}
		}
		for _, s := range []Side{A, B} {
			crmField := f.On(s)
			if crmField == "" {
				continue
			}
			key := strings.ToLower(crmField)
			if first, dup := used[s][key]; dup {
				d.report(f.pos[s], fmt.Sprintf("%s is mapped twice on side %s: by field %s (line %d) and by field %s", crmField, s, first.field, first.line, f.Name),
					"a CRM field can feed only one canonical field; remove one of the two mappings")
				continue
			}
			used[s][key] = crmFieldUse{field: f.Name, line: f.pos[s].Line}
			d.checkRelated(f.pos[s], s, p.Partner(s).CRM, f.Name, crmField)
			if role, ok := bookkeeping(p.Partner(s).Deal, crmField); ok {
				d.report(f.pos[s], fmt.Sprintf("%s is partner %s's bookkeeping field deal › %s; the sync writes it itself", crmField, s, role),
					fmt.Sprintf("map another field, or rename the bookkeeping field under partners › %s › deal", s))
			}
		}
		p.Fields = append(p.Fields, f.Field)
	}
}

// decodedField is a field with the positions of its CRM field names, for cross-field checks.
type decodedField struct {
	Field
	pos map[Side]*yaml.Node
}

// field decodes the i-th entry of fields; ok is false when the entry is not a map at all.
func (d *decoder) field(n *yaml.Node, i int, p *Pairing) (decodedField, bool) {
	path := fmt.Sprintf("fields › entry %d", i+1)
	if name := peek(n, "name"); name != "" {
		path = "fields › " + name
	}
	o := d.object(n, n, path, fieldKeys...)
	if o == nil {
		return decodedField{}, false
	}
	f := decodedField{pos: map[Side]*yaml.Node{}}
	f.Name = d.str(o, "name", true, "give the field a canonical name such as stage")
	if f.Name != "" {
		if !canonicalName.MatchString(f.Name) {
			d.report(o.pos("name"), fmt.Sprintf("invalid field name %q", f.Name),
				"start with a lower-case letter and use only lower-case letters, digits and _, e.g. close_date")
		}
	}

	f.Type = FieldType(d.choice(o, "type", string(Text), fieldTypes))
	for _, s := range []Side{A, B} {
		v := d.str(o, string(s), true, fmt.Sprintf("name the CRM field that holds %s on side %s (partner %s)", f.Name, s, p.Partner(s).Name))
		if s == A {
			f.A = v
		} else {
			f.B = v
		}
		f.pos[s] = o.pos(string(s))
	}

	f.Direction = Direction(d.choice(o, "direction", string(Both), directions))
	f.Conflict = Policy(d.choice(o, "conflict", string(LastWriterWins), policies))
	if slices.Contains(vocab.EngineFields, f.Name) {
		for _, key := range []string{"direction", "conflict"} {
			if o.keys[key] != nil {
				d.report(o.pos(key), fmt.Sprintf("field %s is written by CoSell Sync itself, so it has no %s", f.Name, key),
					"remove "+key+": the worker writes it to both partners, and reverts a user's edit of it")
			}
		}
	}
	if loser, ok := oneWayLoser(f.Direction); ok && f.Conflict == preferOf(loser) {
		d.report(o.pos("conflict"), fmt.Sprintf("conflict %s cannot apply to field %s: it flows %s, so side %s's changes never reach side %s",
			f.Conflict, f.Name, f.Direction, loser, loser.Other()),
			fmt.Sprintf("a one-way field always keeps its source; remove conflict, set conflict: %s, or set direction: both", preferOf(loser.Other())))
	}

	switch {
	case f.Type == Picklist:
		f.Values = d.values(o, f.Name)
	case o.keys["values"] != nil:
		d.report(o.keys["values"], fmt.Sprintf("values are only for picklist fields, and field %s is type %s", f.Name, f.Type),
			"set `type: picklist`, or remove values")
	}
	return f, true
}

// oneWayLoser returns the side whose changes a direction never copies, if the direction is one-way.
func oneWayLoser(dir Direction) (Side, bool) {
	switch dir {
	case AToB:
		return B, true
	case BToA:
		return A, true
	}
	return "", false
}

func preferOf(s Side) Policy {
	if s == B {
		return PreferB
	}
	return PreferA
}

// choice reads a key whose value must be one of valid, giving def when it is absent.
func (d *decoder) choice(o *object, key, def string, valid []string) string {
	v := d.str(o, key, false, "")
	if v == "" {
		return def
	}
	if !slices.Contains(valid, v) {
		d.report(o.pos(key), fmt.Sprintf("unknown %s %q in %s", key, v, o.path), "use "+quoteList(valid))
		return def
	}
	return v
}

var valueKeys = []string{"canonical", "a", "b"}

// values decodes a picklist's value map and checks it is one-to-one, so translation works both ways.
func (d *decoder) values(o *object, field string) []ValueMapping {
	hint := "list each value as `- { canonical: qualification, a: Qualification, b: qualifiedtobuy }`"
	items, ok := d.seq(o.node("values"), o.path+" › values")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.report(o.pos("values"), fmt.Sprintf("picklist field %s has no values", field), hint)
		return nil
	}
	firstLine := map[string]map[string]int{"canonical": {}, "a": {}, "b": {}}
	var out []ValueMapping
	for i, item := range items {
		vo := d.object(item, item, fmt.Sprintf("fields › %s › values › entry %d", field, i+1), valueKeys...)
		if vo == nil {
			continue
		}
		var vm ValueMapping
		for _, key := range valueKeys {
			v := d.str(vo, key, true, "every value needs canonical, a and b; a value that exists on one side only cannot be mirrored")
			if v == "" {
				continue
			}
			switch key {
			case "canonical":
				vm.Canonical = v
			case "a":
				vm.A = v
			case "b":
				vm.B = v
			}
			what := "canonical value"
			if key != "canonical" {
				what = "side " + key + " value"
			}
			if line, dup := firstLine[key][v]; dup {
				d.report(vo.pos(key), fmt.Sprintf("%s %q appears twice in the %s value map (first on line %d)", what, v, field, line),
					"the value map must be one-to-one so each value translates back; remove or change one entry")
				continue
			}
			firstLine[key][v] = vo.pos(key).Line
		}
		out = append(out, vm)
	}
	return out
}
