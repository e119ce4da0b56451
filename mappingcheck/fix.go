package mappingcheck

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/pairing"
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
