package hubspot

import (
	"context"
	"errors"

	"github.com/cosellsync/cosell/connectors"
)

// FindDealByCoSellID reads the deal carrying a co-sell id with a read by unique property
// (idProperty=cosell_id), which unlike search sees a write at once.
func (c *Client) FindDealByCoSellID(ctx context.Context, coSellID string) (connectors.Deal, bool, error) {
	d, err := c.readDeal(ctx, coSellID, c.cfg.DealFields.CoSellID)
	if errors.Is(err, connectors.ErrNotFound) {
		return connectors.Deal{}, false, nil
	}
	if err != nil {
		return connectors.Deal{}, false, err
	}
	return d, true, nil
}
