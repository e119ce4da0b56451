package salesforce

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/cosellsync/cosell/connectors"
)

// ListOwners lists every user, active or not, following query pages; mapping owners by e-mail needs the
// inactive ones too, to explain why a deal fell back to the default owner.
func (c *Connector) ListOwners(ctx context.Context) ([]connectors.Owner, error) {
	recs, err := c.query(ctx, "query User", "SELECT Id, Name, Email, IsActive FROM User ORDER BY Id ASC")
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Owner, 0, len(recs))
	for _, r := range recs {
		o := connectors.Owner{}
		o.ID, _ = r["Id"].(string)
		o.Name, _ = r["Name"].(string)
		o.Email, _ = r["Email"].(string)
		o.Active, _ = r["IsActive"].(bool)
		out = append(out, o)
	}
	return out, nil
}

// DescribeDeals reads Opportunity's describe, keeping active picklist values only: inactive ones cannot
// be written, so a mapping must not target them.
func (c *Connector) DescribeDeals(ctx context.Context) (connectors.Schema, error) {
	const op = "describe Opportunity"
	resp, err := c.call(ctx, op, http.MethodGet, "/sobjects/Opportunity/describe", nil, true)
	if err != nil {
		return connectors.Schema{}, err
	}
	var d struct {
		Fields []struct {
			Name               string `json:"name"`
			Label              string `json:"label"`
			Type               string `json:"type"`
			RestrictedPicklist bool   `json:"restrictedPicklist"`
			ExternalID         bool   `json:"externalId"`
			PicklistValues     []struct {
				Value  string `json:"value"`
				Active bool   `json:"active"`
			} `json:"picklistValues"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(resp.body, &d); err != nil {
		return connectors.Schema{}, invalid(op, "decode describe: "+err.Error())
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
