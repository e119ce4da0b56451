package mockkit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// WebhookKnobs configure the change notifications a fake CRM sends, and the faults of their delivery.
// The zero value sends nothing. Real CRMs deliver late, twice, out of order and sometimes never (HubSpot
// gives up after its retries, an Outbound Message is dropped after 24 h); the knobs make each of those
// happen on purpose, reproducibly with Seed.
type WebhookKnobs struct {
	// URL is where notifications go; empty turns them off.
	URL string `json:"url"`
	// Secret signs them (HubSpot: the app's client secret; Salesforce: the callout secret).
	Secret string `json:"secret,omitempty"`
	// Mode picks the CRM's kind of notification where it has several (Salesforce: "outbound", the
	// default, or "callout").
	Mode string `json:"mode,omitempty"`
	// BatchMS is how long changes gather into one request (default 50 ms); a request holds at most
	// the CRM's own maximum (100), more wait for the next.
	BatchMS int `json:"batchMs,omitempty"`
	// DelayMS holds every request back this long before its first attempt.
	DelayMS int `json:"delayMs,omitempty"`
	// Duplicate is the share of requests sent twice, the copy a little later.
	Duplicate float64 `json:"duplicate,omitempty"`
	// Reorder is the share of requests held back a random time up to ReorderMS (default 1000 ms), so
	// later requests overtake them; their events are shuffled too.
	Reorder   float64 `json:"reorder,omitempty"`
	ReorderMS int     `json:"reorderMs,omitempty"`
	// Loss is the share of requests never sent.
	Loss float64 `json:"loss,omitempty"`
	// Attempts is how often a request is tried when it is not acknowledged (a non-2xx answer, no answer,
	// or for Salesforce no Ack), with a backoff from 100 ms doubling to 2 s; default 5.
	Attempts int `json:"attempts,omitempty"`
	// Seed seeds the draws of Duplicate, Reorder and Loss; 0 picks 1.
	Seed uint64 `json:"seed,omitempty"`
}

func (k WebhookKnobs) validate() error {
	for name, share := range map[string]float64{"duplicate": k.Duplicate, "reorder": k.Reorder, "loss": k.Loss} {
		if share < 0 || share > 1 {
			return fmt.Errorf("%s %v: want a share from 0 to 1", name, share)
		}
	}
	if k.BatchMS < 0 || k.DelayMS < 0 || k.ReorderMS < 0 || k.Attempts < 0 {
		return fmt.Errorf("batchMs, delayMs, reorderMs and attempts must not be negative")
	}
	return nil
}

// WebhookStats count what a fake sent, served at GET /__admin/webhooks with the knobs.
type WebhookStats struct {
	// Events is the changes notified; Requests the requests they were batched into.
	Events   int `json:"events"`
	Requests int `json:"requests"`
	// Sent counts HTTP attempts (retries and duplicates included), Acked those acknowledged, Failed the
	// others.
	Sent   int `json:"sent"`
	Acked  int `json:"acked"`
	Failed int `json:"failed"`
	// Lost, Duplicated and Reordered count requests the knobs dropped, doubled and held back; GaveUp
	// those that failed every attempt.
	Lost       int    `json:"lost"`
	Duplicated int    `json:"duplicated"`
	Reordered  int    `json:"reordered"`
	GaveUp     int    `json:"gaveUp"`
	LastStatus int    `json:"lastStatus,omitempty"`
	LastError  string `json:"lastError,omitempty"`
}

// WebhookFormat renders one CRM's notifications: the request for a batch of events at an attempt
// (numbered from 0), and whether an answer acknowledges it.
type WebhookFormat[E any] struct {
	// MaxBatch is the most events one request carries.
	MaxBatch int
	Request  func(k WebhookKnobs, events []E, attempt int) (*http.Request, error)
	// Acked reads a 2xx answer under the knobs it was sent with; nil takes any 2xx.
	Acked func(k WebhookKnobs, status int, body []byte) bool
}

// Webhooks sends a fake CRM's change notifications in the background. It is safe for concurrent use;
// Notify never blocks, so a fake may call it while holding its own lock.
type Webhooks[E any] struct {
	format WebhookFormat[E]
	client *http.Client

	mu       sync.Mutex
	knobs    WebhookKnobs
	rng      *rand.Rand
	queue    []E
	flushing bool
	busy     int // requests in flight or waiting to leave
	idle     *sync.Cond
	stats    WebhookStats
	ctx      context.Context
	cancel   context.CancelFunc
}

// NewWebhooks returns a sender with the given knobs (the zero value sends nothing).
func NewWebhooks[E any](format WebhookFormat[E], knobs WebhookKnobs) *Webhooks[E] {
	ctx, cancel := context.WithCancel(context.Background())
	w := &Webhooks[E]{format: format, client: &http.Client{Timeout: 10 * time.Second}, ctx: ctx, cancel: cancel}
	w.idle = sync.NewCond(&w.mu)
	w.setKnobs(knobs)
	return w
}

// Configure replaces the knobs; a refused set (a share outside 0–1) changes nothing.
func (w *Webhooks[E]) Configure(k WebhookKnobs) error {
	if err := k.validate(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.setKnobs(k)
	return nil
}

func (w *Webhooks[E]) setKnobs(k WebhookKnobs) {
	w.knobs = k
	seed := k.Seed
	if seed == 0 {
		seed = 1
	}
	w.rng = rand.New(rand.NewPCG(seed, 0x776562686f6f6b)) // "webhook"
}

// Knobs returns the knobs in force.
func (w *Webhooks[E]) Knobs() WebhookKnobs {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.knobs
}

// Stats returns the counters.
func (w *Webhooks[E]) Stats() WebhookStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Notify queues changes; they leave in batches after BatchMS. Nothing is queued while URL is empty.
func (w *Webhooks[E]) Notify(events ...E) {
	if len(events) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.knobs.URL == "" || w.ctx.Err() != nil {
		return
	}
	w.stats.Events += len(events)
	w.queue = append(w.queue, events...)
	if !w.flushing {
		w.flushing = true
		w.busy++
		gather := time.Duration(w.knobs.BatchMS) * time.Millisecond
		if w.knobs.BatchMS == 0 {
			gather = 50 * time.Millisecond
		}
		time.AfterFunc(gather, w.flush)
	}
}

// flush cuts the queue into requests and starts each on its way.
func (w *Webhooks[E]) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.done()
	w.flushing = false
	k := w.knobs
	for len(w.queue) > 0 {
		n := min(len(w.queue), max(w.format.MaxBatch, 1))
		batch := append([]E(nil), w.queue[:n]...)
		w.queue = w.queue[n:]
		w.stats.Requests++
		if k.Loss > 0 && w.rng.Float64() < k.Loss {
			w.stats.Lost++
			continue
		}
		delay := time.Duration(k.DelayMS) * time.Millisecond
		if k.Reorder > 0 && w.rng.Float64() < k.Reorder {
			w.stats.Reordered++
			window := k.ReorderMS
			if window == 0 {
				window = 1000
			}
			delay += time.Duration(w.rng.IntN(window)+1) * time.Millisecond
			w.rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		}
		w.start(k, batch, delay)
		if k.Duplicate > 0 && w.rng.Float64() < k.Duplicate {
			w.stats.Duplicated++
			w.start(k, batch, delay+time.Duration(w.rng.IntN(200)+10)*time.Millisecond)
		}
	}
	w.queue = nil
}

// start sends one request in the background. The caller holds w.mu.
func (w *Webhooks[E]) start(k WebhookKnobs, batch []E, delay time.Duration) {
	w.busy++
	go func() {
		defer func() {
			w.mu.Lock()
			w.done()
			w.mu.Unlock()
		}()
		w.send(k, batch, delay)
	}()
}

// done marks one piece of work finished. The caller holds w.mu.
func (w *Webhooks[E]) done() {
	w.busy--
	if w.busy == 0 {
		w.idle.Broadcast()
	}
}

func (w *Webhooks[E]) send(k WebhookKnobs, batch []E, delay time.Duration) {
	if !w.sleep(delay) {
		return
	}
	attempts := k.Attempts
	if attempts == 0 {
		attempts = 5
	}
	backoff := 100 * time.Millisecond
	for attempt := range attempts {
		status, body, err := w.attempt(k, batch, attempt)
		acked := err == nil && status/100 == 2
		if acked && w.format.Acked != nil {
			acked = w.format.Acked(k, status, body)
		}
		w.mu.Lock()
		w.stats.Sent++
		w.stats.LastStatus = status
		if acked {
			w.stats.Acked++
		} else {
			w.stats.Failed++
			if err != nil {
				w.stats.LastError = err.Error()
			} else {
				w.stats.LastError = fmt.Sprintf("%d: %.200s", status, body)
			}
		}
		w.mu.Unlock()
		if acked || !w.sleep(backoff) {
			return
		}
		backoff = min(2*backoff, 2*time.Second)
	}
	w.mu.Lock()
	w.stats.GaveUp++
	w.mu.Unlock()
}

func (w *Webhooks[E]) attempt(k WebhookKnobs, batch []E, attempt int) (int, []byte, error) {
	req, err := w.format.Request(k, batch, attempt)
	if err != nil {
		return 0, nil, err
	}
	resp, err := w.client.Do(req.WithContext(w.ctx))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, body, nil
}

// sleep waits d unless the sender is closed; it reports whether to go on.
func (w *Webhooks[E]) sleep(d time.Duration) bool {
	if d <= 0 {
		return w.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// Wait blocks until nothing is queued or in flight, or timeout passes; it reports whether all went.
func (w *Webhooks[E]) Wait(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	stop := time.AfterFunc(timeout, func() {
		w.mu.Lock()
		w.idle.Broadcast()
		w.mu.Unlock()
	})
	defer stop.Stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.busy > 0 && time.Now().Before(deadline) {
		w.idle.Wait()
	}
	return w.busy == 0
}

// Close stops sending: queued changes are dropped and requests in flight abandoned.
func (w *Webhooks[E]) Close() {
	w.cancel()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.queue = nil
}

// WebhookAdmin is the part of a sender the admin surface needs.
type WebhookAdmin interface {
	Knobs() WebhookKnobs
	Configure(WebhookKnobs) error
	Stats() WebhookStats
}

// MountWebhooks serves a sender's knobs and counters:
//
//	GET  /__admin/webhooks   {"knobs": {...}, "stats": {...}} (the secret shown as "set")
//	POST /__admin/webhooks   replace the knobs: {"url": ..., "delayMs": n, "duplicate": 0.5, ...}; a body
//	                         without "secret" keeps the secret in force
func MountWebhooks(mux *http.ServeMux, w WebhookAdmin) {
	get := func(rw http.ResponseWriter) {
		k := w.Knobs()
		if k.Secret != "" {
			k.Secret = "set"
		}
		writeJSON(rw, http.StatusOK, map[string]any{"knobs": k, "stats": w.Stats()})
	}
	mux.HandleFunc("GET /__admin/webhooks", func(rw http.ResponseWriter, _ *http.Request) { get(rw) })
	mux.HandleFunc("POST /__admin/webhooks", func(rw http.ResponseWriter, r *http.Request) {
		var k WebhookKnobs
		err := json.NewDecoder(r.Body).Decode(&k)
		if k.Secret == "" {
			k.Secret = w.Knobs().Secret
		}
		if err == nil {
			err = w.Configure(k)
		}
		if err != nil {
			writeJSON(rw, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("webhooks: %v", err)})
			return
		}
		get(rw)
	})
}
