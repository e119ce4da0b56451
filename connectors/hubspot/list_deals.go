package hubspot

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// ListDeals implements connectors.DealLister: every deal, flagged or not, in (hs_lastmodifieddate, id)
// order after the cursor, through the same search paging as ChangedDeals (200 a call), so a backfill
// of a portal costs one call per 200 deals.
func (c *Client) ListDeals(ctx context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	objs, err := c.changedObjects(ctx, ObjectDeals, nil, c.dealProperties(), after, limit)
	if err != nil {
		return nil, err
	}
	return c.toDeals(ctx, objs)
}
