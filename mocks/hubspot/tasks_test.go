package hubspot

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

// createTask creates a task on a deal through the API and returns the answer.
func (p *portal) createTask(dealID string, props map[string]any) response {
	p.t.Helper()
	in := map[string]any{"properties": props}
	if dealID != "" {
		in["associations"] = []any{map[string]any{"to": map[string]any{"id": dealID},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 216}}}}
	}
	return p.do("POST", "/crm/v3/objects/tasks", in)
}

func taskProps(subject, key string) map[string]any {
	return map[string]any{
		"hs_task_subject": subject, "hs_task_body": "<p>Reply to the partner</p>", "hs_task_status": "NOT_STARTED",
		"hs_task_priority": "HIGH", "hs_task_type": "TODO", "hs_timestamp": "1795521600000", "hubspot_owner_id": "101",
		"cosell_task_key": key,
	}
}

func TestTaskCreateAssociateReadAndCount(t *testing.T) {
	p := newPortal(t)
	deal := p.createDeal(map[string]any{"dealname": "Acme"})
	r := p.createTask(deal, taskProps("Reply to Globex", "CS-1/req/breach/0"))
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	task := r.body["id"].(string)
	assert.Equal(t, "NOT_STARTED", props(r.body)["hs_task_status"])
	assert.Equal(t, "2026-11-24T12:00:00Z", props(r.body)["hs_timestamp"], "a due date in epoch ms is stored as ISO 8601")

	v4 := p.do("GET", "/crm/v4/objects/deals/"+deal+"/associations/tasks", nil)
	require.Equal(t, http.StatusOK, v4.status, v4.raw)
	res := results(v4)
	require.Len(t, res, 1)
	assert.Equal(t, task, numStr(res[0]["toObjectId"]))
	assert.EqualValues(t, 215, res[0]["associationTypes"].([]any)[0].(map[string]any)["typeId"], "deal→task is 215")

	b := p.do("POST", "/crm/v4/associations/tasks/deals/batch/read", map[string]any{"inputs": []any{map[string]any{"id": task}}})
	require.Equal(t, http.StatusOK, b.status, b.raw)
	to := results(b)[0]["to"].([]any)[0].(map[string]any)
	assert.Equal(t, deal, numStr(to["toObjectId"]))
	assert.EqualValues(t, 216, to["associationTypes"].([]any)[0].(map[string]any)["typeId"], "task→deal is 216")

	labels := p.do("GET", "/crm/v4/associations/task/deal/labels", nil)
	require.Equal(t, http.StatusOK, labels.status, labels.raw)
	assert.EqualValues(t, 216, results(labels)[0]["typeId"])
	assert.Equal(t, "HUBSPOT_DEFINED", results(labels)[0]["category"])

	byKey := p.do("GET", "/crm/v3/objects/tasks/CS-1%2Freq%2Fbreach%2F0?idProperty=cosell_task_key&properties=hs_task_subject", nil)
	require.Equal(t, http.StatusOK, byKey.status, byKey.raw)
	assert.Equal(t, task, byKey.body["id"])
	assert.Equal(t, "Reply to Globex", props(byKey.body)["hs_task_subject"])

	read := p.do("POST", "/crm/v3/objects/tasks/batch/read", map[string]any{"inputs": []any{map[string]any{"id": task}}, "properties": []string{"cosell_task_key"}})
	require.Equal(t, http.StatusOK, read.status, read.raw)
	assert.Equal(t, "CS-1/req/breach/0", props(results(read)[0])["cosell_task_key"])

	search := p.do("POST", "/crm/v3/objects/tasks/search", map[string]any{"query": "globex"})
	require.Equal(t, http.StatusOK, search.status, search.raw)
	assert.Equal(t, []string{task}, ids(results(search)))

	patch := p.do("PATCH", "/crm/v3/objects/tasks/"+task, map[string]any{"properties": map[string]any{"hs_task_status": "COMPLETED"}})
	require.Equal(t, http.StatusOK, patch.status, patch.raw)

	rec, _ := p.srv.Deal(deal)
	assert.Equal(t, []string{task}, rec.Tasks)
	assert.Empty(t, rec.Associated, "tasks are not notes")
	tasks := p.srv.Tasks()
	require.Len(t, tasks, 1)
	assert.Equal(t, []string{deal}, tasks[0].Associated)
	assert.Equal(t, "COMPLETED", tasks[0].Properties["hs_task_status"])

	calls := p.srv.Admin().Snapshot()
	assert.Equal(t, mockkit.CallCount{Count: 1, Write: true}, calls.Endpoints["POST tasks"])
	assert.Equal(t, mockkit.CallCount{Count: 1, Write: true}, calls.Endpoints["PATCH tasks/{id}"])
	assert.Equal(t, mockkit.CallCount{Count: 1}, calls.Endpoints["GET v4 deals/{id}/associations/tasks"])
	assert.Equal(t, mockkit.CallCount{Count: 1}, calls.Endpoints["POST v4 associations/tasks/deals/batch/read"])
	assert.Equal(t, mockkit.CallCount{Count: 1}, calls.Endpoints["GET v4 associations/tasks/deals/labels"])
	assert.Equal(t, mockkit.CallCount{Count: 1}, calls.Endpoints["POST tasks/batch/read"])

	p.do("DELETE", "/crm/v3/objects/tasks/"+task, nil)
	rec, _ = p.srv.Deal(deal)
	assert.Empty(t, rec.Tasks, "an archived task leaves the deal")
}

func TestTaskValidation(t *testing.T) {
	p := newPortal(t)
	deal := p.createDeal(map[string]any{"dealname": "Acme"})

	noDue := taskProps("x", "k0")
	delete(noDue, "hs_timestamp")
	r := p.createTask(deal, noDue)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.body["message"], "hs_timestamp is required when creating a task")

	bad := taskProps("x", "k1")
	bad["hs_task_status"] = "DONE"
	bad["hubspot_owner_id"] = "103" // archived
	r = p.createTask(deal, bad)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "VALIDATION_ERROR", r.body["category"])
	assert.Contains(t, r.body["message"], "DONE was not one of the allowed options: [NOT_STARTED, IN_PROGRESS, WAITING, COMPLETED, DEFERRED]")
	assert.Contains(t, r.body["message"], "INVALID_OWNER_ID")

	wrongType := p.do("POST", "/crm/v3/objects/tasks", map[string]any{"properties": taskProps("x", "k2"),
		"associations": []any{map[string]any{"to": map[string]any{"id": deal},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}}}}})
	require.Equal(t, http.StatusBadRequest, wrongType.status, "214 is the note→deal type, not a task's")

	missingDeal := p.createTask("404404", taskProps("x", "k3"))
	require.Equal(t, http.StatusBadRequest, missingDeal.status)
	assert.Contains(t, missingDeal.body["message"], "deal 404404 does not exist")

	require.Equal(t, http.StatusCreated, p.createTask(deal, taskProps("first", "dup")).status)
	dup := p.createTask(deal, taskProps("second", "dup"))
	require.Equal(t, http.StatusConflict, dup.status, "cosell_task_key is unique")
	assert.Equal(t, "CONFLICT", dup.body["category"])
	assert.Len(t, p.srv.Tasks(), 1)
}

func TestAccountDetails(t *testing.T) {
	p := newPortal(t)
	r := p.do("GET", "/account-info/v3/details", nil)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.EqualValues(t, 24681357, r.body["portalId"])
	assert.Equal(t, "app.hubspot.com", r.body["uiDomain"])
	assert.Equal(t, "STANDARD", r.body["accountType"])
	assert.Equal(t, 1, p.srv.Admin().Snapshot().Endpoints["GET account-info/v3/details"].Count)

	anon := p.doAs("", "GET", "/account-info/v3/details", nil)
	assert.Equal(t, http.StatusUnauthorized, anon.status)
}

func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestPagesShowTasksApartFromNotes(t *testing.T) {
	p := newPortal(t)
	require.NoError(t, p.srv.Seed(SeedData{
		Deals: []SeedRecord{{ID: "30000000001", Properties: map[string]any{"dealname": "Hooli <expansion>", "dealstage": "contractsent",
			"hubspot_owner_id": "102", "cosell_id": "CS-5"}}},
		Notes: []SeedRecord{{Properties: map[string]any{"hs_note_body": "<p>Budget approved</p>", "hs_timestamp": "2026-11-20T08:00:00Z"},
			Deals: []string{"30000000001"}}},
		Tasks: []SeedRecord{{Properties: map[string]any{"hs_task_subject": "Accept the <registration>", "hs_task_status": "NOT_STARTED",
			"hs_task_priority": "HIGH", "hs_timestamp": "2026-11-23T17:00:00Z", "hubspot_owner_id": "101",
			"hs_task_body": "<p>Globex waits &amp; waits</p>", "cosell_task_key": "CS-5/reg/breach/0"},
			Deals: []string{"30000000001"}}},
	}))

	status, page := getPage(t, p.ts.URL+"/")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "1 task(s)")
	assert.Contains(t, page, "Accept the &lt;registration&gt;")
	assert.Contains(t, page, "2026-11-23 17:00 UTC")
	assert.Contains(t, page, "Not Started")
	assert.Contains(t, page, "Ann Lee (ann@vendor.example)", "the task's owner")
	assert.Contains(t, page, "Budget approved")
	record := "/contacts/" + strconv.Itoa(p.srv.Options().PortalID) + "/record/0-3/30000000001"
	assert.Contains(t, page, `href="`+record+`"`, "each deal links to its record page")

	status, page = getPage(t, p.ts.URL+record)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "Hooli &lt;expansion&gt;")
	assert.Contains(t, page, "Contract Sent")
	assert.Contains(t, page, "cosell_id")
	assert.Contains(t, page, "CS-5")
	assert.Contains(t, page, "Accept the &lt;registration&gt;")
	assert.Contains(t, page, "Globex waits &amp; waits")
	assert.Contains(t, page, "High")
	assert.Contains(t, page, "CS-5/reg/breach/0")
	assert.Contains(t, page, "Budget approved")
	assert.NotContains(t, page, "<registration>")
	assert.Zero(t, p.srv.Admin().Snapshot().Total, "pages are not API calls")

	for _, path := range []string{"/contacts/1/record/0-3/30000000001", strings.Replace(record, "0-3", "0-27", 1), strings.Replace(record, "30000000001", "30000000009", 1)} {
		status, _ = getPage(t, p.ts.URL+path)
		assert.Equal(t, http.StatusNotFound, status, path)
	}
}
