package synchealth

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// The page's view models: pure functions of a pairing and what its deals' queries answered, so the
// handler tests can check them without rendering.

// fieldRow is one canonical field of a deal on both sides.
type fieldRow struct {
	Field     string
	CRMA      string // the CRM field on side a
	CRMB      string
	A, B      string
	HasA      bool
	HasB      bool
	InSync    bool
	Direction string
	ValueMap  bool
}

// fieldRows lists a deal's mapped fields in the pairing file's order, then any other field the deal
// holds, each with its value as both sides store it (canonical) and whether they agree.
func fieldRows(p *pairing.Pairing, v api.DealView) []fieldRow {
	a, b := v.Sides[vocab.A], v.Sides[vocab.B]
	var rows []fieldRow
	seen := map[string]bool{}
	add := func(name string, f pairing.Field, mapped bool) {
		seen[name] = true
		r := fieldRow{Field: name}
		r.A, r.HasA = a.Values[name]
		r.B, r.HasB = b.Values[name]
		r.HasA = r.HasA && r.A != "" // an empty value is no value: the field is cleared there
		r.HasB = r.HasB && r.B != ""
		r.InSync = r.A == r.B && (r.HasA || r.HasB)
		if mapped {
			r.CRMA, r.CRMB, r.Direction, r.ValueMap = f.A, f.B, string(f.Direction), len(f.Values) > 0
		}
		rows = append(rows, r)
	}
	if p != nil {
		for _, f := range p.Fields {
			add(f.Name, f, true)
		}
	}
	others := map[string]bool{}
	for _, sh := range []api.SideShadow{a, b} {
		for k := range sh.Values {
			if !strings.HasPrefix(k, "@") && !seen[k] {
				others[k] = true
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(others)) {
		add(k, pairing.Field{}, false)
	}
	return rows
}

// ownerRow is a side's record owner and the partner owner it shows.
type ownerRow struct {
	Side                vocab.Side
	Owner, PartnerOwner string
}

func ownerRows(v api.DealView) []ownerRow {
	var out []ownerRow
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		sh, ok := v.Sides[s]
		if !ok {
			continue
		}
		out = append(out, ownerRow{Side: s, Owner: person(sh.Values["@owner_name"], sh.Values["@owner_email"]),
			PartnerOwner: person(sh.Values["@partner_owner_name"], sh.Values["@partner_owner_email"])})
	}
	return out
}

func person(name, email string) string {
	switch {
	case name != "" && email != "":
		return name + " <" + email + ">"
	case email != "":
		return email
	}
	return name
}

// dealRow is one deal in a pairing's list.
type dealRow struct {
	CoSellID   string
	Name       string
	Stage      string
	RecordA    string
	RecordB    string
	Fields     int
	Differ     int
	Issues     int
	Conflicts  int
	SLAs       int
	LastSyncAt time.Time
	Paused     bool
	Registered bool
}

func dealRowOf(p *pairing.Pairing, v api.DealView) dealRow {
	r := dealRow{CoSellID: v.CoSellID, Stage: v.Stage, Issues: len(v.Issues), Conflicts: len(v.Conflicts), SLAs: len(v.SLAs),
		LastSyncAt: v.LastSyncAt, Paused: v.Paused, Registered: v.Registered,
		RecordA: recordOf(v, vocab.A), RecordB: recordOf(v, vocab.B)}
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		if n := v.Sides[s].Values[vocab.FieldName]; n != "" && r.Name == "" {
			r.Name = n
		}
		if st := v.Sides[s].Values[vocab.FieldStage]; st != "" && r.Stage == "" {
			r.Stage = st // the SLA's stage is set once the deal is mirrored
		}
	}
	for _, f := range fieldRows(p, v) {
		if f.HasA || f.HasB {
			r.Fields++
			if !f.InSync {
				r.Differ++
			}
		}
	}
	return r
}

func recordOf(v api.DealView, s vocab.Side) string {
	sh, ok := v.Sides[s]
	switch {
	case !ok || sh.RecordID == "":
		return ""
	case sh.Unlinked:
		return sh.RecordID + " (unlinked)"
	}
	return sh.RecordID
}

// issueRow is a deal's open sync issue.
type issueRow struct {
	CoSellID string
	engine.SyncIssue
}

// conflictRow is an engine conflict of a deal.
type conflictRow struct {
	CoSellID string
	engine.Conflict
}

// slaRow is a running SLA of a deal.
type slaRow struct {
	CoSellID string
	engine.SLAState
	Overdue bool
}

func slaRows(coSellID string, slas []engine.SLAState, now time.Time) []slaRow {
	var out []slaRow
	for _, c := range slas {
		out = append(out, slaRow{CoSellID: coSellID, SLAState: c, Overdue: !c.Deadline.IsZero() && now.After(c.Deadline)})
	}
	return out
}

// decisionRow is one entry of a deal's decision log, newest first on the page.
type decisionRow struct {
	engine.Decision
	Fields []decisionField
}

// decisionField is a logged field with the CRM value it went out as, where the pairing's value map
// (or type) translated it.
type decisionField struct {
	engine.FieldReason
	// CRMField and CRMValue are the field and value as the receiving CRM holds them, by the pairing's
	// mapping as it is now; ValueMap says a value map translated it.
	CRMField string
	CRMValue string
	ValueMap bool
}

func decisionRows(p *pairing.Pairing, ds []engine.Decision) []decisionRow {
	out := make([]decisionRow, 0, len(ds))
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		row := decisionRow{Decision: d}
		for _, f := range d.Fields {
			df := decisionField{FieldReason: f}
			if p != nil && (d.Kind == engine.DecidedWrite || d.Kind == engine.DecidedCreate || d.Kind == engine.DecidedRefused) {
				df.CRMField, df.CRMValue, df.ValueMap = crmValue(p, d.Side, f.Field, f.Value)
			}
			row.Fields = append(row.Fields, df)
		}
		out = append(out, row)
	}
	return out
}

// crmValue translates a canonical value for side s as the sync writes it (pairing.FromCanonical).
func crmValue(p *pairing.Pairing, s vocab.Side, field, value string) (crmField, raw string, viaMap bool) {
	f, ok := p.Field(field)
	if !ok {
		return "", "", false
	}
	crmField = f.On(s)
	vals, issues := p.FromCanonical(s, map[string]string{field: value})
	if v, ok := vals[crmField]; ok && len(issues) == 0 {
		if v == nil {
			raw = "(cleared)"
		} else {
			raw = fmt.Sprint(v)
		}
	}
	return crmField, raw, len(f.Values) > 0
}

// sideName names a side by its partner ("Acme"); empty is the deal as a whole.
func sideName(p *pairing.Pairing, side any) string {
	s := vocab.Side(fmt.Sprint(side))
	switch {
	case s == "":
		return "deal"
	case p == nil || (s != vocab.A && s != vocab.B):
		return string(s)
	}
	return p.Partner(s).Name
}

// waiting names the side an SLA waits on; empty is both (a stage).
func waiting(p *pairing.Pairing, side string) string {
	if side == "" {
		return "both"
	}
	return sideName(p, side)
}

// pct is used as a share of limit, in whole percent, for a bar (0 to 100).
func pct(used, limit int) int {
	if limit <= 0 || used <= 0 {
		return 0
	}
	return min(100, used*100/limit)
}
