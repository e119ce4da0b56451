package hubspot

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// DescribeDeals reports the deal properties. Enumeration and boolean properties are restricted picklists
// (HubSpot refuses other values). The valid values of dealstage depend on the deal's pipeline, which
// HubSpot exposes through the pipelines API rather than the property, so they are the stages of the
// configured pipeline. A unique-value property is reported as an external id.
func (c *Client) DescribeDeals(ctx context.Context) (connectors.Schema, error) {
	props, err := c.Properties(ctx, ObjectDeals)
	if err != nil {
		return connectors.Schema{}, err
	}
	pipeline, err := c.DealPipeline(ctx, c.cfg.Pipeline)
	if err != nil {
		return connectors.Schema{}, err
	}
	var schema connectors.Schema
	for _, p := range props {
		f := connectors.FieldSchema{
			Name: p.Name, Label: p.Label, Type: p.Type, ExternalID: p.HasUniqueValue,
			Restricted: p.Type == "enumeration" || p.Type == "bool",
		}
		switch {
		case p.Name == "dealstage":
			for _, s := range pipeline.Stages {
				if !s.Archived {
					f.PicklistValues = append(f.PicklistValues, s.ID)
				}
			}
		case f.Restricted:
			for _, o := range p.Options {
				if !o.Hidden {
					f.PicklistValues = append(f.PicklistValues, o.Value)
				}
			}
		}
		schema.Fields = append(schema.Fields, f)
	}
	return schema, nil
}
