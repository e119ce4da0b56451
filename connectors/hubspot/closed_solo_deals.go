package hubspot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// closedDealProperties are what ClosedSoloDeals reads of each deal.
var closedDealProperties = []string{"amount", "hs_is_closed_won", "createdate", "closedate"}

// ClosedSoloDeals searches the closed deals not flagged for co-sell whose closedate lies in [from, to):
//
//	hs_is_closed EQ true AND closedate GTE from AND closedate LT to AND cosell_enabled EQ false
//	OR
//	hs_is_closed EQ true AND closedate GTE from AND closedate LT to AND cosell_enabled NOT_HAS_PROPERTY
//
// hs_is_closed and hs_is_closed_won are HubSpot's calculated deal properties, true for a deal in a closed
// stage of its pipeline and in a closed-won stage, so custom pipelines count correctly. The co-sell flag
// is a checkbox that most deals never had set; the two filter groups make "not flagged" mean false or
// unset explicitly, rather than leaning on how NEQ treats a missing value, and they never overlap.
//
// Results are sorted by hs_object_id and paged with after. HubSpot pages one query through at most
// 10,000 results, so before a page would cross that cap the query starts again with hs_object_id GT the
// last id read (the keyset the change streams use too). That reaches every deal however many share one
// close date, which splitting the date range could not: a quarter's deals often all close on its last day.
func (c *Client) ClosedSoloDeals(ctx context.Context, from, to time.Time) ([]connectors.ClosedDeal, error) {
	const op = "search closed solo deals"
	if !from.Before(to) {
		return nil, &connectors.Error{CRM: crmName, Op: op, Code: "INVALID_WINDOW",
			Message: fmt.Sprintf("empty window [%s, %s)", from.Format(time.RFC3339), to.Format(time.RFC3339))}
	}
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	groups := func(afterID string) []FilterGroup {
		var out []FilterGroup
		for _, flag := range []Filter{
			{PropertyName: c.cfg.DealFields.Enabled, Operator: OpEQ, Value: "false"},
			{PropertyName: c.cfg.DealFields.Enabled, Operator: OpNotHasProperty},
		} {
			fs := []Filter{
				{PropertyName: "hs_is_closed", Operator: OpEQ, Value: "true"},
				{PropertyName: "closedate", Operator: OpGTE, Value: ms(from)},
				{PropertyName: "closedate", Operator: OpLT, Value: ms(to)},
				flag,
			}
			if afterID != "" {
				fs = append(fs, Filter{PropertyName: "hs_object_id", Operator: OpGT, Value: afterID})
			}
			out = append(out, FilterGroup{Filters: fs})
		}
		return out
	}

	var out []connectors.ClosedDeal
	lastID := ""
	for {
		req := SearchRequest{
			FilterGroups: groups(lastID),
			Sorts:        []Sort{{PropertyName: "hs_object_id", Direction: "ASCENDING"}},
			Properties:   closedDealProperties,
			Limit:        maxSearchPage,
		}
		restartFrom := lastID
		for {
			page, err := c.Search(ctx, ObjectDeals, req)
			if err != nil {
				return nil, err
			}
			for _, o := range page.Results {
				d, err := closedDeal(o)
				if err != nil {
					return nil, err
				}
				out = append(out, d)
				lastID = o.ID
			}
			if page.Next == "" || len(page.Results) == 0 {
				return out, nil
			}
			if n, err := strconv.Atoi(page.Next); err == nil && n+maxSearchPage > searchResultCap {
				break // the next page would cross the cap: start again after the last id read
			}
			req.After = page.Next
		}
		if lastID == restartFrom {
			return nil, &connectors.Error{CRM: crmName, Op: op, Retryable: true,
				Message: "search paging made no progress past deal " + lastID}
		}
	}
}

// closedDeal reads one search result; the search selected closed deals with a close date, so a deal
// without one, or with an amount that is not a number, is a surprise worth an error.
func closedDeal(o Object) (connectors.ClosedDeal, error) {
	const op = "read closed deal"
	d := connectors.ClosedDeal{RecordID: o.ID, Won: o.Get("hs_is_closed_won") == "true"}
	if a := strings.TrimSpace(o.Get("amount")); a != "" {
		f, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return d, &connectors.Error{CRM: crmName, Op: op + " " + o.ID, Message: fmt.Sprintf("amount %q is not a number", a)}
		}
		d.Amount = f
	}
	closed, ok := parseHubSpotTime(o.Get("closedate"))
	if !ok {
		return d, &connectors.Error{CRM: crmName, Op: op + " " + o.ID, Message: fmt.Sprintf("closedate %q is not a date-time", o.Get("closedate"))}
	}
	d.ClosedAt = closed
	if created, ok := parseHubSpotTime(o.Get("createdate")); ok {
		d.CreatedAt = created
	} else {
		d.CreatedAt = o.CreatedAt.UTC()
	}
	return d, nil
}

// parseHubSpotTime reads a datetime property value: ISO 8601 as HubSpot returns it, or epoch milliseconds.
func parseHubSpotTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(n).UTC(), true
	}
	return time.Time{}, false
}
