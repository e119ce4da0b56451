package salesforce

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func describedField(t *testing.T, o *org, name string) (map[string]any, bool) {
	t.Helper()
	a := o.call(http.MethodGet, "sobjects/Opportunity/describe", nil)
	require.Equal(t, http.StatusOK, a.status)
	for _, f := range a.json(t)["fields"].([]any) {
		m := f.(map[string]any)
		if m["name"] == name {
			return m, true
		}
	}
	return nil, false
}

func TestChangeFieldIsWhatDescribeAndWritesSee(t *testing.T) {
	o := newOrg(t, Options{})
	no, short := false, 5
	require.NoError(t, o.srv.ChangeField("Opportunity", "NextStep", FieldChange{Updateable: &no, Length: &short}))
	next, ok := describedField(t, o, "NextStep")
	require.True(t, ok)
	assert.Equal(t, false, next["updateable"])
	assert.Equal(t, true, next["createable"])
	assert.Equal(t, float64(5), next["length"])

	created := o.call(http.MethodPost, "sobjects/Opportunity", map[string]any{"Name": "x", "StageName": "Prospecting", "CloseDate": "2027-01-01", "NextStep": "call"})
	require.Equal(t, http.StatusCreated, created.status, created.body)
	id := created.json(t)["id"].(string)
	upd := o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"NextStep": "later"})
	assert.Equal(t, http.StatusBadRequest, upd.status, "a field the user cannot update is refused")
	assert.Equal(t, "INVALID_FIELD_FOR_INSERT_UPDATE", upd.errs(t)[0]["errorCode"])
	long := o.call(http.MethodPost, "sobjects/Opportunity", map[string]any{"Name": "y", "StageName": "Prospecting", "CloseDate": "2027-01-01", "NextStep": "too long"})
	assert.Equal(t, "STRING_TOO_LONG", long.errs(t)[0]["errorCode"])

	require.NoError(t, o.srv.ChangeField("Opportunity", "StageName", FieldChange{DeactivateValues: []string{"Qualification"}}))
	inactive := o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"StageName": "Qualification"})
	assert.Equal(t, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", inactive.errs(t)[0]["errorCode"])

	require.NoError(t, o.srv.ChangeField("Opportunity", "CoSell_Model__c", FieldChange{Remove: true}))
	_, ok = describedField(t, o, "CoSell_Model__c")
	assert.False(t, ok)
	q := o.call(http.MethodGet, "query?q="+strings.ReplaceAll("SELECT CoSell_Model__c FROM Opportunity", " ", "+"), nil)
	assert.Equal(t, "INVALID_FIELD", q.errs(t)[0]["errorCode"])

	o.srv.Reset()
	o.token = o.login()
	next, _ = describedField(t, o, "NextStep")
	assert.Equal(t, true, next["updateable"], "a reset restores the schema")
	_, ok = describedField(t, o, "CoSell_Model__c")
	assert.True(t, ok)
}

func TestChangeFieldUniqueAndAdd(t *testing.T) {
	o := newOrg(t, Options{})
	for _, n := range []string{"a", "b"} {
		r := o.call(http.MethodPost, "sobjects/Opportunity", map[string]any{"Name": n, "StageName": "Prospecting", "CloseDate": "2027-01-01", "CoSell_Partner__c": "Globex"})
		require.Equal(t, http.StatusCreated, r.status, r.body)
	}
	yes := true
	err := o.srv.ChangeField("Opportunity", "CoSell_Partner__c", FieldChange{Unique: &yes})
	require.Error(t, err, "two records share the value")
	assert.Contains(t, err.Error(), "cannot be unique")
	require.NoError(t, o.srv.ChangeField("Opportunity", "CoSell_Lead__c", FieldChange{Unique: &yes, ExternalID: &yes}))
	first := o.call(http.MethodPost, "sobjects/Opportunity", map[string]any{"Name": "c", "StageName": "Prospecting", "CloseDate": "2027-01-01", "CoSell_Lead__c": "L1"})
	require.Equal(t, http.StatusCreated, first.status, first.body)
	dup := o.call(http.MethodPost, "sobjects/Opportunity", map[string]any{"Name": "d", "StageName": "Prospecting", "CloseDate": "2027-01-01", "CoSell_Lead__c": "l1"})
	assert.Equal(t, "DUPLICATE_VALUE", dup.errs(t)[0]["errorCode"], "a unique field refuses a second record with its value")

	require.Error(t, o.srv.ChangeField("Opportunity", "New__c", FieldChange{Add: true}), "adding needs a type")
	require.NoError(t, o.srv.ChangeField("Opportunity", "New__c", FieldChange{Add: true, Type: tString, Length: ptrInt(80)}))
	added, ok := describedField(t, o, "New__c")
	require.True(t, ok)
	assert.Equal(t, true, added["custom"])
	assert.Equal(t, true, added["updateable"])
}

func TestSchemaAdminEndpoint(t *testing.T) {
	o := newOrg(t, Options{})
	r := o.call(http.MethodPost, "/__admin/schema", map[string]any{"object": "Opportunity", "field": "NextStep", "change": map[string]any{"updateable": false}})
	require.Equal(t, http.StatusNoContent, r.status, r.body)
	next, _ := describedField(t, o, "NextStep")
	assert.Equal(t, false, next["updateable"])
	bad := o.call(http.MethodPost, "/__admin/schema", map[string]any{"object": "Opportunity", "field": "Nope__c", "change": map[string]any{"updateable": false}})
	assert.Equal(t, http.StatusBadRequest, bad.status)
	bad = o.call(http.MethodPost, "/__admin/schema", map[string]any{"object": "Opportunity", "field": "NextStep", "change": map[string]any{"colour": "red"}})
	assert.Equal(t, http.StatusBadRequest, bad.status, "unknown keys are refused")
}

func ptrInt(n int) *int { return &n }
