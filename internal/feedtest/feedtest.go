// Package feedtest holds faults and bursts for tests of the change feed: a connector that dies in the
// middle of a poll, a delivery sink that fails now and then and counts what got through, and a mass
// update of flagged deals. It has no test framework imports, so activity and workflow tests share it.
package feedtest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
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
