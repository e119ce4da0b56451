package mappingcheck

import (
	"fmt"
	"strings"

	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// picklist checks a picklist field's value map against side s's picklist: every value the map names
// exists and is active (on a restricted picklist the sync's writes of any other are refused), and every
// active value of the side is covered when the side's changes flow to the other, else deals in the
// uncovered values do not sync this field (a warning listing them, per direction).
func (c *checker) picklist(f pairing.Field, s vocab.Side, cf Field) {
	side := c.sides[s]
	stage := side.CRM == "hubspot" && cf.Name == "dealstage" && side.Pipeline != ""
	if stage {
		if _, ok := side.pipeline(side.Pipeline); !ok {
			return // reported once, as a missing pipeline
		}
	}
	if len(cf.Values) == 0 && !stage {
		return // a text field: any value is accepted
	}
	writes := receives(f, s)
	for _, m := range f.Values {
		v := valueOn(m, s)
		got, exact, ok := lookupValue(cf.Values, v)
		switch {
		case !ok && stage:
			sev := Warning
			if writes {
				sev = Error
			}
			hint := "correct the value map: HubSpot's stage ids are under Settings › Objects › Deals › Pipelines (Edit stage › internal value)"
			if other := c.stagePipeline(side, v); other != "" {
				hint = fmt.Sprintf("%s is a stage of pipeline %s, but mirrors are created in pipeline %s; map a stage of %s", v, other, side.Pipeline, side.Pipeline)
			}
			c.add(Finding{Severity: sev, Code: StageMissing, Side: s, Field: cf.Name, Canonical: f.Name, Values: []string{v},
				Message: fmt.Sprintf("stage %q (%s in the %s value map) is not a stage of pipeline %s", v, m.Canonical, f.Name, side.Pipeline), Hint: hint})
		case !ok:
			sev, why := Warning, "deals never show it"
			if writes && cf.Restricted {
				sev, why = Error, "it is a restricted picklist, so the sync's writes of it are refused"
			}
			c.add(Finding{Severity: sev, Code: ValueNotInPicklist, Side: s, Field: cf.Name, Canonical: f.Name, Values: []string{v},
				Message: fmt.Sprintf("%q (%s in the %s value map) is not a value of %s: %s", v, m.Canonical, f.Name, cf.Name, why),
				Hint:    fmt.Sprintf("add %q to the picklist, or correct the value map", v)})
		case !got.Active:
			sev := Warning
			if writes && cf.Restricted {
				sev = Error
			}
			c.add(Finding{Severity: sev, Code: ValueInactive, Side: s, Field: cf.Name, Canonical: f.Name, Values: []string{v},
				Message: fmt.Sprintf("%q (%s in the %s value map) is an inactive value of %s", v, m.Canonical, f.Name, cf.Name),
				Hint:    "reactivate it, or map the canonical value to an active one"})
		case !exact:
			c.add(Finding{Severity: Warning, Code: ValueNotInPicklist, Side: s, Field: cf.Name, Canonical: f.Name, Values: []string{v},
				Message: fmt.Sprintf("%q (%s in the %s value map) is spelled %q in %s", v, m.Canonical, f.Name, got.Value, cf.Name),
				Hint:    fmt.Sprintf("write it as %q in the value map", got.Value)})
		}
	}
	if !f.Flows(s) {
		return
	}
	var unmapped []string
	for _, v := range cf.Values {
		if !v.Active {
			continue
		}
		covered := false
		for _, m := range f.Values {
			if strings.EqualFold(valueOn(m, s), v.Value) {
				covered = true
				break
			}
		}
		if !covered {
			unmapped = append(unmapped, v.Value)
		}
	}
	if len(unmapped) > 0 {
		c.add(Finding{Severity: Warning, Code: PicklistUnmapped, Side: s, Field: cf.Name, Canonical: f.Name, Values: unmapped,
			Message: fmt.Sprintf("%d active value(s) of %s have no entry in the %s value map, so a deal in one does not sync %s from side %s to side %s: %s",
				len(unmapped), cf.Name, f.Name, f.Name, s, s.Other(), quoteAll(unmapped)),
			Hint: fmt.Sprintf("add a line per value under fields › %s › values, or leave them out on purpose: each shows as a sync issue naming the value", f.Name)})
	}
}

// lookupValue finds a picklist value, exactly or else by a unique case-insensitive match (as the
// pairing's translation accepts).
func lookupValue(values []Value, v string) (Value, bool, bool) {
	for _, x := range values {
		if x.Value == v {
			return x, true, true
		}
	}
	var found Value
	n := 0
	for _, x := range values {
		if strings.EqualFold(x.Value, v) {
			found, n = x, n+1
		}
	}
	return found, false, n == 1
}

// stagePipeline names another pipeline holding the stage id, for the hint.
func (c *checker) stagePipeline(side Side, id string) string {
	for _, p := range side.Pipelines {
		if p.ID == side.Pipeline {
			continue
		}
		for _, st := range p.Stages {
			if st == id {
				return p.ID
			}
		}
	}
	return ""
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
