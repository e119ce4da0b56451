package hubspot

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// ChangedDeals returns co-sell deals modified strictly after the cursor, in (hs_lastmodifieddate, id)
// order, at most limit; see changedObjects for how ties are kept exact. A co-sell deal is one flagged
// (the Enabled property "true") or one that carries a co-sell id, so unflagging a deal is seen too.
// The deals come without their company fields (company.domain): the feed reads those for the deals it
// delivers (ReadRelated), not for every deal of a poll's overlap window.
func (c *Client) ChangedDeals(ctx context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	bases := [][]Filter{
		{{PropertyName: c.cfg.DealFields.Enabled, Operator: OpEQ, Value: "true"}},
		{{PropertyName: c.cfg.DealFields.CoSellID, Operator: OpHasProperty}},
	}
	objs, err := c.changedObjects(ctx, ObjectDeals, bases, c.dealProperties(), after, limit)
	if err != nil {
		return nil, err
	}
	deals := make([]connectors.Deal, len(objs))
	for i, o := range objs {
		deals[i] = c.toDeal(o)
	}
	return deals, nil
}

// ReadRelated implements connectors.RelatedReader: the company fields of deals read by ChangedDeals,
// from their primary companies (one association read and at most one company read per 1000 deals).
func (c *Client) ReadRelated(ctx context.Context, deals []*connectors.Deal) error {
	return c.withCompanies(ctx, deals)
}
