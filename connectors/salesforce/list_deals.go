package salesforce

import (
	"context"
	"fmt"
	"strings"

	"github.com/cosellsync/cosell/connectors"
)

// ListDeals implements connectors.DealLister: every opportunity, flagged or not, by (SystemModstamp,
// Id) after the cursor, one SOQL query a page.
func (c *Connector) ListDeals(ctx context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	if limit <= 0 {
		limit = defaultPageLimit
	}
	where := ""
	if k := keysetAfter(after.ModifiedAt, after.ID); k != "" {
		where = " WHERE " + k
	}
	soql := fmt.Sprintf("SELECT %s FROM Opportunity%s ORDER BY SystemModstamp ASC, Id ASC LIMIT %d",
		strings.Join(c.selectFields(), ", "), where, limit)
	recs, err := c.query(ctx, "list Opportunity", soql)
	if err != nil {
		return nil, err
	}
	return c.toDeals(recs)
}
