package mappingcheck

import (
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/connectors/salesforce"
)

// SalesforceKind classifies a Salesforce describe type.
func SalesforceKind(typ string) Kind {
	switch typ {
	case "string", "textarea", "email", "url", "phone", "encryptedstring", "combobox":
		return KindText
	case "picklist", "multipicklist":
		return KindPicklist
	case "double", "currency", "percent", "int", "long":
		return KindNumber
	case "date":
		return KindDate
	case "datetime":
		return KindDateTime
	case "boolean":
		return KindBool
	case "reference", "id":
		return KindReference
	}
	return KindOther
}

// HubSpotKind classifies a HubSpot property type.
func HubSpotKind(typ string) Kind {
	switch typ {
	case "string", "phone_number":
		return KindText
	case "number":
		return KindNumber
	case "date":
		return KindDate
	case "datetime":
		return KindDateTime
	case "enumeration":
		return KindPicklist
	case "bool":
		return KindBool
	}
	return KindOther
}

// FromSalesforce describes a Salesforce side from Opportunity's describe and the org's users.
// Createable and updateable already reflect the integration user's field-level security, since
// describe answers for the user who calls it.
func FromSalesforce(d salesforce.ObjectDescribe, users []connectors.Owner) Side {
	s := Side{CRM: "salesforce"}
	for _, f := range d.Fields {
		kind := SalesforceKind(f.Type)
		field := Field{
			Name: f.Name, Label: f.Label, Type: f.Type, Kind: kind,
			Createable: f.Createable && !f.Calculated, Updateable: f.Updateable && !f.Calculated, Calculated: f.Calculated,
			ExternalID: f.ExternalID, Unique: f.Unique,
			Restricted: f.RestrictedPicklist && kind == KindPicklist,
		}
		if kind == KindText {
			field.Length = f.Length
		}
		for _, v := range f.PicklistValues {
			field.Values = append(field.Values, Value{Value: v.Value, Label: v.Label, Active: v.Active})
		}
		s.Fields = append(s.Fields, field)
	}
	for _, u := range users {
		s.Owners = append(s.Owners, Owner{Email: u.Email, Active: u.Active})
	}
	return s
}

// FromHubSpot describes a HubSpot side from the deal properties, the owners (archived ones inactive),
// every deal pipeline, and the pipeline mirrors are created in. Enumeration and bool properties are
// restricted (HubSpot refuses a value outside the options); dealstage's values are the stages of that
// pipeline, since the property's own options mix every pipeline's stages.
func FromHubSpot(props []hubspot.Property, owners []connectors.Owner, pipelines []hubspot.Pipeline, pipelineID string) Side {
	s := Side{CRM: "hubspot", Pipeline: pipelineID}
	for _, p := range pipelines {
		pl := Pipeline{ID: p.ID, Label: p.Label}
		for _, st := range p.Stages {
			if !st.Archived {
				pl.Stages = append(pl.Stages, st.ID)
			}
		}
		s.Pipelines = append(s.Pipelines, pl)
	}
	for _, p := range props {
		kind := HubSpotKind(p.Type)
		writable := !p.ModificationMetadata.ReadOnlyValue && !p.Calculated
		f := Field{
			Name: p.Name, Label: p.Label, Type: p.Type, Kind: kind,
			Createable: writable, Updateable: writable, Calculated: p.Calculated,
			ReadOnlyDefinition: p.ModificationMetadata.ReadOnlyDefinition,
			ExternalID:         p.HasUniqueValue, Unique: p.HasUniqueValue,
			Restricted: kind == KindPicklist || kind == KindBool,
		}
		switch {
		case p.Name == "dealstage":
			if pl, ok := s.pipeline(pipelineID); ok {
				for _, st := range pl.Stages {
					f.Values = append(f.Values, Value{Value: st, Active: true})
				}
			}
		default:
			for _, o := range p.Options {
				f.Values = append(f.Values, Value{Value: o.Value, Label: o.Label, Active: !o.Hidden})
			}
		}
		s.Fields = append(s.Fields, f)
	}
	for _, o := range owners {
		s.Owners = append(s.Owners, Owner{Email: o.Email, Active: o.Active})
	}
	return s
}
