package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/connectors"
)

// The opportunity's account (issue #9): a pairing maps Account.Website and Account.Name, which SOQL
// selects as parent-relationship fields; a read by id (sObject Rows, sObject Collections) takes no
// parent fields, so there the connector reads the opportunities' AccountId and then their Accounts, in
// one more call per batch.
const (
	accountObject  = "Account"
	accountIDField = "AccountId"
	// AccountKeyField is the Account's external-id field holding the account key of the Accounts the
	// sync creates (text, External ID, unique): an upsert by it makes a retried link find the Account
	// the first attempt created, which SOQL shows only once its write commits.
	AccountKeyField = "CoSell_Account_Key__c"
)

// accountFields are the Account fields the pairing maps (Website, Name), empty when it maps none.
func (c *Connector) accountFields() []string {
	_, related := connectors.RelatedFields(c.fields.All())
	return related[connectors.SalesforceAccount]
}

// rowFields lists what a read by id selects: selectFields without parent fields, and AccountId when the
// pairing maps fields of the Account.
func (c *Connector) rowFields() []string {
	own, _ := connectors.RelatedFields(c.selectFields())
	if len(c.accountFields()) > 0 {
		own = append(own, accountIDField)
	}
	return own
}

// accountsOf reads the Accounts of records read by id, keyed by Account id, with the mapped fields: one
// sObject Collections retrieve per 200 Accounts. Records without an account need no call.
func (c *Connector) accountsOf(ctx context.Context, recs []map[string]any) (map[string]map[string]any, error) {
	fields := c.accountFields()
	if len(fields) == 0 {
		return nil, nil
	}
	seen := map[string]bool{}
	var ids []string
	for _, r := range recs {
		if id, _ := r[accountIDField].(string); id != "" && validID(id) && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	out := map[string]map[string]any{}
	for start := 0; start < len(ids); start += maxBatchRead {
		chunk := ids[start:min(start+maxBatchRead, len(ids))]
		op := fmt.Sprintf("get Account batch (%d)", len(chunk))
		uri := "/composite/sobjects/Account?ids=" + strings.Join(chunk, ",") + "&fields=" + url.QueryEscape(strings.Join(append([]string{"Id"}, fields...), ","))
		resp, err := c.call(ctx, op, http.MethodGet, uri, nil, true)
		if err != nil {
			return nil, err
		}
		var accts []map[string]any
		if err := json.Unmarshal(resp.body, &accts); err != nil || len(accts) != len(chunk) {
			return nil, invalid(op, "unexpected collection answer: "+bodySnippet(resp.body))
		}
		for i, a := range accts {
			if a != nil { // null: the Account is gone (deleted since the opportunity was read)
				out[chunk[i]] = a
			}
		}
	}
	return out, nil
}

// relatedValue is the value of a parent field ("Account.Website") on a record: nested, as SOQL returns
// it ("Account": {"Website": …} or null), or from the record's Account read apart (accounts).
func relatedValue(rec map[string]any, path string, accounts map[string]map[string]any) any {
	rel, field, _ := connectors.SplitRelated(path)
	parent, nested := fieldOf(rec, rel)
	if !nested && strings.EqualFold(rel, connectors.SalesforceAccount) {
		id, _ := rec[accountIDField].(string)
		if a, ok := accounts[id]; ok {
			parent = a
		}
	}
	m, ok := parent.(map[string]any)
	if !ok {
		return nil
	}
	v, _ := fieldOf(m, field)
	return v
}

// fieldOf finds a field in a record whatever the case of its name, as Salesforce matches names.
func fieldOf(rec map[string]any, name string) (any, bool) {
	if v, ok := rec[name]; ok {
		return v, true
	}
	for k, v := range rec {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// LinkAccount links an opportunity to its Account: an Account whose Website is the domain (compared
// normalized, so https://www.hooli.com/ matches hooli.com), else whose Name is the name, else the one
// carrying the account key, else a new one carrying it (an upsert by the key: a retry finds it). Then it
// sets Opportunity.AccountId. Calls: one query, an upsert when none matched, one update.
func (c *Connector) LinkAccount(ctx context.Context, in connectors.AccountLink) (connectors.AccountLinkResult, error) {
	op := "link Opportunity " + in.DealRecordID + " to its Account"
	if !validID(in.DealRecordID) {
		return connectors.AccountLinkResult{}, invalid(op, "not a Salesforce record id")
	}
	if in.Key == "" {
		return connectors.AccountLinkResult{}, invalid(op, "no account key")
	}
	id, err := c.findAccount(ctx, op, in)
	if err != nil {
		return connectors.AccountLinkResult{}, err
	}
	res := connectors.AccountLinkResult{AccountID: id}
	if id == "" {
		name := in.Name
		if name == "" {
			name = in.Domain // an Account must have a name
		}
		body := map[string]any{"Name": name}
		if in.DomainField != "" && in.Domain != "" {
			body[in.DomainField] = in.Domain
		}
		if in.NameField != "" && in.Name != "" {
			body[in.NameField] = in.Name
		}
		uri := "/sobjects/Account/" + AccountKeyField + "/" + url.PathEscape(in.Key)
		resp, err := c.call(ctx, "upsert Account "+AccountKeyField+"/"+in.Key, http.MethodPatch, uri, body, true)
		if err != nil {
			return connectors.AccountLinkResult{}, err
		}
		var ans upsertAnswer
		if err := json.Unmarshal(resp.body, &ans); err != nil || ans.ID == "" {
			return connectors.AccountLinkResult{}, invalid(op, "unexpected upsert answer: "+bodySnippet(resp.body))
		}
		res.AccountID, res.Created = ans.ID, resp.status == http.StatusCreated
	}
	if _, err := c.call(ctx, op, http.MethodPatch, "/sobjects/Opportunity/"+in.DealRecordID, map[string]any{accountIDField: res.AccountID}, true); err != nil {
		return connectors.AccountLinkResult{}, err
	}
	return res, nil
}

// findAccount finds the Account to link, oldest first among equals; "" when none matches.
func (c *Connector) findAccount(ctx context.Context, op string, in connectors.AccountLink) (string, error) {
	var where []string
	if in.DomainField != "" && in.Domain != "" {
		where = append(where, in.DomainField+" LIKE "+quote("%"+in.Domain+"%"))
	}
	if in.NameField != "" && in.Name != "" {
		where = append(where, in.NameField+" = "+quote(in.Name))
	}
	where = append(where, AccountKeyField+" = "+quote(in.Key))
	fields := []string{"Id", AccountKeyField}
	for _, f := range []string{in.DomainField, in.NameField} {
		if f != "" && !strings.EqualFold(f, "Id") {
			fields = append(fields, f)
		}
	}
	soql := fmt.Sprintf("SELECT %s FROM Account WHERE %s ORDER BY CreatedDate ASC, Id ASC LIMIT 200",
		strings.Join(fields, ", "), strings.Join(where, " OR "))
	recs, err := c.query(ctx, op, soql)
	if err != nil {
		return "", err
	}
	byDomain, byName, byKey := "", "", ""
	for _, r := range recs {
		id, _ := r["Id"].(string)
		if in.DomainField != "" && in.Domain != "" && byDomain == "" {
			if w, _ := fieldOf(r, in.DomainField); w != nil {
				if d, err := account.Domain(fmt.Sprint(w)); err == nil && d == in.Domain {
					byDomain = id
				}
			}
		}
		if in.NameField != "" && in.Name != "" && byName == "" {
			if n, _ := fieldOf(r, in.NameField); n != nil && strings.EqualFold(fmt.Sprint(n), in.Name) {
				byName = id
			}
		}
		if k, _ := fieldOf(r, AccountKeyField); byKey == "" && k == in.Key {
			byKey = id
		}
	}
	for _, id := range []string{byDomain, byName, byKey} {
		if id != "" {
			return id, nil
		}
	}
	return "", nil
}
