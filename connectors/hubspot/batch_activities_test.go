package hubspot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/batch"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

// The worker coalesces every connection, and the feed finds the activity streams by interface: through
// the coalescer the connector still reads them, or no touchpoint would reach a deal.
func TestCoalescedHubSpotStillReadsActivityStreams(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	deal, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Acme"})
	require.NoError(t, err)
	start := time.Date(2025, 3, 3, 15, 0, 0, 0, time.UTC)
	meeting, err := e.client.CreateObject(ctx, hubspot.ObjectMeetings, hubspot.CreateInput{Properties: map[string]string{
		"hs_meeting_title": "Product demo", "hs_meeting_start_time": start.Format(time.RFC3339), "hs_timestamp": start.Format(time.RFC3339),
	}, Associations: []hubspot.Association{{To: hubspot.AssociationTarget{ID: deal.RecordID},
		Types: []hubspot.AssociationType{{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: 212}}}}})
	require.NoError(t, err)
	e.clk.Advance(fake.DefaultSearchIndexLag)

	crm := batch.Wrap(e.client, batch.Options{})
	_, direct := crm.(*hubspot.Client)
	require.False(t, direct, "HubSpot batches, so Wrap coalesces it")
	ar, ok := crm.(connectors.ActivityReader)
	require.True(t, ok, "the activity streams are visible through the coalescer")
	assert.Equal(t, e.client.ActivityStreams(), ar.ActivityStreams())
	page, err := ar.ChangedActivities(ctx, "meeting", connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Activities, 1)
	assert.Equal(t, meeting.ID, page.Activities[0].ID)
	assert.Equal(t, deal.RecordID, page.Activities[0].DealRecordID)
	_, conditional := crm.(connectors.ConditionalUpdater)
	_, wantConditional := any(e.client).(connectors.ConditionalUpdater)
	assert.Equal(t, wantConditional, conditional, "conditional updates exactly when the connector has them")
}
