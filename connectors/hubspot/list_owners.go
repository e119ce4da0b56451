package hubspot

import (
	"context"
	"strings"

	"github.com/cosellsync/cosell/connectors"
)

// ListOwners lists every owner, active ones first, then archived ones (Active false), so a mapping can
// still resolve a deal owned by someone who left.
func (c *Client) ListOwners(ctx context.Context) ([]connectors.Owner, error) {
	var out []connectors.Owner
	for _, archived := range []bool{false, true} {
		recs, err := c.Owners(ctx, archived)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			out = append(out, connectors.Owner{
				ID: r.ID, Email: r.Email, Name: strings.TrimSpace(r.FirstName + " " + r.LastName), Active: !r.Archived,
			})
		}
	}
	return out, nil
}
