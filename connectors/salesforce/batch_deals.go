package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cosellsync/cosell/connectors"
)

// The batch side of the deal connector (connectors.Batcher), which connectors/batch coalesces the deal
// workflows' single-deal calls into:
//   - reads by id are one sObject Collections retrieve (200 ids), which sees a write at once as a read by
//     id does; reads by co-sell id are one SOQL query WHERE <co-sell id> IN (…), as FindDealByCoSellID
//     is a query;
//   - upserts are UpsertDeals (Composite of sObject Collections upserts by the co-sell id, allOrNone
//     false);
//   - unconditional updates are a Composite of sObject Collections updates, 200 records per subrequest,
//     allOrNone false, each record failing on its own;
//   - conditional updates (If-Unmodified-Since, the stale-write protection) are a Composite of sObject
//     Row PATCHes, 25 per call, each subrequest carrying its own If-Unmodified-Since in httpHeaders.
//     sObject Collections take no conditional header, and a read-compare before a Collections update
//     would leave the window between the read and the write open, which the header closes: the CRM
//     judges each record's condition as it writes it and answers 412 for that record alone.

// maxBatchRead bounds one read: sObject Collections retrieve takes 200 ids on a GET, and 200 values keep
// an IN list's query URL near 6 kB, well inside the 16 kB Salesforce takes on a GET.
const maxBatchRead = 200

// BatchLimits is what one call of each kind takes on Salesforce.
func (c *Connector) BatchLimits() connectors.BatchLimits {
	return connectors.BatchLimits{Read: maxBatchRead, Write: MaxBatchUpserts, ConditionalWrite: maxSubrequests}
}

// GetDealBatch reads deals by record id with one sObject Collections retrieve (GET
// /composite/sobjects/Opportunity?ids=…&fields=…), which, like a read by id and unlike SOQL, sees a
// write at once: a deal reads back what it just wrote. An id that is no Opportunity, or none that exists
// (Salesforce answers null in its place), gets an error matching connectors.ErrNotFound.
func (c *Connector) GetDealBatch(ctx context.Context, recordIDs []string) []connectors.DealOutcome {
	outs := make([]connectors.DealOutcome, len(recordIDs))
	var ids []string
	var pos []int
	for i, id := range recordIDs {
		if !validID(id) {
			e := invalid("get Opportunity "+id, "not a Salesforce record id")
			e.NotFound = true
			outs[i].Err = e
			continue
		}
		ids = append(ids, id)
		pos = append(pos, i)
	}
	if len(ids) == 0 {
		return outs
	}
	op := fmt.Sprintf("get Opportunity batch (%d)", len(ids))
	var recs []map[string]any
	err := error(nil)
	if len(ids) > maxBatchRead {
		err = invalid(op, fmt.Sprintf("%d ids exceed the batch limit of %d", len(ids), maxBatchRead))
	} else {
		uri := "/composite/sobjects/Opportunity?ids=" + strings.Join(ids, ",") + "&fields=" + url.QueryEscape(strings.Join(c.rowFields(), ","))
		var resp response
		if resp, err = c.call(ctx, op, http.MethodGet, uri, nil, true); err == nil {
			if jerr := json.Unmarshal(resp.body, &recs); jerr != nil || len(recs) != len(ids) {
				err = invalid(op, "unexpected collection answer: "+bodySnippet(resp.body))
			}
		}
	}
	var accounts map[string]map[string]any
	if err == nil {
		accounts, err = c.accountsOf(ctx, recs)
	}
	for j, i := range pos {
		switch {
		case err != nil:
			outs[i].Err = err
		case recs[j] == nil:
			outs[i].Err = &connectors.Error{CRM: crmName, Op: "get Opportunity " + recordIDs[i], Status: http.StatusNotFound, Code: "NOT_FOUND",
				Message: "The requested resource does not exist", NotFound: true}
		default:
			d, derr := c.toDealWith(recs[j], accounts)
			outs[i] = connectors.DealOutcome{Deal: d, Found: derr == nil, Err: derr}
		}
	}
	return outs
}

// FindDealBatch reads the deals carrying co-sell ids with one query; a co-sell id no deal carries is not
// found, without an error.
func (c *Connector) FindDealBatch(ctx context.Context, coSellIDs []string) []connectors.DealOutcome {
	outs := make([]connectors.DealOutcome, len(coSellIDs))
	var values []string
	for i, id := range coSellIDs {
		if id == "" {
			outs[i].Err = invalid("find Opportunity", "empty co-sell id")
			continue
		}
		values = append(values, quote(id))
	}
	recs, err := c.queryIn(ctx, c.fields.CoSellID, values)
	byCoSell := map[string]connectors.Deal{}
	for _, rec := range recs {
		if d, derr := c.toDeal(rec); derr == nil {
			byCoSell[d.CoSellID] = d
		} else if err == nil {
			err = derr
		}
	}
	for i, id := range coSellIDs {
		if outs[i].Err != nil {
			continue
		}
		if err != nil {
			outs[i].Err = err
			continue
		}
		d, ok := byCoSell[id]
		outs[i] = connectors.DealOutcome{Deal: d, Found: ok}
	}
	return outs
}

// queryIn is SELECT <deal fields> FROM Opportunity WHERE field IN (values).
func (c *Connector) queryIn(ctx context.Context, field string, values []string) ([]map[string]any, error) {
	if len(values) == 0 {
		return nil, nil
	}
	op := fmt.Sprintf("read Opportunity batch by %s (%d)", field, len(values))
	if len(values) > maxBatchRead {
		return nil, invalid(op, fmt.Sprintf("%d values exceed the batch limit of %d", len(values), maxBatchRead))
	}
	soql := fmt.Sprintf("SELECT %s FROM Opportunity WHERE %s IN (%s)", strings.Join(c.selectFields(), ", "), field, strings.Join(values, ", "))
	return c.query(ctx, op, soql)
}

// UpsertDealBatch is UpsertDeals in the shape of connectors.Batcher.
func (c *Connector) UpsertDealBatch(ctx context.Context, in []connectors.DealUpsert) []connectors.UpsertOutcome {
	outs := make([]connectors.UpsertOutcome, len(in))
	deals := make([]DealUpsert, 0, len(in))
	pos := make([]int, 0, len(in))
	for i, u := range in {
		if u.CoSellID == "" || u.CoSellID == "." || u.CoSellID == ".." {
			outs[i].Err = invalid("upsert Opportunity "+c.fields.CoSellID+"/"+u.CoSellID, "co-sell id must be a non-empty path-safe value")
			continue
		}
		deals = append(deals, DealUpsert{CoSellID: u.CoSellID, Fields: u.Fields})
		pos = append(pos, i)
	}
	if len(deals) == 0 {
		return outs
	}
	res, err := c.UpsertDeals(ctx, deals)
	for j, i := range pos {
		switch {
		case err != nil:
			outs[i].Err = err
		case j >= len(res):
			outs[i].Err = invalid("upsert Opportunity batch", "fewer results than deals")
		default:
			outs[i] = connectors.UpsertOutcome{Result: res[j].UpsertResult, Err: res[j].Err}
		}
	}
	return outs
}

// compositeSub is one subrequest of a Composite call.
type compositeSub struct {
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	ReferenceID string            `json:"referenceId"`
	Body        any               `json:"body,omitempty"`
	HTTPHeaders map[string]string `json:"httpHeaders,omitempty"`
}

// compositeAnswer is a Composite call's answer: one result per subrequest.
type compositeAnswer struct {
	CompositeResponse []struct {
		Body           json.RawMessage   `json:"body"`
		HTTPHeaders    map[string]string `json:"httpHeaders"`
		HTTPStatusCode int               `json:"httpStatusCode"`
		ReferenceID    string            `json:"referenceId"`
	} `json:"compositeResponse"`
}

// composite sends subrequests in one Composite call with allOrNone false, so each stands on its own.
// Every subrequest here sets absolute values (a PATCH), so the call is safe to resend.
func (c *Connector) composite(ctx context.Context, op string, subs []compositeSub) (compositeAnswer, error) {
	resp, err := c.call(ctx, op, http.MethodPost, "/composite", map[string]any{"allOrNone": false, "compositeRequest": subs}, true)
	if err != nil {
		return compositeAnswer{}, err
	}
	var ans compositeAnswer
	if err := json.Unmarshal(resp.body, &ans); err != nil || len(ans.CompositeResponse) != len(subs) {
		return compositeAnswer{}, invalid(op, "unexpected composite answer: "+bodySnippet(resp.body))
	}
	return ans, nil
}

// UpdateDealBatch updates deals by record id. With no condition among them it is a Composite of sObject
// Collections updates (up to MaxBatchUpserts records); when any carries a Since it is a Composite of
// sObject Row PATCHes (up to 25), each with its own If-Unmodified-Since, so a record modified after its
// stamp is refused with 412 alone (an error matching connectors.ErrModified) and nothing of it written.
func (c *Connector) UpdateDealBatch(ctx context.Context, in []connectors.DealUpdate) []error {
	errs := make([]error, len(in))
	pos := make([]int, 0, len(in))
	conditional := false
	for i, u := range in {
		if !validID(u.RecordID) {
			e := invalid("update Opportunity "+u.RecordID, "not a Salesforce record id")
			e.NotFound = true
			errs[i] = e
			continue
		}
		pos = append(pos, i)
		conditional = conditional || !u.Since.IsZero()
	}
	if len(pos) == 0 {
		return errs
	}
	if conditional {
		c.updateRows(ctx, in, pos, errs)
	} else {
		c.updateCollections(ctx, in, pos, errs)
	}
	return errs
}

// updateRows is the conditional form of UpdateDealBatch: one sObject Row PATCH per record.
func (c *Connector) updateRows(ctx context.Context, in []connectors.DealUpdate, pos []int, errs []error) {
	op := fmt.Sprintf("update Opportunity batch (%d, conditional)", len(pos))
	if len(pos) > maxSubrequests {
		for _, i := range pos {
			errs[i] = invalid(op, fmt.Sprintf("%d conditional updates exceed the composite limit of %d", len(pos), maxSubrequests))
		}
		return
	}
	subs := make([]compositeSub, len(pos))
	for j, i := range pos {
		u := in[i]
		subs[j] = compositeSub{Method: http.MethodPatch, URL: "/services/data/" + c.cfg.APIVersion + "/sobjects/Opportunity/" + u.RecordID,
			ReferenceID: "update" + strconv.Itoa(j), Body: writeBody(u.Fields)}
		if !u.Since.IsZero() {
			subs[j].HTTPHeaders = map[string]string{"If-Unmodified-Since": httpDate(u.Since)}
		}
	}
	ans, err := c.composite(ctx, op, subs)
	for j, i := range pos {
		if err != nil {
			errs[i] = err
			continue
		}
		sr := ans.CompositeResponse[j]
		if sr.HTTPStatusCode >= 200 && sr.HTTPStatusCode < 300 {
			continue
		}
		h := http.Header{}
		for k, v := range sr.HTTPHeaders {
			h.Set(k, v)
		}
		errs[i] = c.classify("update Opportunity "+in[i].RecordID, sr.HTTPStatusCode, h, sr.Body)
	}
}

// updateCollections is the unconditional form of UpdateDealBatch: sObject Collections updates of 200.
func (c *Connector) updateCollections(ctx context.Context, in []connectors.DealUpdate, pos []int, errs []error) {
	op := fmt.Sprintf("update Opportunity batch (%d)", len(pos))
	if len(pos) > MaxBatchUpserts {
		for _, i := range pos {
			errs[i] = invalid(op, fmt.Sprintf("%d updates exceed the batch limit of %d", len(pos), MaxBatchUpserts))
		}
		return
	}
	var subs []compositeSub
	for start := 0; start < len(pos); start += collectionSize {
		end := min(start+collectionSize, len(pos))
		records := make([]map[string]any, 0, end-start)
		for _, i := range pos[start:end] {
			rec := writeBody(in[i].Fields)
			rec["attributes"] = map[string]string{"type": opportunity}
			rec["Id"] = in[i].RecordID
			records = append(records, rec)
		}
		subs = append(subs, compositeSub{Method: http.MethodPatch, URL: "/services/data/" + c.cfg.APIVersion + "/composite/sobjects",
			ReferenceID: "update" + strconv.Itoa(len(subs)), Body: map[string]any{"allOrNone": false, "records": records}})
	}
	ans, err := c.composite(ctx, op, subs)
	for s, sr := range ans.CompositeResponse {
		start := s * collectionSize
		end := min(start+collectionSize, len(pos))
		if err == nil && (sr.HTTPStatusCode < 200 || sr.HTTPStatusCode > 299) {
			h := http.Header{}
			for k, v := range sr.HTTPHeaders {
				h.Set(k, v)
			}
			e := c.classify(op, sr.HTTPStatusCode, h, sr.Body)
			for _, i := range pos[start:end] {
				errs[i] = e
			}
			continue
		}
		var results []saveResult
		if uerr := json.Unmarshal(sr.Body, &results); uerr != nil || len(results) != end-start {
			for _, i := range pos[start:end] {
				errs[i] = invalid(op, "unexpected collection answer: "+bodySnippet(sr.Body))
			}
			continue
		}
		for k, r := range results {
			i := pos[start+k]
			if !r.Success {
				errs[i] = saveError("update Opportunity "+in[i].RecordID, r)
			}
		}
	}
	if err != nil {
		for _, i := range pos {
			errs[i] = err
		}
	}
}

// saveError turns a failed record of an sObject Collections answer into a classified error carrying
// Salesforce's codes, messages and fields.
func saveError(op string, r saveResult) *connectors.Error {
	e := &connectors.Error{CRM: crmName, Op: op, Status: http.StatusBadRequest}
	for k, re := range r.Errors {
		if k == 0 {
			e.Code, e.Message = re.StatusCode, re.Message
		} else {
			e.Message += "; " + re.StatusCode + ": " + re.Message
		}
		e.Fields = append(e.Fields, re.Fields...)
	}
	switch {
	case e.Code == "ENTITY_IS_DELETED" || e.Code == "INVALID_CROSS_REFERENCE_KEY" || e.Code == "NOT_FOUND":
		e.Status, e.NotFound = http.StatusNotFound, true
	case transientCodes[e.Code] || e.Code == "ALL_OR_NONE_OPERATION_ROLLED_BACK":
		e.Retryable = true
	}
	return e
}
