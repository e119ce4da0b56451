package hubspot

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// GetDeal reads one deal by record id; a missing deal is an error matching connectors.ErrNotFound.
func (c *Client) GetDeal(ctx context.Context, recordID string) (connectors.Deal, error) {
	o, err := c.GetObject(ctx, ObjectDeals, recordID, "", c.dealProperties())
	if err != nil {
		return connectors.Deal{}, err
	}
	deals, err := c.toDeals(ctx, []Object{o})
	if err != nil {
		return connectors.Deal{}, err
	}
	return deals[0], nil
}
