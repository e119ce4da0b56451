package salesforce

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sfconn "github.com/cosellsync/cosell/connectors/salesforce"
	"github.com/cosellsync/cosell/mocks/mockkit"
)

// listener is an integration's notification endpoint, reading what arrives with the connector's own
// parsers and answering as the knobs of the test say.
type listener struct {
	t        *testing.T
	mu       sync.Mutex
	messages []sfconn.OutboundMessage
	callouts []sfconn.Callout
	answer   func(n int) (int, string)
	srv      *httptest.Server
}

func newListener(t *testing.T, secret string) *listener {
	l := &listener{t: t}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		l.mu.Lock()
		defer l.mu.Unlock()
		if r.URL.Path == "/callout" {
			assert.NoError(t, sfconn.VerifyCallout(secret, body, r.Header.Get(sfconn.CalloutSignatureHeader), r.Header.Get(sfconn.CalloutTimestampHeader), time.Now()))
			c, err := sfconn.ParseCallout(body)
			require.NoError(t, err)
			l.callouts = append(l.callouts, c)
			return
		}
		assert.Equal(t, "text/xml; charset=utf-8", r.Header.Get("Content-Type"))
		m, err := sfconn.ParseOutboundMessage(body)
		require.NoError(t, err, string(body))
		assert.Equal(t, "00D5g0000000C0SEAU", m.OrganizationID, "the org's own id")
		l.messages = append(l.messages, m)
		status, reply := http.StatusOK, string(sfconn.OutboundAck())
		if l.answer != nil {
			status, reply = l.answer(len(l.messages))
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply)
	}))
	t.Cleanup(l.srv.Close)
	return l
}

func (l *listener) notifications(w *mockkit.Webhooks[change]) []sfconn.OutboundNotification {
	l.t.Helper()
	require.True(l.t, w.Wait(5*time.Second))
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []sfconn.OutboundNotification
	for _, m := range l.messages {
		out = append(out, m.Notifications...)
	}
	l.messages = nil
	return out
}

func TestOutboundMessagesForSavedOpportunitiesAndTasks(t *testing.T) {
	l := newListener(t, "")
	o := newOrg(t, Options{Webhooks: mockkit.WebhookKnobs{URL: l.srv.URL + "/outbound", BatchMS: 1}})
	require.NoError(t, o.srv.Seed(SeedData{Opportunities: []Record{opp("Seeded", nil)}}))

	a := o.call(http.MethodPost, "sobjects/Opportunity", opp("Initech", map[string]any{"CoSell_Enabled__c": true}))
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	id := a.json(t)["id"].(string)
	n := l.notifications(o.srv.Webhooks())
	require.Len(t, n, 1, "one save, one notification; none for the seed")
	assert.Equal(t, "Opportunity", n[0].Object)
	assert.Equal(t, id, n[0].RecordID)
	assert.Equal(t, "true", n[0].Fields["CoSell_Enabled__c"])
	assert.Equal(t, "Initech", n[0].Fields["Name"])
	assert.Regexp(t, `^04l[0-9A-Za-z]{15}$`, n[0].ID)

	a = o.call(http.MethodPost, "sobjects/Task", map[string]any{"WhatId": id, "Subject": "Call"})
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	n = l.notifications(o.srv.Webhooks())
	require.Len(t, n, 1)
	assert.Equal(t, "Task", n[0].Object)
	assert.Equal(t, id, n[0].Fields["WhatId"])

	a = o.call(http.MethodPost, "composite/sobjects", map[string]any{"allOrNone": true, "records": []any{
		oppRec("C", nil), oppRec("D", map[string]any{"CloseDate": nil}),
	}})
	require.Equal(t, http.StatusOK, a.status)
	assert.Empty(t, l.notifications(o.srv.Webhooks()), "a rolled-back batch saved nothing")

	o.call(http.MethodDelete, "sobjects/Opportunity/"+id, nil)
	assert.Empty(t, l.notifications(o.srv.Webhooks()), "workflow rules fire on save, not on delete")
}

func TestOutboundMessagesAreResentUntilAcknowledged(t *testing.T) {
	l := newListener(t, "")
	l.answer = func(n int) (int, string) {
		switch n {
		case 1:
			return http.StatusOK, "<soapenv:Envelope><soapenv:Body><notificationsResponse><Ack>false</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
		case 2:
			return http.StatusServiceUnavailable, ""
		}
		return http.StatusOK, string(sfconn.OutboundAck())
	}
	o := newOrg(t, Options{Webhooks: mockkit.WebhookKnobs{URL: l.srv.URL + "/outbound", BatchMS: 1}})
	o.call(http.MethodPost, "sobjects/Opportunity", opp("Initech", nil))
	n := l.notifications(o.srv.Webhooks())
	require.Len(t, n, 3, "a false Ack and a 503 are not acknowledgements")
	assert.Equal(t, n[0].ID, n[2].ID, "a resent notification keeps its id")
	st := o.srv.Webhooks().Stats()
	assert.Equal(t, 1, st.Acked)
	assert.Equal(t, 2, st.Failed)
}

func TestSignedCallouts(t *testing.T) {
	l := newListener(t, "flow-secret")
	o := newOrg(t, Options{Webhooks: mockkit.WebhookKnobs{URL: l.srv.URL + "/callout", Mode: "callout", Secret: "flow-secret", BatchMS: 1}})
	a := o.call(http.MethodPost, "sobjects/Opportunity", opp("Initech", nil))
	id := a.json(t)["id"].(string)
	require.True(t, o.srv.Webhooks().Wait(5*time.Second))
	l.mu.Lock()
	defer l.mu.Unlock()
	require.Len(t, l.callouts, 1)
	assert.Equal(t, o.srv.OrgID(), l.callouts[0].OrganizationID)
	assert.Equal(t, []sfconn.CalloutRecord{{Type: "Opportunity", ID: id}}, l.callouts[0].Records)
}
