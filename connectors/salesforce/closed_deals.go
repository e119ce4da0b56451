package salesforce

import (
	"context"
	"fmt"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// sfDateLayout is how Salesforce writes a date field such as CloseDate.
const sfDateLayout = "2006-01-02"

// firstDateFrom is the first calendar date whose midnight UTC is at or after t: the smallest CloseDate
// that a window starting at t includes, since a CloseDate stands for midnight UTC of its day.
func firstDateFrom(t time.Time) string {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if day.Before(t) {
		day = day.AddDate(0, 0, 1)
	}
	return day.Format(sfDateLayout)
}

// ClosedSoloDeals queries the closed opportunities not flagged for co-sell whose CloseDate falls in the
// window, following nextRecordsUrl to the end:
//
//	SELECT Id, Amount, IsWon, CreatedDate, CloseDate FROM Opportunity
//	WHERE IsClosed = true AND CoSell_Enabled__c = false AND CloseDate >= 2026-01-01 AND CloseDate < 2026-04-01
//
// IsClosed and IsWon are Salesforce's own stage flags (from the stage's Closed/Won settings), so custom
// sales processes count correctly. The co-sell field is a checkbox, which Salesforce never stores as null,
// so "= false" includes every opportunity nobody flagged. CloseDate is a date: the window [from, to)
// selects the dates whose midnight UTC lies in it, and ClosedAt is that midnight.
func (c *Connector) ClosedSoloDeals(ctx context.Context, from, to time.Time) ([]connectors.ClosedDeal, error) {
	const op = "query closed solo Opportunity"
	if !from.Before(to) {
		return nil, invalid(op, fmt.Sprintf("empty window [%s, %s)", from.Format(time.RFC3339), to.Format(time.RFC3339)))
	}
	soql := fmt.Sprintf("SELECT Id, Amount, IsWon, CreatedDate, CloseDate FROM Opportunity WHERE IsClosed = true AND %s = false AND CloseDate >= %s AND CloseDate < %s",
		c.fields.Enabled, firstDateFrom(from), firstDateFrom(to))
	recs, err := c.query(ctx, op, soql)
	if err != nil {
		return nil, err
	}
	out := make([]connectors.ClosedDeal, 0, len(recs))
	for _, r := range recs {
		id, _ := r["Id"].(string)
		createdRaw, _ := r["CreatedDate"].(string)
		closeRaw, _ := r["CloseDate"].(string)
		created, ok1 := parseSFTime(createdRaw)
		closed, err := time.Parse(sfDateLayout, closeRaw)
		if id == "" || !ok1 || err != nil {
			return nil, invalid(op, fmt.Sprintf("record without Id, CreatedDate or CloseDate: %v", r))
		}
		amount, _ := r["Amount"].(float64) // null when the opportunity has no amount
		won, _ := r["IsWon"].(bool)
		out = append(out, connectors.ClosedDeal{RecordID: id, Amount: amount, Won: won, CreatedAt: created, ClosedAt: closed})
	}
	return out, nil
}
