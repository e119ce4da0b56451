package salesforce

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAccountCreateReadUpdateDescribe(t *testing.T) {
	o := newOrg(t, Options{})
	a := o.call(http.MethodPost, "sobjects/Account", map[string]any{"Name": "Hooli, Inc.", "Website": "https://www.hooli.com"})
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	id := a.json(t)["id"].(string)
	assert.Regexp(t, `^001[0-9A-Za-z]{15}$`, id, "accounts carry the 001 key prefix")

	rec := o.call(http.MethodGet, "sobjects/Account/"+id+"?fields=Name,Website", nil).json(t)
	assert.Equal(t, "Hooli, Inc.", rec["Name"])
	assert.Equal(t, "https://www.hooli.com", rec["Website"])

	require.Equal(t, http.StatusNoContent, o.call(http.MethodPatch, "sobjects/Account/"+id, map[string]any{"Website": "hooli.com"}).status)
	assert.Equal(t, "hooli.com", o.call(http.MethodGet, "sobjects/Account/"+id, nil).json(t)["Website"])

	a = o.call(http.MethodPost, "sobjects/Account", map[string]any{"Website": "x.com"})
	assert.Equal(t, "REQUIRED_FIELD_MISSING", a.errs(t)[0]["errorCode"], "an account needs a name")

	d := o.call(http.MethodGet, "sobjects/Account/describe", nil).json(t)
	assert.Equal(t, "001", d["keyPrefix"])
	byName := map[string]map[string]any{}
	for _, f := range d["fields"].([]any) {
		byName[f.(map[string]any)["name"].(string)] = f.(map[string]any)
	}
	assert.Equal(t, "url", byName["Website"]["type"])
	opp := o.call(http.MethodGet, "sobjects/Opportunity/describe", nil).json(t)
	for _, f := range opp["fields"].([]any) {
		if f := f.(map[string]any); f["name"] == "AccountId" {
			assert.Equal(t, "reference", f["type"])
			assert.Equal(t, []any{"Account"}, f["referenceTo"])
			assert.Equal(t, "Account", f["relationshipName"])
		}
	}
}

func TestOpportunityAccountIdIsValidatedAsAReference(t *testing.T) {
	o := newOrg(t, Options{})
	acct := o.create("Account", map[string]any{"Name": "Hooli"})
	other := o.create("Opportunity", opp("Other", nil))
	deleted := o.create("Account", map[string]any{"Name": "Gone"})
	require.Equal(t, http.StatusNoContent, o.call(http.MethodDelete, "sobjects/Account/"+deleted, nil).status)

	for _, c := range []struct {
		name, id, code, msg string
	}{
		{"malformed", "not-an-id", "MALFORMED_ID", "Account ID: id value of incorrect type: not-an-id"},
		{"another object's id", other, "FIELD_INTEGRITY_EXCEPTION", "Account ID: id value of incorrect type: " + other},
		{"a deleted account", deleted, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := o.call(http.MethodPost, "sobjects/Opportunity", opp("Bad", map[string]any{"AccountId": c.id}))
			require.Equal(t, http.StatusBadRequest, a.status, string(a.body))
			assert.Equal(t, []map[string]any{{"errorCode": c.code, "message": c.msg, "fields": []any{"AccountId"}}}, a.list(t))
		})
	}
	id := o.create("Opportunity", opp("Good", map[string]any{"AccountId": acct[:15]}))
	rec, _ := o.srv.Get(id)
	assert.Equal(t, acct, rec["AccountId"], "a 15-character id is stored in its 18-character form")
}

func TestSOQLReadsTheAccountsFieldsNested(t *testing.T) {
	o := newOrg(t, Options{})
	acct := o.create("Account", map[string]any{"Name": "Hooli", "Website": "hooli.com"})
	with := o.create("Opportunity", opp("With", map[string]any{"AccountId": acct}))
	without := o.create("Opportunity", opp("Without", nil))

	a := o.query("SELECT Id, Account.Website, Account.Name FROM Opportunity ORDER BY Name ASC")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	recs := a.json(t)["records"].([]any)
	require.Len(t, recs, 2)
	first := recs[0].(map[string]any)
	assert.Equal(t, with, first["Id"])
	assert.Equal(t, map[string]any{
		"attributes": map[string]any{"type": "Account", "url": "/services/data/v63.0/sobjects/Account/" + acct},
		"Website":    "hooli.com", "Name": "Hooli",
	}, first["Account"])
	second := recs[1].(map[string]any)
	assert.Equal(t, without, second["Id"])
	assert.Contains(t, second, "Account")
	assert.Nil(t, second["Account"], "an opportunity without an account shows Account: null")

	a = o.query("SELECT Id FROM Opportunity WHERE Account.Website = 'HOOLI.COM'")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	assert.Equal(t, []string{with}, ids(a.json(t)["records"].([]any)), "filters compare text without case")

	a = o.query("SELECT Id, Account.Websight FROM Opportunity")
	assert.Equal(t, "INVALID_FIELD", a.errs(t)[0]["errorCode"])
	a = o.call(http.MethodGet, "sobjects/Opportunity/"+with+"?fields=Account.Website", nil)
	assert.Equal(t, []map[string]any{{"errorCode": "INVALID_FIELD", "message": "No such column 'Account.Website' on sobject of type Opportunity"}}, a.list(t),
		"a read by id takes no parent fields: those take SOQL")

	a = o.query("SELECT Id, Name, Website FROM Account WHERE Website = 'hooli.com'")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	assert.Equal(t, []string{acct}, ids(a.json(t)["records"].([]any)))
}

func TestAccountsThroughCollectionsAndDeleteCascade(t *testing.T) {
	o := newOrg(t, Options{})
	a := o.call(http.MethodPost, "composite/sobjects", map[string]any{"allOrNone": false, "records": []any{
		map[string]any{"attributes": map[string]any{"type": "Account"}, "Name": "A", "Website": "a.example"},
		map[string]any{"attributes": map[string]any{"type": "Account"}, "Website": "b.example"},
	}})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	res := a.list(t)
	assert.Equal(t, true, res[0]["success"])
	assert.Equal(t, false, res[1]["success"])
	acct := res[0]["id"].(string)

	a = o.call(http.MethodGet, "composite/sobjects/Account?ids="+acct+"&fields=Name,Website", nil)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	assert.Contains(t, string(a.body), `"Website":"a.example"`)

	oppID := o.create("Opportunity", opp("Deal", map[string]any{"AccountId": acct}))
	taskID := o.create("Task", map[string]any{"WhatId": oppID, "Subject": "Call"})
	require.Equal(t, http.StatusNoContent, o.call(http.MethodDelete, "sobjects/Account/"+acct, nil).status)
	assert.Equal(t, "ENTITY_IS_DELETED", o.call(http.MethodGet, "sobjects/Opportunity/"+oppID, nil).errs(t)[0]["errorCode"],
		"deleting an account deletes its opportunities")
	assert.Equal(t, http.StatusNotFound, o.call(http.MethodGet, "sobjects/Task/"+taskID, nil).status)
}

func TestSeedAccounts(t *testing.T) {
	o := newOrg(t, Options{})
	require.NoError(t, o.srv.Seed(SeedData{
		Accounts:      []Record{{"Id": "001000000000001AAA", "Name": "Hooli", "Website": "hooli.com"}},
		Opportunities: []Record{{"Name": "Seeded", "StageName": "Prospecting", "CloseDate": "2026-12-31", "AccountId": "001000000000001AAA"}},
	}))
	require.Len(t, o.srv.Accounts(), 1)
	assert.Equal(t, "001000000000001AAA", o.srv.Opportunities()[0]["AccountId"])
	err := o.srv.Seed(SeedData{Opportunities: []Record{{"Name": "Bad", "StageName": "Prospecting", "CloseDate": "2026-12-31", "AccountId": "001000000000002AAA"}}})
	assert.ErrorContains(t, err, "INVALID_CROSS_REFERENCE_KEY")
}
