package salesforce

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callWith is call with extra request headers.
func (o *org) callWith(method, path string, body any, header map[string]string) answer {
	o.t.Helper()
	o.headers = header
	defer func() { o.headers = nil }()
	return o.call(method, path, body)
}

func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

func (o *org) stamp(id string) string {
	o.t.Helper()
	a := o.call(http.MethodGet, "sobjects/Opportunity/"+id+"?fields=SystemModstamp,NextStep", nil)
	require.Equal(o.t, http.StatusOK, a.status, string(a.body))
	return a.json(o.t)["SystemModstamp"].(string)
}

func TestIfUnmodifiedSinceRefusesAWriteOverANewerEdit(t *testing.T) {
	o := newOrg(t, Options{})
	id := o.create("Opportunity", opp("Acme", nil)) // stamped 10:00:00
	read := o.clock.Now()

	o.clock.Advance(1500 * time.Millisecond)
	a := o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"NextStep": "a user's edit"}) // 10:00:01
	require.Equal(t, http.StatusNoContent, a.status, string(a.body))

	o.clock.Advance(time.Second)
	a = o.callWith(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"NextStep": "the sync's write"},
		map[string]string{"If-Unmodified-Since": httpDate(read)})
	require.Equal(t, http.StatusPreconditionFailed, a.status, string(a.body))
	errs := a.errs(t)
	assert.Equal(t, "ENTITY_FAILED_IFLASTMODIFIED_ON_UPDATE_CHECK", errs[0]["errorCode"])
	assert.Contains(t, errs[0]["message"], "Sun, 22 Nov 2026 10:00:01 GMT", "the message names the record's date")
	got := o.call(http.MethodGet, "sobjects/Opportunity/"+id+"?fields=NextStep,SystemModstamp", nil).json(t)
	assert.Equal(t, "a user's edit", got["NextStep"], "the refused write was not processed")
	assert.Equal(t, "2026-11-22T10:00:01.000+0000", got["SystemModstamp"], "nor stamped")

	a = o.callWith(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"NextStep": "the sync's write"},
		map[string]string{"If-Unmodified-Since": "Sun, 22 Nov 2026 10:00:01 GMT"})
	require.Equal(t, http.StatusNoContent, a.status, "a date no older than the last modification passes: %s", a.body)
	assert.Equal(t, "the sync's write", o.call(http.MethodGet, "sobjects/Opportunity/"+id, nil).json(t)["NextStep"])
}

func TestIfUnmodifiedSinceComparesWholeSeconds(t *testing.T) {
	o := newOrg(t, Options{})
	o.clock.Advance(200 * time.Millisecond)
	id := o.create("Opportunity", opp("Acme", nil))
	require.Equal(t, "2026-11-22T10:00:00.000+0000", o.stamp(id))

	// An edit later in the same second is stamped with that second: the condition cannot tell it apart.
	o.clock.Advance(700 * time.Millisecond)
	require.Equal(t, http.StatusNoContent, o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"NextStep": "same second"}).status)
	a := o.callWith(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"Amount": 5},
		map[string]string{"If-Unmodified-Since": "Sun, 22 Nov 2026 10:00:00 GMT"})
	assert.Equal(t, http.StatusNoContent, a.status, "the same whole second is not after: %s", a.body)

	// Our own write just now is stamped 10:00:00 too: a condition on that stamp still passes...
	a = o.callWith(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"Amount": 6},
		map[string]string{"If-Unmodified-Since": "Sun, 22 Nov 2026 10:00:00 GMT"})
	assert.Equal(t, http.StatusNoContent, a.status, string(a.body))
	// ...and one second older fails, whatever the zone it is written in.
	a = o.callWith(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"Amount": 7},
		map[string]string{"If-Unmodified-Since": "Sun, 22 Nov 2026 02:59:59 -0700"})
	assert.Equal(t, http.StatusPreconditionFailed, a.status, string(a.body))
}

func TestIfUnmodifiedSinceSeesAWriteSOQLDoesNotYet(t *testing.T) {
	o := newOrg(t, Options{CommitDelay: DefaultCommitDelay})
	id := o.create("Opportunity", opp("Acme", nil))
	read := o.clock.Now()
	o.clock.Advance(3 * time.Second) // committed
	require.Equal(t, http.StatusNoContent, o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"NextStep": "uncommitted"}).status)
	require.Empty(t, o.queryIDs("SELECT Id FROM Opportunity WHERE NextStep = 'uncommitted'"), "SOQL does not see the edit yet")

	a := o.callWith(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"NextStep": "overwrite"},
		map[string]string{"If-Unmodified-Since": httpDate(read)})
	assert.Equal(t, http.StatusPreconditionFailed, a.status, "the pending write holds the row: the condition sees it (%s)", a.body)
}

func TestConditionalHeadersEdgeCases(t *testing.T) {
	o := newOrg(t, Options{})
	id := o.create("Opportunity", opp("Acme", nil))

	a := o.callWith(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"NextStep": "x"},
		map[string]string{"If-Unmodified-Since": "yesterday"})
	require.Equal(t, http.StatusBadRequest, a.status, "an unreadable date is a 400 on a write")
	assert.NotEmpty(t, a.errs(t))

	missing := id[:len(id)-4] + "ZZZZ"
	a = o.callWith(http.MethodPatch, "sobjects/Opportunity/"+missing, map[string]any{"NextStep": "x"},
		map[string]string{"If-Unmodified-Since": "Sun, 22 Nov 2026 09:00:00 GMT"})
	assert.Equal(t, http.StatusNotFound, a.status, "a missing record is a 404, not a 412")

	a = o.callWith(http.MethodPatch, "sobjects/Opportunity/Id/"+id, map[string]any{"NextStep": "x"},
		map[string]string{"If-Unmodified-Since": "Sun, 22 Nov 2026 09:00:00 GMT"})
	assert.Equal(t, http.StatusPreconditionFailed, a.status, "the /Id/ form of the row is the same resource")

	// A composite subrequest carries its conditions in httpHeaders.
	a = o.call(http.MethodPost, "composite", map[string]any{"compositeRequest": []any{map[string]any{
		"method": "PATCH", "url": "/services/data/v63.0/sobjects/Opportunity/" + id, "referenceId": "u", "body": map[string]any{"NextStep": "x"},
		"httpHeaders": map[string]string{"If-Unmodified-Since": "Sun, 22 Nov 2026 09:00:00 GMT"},
	}}})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	sub := a.json(t)["compositeResponse"].([]any)[0].(map[string]any)
	assert.Equal(t, float64(http.StatusPreconditionFailed), sub["httpStatusCode"], "%v", sub)

	// If-Modified-Since on a read: 304 with no body while unchanged, the record once changed.
	a = o.callWith(http.MethodGet, "sobjects/Opportunity/"+id, nil, map[string]string{"If-Modified-Since": "Sun, 22 Nov 2026 10:00:00 GMT"})
	assert.Equal(t, http.StatusNotModified, a.status)
	assert.Empty(t, a.body)
	a = o.callWith(http.MethodGet, "sobjects/Opportunity/"+id, nil, map[string]string{"If-Modified-Since": "Sun, 22 Nov 2026 09:59:59 GMT"})
	assert.Equal(t, http.StatusOK, a.status)
	a = o.callWith(http.MethodGet, "sobjects/Opportunity/"+id, nil, map[string]string{"If-Modified-Since": "garbage"})
	assert.Equal(t, http.StatusOK, a.status, "an unreadable validator on a read is ignored")

	// A write without a condition is not conditional.
	assert.Equal(t, http.StatusNoContent, o.call(http.MethodPatch, "sobjects/Opportunity/"+id, map[string]any{"NextStep": "y"}).status)
}
