package pairing

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks a parsed YAML tree and collects problems instead of stopping at the first one, so a
// single run reports everything wrong with a file. Every check reports against the node an admin must
// edit, which is what gives each problem its line and column.
type decoder struct {
	file     string
	problems []Problem
}

// report records a problem at n, or at the start of the file when n is nil.
func (d *decoder) report(n *yaml.Node, msg, hint string) {
	p := Problem{File: d.file, Message: msg, Hint: hint}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	d.problems = append(d.problems, p)
}

// deref follows an alias (*name) to the node its anchor (&name) labels.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null (`key:`, `key: ~`, `key: null`).
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// kindName names a node's shape the way an admin thinks of it.
func kindName(n *yaml.Node) string {
	switch deref(n).Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	default:
		return "a single value"
	}
}

// object is a YAML map whose keys have been checked against the ones its section allows.
type object struct {
	path   string     // where it sits in the file, e.g. "partners › a", for messages
	at     *yaml.Node // where a missing key is reported: the key that names this map, or the map itself
	keys   map[string]*yaml.Node
	values map[string]*yaml.Node
	// order lists the keys as they appear in the file, for maps whose keys are data (mapping).
	order []string
	// anyKey accepts every key: the keys are data (stage names), checked by the caller.
	anyKey bool
}

// object reads n as a map allowed to hold only the known keys. Unknown keys are reported with the
// nearest known key as a hint, duplicates with the line of the first. A null node reads as an empty map,
// so that its required keys are reported as missing; a list or a single value is reported and gives nil.
// at is the node that introduces the map (its key), where missing keys are reported.
func (d *decoder) object(at, n *yaml.Node, path string, known ...string) *object {
	o := &object{path: path, at: at, keys: map[string]*yaml.Node{}, values: map[string]*yaml.Node{}}
	n = deref(n)
	if o.at == nil {
		o.at = n
	}
	if isNull(n) {
		return o
	}
	if n.Kind != yaml.MappingNode {
		d.report(n, fmt.Sprintf("%s must be a map, not %s", path, kindName(n)), mapHint(n, known))
		return nil
	}
	d.collect(o, n, known, false, map[*yaml.Node]bool{})
	return o
}

// collect adds the pairs of mapping n to o. Keys merged in with `<<: *anchor` never override keys
// written out in the map itself, as YAML specifies. seen holds the maps already collected, so a map that
// merges itself (`&a {<<: *a}`) ends instead of recursing forever.
func (d *decoder) collect(o *object, n *yaml.Node, known []string, merged bool, seen map[*yaml.Node]bool) {
	if seen[n] {
		return
	}
	seen[n] = true
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			hint := "keys are plain names"
			if len(known) > 0 {
				hint += " such as " + quoteList(known)
			}
			d.report(k, fmt.Sprintf("%s has a key that is %s", o.path, kindName(k)), hint)
			continue
		}
		name := k.Value
		if first, dup := o.keys[name]; dup {
			if !merged {
				d.report(k, fmt.Sprintf("%s has %s twice (first on line %d)", o.path, name, first.Line), "remove one of them")
			}
			continue
		}
		if !o.anyKey && !slices.Contains(known, name) {
			d.report(k, fmt.Sprintf("unknown key %s in %s", name, o.path), keyHint(name, known))
			continue
		}
		o.keys[name], o.values[name] = k, v
		o.order = append(o.order, name)
	}
	for _, m := range merges {
		m = deref(m)
		switch m.Kind {
		case yaml.MappingNode:
			d.collect(o, m, known, true, seen)
		case yaml.SequenceNode:
			for _, item := range m.Content {
				if item = deref(item); item.Kind == yaml.MappingNode {
					d.collect(o, item, known, true, seen)
				}
			}
		default:
			d.report(m, "<< must merge a map", "write `<<: *anchor` where &anchor labels a map")
		}
	}
}

// mapping reads n as a map whose keys are data rather than settings (sla › stages: stage name →
// budget), so any key is accepted and the caller checks each against what it may name. Duplicates,
// merge keys and a wrong shape are handled as in object.
func (d *decoder) mapping(at, n *yaml.Node, path, example string) *object {
	o := &object{path: path, at: at, keys: map[string]*yaml.Node{}, values: map[string]*yaml.Node{}, anyKey: true}
	n = deref(n)
	if o.at == nil {
		o.at = n
	}
	if isNull(n) {
		return o
	}
	if n.Kind != yaml.MappingNode {
		hint := "write one `name: value` pair per line below, e.g. " + example
		if n.Kind == yaml.SequenceNode {
			hint = "remove the leading `- `: " + hint
		}
		d.report(n, fmt.Sprintf("%s must be a map, not %s", path, kindName(n)), hint)
		return nil
	}
	d.collect(o, n, nil, false, map[*yaml.Node]bool{})
	return o
}

// peek returns the single value of a key in mapping n without checking anything, to name an entry in
// messages (fields › stage rather than fields › entry 2) before the entry is decoded.
func peek(n *yaml.Node, key string) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], deref(n.Content[i+1]); k.Value == key && v != nil && v.Kind == yaml.ScalarNode {
			return strings.TrimSpace(v.Value)
		}
	}
	return ""
}

// node returns the node of a key's value, or nil when it is absent.
func (o *object) node(key string) *yaml.Node { return deref(o.values[key]) }

// pos returns the best node to report a problem with a key's value against: the value, else the key,
// else the map that lacks it.
func (o *object) pos(key string) *yaml.Node {
	if n := o.node(key); n != nil && !isNull(n) {
		return n
	}
	if k := o.keys[key]; k != nil {
		return k
	}
	return o.at
}

// missing reports a required key that is absent, or present with no value.
func (d *decoder) missing(o *object, key, hint string) {
	if k := o.keys[key]; k != nil {
		d.report(k, fmt.Sprintf("%s › %s is empty", o.path, key), hint)
		return
	}
	d.report(o.at, fmt.Sprintf("%s › %s is missing", o.path, key), hint)
}

// str reads a key as a single value. A required key that is absent or empty is reported with hint.
// Numbers and booleans read as their text, so `b: 1029384756` is the string a HubSpot stage id needs.
func (d *decoder) str(o *object, key string, required bool, hint string) string {
	n := o.node(key)
	if isNull(n) {
		if required {
			d.missing(o, key, hint)
		}
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.report(n, fmt.Sprintf("%s › %s must be a single value, not %s", o.path, key, kindName(n)), "write one value after the colon")
		return ""
	}
	v := strings.TrimSpace(n.Value)
	if v == "" && required {
		d.report(n, fmt.Sprintf("%s › %s is empty", o.path, key), hint)
	}
	return v
}

// list reads a key as a list of nodes (aliases followed). A required list that is absent is reported
// with hint; a map or a single value in its place is reported and gives nil.
func (d *decoder) list(o *object, key string, required bool, hint string) []*yaml.Node {
	if isNull(o.node(key)) && required {
		d.missing(o, key, hint)
	}
	items, _ := d.seq(o.node(key), o.path+" › "+key)
	return items
}

// seq reads n as a list of nodes (aliases followed). Null reads as an empty list; a map or a single value
// is reported, and ok is false.
func (d *decoder) seq(n *yaml.Node, path string) (items []*yaml.Node, ok bool) {
	n = deref(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		d.report(n, fmt.Sprintf("%s must be a list, not %s", path, kindName(n)), "start each entry on its own line with `- `")
		return nil, false
	}
	items = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = deref(c)
	}
	return items, true
}

// mapHint suggests how to turn what was written into the map a section needs.
func mapHint(n *yaml.Node, known []string) string {
	if deref(n).Kind == yaml.SequenceNode {
		return "remove the leading `- `: this section is a map of " + quoteList(known)
	}
	return "indent the keys " + quoteList(known) + " on the lines below"
}

// keyHint names the known key nearest to a misspelt one, or lists them all when none is close.
func keyHint(name string, known []string) string {
	best, bestDist := "", -1
	for _, k := range known {
		if dist := editDistance(strings.ToLower(name), k); bestDist < 0 || dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" && bestDist <= max(2, len(best)/3) {
		return "did you mean " + best + "?"
	}
	return "the keys allowed here are " + quoteList(known)
}

// editDistance is the Levenshtein distance between a and b, used to suggest the key an admin meant.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// quoteList joins names for a hint: "a, b or c".
func quoteList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
