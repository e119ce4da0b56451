package pairing

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ToCanonical turns a deal read from side s (fields keyed by that side's CRM field names, JSON-typed)
// into canonical values keyed by canonical field name, the form the merge compares across CRMs.
//
// Every mapped field present in raw is translated, whatever its direction: deciding what flows is the
// merge's job. A field absent from raw is omitted (not ""), so a partial read never clears a value. A value
// that cannot be translated (an unmapped picklist value, a malformed number or date) is omitted and
// reported as an Issue; the rest of the deal still syncs.
func (p *Pairing) ToCanonical(s Side, raw map[string]any) (values map[string]string, issues []Issue) {
	values = map[string]string{}
	dz := p.dateZone(s)
	for _, f := range p.Fields {
		name := f.On(s)
		v, ok := lookup(raw, name)
		if !ok {
			continue
		}
		c, err := f.toCanonical(s, v, dz)
		if err != nil {
			issues = append(issues, Issue{Field: f.Name, Side: s, Message: err.Error(), Raw: fmt.Sprint(v)})
			continue
		}
		values[f.Name] = c
	}
	return values, issues
}

// lookup finds a CRM field in a record, falling back to a case-insensitive match: Salesforce field
// names are case-insensitive, and an admin may not write them the way the API returns them.
func lookup(raw map[string]any, name string) (any, bool) {
	if v, ok := raw[name]; ok {
		return v, true
	}
	var found any
	n := 0
	for k, v := range raw {
		if strings.EqualFold(k, name) {
			found, n = v, n+1
		}
	}
	// Two keys differing only in case are ambiguous; taking either would depend on map order.
	return found, n == 1
}

func (f Field) toCanonical(s Side, v any, dz dateZone) (string, error) {
	crmField := f.On(s)
	text, isText := asText(v)
	switch f.Type {
	case Number:
		if n, ok := v.(float64); ok {
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return "", fmt.Errorf("%s %v is not a number; field %s is mapped as type number", crmField, n, f.Name)
			}
			return formatNumber(n), nil
		}
		if !isText {
			return "", fmt.Errorf("%s %v is not a number; field %s is mapped as type number", crmField, v, f.Name)
		}
		if text == "" {
			return "", nil
		}
		n, ok := normalizeNumber(text)
		if !ok {
			return "", fmt.Errorf("%s %q is not a number; field %s is mapped as type number, so fix the value or change the field's type", crmField, text, f.Name)
		}
		return n, nil
	case Date:
		if !isText {
			return "", fmt.Errorf("%s %v is not a date; field %s is mapped as type date", crmField, v, f.Name)
		}
		if text == "" {
			return "", nil
		}
		d, ok := dz.canonicalDate(text)
		if !ok {
			return "", fmt.Errorf("%s %q is not a date (expected YYYY-MM-DD, an RFC 3339 date-time or epoch milliseconds); field %s is mapped as type date", crmField, text, f.Name)
		}
		return d, nil
	case Picklist:
		if !isText {
			text = fmt.Sprint(v)
		}
		if text == "" {
			return "", nil
		}
		if c, ok := f.canonicalValue(s, text); ok {
			return c, nil
		}
		return "", fmt.Errorf("%s %q has no entry in the %s value map; add it under fields › %s › values", crmField, text, f.Name, f.Name)
	default:
		if !isText {
			if n, ok := v.(float64); ok {
				return formatNumber(n), nil
			}
			return fmt.Sprint(v), nil
		}
		return text, nil
	}
}

// asText returns a string or nil value as text; ok is false for any other type.
func asText(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", true
	case string:
		return t, true
	}
	return "", false
}

// FromCanonical turns canonical values into fields to write on side s, keyed by that side's CRM field
// names and typed the way its CRM's API takes them. Salesforce: numbers as float64, dates as
// "YYYY-MM-DD", text and picklists as strings, and "" as nil (a cleared field). HubSpot: every value as a
// string, "" included, which is how HubSpot clears a property.
//
// A field whose direction does not allow flowing into s is left out, so a one-way field can never be
// written back to its source; so is a field s keeps on a related record (Account.Website,
// company.domain), which is never written as a property of the deal (see AccountLink). A value that cannot be written (a canonical picklist value missing from
// the map, a malformed number or date, a name that is no mapped field) is omitted and reported as an Issue.
func (p *Pairing) FromCanonical(s Side, values map[string]string) (raw map[string]any, issues []Issue) {
	raw = map[string]any{}
	hubspot := p.Partner(s).CRM == HubSpot
	for _, f := range p.Fields {
		c, ok := values[f.Name]
		if !ok || !f.Flows(s.Other()) || f.Related(s) {
			continue
		}
		v, err := f.fromCanonical(s, c, hubspot)
		if err != nil {
			issues = append(issues, Issue{Field: f.Name, Side: s, Message: err.Error()})
			continue
		}
		raw[f.On(s)] = v
	}
	var unknown []string
	for name := range values {
		if _, ok := p.Field(name); !ok {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown) // issues in a stable order, as workflow code needs
	for _, name := range unknown {
		issues = append(issues, Issue{Field: name, Side: s, Message: fmt.Sprintf("%s is not a field of pairing %s", name, p.ID)})
	}
	return raw, issues
}

func (f Field) fromCanonical(s Side, c string, hubspot bool) (any, error) {
	c = strings.TrimSpace(c)
	if c == "" {
		if hubspot {
			return "", nil
		}
		return nil, nil
	}
	switch f.Type {
	case Number:
		n, ok := normalizeNumber(c)
		if !ok {
			return nil, fmt.Errorf("%s value %q is not a number", f.Name, c)
		}
		if hubspot {
			return n, nil
		}
		x, _ := strconv.ParseFloat(n, 64)
		return x, nil
	case Date:
		t, err := time.Parse(time.DateOnly, c)
		if err != nil {
			return nil, fmt.Errorf("%s value %q is not a YYYY-MM-DD date", f.Name, c)
		}
		return t.Format(time.DateOnly), nil
	case Picklist:
		v, ok := f.sideValue(s, c)
		if !ok {
			return nil, fmt.Errorf("%s %q is not a canonical value of the %s value map; add it under fields › %s › values", f.Name, c, f.Name, f.Name)
		}
		return v, nil
	}
	return c, nil
}

// canonicalValue translates a picklist value of side s. An exact match wins; otherwise a unique
// case-insensitive match is accepted, since admins retype values and CRMs differ in case handling.
func (f Field) canonicalValue(s Side, v string) (string, bool) {
	return f.translate(v, func(m ValueMapping) string { return m.on(s) }, func(m ValueMapping) string { return m.Canonical })
}

// sideValue translates a canonical picklist value into side s's value.
func (f Field) sideValue(s Side, c string) (string, bool) {
	return f.translate(c, func(m ValueMapping) string { return m.Canonical }, func(m ValueMapping) string { return m.on(s) })
}

func (f Field) translate(v string, from, to func(ValueMapping) string) (string, bool) {
	for _, m := range f.Values {
		if from(m) == v {
			return to(m), true
		}
	}
	found, n := "", 0
	for _, m := range f.Values {
		if strings.EqualFold(from(m), v) {
			found, n = to(m), n+1
		}
	}
	return found, n == 1
}

func (m ValueMapping) on(s Side) string {
	if s == B {
		return m.B
	}
	return m.A
}

// decimal is the number syntax CRMs emit: no thousands separators, no hex, no NaN or Inf.
var decimal = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// normalizeNumber gives one spelling per number ("125000.00" and "125000" → "125000", "99.50" → "99.5"),
// so the same amount read from two CRMs compares equal.
func normalizeNumber(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !decimal.MatchString(s) {
		return "", false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(n, 0) {
		return "", false
	}
	return formatNumber(n), true
}

func formatNumber(n float64) string {
	if n == 0 {
		return "0" // and not "-0"
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// dateTimeLayouts are the date-time forms CRMs emit: RFC 3339 (HubSpot) and Salesforce's offset
// without a colon ("2026-12-31T23:30:00.000+0000"). Fractional seconds are accepted by both.
var dateTimeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05Z0700"}

// epochMillis matches HubSpot's epoch-millisecond timestamps.
var epochMillis = regexp.MustCompile(`^-?\d{1,15}$`)

// dateZone says how one side's date-times read as calendar dates.
type dateZone struct {
	// loc is the partner's zone: a genuine date-time is dated where the partner works.
	loc *time.Location
	// midnightUTCIsDate is set for HubSpot, which stores a date as midnight UTC of that day: in a date
	// property, in a datetime property such as closedate when a user picks a day, and when the sync
	// writes YYYY-MM-DD. Reading that instant in a zone west of UTC would date it the day before.
	midnightUTCIsDate bool
}

// dateZone returns how side s's date-times read as dates.
func (p *Pairing) dateZone(s Side) dateZone {
	return dateZone{loc: p.Location(s), midnightUTCIsDate: p.Partner(s).CRM == HubSpot}
}

// canonicalDate reads a date, a date-time or epoch milliseconds as a calendar date. A plain date is never
// shifted. A HubSpot instant at exactly midnight UTC is the date HubSpot stores there, never shifted
// either, so a date written to HubSpot or picked in its UI reads back as that date in every zone. Any
// other date-time becomes the date it is in the partner's zone, so a deal closing at 6 pm in Los Angeles
// stays on its day although it is the next day in UTC. (A HubSpot date-time set to 4 pm in Los Angeles
// is midnight UTC, and so reads as the next day: HubSpot gives no way to tell it from a picked date.)
func (dz dateZone) canonicalDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), true
	}
	t, ok := parseInstant(s)
	if !ok {
		return "", false
	}
	if u := t.UTC(); dz.midnightUTCIsDate && u.Equal(u.Truncate(24*time.Hour)) {
		return u.Format(time.DateOnly), true
	}
	return t.In(dz.loc).Format(time.DateOnly), true
}

// parseInstant reads an RFC 3339 or Salesforce date-time, or epoch milliseconds.
func parseInstant(s string) (time.Time, bool) {
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if !epochMillis.MatchString(s) {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}
