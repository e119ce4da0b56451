package hubspot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

func TestChangedActivitiesReadsEngagementsOnDeals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	deal, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Acme"})
	require.NoError(t, err)
	start := time.Date(2025, 3, 3, 15, 0, 0, 0, time.UTC)
	onDeal := func(typeID int) []hubspot.Association {
		return []hubspot.Association{{To: hubspot.AssociationTarget{ID: deal.RecordID}, Types: []hubspot.AssociationType{{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: typeID}}}}
	}
	meeting, err := e.client.CreateObject(ctx, hubspot.ObjectMeetings, hubspot.CreateInput{Properties: map[string]string{
		"hs_meeting_title": "Product demo", "hs_meeting_start_time": start.Format(time.RFC3339), "hs_timestamp": start.Format(time.RFC3339),
		"hs_activity_type": "Demo", "hubspot_owner_id": "501",
	}, Associations: onDeal(212)})
	require.NoError(t, err)
	_, err = e.client.CreateObject(ctx, hubspot.ObjectMeetings, hubspot.CreateInput{Properties: map[string]string{
		"hs_meeting_title": "On no deal", "hs_timestamp": start.Format(time.RFC3339),
	}})
	require.NoError(t, err)
	call, err := e.client.CreateObject(ctx, hubspot.ObjectCalls, hubspot.CreateInput{Properties: map[string]string{
		"hs_call_title": "Discovery", "hs_timestamp": start.Add(time.Hour).Format(time.RFC3339), "hubspot_owner_id": "502",
	}, Associations: onDeal(206)})
	require.NoError(t, err)
	_, err = e.client.CreateObject(ctx, hubspot.ObjectCalls, hubspot.CreateInput{Properties: map[string]string{
		"hs_call_title": "Wrong association", "hs_timestamp": start.Format(time.RFC3339),
	}, Associations: onDeal(214)})
	require.Error(t, err, "214 is the note's association type, not the call's")
	email, err := e.client.CreateObject(ctx, hubspot.ObjectEmails, hubspot.CreateInput{Properties: map[string]string{
		"hs_email_subject": "Proposal v2", "hs_timestamp": start.Add(2 * time.Hour).Format(time.RFC3339), "hubspot_owner_id": "501",
	}, Associations: onDeal(210)})
	require.NoError(t, err)
	_, err = e.client.CreateNote(ctx, connectors.NoteInput{DealRecordID: deal.RecordID, Key: "mirrored-1", Body: "written by the product"})
	require.NoError(t, err)
	e.clk.Advance(fake.DefaultSearchIndexLag)

	assert.Equal(t, []string{"meeting", "call", "email", "note"}, e.client.ActivityStreams())
	page, err := e.client.ChangedActivities(ctx, "meeting", connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Activities, 1, "the meeting on no deal is skipped")
	m := page.Activities[0]
	assert.Equal(t, connectors.Activity{Object: "meeting", ID: meeting.ID, DealRecordID: deal.RecordID, Type: "Demo", Subject: "Product demo",
		OwnerID: "501", At: start, ModifiedAt: m.ModifiedAt}, m)
	assert.False(t, page.More)
	assert.NotEqual(t, meeting.ID, page.Next.ID, "the cursor is past the skipped meeting too")

	again, err := e.client.ChangedActivities(ctx, "meeting", page.Next, 10)
	require.NoError(t, err)
	assert.Empty(t, again.Activities, "nothing after the cursor")

	page, err = e.client.ChangedActivities(ctx, "call", connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Activities, 1)
	assert.Equal(t, call.ID, page.Activities[0].ID)
	assert.Equal(t, start.Add(time.Hour), page.Activities[0].At)
	page, err = e.client.ChangedActivities(ctx, "email", connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Activities, 1)
	assert.Equal(t, email.ID, page.Activities[0].ID)
	assert.Equal(t, "Proposal v2", page.Activities[0].Subject)
	page, err = e.client.ChangedActivities(ctx, "note", connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Activities, 1)
	assert.Equal(t, "mirrored-1", page.Activities[0].Key, "a note the product wrote carries its key")

	_, err = e.client.ChangedActivities(ctx, "lunch", connectors.Cursor{}, 10)
	require.ErrorContains(t, err, "no activity stream")
}
