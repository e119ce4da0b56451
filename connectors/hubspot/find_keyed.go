package hubspot

import "context"

// findKeyedOnDeal returns the record of objectType (notes, tasks) associated with a deal whose key
// property holds key, if there is one: the deal's associations (v4), then one batch read of their key.
//
// This is how CreateNote and CreateTask stay idempotent. The reads are not searches on purpose: HubSpot's
// search index lags writes, the association and batch-read endpoints do not, so a retry right after an
// ambiguous create still finds the record.
func (c *Client) findKeyedOnDeal(ctx context.Context, objectType, dealID, keyProperty, key string) (string, bool, error) {
	existing, err := c.ListAssociations(ctx, ObjectDeals, dealID, objectType)
	if err != nil || len(existing) == 0 {
		return "", false, err
	}
	recs, err := c.BatchRead(ctx, objectType, "", existing, []string{keyProperty})
	if err != nil {
		return "", false, err
	}
	for _, r := range recs {
		if r.Get(keyProperty) == key {
			return r.ID, true, nil
		}
	}
	return "", false, nil
}
