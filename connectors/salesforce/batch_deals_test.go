package salesforce

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/batch"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

var _ connectors.Batcher = (*Connector)(nil)

// seedOpps seeds n opportunities carrying co-sell ids CS-0… and returns their ids in that order.
func seedOpps(t *testing.T, e *env, n int) []string {
	t.Helper()
	var recs []sfmock.Record
	for i := range n {
		recs = append(recs, oppSeed(fmt.Sprintf("Opp %d", i), sfmock.Record{"CoSell_Id__c": fmt.Sprintf("CS-%d", i)}))
	}
	e.seed(sfmock.SeedData{Opportunities: recs})
	byCoSell := map[string]string{}
	for _, r := range e.fake.Opportunities() {
		byCoSell[r["CoSell_Id__c"].(string)] = r["Id"].(string)
	}
	ids := make([]string, n)
	for i := range n {
		ids[i] = byCoSell[fmt.Sprintf("CS-%d", i)]
	}
	return ids
}

func TestReadDealBatchIsOneCallEach(t *testing.T) {
	// SOQL does not see an API write for an hour here; a read by id does, and so does the batch read.
	e := newEnv(t, sfmock.Options{CommitDelay: time.Hour}, nil)
	ids := seedOpps(t, e, 3)
	require.NoError(t, e.conn.UpdateDeal(ctx(t), ids[2], map[string]any{"NextStep": "just written"}))
	e.fake.Admin().ResetCalls()

	outs := e.conn.GetDealBatch(ctx(t), []string{ids[2], "006000000000000AAA", ids[0][:15], "not-an-id"})
	require.Len(t, outs, 4)
	require.NoError(t, outs[0].Err)
	assert.Equal(t, "Opp 2", outs[0].Deal.Fields["Name"])
	assert.Equal(t, "just written", outs[0].Deal.Fields["NextStep"], "a deal reads back its own write at once")
	assert.True(t, errors.Is(outs[1].Err, connectors.ErrNotFound), "%v", outs[1].Err)
	require.NoError(t, outs[2].Err, "a 15-character id finds its record")
	assert.Equal(t, ids[0], outs[2].Deal.RecordID)
	assert.True(t, errors.Is(outs[3].Err, connectors.ErrNotFound))

	found := e.conn.FindDealBatch(ctx(t), []string{"CS-1", "CS-404", "it's"})
	require.NoError(t, found[0].Err)
	assert.True(t, found[0].Found)
	assert.Equal(t, ids[1], found[0].Deal.RecordID)
	require.NoError(t, found[1].Err)
	assert.False(t, found[1].Found)
	require.NoError(t, found[2].Err, "a quote in a co-sell id is escaped")
	assert.False(t, found[2].Found)
	assert.Equal(t, 1, e.calls("GET composite/sobjects/Opportunity"), "one Collections retrieve for the reads by id")
	assert.Equal(t, 1, e.calls("query"), "one query for the reads by co-sell id")
}

func TestUpdateDealBatchUnconditionalIsOneCollectionsCall(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	ids := seedOpps(t, e, 3)
	e.fake.Admin().ResetCalls()
	errs := e.conn.UpdateDealBatch(ctx(t), []connectors.DealUpdate{
		{RecordID: ids[0], Fields: map[string]any{"NextStep": "call"}},
		{RecordID: ids[1], Fields: map[string]any{"StageName": "No Such Stage"}},
		{RecordID: ids[2], Fields: map[string]any{"Amount": 42.0}},
	})
	require.Len(t, errs, 3)
	require.NoError(t, errs[0])
	ce := requireCRMError(t, errs[1])
	assert.Equal(t, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ce.Code, "Salesforce's own code: %v", ce)
	assert.Contains(t, ce.Fields, "StageName")
	require.NoError(t, errs[2], "one bad record does not fail the others")
	assert.Equal(t, 1, e.calls("POST composite"), "one call")
	assert.Zero(t, e.calls("PATCH sobjects/Opportunity/id"))
	rec, _ := e.fake.Get(ids[0])
	assert.Equal(t, "call", rec["NextStep"])
	rec, _ = e.fake.Get(ids[2])
	assert.Equal(t, 42.0, rec["Amount"])
}

// Conditional updates keep their If-Unmodified-Since per record inside one Composite call: the record a
// user edited after the stamp is refused alone, with 412, and nothing of it written.
func TestUpdateDealBatchConditionalRefusesOnlyTheEditedRecord(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	ids := seedOpps(t, e, 3)
	e.clock.Advance(time.Hour)
	var looks []connectors.Deal
	for _, o := range e.conn.GetDealBatch(ctx(t), ids) {
		require.NoError(t, o.Err)
		looks = append(looks, o.Deal)
	}
	e.clock.Advance(2 * time.Second)
	require.NoError(t, e.conn.UpdateDeal(ctx(t), ids[1], map[string]any{"NextStep": "a user's edit"}))
	e.clock.Advance(2 * time.Second)
	e.fake.Admin().ResetCalls()

	var in []connectors.DealUpdate
	for i, id := range ids {
		in = append(in, connectors.DealUpdate{RecordID: id, Fields: map[string]any{"NextStep": "the sync's write"}, Since: looks[i].ModifiedAt})
	}
	errs := e.conn.UpdateDealBatch(ctx(t), in)
	require.NoError(t, errs[0])
	assert.True(t, errors.Is(errs[1], connectors.ErrModified), "%v", errs[1])
	assert.Equal(t, http.StatusPreconditionFailed, requireCRMError(t, errs[1]).Status)
	require.NoError(t, errs[2])
	assert.Equal(t, 1, e.calls("POST composite"))
	assert.Zero(t, e.calls("PATCH sobjects/Opportunity/id"))
	rec, _ := e.fake.Get(ids[1])
	assert.Equal(t, "a user's edit", rec["NextStep"], "the refused record was not written")
	rec, _ = e.fake.Get(ids[0])
	assert.Equal(t, "the sync's write", rec["NextStep"])

	tooMany := make([]connectors.DealUpdate, maxSubrequests+1)
	for i := range tooMany {
		tooMany[i] = connectors.DealUpdate{RecordID: ids[0], Fields: map[string]any{"Amount": 1.0}, Since: looks[0].ModifiedAt}
	}
	for _, err := range e.conn.UpdateDealBatch(ctx(t), tooMany) {
		require.Error(t, err, "the connector sends no more than Composite takes")
	}
}

func TestUpsertDealBatchPerRecordErrors(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	seedOpps(t, e, 1)
	e.fake.Admin().ResetCalls()
	outs := e.conn.UpsertDealBatch(ctx(t), []connectors.DealUpsert{
		{CoSellID: "CS-0", Fields: map[string]any{"NextStep": "updated"}},
		{CoSellID: "CS-new", Fields: map[string]any{"Name": "New", "StageName": "Prospecting", "CloseDate": "2026-12-31"}},
		{CoSellID: "CS-bad", Fields: map[string]any{"Name": "Bad", "StageName": "Nope", "CloseDate": "2026-12-31"}},
		{CoSellID: "", Fields: map[string]any{"Name": "No key"}},
	})
	require.Len(t, outs, 4)
	require.NoError(t, outs[0].Err)
	assert.False(t, outs[0].Result.Created)
	require.NoError(t, outs[1].Err)
	assert.True(t, outs[1].Result.Created)
	requireCRMError(t, outs[2].Err)
	requireCRMError(t, outs[3].Err)
	assert.Equal(t, 1, e.calls("POST composite"), "the valid ones went in one call")
}

// The fake holds Salesforce's limits: more than 25 subrequests, or 200 records in a collection, is
// refused whole with Salesforce's own message.
func TestFakeRefusesCompositeOverItsLimits(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	subs := make([]compositeSub, maxSubrequests+1)
	for i := range subs {
		subs[i] = compositeSub{Method: http.MethodGet, URL: "/services/data/" + e.conn.cfg.APIVersion + "/limits", ReferenceID: fmt.Sprintf("r%d", i)}
	}
	_, err := e.conn.composite(ctx(t), "too many", subs)
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.Contains(t, ce.Message, "Exceeded max limit of subrequests")

	records := make([]map[string]any, collectionSize+1)
	for i := range records {
		records[i] = map[string]any{"attributes": map[string]string{"type": "Opportunity"}, "Id": "006000000000000AAA"}
	}
	_, err = e.conn.call(ctx(t), "too big", http.MethodPatch, "/composite/sobjects", map[string]any{"records": records}, true)
	ce = requireCRMError(t, err)
	assert.Equal(t, "EXCEEDED_ID_LIMIT", ce.Code)
}

// Through the coalescer, concurrent conditional writes and reads of many deals become a few calls, and
// the wrapped connector still offers conditional writes.
func TestCoalescedSalesforceCallsBecomeBatches(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	const n = 60
	ids := seedOpps(t, e, n)
	crm := batch.Wrap(e.conn, batch.Options{})
	cu, ok := crm.(connectors.ConditionalUpdater)
	require.True(t, ok)
	e.clock.Advance(time.Hour)
	e.fake.Admin().ResetCalls()

	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			d, err := crm.GetDeal(ctx(t), ids[i])
			if !assert.NoError(t, err) {
				return
			}
			assert.Equal(t, fmt.Sprintf("Opp %d", i), d.Fields["Name"])
			assert.NoError(t, cu.UpdateDealIfUnmodifiedSince(ctx(t), ids[i], map[string]any{"NextStep": fmt.Sprint(i)}, d.ModifiedAt))
		})
	}
	wg.Wait()
	snap := e.fake.Admin().Snapshot()
	assert.LessOrEqual(t, snap.Endpoints["GET composite/sobjects/Opportunity"].Count, 6, "60 reads in a few calls")
	assert.Zero(t, snap.Endpoints["GET sobjects/Opportunity/id"].Count, "no single-record read")
	assert.GreaterOrEqual(t, snap.Endpoints["POST composite"].Count, 3, "60 conditional writes need three Composite calls of 25")
	assert.LessOrEqual(t, snap.Endpoints["POST composite"].Count, 12)
	assert.Zero(t, snap.Endpoints["PATCH sobjects/Opportunity/id"].Count, "no single-record write")
	for i, id := range ids {
		rec, _ := e.fake.Get(id)
		assert.Equal(t, fmt.Sprint(i), rec["NextStep"])
	}
}
