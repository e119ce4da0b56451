package salesforce

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

func TestCreateTaskTwiceWritesOneOpenTask(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{
		Users:         []sfmock.Record{{"Name": "Ana Ruiz", "Email": "ana@acme.example"}},
		Opportunities: []sfmock.Record{oppSeed("Acme", nil)},
	})
	oppID := e.fake.Opportunities()[0]["Id"].(string)
	ana := e.fake.Users()[1]["Id"].(string)
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	in := connectors.TaskInput{
		DealRecordID: oppID, Key: "CS-1/request:00T1/breach/0", Subject: "Reply to Globex's request",
		Body: "Globex asked: \"Can you share pricing?\"\nThe reply was due yesterday.", OwnerID: ana,
		Due: time.Date(2026, 11, 24, 0, 30, 0, 0, berlin), // 2026-11-23 23:30 UTC
	}
	id1, err := e.conn.CreateTask(ctx(t), in)
	require.NoError(t, err)
	writes := e.fake.Admin().Snapshot().Writes
	e.clock.Advance(time.Minute)
	id2, err := e.conn.CreateTask(ctx(t), in)
	require.NoError(t, err)
	assert.Equal(t, id1, id2)
	assert.Equal(t, writes, e.fake.Admin().Snapshot().Writes, "the second call writes nothing")

	tasks := e.fake.Tasks()
	require.Len(t, tasks, 1)
	task := tasks[0]
	assert.Equal(t, oppID, task["WhatId"])
	assert.Equal(t, "Reply to Globex's request", task["Subject"])
	assert.Equal(t, in.Body, task["Description"])
	assert.Equal(t, ana, task["OwnerId"])
	assert.Equal(t, "2026-11-24", task["ActivityDate"], "the due date as the caller's time zone has it")
	assert.Equal(t, "Not Started", task["Status"])
	assert.Equal(t, "High", task["Priority"])
	assert.Equal(t, false, task["IsClosed"])
	assert.Equal(t, in.Key, task["CoSell_Note_Key__c"])

	// Notes and tasks are both Task records. The note stream reports this one with its key, which is how
	// the change feed knows the product wrote it and keeps it from crossing to the partner.
	page, err := e.conn.ChangedNotes(ctx(t), connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Notes, 1)
	assert.Equal(t, in.Key, page.Notes[0].Key)

	noSubject, err := e.conn.CreateTask(ctx(t), connectors.TaskInput{DealRecordID: oppID, Key: "k-2", Body: "First line\nsecond"})
	require.NoError(t, err)
	rec, ok := e.fake.Get(noSubject)
	require.True(t, ok)
	assert.Equal(t, "First line", rec["Subject"])
	assert.Nil(t, rec["ActivityDate"], "no due date, no ActivityDate")
	assert.Equal(t, e.fake.IntegrationUserID(), rec["OwnerId"], "without an owner the integration user owns it")
}

func TestCreateTaskRejections(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{
		Users:         []sfmock.Record{{"Name": "Gone Away", "Email": "gone@acme.example", "IsActive": false}},
		Opportunities: []sfmock.Record{oppSeed("Acme", nil)},
	})
	oppID := e.fake.Opportunities()[0]["Id"].(string)
	gone := e.fake.Users()[1]["Id"].(string)

	_, err := e.conn.CreateTask(ctx(t), connectors.TaskInput{DealRecordID: oppID, Body: "x"})
	assert.False(t, requireCRMError(t, err).Retryable, "a task needs a key")
	_, err = e.conn.CreateTask(ctx(t), connectors.TaskInput{DealRecordID: gone, Key: "k", Body: "x"})
	assert.False(t, requireCRMError(t, err).Retryable, "a user id is not an opportunity")
	assert.Zero(t, e.calls("POST sobjects/Task"), "refused before any call")

	_, err = e.conn.CreateTask(ctx(t), connectors.TaskInput{DealRecordID: oppID, Key: "k", Body: "x", OwnerID: gone})
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.Equal(t, "INACTIVE_OWNER_OR_USER", ce.Code)
	assert.Contains(t, ce.Message, "inactive user", "Salesforce's own message")
	assert.False(t, ce.Retryable)
	assert.Equal(t, 1, e.calls("POST sobjects/Task"), "a rejection is not retried")
	assert.Empty(t, e.fake.Tasks())
}

func TestCreateTaskConcurrentCallsConverge(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", nil)}})
	oppID := e.fake.Opportunities()[0]["Id"].(string)
	in := connectors.TaskInput{DealRecordID: oppID, Key: "race", Body: "once", Due: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	var wg sync.WaitGroup
	ids := make([]string, 6)
	errs := make([]error, 6)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = e.conn.CreateTask(ctx(t), in)
		}()
	}
	wg.Wait()
	for i := range ids {
		require.NoError(t, errs[i])
		assert.Equal(t, ids[0], ids[i])
	}
	assert.Len(t, e.fake.Tasks(), 1)
}

func TestDealURLUsesTheInstanceOnceKnown(t *testing.T) {
	e, inst := splitEnv(t)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Initech rollout", sfmock.Record{"CoSell_Enabled__c": true})}})
	id := e.fake.Opportunities()[0]["Id"].(string)

	assert.Equal(t, e.url+"/lightning/r/Opportunity/"+id+"/view", e.conn.DealURL(id), "before login the login URL stands in")
	assert.Zero(t, e.calls("oauth2/token"), "a link never logs in")

	_, err := e.conn.GetDeal(ctx(t), id)
	require.NoError(t, err)
	link := e.conn.DealURL(id)
	assert.Equal(t, inst.URL+"/lightning/r/Opportunity/"+id+"/view", link)

	resp, err := http.Get(link)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "Initech rollout", "the link opens the fake's record page")
}
