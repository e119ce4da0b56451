package hubspot_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/batch"
	"github.com/cosellsync/cosell/connectors/hubspot"
)

var _ connectors.Batcher = (*hubspot.Client)(nil)

// One batch upsert creates and updates deals by co-sell id; a refused value fails its own deal only.
func TestUpsertDealBatchFailsOnlyTheBadDeal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.client.UpsertDeal(ctx, "CS-0", map[string]any{"dealname": "existing"})
	require.NoError(t, err)
	e.portal.Admin().ResetCalls()

	in := []connectors.DealUpsert{
		{CoSellID: "CS-0", Fields: map[string]any{"dealname": "renamed"}},
		{CoSellID: "CS-1", Fields: map[string]any{"dealname": "new one", "cosell_enabled": true}},
		{CoSellID: "CS-2", Fields: map[string]any{"dealstage": "no-such-stage"}},
		{CoSellID: "CS-3", Fields: map[string]any{"dealname": "another", "amount": 10.0}},
	}
	outs := e.client.UpsertDealBatch(ctx, in)
	require.Len(t, outs, 4)
	assert.Equal(t, 1, e.calls("POST deals/batch/upsert"), "four deals, one request")

	require.NoError(t, outs[0].Err)
	assert.False(t, outs[0].Result.Created)
	require.NoError(t, outs[1].Err)
	assert.True(t, outs[1].Result.Created)
	require.NoError(t, outs[3].Err)
	assert.True(t, outs[3].Result.Created)
	assert.NotEqual(t, outs[1].Result.RecordID, outs[3].Result.RecordID, "each deal gets its own record back")

	ce, ok := connectors.AsError(outs[2].Err)
	require.True(t, ok, "%v", outs[2].Err)
	assert.Equal(t, "VALIDATION_ERROR", ce.Code)
	assert.Contains(t, ce.Message, "no-such-stage", "HubSpot's own message")
	assert.Contains(t, ce.Fields, "dealstage")
	assert.False(t, ce.Retryable)

	for i, want := range map[int]string{0: "renamed", 1: "new one", 3: "another"} {
		d, err := e.client.GetDeal(ctx, outs[i].Result.RecordID)
		require.NoError(t, err)
		assert.Equal(t, want, d.Fields["dealname"])
		assert.Equal(t, in[i].CoSellID, d.CoSellID)
	}
	_, found, err := e.client.FindDealByCoSellID(ctx, "CS-2")
	require.NoError(t, err)
	assert.False(t, found, "the refused deal was not written")
}

// Batch reads by id and by co-sell id answer every input, missing ones apart.
func TestReadDealBatchesByIDAndByCoSellID(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		r, err := e.client.UpsertDeal(ctx, fmt.Sprintf("CS-%d", i), map[string]any{"dealname": fmt.Sprintf("deal %d", i)})
		require.NoError(t, err)
		ids = append(ids, r.RecordID)
	}
	e.portal.Admin().ResetCalls()

	outs := e.client.GetDealBatch(ctx, []string{ids[2], "999999999", ids[0]})
	require.Len(t, outs, 3)
	require.NoError(t, outs[0].Err)
	assert.Equal(t, "deal 2", outs[0].Deal.Fields["dealname"])
	assert.True(t, errors.Is(outs[1].Err, connectors.ErrNotFound), "%v", outs[1].Err)
	require.NoError(t, outs[2].Err)
	assert.Equal(t, ids[0], outs[2].Deal.RecordID)
	assert.Equal(t, "CS-0", outs[2].Deal.CoSellID)

	found := e.client.FindDealBatch(ctx, []string{"CS-1", "CS-404"})
	require.NoError(t, found[0].Err)
	assert.True(t, found[0].Found)
	assert.Equal(t, ids[1], found[0].Deal.RecordID)
	require.NoError(t, found[1].Err, "a co-sell id nobody carries is not an error")
	assert.False(t, found[1].Found)
	assert.Equal(t, 2, e.calls("POST deals/batch/read"))
}

// A batch update writes every deal it can: a gone deal and a refused value fail on their own.
func TestUpdateDealBatchPerRecordErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, err := e.client.UpsertDeal(ctx, "CS-A", map[string]any{"dealname": "a"})
	require.NoError(t, err)
	b, err := e.client.UpsertDeal(ctx, "CS-B", map[string]any{"dealname": "b"})
	require.NoError(t, err)
	e.portal.Admin().ResetCalls()

	errs := e.client.UpdateDealBatch(ctx, []connectors.DealUpdate{
		{RecordID: a.RecordID, Fields: map[string]any{"hs_next_step": "call"}},
		{RecordID: "123456789", Fields: map[string]any{"hs_next_step": "nobody"}},
		{RecordID: b.RecordID, Fields: map[string]any{"dealstage": "bogus"}},
	})
	require.Len(t, errs, 3)
	assert.Equal(t, 1, e.calls("POST deals/batch/update"))
	require.NoError(t, errs[0])
	assert.True(t, errors.Is(errs[1], connectors.ErrNotFound), "%v", errs[1])
	ce, ok := connectors.AsError(errs[2])
	require.True(t, ok, "%v", errs[2])
	assert.Equal(t, "VALIDATION_ERROR", ce.Code)
	d, err := e.client.GetDeal(ctx, a.RecordID)
	require.NoError(t, err)
	assert.Equal(t, "call", d.Fields["hs_next_step"])
}

// The fake holds HubSpot's limit of 100 inputs: 101 is refused whole with HubSpot's message.
func TestFakeRefusesABatchOverTheLimit(t *testing.T) {
	e := newEnv(t)
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	_, err := e.client.BatchRead(context.Background(), hubspot.ObjectDeals, "", ids[:101], nil)
	require.NoError(t, err, "BatchRead splits what it is given")
	outs := e.client.GetDealBatch(context.Background(), ids)
	require.Error(t, outs[0].Err, "the connector refuses to send more than HubSpot takes")

	body := `{"inputs": [` + func() string {
		s := ""
		for i := range 101 {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprintf(`{"id": "%d"}`, i+1)
		}
		return s
	}() + `]}`
	req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/crm/v3/objects/deals/batch/read", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+privateToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.ts.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	msg, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(msg), "VALIDATION_ERROR")
	assert.Contains(t, string(msg), "at most 100")
}

// Through the coalescer, concurrent single-deal calls of many deals become a few batch requests, and
// each caller gets its own deal.
func TestCoalescedHubSpotCallsBecomeBatches(t *testing.T) {
	e := newEnv(t)
	crm := batch.Wrap(e.client, batch.Options{})
	ctx := context.Background()
	const n = 150
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := crm.UpsertDeal(ctx, fmt.Sprintf("CS-%03d", i), map[string]any{"dealname": fmt.Sprintf("deal %d", i)})
			assert.NoError(t, err)
			ids[i] = r.RecordID
		})
	}
	wg.Wait()
	upserts := e.calls("POST deals/batch/upsert")
	assert.GreaterOrEqual(t, upserts, 2, "150 deals need two batches of at most 100")
	assert.LessOrEqual(t, upserts, 15, "a burst is gathered, not sent one by one")

	e.portal.Admin().ResetCalls()
	for i := range n {
		wg.Go(func() {
			d, err := crm.GetDeal(ctx, ids[i])
			assert.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("deal %d", i), d.Fields["dealname"], "caller %d gets its own deal", i)
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, e.calls("POST deals/batch/read"), 15)
	assert.Zero(t, e.calls("GET deals/{id}"), "no single-deal read")
	_, conditional := crm.(connectors.ConditionalUpdater)
	assert.False(t, conditional, "HubSpot offers no conditional write, wrapped or not")
}

// A keyed task is found by its key in one read, however many tasks the deal has.
func TestKeyedTaskIsFoundByItsKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d, err := e.client.UpsertDeal(ctx, "CS-T", map[string]any{"dealname": "t"})
	require.NoError(t, err)
	for i := range 5 {
		_, err := e.client.CreateTask(ctx, connectors.TaskInput{DealRecordID: d.RecordID, Key: fmt.Sprintf("k%d", i), Subject: "s", Body: "b"})
		require.NoError(t, err)
	}
	e.portal.Admin().ResetCalls()
	id, err := e.client.CreateTask(ctx, connectors.TaskInput{DealRecordID: d.RecordID, Key: "k3", Subject: "s", Body: "b"})
	require.NoError(t, err)
	assert.NotEmpty(t, id)
	snap := e.portal.Admin().Snapshot()
	assert.Equal(t, 1, snap.Endpoints["GET tasks/{id}"].Count)
	assert.Zero(t, snap.Endpoints["GET v4 deals/{id}/associations/tasks"].Count, "no listing of the deal's tasks")
	assert.Zero(t, snap.Endpoints["POST tasks"].Count, "nothing written twice")
}
