// Package feedtest holds faults and bursts for tests of the change feed: a connector that dies in the
// middle of a poll, a delivery sink that fails now and then and counts what got through, a mass update
// of flagged deals, and running deals with their record directory. It has no test framework imports, so activity and workflow tests share it.
package feedtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/vocab"
)

// FlakyCRM is a connector that dies in the middle of a poll: every CrashEvery-th change read panics, as
// a worker lost mid-poll or an activity past its timeout would end, without returning.
type FlakyCRM struct {
	connectors.CRM
	CrashEvery int

	mu    sync.Mutex
	reads int
}

// ChangedDeals implements connectors.CRM.
func (c *FlakyCRM) ChangedDeals(ctx context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	c.mu.Lock()
	c.reads++
	crash := c.CrashEvery > 0 && c.reads%c.CrashEvery == 0
	c.mu.Unlock()
	if crash {
		panic(fmt.Sprintf("worker lost during change read %d", c.reads))
	}
	return c.CRM.ChangedDeals(ctx, after, limit)
}

// FlakySink fails every FailEvery-th delivery, as a signal that times out would, and counts each
// delivery that went through by record id.
type FlakySink struct {
	FailEvery int

	mu       sync.Mutex
	attempts int
	got      map[string]int
}

// Deliver is an Activities.Sink.
func (s *FlakySink) Deliver(_ context.Context, _, _ string, ev api.ChangeEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if s.FailEvery > 0 && s.attempts%s.FailEvery == 0 {
		return errors.New("signal: context deadline exceeded")
	}
	if s.got == nil {
		s.got = map[string]int{}
	}
	s.got[ev.RecordID]++
	return nil
}

// Counts returns how often each record was delivered.
func (s *FlakySink) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.got))
	for k, v := range s.got {
		out[k] = v
	}
	return out
}

// Burst flags n deals owned by ownerID in c, as a mass update or a first poll over a backlog sees them.
// tick is called before every third write and should move c's clock on (a couple of milliseconds), so
// pages cut through runs of deals that share a modification stamp. It returns the ids in order.
func Burst(c *memory.CRM, n int, ownerID string, tick func()) []string {
	ids := make([]string, 0, n)
	for i := range n {
		if i%3 == 0 {
			tick()
		}
		ids = append(ids, c.Put("", map[string]any{"Name": fmt.Sprintf("Mass %04d", i), "StageName": "Qualification",
			"OwnerId": ownerID, "CoSell_Enabled__c": true}))
	}
	return ids
}

// Deals stands in for the running deal workflows and their record directory (activities.Deals): the
// deals a test links to records, and those a delivery starts, which link the record they were started
// for as DealWorkflow publishes it. It records every delivery and counts directory look-ups.
type Deals struct {
	// FailLookups makes the directory unreachable.
	FailLookups bool

	mu      sync.Mutex
	running map[string]bool
	pairing map[string]string   // co-sell id → pairing id
	links   map[string][]string // api.RecordKey → co-sell ids
	got     []Delivery
	lookups int
	// describes counts PairingOf calls.
	describes int
}

// Delivery is one change event that reached a deal.
type Delivery struct {
	CoSellID string
	// Started is set when the delivery started the deal.
	Started bool
	Event   api.ChangeEvent
}

// Link runs the deal coSellID (if it does not run yet) and links the record to it in the directory.
func (d *Deals) Link(pairingID, coSellID string, side vocab.Side, recordID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.link(pairingID, coSellID, side, recordID)
}

func (d *Deals) link(pairingID, coSellID string, side vocab.Side, recordID string) {
	if d.running == nil {
		d.running, d.links, d.pairing = map[string]bool{}, map[string][]string{}, map[string]string{}
	}
	d.running[coSellID] = true
	d.pairing[coSellID] = pairingID
	k := api.RecordKey(pairingID, side, recordID)
	if !slices.Contains(d.links[k], coSellID) {
		d.links[k] = append(d.links[k], coSellID)
	}
}

// Stop closes the deal coSellID; the directory lists running deals only.
func (d *Deals) Stop(coSellID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.running, coSellID)
}

// Deliver implements activities.Deals.
func (d *Deals) Deliver(_ context.Context, pairingID, coSellID string, ev api.ChangeEvent) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	started := !d.running[coSellID]
	d.link(pairingID, coSellID, ev.Side, ev.RecordID)
	d.got = append(d.got, Delivery{CoSellID: coSellID, Started: started, Event: ev})
	return nil
}

// Signal implements activities.Deals.
func (d *Deals) Signal(_ context.Context, _, coSellID string, ev api.ChangeEvent) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.running[coSellID] {
		return false, nil
	}
	d.got = append(d.got, Delivery{CoSellID: coSellID, Event: ev})
	return true, nil
}

// Owners implements activities.Deals.
func (d *Deals) Owners(_ context.Context, keys []string) ([]api.DirectoryEntry, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lookups++
	if d.FailLookups {
		return nil, errors.New("list workflow executions: visibility unavailable")
	}
	var out []api.DirectoryEntry
	for _, k := range keys {
		for _, id := range d.links[k] {
			if d.running[id] {
				out = append(out, api.DirectoryEntry{Key: k, CoSellID: id})
			}
		}
	}
	slices.SortFunc(out, func(x, y api.DirectoryEntry) int { return strings.Compare(x.CoSellID, y.CoSellID) })
	return out, nil
}

// PairingOf implements activities.Deals.
func (d *Deals) PairingOf(_ context.Context, coSellID string) (string, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.describes++
	return d.pairing[coSellID], d.running[coSellID], nil
}

// Deliveries returns the deliveries so far and forgets them.
func (d *Deals) Deliveries() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.got
	d.got = nil
	return out
}

// Running returns the co-sell ids of the running deals, sorted.
func (d *Deals) Running() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for id := range d.running {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Describes counts the looks at a deal's pairing so far.
func (d *Deals) Describes() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.describes
}

// Lookups counts the directory queries so far.
func (d *Deals) Lookups() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lookups
}

// Started counts the deliveries that started the deal coSellID (a backfill must start each deal once).
func (d *Deals) Started(coSellID string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, g := range d.got {
		if g.CoSellID == coSellID && g.Started {
			n++
		}
	}
	return n
}

// Events returns the change events that reached the deal coSellID so far, in order, keeping them.
func (d *Deals) Events(coSellID string) []api.ChangeEvent {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []api.ChangeEvent
	for _, g := range d.got {
		if g.CoSellID == coSellID {
			out = append(out, g.Event)
		}
	}
	return out
}
