package mappingcheck

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// Unfixable is a missing field --fix cannot create, and why.
type Unfixable struct {
	Missing Missing `json:"missing"`
	Reason  string  `json:"reason"`
}

// hubspotName is the property names HubSpot accepts for a custom property; hs_ is its own prefix.
var hubspotName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// HubSpotProperties are the deal properties to create for the missing HubSpot fields, typed from the
// mapping: text as a single-line text, number as a number, date as a date picker, picklist as a
// dropdown whose options are the value map's HubSpot values, the co-sell id as unique text and the
// co-sell flag as a single checkbox. HubSpot's own properties (hs_…, the owner) cannot be created.
func HubSpotProperties(missing []Missing) ([]hubspot.Property, []Unfixable) {
	var props []hubspot.Property
	var skipped []Unfixable
	for _, m := range missing {
		if m.CRM != "hubspot" {
			continue
		}
		switch {
		case m.Role == RoleOwner:
			skipped = append(skipped, Unfixable{m, "the deal owner is HubSpot's own property (hubspot_owner_id); name it under deal › owner"})
			continue
		case strings.HasPrefix(m.Field, "hs_") || !hubspotName.MatchString(m.Field):
			skipped = append(skipped, Unfixable{m, "HubSpot custom property names are lower-case letters, digits and _, and hs_ is HubSpot's own prefix; correct the name"})
			continue
		}
		p := hubspot.Property{Name: m.Field, Label: label(m), GroupName: "dealinformation", Type: "string", FieldType: "text",
			Description: fmt.Sprintf("Mirrored by CoSell Sync (%s)", m.Canonical)}
		switch {
		case m.Role == RoleCoSellID:
			p.HasUniqueValue = true
		case m.Role == RoleEnabled:
			p.Type, p.FieldType = "bool", "booleancheckbox"
			p.Options = []hubspot.PropertyOption{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false"}}
		case m.Type == pairing.Number:
			p.Type, p.FieldType = "number", "number"
		case m.Type == pairing.Date:
			p.Type, p.FieldType = "date", "date"
		case m.Type == pairing.Picklist:
			p.Type, p.FieldType = "enumeration", "select"
			for _, v := range m.Values {
				p.Options = append(p.Options, hubspot.PropertyOption{Label: v, Value: v})
			}
		}
		props = append(props, p)
	}
	return props, skipped
}

// label makes a field's label from its canonical name: next_step → "Next step".
func label(m Missing) string {
	switch m.Role {
	case RoleCoSellID:
		return "Co-sell ID"
	case RoleEnabled:
		return "Co-sell with partner"
	case RolePartnerOwnerName:
		return "Partner owner name"
	case RolePartnerOwnerEmail:
		return "Partner owner e-mail"
	}
	s := strings.ReplaceAll(m.Canonical, "_", " ")
	if s == "" {
		return m.Field
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// OptionUpdate is a HubSpot dropdown's new option list: its options with the value map's missing values
// added and its hidden ones the map uses shown again.
type OptionUpdate struct {
	Property string                   `json:"property"`
	Options  []hubspot.PropertyOption `json:"options"`
	Added    []string                 `json:"added,omitempty"`
	Shown    []string                 `json:"shown,omitempty"`
}

// HubSpotOptionUpdates are the option lists to write so that every value of side s's value maps is an
// option of its HubSpot dropdown. dealstage (its options are the pipeline's stages) and properties
// whose definition is HubSpot's own cannot be changed; values differing only in case are left for the
// admin to correct in the file.
func HubSpotOptionUpdates(p *pairing.Pairing, s vocab.Side, side Side) []OptionUpdate {
	if side.CRM != "hubspot" {
		return nil
	}
	var out []OptionUpdate
	for _, f := range p.Fields {
		if f.Type != pairing.Picklist {
			continue
		}
		cf, ok := side.field(f.On(s))
		if !ok || cf.Kind != KindPicklist || cf.Name == "dealstage" || cf.ReadOnlyDefinition {
			continue
		}
		u := OptionUpdate{Property: cf.Name}
		shown := map[string]bool{}
		for _, m := range f.Values {
			v := valueOn(m, s)
			got, exact, found := lookupValue(cf.Values, v)
			switch {
			case !found:
				u.Added = append(u.Added, v)
			case exact && !got.Active:
				shown[got.Value] = true
				u.Shown = append(u.Shown, got.Value)
			}
		}
		if len(u.Added) == 0 && len(u.Shown) == 0 {
			continue
		}
		for _, v := range cf.Values {
			label := v.Label
			if label == "" {
				label = v.Value
			}
			u.Options = append(u.Options, hubspot.PropertyOption{Label: label, Value: v.Value, Hidden: !v.Active && !shown[v.Value]})
		}
		for _, v := range u.Added {
			u.Options = append(u.Options, hubspot.PropertyOption{Label: v, Value: v})
		}
		out = append(out, u)
	}
	return out
}
