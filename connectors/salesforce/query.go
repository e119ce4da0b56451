package salesforce

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// quote renders a SOQL string literal, escaping what SOQL requires.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "\b", `\b`, "\f", `\f`, `"`, `\"`)
	return "'" + r.Replace(s) + "'"
}

// soqlTime renders a date-time literal at Salesforce's millisecond precision.
func soqlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// sfTimeLayout is how Salesforce writes date-times: 2026-11-22T10:00:00.000+0000.
const sfTimeLayout = "2006-01-02T15:04:05.000-0700"

func parseSFTime(s string) (time.Time, bool) {
	for _, layout := range []string{sfTimeLayout, time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// keysetAfter is the condition selecting rows strictly after (t, id) in (SystemModstamp, Id) order. Paging
// by the pair means any number of rows sharing one SystemModstamp cannot pin the cursor.
func keysetAfter(t time.Time, id string) string {
	if t.IsZero() {
		return ""
	}
	if id == "" {
		return "SystemModstamp >= " + soqlTime(t)
	}
	return "(SystemModstamp > " + soqlTime(t) + " OR (SystemModstamp = " + soqlTime(t) + " AND Id > " + quote(id) + "))"
}

// stripVersion turns a nextRecordsUrl (/services/data/v62.0/query/01g...-2000) into the part below the
// version, whatever version it names; go-salesforce v3.1.0 strips only "v63.0" (fault a).
func stripVersion(next string) string {
	rest, ok := strings.CutPrefix(next, "/services/data/")
	if !ok {
		return next
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i:]
	}
	return "/"
}

type queryPage struct {
	TotalSize      int               `json:"totalSize"`
	Done           bool              `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
}

// query runs SOQL and follows nextRecordsUrl until done, returning the raw records.
func (c *Connector) query(ctx context.Context, op, soql string) ([]map[string]any, error) {
	uri := "/query?q=" + url.QueryEscape(soql)
	var out []map[string]any
	for {
		resp, err := c.call(ctx, op, http.MethodGet, uri, nil, true)
		if err != nil {
			return nil, err
		}
		var page queryPage
		if err := json.Unmarshal(resp.body, &page); err != nil {
			return nil, invalid(op, "decode query answer: "+err.Error())
		}
		for _, raw := range page.Records {
			var rec map[string]any
			if err := json.Unmarshal(raw, &rec); err != nil {
				return nil, invalid(op, "decode record: "+err.Error())
			}
			out = append(out, rec)
		}
		if page.Done || page.NextRecordsURL == "" {
			return out, nil
		}
		uri = stripVersion(page.NextRecordsURL)
	}
}
