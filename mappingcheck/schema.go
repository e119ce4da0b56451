package mappingcheck

import (
	"strings"

	"github.com/cosellsync/cosell/vocab"
)

// Kind is what a CRM field can hold, across CRMs: Salesforce's currency and HubSpot's number are both
// KindNumber. The rules compare kinds, and messages quote the CRM's own type name.
type Kind string

// Kinds.
const (
	KindText      Kind = "text"
	KindNumber    Kind = "number"
	KindDate      Kind = "date"
	KindDateTime  Kind = "datetime"
	KindBool      Kind = "bool"
	KindPicklist  Kind = "picklist"
	KindReference Kind = "reference"
	KindOther     Kind = "other"
)

// Field is one described CRM field.
type Field struct {
	Name  string `json:"name"`
	Label string `json:"label,omitempty"`
	// Type is the CRM's own type name (string, currency, enumeration, …), for messages.
	Type string `json:"type"`
	Kind Kind   `json:"kind"`
	// Length is the most characters the field holds; 0 when the CRM declares no per-field limit.
	Length int `json:"length,omitempty"`
	// Createable and Updateable say whether the integration user can set the field on a new record and
	// change it on an existing one (Salesforce's field-level security; HubSpot's readOnlyValue).
	Createable bool `json:"createable"`
	Updateable bool `json:"updateable"`
	// ReadOnlyDefinition is HubSpot's: the property's definition (its options) cannot be changed.
	ReadOnlyDefinition bool `json:"readOnlyDefinition,omitempty"`
	// Calculated is a formula (Salesforce) or a value HubSpot computes: never writable by anyone.
	Calculated bool `json:"calculated,omitempty"`
	ExternalID bool `json:"externalId,omitempty"`
	Unique     bool `json:"unique,omitempty"`
	// Restricted means the CRM refuses a value outside Values.
	Restricted bool `json:"restricted,omitempty"`
	// Values are the picklist's values, active and inactive.
	Values []Value `json:"values,omitempty"`
}

// Value is one picklist value (a HubSpot option, or a pipeline stage for dealstage).
type Value struct {
	Value  string `json:"value"`
	Label  string `json:"label,omitempty"`
	Active bool   `json:"active"`
}

// Owner is a user who can own a deal.
type Owner struct {
	Email  string `json:"email"`
	Active bool   `json:"active"`
}

// Pipeline is a HubSpot deal pipeline with its stages.
type Pipeline struct {
	ID     string   `json:"id"`
	Label  string   `json:"label"`
	Stages []string `json:"stages"`
}

// Side is one CRM as described.
type Side struct {
	CRM    string  `json:"crm"`
	Fields []Field `json:"fields"`
	Owners []Owner `json:"owners"`
	// Pipelines and Pipeline are HubSpot's: every deal pipeline, and the one the connector creates
	// mirrors in (its dealstage values are that pipeline's stages).
	Pipelines []Pipeline `json:"pipelines,omitempty"`
	Pipeline  string     `json:"pipeline,omitempty"`
}

// field finds a field by name: Salesforce API names are case-insensitive, HubSpot's are not.
func (s Side) field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	if s.CRM == "salesforce" {
		for _, f := range s.Fields {
			if strings.EqualFold(f.Name, name) {
				return f, true
			}
		}
	}
	return Field{}, false
}

// pipeline finds a HubSpot pipeline by id.
func (s Side) pipeline(id string) (Pipeline, bool) {
	for _, p := range s.Pipelines {
		if p.ID == id {
			return p, true
		}
	}
	return Pipeline{}, false
}

// Sides are the two described CRMs of a pairing.
type Sides map[vocab.Side]Side
