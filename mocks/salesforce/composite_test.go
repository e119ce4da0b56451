package salesforce

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func oppRec(name string, extra map[string]any) map[string]any {
	m := opp(name, extra)
	m["attributes"] = map[string]any{"type": "Opportunity"}
	return m
}

func TestCollectionsCreateUpdateUpsertDelete(t *testing.T) {
	o := newOrg(t, Options{})
	a := o.call(http.MethodPost, "composite/sobjects", map[string]any{"allOrNone": false, "records": []any{
		oppRec("A", nil), oppRec("B", map[string]any{"StageName": "Nope"}),
	}})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	res := a.list(t)
	assert.Equal(t, true, res[0]["success"])
	assert.Equal(t, false, res[1]["success"])
	assert.Equal(t, []any{map[string]any{"statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "message": "bad value for restricted picklist field: Nope", "fields": []any{"StageName"}}}, res[1]["errors"])
	assert.Len(t, o.srv.Opportunities(), 1)

	a = o.call(http.MethodPost, "composite/sobjects", map[string]any{"allOrNone": true, "records": []any{
		oppRec("C", nil), oppRec("D", map[string]any{"CloseDate": nil}),
	}})
	res = a.list(t)
	assert.Equal(t, "ALL_OR_NONE_OPERATION_ROLLED_BACK", res[0]["errors"].([]any)[0].(map[string]any)["statusCode"])
	assert.Equal(t, "REQUIRED_FIELD_MISSING", res[1]["errors"].([]any)[0].(map[string]any)["statusCode"])
	assert.Len(t, o.srv.Opportunities(), 1, "allOrNone rolled the first insert back")

	id := res[0]["id"]
	assert.Nil(t, id)
	first := o.srv.Opportunities()[0]["Id"].(string)
	a = o.call(http.MethodPatch, "composite/sobjects", map[string]any{"records": []any{
		map[string]any{"attributes": map[string]any{"type": "Opportunity"}, "Id": first, "Amount": 7},
		map[string]any{"attributes": map[string]any{"type": "Opportunity"}, "Amount": 7},
	}})
	res = a.list(t)
	assert.Equal(t, true, res[0]["success"])
	assert.Equal(t, "MISSING_ARGUMENT", res[1]["errors"].([]any)[0].(map[string]any)["statusCode"])

	a = o.call(http.MethodPatch, "composite/sobjects/Opportunity/CoSell_Id__c", map[string]any{"records": []any{
		oppRec("E", map[string]any{"CoSell_Id__c": "CS-E"}), oppRec("F", map[string]any{"CoSell_Id__c": "CS-F"}),
	}})
	res = a.list(t)
	assert.Equal(t, true, res[0]["created"])
	a = o.call(http.MethodPatch, "composite/sobjects/Opportunity/CoSell_Id__c", map[string]any{"records": []any{
		map[string]any{"attributes": map[string]any{"type": "Opportunity"}, "CoSell_Id__c": "CS-E", "Amount": 3},
	}})
	res = a.list(t)
	assert.Equal(t, false, res[0]["created"])
	assert.Equal(t, true, res[0]["success"])

	var many []any
	for i := 0; i < 201; i++ {
		many = append(many, oppRec("x", nil))
	}
	a = o.call(http.MethodPost, "composite/sobjects", map[string]any{"records": many})
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, "EXCEEDED_ID_LIMIT", a.errs(t)[0]["errorCode"])

	a = o.call(http.MethodPost, "composite/sobjects", map[string]any{"records": []any{opp("no type", nil)}})
	assert.Equal(t, "Must send a concrete entity type.", a.errs(t)[0]["message"])

	a = o.call(http.MethodDelete, "composite/sobjects?ids="+first+","+mintID(prefixOpportunity, 999)+"&allOrNone=false", nil)
	res = a.list(t)
	assert.Equal(t, true, res[0]["success"])
	assert.Equal(t, false, res[1]["success"])
}

func TestCompositeReferencesAndRollback(t *testing.T) {
	o := newOrg(t, Options{})
	a := o.call(http.MethodPost, "composite", map[string]any{"allOrNone": true, "compositeRequest": []any{
		map[string]any{"method": "POST", "url": "/services/data/v63.0/sobjects/Opportunity", "referenceId": "newOpp", "body": opp("Ref", nil)},
		map[string]any{"method": "POST", "url": "/services/data/v62.0/sobjects/Task", "referenceId": "newTask", "body": map[string]any{"WhatId": "@{newOpp.id}", "Subject": "Kickoff"}},
		map[string]any{"method": "GET", "url": "/services/data/v63.0/sobjects/Opportunity/@{newOpp.id}?fields=Name", "referenceId": "readBack"},
		map[string]any{"method": "GET", "url": "/services/data/v63.0/query?q=SELECT+Id+FROM+Task", "referenceId": "q"},
		map[string]any{"method": "PATCH", "url": "/services/data/v63.0/sobjects/Task/@{q.records[0].Id}", "referenceId": "touch", "body": map[string]any{"Status": "Completed"}},
	}})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	res := a.json(t)["compositeResponse"].([]any)
	require.Len(t, res, 5)
	codes := []float64{201, 201, 200, 200, 204}
	for i, r := range res {
		assert.Equal(t, codes[i], r.(map[string]any)["httpStatusCode"], "%d: %v", i, r)
	}
	oppID := res[0].(map[string]any)["body"].(map[string]any)["id"]
	tasks := o.srv.Tasks()
	require.Len(t, tasks, 1)
	assert.Equal(t, oppID, tasks[0]["WhatId"])
	assert.Equal(t, "Completed", tasks[0]["Status"])
	assert.Equal(t, "Ref", res[2].(map[string]any)["body"].(map[string]any)["Name"])

	// allOrNone: a failing subrequest rolls back the ones before it.
	a = o.call(http.MethodPost, "composite", map[string]any{"allOrNone": true, "compositeRequest": []any{
		map[string]any{"method": "POST", "url": "/services/data/v63.0/sobjects/Opportunity", "referenceId": "ok", "body": opp("Kept?", nil)},
		map[string]any{"method": "POST", "url": "/services/data/v63.0/sobjects/Opportunity", "referenceId": "bad", "body": opp("Bad", map[string]any{"StageName": "Foo"})},
		map[string]any{"method": "GET", "url": "/services/data/v63.0/limits", "referenceId": "after"},
	}})
	res = a.json(t)["compositeResponse"].([]any)
	for i, r := range res {
		m := r.(map[string]any)
		assert.Equal(t, float64(400), m["httpStatusCode"], i)
	}
	assert.Equal(t, "PROCESSING_HALTED", res[0].(map[string]any)["body"].([]any)[0].(map[string]any)["errorCode"])
	assert.Equal(t, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", res[1].(map[string]any)["body"].([]any)[0].(map[string]any)["errorCode"])
	assert.Len(t, o.srv.Opportunities(), 1)

	// A sub-URL with a version the org does not serve is a 404 inside the composite answer.
	a = o.call(http.MethodPost, "composite", map[string]any{"compositeRequest": []any{
		map[string]any{"method": "GET", "url": "/services/data/v20.0/limits", "referenceId": "old"},
		map[string]any{"method": "GET", "url": "/services/data/v63.0/limits", "referenceId": "cur"},
	}})
	res = a.json(t)["compositeResponse"].([]any)
	assert.Equal(t, float64(404), res[0].(map[string]any)["httpStatusCode"])
	assert.Equal(t, float64(200), res[1].(map[string]any)["httpStatusCode"])

	var many []any
	for i := 0; i < 26; i++ {
		many = append(many, map[string]any{"method": "GET", "url": "/services/data/v63.0/limits", "referenceId": "r" + string(rune('a'+i))})
	}
	a = o.call(http.MethodPost, "composite", map[string]any{"compositeRequest": many})
	assert.Equal(t, http.StatusBadRequest, a.status)
	a.errs(t)

	used, _ := o.srv.APIUsage()
	assert.Equal(t, 4, used, "a composite call counts once however many subrequests it holds")
}
