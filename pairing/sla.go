package pairing

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// Calendar kinds of the sla section.
const (
	CalendarTime = "calendar"
	BusinessTime = "business"
)

// StageField is the canonical field whose value map names the stages that sla › stages budgets.
const StageField = vocab.FieldStage

// durationHint is how to write every SLA duration.
const durationHint = `write a number and a unit, such as "7d", "24h", "90m" or "1w"`

var slaKeys = []string{"calendar", "timezone", "business_hours", "business_days", "holidays", "warn_at",
	"registration_acceptance", "request_response", "request_tag", "stages"}

// weekdayNames are the names business_days accepts, short and long.
var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// decodeSLA fills p.SLA: the playbook's defaults (sla.Policy.WithDefaults), with what the sla section
// sets on top. The escalation section, decoded next, replaces the default ladder.
func decodeSLA(d *decoder, at, n *yaml.Node, p *Pairing) {
	p.SLA = sla.Policy{}.WithDefaults()
	if n == nil {
		return
	}
	o := d.object(at, n, "sla", slaKeys...)
	if o == nil {
		return
	}
	pol := &p.SLA
	pol.Calendar.Business = d.choice(o, "calendar", CalendarTime, []string{CalendarTime, BusinessTime}) == BusinessTime
	d.slaCalendar(o, &pol.Calendar)

	if v := d.str(o, "warn_at", false, ""); v != "" {
		if share, ok := parseShare(v); ok && share > 0 && share < 1 {
			pol.WarnAt = share
		} else {
			d.report(o.pos("warn_at"), fmt.Sprintf("invalid warn_at %q in sla: the warning must come after the start and before the deadline", v),
				"write a share of the budget between 0 and 1, such as 80% or 0.8")
		}
	}
	if b, ok := d.budget(o, "registration_acceptance"); ok {
		pol.RegistrationAcceptance = b
	}
	if b, ok := d.budget(o, "request_response"); ok {
		pol.RequestResponse = b
	}
	if o.keys["request_tag"] != nil {
		if tag := d.str(o, "request_tag", false, ""); tag != "" {
			pol.RequestTag = tag
		} else {
			d.report(o.pos("request_tag"), "sla › request_tag is empty, so no note would count as a request",
				fmt.Sprintf("write a tag such as %q (quoted: # starts a comment in YAML), or remove request_tag to use %q", sla.DefaultRequestTag, sla.DefaultRequestTag))
		}
	}
	if o.keys["stages"] != nil {
		pol.Stages = d.stages(o, p)
	}
}

// slaCalendar reads the calendar keys of the sla section into cal, which holds the defaults. Each key
// is checked on its own, against the node to edit, with sla.Calendar.Validate as the one definition of
// what is valid.
func (d *decoder) slaCalendar(o *object, cal *sla.Calendar) {
	if tz := d.str(o, "timezone", false, ""); tz != "" {
		if err := (sla.Calendar{Timezone: tz}).WithDefaults().Validate(); err != nil {
			d.report(o.pos("timezone"), fmt.Sprintf("unknown time zone %q in sla", tz),
				"use an IANA zone name such as America/New_York, Europe/Berlin or UTC")
		} else {
			cal.Timezone = tz
		}
	}

	if v := d.str(o, "business_hours", false, ""); v != "" {
		hint := `write opening and closing time on a 24-hour clock, quoted: "09:00-17:00"`
		start, end, ok := strings.Cut(v, "-")
		start, end = strings.TrimSpace(start), strings.TrimSpace(end)
		if !ok || start == "" || end == "" {
			d.report(o.pos("business_hours"), fmt.Sprintf("invalid business_hours %q in sla: want opening-closing", v), hint)
		} else if err := (sla.Calendar{DayStart: start, DayEnd: end}).WithDefaults().Validate(); err != nil {
			d.report(o.pos("business_hours"), fmt.Sprintf("invalid business_hours %q in sla: %s", v, joinedMessage(err)),
				hint+"; a business day ends on the day it starts (24:00 at the latest)")
		} else {
			cal.DayStart, cal.DayEnd = start, end
		}
	}

	if o.keys["business_days"] != nil {
		items, ok := d.seq(o.node("business_days"), "sla › business_days")
		if ok && len(items) == 0 {
			d.report(o.pos("business_days"), "sla › business_days is empty: no SLA would ever run out",
				"list the working days, e.g. [mon, tue, wed, thu, fri], or remove business_days for Monday to Friday")
		}
		var days []time.Weekday
		first := map[time.Weekday]int{}
		for _, item := range items {
			name, ok := d.scalar(item, "sla › business_days")
			if !ok {
				continue
			}
			wd, known := weekdayNames[strings.ToLower(name)]
			if !known {
				d.report(item, fmt.Sprintf("unknown weekday %q in sla › business_days", name), "use mon, tue, wed, thu, fri, sat or sun")
				continue
			}
			if line, dup := first[wd]; dup {
				d.report(item, fmt.Sprintf("%s appears twice in sla › business_days (first on line %d)", name, line), "remove one of them")
				continue
			}
			first[wd] = item.Line
			days = append(days, wd)
		}
		if len(days) > 0 {
			slices.Sort(days)
			cal.Weekdays = days
		}
	}

	if o.keys["holidays"] != nil {
		items, _ := d.seq(o.node("holidays"), "sla › holidays")
		cal.Holidays = nil
		for _, item := range items {
			v, ok := d.scalar(item, "sla › holidays")
			if !ok {
				continue
			}
			if err := (sla.Calendar{Holidays: []string{v}}).WithDefaults().Validate(); err != nil {
				d.report(item, fmt.Sprintf("invalid holiday %q in sla › holidays", v),
					"write a date as YYYY-MM-DD, e.g. 2026-12-25; it is read in the sla timezone")
				continue
			}
			if !slices.Contains(cal.Holidays, v) {
				cal.Holidays = append(cal.Holidays, v)
			}
		}
	}
}

// stages reads sla › stages: canonical stage → maximum duration, or none to switch a playbook default
// off (kept as 0). Every name must be a canonical value of the stage field's value map.
func (d *decoder) stages(parent *object, p *Pairing) map[string]time.Duration {
	o := d.mapping(parent.keys["stages"], parent.node("stages"), "sla › stages", "`prospecting: 7d`")
	if o == nil || len(o.order) == 0 {
		return nil
	}
	var canonical []string
	stage, ok := p.Field(StageField)
	if ok && stage.Type == Picklist {
		for _, v := range stage.Values {
			canonical = append(canonical, v.Canonical)
		}
	} else {
		d.report(parent.keys["stages"], "sla › stages needs a picklist field named stage: stage budgets are keyed by its canonical values",
			"map the deal stage under fields as `- name: stage` with `type: picklist` and a value map, or remove sla › stages")
		return nil
	}
	out := map[string]time.Duration{}
	for _, name := range o.order {
		key := o.keys[name]
		if !slices.Contains(canonical, name) {
			d.report(key, fmt.Sprintf("unknown stage %s in sla › stages: the stage field's value map has no canonical value %q", name, name),
				stageHint(name, canonical))
			continue
		}
		if sla.ClosedStage(name) {
			d.report(key, fmt.Sprintf("stage %s is closed: a closed deal waits for nothing, so it has no stage SLA", name),
				"remove the line")
			continue
		}
		v := d.str(o, name, true, "write the stage's maximum duration, e.g. 14d, or none")
		if v == "" {
			continue
		}
		if strings.EqualFold(v, "none") {
			out[name] = 0
			continue
		}
		b, err := sla.ParseDuration(v)
		switch {
		case err != nil:
			d.report(o.pos(name), fmt.Sprintf("invalid duration %q for stage %s in sla › stages", v, name), durationHint+", or none for no stage SLA")
		case b <= 0:
			d.report(o.pos(name), fmt.Sprintf("stage %s has a budget of %s: a deal would breach the moment it enters the stage", name, v),
				"write a positive duration such as 14d, or none to switch the stage SLA off")
		default:
			out[name] = b
		}
	}
	return out
}

// stageHint lists the stages sla › stages may name, the nearest first when one is close.
func stageHint(name string, canonical []string) string {
	var open []string
	for _, c := range canonical {
		if !sla.ClosedStage(c) {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		return "the stage value map has no open stage to budget"
	}
	list := "the stages you can budget are " + quoteList(open) + " (closed stages have no SLA)"
	if h := keyHint(name, open); strings.HasPrefix(h, "did you mean") {
		return h + " " + list
	}
	return list
}

// budget reads an optional SLA budget: a positive duration.
func (d *decoder) budget(o *object, key string) (time.Duration, bool) {
	v := d.str(o, key, false, "")
	if v == "" {
		if o.keys[key] != nil {
			d.missing(o, key, durationHint+", or remove "+key+" for the default 24h")
		}
		return 0, false
	}
	b, err := sla.ParseDuration(v)
	switch {
	case err != nil:
		d.report(o.pos(key), fmt.Sprintf("invalid duration %q in %s › %s", v, o.path, key), durationHint)
		return 0, false
	case b <= 0:
		d.report(o.pos(key), fmt.Sprintf("%s › %s must be longer than zero, not %s", o.path, key, v), durationHint)
		return 0, false
	}
	return b, true
}

// scalar reads a list item as a single value, reporting a map or a list in its place.
func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	if isNull(n) {
		d.report(n, path+" has an empty entry", "remove the empty `- ` line")
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		d.report(n, fmt.Sprintf("%s entries must be single values, not %s", path, kindName(n)), "write one value per entry")
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// parseShare reads "80%" or "0.8" as 0.8.
func parseShare(v string) (float64, bool) {
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v, "%")), 64)
	if err != nil {
		return 0, false
	}
	if pct {
		f /= 100
	}
	return f, true
}

// joinedMessage renders an errors.Join error on one line.
func joinedMessage(err error) string {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var parts []string
		for _, e := range j.Unwrap() {
			parts = append(parts, e.Error())
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

var levelKeys = []string{"level", "name", "after", "a", "b"}

// decodeEscalation replaces the default ladder (filled by decodeSLA) with the escalation section's:
// levels 1 to 4, each at most once, in order, each firing at or after the one before it.
func decodeEscalation(d *decoder, at, n *yaml.Node, p *Pairing) {
	if n == nil {
		return
	}
	items, ok := d.seq(n, "escalation")
	if !ok {
		return
	}
	if len(items) == 0 {
		d.report(at, "escalation is empty: a breached SLA would reach nobody",
			"list the levels (`- { level: 1, after: 0h }` …), or remove escalation for the default ladder: reps at the breach, partner managers after 24h, executives after 48h, deal desk and legal after 72h")
		return
	}
	defaults := sla.DefaultLadder()
	var ladder []sla.Level
	var written []string // each level's after as the file says it, for messages
	firstLine := map[int]int{}
	prev := -1 // the index in ladder of the level before, for the order and after checks
	for i, item := range items {
		path := fmt.Sprintf("escalation › entry %d", i+1)
		if lv := peek(item, "level"); lv != "" {
			path = "escalation › level " + lv
		}
		o := d.object(item, item, path, levelKeys...)
		if o == nil {
			continue
		}
		v := d.str(o, "level", true, "number the level: 1 reps, 2 partner managers, 3 executives, 4 deal desk and legal")
		if v == "" {
			continue
		}
		level, err := strconv.Atoi(v)
		if err != nil || level < 1 || level > len(defaults) {
			d.report(o.pos("level"), fmt.Sprintf("unknown escalation level %q", v),
				"use 1 (reps), 2 (partner managers), 3 (executives) or 4 (deal desk and legal)")
			continue
		}
		if line, dup := firstLine[level]; dup {
			d.report(o.pos("level"), fmt.Sprintf("escalation level %d appears twice (first on line %d)", level, line), "remove one of them")
			continue
		}
		firstLine[level] = o.pos("level").Line
		l := sla.Level{Level: level, Name: defaults[level-1].Name, After: defaults[level-1].After}
		if name := d.str(o, "name", false, ""); name != "" {
			l.Name = name
		}
		after := sla.FormatDuration(l.After) + " (the default)"
		if o.keys["after"] != nil {
			b, ok := d.after(o)
			if !ok {
				continue
			}
			l.After, after = b, d.str(o, "after", false, "")
		}
		if prev >= 0 {
			before := ladder[prev]
			if level < before.Level {
				d.report(o.pos("level"), fmt.Sprintf("escalation level %d comes after level %d", level, before.Level),
					"list the levels in order, 1 to 4")
				continue
			}
			if l.After < before.After {
				at := o.pos("after")
				if o.keys["after"] == nil {
					at = o.pos("level")
				}
				d.report(at, fmt.Sprintf("escalation level %d fires %s after the breach, before level %d (%s)", level, after, before.Level, written[prev]),
					"each level fires at or after the one before it; raise after, or swap the levels")
				continue
			}
		}
		l.A = d.emails(o, "a")
		l.B = d.emails(o, "b")
		ladder = append(ladder, l)
		written = append(written, after)
		prev = len(ladder) - 1
	}
	if len(ladder) > 0 {
		p.SLA.Ladder = ladder
	}
}

// after reads a level's delay past the breach: zero or more.
func (d *decoder) after(o *object) (time.Duration, bool) {
	v := d.str(o, "after", true, durationHint+"; 0h fires at the breach")
	if v == "" {
		return 0, false
	}
	b, err := sla.ParseDuration(v)
	switch {
	case err != nil:
		d.report(o.pos("after"), fmt.Sprintf("invalid duration %q in %s › after", v, o.path), durationHint+"; 0h fires at the breach")
		return 0, false
	case b < 0:
		d.report(o.pos("after"), fmt.Sprintf("%s › after is negative (%s): a level cannot fire before the breach", o.path, v), "write 0h to fire at the breach")
		return 0, false
	}
	return b, true
}

// emails reads an optional list of e-mails, each a plain address and listed once.
func (d *decoder) emails(o *object, key string) []string {
	items, _ := d.seq(o.node(key), o.path+" › "+key)
	var out []string
	first := map[string]int{}
	for _, item := range items {
		v, ok := d.scalar(item, o.path+" › "+key)
		if !ok {
			continue
		}
		if !validEmail(v) {
			d.report(item, fmt.Sprintf("invalid e-mail %q in %s › %s", v, o.path, key), "write a plain address such as maria.manager@acme.example, with no name or angle brackets")
			continue
		}
		lower := strings.ToLower(v)
		if line, dup := first[lower]; dup {
			d.report(item, fmt.Sprintf("%s appears twice in %s › %s (first on line %d)", v, o.path, key, line), "remove one of them")
			continue
		}
		first[lower] = item.Line
		out = append(out, v)
	}
	return out
}
