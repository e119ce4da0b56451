package salesforce

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateGetUpdateDeleteOpportunity(t *testing.T) {
	o := newOrg(t, Options{})
	a := o.call(http.MethodPost, "sobjects/Opportunity/", opp("Acme", map[string]any{"Amount": "1200.456", "CoSell_Enabled__c": true}))
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	created := a.json(t)
	assert.Equal(t, true, created["success"])
	assert.Equal(t, []any{}, created["errors"])
	id := created["id"].(string)
	assert.Regexp(t, `^006[0-9A-Za-z]{15}$`, id)

	rec := o.call(http.MethodGet, "sobjects/Opportunity/"+id, nil).json(t)
	assert.Equal(t, 1200.46, rec["Amount"], "currency is rounded to its scale")
	assert.Equal(t, "Opportunity", rec["attributes"].(map[string]any)["type"])
	assert.Equal(t, false, rec["IsClosed"])
	assert.Equal(t, float64(10), rec["Probability"], "probability follows the stage")
	assert.Equal(t, o.srv.IntegrationUserID(), rec["OwnerId"], "owner defaults to the API user")
	assert.Equal(t, "2026-11-22T10:00:00.000+0000", rec["CreatedDate"])
	assert.Equal(t, rec["CreatedDate"], rec["SystemModstamp"])
	assert.Nil(t, rec["NextStep"])

	o.clock.Advance(1500 * time.Millisecond)
	a = o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"StageName": "Closed Won", "NextStep": ""})
	require.Equal(t, http.StatusNoContent, a.status, string(a.body))
	assert.Empty(t, a.body)
	rec = o.call(http.MethodGet, "sobjects/Opportunity/"+id[:15]+"?fields=StageName,IsWon,LastModifiedDate,SystemModstamp,CreatedDate", nil).json(t)
	assert.Equal(t, "Closed Won", rec["StageName"])
	assert.Equal(t, true, rec["IsWon"])
	assert.Equal(t, "2026-11-22T10:00:01.000+0000", rec["LastModifiedDate"], "stamped in whole seconds")
	assert.Equal(t, "2026-11-22T10:00:01.000+0000", rec["SystemModstamp"])
	assert.Equal(t, "2026-11-22T10:00:00.000+0000", rec["CreatedDate"])
	assert.NotContains(t, rec, "Name", "?fields= limits the answer")

	taskID := o.create("Task", map[string]any{"WhatId": id, "Subject": "Call"})
	require.Equal(t, http.StatusNoContent, o.call(http.MethodDelete, "sobjects/Opportunity/"+id, nil).status)
	a = o.call(http.MethodGet, "sobjects/Opportunity/"+id, nil)
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.Equal(t, []map[string]any{{"errorCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []any{}}}, a.list(t),
		"a deleted record's id answers ENTITY_IS_DELETED, not NOT_FOUND")
	assert.Equal(t, http.StatusNotFound, o.call(http.MethodGet, "sobjects/Task/"+taskID, nil).status, "tasks go with their opportunity")
	a = o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"Name": "x"})
	assert.Equal(t, "ENTITY_IS_DELETED", a.errs(t)[0]["errorCode"])
}

func TestUpsertByExternalID(t *testing.T) {
	o := newOrg(t, Options{})
	a := o.call(http.MethodPatch, "sobjects/Opportunity/CoSell_Id__c/CS-1", opp("Acme", nil))
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	first := a.json(t)
	assert.Equal(t, true, first["created"])
	assert.Equal(t, true, first["success"])
	id := first["id"].(string)

	o.clock.Advance(time.Second)
	a = o.call(http.MethodPatch, "sobjects/Opportunity/CoSell_Id__c/cs-1", map[string]any{"Amount": 10})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	second := a.json(t)
	assert.Equal(t, false, second["created"], "an existing external id is updated (and matched case-insensitively)")
	assert.Equal(t, id, second["id"])
	assert.Len(t, o.srv.Opportunities(), 1)

	rec := o.call(http.MethodGet, "sobjects/Opportunity/CoSell_Id__c/CS-1", nil).json(t)
	assert.Equal(t, float64(10), rec["Amount"])
	assert.Equal(t, "CS-1", rec["CoSell_Id__c"])
	assert.Equal(t, "2026-11-22T10:00:01.000+0000", rec["SystemModstamp"])

	a = o.call(http.MethodPatch, "sobjects/Opportunity/CoSell_Id__c/CS-2?updateOnly=true", opp("x", nil))
	assert.Equal(t, http.StatusNotFound, a.status)

	a = o.call(http.MethodPatch, "sobjects/Opportunity/Name/Acme", map[string]any{})
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.Equal(t, "Provided external ID field does not exist or is not accessible: Name", a.errs(t)[0]["message"])

	// A create may not take an external id another record holds.
	a = o.call(http.MethodPost, "sobjects/Opportunity", opp("Dup", map[string]any{"CoSell_Id__c": "cs-1"}))
	require.Equal(t, http.StatusBadRequest, a.status)
	e := a.errs(t)[0]
	assert.Equal(t, "DUPLICATE_VALUE", e["errorCode"])
	assert.Equal(t, "duplicate value found: CoSell_Id__c duplicates value on record with id: "+id, e["message"])

	// Task keys work the same way, and a key with reserved characters survives path escaping.
	a = o.call(http.MethodPatch, "sobjects/Task/CoSell_Note_Key__c/p1%2Fdeal%3A7", map[string]any{"Subject": "Hi"})
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	assert.Equal(t, "p1/deal:7", o.srv.Tasks()[0]["CoSell_Note_Key__c"])
}

func TestWriteValidationErrors(t *testing.T) {
	o := newOrg(t, Options{})
	require.NoError(t, o.srv.Seed(SeedData{Users: []Record{
		{"Id": "0055g0000000AbC", "Name": "Old Timer", "Email": "old@acme.example", "IsActive": false},
	}}))
	inactive, _ := normalizeID("0055g0000000AbC")
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		code   string
		msg    string
		fields []any
	}{
		{"restricted picklist", "POST", "sobjects/Opportunity", opp("x", map[string]any{"StageName": "Foo"}),
			"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "bad value for restricted picklist field: Foo", []any{"StageName"}},
		{"required fields", "POST", "sobjects/Opportunity", map[string]any{"Amount": 1},
			"REQUIRED_FIELD_MISSING", "Required fields are missing: [Name, StageName, CloseDate]", []any{"Name", "StageName", "CloseDate"}},
		{"unknown field", "POST", "sobjects/Opportunity", opp("x", map[string]any{"Foo__c": 1}),
			"INVALID_FIELD", "No such column 'Foo__c' on sobject of type Opportunity", []any{}},
		{"read-only field", "POST", "sobjects/Opportunity", opp("x", map[string]any{"IsWon": true}),
			"INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: IsWon. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", []any{"IsWon"}},
		{"malformed owner", "POST", "sobjects/Opportunity", opp("x", map[string]any{"OwnerId": "bob"}),
			"MALFORMED_ID", "Owner ID: id value of incorrect type: bob", []any{"OwnerId"}},
		{"owner of wrong type", "POST", "sobjects/Opportunity", opp("x", map[string]any{"OwnerId": mintID(prefixTask, 99)}),
			"FIELD_INTEGRITY_EXCEPTION", "Owner ID: id value of incorrect type: " + mintID(prefixTask, 99), []any{"OwnerId"}},
		{"missing owner", "POST", "sobjects/Opportunity", opp("x", map[string]any{"OwnerId": mintID(prefixUser, 999)}),
			"INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []any{"OwnerId"}},
		{"inactive owner", "POST", "sobjects/Opportunity", opp("x", map[string]any{"OwnerId": inactive}),
			"INACTIVE_OWNER_OR_USER", "operation performed with inactive user [" + inactive + "] as owner of opportunity", []any{}},
		{"too long", "POST", "sobjects/Opportunity", opp(strings.Repeat("n", 121), nil),
			"STRING_TOO_LONG", "Name: data value too large: " + strings.Repeat("n", 80) + "... (max length=120)", []any{"Name"}},
		{"bad email", "POST", "sobjects/Opportunity", opp("x", map[string]any{"CoSell_Partner_Owner_Email__c": "nope"}),
			"INVALID_EMAIL_ADDRESS", "Partner Owner Email: invalid email address: nope", []any{"CoSell_Partner_Owner_Email__c"}},
		{"bad date", "POST", "sobjects/Opportunity", opp("x", map[string]any{"CloseDate": "31/12/2026"}),
			"JSON_PARSER_ERROR", "Cannot deserialize instance of date from VALUE_STRING value 31/12/2026 or request may be missing a required field", nil},
		{"what id to nothing", "POST", "sobjects/Task", map[string]any{"WhatId": mintID(prefixOpportunity, 77)},
			"INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []any{"WhatId"}},
		{"array body", "POST", "sobjects/Opportunity", []any{1},
			"JSON_PARSER_ERROR", "Cannot deserialize instance of Opportunity from START_ARRAY value", nil},
	}
	for _, c := range cases {
		a := o.call(c.method, c.path, c.body)
		require.Equal(t, http.StatusBadRequest, a.status, "%s: %s", c.name, a.body)
		errs := a.errs(t)
		assert.Equal(t, c.code, errs[0]["errorCode"], c.name)
		assert.Equal(t, c.msg, errs[0]["message"], c.name)
		if c.fields == nil {
			assert.NotContains(t, errs[0], "fields", c.name)
		} else {
			assert.Equal(t, c.fields, errs[0]["fields"], c.name)
		}
	}
	assert.Empty(t, o.srv.Opportunities(), "no failed write leaves a row behind")

	id := o.create("Opportunity", opp("ok", nil))
	a := o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"Name": nil})
	assert.Equal(t, "REQUIRED_FIELD_MISSING", a.errs(t)[0]["errorCode"])
	a = o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"StageName": "Won-ish"})
	assert.Equal(t, []any{"StageName"}, a.errs(t)[0]["fields"])
}

func TestUnknownRecordsAndRoutes(t *testing.T) {
	o := newOrg(t, Options{})
	missing := mintID(prefixOpportunity, 12345)
	for _, path := range []string{"sobjects/Opportunity/" + missing, "sobjects/Opportunity/CoSell_Id__c/none", "sobjects/Deal__c", "nothing/here"} {
		a := o.call(http.MethodGet, path, nil)
		assert.Equal(t, http.StatusNotFound, a.status, path)
		assert.Equal(t, "NOT_FOUND", a.errs(t)[0]["errorCode"], path)
	}
	a := o.call(http.MethodGet, "sobjects/Opportunity/garbage", nil)
	assert.Equal(t, "Provided external ID field does not exist or is not accessible: garbage", a.errs(t)[0]["message"])
	a = o.call(http.MethodPut, "sobjects/Opportunity/"+missing, map[string]any{})
	assert.Equal(t, http.StatusMethodNotAllowed, a.status)
	assert.Equal(t, "METHOD_NOT_ALLOWED", a.errs(t)[0]["errorCode"])
	a = o.call(http.MethodGet, "/services/data/v20.0/limits", nil)
	assert.Equal(t, http.StatusNotFound, a.status, "an unserved version does not exist")
}

func TestDescribeOpportunity(t *testing.T) {
	o := newOrg(t, Options{})
	a := o.call(http.MethodGet, "sobjects/Opportunity/describe", nil)
	require.Equal(t, http.StatusOK, a.status)
	d := a.json(t)
	assert.Equal(t, "006", d["keyPrefix"])
	byName := map[string]map[string]any{}
	for _, f := range d["fields"].([]any) {
		m := f.(map[string]any)
		byName[m["name"].(string)] = m
	}
	stage := byName["StageName"]
	assert.Equal(t, "picklist", stage["type"])
	assert.Equal(t, true, stage["restrictedPicklist"])
	assert.Equal(t, false, stage["nillable"])
	var values []string
	for _, p := range stage["picklistValues"].([]any) {
		pv := p.(map[string]any)
		assert.Equal(t, true, pv["active"])
		assert.Contains(t, pv, "defaultValue")
		assert.Equal(t, pv["value"], pv["label"])
		values = append(values, pv["value"].(string))
	}
	assert.Equal(t, standardStages, values)
	ext := byName["CoSell_Id__c"]
	assert.Equal(t, true, ext["externalId"])
	assert.Equal(t, true, ext["unique"])
	assert.Equal(t, true, ext["custom"])
	assert.Equal(t, "currency", byName["Amount"]["type"])
	assert.Equal(t, "date", byName["CloseDate"]["type"])
	assert.Equal(t, "boolean", byName["CoSell_Enabled__c"]["type"])
	assert.Equal(t, false, byName["SystemModstamp"]["updateable"])
	assert.Equal(t, []any{"User"}, byName["OwnerId"]["referenceTo"])
	for _, obj := range []string{"Task", "User"} {
		assert.Equal(t, http.StatusOK, o.call(http.MethodGet, "sobjects/"+obj+"/describe", nil).status)
	}
}

func TestVersionsAndResources(t *testing.T) {
	o := newOrg(t, Options{})
	a := o.call(http.MethodGet, "/services/data/", nil)
	require.Equal(t, http.StatusOK, a.status)
	assert.Contains(t, a.list(t), map[string]any{"label": "Spring '25", "url": "/services/data/v63.0", "version": "63.0"})
	assert.Empty(t, a.header.Get("Sforce-Limit-Info"), "the version list is free")
	r := o.call(http.MethodGet, "", nil).json(t)
	assert.Equal(t, "/services/data/v63.0/query", r["query"])
}
