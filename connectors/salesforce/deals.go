package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gosf "github.com/k-capehart/go-salesforce/v3"

	"github.com/cosellsync/cosell/connectors"
)

const (
	opportunity      = "Opportunity"
	defaultPageLimit = 200
)

// selectFields lists what every deal read selects: Id and SystemModstamp for the cursor, then the
// configured fields.
func (c *Connector) selectFields() []string {
	out := []string{"Id", "SystemModstamp"}
	for _, f := range c.fields.All() {
		if f != "Id" && f != "SystemModstamp" {
			out = append(out, f)
		}
	}
	return out
}

// toDeal reads a record in the shape of connectors.Deal; Fields holds the configured fields only. A
// parent field (Account.Website) comes nested in a SOQL record, or, in a record read by id, from
// accounts, the record's Account read apart (accountsOf).
func (c *Connector) toDeal(rec map[string]any) (connectors.Deal, error) {
	return c.toDealWith(rec, nil)
}

func (c *Connector) toDealWith(rec map[string]any, accounts map[string]map[string]any) (connectors.Deal, error) {
	id, _ := rec["Id"].(string)
	stamp, _ := rec["SystemModstamp"].(string)
	modified, ok := parseSFTime(stamp)
	if id == "" || !ok {
		return connectors.Deal{}, invalid("read Opportunity", fmt.Sprintf("record without Id or SystemModstamp: %v", rec))
	}
	d := connectors.Deal{RecordID: id, ModifiedAt: modified, Fields: map[string]any{}}
	for _, f := range c.fields.All() {
		if _, _, ok := connectors.SplitRelated(f); ok {
			d.Fields[f] = relatedValue(rec, f, accounts)
			continue
		}
		d.Fields[f] = rec[f]
	}
	d.CoSellID, _ = rec[c.fields.CoSellID].(string)
	d.Enabled, _ = rec[c.fields.Enabled].(bool)
	d.OwnerID, _ = rec[c.fields.Owner].(string)
	return d, nil
}

func (c *Connector) toDeals(recs []map[string]any) ([]connectors.Deal, error) {
	out := make([]connectors.Deal, 0, len(recs))
	for _, r := range recs {
		d, err := c.toDeal(r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// validID admits 15- and 18-character record ids only, since ids are spliced into URLs.
func validID(id string) bool {
	if len(id) != 15 && len(id) != 18 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// ChangedDeals pages co-sell opportunities by (SystemModstamp, Id): flagged ones, and ones carrying a
// co-sell id, so unflagging an opportunity is seen too.
func (c *Connector) ChangedDeals(ctx context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	if limit <= 0 {
		limit = defaultPageLimit
	}
	where := "(" + c.fields.Enabled + " = true OR " + c.fields.CoSellID + " != null)"
	if k := keysetAfter(after.ModifiedAt, after.ID); k != "" {
		where += " AND " + k
	}
	soql := fmt.Sprintf("SELECT %s FROM Opportunity WHERE %s ORDER BY SystemModstamp ASC, Id ASC LIMIT %d",
		strings.Join(c.selectFields(), ", "), where, limit)
	recs, err := c.query(ctx, "query changed Opportunity", soql)
	if err != nil {
		return nil, err
	}
	return c.toDeals(recs)
}

// GetDeal reads one opportunity by id.
func (c *Connector) GetDeal(ctx context.Context, recordID string) (connectors.Deal, error) {
	op := "get Opportunity " + recordID
	if !validID(recordID) {
		e := invalid(op, "not a Salesforce record id")
		e.NotFound = true
		return connectors.Deal{}, e
	}
	resp, err := c.call(ctx, op, http.MethodGet, "/sobjects/Opportunity/"+recordID+"?fields="+url.QueryEscape(strings.Join(c.rowFields(), ",")), nil, true)
	if err != nil {
		return connectors.Deal{}, err
	}
	var rec map[string]any
	if err := json.Unmarshal(resp.body, &rec); err != nil {
		return connectors.Deal{}, invalid(op, "decode record: "+err.Error())
	}
	accounts, err := c.accountsOf(ctx, []map[string]any{rec})
	if err != nil {
		return connectors.Deal{}, err
	}
	return c.toDealWith(rec, accounts)
}

// FindDealByCoSellID queries by the co-sell id field; a query (unlike GET by external id) takes any
// characters in the value.
func (c *Connector) FindDealByCoSellID(ctx context.Context, coSellID string) (connectors.Deal, bool, error) {
	if coSellID == "" {
		return connectors.Deal{}, false, invalid("find Opportunity", "empty co-sell id")
	}
	soql := fmt.Sprintf("SELECT %s FROM Opportunity WHERE %s = %s LIMIT 1", strings.Join(c.selectFields(), ", "), c.fields.CoSellID, quote(coSellID))
	recs, err := c.query(ctx, "find Opportunity "+c.fields.CoSellID+"="+coSellID, soql)
	if err != nil || len(recs) == 0 {
		return connectors.Deal{}, false, err
	}
	d, err := c.toDeal(recs[0])
	return d, err == nil, err
}

// writeBody copies fields for a write, dropping what must not travel in a body.
func writeBody(fields map[string]any, drop ...string) map[string]any {
	out := make(map[string]any, len(fields))
outer:
	for k, v := range fields {
		if strings.EqualFold(k, "Id") || k == "attributes" {
			continue
		}
		for _, d := range drop {
			if strings.EqualFold(k, d) {
				continue outer
			}
		}
		out[k] = v
	}
	return out
}

// upsertAnswer is the body of PATCH /sobjects/{type}/{field}/{value}.
type upsertAnswer struct {
	ID      string `json:"id"`
	Created *bool  `json:"created"`
}

// UpsertDeal is PATCH /sobjects/Opportunity/{co-sell id field}/{value}: Salesforce creates the record or
// updates the one holding that external id, atomically, so a retried activity converges.
func (c *Connector) UpsertDeal(ctx context.Context, coSellID string, fields map[string]any) (connectors.UpsertResult, error) {
	op := "upsert Opportunity " + c.fields.CoSellID + "/" + coSellID
	if coSellID == "" || coSellID == "." || coSellID == ".." {
		return connectors.UpsertResult{}, invalid(op, "co-sell id must be a non-empty path-safe value")
	}
	uri := "/sobjects/Opportunity/" + c.fields.CoSellID + "/" + url.PathEscape(coSellID)
	resp, err := c.call(ctx, op, http.MethodPatch, uri, writeBody(fields, c.fields.CoSellID), true)
	if err != nil {
		return connectors.UpsertResult{}, err
	}
	var ans upsertAnswer
	if len(resp.body) > 0 {
		if err := json.Unmarshal(resp.body, &ans); err != nil {
			return connectors.UpsertResult{}, invalid(op, "decode answer: "+err.Error())
		}
	}
	res := connectors.UpsertResult{RecordID: ans.ID, Created: resp.status == http.StatusCreated}
	if ans.Created != nil {
		res.Created = *ans.Created
	}
	if res.RecordID == "" {
		// API versions before 46.0 answer an update with 204 and no body.
		d, found, err := c.FindDealByCoSellID(ctx, coSellID)
		if err != nil {
			return connectors.UpsertResult{}, err
		}
		if !found {
			return connectors.UpsertResult{}, &connectors.Error{CRM: crmName, Op: op, Retryable: true, Message: "upserted record not found afterwards"}
		}
		res.RecordID = d.RecordID
	}
	return res, nil
}

// UpdateDeal is PATCH /sobjects/Opportunity/{id}.
func (c *Connector) UpdateDeal(ctx context.Context, recordID string, fields map[string]any) error {
	return c.UpdateDealIfUnmodifiedSince(ctx, recordID, fields, time.Time{})
}

// UpdateDealIfUnmodifiedSince is PATCH /sobjects/Opportunity/{id} with If-Unmodified-Since: Salesforce
// refuses it with 412 Precondition Failed, writing nothing, when the record's SystemModstamp is after
// since; the error then matches connectors.ErrModified.
//
// An HTTP-date carries whole seconds, as SystemModstamp does, so a stamp read from Salesforce travels
// exactly. A finer stamp is rounded up, never down: rounded down, the record's own stamp would fail its
// own condition. A resend by the transport after a lost answer fails the condition on the write it
// resends (the record now carries that write's stamp): the caller reads the record and finds its values.
func (c *Connector) UpdateDealIfUnmodifiedSince(ctx context.Context, recordID string, fields map[string]any, since time.Time) error {
	op := "update Opportunity " + recordID
	if !validID(recordID) {
		e := invalid(op, "not a Salesforce record id")
		e.NotFound = true
		return e
	}
	var opts []gosf.RequestOption
	if !since.IsZero() {
		opts = append(opts, gosf.WithHeader("If-Unmodified-Since", httpDate(since)))
	}
	_, err := c.call(ctx, op, http.MethodPatch, "/sobjects/Opportunity/"+recordID, writeBody(fields), true, opts...)
	return err
}

// httpDate renders t as an HTTP-date (RFC 1123, GMT), rounding a fraction of a second up.
func httpDate(t time.Time) string {
	s := t.UTC().Truncate(time.Second)
	if s.Before(t) {
		s = s.Add(time.Second)
	}
	return s.Format(http.TimeFormat)
}

// DealUpsert is one deal of a batch upsert.
type DealUpsert struct {
	CoSellID string
	Fields   map[string]any
}

// DealUpsertResult is one deal's outcome in a batch; Err is a *connectors.Error when that deal failed.
type DealUpsertResult struct {
	connectors.UpsertResult
	Err error
}

// Limits of one batch: 200 records per sObject Collections subrequest, 25 subrequests per composite call.
const (
	collectionSize   = 200
	maxSubrequests   = 25
	compositeRefBase = "upsert"
)

// MaxBatchUpserts is the most deals UpsertDeals takes in one call, Salesforce's composite limits allowing.
const MaxBatchUpserts = collectionSize * maxSubrequests

type saveResult struct {
	ID      string `json:"id"`
	Success bool   `json:"success"`
	Created bool   `json:"created"`
	Errors  []struct {
		StatusCode string   `json:"statusCode"`
		Message    string   `json:"message"`
		Fields     []string `json:"fields"`
	} `json:"errors"`
}

// UpsertDeals upserts up to MaxBatchUpserts deals in one API call: a composite request of sObject
// Collections upserts by the co-sell id, each deal succeeding or failing on its own. It lets a batching
// layer over UpsertDeal spend one request of the daily budget on up to 5000 deals. Sub-URLs carry the
// configured API version (fault a).
func (c *Connector) UpsertDeals(ctx context.Context, deals []DealUpsert) ([]DealUpsertResult, error) {
	const op = "upsert Opportunity batch"
	if len(deals) == 0 {
		return nil, nil
	}
	if len(deals) > MaxBatchUpserts {
		return nil, invalid(op, fmt.Sprintf("%d deals exceed the batch limit of %d", len(deals), MaxBatchUpserts))
	}
	type sub struct {
		Method      string         `json:"method"`
		URL         string         `json:"url"`
		ReferenceID string         `json:"referenceId"`
		Body        map[string]any `json:"body"`
	}
	var subs []sub
	for start := 0; start < len(deals); start += collectionSize {
		end := min(start+collectionSize, len(deals))
		records := make([]map[string]any, 0, end-start)
		for _, d := range deals[start:end] {
			if d.CoSellID == "" {
				return nil, invalid(op, "deal without co-sell id")
			}
			rec := writeBody(d.Fields, c.fields.CoSellID)
			rec["attributes"] = map[string]string{"type": opportunity}
			rec[c.fields.CoSellID] = d.CoSellID
			records = append(records, rec)
		}
		subs = append(subs, sub{
			Method:      http.MethodPatch,
			URL:         "/services/data/" + c.cfg.APIVersion + "/composite/sobjects/Opportunity/" + c.fields.CoSellID,
			ReferenceID: compositeRefBase + strconv.Itoa(len(subs)),
			Body:        map[string]any{"allOrNone": false, "records": records},
		})
	}
	// Every subrequest is an upsert by external id, so the whole call is safe to resend.
	resp, err := c.call(ctx, op, http.MethodPost, "/composite", map[string]any{"allOrNone": false, "compositeRequest": subs}, true)
	if err != nil {
		return nil, err
	}
	var ans compositeAnswer
	if err := json.Unmarshal(resp.body, &ans); err != nil || len(ans.CompositeResponse) != len(subs) {
		return nil, invalid(op, fmt.Sprintf("unexpected composite answer: %s", bodySnippet(resp.body)))
	}
	out := make([]DealUpsertResult, len(deals))
	for i, sr := range ans.CompositeResponse {
		start := i * collectionSize
		end := min(start+collectionSize, len(deals))
		if sr.HTTPStatusCode != http.StatusOK {
			h := http.Header{}
			for k, v := range sr.HTTPHeaders {
				h.Set(k, v)
			}
			e := c.classify(op, sr.HTTPStatusCode, h, sr.Body)
			for j := start; j < end; j++ {
				out[j].Err = e
			}
			continue
		}
		var results []saveResult
		if err := json.Unmarshal(sr.Body, &results); err != nil || len(results) != end-start {
			return nil, invalid(op, "unexpected collection answer: "+bodySnippet(sr.Body))
		}
		for j, r := range results {
			d := deals[start+j]
			if r.Success {
				out[start+j].UpsertResult = connectors.UpsertResult{RecordID: r.ID, Created: r.Created}
				continue
			}
			out[start+j].Err = saveError("upsert Opportunity "+c.fields.CoSellID+"/"+d.CoSellID, r)
		}
	}
	return out, nil
}
