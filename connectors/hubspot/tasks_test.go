package hubspot_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/mocks/mockkit"
)

func TestCreateTaskIsIdempotentOnKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	deal, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Acme"})
	require.NoError(t, err)
	in := connectors.TaskInput{
		DealRecordID: deal.RecordID, Key: "CS-1/request:00T1/breach/0", Subject: "Reply to Globex's request",
		Body: "Globex asked: \"Can you share <pricing> & terms?\"\nThe reply was due yesterday.", OwnerID: "501",
		Due: time.Date(2025, 3, 3, 17, 0, 0, 0, time.UTC),
	}
	first, err := e.client.CreateTask(ctx, in)
	require.NoError(t, err)
	writes := e.portal.Admin().Snapshot().Writes
	second, err := e.client.CreateTask(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, first, second)
	assert.Equal(t, writes, e.portal.Admin().Snapshot().Writes, "the second call writes nothing")
	assert.Equal(t, 1, e.calls("POST tasks"))

	tasks := e.portal.Tasks()
	require.Len(t, tasks, 1)
	p := tasks[0].Properties
	assert.Equal(t, []string{deal.RecordID}, tasks[0].Associated)
	assert.Equal(t, "Reply to Globex's request", p["hs_task_subject"])
	assert.Equal(t, "<p>Globex asked: &#34;Can you share &lt;pricing&gt; &amp; terms?&#34;<br>The reply was due yesterday.</p>", p["hs_task_body"])
	assert.Equal(t, "NOT_STARTED", p["hs_task_status"])
	assert.Equal(t, "HIGH", p["hs_task_priority"])
	assert.Equal(t, "TODO", p["hs_task_type"])
	assert.Equal(t, "2025-03-03T17:00:00Z", p["hs_timestamp"], "hs_timestamp is the due date")
	assert.Equal(t, "501", p["hubspot_owner_id"])
	assert.Equal(t, in.Key, p["cosell_task_key"])

	other, err := e.client.CreateTask(ctx, connectors.TaskInput{DealRecordID: deal.RecordID, Key: "CS-1/request:00T1/escalation/2", Body: "Escalated\nto managers"})
	require.NoError(t, err)
	assert.NotEqual(t, first, other)
	require.Len(t, e.portal.Tasks(), 2)
	assert.Equal(t, "Escalated", e.portal.Tasks()[1].Properties["hs_task_subject"], "without a subject, the body's first line")

	e.clk.Advance(time.Second)
	page, err := e.client.ChangedNotes(ctx, connectors.Cursor{}, 10)
	require.NoError(t, err)
	assert.Empty(t, page.Notes, "tasks are not notes: they never reach the note stream")
}

func TestCreateTaskRejectionsAreFinal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	deal, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Acme"})
	require.NoError(t, err)

	_, err = e.client.CreateTask(ctx, connectors.TaskInput{DealRecordID: deal.RecordID, Body: "x"})
	ce, ok := connectors.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "MISSING_INPUT", ce.Code)
	assert.False(t, connectors.IsRetryable(err))

	_, err = e.client.CreateTask(ctx, connectors.TaskInput{DealRecordID: deal.RecordID, Key: "k-owner", Body: "x", OwnerID: "599"})
	ce, ok = connectors.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "VALIDATION_ERROR", ce.Code)
	assert.Equal(t, []string{"hubspot_owner_id"}, ce.Fields)
	assert.Contains(t, ce.Message, "599 is not a valid owner id", "HubSpot's own message")
	assert.Equal(t, "create task k-owner on deal "+deal.RecordID, ce.Op)
	assert.False(t, ce.Retryable)

	_, err = e.client.CreateTask(ctx, connectors.TaskInput{DealRecordID: "404404", Key: "k-deal", Body: "x"})
	ce, ok = connectors.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "VALIDATION_ERROR", ce.Code)
	assert.False(t, ce.Retryable)
	assert.Empty(t, e.portal.Tasks())
}

// A task holding the key but no longer on the deal (a rep moved it, or a create raced) makes HubSpot
// refuse the create with 409 on the unique key; the task holding the key is the answer.
func TestCreateTaskFindsTheKeyHolderOnConflict(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	deal, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Acme"})
	require.NoError(t, err)
	require.NoError(t, e.portal.Seed(fake.SeedData{Tasks: []fake.SeedRecord{{ID: "50000000001", Properties: map[string]any{
		"hs_task_subject": "moved", "hs_timestamp": "2025-03-03T17:00:00Z", "cosell_task_key": "k-1"}}}}))

	id, err := e.client.CreateTask(ctx, connectors.TaskInput{DealRecordID: deal.RecordID, Key: "k-1", Body: "x"})
	require.NoError(t, err)
	assert.Equal(t, "50000000001", id)
	assert.Len(t, e.portal.Tasks(), 1)
}

func TestEnsurePropertiesCreatesTheTaskKey(t *testing.T) {
	portal := fake.New(fake.Options{PrivateAppTokens: []string{privateToken}, RateLimit: -1, SearchRateLimit: -1, DailyLimit: -1})
	e := &env{t: t, portal: portal}
	e.ts = newServer(t, portal)
	c := e.connect(hubspot.Config{PrivateAppToken: privateToken})
	ctx := context.Background()
	require.NoError(t, c.EnsureProperties(ctx))
	require.NoError(t, c.EnsureProperties(ctx))
	assert.Equal(t, 1, e.calls("POST properties/tasks"), "the task key, created once")
	props, err := c.Properties(ctx, hubspot.ObjectTasks)
	require.NoError(t, err)
	var key *hubspot.Property
	for i := range props {
		if props[i].Name == "cosell_task_key" {
			key = &props[i]
		}
	}
	require.NotNil(t, key)
	assert.True(t, key.HasUniqueValue)
}

func TestDealURLReadsThePortalOnceAndOpensTheFake(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	deal, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Acme <rollout>"})
	require.NoError(t, err)

	c := e.connect(hubspot.Config{PrivateAppToken: privateToken, DealFields: dealFields(), AppURL: e.ts.URL + "/"})
	want := e.ts.URL + "/contacts/24681357/record/0-3/" + deal.RecordID
	assert.Equal(t, want, c.DealURL(deal.RecordID))
	assert.Equal(t, want, c.DealURL(deal.RecordID))
	assert.Equal(t, 1, e.calls("GET account-info/v3/details"), "read once, then kept")

	resp, err := http.Get(want)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "Acme &lt;rollout&gt;", "the link opens the fake's record page")

	assert.Equal(t, "https://app.hubspot.com/contacts/24681357/record/0-3/42", e.client.DealURL("42"),
		"without AppURL the account's uiDomain is the app")

	preset := e.connect(hubspot.Config{PrivateAppToken: privateToken, PortalID: 777})
	assert.Equal(t, "https://app.hubspot.com/contacts/777/record/0-3/42", preset.DealURL("42"))
	assert.Equal(t, 2, e.calls("GET account-info/v3/details"), "a preset portal id needs no read")
}

func TestDealURLWithoutAccountDetailsStillLinks(t *testing.T) {
	e := newEnv(t)
	e.portal.Admin().AddFault(mockkit.Fault{Endpoint: "GET account-info/v3/details", Status: http.StatusForbidden})
	c := e.connect(hubspot.Config{PrivateAppToken: privateToken, AppURL: "https://app-eu1.hubspot.com", Now: e.clk.Now, IndexLag: -1})

	assert.Equal(t, "https://app-eu1.hubspot.com/contacts/record/0-3/42", c.DealURL("42"))
	assert.Equal(t, "https://app-eu1.hubspot.com/contacts/record/0-3/43", c.DealURL("43"))
	assert.Equal(t, 1, e.calls("GET account-info/v3/details"), "a failed read is not repeated on every link")

	e.portal.Admin().ClearFaults()
	e.clk.Advance(2 * time.Minute)
	assert.Equal(t, "https://app-eu1.hubspot.com/contacts/24681357/record/0-3/42", c.DealURL("42"), "tried again later")
	_, err := c.PortalID(context.Background())
	require.NoError(t, err)
	assert.False(t, strings.Contains(c.DealURL("a/b"), "a/b"), "record ids are path-escaped")
}
