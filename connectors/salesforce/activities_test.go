package salesforce

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

func TestChangedActivitiesReadsTasksAndEventsOnOpportunities(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{
		Users:         []sfmock.Record{{"Name": "Ana Ruiz", "Email": "ana@acme.example"}},
		Opportunities: []sfmock.Record{oppSeed("Acme", nil)},
	})
	opp := e.fake.Opportunities()[0]["Id"].(string)
	ana := e.fake.Users()[1]["Id"].(string)
	e.seed(sfmock.SeedData{
		Tasks: []sfmock.Record{
			{"WhatId": opp, "Subject": "Proposal v2", "Type": "Email", "OwnerId": ana, "ActivityDate": "2026-03-02", "Status": "Completed"},
			{"WhatId": opp, "Subject": "Mirrored", "OwnerId": ana, "CoSell_Note_Key__c": "N-1"},
			{"Subject": "On nothing", "OwnerId": ana},
		},
		Events: []sfmock.Record{
			{"WhatId": opp, "Subject": "POC kickoff", "OwnerId": ana, "StartDateTime": "2026-03-03T15:00:00.000+0000", "EndDateTime": "2026-03-03T16:00:00.000+0000"},
		},
	})
	c := e.conn
	assert.Equal(t, []string{"task", "event"}, c.ActivityStreams())

	page, err := c.ChangedActivities(ctx(t), "task", connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Activities, 2, "tasks on opportunities only")
	assert.False(t, page.More)
	p := page.Activities[0]
	assert.Equal(t, "task", p.Object)
	assert.Equal(t, opp, p.DealRecordID)
	assert.Equal(t, "Email", p.Type)
	assert.Equal(t, "Proposal v2", p.Subject)
	assert.Equal(t, ana, p.OwnerID)
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), p.At, "the due date, when no completion time is known")
	assert.Empty(t, p.Key)
	assert.Equal(t, "N-1", page.Activities[1].Key, "a task the product wrote carries its key")
	assert.Empty(t, page.Activities[1].Type, "a plain task (subtype Task) has no type")

	again, err := c.ChangedActivities(ctx(t), "task", page.Next, 10)
	require.NoError(t, err)
	assert.Empty(t, again.Activities)

	page, err = c.ChangedActivities(ctx(t), "event", connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Activities, 1)
	ev := page.Activities[0]
	assert.Equal(t, "POC kickoff", ev.Subject)
	assert.Equal(t, time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC), ev.At, "an event happens at its start")

	_, err = c.ChangedActivities(ctx(t), "lunch", connectors.Cursor{}, 10)
	require.ErrorContains(t, err, "no activity stream")
}
