package connectors

import (
	"context"
	"strings"
)

// The records a deal's field may be read from instead of the deal itself (issue #9): a pairing maps
// `Account.Website` on Salesforce (the opportunity's Account, through Opportunity.AccountId) and
// `company.domain` on HubSpot (the deal's primary associated company). A deal read fills such a field
// under that name; the sync never writes it as a property of the deal.
const (
	SalesforceAccount = "Account"
	HubSpotCompany    = "company"
)

// SplitRelated splits a related record's field ("Account.Website") into the record and the field;
// ok is false for a deal's own field.
func SplitRelated(name string) (record, field string, ok bool) {
	record, field, ok = strings.Cut(name, ".")
	return record, field, ok && record != "" && field != ""
}

// RelatedFields returns the fields of names that live on a related record, grouped by record (in the
// order first met), and the rest: what a read selects from the deal itself.
func RelatedFields(names []string) (own []string, related map[string][]string) {
	related = map[string][]string{}
	for _, n := range names {
		if rec, f, ok := SplitRelated(n); ok {
			related[rec] = append(related[rec], f)
			continue
		}
		own = append(own, n)
	}
	return own, related
}

// RelatedReader is a CRM whose change stream (ChangedDeals) leaves out the fields of a deal's related
// records, because reading them costs calls of their own (HubSpot: an association read and a company
// read per batch). A poll re-reads the deals of its overlap window every time, most already delivered:
// the feed fills the related fields, with ReadRelated, of the deals it delivers only.
type RelatedReader interface {
	// ReadRelated fills the related-record fields (company.domain) of deals read by ChangedDeals.
	ReadRelated(ctx context.Context, deals []*Deal) error
}

// AccountLinker is a CRM that keeps a deal's account on a record of its own (a Salesforce Account, a
// HubSpot company). When the sync creates a deal there (a registration, a mirror), it finds the account
// by its domain, else its name, or creates it, and links the deal to it.
type AccountLinker interface {
	// LinkAccount links the deal to the account, idempotently: the account is found by domain (then
	// name) among the CRM's records, else by the account key the sync gives the accounts it creates,
	// else created carrying that key, so a retry never creates a second one.
	LinkAccount(ctx context.Context, in AccountLink) (AccountLinkResult, error)
}

// AccountLink is the account to link a deal to.
type AccountLink struct {
	DealRecordID string `json:"dealRecordId"`
	// Key is the account's key (account.Key, "domain:hooli.com"): the accounts the sync creates carry
	// it, so a retried link finds the one it created even before the CRM's search shows it.
	Key string `json:"key"`
	// Domain is the account's normalized domain and Name its name; either may be empty.
	Domain string `json:"domain,omitempty"`
	Name   string `json:"name,omitempty"`
	// DomainField and NameField are the account record's fields that hold them (Website and Name on a
	// Salesforce Account, domain and name on a HubSpot company), as the pairing maps them; empty when
	// the pairing keeps that value elsewhere.
	DomainField string `json:"domainField,omitempty"`
	NameField   string `json:"nameField,omitempty"`
}

// AccountLinkResult names the account the deal was linked to.
type AccountLinkResult struct {
	AccountID string `json:"accountId"`
	// Created is true when no account matched and one was created.
	Created bool `json:"created"`
}
