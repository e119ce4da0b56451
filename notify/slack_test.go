package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mocks/mockkit"
	slackmock "github.com/cosellsync/cosell/mocks/slack"
)

const secretPath = "/services/T0001/B0001/s3cr3t-webhook-token"

// stub answers every post with a fixed status, body and headers, and keeps what it received.
type stub struct {
	mu      sync.Mutex
	status  int
	body    string
	headers map[string]string
	got     []*http.Request
	bodies  [][]byte
}

func (s *stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.got = append(s.got, r)
	s.bodies = append(s.bodies, b)
	s.mu.Unlock()
	for k, v := range s.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.body)
}

func stubSlack(t *testing.T, status int, body string, headers map[string]string) (*Slack, *stub, string) {
	t.Helper()
	st := &stub{status: status, body: body, headers: headers}
	ts := httptest.NewServer(st)
	t.Cleanup(ts.Close)
	return NewSlack(ts.URL+secretPath, ts.Client()), st, ts.URL + secretPath
}

func TestSlackPostsTheBlockKitMessage(t *testing.T) {
	s, st, _ := stubSlack(t, http.StatusOK, "ok", nil)
	require.NoError(t, s.Notify(context.Background(), escalation()))
	require.Len(t, st.got, 1)
	req := st.got[0]
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, secretPath, req.URL.Path)
	assert.Equal(t, "application/json; charset=utf-8", req.Header.Get("Content-Type"))
	var got SlackPayload
	require.NoError(t, json.Unmarshal(st.bodies[0], &got))
	assert.Equal(t, SlackMessage(escalation()), got)
	assert.Equal(t, "slack", s.Name())
}

func TestSlackClassifiesAnswers(t *testing.T) {
	for _, c := range []struct {
		status     int
		body       string
		headers    map[string]string
		code       string
		retryable  bool
		retryAfter time.Duration
	}{
		{400, "invalid_payload", nil, "invalid_payload", false, 0},
		{400, "no_text", nil, "no_text", false, 0},
		{400, "invalid_blocks", nil, "invalid_blocks", false, 0},
		{403, "action_prohibited", nil, "action_prohibited", false, 0},
		{403, "invalid_token", nil, "invalid_token", false, 0},
		{404, "no_service", nil, "no_service", false, 0},
		{404, "channel_not_found", nil, "channel_not_found", false, 0},
		{410, "channel_is_archived", nil, "channel_is_archived", false, 0},
		{429, "rate_limited", map[string]string{"Retry-After": "7"}, "rate_limited", true, 7 * time.Second},
		{429, "rate_limited", nil, "rate_limited", true, time.Second},
		{500, "rollup_error", nil, "rollup_error", true, 0},
		{503, "<html>Service Unavailable</html>", map[string]string{"Retry-After": "2"}, "", true, 2 * time.Second},
	} {
		name := fmt.Sprintf("%d %s", c.status, c.body)
		s, _, _ := stubSlack(t, c.status, c.body, c.headers)
		err := s.Notify(context.Background(), escalation())
		e, ok := AsError(err)
		require.True(t, ok, "%s: %v", name, err)
		assert.Equal(t, "slack", e.Notifier, name)
		assert.Equal(t, c.status, e.Status, name)
		assert.Equal(t, c.code, e.Code, name)
		assert.Equal(t, c.retryable, e.Retryable, name)
		assert.Equal(t, c.retryable, IsRetryable(err), name)
		assert.Equal(t, c.retryAfter, e.RetryAfter, name)
		if c.code != "" {
			assert.Equal(t, c.body, e.Message, "%s: Slack's own word", name)
		}
		assert.NotContains(t, err.Error(), "s3cr3t", name)
	}
}

func TestSlackRetryAfterAsAnHTTPDate(t *testing.T) {
	at := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	s, _, _ := stubSlack(t, http.StatusTooManyRequests, "rate_limited", map[string]string{"Retry-After": at})
	e, ok := AsError(s.Notify(context.Background(), escalation()))
	require.True(t, ok)
	assert.InDelta(t, 90, e.RetryAfter.Seconds(), 2)
}

func TestSlackNeverShowsTheWebhookURL(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	hook := ts.URL + secretPath
	ts.Close() // connection refused from now on

	s := NewSlack(hook, nil)
	err := s.Notify(context.Background(), escalation())
	e, ok := AsError(err)
	require.True(t, ok, "%v", err)
	assert.True(t, e.Retryable, "a network failure may pass")
	assert.Zero(t, e.Status)
	assert.NotContains(t, err.Error(), "s3cr3t")
	assert.NotContains(t, err.Error(), secretPath)
	assert.Contains(t, err.Error(), "post to the webhook")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.Notify(ctx, escalation())
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	assert.NotContains(t, err.Error(), "s3cr3t")

	bad := NewSlack("hooks.slack.com/services/T/B/s3cr3t", nil)
	err = bad.Notify(context.Background(), escalation())
	e, ok = AsError(err)
	require.True(t, ok)
	assert.False(t, e.Retryable, "a malformed URL stays malformed")
	assert.NotContains(t, err.Error(), "s3cr3t")

	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("configured", "notifier", s)
	assert.NotContains(t, logs.String(), "s3cr3t")
	assert.Contains(t, logs.String(), "127.0.0.1")
	assert.NotContains(t, fmt.Sprint(s), "s3cr3t")
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", s, s, s), "s3cr3t")
}

// The notifier against the fake Slack: what it posts passes Slack's checks (Block Kit limits included),
// shows on the fake's page, and the fake's faults come back classified.
func TestSlackAgainstTheFake(t *testing.T) {
	fake := slackmock.New(slackmock.Options{})
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	s := NewSlack(ts.URL+slackmock.DefaultWebhookPath, ts.Client())
	ctx := context.Background()

	huge := escalation()
	huge.DealName = strings.Repeat("Very long deal name ", 20)
	huge.Message = strings.Repeat("a & b ", 1000)
	for i := range 300 {
		huge.Recipients = append(huge.Recipients, Recipient{Email: fmt.Sprintf("p%03d@x.example", i), Name: "P <&>"})
	}
	for _, n := range []Notice{escalation(), huge, {Event: SLAResolved}, {Event: StageChanged, CoSellID: "CS-2", Subject: "Won"}} {
		require.NoError(t, s.Notify(ctx, n), "%s", n.Event)
	}
	msgs := fake.Messages()
	require.Len(t, msgs, 4)
	assert.Contains(t, msgs[0].Text, "[Escalated to L2] Initech &lt;rollout&gt;")
	assert.Contains(t, string(msgs[0].Blocks), "Who must act")

	page, err := http.Get(ts.URL + "/?refresh=0")
	require.NoError(t, err)
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	assert.Contains(t, string(html), "Escalated to L2: Initech &lt;rollout&gt;")
	assert.Contains(t, string(html), `<a href="https://app.hubspot.com/contacts/24681357/record/0-3/42">HubSpot (Globex)</a>`)

	fake.Admin().AddFault(mockkit.Fault{Endpoint: "POST webhook", Status: 500, Count: 1})
	err = s.Notify(ctx, escalation())
	assert.True(t, IsRetryable(err), "%v", err)
	fake.Admin().AddFault(mockkit.Fault{Endpoint: "POST webhook", Status: 429, Count: 1, Headers: map[string]string{"Retry-After": "3"}})
	e, ok := AsError(s.Notify(ctx, escalation()))
	require.True(t, ok)
	assert.Equal(t, 3*time.Second, e.RetryAfter)
	fake.Admin().AddFault(mockkit.Fault{Endpoint: "POST webhook", Status: 410, Count: 1})
	e, ok = AsError(s.Notify(ctx, escalation()))
	require.True(t, ok)
	assert.Equal(t, "channel_is_archived", e.Code)
	assert.False(t, e.Retryable)

	gone := NewSlack(ts.URL+"/services/T0DEMO/B0DEMO/revoked", ts.Client())
	e, ok = AsError(gone.Notify(ctx, escalation()))
	require.True(t, ok)
	assert.Equal(t, http.StatusForbidden, e.Status)
	assert.Equal(t, "invalid_token", e.Code)
	assert.False(t, e.Retryable)
	assert.Len(t, fake.Messages(), 4, "nothing refused was kept")
}
