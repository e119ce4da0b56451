package salesforce

import (
	"context"

	"github.com/cosellsync/cosell/connectors"
)

// ListOwners lists every user, active or not, following query pages; mapping owners by e-mail needs the
// inactive ones too, to explain why a deal fell back to the default owner.
func (c *Connector) ListOwners(ctx context.Context) ([]connectors.Owner, error) {
	recs, err := c.query(ctx, "query User", "SELECT Id, Name, Email, IsActive FROM User ORDER BY Id ASC")
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Owner, 0, len(recs))
	for _, r := range recs {
		o := connectors.Owner{}
		o.ID, _ = r["Id"].(string)
		o.Name, _ = r["Name"].(string)
		o.Email, _ = r["Email"].(string)
		o.Active, _ = r["IsActive"].(bool)
		out = append(out, o)
	}
	return out, nil
}
