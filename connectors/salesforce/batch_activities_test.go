package salesforce

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/batch"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// The worker coalesces every connection, and the feed finds the activity streams by interface: through
// the coalescer the connector still reads Tasks and Events and still offers conditional updates.
func TestCoalescedSalesforceStillReadsActivityStreams(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", nil)}})
	opp := e.fake.Opportunities()[0]["Id"].(string)
	e.seed(sfmock.SeedData{Events: []sfmock.Record{
		{"WhatId": opp, "Subject": "POC kickoff", "StartDateTime": "2026-03-03T15:00:00.000+0000", "EndDateTime": "2026-03-03T16:00:00.000+0000"},
	}})

	crm := batch.Wrap(e.conn, batch.Options{})
	_, direct := crm.(*Connector)
	require.False(t, direct, "Salesforce batches, so Wrap coalesces it")
	_, ok := crm.(connectors.ConditionalUpdater)
	assert.True(t, ok, "conditional updates through the coalescer")
	ar, ok := crm.(connectors.ActivityReader)
	require.True(t, ok, "the activity streams are visible through the coalescer")
	assert.Equal(t, []string{"task", "event"}, ar.ActivityStreams())
	page, err := ar.ChangedActivities(ctx(t), "event", connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Activities, 1)
	assert.Equal(t, "POC kickoff", page.Activities[0].Subject)
	assert.Equal(t, opp, page.Activities[0].DealRecordID)
}
