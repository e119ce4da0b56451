package hubspot

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func upsertInput(key string, props map[string]any) map[string]any {
	return map[string]any{"idProperty": "cosell_id", "id": key, "properties": props}
}

func TestBatchUpsertCreatesThenUpdates(t *testing.T) {
	p := newPortal(t)
	existing := p.createDeal(map[string]any{"dealname": "old", "cosell_id": "CS-2"})
	r := p.do("POST", "/crm/v3/objects/deals/batch/upsert", map[string]any{"inputs": []any{
		upsertInput("CS-1", map[string]any{"dealname": "new one", "dealstage": "appointmentscheduled"}),
		upsertInput("CS-2", map[string]any{"dealname": "renamed"}),
	}})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "COMPLETE", r.body["status"])
	assert.NotEmpty(t, r.body["startedAt"])
	assert.NotEmpty(t, r.body["completedAt"])
	res := results(r)
	require.Len(t, res, 2)
	byKey := map[string]map[string]any{}
	for _, x := range res {
		byKey[props(x)["cosell_id"].(string)] = x
	}
	assert.Equal(t, true, byKey["CS-1"]["new"])
	assert.Equal(t, false, byKey["CS-2"]["new"])
	assert.Equal(t, existing, byKey["CS-2"]["id"])
	assert.Equal(t, "renamed", props(byKey["CS-2"])["dealname"])
	assert.Equal(t, "CS-1", props(byKey["CS-1"])["cosell_id"], "the key is stored on the created record")

	again := p.do("POST", "/crm/v3/objects/deals/batch/upsert", map[string]any{"inputs": []any{upsertInput("CS-1", map[string]any{"amount": "5"})}})
	require.Equal(t, http.StatusOK, again.status)
	assert.Equal(t, false, results(again)[0]["new"])
	assert.Equal(t, byKey["CS-1"]["id"], results(again)[0]["id"])
	assert.Len(t, p.srv.Deals(), 2)
}

func TestBatchUpsertRejectsNonUniqueKeyDuplicatesAndTooManyInputs(t *testing.T) {
	p := newPortal(t)
	r := p.do("POST", "/crm/v3/objects/deals/batch/upsert", map[string]any{"inputs": []any{
		map[string]any{"idProperty": "dealname", "id": "x", "properties": map[string]any{}},
	}})
	assert.Equal(t, http.StatusBadRequest, r.status, "only unique-value properties can key an upsert")

	r = p.do("POST", "/crm/v3/objects/deals/batch/upsert", map[string]any{"inputs": []any{
		upsertInput("CS-1", nil), upsertInput("CS-1", nil),
	}})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.body["message"], "Duplicate IDs")

	var inputs []any
	for i := range 101 {
		inputs = append(inputs, upsertInput(fmt.Sprintf("CS-%d", i), map[string]any{"dealname": "x"}))
	}
	r = p.do("POST", "/crm/v3/objects/deals/batch/upsert", map[string]any{"inputs": inputs})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "VALIDATION_ERROR", r.body["category"])
	assert.Empty(t, p.srv.Deals())
	r = p.do("POST", "/crm/v3/objects/deals/batch/upsert", map[string]any{"inputs": inputs[:100]})
	assert.Equal(t, http.StatusOK, r.status, "100 inputs are allowed")
}

func TestBatchWriteIsAllOrNothingWithoutTraceIDs(t *testing.T) {
	p := newPortal(t)
	existing := p.createDeal(map[string]any{"dealname": "keep", "cosell_id": "CS-9"})
	r := p.do("POST", "/crm/v3/objects/deals/batch/upsert", map[string]any{"inputs": []any{
		upsertInput("CS-1", map[string]any{"dealname": "fine"}),
		upsertInput("CS-9", map[string]any{"dealname": "changed"}),
		upsertInput("CS-2", map[string]any{"dealstage": "nope"}),
	}})
	require.Equal(t, http.StatusBadRequest, r.status)
	deals := p.srv.Deals()
	require.Len(t, deals, 1, "the created record is rolled back")
	assert.Equal(t, existing, deals[0].ID)
	assert.Equal(t, "keep", deals[0].Properties["dealname"], "the updated record is restored")
}

func TestBatchCreateMultiStatusWithTraceIDs(t *testing.T) {
	p := newPortal(t)
	r := p.do("POST", "/crm/v3/objects/deals/batch/create", map[string]any{"inputs": []any{
		map[string]any{"objectWriteTraceId": "a", "properties": map[string]any{"dealname": "ok"}},
		map[string]any{"objectWriteTraceId": "b", "properties": map[string]any{"missing": "1"}},
	}})
	require.Equal(t, http.StatusMultiStatus, r.status, r.raw)
	assert.EqualValues(t, 1, r.body["numErrors"])
	require.Len(t, results(r), 1)
	e := r.body["errors"].([]any)[0].(map[string]any)
	assert.Equal(t, "VALIDATION_ERROR", e["category"])
	assert.Equal(t, []any{"b"}, e["context"].(map[string]any)["objectWriteTraceId"])
	assert.Contains(t, e["message"], "PROPERTY_DOESNT_EXIST")
}

func TestBatchReadByIDPropertyReportsMissing(t *testing.T) {
	p := newPortal(t)
	id := p.createDeal(map[string]any{"dealname": "a", "cosell_id": "CS-1"})
	r := p.do("POST", "/crm/v3/objects/deals/batch/read", map[string]any{
		"idProperty": "cosell_id", "properties": []string{"dealname"},
		"inputs": []any{map[string]any{"id": "CS-1"}, map[string]any{"id": "CS-404"}},
	})
	require.Equal(t, http.StatusMultiStatus, r.status, r.raw)
	require.Len(t, results(r), 1)
	assert.Equal(t, id, results(r)[0]["id"])
	e := r.body["errors"].([]any)[0].(map[string]any)
	assert.Equal(t, "OBJECT_NOT_FOUND", e["category"])
	assert.Equal(t, []any{"CS-404"}, e["context"].(map[string]any)["ids"])

	r = p.do("POST", "/crm/v3/objects/deals/batch/read", map[string]any{"inputs": []any{map[string]any{"id": id}}})
	assert.Equal(t, http.StatusOK, r.status)
}

func TestBatchUpdateAndArchive(t *testing.T) {
	p := newPortal(t)
	a := p.createDeal(map[string]any{"dealname": "a"})
	b := p.createDeal(map[string]any{"dealname": "b"})
	r := p.do("POST", "/crm/v3/objects/deals/batch/update", map[string]any{"inputs": []any{
		map[string]any{"id": a, "properties": map[string]any{"amount": "1"}},
		map[string]any{"id": b, "properties": map[string]any{"amount": "2"}},
	}})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Len(t, results(r), 2)
	r = p.do("POST", "/crm/v3/objects/deals/batch/archive", map[string]any{"inputs": []any{map[string]any{"id": a}}})
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Equal(t, http.StatusNotFound, p.do("GET", "/crm/v3/objects/deals/"+a, nil).status)
}
