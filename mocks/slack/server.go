package slack

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

// DefaultWebhookPath is the one webhook a fake serves unless Options.Webhooks names others; post to
// {server URL}{DefaultWebhookPath}.
const DefaultWebhookPath = "/services/T0DEMO/B0DEMO/demo-secret"

// endpointWebhook is the counter and fault name of every webhook post.
const endpointWebhook = "POST webhook"

// Options configure a fake Slack. The zero value serves DefaultWebhookPath.
type Options struct {
	// Webhooks are the webhook paths accepted, each /services/{team}/{bot}/{secret}.
	Webhooks []string
	// MaxMessages bounds the messages kept, the oldest dropped first; default 1000.
	MaxMessages int
	// Now stamps received messages; default time.Now.
	Now func() time.Time
}

// Message is one message a webhook accepted.
type Message struct {
	// Seq numbers messages from 1 in the order they arrived.
	Seq        int       `json:"seq"`
	ReceivedAt time.Time `json:"receivedAt"`
	// Path is the webhook path posted to.
	Path string `json:"path"`
	// Text is the top-level text, the fallback when there are blocks.
	Text string `json:"text,omitempty"`
	// Blocks is the blocks array as posted.
	Blocks json.RawMessage `json:"blocks,omitempty"`
}

// Server is a fake Slack serving incoming webhooks, the admin surface under /__admin/ and a page of the
// messages at GET /. It is safe for concurrent use.
type Server struct {
	opts  Options
	admin *mockkit.Admin
	root  http.Handler
	hooks map[string]bool

	mu       sync.Mutex
	messages []Message
	seq      int
}

// New returns a fake Slack with no messages.
func New(opts Options) *Server {
	if len(opts.Webhooks) == 0 {
		opts.Webhooks = []string{DefaultWebhookPath}
	}
	if opts.MaxMessages <= 0 {
		opts.MaxMessages = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, admin: mockkit.NewAdmin(), hooks: map[string]bool{}}
	for _, h := range opts.Webhooks {
		s.hooks["/"+strings.Trim(h, "/")] = true
	}
	mux := http.NewServeMux()
	s.admin.Mount(mux, func([]byte) error { return nil }, s.clearMessages)
	mux.HandleFunc("GET /__admin/messages", s.handleAdminMessages)
	mux.HandleFunc("DELETE /__admin/messages", func(w http.ResponseWriter, _ *http.Request) {
		s.clearMessages()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /{$}", s.handlePage)
	mux.HandleFunc("/services/", s.handleWebhook)
	s.root = s.admin.Middleware(classify, writeFaultError, mux)
	return s
}

// ServeHTTP serves the webhooks, the admin surface and the page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.root.ServeHTTP(w, r) }

// Admin returns the counters and faults, for in-process tests.
func (s *Server) Admin() *mockkit.Admin { return s.admin }

// Webhooks returns the webhook paths accepted.
func (s *Server) Webhooks() []string { return append([]string(nil), s.opts.Webhooks...) }

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Reset forgets every message and clears counters and faults, as POST /__admin/reset does.
func (s *Server) Reset() {
	s.clearMessages()
	s.admin.ResetCalls()
	s.admin.ClearFaults()
}

func (s *Server) clearMessages() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = nil
}

// classify counts webhook posts; the page and the admin surface are not Slack's API.
func classify(r *http.Request) (mockkit.Endpoint, bool) {
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/services/") {
		return mockkit.Endpoint{Name: endpointWebhook, Write: true}, true
	}
	return mockkit.Endpoint{}, false
}

// writeFaultError answers an injected fault with Slack's word for its status, in text/plain.
func writeFaultError(w http.ResponseWriter, status int) {
	word := map[int]string{
		http.StatusBadRequest:          "invalid_payload",
		http.StatusForbidden:           "action_prohibited",
		http.StatusNotFound:            "channel_not_found",
		http.StatusGone:                "channel_is_archived",
		http.StatusTooManyRequests:     "rate_limited",
		http.StatusInternalServerError: "rollup_error",
	}[status]
	if word == "" {
		word = strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
	}
	if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	writeText(w, status, word)
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// refuse answers one of Slack's error words. detail, which Slack does not send, says what the fake
// found wrong, for whoever debugs a test.
func refuse(w http.ResponseWriter, status int, word, detail string) {
	if detail != "" {
		w.Header().Set("X-Fake-Slack-Detail", detail)
	}
	writeText(w, status, word)
}

// handleWebhook is POST /services/{team}/{bot}/{secret}.
func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	path := "/" + strings.Trim(r.URL.Path, "/")
	if !s.hooks[path] {
		if s.knownTeamAndBot(path) {
			refuse(w, http.StatusForbidden, "invalid_token", "the webhook's secret is wrong")
			return
		}
		refuse(w, http.StatusNotFound, "no_service", "no webhook at this path")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusMethodNotAllowed, "invalid_method", "webhooks take POST")
		return
	}
	text, blocks, word, detail := readPayload(r)
	if word != "" {
		refuse(w, http.StatusBadRequest, word, detail)
		return
	}
	s.mu.Lock()
	s.seq++
	s.messages = append(s.messages, Message{Seq: s.seq, ReceivedAt: s.opts.Now().UTC(), Path: path, Text: text, Blocks: blocks})
	if n := len(s.messages); n > s.opts.MaxMessages {
		s.messages = append([]Message(nil), s.messages[n-s.opts.MaxMessages:]...)
	}
	s.mu.Unlock()
	writeText(w, http.StatusOK, "ok")
}

// knownTeamAndBot reports whether path names a configured webhook's team and bot with another secret.
func (s *Server) knownTeamAndBot(path string) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 4 {
		return false
	}
	for h := range s.hooks {
		hp := strings.Split(strings.Trim(h, "/"), "/")
		if len(hp) == 4 && hp[1] == parts[1] && hp[2] == parts[2] {
			return true
		}
	}
	return false
}

func (s *Server) handleAdminMessages(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	msgs := s.Messages()
	if msgs == nil {
		msgs = []Message{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": msgs})
}
