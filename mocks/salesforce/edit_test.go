package salesforce

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

func TestUpdateAsTheOwnerSpendsNoAPICall(t *testing.T) {
	l := newListener(t, "")
	o := newOrg(t, Options{Webhooks: mockkit.WebhookKnobs{URL: l.srv.URL + "/outbound", BatchMS: 1}})
	jane := o.call(http.MethodPost, "sobjects/User", map[string]any{"LastName": "Doe", "Email": "jane@acme.example", "Username": "jane@acme.example"})
	require.Equal(t, http.StatusCreated, jane.status, string(jane.body))
	janeID := jane.json(t)["id"].(string)
	a := o.call(http.MethodPost, "sobjects/Opportunity", opp("Initech", map[string]any{"OwnerId": janeID}))
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	id := a.json(t)["id"].(string)
	l.notifications(o.srv.Webhooks())
	calls, used := o.srv.Admin().Snapshot().Total, o.srv.APIBudget()

	require.NoError(t, o.srv.Update(id, map[string]any{"NextStep": "Call the CFO"}))
	rec, ok := o.srv.Get(id)
	require.True(t, ok)
	assert.Equal(t, "Call the CFO", rec["NextStep"])
	assert.Equal(t, janeID, rec["LastModifiedById"], "the owner made the edit, not the integration user")
	n := l.notifications(o.srv.Webhooks())
	require.Len(t, n, 1, "a saved edit is notified")
	assert.Equal(t, id, n[0].RecordID)
	assert.Equal(t, calls, o.srv.Admin().Snapshot().Total, "no API call counted")
	assert.Equal(t, used, o.srv.APIBudget(), "no API request spent")

	err := o.srv.Update(id, map[string]any{"StageName": "No such stage"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad value for restricted picklist field")
	assert.Empty(t, l.notifications(o.srv.Webhooks()), "a refused edit saves nothing")
	assert.Error(t, o.srv.Update("006000000000000AAA", map[string]any{"Name": "x"}))
	assert.Error(t, o.srv.Update("not-an-id", map[string]any{"Name": "x"}))
}
