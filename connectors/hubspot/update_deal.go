package hubspot

import (
	"context"
)

// UpdateDeal sets fields on a deal by record id, as used to stamp the co-sell id on a deal a partner
// flagged.
func (c *Client) UpdateDeal(ctx context.Context, recordID string, fields map[string]any) error {
	props, err := toHubSpotProperties(fields)
	if err != nil {
		return err
	}
	_, err = c.UpdateObject(ctx, ObjectDeals, recordID, props)
	return err
}
