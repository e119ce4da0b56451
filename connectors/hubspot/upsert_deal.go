package hubspot

import (
	"context"
	"fmt"

	"github.com/cosellsync/cosell/connectors"
)

// UpsertDeal creates or updates the deal whose co-sell id property equals coSellID with one batch upsert
// keyed on that unique property, so a retried call converges on the same deal. Created reports HubSpot's
// "new" flag.
func (c *Client) UpsertDeal(ctx context.Context, coSellID string, fields map[string]any) (connectors.UpsertResult, error) {
	key := c.cfg.DealFields.CoSellID
	if coSellID == "" {
		return connectors.UpsertResult{}, &connectors.Error{CRM: crmName, Op: "upsert deal", Code: "MISSING_INPUT",
			Message: "an upsert needs a co-sell id to key on", Fields: []string{key}}
	}
	props, err := toHubSpotProperties(fields)
	if err != nil {
		return connectors.UpsertResult{}, err
	}
	if v, ok := props[key]; ok && v != coSellID {
		return connectors.UpsertResult{}, fmt.Errorf("hubspot: upsert deal %s=%s: fields set %s to %q", key, coSellID, key, v)
	}
	delete(props, key)
	res, err := c.BatchUpsert(ctx, ObjectDeals, []UpsertInput{{IDProperty: key, ID: coSellID, Properties: props}})
	if err != nil {
		return connectors.UpsertResult{}, err
	}
	if len(res) != 1 {
		return connectors.UpsertResult{}, fmt.Errorf("hubspot: upsert deal %s=%s: %d results for one input", key, coSellID, len(res))
	}
	return connectors.UpsertResult{RecordID: res[0].ID, Created: res[0].New}, nil
}
