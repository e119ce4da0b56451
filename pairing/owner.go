package pairing

import (
	"fmt"
	"net/mail"
	"strings"

	"gopkg.in/yaml.v3"
)

// MapOwner returns the e-mail on the other side of the user with the given e-mail on side from, so a new
// mirror is owned by the counterpart of the deal owner. E-mails compare case-insensitively, as mail
// systems do; ok is false when the map has no entry and the caller should use FallbackOwner.
func (p *Pairing) MapOwner(from Side, email string) (string, bool) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", false
	}
	for _, op := range p.Owners.Map {
		if strings.EqualFold(op.on(from), email) {
			return op.on(from.Other()), true
		}
	}
	return "", false
}

// FallbackOwner is the e-mail of the user who owns a new mirror on side s when the owner map has no
// counterpart, so every mirror has an accountable owner.
func (p *Pairing) FallbackOwner(s Side) string {
	if s == B {
		return p.Owners.FallbackB
	}
	return p.Owners.FallbackA
}

func (op OwnerPair) on(s Side) string {
	if s == B {
		return op.B
	}
	return op.A
}

func decodeOwners(d *decoder, at, n *yaml.Node, p *Pairing) {
	o := d.object(at, n, "owners", "map", "fallback")
	if o == nil {
		return
	}
	first := map[Side]map[string]int{A: {}, B: {}}
	for i, item := range d.list(o, "map", false, "") {
		eo := d.object(item, item, fmt.Sprintf("owners › map › entry %d", i+1), "a", "b")
		if eo == nil {
			continue
		}
		var op OwnerPair
		for _, s := range []Side{A, B} {
			e := d.email(eo, string(s), "each entry pairs a user of partner a with a user of partner b: `- { a: jane@acme.example, b: jdoe@globex.example }`")
			if e == "" {
				continue
			}
			key := strings.ToLower(e)
			if line, dup := first[s][key]; dup {
				d.report(eo.pos(string(s)), fmt.Sprintf("%s is mapped twice on side %s (first on line %d)", e, s, line),
					"a user can have only one counterpart; remove one of the entries")
				continue
			}
			first[s][key] = eo.pos(string(s)).Line
			if s == A {
				op.A = e
			} else {
				op.B = e
			}
		}
		p.Owners.Map = append(p.Owners.Map, op)
	}

	if o.keys["fallback"] == nil {
		d.missing(o, "fallback", "add `fallback:` with the e-mail of the user who owns a new mirror on each side when the map has no entry")
		return
	}
	fo := d.object(o.keys["fallback"], o.node("fallback"), "owners › fallback", "a", "b")
	if fo == nil {
		return
	}
	p.Owners.FallbackA = d.email(fo, "a", "name the user who owns a new mirror in partner a's CRM when the owner map has no entry, e.g. ops@acme.example")
	p.Owners.FallbackB = d.email(fo, "b", "name the user who owns a new mirror in partner b's CRM when the owner map has no entry, e.g. ops@globex.example")
}

// email reads a required key holding a plain e-mail address; it returns "" after reporting a problem.
func (d *decoder) email(o *object, key, hint string) string {
	v := d.str(o, key, true, hint)
	if v == "" {
		return ""
	}
	if !validEmail(v) {
		d.report(o.pos(key), fmt.Sprintf("invalid e-mail %q in %s › %s", v, o.path, key), "write a plain address such as jane.doe@acme.example, with no name or angle brackets")
		return ""
	}
	return v
}

// validEmail accepts a bare address (no display name) whose domain has a dot, which catches the usual
// slips: a missing domain, a name copied from a mail client, a typo like "jane@acme".
func validEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}
