package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/cosellsync/cosell/connectors"
)

// The batch side of the deal connector (connectors.Batcher), which connectors/batch coalesces the deal
// workflows' single-deal calls into. Each call is one request of at most MaxBatchInputs inputs; HubSpot
// answers a batch in which some inputs failed with 207 Multi-Status, their errors apart, and every error
// here goes back to its own input:
//   - reads: ids HubSpot does not find are listed in an OBJECT_NOT_FOUND error's context.ids;
//   - writes: each input carries an objectWriteTraceId (its position), which makes HubSpot apply the
//     other inputs when one fails and name the failed one in its error's context.objectWriteTraceId.
//     Without it a batch write is all or nothing: one bad value would fail every deal of the batch.

// BatchLimits is HubSpot's 100 inputs per object batch request, for reads and writes alike; HubSpot has
// no conditional write.
func (c *Client) BatchLimits() connectors.BatchLimits {
	return connectors.BatchLimits{Read: MaxBatchInputs, Write: MaxBatchInputs, ConditionalWrite: MaxBatchInputs}
}

// batchAnswer is a batch response: results, and the errors of a 207.
type batchAnswer struct {
	Results []json.RawMessage `json:"results"`
	Errors  []json.RawMessage `json:"errors"`
}

// batchErrorContext is what an entry of a batch answer's errors says about whom it concerns.
type batchErrorContext struct {
	Category string              `json:"category"`
	Context  map[string][]string `json:"context"`
}

// recordError classifies one entry of a batch answer's errors with HubSpot's own category and message,
// as classify does for a whole answer.
func (c *Client) recordError(op string, raw json.RawMessage, category string) *connectors.Error {
	status := http.StatusBadRequest
	if category == "OBJECT_NOT_FOUND" {
		status = http.StatusNotFound
	}
	return classify(op, status, http.Header{}, raw, c.cfg.Now)
}

// GetDealBatch reads up to MaxBatchInputs deals by record id with one batch read; a deal HubSpot does not
// find gets an error matching connectors.ErrNotFound.
func (c *Client) GetDealBatch(ctx context.Context, recordIDs []string) []connectors.DealOutcome {
	return c.readDeals(ctx, "", recordIDs, func(o Object) string { return o.ID })
}

// FindDealBatch reads up to MaxBatchInputs deals by co-sell id with one batch read by the unique
// co-sell id property, which, unlike search, sees a write at once. A co-sell id no deal carries is not
// found, without an error.
func (c *Client) FindDealBatch(ctx context.Context, coSellIDs []string) []connectors.DealOutcome {
	key := c.cfg.DealFields.CoSellID
	outs := c.readDeals(ctx, key, coSellIDs, func(o Object) string { return o.Get(key) })
	for i := range outs {
		if errors.Is(outs[i].Err, connectors.ErrNotFound) {
			outs[i].Err = nil
		}
	}
	return outs
}

// readDeals is one batch read of deals by id or by a unique property, its results matched to the
// inputs by keyOf.
func (c *Client) readDeals(ctx context.Context, idProperty string, ids []string, keyOf func(Object) string) []connectors.DealOutcome {
	outs := make([]connectors.DealOutcome, len(ids))
	op := fmt.Sprintf("batch read deals (%d)", len(ids))
	if idProperty != "" {
		op = fmt.Sprintf("batch read deals by %s (%d)", idProperty, len(ids))
	}
	if len(ids) > MaxBatchInputs {
		return failAll(outs, fmt.Errorf("hubspot: %s: at most %d inputs per request", op, MaxBatchInputs))
	}
	inputs := make([]map[string]string, len(ids))
	for i, id := range ids {
		inputs[i] = map[string]string{"id": id}
	}
	body := map[string]any{"inputs": inputs, "properties": c.dealProperties()}
	if idProperty != "" {
		body["idProperty"] = idProperty
	}
	var ans batchAnswer
	if _, err := c.do(ctx, request{op: op, method: http.MethodPost, path: "/crm/v3/objects/deals/batch/read", body: body, safe: true}, &ans); err != nil {
		return failAll(outs, err)
	}
	byKey := map[string]Object{}
	for _, raw := range ans.Results {
		var o Object
		if err := json.Unmarshal(raw, &o); err != nil {
			return failAll(outs, fmt.Errorf("hubspot: %s: decode result: %w", op, err))
		}
		byKey[keyOf(o)] = o
	}
	blamed := map[string]error{}
	for _, raw := range ans.Errors {
		var ec batchErrorContext
		_ = json.Unmarshal(raw, &ec)
		for _, id := range ec.Context["ids"] {
			blamed[id] = c.recordError(fmt.Sprintf("read deal %s", id), raw, ec.Category)
		}
	}
	var found []*connectors.Deal
	for i, id := range ids {
		if o, ok := byKey[id]; ok {
			outs[i] = connectors.DealOutcome{Deal: c.toDeal(o), Found: true}
			found = append(found, &outs[i].Deal)
			continue
		}
		err := blamed[id]
		if err == nil {
			// HubSpot names every id it did not find; one it neither returned nor named is missing too.
			err = &connectors.Error{CRM: crmName, Op: "read deal " + id, Status: http.StatusNotFound, Code: "OBJECT_NOT_FOUND",
				Message: "the batch read returned no deal for this id", NotFound: true}
		}
		outs[i].Err = err
	}
	if err := c.withCompanies(ctx, found); err != nil {
		return failAll(outs, err)
	}
	return outs
}

func failAll(outs []connectors.DealOutcome, err error) []connectors.DealOutcome {
	for i := range outs {
		outs[i] = connectors.DealOutcome{Err: err}
	}
	return outs
}

// writeItem is one input of a batch write, traced so its error comes back to it.
type writeItem struct {
	ID         string            `json:"id"`
	IDProperty string            `json:"idProperty,omitempty"`
	Properties map[string]string `json:"properties"`
	TraceID    string            `json:"objectWriteTraceId"`
}

// UpsertDealBatch creates or updates up to MaxBatchInputs deals keyed by co-sell id with one batch upsert;
// each deal's validation error is its own.
func (c *Client) UpsertDealBatch(ctx context.Context, in []connectors.DealUpsert) []connectors.UpsertOutcome {
	key := c.cfg.DealFields.CoSellID
	outs := make([]connectors.UpsertOutcome, len(in))
	items := make([]writeItem, 0, len(in))
	pos := make([]int, 0, len(in))
	for i, u := range in {
		props, err := c.upsertProperties(u.CoSellID, u.Fields)
		if err != nil {
			outs[i].Err = err
			continue
		}
		items = append(items, writeItem{ID: u.CoSellID, IDProperty: key, Properties: props, TraceID: strconv.Itoa(i)})
		pos = append(pos, i)
	}
	if len(items) == 0 {
		return outs
	}
	results, errs := c.batchWrite(ctx, "upsert", fmt.Sprintf("batch upsert deals by %s (%d)", key, len(items)), items, len(in))
	var ok []int // the inputs that succeeded, in order
	for _, i := range pos {
		if errs[i] == nil {
			ok = append(ok, i)
		}
	}
	for j, i := range pos {
		if err := errs[i]; err != nil {
			outs[i].Err = err
			continue
		}
		var u Upserted
		r, found := results.byTrace[items[j].TraceID]
		if !found {
			r, found = results.byKey[items[j].ID]
		}
		if !found && len(results.ordered) == len(ok) {
			// A result without the key property: HubSpot answers in input order, failures left out.
			r, found = results.ordered[slices.Index(ok, i)], true
		}
		if found && json.Unmarshal(r, &u) == nil {
			outs[i].Result = connectors.UpsertResult{RecordID: u.ID, Created: u.New}
			continue
		}
		outs[i].Err = fmt.Errorf("hubspot: upsert deal %s=%s: the batch answer has neither a result nor an error for it", key, in[i].CoSellID)
	}
	return outs
}

// upsertProperties checks one upsert's fields as UpsertDeal does.
func (c *Client) upsertProperties(coSellID string, fields map[string]any) (map[string]string, error) {
	key := c.cfg.DealFields.CoSellID
	if coSellID == "" {
		return nil, &connectors.Error{CRM: crmName, Op: "upsert deal", Code: "MISSING_INPUT",
			Message: "an upsert needs a co-sell id to key on", Fields: []string{key}}
	}
	props, err := toHubSpotProperties(fields)
	if err != nil {
		return nil, err
	}
	if v, ok := props[key]; ok && v != coSellID {
		return nil, fmt.Errorf("hubspot: upsert deal %s=%s: fields set %s to %q", key, coSellID, key, v)
	}
	delete(props, key)
	return props, nil
}

// UpdateDealBatch sets fields on up to MaxBatchInputs deals by record id with one batch update; a deal that
// is gone gets an error matching connectors.ErrNotFound, a refused value its own validation error.
// HubSpot has no conditional write: Since is ignored, as UpdateDeal would.
func (c *Client) UpdateDealBatch(ctx context.Context, in []connectors.DealUpdate) []error {
	errs := make([]error, len(in))
	items := make([]writeItem, 0, len(in))
	pos := make([]int, 0, len(in))
	for i, u := range in {
		props, err := toHubSpotProperties(u.Fields)
		if err != nil {
			errs[i] = err
			continue
		}
		items = append(items, writeItem{ID: u.RecordID, Properties: props, TraceID: strconv.Itoa(i)})
		pos = append(pos, i)
	}
	if len(items) == 0 {
		return errs
	}
	results, werrs := c.batchWrite(ctx, "update", fmt.Sprintf("batch update deals (%d)", len(items)), items, len(in))
	for _, i := range pos {
		switch {
		case werrs[i] != nil:
			errs[i] = werrs[i]
		case results.byTrace[strconv.Itoa(i)] == nil && results.byKey[in[i].RecordID] == nil:
			errs[i] = fmt.Errorf("hubspot: update deal %s: the batch answer has neither a result nor an error for it", in[i].RecordID)
		}
	}
	return errs
}

// batchWrite sends one traced batch write of deals and sorts its answer: results by their key (the
// co-sell id of an upsert, the record id of an update), errors by input position (the trace id), or by
// id for the OBJECT_NOT_FOUND of an update.
func (c *Client) batchWrite(ctx context.Context, verb, op string, items []writeItem, n int) (writeResults, []error) {
	errs := make([]error, n)
	if len(items) > MaxBatchInputs {
		err := fmt.Errorf("hubspot: %s: at most %d inputs per request", op, MaxBatchInputs)
		for _, it := range items {
			errs[atoi(it.TraceID)] = err
		}
		return writeResults{}, errs
	}
	var ans batchAnswer
	if _, err := c.do(ctx, request{op: op, method: http.MethodPost, path: "/crm/v3/objects/deals/batch/" + verb,
		body: map[string]any{"inputs": items}, safe: true}, &ans); err != nil {
		for _, it := range items {
			errs[atoi(it.TraceID)] = err
		}
		return writeResults{}, errs
	}
	results := writeResults{byKey: map[string]json.RawMessage{}, byTrace: map[string]json.RawMessage{}, ordered: ans.Results}
	key := c.cfg.DealFields.CoSellID
	for _, raw := range ans.Results {
		var o struct {
			Object
			TraceID string `json:"objectWriteTraceId"`
		}
		if json.Unmarshal(raw, &o) != nil {
			continue
		}
		if o.TraceID != "" {
			results.byTrace[o.TraceID] = raw
		}
		if verb == "upsert" {
			if k := o.Get(key); k != "" {
				results.byKey[k] = raw
			}
		} else {
			results.byKey[o.ID] = raw
		}
	}
	byID := map[string]int{}
	for _, it := range items {
		byID[it.ID] = atoi(it.TraceID)
	}
	for _, raw := range ans.Errors {
		var ec batchErrorContext
		_ = json.Unmarshal(raw, &ec)
		for _, t := range ec.Context["objectWriteTraceId"] {
			if i, err := strconv.Atoi(t); err == nil && i >= 0 && i < n {
				errs[i] = c.recordError(fmt.Sprintf("%s deal %s", verb, items[indexOfTrace(items, t)].ID), raw, ec.Category)
			}
		}
		for _, id := range ec.Context["ids"] {
			if i, ok := byID[id]; ok {
				errs[i] = c.recordError(fmt.Sprintf("%s deal %s", verb, id), raw, ec.Category)
			}
		}
	}
	return results, errs
}

// writeResults are a batch write's results, by key and as answered.
type writeResults struct {
	// byTrace holds the results by their input's objectWriteTraceId, which HubSpot echoes.
	byTrace map[string]json.RawMessage
	byKey   map[string]json.RawMessage
	ordered []json.RawMessage
}

func atoi(s string) int {
	i, _ := strconv.Atoi(s)
	return i
}

func indexOfTrace(items []writeItem, trace string) int {
	for j, it := range items {
		if it.TraceID == trace {
			return j
		}
	}
	return 0
}
