package mappingcheck

import (
	"fmt"
	"strings"

	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// bookkeeping checks the fields the sync keeps on every co-sold deal besides the mapped ones: the
// co-sell id (the external id upserts key on, so it must be unique, and on Salesforce an External ID),
// the co-sell flag, the owner, and the partner owner's name and e-mail.
func (c *checker) bookkeeping(s vocab.Side) {
	side := c.sides[s]
	d := c.p.Partner(s).Deal
	for _, b := range []struct{ role, name string }{
		{RoleCoSellID, d.CoSellID}, {RoleEnabled, d.Enabled}, {RoleOwner, d.Owner},
		{RolePartnerOwnerName, d.PartnerOwnerName}, {RolePartnerOwnerEmail, d.PartnerOwnerEmail},
	} {
		if b.name == "" {
			continue
		}
		canonical := "deal › " + b.role
		cf, ok := side.field(b.name)
		if !ok {
			c.missing = append(c.missing, Missing{Side: s, CRM: side.CRM, Field: b.name, Canonical: b.role, Type: pairing.Text, Role: b.role})
			c.add(Finding{Severity: Error, Code: FieldMissing, Side: s, Field: b.name, Canonical: canonical,
				Message: fmt.Sprintf("%s has no field %s, the bookkeeping field partners › %s › deal › %s", objectName(side.CRM), b.name, s, b.role),
				Hint:    missingHint(side, b.name)})
			continue
		}
		if b.role == RoleOwner {
			if !cf.Createable {
				c.add(Finding{Severity: Error, Code: FieldReadOnly, Side: s, Field: cf.Name, Canonical: canonical,
					Message: fmt.Sprintf("the integration user cannot set %s, so a mirror it creates gets no owner", cf.Name),
					Hint:    "grant the integration user create access to the owner field"})
			}
			continue
		}
		c.writable(s, cf, canonical)
		switch b.role {
		case RoleCoSellID:
			c.coSellID(s, cf, canonical)
		case RoleEnabled:
			if cf.Kind != KindBool {
				c.add(Finding{Severity: Error, Code: TypeMismatch, Side: s, Field: cf.Name, Canonical: canonical,
					Message: fmt.Sprintf("%s is %s field; the co-sell flag must be a checkbox (true/false)", cf.Name, article(cf.Type)),
					Hint:    "make it a checkbox (Salesforce) or a single checkbox property (HubSpot), or name another field under deal › enabled"})
			}
		}
	}
}

func (c *checker) coSellID(s vocab.Side, cf Field, canonical string) {
	side := c.sides[s]
	if cf.Kind != KindText && cf.Kind != KindNumber {
		c.add(Finding{Severity: Error, Code: TypeMismatch, Side: s, Field: cf.Name, Canonical: canonical,
			Message: fmt.Sprintf("%s is %s field; the co-sell id is text such as CS-1A2B3C4D5E6F7G8H", cf.Name, article(cf.Type)),
			Hint:    "make it a text field of at least 32 characters"})
	}
	var lacks []string
	if side.CRM == "salesforce" && !cf.ExternalID {
		lacks = append(lacks, "an External ID")
	}
	if !cf.Unique {
		lacks = append(lacks, "unique")
	}
	if len(lacks) == 0 {
		return
	}
	hint := "edit the field: tick External ID and Unique, so upserts key on it and a second mirror of a deal is refused"
	if side.CRM == "hubspot" {
		hint = "HubSpot cannot make an existing property unique: create a property with unique values (hasUniqueValue) and name it under deal › cosell_id"
	}
	c.add(Finding{Severity: Error, Code: ExternalIDMissing, Side: s, Field: cf.Name, Canonical: canonical,
		Message: fmt.Sprintf("%s, the co-sell id, is not %s: the sync upserts on it and relies on it to never mirror a deal twice", cf.Name, strings.Join(lacks, " nor ")),
		Hint:    hint})
}

// owners checks every e-mail of the owner map and both fallbacks is a user of its CRM, and active: a
// mirror created for an unknown or inactive owner is refused (Salesforce) or left unowned (HubSpot).
func (c *checker) owners() {
	type use struct {
		side  vocab.Side
		email string
		what  string
	}
	var uses []use
	for _, m := range c.p.Owners.Map {
		uses = append(uses, use{pairing.A, m.A, "owners › map"}, use{pairing.B, m.B, "owners › map"})
	}
	uses = append(uses, use{pairing.A, c.p.Owners.FallbackA, "owners › fallback › a"}, use{pairing.B, c.p.Owners.FallbackB, "owners › fallback › b"})
	for _, u := range uses {
		if u.email == "" {
			continue
		}
		side := c.sides[u.side]
		known, active := false, false
		for _, o := range side.Owners {
			if strings.EqualFold(o.Email, u.email) {
				known = true
				active = active || o.Active
			}
		}
		user, aUser := "user", "a user"
		if side.CRM == "hubspot" {
			user, aUser = "owner", "an owner"
		}
		switch {
		case !known:
			c.add(Finding{Severity: Error, Code: OwnerUnknown, Side: u.side, Field: "owners", Canonical: u.what, Values: []string{u.email},
				Message: fmt.Sprintf("%s (%s) is not %s of %s", u.email, u.what, aUser, c.p.Partner(u.side).Name),
				Hint:    fmt.Sprintf("correct the e-mail, or add the %s in %s", user, crmName(side.CRM))})
		case !active:
			c.add(Finding{Severity: Error, Code: OwnerInactive, Side: u.side, Field: "owners", Canonical: u.what, Values: []string{u.email},
				Message: fmt.Sprintf("%s (%s) is an inactive %s of %s: a mirror cannot be assigned to them", u.email, u.what, user, c.p.Partner(u.side).Name),
				Hint:    "map an active user, or reactivate this one"})
		}
	}
}

func crmName(crm string) string {
	if crm == "hubspot" {
		return "HubSpot"
	}
	return "Salesforce"
}

// pipelines checks HubSpot's pipeline for mirrors exists; its stages are checked with dealstage's
// value map.
func (c *checker) pipelines(s vocab.Side) {
	side := c.sides[s]
	if side.CRM != "hubspot" || side.Pipeline == "" {
		return
	}
	if _, ok := side.pipeline(side.Pipeline); ok {
		return
	}
	var ids []string
	for _, p := range side.Pipelines {
		ids = append(ids, p.ID)
	}
	c.add(Finding{Severity: Error, Code: PipelineMissing, Side: s, Field: "pipeline", Values: []string{side.Pipeline},
		Message: fmt.Sprintf("HubSpot has no deal pipeline %q, which mirrors are created in (pipelines: %s)", side.Pipeline, quoteAll(ids)),
		Hint:    "create the pipeline, or point the connection at one of these"})
}
