package salesforce

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

var (
	q1From = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q1To   = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
)

func closedOpp(name, stage, closeDate string, extra sfmock.Record) sfmock.Record {
	r := oppSeed(name, sfmock.Record{"StageName": stage, "CloseDate": closeDate})
	for k, v := range extra {
		r[k] = v
	}
	return r
}

func TestClosedSoloDealsAgainstTheFake(t *testing.T) {
	// Page size 3 makes the query follow nextRecordsUrl several times.
	e := newEnv(t, sfmock.Options{PageSize: 3}, nil)
	opps := []sfmock.Record{
		closedOpp("Won on the first day", "Closed Won", "2026-01-01", sfmock.Record{"Amount": 1000, "CreatedDate": "2025-10-01T08:00:00.000+0000"}),
		// The checkbox was never touched: Salesforce stores false, and the deal is solo.
		closedOpp("Lost on the last day, no amount", "Closed Lost", "2026-03-31", nil),
		closedOpp("Lost, explicitly not co-sold", "Closed Lost", "2026-02-15", sfmock.Record{"CoSell_Enabled__c": false, "Amount": 250.5}),
		closedOpp("Co-sold win", "Closed Won", "2026-02-01", sfmock.Record{"CoSell_Enabled__c": true, "Amount": 9999}),
		closedOpp("Still open", "Negotiation/Review", "2026-02-01", nil),
		closedOpp("Closed the day before", "Closed Won", "2025-12-31", nil),
		closedOpp("Closed on the end date", "Closed Lost", "2026-04-01", nil),
	}
	for i := 0; i < 7; i++ { // more solo deals than fit in a few pages
		opps = append(opps, closedOpp(fmt.Sprintf("Solo win %d", i), "Closed Won", fmt.Sprintf("2026-03-%02d", 10+i), sfmock.Record{"Amount": 100 * (i + 1)}))
	}
	e.seed(sfmock.SeedData{Opportunities: opps})
	ids := map[string]string{}
	created := map[string]time.Time{}
	for _, o := range e.fake.Opportunities() {
		ids[o["Name"].(string)] = o["Id"].(string)
		at, ok := parseSFTime(o["CreatedDate"].(string))
		require.True(t, ok)
		created[o["Id"].(string)] = at
	}

	got, err := e.conn.ClosedSoloDeals(ctx(t), q1From, q1To)
	require.NoError(t, err)
	assert.Greater(t, e.calls("query/more"), 1, "the query was paged through nextRecordsUrl")
	byID := map[string]connectors.ClosedDeal{}
	for _, d := range got {
		byID[d.RecordID] = d
	}
	require.Len(t, byID, len(got), "no deal twice")
	var names []string
	for name, id := range ids {
		if _, ok := byID[id]; ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	assert.Equal(t, []string{"Lost on the last day, no amount", "Lost, explicitly not co-sold",
		"Solo win 0", "Solo win 1", "Solo win 2", "Solo win 3", "Solo win 4", "Solo win 5", "Solo win 6",
		"Won on the first day"}, names)

	first := ids["Won on the first day"]
	assert.Equal(t, connectors.ClosedDeal{RecordID: first, Amount: 1000, Won: true,
		CreatedAt: time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC), ClosedAt: q1From}, byID[first])
	last := byID[ids["Lost on the last day, no amount"]]
	assert.False(t, last.Won)
	assert.Zero(t, last.Amount)
	assert.Equal(t, time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), last.ClosedAt)
	assert.Equal(t, created[last.RecordID], last.CreatedAt)
	assert.Equal(t, 250.5, byID[ids["Lost, explicitly not co-sold"]].Amount)
	assert.Equal(t, 700.0, byID[ids["Solo win 6"]].Amount)

	// A window starting after midnight leaves that day's close dates out: a CloseDate is its midnight UTC.
	got, err = e.conn.ClosedSoloDeals(ctx(t), q1From.Add(time.Hour), q1To)
	require.NoError(t, err)
	for _, d := range got {
		assert.NotEqual(t, first, d.RecordID)
	}
	assert.Len(t, got, 9)

	// Closing a deal later brings it in: IsClosed and IsWon follow the stage.
	require.NoError(t, e.conn.UpdateDeal(ctx(t), ids["Still open"], map[string]any{"StageName": "Closed Won"}))
	e.clock.Advance(sfmock.DefaultCommitDelay) // queries see the change once committed
	got, err = e.conn.ClosedSoloDeals(ctx(t), q1From, q1To)
	require.NoError(t, err)
	assert.Len(t, got, 11)
}

func TestClosedSoloDealsUsesTheConfiguredFlagField(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, func(c *Config) { c.DealFields.Enabled = "Joint_Deal__c" })
	_, err := e.conn.ClosedSoloDeals(ctx(t), q1From, q1To)
	ce := requireCRMError(t, err)
	assert.Equal(t, "INVALID_FIELD", ce.Code, "the fake org has no Joint_Deal__c, so the query named it")
	assert.Contains(t, ce.Message, "Joint_Deal__c")
	assert.False(t, ce.Retryable)
}

func TestClosedSoloDealsRefusesAnEmptyWindow(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	_, err := e.conn.ClosedSoloDeals(ctx(t), q1To, q1To)
	ce := requireCRMError(t, err)
	assert.False(t, ce.Retryable)
	assert.Zero(t, e.calls("query"), "nothing was sent")
}

func TestFirstDateFrom(t *testing.T) {
	assert.Equal(t, "2026-01-01", firstDateFrom(q1From))
	assert.Equal(t, "2026-01-02", firstDateFrom(q1From.Add(time.Nanosecond)))
	assert.Equal(t, "2026-01-01", firstDateFrom(time.Date(2025, 12, 31, 19, 0, 0, 0, time.FixedZone("EST", -5*3600))), "midnight UTC, written in New York time")
}
