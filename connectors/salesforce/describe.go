package salesforce

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/cosellsync/cosell/connectors"
)

// ObjectDescribe is an sObject's describe, with what `cosell mapping check` needs to know about each
// field: whether the integration user can write it (field-level security shows as createable and
// updateable), its length and type, its picklist values with their active flag, and its external-id and
// unique flags.
type ObjectDescribe struct {
	Name   string          `json:"name"`
	Label  string          `json:"label"`
	Fields []DescribeField `json:"fields"`
}

// DescribeField is one field of a describe, in Salesforce's own names.
type DescribeField struct {
	Name               string          `json:"name"`
	Label              string          `json:"label"`
	Type               string          `json:"type"`
	Length             int             `json:"length"`
	Precision          int             `json:"precision"`
	Scale              int             `json:"scale"`
	Createable         bool            `json:"createable"`
	Updateable         bool            `json:"updateable"`
	Nillable           bool            `json:"nillable"`
	Calculated         bool            `json:"calculated"`
	Custom             bool            `json:"custom"`
	ExternalID         bool            `json:"externalId"`
	Unique             bool            `json:"unique"`
	RestrictedPicklist bool            `json:"restrictedPicklist"`
	PicklistValues     []PicklistValue `json:"picklistValues"`
	ReferenceTo        []string        `json:"referenceTo"`
}

// PicklistValue is one value of a picklist; an inactive one is kept on old records but cannot be written
// to a restricted picklist.
type PicklistValue struct {
	Value  string `json:"value"`
	Label  string `json:"label"`
	Active bool   `json:"active"`
}

// DescribeObject reads GET /sobjects/{object}/describe.
func (c *Connector) DescribeObject(ctx context.Context, object string) (ObjectDescribe, error) {
	op := "describe " + object
	if !reFieldName.MatchString(object) {
		return ObjectDescribe{}, invalid(op, "not an sObject API name")
	}
	resp, err := c.call(ctx, op, http.MethodGet, "/sobjects/"+url.PathEscape(object)+"/describe", nil, true)
	if err != nil {
		return ObjectDescribe{}, err
	}
	var d ObjectDescribe
	if err := json.Unmarshal(resp.body, &d); err != nil {
		return ObjectDescribe{}, invalid(op, "decode describe: "+err.Error())
	}
	return d, nil
}

// DescribeDeals reads Opportunity's describe, keeping active picklist values only: inactive ones cannot
// be written, so a mapping must not target them.
func (c *Connector) DescribeDeals(ctx context.Context) (connectors.Schema, error) {
	d, err := c.DescribeObject(ctx, "Opportunity")
	if err != nil {
		return connectors.Schema{}, err
	}
	s := connectors.Schema{Fields: make([]connectors.FieldSchema, 0, len(d.Fields))}
	for _, f := range d.Fields {
		fs := connectors.FieldSchema{Name: f.Name, Label: f.Label, Type: f.Type, Restricted: f.RestrictedPicklist, ExternalID: f.ExternalID}
		for _, p := range f.PicklistValues {
			if p.Active {
				fs.PicklistValues = append(fs.PicklistValues, p.Value)
			}
		}
		s.Fields = append(s.Fields, fs)
	}
	return s, nil
}
