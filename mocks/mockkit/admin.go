// Package mockkit holds what the fake CRMs share and the real CRMs do not have: the admin surface that
// tests, the demo and benchmarks use to count calls, inject faults and seed data. Everything a client of
// the real API sees (paths, shapes, codes, headers) stays in each fake's own package.
package mockkit

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Endpoint names one API operation for counting and fault matching, e.g. "PATCH sobjects/Opportunity/ext".
type Endpoint struct {
	Name  string `json:"name"`
	Write bool   `json:"write"`
}

// Fault kinds: how a faulted request fails.
const (
	// KindStatus answers Fault.Status (the default when Status is set).
	KindStatus = "status"
	// KindHang holds the response until the client gives up (its deadline passes and it closes the
	// connection) or HangMS passes, then drops the connection without an answer.
	KindHang = "hang"
	// KindDrop closes the connection at once without an answer, as a load balancer resetting it does.
	KindDrop = "drop"
)

// Fault makes matching requests fail or slow down. A zero Status with Latency only delays.
//
// A fault fails a request either before the CRM applies it (nothing happened) or after (the write was
// committed, then the answer was lost): After is the share of hits failed after applying. That second
// case is what real CRMs do under load and what makes a retried non-idempotent write duplicate a record.
//
// With Rate and Seed a fault is a reproducible random-fault ("chaos") mode: for example
// {"rate": 0.2, "after": 0.5, "status": 503, "seed": 7, "writesOnly": true} fails one write in five, half
// of them after applying, and the same seed draws the same hits for the same sequence of requests.
type Fault struct {
	// Endpoint matches Endpoint.Name exactly; empty matches every API request.
	Endpoint string `json:"endpoint,omitempty"`
	// WritesOnly restricts the fault to requests that write (Endpoint.Write).
	WritesOnly bool `json:"writesOnly,omitempty"`
	// Status is the HTTP status to answer with; 0 lets the request through after Latency, unless Kind
	// is hang or drop.
	Status int `json:"status,omitempty"`
	// Kind is KindStatus (default), KindHang or KindDrop.
	Kind string `json:"kind,omitempty"`
	// After is the share of hits that fail after the request was applied, 0 <= After <= 1: 0 fails
	// every hit before it reaches the CRM, 1 every hit after, 0.5 half of each.
	After float64 `json:"after,omitempty"`
	// HangMS bounds a hang: the connection is dropped after this long if the client is still waiting.
	// Default 60000 (past any sane client deadline).
	HangMS int `json:"hangMs,omitempty"`
	// Seed seeds this fault's random draws (Rate and After), so a run is reproducible; 0 uses a seed
	// fixed by the order faults were added in.
	Seed uint64 `json:"seed,omitempty"`
	// Body replaces the CRM-shaped default error body when set.
	Body json.RawMessage `json:"body,omitempty"`
	// Headers are added to the faulted response (Retry-After, for example).
	Headers map[string]string `json:"headers,omitempty"`
	// Rate is the share of matching requests hit, 0 < Rate <= 1; 0 means every one.
	Rate float64 `json:"rate,omitempty"`
	// Count is how many requests the fault hits before it lifts; 0 means until cleared.
	Count int `json:"count,omitempty"`
	// LatencyMS delays matching requests.
	LatencyMS int `json:"latencyMs,omitempty"`

	rng   *rand.Rand
	after bool // set on a hit: fail it after applying the request
}

// AfterApply reports whether a hit returned by Record fails after the request was applied.
func (f Fault) AfterApply() bool { return f.after }

func (f Fault) validate() error {
	switch {
	case f.Kind != "" && f.Kind != KindStatus && f.Kind != KindHang && f.Kind != KindDrop:
		return fmt.Errorf("kind %q: want %s, %s or %s", f.Kind, KindStatus, KindHang, KindDrop)
	case f.Kind == KindStatus && f.Status == 0:
		return fmt.Errorf("kind %s needs a status", KindStatus)
	case f.After < 0 || f.After > 1:
		return fmt.Errorf("after %v: want a share from 0 to 1", f.After)
	case f.Rate < 0 || f.Rate > 1:
		return fmt.Errorf("rate %v: want a share from 0 to 1", f.Rate)
	}
	return nil
}

// fails reports whether the fault fails the request (rather than only delaying it).
func (f Fault) fails() bool { return f.Status != 0 || f.Kind == KindHang || f.Kind == KindDrop }

// CallCount is one endpoint's counter.
type CallCount struct {
	Count int  `json:"count"`
	Write bool `json:"write"`
}

// Calls is the counter snapshot served at GET /__admin/calls.
type Calls struct {
	Endpoints map[string]CallCount `json:"endpoints"`
	Total     int                  `json:"total"`
	Writes    int                  `json:"writes"`
}

// Admin counts calls and applies faults. It is safe for concurrent use.
type Admin struct {
	mu     sync.Mutex
	calls  map[string]CallCount
	faults []Fault
	added  uint64
	// latency delays every counted call, as a real CRM takes its time to answer (see SetLatency).
	latency time.Duration
}

// SetLatency makes every counted API call take at least d before the fake handles it, on top of any
// fault's LatencyMS: real CRMs answer in 100–300 ms, and batching only pays off where calls cost time.
// Zero (the default) answers at once.
func (a *Admin) SetLatency(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.latency = max(d, 0)
}

// Latency returns the per-call latency in force.
func (a *Admin) Latency() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.latency
}

// NewAdmin returns an Admin with empty counters and no faults.
func NewAdmin() *Admin {
	return &Admin{calls: map[string]CallCount{}}
}

// Record counts one call to ep and returns the fault to apply, if any.
func (a *Admin) Record(ep Endpoint) (Fault, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.calls[ep.Name]
	c.Count++
	c.Write = ep.Write
	a.calls[ep.Name] = c
	for i := range a.faults {
		f := &a.faults[i]
		if f.Endpoint != "" && f.Endpoint != ep.Name || f.WritesOnly && !ep.Write {
			continue
		}
		if f.Rate > 0 && f.Rate < 1 && f.rng.Float64() >= f.Rate {
			continue
		}
		hit := *f
		hit.after = f.After >= 1 || f.After > 0 && f.rng.Float64() < f.After
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				a.faults = append(a.faults[:i], a.faults[i+1:]...)
			}
		}
		return hit, true
	}
	return Fault{}, false
}

// Snapshot returns the counters.
func (a *Admin) Snapshot() Calls {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := Calls{Endpoints: make(map[string]CallCount, len(a.calls))}
	for k, v := range a.calls {
		out.Endpoints[k] = v
		out.Total += v.Count
		if v.Write {
			out.Writes += v.Count
		}
	}
	return out
}

// ResetCalls zeroes the counters.
func (a *Admin) ResetCalls() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = map[string]CallCount{}
}

// AddFault installs a fault; faults are matched in the order they were added. A fault Mount's
// POST /__admin/faults would refuse (see Fault) is installed as given.
func (a *Admin) AddFault(f Fault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.added++
	seed := f.Seed
	if seed == 0 {
		seed = a.added
	}
	f.rng = rand.New(rand.NewPCG(seed, 0x636f73656c6c)) // "cosell"
	a.faults = append(a.faults, f)
}

// ClearFaults removes every fault.
func (a *Admin) ClearFaults() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults = nil
}

// Middleware counts each API request under the endpoint classify names and applies faults. A request
// classify does not recognise (ok false) passes through uncounted. writeError renders a faulted request's
// error in the CRM's own shape when the fault carries no body.
func (a *Admin) Middleware(classify func(*http.Request) (Endpoint, bool), writeError func(w http.ResponseWriter, status int), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, ok := classify(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		f, hit := a.Record(ep)
		if d := a.Latency(); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if !hit {
			next.ServeHTTP(w, r)
			return
		}
		if f.LatencyMS > 0 {
			select {
			case <-time.After(time.Duration(f.LatencyMS) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		if !f.fails() {
			next.ServeHTTP(w, r)
			return
		}
		if f.after {
			// The CRM applies the request in full; only its answer is lost.
			next.ServeHTTP(&discardWriter{header: http.Header{}}, r)
		}
		fail(w, r, f, writeError)
	})
}

// fail answers a faulted request as its kind says.
func fail(w http.ResponseWriter, r *http.Request, f Fault, writeError func(w http.ResponseWriter, status int)) {
	switch f.Kind {
	case KindHang:
		hang := time.Duration(f.HangMS) * time.Millisecond
		if hang <= 0 {
			hang = time.Minute
		}
		// net/http notices the client hanging up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(hang):
		case <-r.Context().Done():
		}
		panic(http.ErrAbortHandler) // net/http closes the connection without an answer
	case KindDrop:
		panic(http.ErrAbortHandler)
	}
	for k, v := range f.Headers {
		w.Header().Set(k, v)
	}
	if len(f.Body) > 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		_, _ = w.Write(f.Body)
		return
	}
	writeError(w, f.Status)
}

// discardWriter swallows the answer of a request that a fault fails after applying it.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// Mount serves the admin surface under /__admin/ on mux:
//
//	GET    /__admin/calls        counters
//	DELETE /__admin/calls        reset counters
//	POST   /__admin/faults       add a Fault (JSON; before or after applying, 5xx, hang or drop, seeded rate)
//	DELETE /__admin/faults       clear faults
//	GET    /__admin/latency      the per-call latency, {"ms": n}
//	POST   /__admin/latency      set it: {"ms": n}
//	POST   /__admin/seed         seed data (the fake's own JSON shape, handled by seed)
//	POST   /__admin/reset        wipe data, counters and faults (handled by reset, then here)
func (a *Admin) Mount(mux *http.ServeMux, seed func(body []byte) error, reset func()) {
	mux.HandleFunc("GET /__admin/calls", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, a.Snapshot())
	})
	mux.HandleFunc("DELETE /__admin/calls", func(w http.ResponseWriter, _ *http.Request) {
		a.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /__admin/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		err := json.NewDecoder(r.Body).Decode(&f)
		if err == nil {
			err = f.validate()
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("fault: %v", err)})
			return
		}
		a.AddFault(f)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /__admin/faults", func(w http.ResponseWriter, _ *http.Request) {
		a.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__admin/latency", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int64{"ms": a.Latency().Milliseconds()})
	})
	mux.HandleFunc("POST /__admin/latency", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			MS *int64 `json:"ms"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.MS == nil || *in.MS < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `latency: want {"ms": n} with n >= 0`})
			return
		}
		a.SetLatency(time.Duration(*in.MS) * time.Millisecond)
		writeJSON(w, http.StatusOK, map[string]int64{"ms": *in.MS})
	})
	mux.HandleFunc("POST /__admin/seed", func(w http.ResponseWriter, r *http.Request) {
		body, err := readAll(r)
		if err == nil {
			err = seed(body)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /__admin/reset", func(w http.ResponseWriter, _ *http.Request) {
		reset()
		a.ResetCalls()
		a.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
}

// SortedNames returns the endpoint names of a snapshot in order, for stable printing.
func (c Calls) SortedNames() []string {
	names := make([]string, 0, len(c.Endpoints))
	for k := range c.Endpoints {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func readAll(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(r.Body)
}

// Delay is a consistency delay a fake models (HubSpot's search index lag, Salesforce's commit delay),
// tunable on a running fake.
type Delay struct {
	Get   func() time.Duration
	Set   func(time.Duration)
	Flush func() // makes every write held back by the delay visible now
}

// MountDelay serves GET and POST path for d: GET answers {"ms": n}; POST takes {"ms": n} to change the
// delay and/or {"flush": true} to make every held-back write visible now, and answers like GET.
func MountDelay(mux *http.ServeMux, path string, d Delay) {
	get := func(w http.ResponseWriter) {
		writeJSON(w, http.StatusOK, map[string]int64{"ms": d.Get().Milliseconds()})
	}
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, _ *http.Request) { get(w) })
	mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			MS    *int64 `json:"ms"`
			Flush bool   `json:"flush"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"ms": n, "flush": bool}`})
			return
		}
		if in.MS != nil {
			d.Set(time.Duration(*in.MS) * time.Millisecond)
		}
		if in.Flush {
			d.Flush()
		}
		get(w)
	})
}
