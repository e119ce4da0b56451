package salesforce

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/mocks/mockkit"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

var _ connectors.ConditionalUpdater = (*Connector)(nil)

// A write conditioned on the stamp of the connector's last read is refused once a user has edited the
// record since, and lands once the record is read again.
func TestConditionalUpdateIsRefusedOverANewerEdit(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", sfmock.Record{"NextStep": "call"})}})
	id := e.fake.Opportunities()[0]["Id"].(string)
	e.clock.Advance(time.Hour)
	read, err := e.conn.GetDeal(ctx(t), id)
	require.NoError(t, err)

	e.clock.Advance(1200 * time.Millisecond)
	require.NoError(t, e.conn.UpdateDeal(ctx(t), id, map[string]any{"NextStep": "a user's edit"}), "an unconditional write")
	e.fake.Admin().ResetCalls()

	e.clock.Advance(time.Second)
	err = e.conn.UpdateDealIfUnmodifiedSince(ctx(t), id, map[string]any{"NextStep": "the sync's write"}, read.ModifiedAt)
	require.True(t, errors.Is(err, connectors.ErrModified), "%v", err)
	assert.False(t, errors.Is(err, connectors.ErrNotFound))
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusPreconditionFailed, ce.Status)
	assert.Equal(t, "ENTITY_FAILED_IFLASTMODIFIED_ON_UPDATE_CHECK", ce.Code, "Salesforce's own code is kept")
	assert.NotEmpty(t, ce.Message)
	assert.False(t, ce.Retryable, "the same write would fail the same way")
	assert.Equal(t, 1, e.calls("PATCH sobjects/Opportunity/id"), "the transport does not resend a 412")
	rec, _ := e.fake.Get(id)
	assert.Equal(t, "a user's edit", rec["NextStep"], "nothing was written")

	again, err := e.conn.GetDeal(ctx(t), id)
	require.NoError(t, err)
	require.NoError(t, e.conn.UpdateDealIfUnmodifiedSince(ctx(t), id, map[string]any{"Amount": 5}, again.ModifiedAt),
		"conditioned on the newer look, the write lands")
	rec, _ = e.fake.Get(id)
	assert.Equal(t, 5.0, rec["Amount"])
	assert.Equal(t, "a user's edit", rec["NextStep"])

	// The record's own stamp passes its own condition, and a zero stamp means no condition at all.
	mine, err := e.conn.GetDeal(ctx(t), id)
	require.NoError(t, err)
	require.NoError(t, e.conn.UpdateDealIfUnmodifiedSince(ctx(t), id, map[string]any{"Amount": 6}, mine.ModifiedAt))
	require.NoError(t, e.conn.UpdateDealIfUnmodifiedSince(ctx(t), id, map[string]any{"Amount": 7}, time.Time{}))
	err = e.conn.UpdateDealIfUnmodifiedSince(ctx(t), "0065g0000009999", map[string]any{"Amount": 8}, mine.ModifiedAt)
	assert.True(t, errors.Is(err, connectors.ErrNotFound), "a missing record is not found, not modified: %v", err)
}

// Whatever body a 412 carries, the status decides.
func TestPreconditionFailedIsModifiedWhateverTheBody(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", nil)}})
	id := e.fake.Opportunities()[0]["Id"].(string)
	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "PATCH sobjects/Opportunity/id", Status: http.StatusPreconditionFailed,
		Body: []byte("<html><body>Precondition Failed</body></html>"), Count: 1})
	err := e.conn.UpdateDealIfUnmodifiedSince(ctx(t), id, map[string]any{"Amount": 1}, time.Now())
	assert.True(t, errors.Is(err, connectors.ErrModified), "%v", err)
	assert.Equal(t, http.StatusPreconditionFailed, requireCRMError(t, err).Status)
}

func TestHTTPDateRoundsUp(t *testing.T) {
	whole := time.Date(2026, 11, 22, 10, 0, 1, 0, time.UTC)
	assert.Equal(t, "Sun, 22 Nov 2026 10:00:01 GMT", httpDate(whole), "Salesforce's whole seconds travel exactly")
	assert.Equal(t, "Sun, 22 Nov 2026 10:00:02 GMT", httpDate(whole.Add(time.Millisecond)), "a fraction is rounded up")
	assert.Equal(t, "Sun, 22 Nov 2026 10:00:01 GMT", httpDate(whole.In(time.FixedZone("MST", -7*3600))), "always in GMT")
}
