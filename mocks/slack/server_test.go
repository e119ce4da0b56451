package slack

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

type answer struct {
	status int
	header http.Header
	body   string
}

func newFake(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }
	}
	s := New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func send(t *testing.T, method, u, contentType, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func post(t *testing.T, u, body string) answer {
	t.Helper()
	return send(t, http.MethodPost, u, "application/json", body)
}

func TestWebhookAcceptsTextAndBlocksAndRecordsThemInOrder(t *testing.T) {
	s, ts := newFake(t, Options{})
	hook := ts.URL + DefaultWebhookPath

	a := post(t, hook, `{"text": "hello"}`)
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "ok", a.body)
	assert.True(t, strings.HasPrefix(a.header.Get("Content-Type"), "text/plain"))

	blocks := `[{"type":"header","text":{"type":"plain_text","text":"SLA breached"}},{"type":"section","text":{"type":"mrkdwn","text":"*late*"},"fields":[{"type":"mrkdwn","text":"*Pairing*\nacme"}]},{"type":"divider"},{"type":"context","elements":[{"type":"mrkdwn","text":"notice k"}]}]`
	a = post(t, hook, `{"blocks": `+blocks+`}`)
	require.Equal(t, http.StatusOK, a.status, a.header.Get("X-Fake-Slack-Detail"))

	a = send(t, http.MethodPost, hook, "application/x-www-form-urlencoded", url.Values{"payload": {`{"text":"from a form"}`}}.Encode())
	require.Equal(t, http.StatusOK, a.status)

	msgs := s.Messages()
	require.Len(t, msgs, 3)
	assert.Equal(t, Message{Seq: 1, ReceivedAt: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), Path: DefaultWebhookPath, Text: "hello"}, msgs[0])
	assert.Equal(t, 2, msgs[1].Seq)
	assert.Empty(t, msgs[1].Text)
	assert.JSONEq(t, blocks, string(msgs[1].Blocks))
	assert.Equal(t, "from a form", msgs[2].Text)
	assert.Equal(t, mockkit.CallCount{Count: 3, Write: true}, s.Admin().Snapshot().Endpoints["POST webhook"])
}

func TestWebhookRefusesLikeSlack(t *testing.T) {
	s, ts := newFake(t, Options{Webhooks: []string{"/services/T1/B1/secret-1"}})
	hook := ts.URL + "/services/T1/B1/secret-1"
	header := func(text string) string {
		return `{"text":"x","blocks":[{"type":"header","text":{"type":"plain_text","text":"` + text + `"}}]}`
	}
	fields := make([]string, 11)
	for i := range fields {
		fields[i] = `{"type":"mrkdwn","text":"f"}`
	}
	for _, c := range []struct {
		name, body, word string
		status           int
	}{
		{"not JSON", `text=hello`, "invalid_payload", 400},
		{"two objects", `{"text":"a"}{"text":"b"}`, "invalid_payload", 400},
		{"text not a string", `{"text": 42}`, "invalid_payload", 400},
		{"nothing to show", `{}`, "no_text", 400},
		{"empty text", `{"text": "  "}`, "no_text", 400},
		{"empty blocks, no text", `{"blocks": []}`, "no_text", 400},
		{"blocks not an array", `{"text":"x","blocks":{"type":"divider"}}`, "invalid_blocks_format", 400},
		{"header too long", header(strings.Repeat("h", 151)), "invalid_blocks", 400},
		{"header in mrkdwn", `{"blocks":[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]}`, "invalid_blocks", 400},
		{"eleven fields", `{"blocks":[{"type":"section","fields":[` + strings.Join(fields, ",") + `]}]}`, "invalid_blocks", 400},
		{"section text too long", `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"` + strings.Repeat("s", 3001) + `"}}]}`, "invalid_blocks", 400},
		{"unknown block", `{"blocks":[{"type":"banner"}]}`, "invalid_blocks", 400},
		{"empty section", `{"blocks":[{"type":"section"}]}`, "invalid_blocks", 400},
	} {
		a := post(t, hook, c.body)
		assert.Equal(t, c.status, a.status, c.name)
		assert.Equal(t, c.word, a.body, c.name)
	}
	assert.Equal(t, http.StatusOK, post(t, hook, header(strings.Repeat("h", 150))).status, "150 characters fit")

	a := post(t, ts.URL+"/services/T1/B1/wrong", `{"text":"x"}`)
	assert.Equal(t, http.StatusForbidden, a.status)
	assert.Equal(t, "invalid_token", a.body)
	a = post(t, ts.URL+"/services/T9/B9/secret-1", `{"text":"x"}`)
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.Equal(t, "no_service", a.body)
	a = send(t, http.MethodGet, hook, "", "")
	assert.Equal(t, http.StatusMethodNotAllowed, a.status)

	assert.Len(t, s.Messages(), 1, "only the accepted message is kept")
}

func TestFaultsAnswerSlacksWords(t *testing.T) {
	s, ts := newFake(t, Options{})
	hook := ts.URL + DefaultWebhookPath
	s.Admin().AddFault(mockkit.Fault{Endpoint: "POST webhook", Status: 500, Count: 2})
	for range 2 {
		a := post(t, hook, `{"text":"x"}`)
		assert.Equal(t, http.StatusInternalServerError, a.status)
		assert.Equal(t, "rollup_error", a.body)
	}
	assert.Equal(t, http.StatusOK, post(t, hook, `{"text":"x"}`).status, "Count lifts the fault")

	s.Admin().AddFault(mockkit.Fault{Status: 429, Count: 1})
	a := post(t, hook, `{"text":"x"}`)
	assert.Equal(t, http.StatusTooManyRequests, a.status)
	assert.Equal(t, "rate_limited", a.body)
	assert.Equal(t, "1", a.header.Get("Retry-After"))

	st, _ := adminCall(t, ts, http.MethodPost, "/__admin/faults", `{"endpoint":"POST webhook","status":429,"count":1,"headers":{"Retry-After":"30"}}`)
	require.Equal(t, http.StatusNoContent, st)
	a = post(t, hook, `{"text":"x"}`)
	assert.Equal(t, "30", a.header.Get("Retry-After"))

	s.Admin().AddFault(mockkit.Fault{Status: 410, Count: 1})
	a = post(t, hook, `{"text":"x"}`)
	assert.Equal(t, http.StatusGone, a.status)
	assert.Equal(t, "channel_is_archived", a.body)

	assert.Len(t, s.Messages(), 1, "faulted posts are not kept")
	assert.Equal(t, 6, s.Admin().Snapshot().Endpoints["POST webhook"].Count)
}

func adminCall(t *testing.T, ts *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	a := send(t, method, ts.URL+path, "application/json", body)
	return a.status, a.body
}

func TestAdminMessagesAndReset(t *testing.T) {
	s, ts := newFake(t, Options{MaxMessages: 2})
	hook := ts.URL + DefaultWebhookPath
	for _, text := range []string{"one", "two", "three"} {
		require.Equal(t, http.StatusOK, post(t, hook, `{"text":"`+text+`"}`).status)
	}
	st, body := adminCall(t, ts, http.MethodGet, "/__admin/messages", "")
	require.Equal(t, http.StatusOK, st)
	var got struct {
		Messages []Message `json:"messages"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Len(t, got.Messages, 2, "MaxMessages keeps the newest")
	assert.Equal(t, "two", got.Messages[0].Text)
	assert.Equal(t, 3, got.Messages[1].Seq)

	st, _ = adminCall(t, ts, http.MethodDelete, "/__admin/messages", "")
	require.Equal(t, http.StatusNoContent, st)
	assert.Empty(t, s.Messages())
	_, body = adminCall(t, ts, http.MethodGet, "/__admin/messages", "")
	assert.JSONEq(t, `{"messages":[]}`, body)

	post(t, hook, `{"text":"again"}`)
	st, _ = adminCall(t, ts, http.MethodPost, "/__admin/reset", "")
	require.Equal(t, http.StatusNoContent, st)
	assert.Empty(t, s.Messages())
	assert.Zero(t, s.Admin().Snapshot().Total)

	post(t, hook, `{"text":"again"}`)
	s.Reset()
	assert.Empty(t, s.Messages())
	assert.Zero(t, s.Admin().Snapshot().Total)
}
