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

// Fault makes matching requests fail or slow down. A zero Status with Latency only delays.
type Fault struct {
	// Endpoint matches Endpoint.Name exactly; empty matches every API request.
	Endpoint string `json:"endpoint,omitempty"`
	// Status is the HTTP status to answer with; 0 lets the request through after Latency.
	Status int `json:"status,omitempty"`
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
}

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
	rng    *rand.Rand
}

// NewAdmin returns an Admin with empty counters and no faults.
func NewAdmin() *Admin {
	return &Admin{calls: map[string]CallCount{}, rng: rand.New(rand.NewPCG(1, 2))}
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
		if f.Endpoint != "" && f.Endpoint != ep.Name {
			continue
		}
		if f.Rate > 0 && f.Rate < 1 && a.rng.Float64() >= f.Rate {
			continue
		}
		hit := *f
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

// AddFault installs a fault; faults are matched in the order they were added.
func (a *Admin) AddFault(f Fault) {
	a.mu.Lock()
	defer a.mu.Unlock()
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
		if f.Status == 0 {
			next.ServeHTTP(w, r)
			return
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
	})
}

// Mount serves the admin surface under /__admin/ on mux:
//
//	GET    /__admin/calls        counters
//	DELETE /__admin/calls        reset counters
//	POST   /__admin/faults       add a Fault (JSON)
//	DELETE /__admin/faults       clear faults
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
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
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
