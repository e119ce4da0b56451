package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

const slackName = "slack"

// slackRateDelay is the wait a 429 without Retry-After asks for: Slack allows about one message a second
// per incoming webhook.
const slackRateDelay = time.Second

// maxSlackAnswer bounds how much of an answer is read; Slack answers a short word.
const maxSlackAnswer = 4 << 10

// Slack posts notices to one channel through a Slack incoming webhook, as a Block Kit message with a
// plain-text fallback.
//
// It sends each notice once per call and never retries by itself: a rate limit (429) or a server error
// comes back as a retryable *Error carrying Retry-After, so the caller's durable retry waits instead of a
// blocked activity. Slack's refusals — 400 invalid_payload, no_text or invalid_blocks, 403
// action_prohibited or invalid_token, 404 no_service or channel_not_found, 410 channel_is_archived — are
// final: the same notice would meet them again.
//
// The webhook URL is a secret (whoever has it can post to the channel). It never appears in an error, and
// a Slack value logged with slog or fmt shows only the host.
type Slack struct {
	webhook string
	client  *http.Client
}

var _ Notifier = (*Slack)(nil)

// NewSlack returns a notifier posting to webhookURL (https://hooks.slack.com/services/T…/B…/…). A nil
// client means a client with a 10 s timeout.
func NewSlack(webhookURL string, client *http.Client) *Slack {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Slack{webhook: strings.TrimSpace(webhookURL), client: client}
}

// Name implements Notifier.
func (s *Slack) Name() string { return slackName }

// String shows the notifier without its secret.
func (s *Slack) String() string { return "slack webhook at " + s.host() }

// GoString keeps the webhook URL out of %#v.
func (s *Slack) GoString() string { return "notify.Slack{" + s.host() + "}" }

// LogValue keeps the webhook URL out of structured logs.
func (s *Slack) LogValue() slog.Value { return slog.StringValue(s.String()) }

func (s *Slack) host() string {
	if u, err := url.Parse(s.webhook); err == nil && u.Host != "" {
		return u.Host
	}
	return "(invalid URL)"
}

// Notify implements Notifier: one POST of the notice as a Block Kit message.
func (s *Slack) Notify(ctx context.Context, n Notice) error {
	u, err := url.Parse(s.webhook)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &Error{Notifier: slackName, Code: "invalid_webhook_url", Message: "the Slack webhook URL is not an http(s) URL"}
	}
	body, err := json.Marshal(SlackMessage(n))
	if err != nil {
		return &Error{Notifier: slackName, Code: "invalid_payload", Message: "encode message: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return &Error{Notifier: slackName, Message: "build request: " + s.redact(err.Error())}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := s.client.Do(req)
	if err != nil {
		// A *url.Error names the URL, secret included: keep only what went wrong.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return &Error{Notifier: slackName, Message: "post to the webhook: " + s.redact(err.Error()), Retryable: true, err: err}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxSlackAnswer))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	return classifySlack(resp.StatusCode, resp.Header, answer, time.Now())
}

// redact removes the webhook URL and its path (the secret) from a message.
func (s *Slack) redact(msg string) string {
	if s.webhook == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, s.webhook, s.String())
	if u, err := url.Parse(s.webhook); err == nil && len(u.Path) > 1 {
		msg = strings.ReplaceAll(msg, u.EscapedPath(), "/…")
		msg = strings.ReplaceAll(msg, u.Path, "/…")
	}
	return msg
}

// classifySlack turns a non-2xx answer of an incoming webhook into a classified *Error. Slack answers a
// bare word in text/plain (invalid_payload, no_service, channel_is_archived, rollup_error), which is kept
// as Code and Message.
func classifySlack(status int, h http.Header, body []byte, now time.Time) *Error {
	msg := strings.Join(strings.Fields(string(body)), " ")
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	e := &Error{Notifier: slackName, Status: status, Message: msg}
	if isSlackCode(msg) {
		e.Code = msg
	}
	if e.Message == "" {
		e.Message = strings.ToLower(http.StatusText(status))
	}
	delay, hasDelay := retryAfter(h, now)
	switch {
	case status == http.StatusTooManyRequests:
		e.Retryable = true
		e.RetryAfter = slackRateDelay
		if hasDelay {
			e.RetryAfter = delay
		}
	case status >= 500, status == http.StatusRequestTimeout:
		e.Retryable = true
		e.RetryAfter = delay
	}
	return e
}

// isSlackCode reports whether s looks like one of Slack's error words (lower case, digits, underscores).
func isSlackCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLower(r) && !unicode.IsDigit(r) && r != '_' {
			return false
		}
	}
	return true
}

// retryAfter reads Retry-After in either form (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
