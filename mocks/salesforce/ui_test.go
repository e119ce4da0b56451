package salesforce

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getHTML(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestPagesShowOpenTasksApartFromLoggedActivity(t *testing.T) {
	o := newOrg(t, Options{})
	user := o.create("User", map[string]any{"Username": "ana@acme.example", "LastName": "Ruiz", "FirstName": "Ana", "Email": "ana@acme.example"})
	id := o.create("Opportunity", opp("Initech <rollout>", map[string]any{"CoSell_Id__c": "CS-3", "CoSell_Enabled__c": true, "Amount": 1200, "OwnerId": user}))
	o.create("Task", map[string]any{"WhatId": id, "Subject": "Accept the <registration>", "Description": "Globex waits & waits",
		"OwnerId": user, "ActivityDate": "2026-11-24", "Status": "Not Started", "Priority": "High", "CoSell_Note_Key__c": "CS-3/reg/breach/0"})
	o.create("Task", map[string]any{"WhatId": id, "Subject": "Call", "Description": "Intro went well", "Status": "Completed"})
	calls := o.srv.Admin().Snapshot().Total

	status, page := getHTML(t, o.http.URL+"/?refresh=0")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "1 open tasks · 1 logged activities")
	assert.Contains(t, page, "open tasks</span>")
	assert.Contains(t, page, "Accept the &lt;registration&gt;")
	assert.Contains(t, page, "Ana Ruiz")
	assert.Contains(t, page, "2026-11-24")
	assert.Contains(t, page, "Not Started")
	assert.Contains(t, page, "Intro went well")
	assert.Contains(t, page, `href="/lightning/r/Opportunity/`+id+`/view"`)

	status, page = getHTML(t, o.http.URL+"/lightning/r/Opportunity/"+id+"/view")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "Initech &lt;rollout&gt;")
	assert.NotContains(t, page, "<rollout>")
	assert.Contains(t, page, "CoSell_Id__c")
	assert.Contains(t, page, "CS-3")
	assert.Contains(t, page, "1200")
	assert.Contains(t, page, "Ana Ruiz ("+user+")")
	assert.Contains(t, page, "Upcoming &amp; overdue (1)")
	assert.Contains(t, page, "Accept the &lt;registration&gt;")
	assert.Contains(t, page, "Globex waits &amp; waits")
	assert.Contains(t, page, "High")
	assert.Contains(t, page, "CS-3/reg/breach/0")
	assert.Contains(t, page, "Activity history (1)")
	assert.Equal(t, calls, o.srv.Admin().Snapshot().Total, "pages are not API calls")

	status, _ = getHTML(t, o.http.URL+"/lightning/r/Opportunity/"+id[:15]+"/view")
	assert.Equal(t, http.StatusOK, status, "a 15-character id works too")
	for _, path := range []string{
		"/lightning/r/Opportunity/0065g0000009999AAA/view",
		"/lightning/r/Opportunity/" + user + "/view",
		"/lightning/r/Account/" + id + "/view",
		"/lightning/r/Opportunity/" + id + "/edit",
	} {
		status, _ = getHTML(t, o.http.URL+path)
		assert.Equal(t, http.StatusNotFound, status, path)
	}

	login := httptest.NewServer(o.srv.LoginHandler())
	t.Cleanup(login.Close)
	status, _ = getHTML(t, login.URL+"/lightning/r/Opportunity/"+id+"/view")
	assert.Equal(t, http.StatusNotFound, status, "the login host serves no records")
	inst := httptest.NewServer(o.srv.InstanceHandler(false))
	t.Cleanup(inst.Close)
	status, _ = getHTML(t, inst.URL+"/lightning/r/Opportunity/"+id+"/view")
	assert.Equal(t, http.StatusOK, status, "the instance host does")
}
