package hubspot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

func TestCreateNoteIsIdempotentOnKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	deal, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Acme"})
	require.NoError(t, err)
	in := connectors.NoteInput{
		DealRecordID: deal.RecordID, Key: "sf:00T1:v1", Subject: "Call <recap>",
		Body: "Budget approved & signed.\nNext: legal review", OwnerID: "501",
		Timestamp: time.Date(2025, 2, 28, 15, 30, 0, 0, time.UTC),
	}
	first, err := e.client.CreateNote(ctx, in)
	require.NoError(t, err)
	second, err := e.client.CreateNote(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, first, second)
	assert.Len(t, e.portal.Notes(), 1, "one note for one key")
	assert.Equal(t, 1, e.calls("POST notes"))

	other, err := e.client.CreateNote(ctx, connectors.NoteInput{DealRecordID: deal.RecordID, Key: "sf:00T2:v1", Body: "second"})
	require.NoError(t, err)
	assert.NotEqual(t, first, other)
	assert.Len(t, e.portal.Notes(), 2)

	n := e.portal.Notes()[0]
	assert.Equal(t, []string{deal.RecordID}, n.Associated)
	assert.Equal(t, "sf:00T1:v1", n.Properties["cosell_note_key"])
	assert.Equal(t, "2025-02-28T15:30:00Z", n.Properties["hs_timestamp"])
	assert.Equal(t, "<p><strong>Call &lt;recap&gt;</strong></p><p>Budget approved &amp; signed.<br>Next: legal review</p>", n.Properties["hs_note_body"])

	e.clk.Advance(fake.DefaultSearchIndexLag) // search shows the notes once indexed
	page, err := e.client.ChangedNotes(ctx, connectors.Cursor{}, 10)
	require.NoError(t, err)
	assert.False(t, page.More)
	notes := page.Notes
	require.Len(t, notes, 2)
	assert.Equal(t, first, notes[0].ID)
	assert.Equal(t, deal.RecordID, notes[0].DealRecordID)
	assert.Equal(t, "Call <recap>\nBudget approved & signed.\nNext: legal review", notes[0].Body)
	assert.Equal(t, "sf:00T1:v1", notes[0].Key)
	assert.Equal(t, "501", notes[0].AuthorID)
	assert.Equal(t, in.Timestamp, notes[0].CreatedAt)
}

func TestCreateNoteWithoutKeyOrOnMissingDeal(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.CreateNote(context.Background(), connectors.NoteInput{DealRecordID: "1", Body: "x"})
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.False(t, ce.Retryable)

	_, err = e.client.CreateNote(context.Background(), connectors.NoteInput{DealRecordID: "404404", Key: "k", Body: "x"})
	ce, ok = connectors.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "VALIDATION_ERROR", ce.Code)
	assert.False(t, ce.Retryable)
}

func TestChangedNotesSkipsNotesWithoutDealsAndKeepsTies(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)
	seed := fake.SeedData{Deals: []fake.SeedRecord{
		{ID: "40000000001", Properties: map[string]any{"dealname": "A"}},
		{ID: "40000000002", Properties: map[string]any{"dealname": "B"}},
	}}
	var want []string
	for i := range 30 {
		r := fake.SeedRecord{
			ID:         fmt.Sprint(41_000_000_000 + i),
			Properties: map[string]any{"hs_note_body": fmt.Sprintf("<div>note %d</div>", i), "hs_timestamp": at},
			UpdatedAt:  at,
		}
		switch {
		case i%3 == 0: // on no deal: skipped
		case i == 7: // on both deals: two entries
			r.Deals = []string{"40000000001", "40000000002"}
			want = append(want, r.ID+"@40000000001", r.ID+"@40000000002")
		default:
			r.Deals = []string{"40000000001"}
			want = append(want, r.ID+"@40000000001")
		}
		seed.Notes = append(seed.Notes, r)
	}
	require.NoError(t, e.portal.Seed(seed))

	var got []string
	var cur connectors.Cursor
	for calls := 0; calls < 50; calls++ {
		page, err := e.client.ChangedNotes(context.Background(), cur, 4)
		require.NoError(t, err)
		for _, n := range page.Notes {
			got = append(got, n.ID+"@"+n.DealRecordID)
			assert.Equal(t, fmt.Sprintf("note %d", mustAtoi(t, n.ID)-41_000_000_000), n.Body)
		}
		cur = page.Next
		if !page.More {
			break
		}
	}
	assert.Equal(t, want, got)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	_, err := fmt.Sscan(s, &n)
	require.NoError(t, err)
	return n
}

// A portal's notes are mostly on contacts. A run of them longer than one call scans must move the
// cursor past them rather than pin it, or the note on a deal behind them would never be read.
func TestChangedNotesMovesPastLongRunsOfNotesOnNoDeal(t *testing.T) {
	e := newEnv(t)
	seed := fake.SeedData{Deals: []fake.SeedRecord{{ID: "40000000001", Properties: map[string]any{"dealname": "A"}}}}
	for i := range 120 {
		at := time.Date(2025, 2, 1, 10, 0, i, 0, time.UTC).Format(time.RFC3339)
		r := fake.SeedRecord{ID: fmt.Sprint(42_000_000_000 + i), Properties: map[string]any{"hs_note_body": "contact note", "hs_timestamp": at}, UpdatedAt: at}
		if i == 119 {
			r.Properties["hs_note_body"] = "the deal note"
			r.Deals = []string{"40000000001"}
		}
		seed.Notes = append(seed.Notes, r)
	}
	require.NoError(t, e.portal.Seed(seed))

	var cur connectors.Cursor
	var found []string
	calls := 0
	for ; calls < 10; calls++ {
		page, err := e.client.ChangedNotes(context.Background(), cur, 1)
		require.NoError(t, err)
		for _, n := range page.Notes {
			found = append(found, n.Body)
		}
		require.True(t, cur.Less(page.Next.ModifiedAt, page.Next.ID) || !page.More, "the cursor moves on every call that has more")
		cur = page.Next
		if !page.More {
			break
		}
	}
	assert.Equal(t, []string{"the deal note"}, found)
	assert.Greater(t, calls, 0, "120 skipped notes take more than one call (25 pages of 1)")
}
