package pairing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Version is the only pairing file format version this worker reads. A file states it so that a later
// format can change meaning without old workers silently misreading it.
const Version = 1

// section is one top-level key of a pairing file. Sections decode in the order of the sections table, so
// a section may rely on the ones above it (fields checks against the partners' bookkeeping fields).
type section struct {
	key      string
	required bool
	hint     string // how to fix a missing required section
	decode   func(d *decoder, at, n *yaml.Node, p *Pairing)
}

// sections lists every top-level key. Adding a section (sla, escalation, pilot) is one entry here, a
// decode function, and the field it fills on Pairing; unknown-key hints pick the new key up by themselves.
var sections = []section{
	{key: "version", required: true, hint: "start the file with `version: 1`", decode: decodeVersion},
	{key: "pairing", required: true, hint: "add `pairing:` with an id and a name", decode: decodeHeader},
	{key: "partners", required: true, hint: "add `partners:` with `a:` and `b:`", decode: decodePartners},
	{key: "fields", required: true, hint: "add `fields:` with at least one mapped field", decode: decodeFields},
	{key: "owners", required: true, hint: "add `owners:` with a `fallback:` owner e-mail for each side", decode: decodeOwners},
	{key: "notes", decode: decodeNotes},
	{key: "sla", decode: decodeSLA},               // after fields: stage budgets name the stage field's values
	{key: "escalation", decode: decodeEscalation}, // after sla: replaces its default ladder
	{key: "notifications", decode: decodeNotifications},
	{key: "pilot", decode: decodePilot},   // after fields: won and lost stages name the stage field's values
	{key: "cosell", decode: decodeCoSell}, // after fields and pilot: stages name the stage field's values; one currency
	{key: "sync", decode: decodeSync},
}

// Load reads and validates a pairing file. A file that is not a valid pairing gives a *Problems listing
// every problem found; a file that cannot be read gives the read error.
func Load(path string) (*Pairing, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load pairing: %w", err)
	}
	return Parse(path, data)
}

// Parse validates a pairing file's contents; filename is used in problem positions and kept as
// Pairing.Path. Defaults are filled in (deal fields per CRM kind, time zone UTC, direction both, conflict
// last_writer_wins, type text, notes tagged "#partner", the playbook's SLA policy and escalation ladder,
// CRM tasks on and no Slack, the playbook's pilot, not enabled), so callers never handle an empty setting.
// Any problem gives a nil pairing and a *Problems listing every problem, sorted by line.
func Parse(filename string, data []byte) (*Pairing, error) {
	d := &decoder{file: filename}
	p := &Pairing{Path: filename}
	if root := d.document(data); root != nil {
		d.sections(root, p)
	}
	if len(d.problems) > 0 {
		sortProblems(d.problems)
		return nil, &Problems{List: d.problems}
	}
	return p, nil
}

// sections decodes every top-level section of the file's root node into p.
func (d *decoder) sections(root *yaml.Node, p *Pairing) {
	if root.Kind != yaml.MappingNode {
		d.report(root, "a pairing file is a map of sections ("+quoteList(sectionKeys())+"), not "+kindName(root),
			"start from examples/demo/pairing.yaml")
		return
	}
	top := d.object(root, root, "the file", sectionKeys()...)
	for _, s := range sections {
		if top.keys[s.key] == nil && s.required {
			d.report(top.at, s.key+" is missing", s.hint)
			continue
		}
		// An optional section that is absent decodes from a nil node, which fills its defaults.
		s.decode(d, top.keys[s.key], top.node(s.key), p)
	}
}

func sectionKeys() []string {
	keys := make([]string, len(sections))
	for i, s := range sections {
		keys[i] = s.key
	}
	return keys
}

// yamlLine finds the line yaml.v3 names in a syntax error ("yaml: line 7: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses data as exactly one YAML document and returns its root node, or nil after reporting
// why there is none.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.report(nil, "the file is empty", "start from examples/demo/pairing.yaml")
			return nil
		}
		d.syntax(err)
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		d.report(&next, "a pairing file holds one YAML document, and this is a second one", "remove the `---` line and what follows it, or move it to a file of its own")
	case !errors.Is(err, io.EOF):
		d.syntax(err)
	}
	if len(doc.Content) == 0 {
		d.report(nil, "the file is empty", "start from examples/demo/pairing.yaml")
		return nil
	}
	return doc.Content[0]
}

// syntax reports a YAML syntax error at the line the parser names; it does not name a column.
func (d *decoder) syntax(err error) {
	msg := err.Error()
	p := Problem{File: d.file, Message: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: "),
		Hint: "check indentation (spaces, not tabs) and quote values that contain `: `, ` #` or start with a special character such as * & ! | > @ or `"}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = "YAML syntax: " + m[2]
	}
	d.problems = append(d.problems, p)
}

func decodeVersion(d *decoder, at, n *yaml.Node, _ *Pairing) {
	if isNull(n) {
		d.report(at, "version is empty", "write `version: 1`")
		return
	}
	if n.Kind != yaml.ScalarNode {
		d.report(n, "version must be a number, not "+kindName(n), "write `version: 1`")
		return
	}
	if n.Value != strconv.Itoa(Version) {
		d.report(n, fmt.Sprintf("unsupported version %s", n.Value), fmt.Sprintf("this worker reads version %d pairing files; write `version: %d`", Version, Version))
	}
}

// pairingID keeps ids safe inside Temporal workflow ids, metric labels and file names.
var pairingID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

func decodeHeader(d *decoder, at, n *yaml.Node, p *Pairing) {
	o := d.object(at, n, "pairing", "id", "name")
	if o == nil {
		return
	}
	p.ID = d.str(o, "id", true, "give the pairing an id such as acme-globex")
	p.IDAt = posOf(o.pos("id"))
	if p.ID != "" && !pairingID.MatchString(p.ID) {
		d.report(o.pos("id"), fmt.Sprintf("invalid pairing id %q", p.ID),
			"use 2 to 63 lower-case letters, digits and hyphens, starting with a letter or digit, e.g. acme-globex; it becomes part of workflow ids")
	}
	p.Name = d.str(o, "name", true, `give the pairing a display name, e.g. "Acme × Globex"`)
}
