package hubspot

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// ChangedDeals returns co-sell deals (the Enabled property "true") modified strictly after the cursor, in
// (hs_lastmodifieddate, id) order, at most limit; see changedObjects for how ties are kept exact.
func (c *Client) ChangedDeals(ctx context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	base := []Filter{{PropertyName: c.cfg.DealFields.Enabled, Operator: OpEQ, Value: "true"}}
	objs, err := c.changedObjects(ctx, ObjectDeals, base, c.dealProperties(), after, limit)
	if err != nil {
		return nil, err
	}
	deals := make([]connectors.Deal, len(objs))
	for i, o := range objs {
		deals[i] = c.toDeal(o)
	}
	return deals, nil
}
