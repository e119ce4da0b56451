package memory

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
)

func TestDeleteForgetsTheDealAndItsNotes(t *testing.T) {
	ctx := context.Background()
	c := New("hubspot", connectors.DealFields{CoSellID: "cosell_id", Enabled: "cosell_enabled"}, ticking(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	up, err := c.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Initech"})
	require.NoError(t, err)
	_, err = c.CreateNote(ctx, connectors.NoteInput{DealRecordID: up.RecordID, Key: "N-1", Body: "hello"})
	require.NoError(t, err)

	c.Delete(up.RecordID)
	_, err = c.GetDeal(ctx, up.RecordID)
	assert.ErrorIs(t, err, connectors.ErrNotFound)
	_, found, err := c.FindDealByCoSellID(ctx, "CS-1")
	require.NoError(t, err)
	assert.False(t, found)
	assert.Empty(t, c.Notes(up.RecordID))

	again, err := c.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Initech"})
	require.NoError(t, err)
	assert.True(t, again.Created, "an upsert after the delete creates a new record")
	assert.NotEqual(t, up.RecordID, again.RecordID)
	id, err := c.CreateNote(ctx, connectors.NoteInput{DealRecordID: again.RecordID, Key: "N-1", Body: "hello"})
	require.NoError(t, err)
	assert.Len(t, c.Notes(again.RecordID), 1, "the deleted note's key no longer blocks its mirror on the new record: %s", id)
}
