package hubspot

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// ChangedDeals returns co-sell deals modified strictly after the cursor, in (hs_lastmodifieddate, id)
// order, at most limit; see changedObjects for how ties are kept exact. A co-sell deal is one flagged
// (the Enabled property "true") or one that carries a co-sell id, so unflagging a deal is seen too.
func (c *Client) ChangedDeals(ctx context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	bases := [][]Filter{
		{{PropertyName: c.cfg.DealFields.Enabled, Operator: OpEQ, Value: "true"}},
		{{PropertyName: c.cfg.DealFields.CoSellID, Operator: OpHasProperty}},
	}
	objs, err := c.changedObjects(ctx, ObjectDeals, bases, c.dealProperties(), after, limit)
	if err != nil {
		return nil, err
	}
	return c.toDeals(ctx, objs)
}
