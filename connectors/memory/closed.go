package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// outcomeFields names, per CRM kind, the standard fields a real CRM decides a deal's outcome by. The
// memory CRM has no stage metadata of its own, so ClosedSoloDeals reads these, under the same names the
// real connectors do, and a test writes a closed deal exactly as it would appear in that CRM.
type outcomeFields struct {
	closed, won         string // the CRM's own flags: Salesforce IsClosed/IsWon, HubSpot hs_is_closed/hs_is_closed_won
	stage               string // read when the flags were not Put
	wonStage, lostStage string // the default stage values meaning closed won and closed lost
	amount, closeDate   string
	createdDate         string // read when Put; otherwise the time the deal was created here
}

var outcomeByKind = map[string]outcomeFields{
	"salesforce": {closed: "IsClosed", won: "IsWon", stage: "StageName", wonStage: "Closed Won", lostStage: "Closed Lost",
		amount: "Amount", closeDate: "CloseDate", createdDate: "CreatedDate"},
	"hubspot": {closed: "hs_is_closed", won: "hs_is_closed_won", stage: "dealstage", wonStage: "closedwon", lostStage: "closedlost",
		amount: "amount", closeDate: "closedate", createdDate: "createdate"},
}

// ClosedSoloDeals implements connectors.CRM over the fields the deals were Put with, by the CRM kind:
//
//   - closed and won: the CRM's own flags when a test Put them (Salesforce IsClosed and IsWon, HubSpot
//     hs_is_closed and hs_is_closed_won, as bool or "true"/"false"), otherwise the default stage values
//     (StageName "Closed Won"/"Closed Lost", dealstage "closedwon"/"closedlost");
//   - solo: the deal's co-sell flag is not true (unset counts as solo, as in both CRMs);
//   - close date: CloseDate/closedate, a "2006-01-02" date (midnight UTC), an RFC 3339 time, epoch
//     milliseconds or a time.Time; a closed deal without one is in no window;
//   - amount: Amount/amount, a number or a numeric string; none is 0;
//   - created: CreatedDate/createdate when Put, otherwise when the deal was first written here.
//
// The result is sorted by record id.
func (c *CRM) ClosedSoloDeals(_ context.Context, from, to time.Time) ([]connectors.ClosedDeal, error) {
	f, ok := outcomeByKind[c.kind]
	if !ok {
		return nil, fmt.Errorf("memory %s: no closed-deal fields known for this kind (salesforce or hubspot)", c.kind)
	}
	if !from.Before(to) {
		return nil, &connectors.Error{CRM: c.kind, Op: "closed solo deals", Code: "INVALID_WINDOW", Message: "empty window"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []connectors.ClosedDeal{}
	for _, d := range c.deals {
		if d.Enabled {
			continue
		}
		closed, won := outcome(f, d.Fields)
		if !closed {
			continue
		}
		closedAt, ok := timeValue(d.Fields[f.closeDate])
		if !ok || closedAt.Before(from) || !closedAt.Before(to) {
			continue
		}
		created, ok := timeValue(d.Fields[f.createdDate])
		if !ok {
			created = c.created[d.RecordID]
		}
		amount, err := amountValue(d.Fields[f.amount])
		if err != nil {
			return nil, fmt.Errorf("memory %s: deal %s: %w", c.kind, d.RecordID, err)
		}
		out = append(out, connectors.ClosedDeal{RecordID: d.RecordID, Amount: amount, Won: won, CreatedAt: created, ClosedAt: closedAt})
	}
	slices.SortFunc(out, func(x, y connectors.ClosedDeal) int { return strings.Compare(x.RecordID, y.RecordID) })
	return out, nil
}

// outcome says whether a deal is closed and won: by the CRM's flags if present, else by its stage.
func outcome(f outcomeFields, fields map[string]any) (closed, won bool) {
	if v, ok := boolValue(fields[f.closed]); ok {
		w, _ := boolValue(fields[f.won])
		return v, v && w
	}
	stage, _ := fields[f.stage].(string)
	return stage == f.wonStage || stage == f.lostStage, stage == f.wonStage
}

func boolValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b, true
		}
	}
	return false, false
}

// timeValue reads a date or date-time field value in any of the forms the CRMs and tests use.
func timeValue(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), !x.IsZero()
	case string:
		if t, err := time.Parse("2006-01-02", x); err == nil {
			return t, true
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t.UTC(), true
		}
		if t, err := time.Parse("2006-01-02T15:04:05.000-0700", x); err == nil { // Salesforce's date-time form
			return t.UTC(), true
		}
		if ms, err := strconv.ParseInt(x, 10, 64); err == nil {
			return time.UnixMilli(ms).UTC(), true
		}
	}
	return time.Time{}, false
}

// amountValue reads an amount: a number, or a string holding one as HubSpot stores it; none is 0.
func amountValue(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case json.Number:
		return x.Float64()
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("amount %q is not a number", x)
		}
		return f, nil
	}
	return 0, fmt.Errorf("amount %v of type %T is not a number", v, v)
}
