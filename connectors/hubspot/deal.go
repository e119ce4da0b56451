package hubspot

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// dealProperties are the properties every deal read selects: the configured fields plus the keyset of
// the change stream. The primary company's fields (company.domain) are read apart (withCompanies).
func (c *Client) dealProperties() []string {
	props, _ := connectors.RelatedFields(c.cfg.DealFields.All())
	seen := map[string]bool{}
	for _, p := range props {
		seen[p] = true
	}
	for _, p := range []string{"hs_object_id", "hs_lastmodifieddate"} {
		if !seen[p] {
			props = append(props, p)
		}
	}
	return props
}

// toDeals converts deals read in one batch, their company fields with them.
func (c *Client) toDeals(ctx context.Context, objs []Object) ([]connectors.Deal, error) {
	deals := make([]connectors.Deal, len(objs))
	ptrs := make([]*connectors.Deal, len(objs))
	for i, o := range objs {
		deals[i] = c.toDeal(o)
		ptrs[i] = &deals[i]
	}
	if err := c.withCompanies(ctx, ptrs); err != nil {
		return nil, err
	}
	return deals, nil
}

// toDeal converts a HubSpot deal: Fields holds every property HubSpot returned, under its HubSpot name
// and as HubSpot returned it (a string, or nil when unset).
func (c *Client) toDeal(o Object) connectors.Deal {
	fields := make(map[string]any, len(o.Properties))
	for k, v := range o.Properties {
		if v == nil {
			fields[k] = nil
		} else {
			fields[k] = *v
		}
	}
	f := c.cfg.DealFields
	return connectors.Deal{
		RecordID:   o.ID,
		CoSellID:   o.Get(f.CoSellID),
		Enabled:    o.Get(f.Enabled) == "true",
		OwnerID:    o.Get(f.Owner),
		Fields:     fields,
		ModifiedAt: o.ModifiedAt(),
	}
}
