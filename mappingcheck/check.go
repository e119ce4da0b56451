package mappingcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// Report is the outcome of a check: the findings, and what --fix could create.
type Report struct {
	Pairing  string    `json:"pairing"`
	Findings []Finding `json:"findings"`
	// Missing are the fields a side lacks, with what the mapping says they must hold; Plan turns them
	// into HubSpot properties and Salesforce metadata.
	Missing []Missing `json:"missing,omitempty"`
}

// Errors counts the report's errors.
func (r Report) Errors() int { return Errors(r.Findings) }

// Missing is a field the mapping names and a side lacks.
type Missing struct {
	Side  vocab.Side `json:"side"`
	CRM   string     `json:"crm"`
	Field string     `json:"field"`
	// Canonical is the pairing's field name, or the bookkeeping role (cosell_id, enabled, …).
	Canonical string            `json:"canonical"`
	Type      pairing.FieldType `json:"type"`
	// Role is set for a bookkeeping field: cosell_id, enabled, owner, partner_owner_name or
	// partner_owner_email.
	Role string `json:"role,omitempty"`
	// Values are the side's values of a picklist's value map, the options a created field needs.
	Values []string `json:"values,omitempty"`
}

// Bookkeeping roles.
const (
	RoleCoSellID          = "cosell_id"
	RoleEnabled           = "enabled"
	RoleOwner             = "owner"
	RolePartnerOwnerName  = "partner_owner_name"
	RolePartnerOwnerEmail = "partner_owner_email"
)

// Check runs every rule of the pairing against the two described sides. Findings come in the order
// of the pairing file: mapped fields, bookkeeping fields, owners, pipelines.
func Check(p *pairing.Pairing, sides Sides) Report {
	c := &checker{p: p, sides: sides}
	for _, f := range p.Fields {
		c.field(f)
	}
	for _, s := range []vocab.Side{pairing.A, pairing.B} {
		c.bookkeeping(s)
	}
	c.owners()
	for _, s := range []vocab.Side{pairing.A, pairing.B} {
		c.pipelines(s)
	}
	return Report{Pairing: p.ID, Findings: c.findings, Missing: c.missing}
}

type checker struct {
	p        *pairing.Pairing
	sides    Sides
	findings []Finding
	missing  []Missing
}

func (c *checker) add(f Finding) {
	if f.CRM == "" {
		f.CRM = c.sides[f.Side].CRM
	}
	c.findings = append(c.findings, f)
}

// receives reports whether the sync writes field f on side s: the engine's own fields always, a
// mapped field when changes flow from the other side.
func receives(f pairing.Field, s vocab.Side) bool {
	return slices.Contains(vocab.EngineFields, f.Name) || f.Flows(s.Other())
}

// field checks one mapped field on both sides, then the pair.
func (c *checker) field(f pairing.Field) {
	found := map[vocab.Side]Field{}
	for _, s := range []vocab.Side{pairing.A, pairing.B} {
		side := c.sides[s]
		name := f.On(s)
		if f.Related(s) {
			// A field of the deal's account record (Account.Website, company.domain), not of the deal:
			// the deal object's describe does not list it, and the sync never writes it.
			continue
		}
		cf, ok := side.field(name)
		if !ok {
			m := Missing{Side: s, CRM: side.CRM, Field: name, Canonical: f.Name, Type: f.Type}
			for _, v := range f.Values {
				m.Values = append(m.Values, valueOn(v, s))
			}
			c.missing = append(c.missing, m)
			c.add(Finding{Severity: Error, Code: FieldMissing, Side: s, Field: name, Canonical: f.Name,
				Message: fmt.Sprintf("%s has no field %s (mapped as %s)", objectName(side.CRM), name, f.Name),
				Hint:    missingHint(side, name)})
			continue
		}
		found[s] = cf
		if receives(f, s) {
			c.writable(s, cf, f.Name)
		}
		c.kind(s, f, cf)
	}
	a, okA := found[pairing.A]
	b, okB := found[pairing.B]
	if okA && okB {
		c.pair(f, a, b)
	}
	if f.Type == pairing.Picklist {
		for _, s := range []vocab.Side{pairing.A, pairing.B} {
			if cf, ok := found[s]; ok {
				c.picklist(f, s, cf)
			}
		}
	}
}

func valueOn(v pairing.ValueMapping, s vocab.Side) string {
	if s == pairing.B {
		return v.B
	}
	return v.A
}

func objectName(crm string) string {
	if crm == "hubspot" {
		return "HubSpot deals"
	}
	return "Opportunity"
}

// missingHint names a close match when there is one (a typo, a renamed field), and how to create it.
func missingHint(side Side, name string) string {
	var hint string
	if near := nearest(side, name); near != "" {
		hint = fmt.Sprintf("did you mean %s? ", near)
	}
	if side.CRM == "hubspot" {
		return hint + "correct the name in the pairing file, or create the property: cosell mapping check --fix creates it"
	}
	if !strings.HasSuffix(name, "__c") {
		return hint + "correct the name in the pairing file: a standard field cannot be created, and custom field names end in __c"
	}
	return hint + "correct the name in the pairing file, or create the field: cosell mapping check --fix --fix-dir DIR writes its metadata to deploy"
}

// nearest is the field whose name is closest to name, within a few edits.
func nearest(side Side, name string) string {
	best, bestD := "", 4
	for _, f := range side.Fields {
		if d := distance(strings.ToLower(f.Name), strings.ToLower(name)); d < bestD {
			best, bestD = f.Name, d
		}
	}
	return best
}

// distance is the Levenshtein distance between two names.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// writable checks the integration user may write a field the sync writes.
func (c *checker) writable(s vocab.Side, cf Field, canonical string) {
	crm := c.sides[s].CRM
	switch {
	case !cf.Updateable && !cf.Createable:
		hint := "grant the integration user edit access to it (field-level security; --fix --fix-dir writes a permission set), or map a writable field"
		if crm == "hubspot" {
			hint = "HubSpot computes this property or keeps it read-only; map a property the integration can write"
		}
		c.add(Finding{Severity: Error, Code: FieldReadOnly, Side: s, Field: cf.Name, Canonical: canonical,
			Message: fmt.Sprintf("%s is read-only for the integration user, and the sync writes it", cf.Name), Hint: hint})
	case !cf.Updateable:
		c.add(Finding{Severity: Error, Code: FieldReadOnly, Side: s, Field: cf.Name, Canonical: canonical,
			Message: fmt.Sprintf("%s can be set on new records only, and the sync updates it", cf.Name),
			Hint:    "grant the integration user edit access to it (field-level security), or map a field it can update"})
	case !cf.Createable:
		c.add(Finding{Severity: Warning, Code: FieldNotCreateable, Side: s, Field: cf.Name, Canonical: canonical,
			Message: fmt.Sprintf("%s cannot be set when the sync creates a mirror, only on the next update", cf.Name),
			Hint:    "grant the integration user create access to it (field-level security)"})
	}
}

// kind checks a side's field can hold the canonical type.
func (c *checker) kind(s vocab.Side, f pairing.Field, cf Field) {
	bad := func(sev Severity, msg, hint string) {
		c.add(Finding{Severity: sev, Code: TypeMismatch, Side: s, Field: cf.Name, Canonical: f.Name, Message: msg, Hint: hint})
	}
	if cf.Kind == KindReference || cf.Kind == KindOther {
		bad(Error, fmt.Sprintf("%s is %s field; its values mean nothing in the partner's CRM", cf.Name, article(cf.Type)),
			"map a text, number, date or picklist field instead")
		return
	}
	switch f.Type {
	case pairing.Number:
		switch cf.Kind {
		case KindNumber:
		case KindText:
			bad(Warning, fmt.Sprintf("%s is %s field and %s is mapped as type number: values that are not numbers become sync issues", cf.Name, article(cf.Type), f.Name),
				"map a number field, or declare the field type: text")
		default:
			bad(Error, fmt.Sprintf("%s is %s field and cannot hold field %s, type number", cf.Name, article(cf.Type), f.Name),
				"map a number field, or change the field's type in the pairing file")
		}
	case pairing.Date:
		switch cf.Kind {
		case KindDate, KindDateTime:
		case KindText:
			bad(Warning, fmt.Sprintf("%s is %s field and %s is mapped as type date: values that are not YYYY-MM-DD dates become sync issues", cf.Name, article(cf.Type), f.Name),
				"map a date field, or declare the field type: text")
		default:
			bad(Error, fmt.Sprintf("%s is %s field and cannot hold field %s, type date", cf.Name, article(cf.Type), f.Name),
				"map a date field, or change the field's type in the pairing file")
		}
	case pairing.Picklist:
		switch cf.Kind {
		case KindPicklist, KindBool, KindText:
		default:
			bad(Error, fmt.Sprintf("%s is %s field and cannot hold the picklist values of field %s", cf.Name, article(cf.Type), f.Name),
				"map a picklist (or text) field, or change the field's type in the pairing file")
		}
	}
}

// pair checks the two sides of a field against each other: kinds that cannot hold each other's
// values, a receiving field shorter than its source, free text into a restricted picklist.
func (c *checker) pair(f pairing.Field, a, b Field) {
	fields := map[vocab.Side]Field{pairing.A: a, pairing.B: b}
	for _, k := range []Kind{a.Kind, b.Kind} {
		if k == KindReference || k == KindOther {
			return // reported by kind
		}
	}
	if f.Type == pairing.Text {
		ka, kb := class(a.Kind), class(b.Kind)
		typed := func(k Kind) bool { return k == KindNumber || k == KindDate || k == KindBool || k == KindPicklist }
		if ka != kb && typed(ka) && typed(kb) {
			c.add(Finding{Severity: Error, Code: TypeMismatch, Side: pairing.B, Field: b.Name, Canonical: f.Name,
				Message: fmt.Sprintf("%s (%s, side a) is mapped to %s (%s, side b): a value of one is not a value of the other", a.Name, a.Type, b.Name, b.Type),
				Hint:    "map fields of one kind, or declare type: picklist with a value map (type: number or date for fields of those kinds)"})
			return
		}
	}
	for _, s := range []vocab.Side{pairing.A, pairing.B} {
		to, from := fields[s], fields[s.Other()]
		if !receives(f, s) {
			continue
		}
		if f.Type == pairing.Text && to.Kind != KindText && from.Kind == KindText && class(to.Kind) != KindPicklist {
			c.add(Finding{Severity: Warning, Code: TypeMismatch, Side: s, Field: to.Name, Canonical: f.Name,
				Message: fmt.Sprintf("free text from %s is copied as is into %s, %s field: text that is not a %s is refused", from.Name, to.Name, article(to.Type), class(to.Kind)),
				Hint:    fmt.Sprintf("declare type: %s so values are checked and normalized, or map a text field", class(to.Kind))})
		}
		if f.Type == pairing.Text && to.Restricted && from.Kind != KindPicklist {
			c.add(Finding{Severity: Warning, Code: RestrictedPicklist, Side: s, Field: to.Name, Canonical: f.Name,
				Message: fmt.Sprintf("%s is a restricted picklist fed with free text from %s: a value outside its list is refused", to.Name, from.Name),
				Hint:    "declare type: picklist with a value map, or unrestrict the picklist"})
		}
		if f.Type == pairing.Text && to.Length > 0 && from.Length > to.Length {
			c.add(Finding{Severity: Warning, Code: LengthShorter, Side: s, Field: to.Name, Canonical: f.Name,
				Message: fmt.Sprintf("%s holds %d characters and %s up to %d: a longer value is refused", to.Name, to.Length, from.Name, from.Length),
				Hint:    fmt.Sprintf("lengthen %s to %d, or shorten %s", to.Name, from.Length, from.Name)})
		}
	}
}

// article puts "a" or "an" before a word, for messages quoting a CRM's type.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// class folds kinds that hold the same values: a date-time holds a date.
func class(k Kind) Kind {
	if k == KindDateTime {
		return KindDate
	}
	if k == KindBool {
		return KindPicklist
	}
	return k
}
