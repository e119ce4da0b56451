package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
)

// linkAccount links a deal the sync just created on side s to its account, when the pairing keeps the
// account's domain or name there on a related record (Account.Website, company.domain): the connector
// finds the account or creates it, idempotently, so a retried create or registration links the same
// one. A pairing that keeps them on the deal itself had them written with the deal's fields.
func linkAccount(ctx context.Context, p *pairing.Pairing, s pairing.Side, crm connectors.CRM, recordID string, values map[string]string) error {
	link, ok := p.AccountLink(s, values)
	if !ok {
		return nil
	}
	linker, ok := connectors.As[connectors.AccountLinker](crm)
	if !ok {
		return &connectors.Error{CRM: crm.Kind(), Op: "link account", Message: fmt.Sprintf(
			"pairing %s reads the account of side %s from a related record, which the %s connector cannot link", p.ID, s, crm.Kind())}
	}
	link.DealRecordID = recordID
	res, err := linker.LinkAccount(ctx, link)
	if err != nil {
		return err
	}
	activity.GetLogger(ctx).Info("deal linked to its account", "pairing", p.ID, "side", string(s), "record", recordID,
		"account", link.Key, "accountRecord", res.AccountID, "created", res.Created)
	return nil
}
