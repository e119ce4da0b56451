package salesforce

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The pilot review's solo-baseline query, as the connector sends it: IsClosed and IsWon follow the stage,
// an untouched checkbox is false, and CloseDate compares with date literals.
func TestClosedSoloQuery(t *testing.T) {
	o := newOrg(t, Options{})
	won := o.create("Opportunity", opp("Won", map[string]any{"StageName": "Closed Won", "CloseDate": "2026-01-01"}))
	lost := o.create("Opportunity", opp("Lost", map[string]any{"StageName": "Closed Lost", "CloseDate": "2026-03-31"}))
	o.create("Opportunity", opp("Co-sold", map[string]any{"StageName": "Closed Won", "CloseDate": "2026-02-01", "CoSell_Enabled__c": true}))
	o.create("Opportunity", opp("Open", map[string]any{"StageName": "Proposal/Price Quote", "CloseDate": "2026-02-01"}))
	o.create("Opportunity", opp("Late", map[string]any{"StageName": "Closed Lost", "CloseDate": "2026-04-01"}))

	a := o.query("SELECT Id, Amount, IsWon, CreatedDate, CloseDate FROM Opportunity WHERE IsClosed = true AND CoSell_Enabled__c = false AND CloseDate >= 2026-01-01 AND CloseDate < 2026-04-01")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	records := a.json(t)["records"].([]any)
	assert.Equal(t, []string{won, lost}, ids(records))
	assert.Equal(t, true, records[0].(map[string]any)["IsWon"])
	assert.Equal(t, false, records[1].(map[string]any)["IsWon"], "Closed Lost is closed, not won")
	assert.Equal(t, "2026-03-31", records[1].(map[string]any)["CloseDate"])

	// A date-time literal against a date field is refused, as Salesforce does.
	a = o.query("SELECT Id FROM Opportunity WHERE CloseDate >= 2026-01-01T00:00:00Z")
	assert.Equal(t, http.StatusBadRequest, a.status)
}
