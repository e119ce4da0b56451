package hubspot

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

// A deal's account (issue #9) is its primary associated company: a pairing maps company.domain and
// company.name, which a deal read fills from that company: a batch of deals with one v4 batch read of
// their company associations and one batch read of the companies; a single deal with its associations
// in its own GET and a read of its primary company.
const (
	// ObjectCompanies is the companies object of the CRM v3 paths.
	ObjectCompanies = "companies"
	// CompanyKeyProperty is the company property (text, unique value) holding the account key of the
	// companies the sync creates: an upsert by it makes a retried link find the company the first
	// attempt created, which search shows only seconds later.
	CompanyKeyProperty = "cosell_account_key"
	// Association types HubSpot defines from a deal to a company: the primary company, and unlabeled.
	dealToPrimaryCompany = 5
)

// companyFields are the company properties the pairing maps (domain, name), empty when it maps none.
func (c *Client) companyFields() []string {
	_, related := connectors.RelatedFields(c.cfg.DealFields.All())
	return related[connectors.HubSpotCompany]
}

// withCompanies fills the company fields of deals read, from each deal's primary company; a deal with
// none reads them as unset. It costs nothing when the pairing maps no company field.
func (c *Client) withCompanies(ctx context.Context, deals []*connectors.Deal) error {
	fields := c.companyFields()
	if len(fields) == 0 || len(deals) == 0 {
		return nil
	}
	ids := make([]string, 0, len(deals))
	for _, d := range deals {
		ids = append(ids, d.RecordID)
	}
	primary, err := c.PrimaryCompanies(ctx, ids)
	if err != nil {
		return err
	}
	return c.fillCompanies(ctx, deals, primary, fields)
}

// primaryLabel is v3's name of the deal-to-primary-company association (type 5); a read with
// associations=companies lists the primary company under it and again as deal_to_company_unlabeled.
const primaryLabel = "deal_to_company"

// readDeal reads one deal by id (or by a unique property) with its company fields. When the pairing maps
// any, the read asks for the deal's companies in the same call (associations=companies), so a deal with
// no primary company costs that one call and a deal with one, a read of that company besides.
func (c *Client) readDeal(ctx context.Context, id, idProperty string) (connectors.Deal, error) {
	fields := c.companyFields()
	associations := ""
	if len(fields) > 0 {
		associations = ObjectCompanies
	}
	o, err := c.getObject(ctx, ObjectDeals, id, idProperty, c.dealProperties(), associations)
	if err != nil {
		return connectors.Deal{}, err
	}
	d := c.toDeal(o)
	if len(fields) == 0 {
		return d, nil
	}
	primary := map[string]string{}
	for _, a := range o.Associations[ObjectCompanies].Results {
		if a.Type == primaryLabel {
			primary[d.RecordID] = a.ID
			break
		}
	}
	if err := c.fillCompanies(ctx, []*connectors.Deal{&d}, primary, fields); err != nil {
		return connectors.Deal{}, err
	}
	return d, nil
}

// fillCompanies sets the company fields of deals from their primary companies (deal id to company
// id), read in one batch; a deal with none reads them as unset.
func (c *Client) fillCompanies(ctx context.Context, deals []*connectors.Deal, primary map[string]string, fields []string) error {
	var companyIDs []string
	seen := map[string]bool{}
	for _, d := range deals {
		if cid, ok := primary[d.RecordID]; ok && !seen[cid] {
			seen[cid] = true
			companyIDs = append(companyIDs, cid)
		}
	}
	companies := map[string]Object{}
	if len(companyIDs) > 0 {
		objs, err := c.BatchRead(ctx, ObjectCompanies, "", companyIDs, fields)
		if err != nil {
			return err
		}
		for _, o := range objs {
			companies[o.ID] = o
		}
	}
	for _, d := range deals {
		co, ok := companies[primary[d.RecordID]]
		for _, f := range fields {
			var v any
			if ok && co.Properties[f] != nil {
				v = *co.Properties[f]
			}
			d.Fields[connectors.HubSpotCompany+"."+f] = v
		}
	}
	return nil
}

// PrimaryCompanies maps each deal id to its primary company's id, with v4's association batch read
// (1000 deals a request). A deal without a primary company is absent.
func (c *Client) PrimaryCompanies(ctx context.Context, dealIDs []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(dealIDs); start += maxAssociationBatchInputs {
		chunk := dealIDs[start:min(start+maxAssociationBatchInputs, len(dealIDs))]
		inputs := make([]map[string]string, len(chunk))
		for i, id := range chunk {
			inputs[i] = map[string]string{"id": id}
		}
		var resp struct {
			Results []struct {
				From struct {
					ID string `json:"id"`
				} `json:"from"`
				To []struct {
					ToObjectID       json.Number `json:"toObjectId"`
					AssociationTypes []struct {
						Category string `json:"category"`
						TypeID   int    `json:"typeId"`
					} `json:"associationTypes"`
				} `json:"to"`
			} `json:"results"`
			Errors []struct {
				Category    string `json:"category"`
				SubCategory string `json:"subCategory"`
				Message     string `json:"message"`
			} `json:"errors"`
		}
		if _, err := c.do(ctx, request{
			op:     fmt.Sprintf("batch read deal→company associations (%d ids)", len(chunk)),
			method: http.MethodPost, path: "/crm/v4/associations/deals/companies/batch/read",
			body: map[string]any{"inputs": inputs}, safe: true,
		}, &resp); err != nil {
			return nil, err
		}
		for _, e := range resp.Errors {
			if e.SubCategory != "crm.associations.NO_ASSOCIATIONS_FOUND" {
				return nil, fmt.Errorf("hubspot: batch read deal→company associations: %s: %s", e.Category, e.Message)
			}
		}
		for _, r := range resp.Results {
			for _, t := range r.To {
				for _, ty := range t.AssociationTypes {
					if ty.Category == "HUBSPOT_DEFINED" && ty.TypeID == dealToPrimaryCompany {
						out[r.From.ID] = t.ToObjectID.String()
					}
				}
			}
		}
	}
	return out, nil
}

// LinkAccount makes a company the deal's primary company: one whose domain is the domain, else whose
// name is the name, else the one carrying the account key (found by search), else one created, or
// found, by an upsert on the account key, which unlike search sees a create at once, so a retry never
// makes a second company. Calls: one search, an upsert when none matched, one association write.
func (c *Client) LinkAccount(ctx context.Context, in connectors.AccountLink) (connectors.AccountLinkResult, error) {
	if in.DealRecordID == "" || in.Key == "" {
		return connectors.AccountLinkResult{}, fmt.Errorf("hubspot: link account: deal id and account key are required")
	}
	id, err := c.findCompany(ctx, in)
	if err != nil {
		return connectors.AccountLinkResult{}, err
	}
	res := connectors.AccountLinkResult{AccountID: id}
	if id == "" {
		props := map[string]string{}
		if in.DomainField != "" && in.Domain != "" {
			props[in.DomainField] = in.Domain
		}
		if in.NameField != "" && in.Name != "" {
			props[in.NameField] = in.Name
		}
		if props["name"] == "" && in.Name != "" {
			props["name"] = in.Name
		}
		if props["domain"] == "" && in.Domain != "" {
			props["domain"] = in.Domain
		}
		up, err := c.BatchUpsert(ctx, ObjectCompanies, []UpsertInput{{IDProperty: CompanyKeyProperty, ID: in.Key, Properties: props}})
		if err != nil {
			return connectors.AccountLinkResult{}, err
		}
		if len(up) != 1 || up[0].ID == "" {
			return connectors.AccountLinkResult{}, fmt.Errorf("hubspot: upsert company %s=%s: no company in the answer", CompanyKeyProperty, in.Key)
		}
		res.AccountID, res.Created = up[0].ID, up[0].New
	}
	body := []map[string]any{{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": dealToPrimaryCompany}}
	if _, err := c.do(ctx, request{
		op:     fmt.Sprintf("make company %s the primary company of deal %s", res.AccountID, in.DealRecordID),
		method: http.MethodPut, path: "/crm/v4/objects/deals/" + url.PathEscape(in.DealRecordID) + "/associations/companies/" + url.PathEscape(res.AccountID),
		body: body, safe: true,
	}, nil); err != nil {
		return connectors.AccountLinkResult{}, err
	}
	return res, nil
}

// findCompany searches the companies matching the account, oldest first; "" when none does.
func (c *Client) findCompany(ctx context.Context, in connectors.AccountLink) (string, error) {
	var groups []FilterGroup
	if in.DomainField != "" && in.Domain != "" {
		// HubSpot keeps a domain as it was entered: look for the www. form too (five groups at most).
		for _, d := range []string{in.Domain, "www." + in.Domain} {
			groups = append(groups, FilterGroup{Filters: []Filter{{PropertyName: in.DomainField, Operator: OpEQ, Value: d}}})
		}
	}
	if in.NameField != "" && in.Name != "" {
		groups = append(groups, FilterGroup{Filters: []Filter{{PropertyName: in.NameField, Operator: OpEQ, Value: in.Name}}})
	}
	groups = append(groups, FilterGroup{Filters: []Filter{{PropertyName: CompanyKeyProperty, Operator: OpEQ, Value: in.Key}}})
	props := []string{CompanyKeyProperty}
	for _, f := range []string{in.DomainField, in.NameField} {
		if f != "" {
			props = append(props, f)
		}
	}
	page, err := c.Search(ctx, ObjectCompanies, SearchRequest{
		FilterGroups: groups, Properties: props, Limit: 100,
		Sorts: []Sort{{PropertyName: "createdate", Direction: "ASCENDING"}},
	})
	if err != nil {
		return "", err
	}
	byDomain, byName, byKey := "", "", ""
	for _, o := range page.Results {
		if in.DomainField != "" && in.Domain != "" && byDomain == "" {
			if d, err := account.Domain(o.Get(in.DomainField)); err == nil && d == in.Domain {
				byDomain = o.ID
			}
		}
		if in.NameField != "" && in.Name != "" && byName == "" && strings.EqualFold(o.Get(in.NameField), in.Name) {
			byName = o.ID
		}
		if byKey == "" && o.Get(CompanyKeyProperty) == in.Key {
			byKey = o.ID
		}
	}
	for _, id := range []string{byDomain, byName, byKey} {
		if id != "" {
			return id, nil
		}
	}
	return "", nil
}
