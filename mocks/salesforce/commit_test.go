package salesforce

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func committedOrg(t *testing.T) *org {
	return newOrg(t, Options{CommitDelay: DefaultCommitDelay})
}

func (o *org) queryIDs(q string) []string {
	o.t.Helper()
	a := o.query(q)
	require.Equal(o.t, http.StatusOK, a.status, string(a.body))
	return ids(a.json(o.t)["records"].([]any))
}

func TestWritesReachSOQLOnlyOnceCommitted(t *testing.T) {
	o := committedOrg(t)
	require.Equal(t, DefaultCommitDelay, o.srv.CommitDelay())
	o.clock.Advance(250 * time.Millisecond) // a transaction starting mid-second
	id := o.create("Opportunity", opp("Late", nil))

	assert.Empty(t, o.queryIDs("SELECT Id FROM Opportunity"), "not committed yet")
	rec := o.call(http.MethodGet, "sobjects/Opportunity/"+id+"?fields=SystemModstamp", nil)
	require.Equal(t, http.StatusOK, rec.status, "a read by id sees the write at once")

	o.clock.Advance(DefaultCommitDelay)
	a := o.query("SELECT Id, SystemModstamp, LastModifiedDate FROM Opportunity")
	records := a.json(t)["records"].([]any)
	require.Equal(t, []string{id}, ids(records), "visible once committed")
	got := records[0].(map[string]any)
	assert.Equal(t, "2026-11-22T10:00:00.000+0000", got["SystemModstamp"], "stamped at the transaction's start, in whole seconds")
	assert.Equal(t, got["SystemModstamp"], got["LastModifiedDate"])

	// A query for what changed since a later cursor would never see it: the row came in late and old.
	assert.Empty(t, o.queryIDs("SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-11-22T10:00:01Z"))
}

func TestAnUncommittedUpdateOrDeleteShowsTheOldRow(t *testing.T) {
	o := committedOrg(t)
	id := o.create("Opportunity", opp("Before", nil))
	o.clock.Advance(DefaultCommitDelay)

	a := o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"Name": "After"})
	require.Equal(t, http.StatusNoContent, a.status, string(a.body))
	assert.Equal(t, []string{id}, o.queryIDs("SELECT Id FROM Opportunity WHERE Name = 'Before'"), "queries see the committed row")
	o.clock.Advance(DefaultCommitDelay)
	assert.Equal(t, []string{id}, o.queryIDs("SELECT Id FROM Opportunity WHERE Name = 'After'"))

	require.Equal(t, http.StatusNoContent, o.call(http.MethodDelete, "sobjects/Opportunity/"+id, nil).status)
	assert.Equal(t, []string{id}, o.queryIDs("SELECT Id FROM Opportunity"), "the delete is not committed yet")
	o.clock.Advance(DefaultCommitDelay)
	assert.Empty(t, o.queryIDs("SELECT Id FROM Opportunity"))
}

func TestATransactionSeesItsOwnWrites(t *testing.T) {
	o := committedOrg(t)
	a := o.call(http.MethodPost, "composite", map[string]any{"allOrNone": true, "compositeRequest": []any{
		map[string]any{"method": "POST", "url": "/services/data/v63.0/sobjects/Opportunity", "referenceId": "o", "body": opp("Mine", nil)},
		map[string]any{"method": "GET", "url": "/services/data/v63.0/query?q=SELECT+Id+FROM+Opportunity", "referenceId": "q"},
	}})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	q := a.json(t)["compositeResponse"].([]any)[1].(map[string]any)["body"].(map[string]any)
	assert.EqualValues(t, 1, q["totalSize"])
	assert.Empty(t, o.queryIDs("SELECT Id FROM Opportunity"), "others do not, until it commits")
}

func TestARolledBackWriteNeverReachesSOQL(t *testing.T) {
	o := committedOrg(t)
	id := o.create("Opportunity", opp("Kept", nil))
	o.clock.Advance(DefaultCommitDelay)
	a := o.call(http.MethodPatch, "composite/sobjects", map[string]any{"allOrNone": true, "records": []any{
		map[string]any{"attributes": map[string]any{"type": "Opportunity"}, "Id": id, "Name": "Rolled back"},
		map[string]any{"attributes": map[string]any{"type": "Opportunity"}, "Id": id, "StageName": "No such stage"},
	}})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	assert.Equal(t, []string{id}, o.queryIDs("SELECT Id FROM Opportunity WHERE Name = 'Kept'"))
	o.clock.Advance(DefaultCommitDelay)
	assert.Equal(t, []string{id}, o.queryIDs("SELECT Id FROM Opportunity WHERE Name = 'Kept'"))
}

func TestCommitDelayIsAKnob(t *testing.T) {
	o := committedOrg(t)
	o.create("Opportunity", opp("Queued", nil))
	a := o.call(http.MethodPost, "/__admin/commit-delay", map[string]any{"ms": 0, "flush": true})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	assert.Len(t, o.queryIDs("SELECT Id FROM Opportunity"), 1, "commit makes pending writes visible")
	o.create("Opportunity", opp("At once", nil))
	assert.Len(t, o.queryIDs("SELECT Id FROM Opportunity"), 2, "delay 0 shows writes at once")
}

func TestDatetimesCompareInWholeSeconds(t *testing.T) {
	o := newOrg(t, Options{})
	o.clock.Advance(700 * time.Millisecond)
	id := o.create("Opportunity", opp("A", nil))
	assert.Equal(t, []string{id}, o.queryIDs("SELECT Id FROM Opportunity WHERE SystemModstamp = 2026-11-22T10:00:00.900Z"),
		"the stamp is 10:00:00 and the literal compares at the second")
	assert.Empty(t, o.queryIDs("SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-11-22T10:00:00.200Z"))
}
