package salesforce

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFieldNamesInBodiesAreCaseInsensitive(t *testing.T) {
	o := newOrg(t, Options{})
	id := o.create("opportunity", map[string]any{"name": "Acme", "STAGENAME": "Prospecting", "closeDate": "2026-12-31"})

	// sObject Collections update, with the lowercase "id" of Salesforce's own examples.
	a := o.call(http.MethodPatch, "composite/sobjects", map[string]any{"records": []any{
		map[string]any{"attributes": map[string]any{"type": "Opportunity"}, "id": id, "nextstep": "Call"},
	}})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	res := a.list(t)
	assert.Equal(t, true, res[0]["success"], "%v", res[0])
	rec := o.call(http.MethodGet, "sobjects/Opportunity/"+id+"?fields=Name,NextStep", nil).json(t)
	assert.Equal(t, "Acme", rec["Name"])
	assert.Equal(t, "Call", rec["NextStep"])

	// A create refuses an id whatever its case.
	a = o.call(http.MethodPost, "composite/sobjects", map[string]any{"records": []any{
		map[string]any{"attributes": map[string]any{"type": "Opportunity"}, "ID": id, "Name": "x", "StageName": "Prospecting", "CloseDate": "2026-12-31"},
	}})
	assert.Equal(t, false, a.list(t)[0]["success"])
}

func TestSOQLIsCaseInsensitive(t *testing.T) {
	o := newOrg(t, Options{})
	id := o.create("Opportunity", opp("Acme", map[string]any{"CoSell_Enabled__c": true}))
	a := o.query("select id, NAME, cosell_enabled__c from opportunity where COSELL_ENABLED__C = TRUE and name like 'acme%' order by systemmodstamp asc, ID desc limit 5")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	records := a.json(t)["records"].([]any)
	require.Equal(t, []string{id}, ids(records))
	assert.Equal(t, "Acme", records[0].(map[string]any)["Name"], "fields come back under their canonical names")
}

func TestDeleteHelperLeavesTheIDDeleted(t *testing.T) {
	o := newOrg(t, Options{})
	id := o.create("Opportunity", opp("Gone", nil))
	require.NoError(t, o.srv.Delete(id))
	a := o.call(http.MethodGet, "sobjects/Opportunity/"+id, nil)
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.Equal(t, "ENTITY_IS_DELETED", a.errs(t)[0]["errorCode"])
	assert.Error(t, o.srv.Delete(id))
	assert.Empty(t, o.queryIDs("SELECT Id FROM Opportunity"))
}
