package hubspot

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// GetDeal reads one deal by record id; a missing deal is an error matching connectors.ErrNotFound.
func (c *Client) GetDeal(ctx context.Context, recordID string) (connectors.Deal, error) {
	return c.readDeal(ctx, recordID, "")
}
