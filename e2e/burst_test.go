//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/cosellsync/cosell/api"
)

// burst is a few dozen co-sold deals that reps on both sides edit and annotate while a test disrupts
// the worker or Temporal. It remembers what each side wrote last and every note added, so that
// afterwards it can tell whether every deal converged with nothing lost and nothing doubled.
type burst struct {
	s      *stack
	name   string
	opps   []string // Salesforce opportunity per deal
	mirror []string // HubSpot mirror per deal
	ids    []string // co-sell id per deal
	edited []map[string]*burstEdit
	notes  []burstNote
}

// burstEdit is what the reps did to one field of one deal.
type burstEdit struct {
	sides map[string]bool
	last  int // index into the field's values
	side  string
}

// burstNote is a shared (#partner) note added on one side of a deal.
type burstNote struct {
	deal int
	side string // "a" Salesforce, "b" HubSpot
	body string
}

// burstEvent is a disruption at a point of the burst.
type burstEvent struct {
	at time.Duration
	do func()
}

// newBurst creates n flagged opportunities in Salesforce, each with a shared kickoff note, before any
// worker runs, so the first sync is itself a burst of n deals.
func newBurst(s *stack, name string, n int) *burst {
	s.t.Helper()
	b := &burst{s: s, name: name, opps: make([]string, n), mirror: make([]string, n), ids: make([]string, n), edited: make([]map[string]*burstEdit, n)}
	jane := s.sfUser.userID("jane.doe@acme.example")
	for i := range b.opps {
		fields := map[string]any{
			"Name": fmt.Sprintf("%s %02d", name, i), "OwnerId": jane, "CoSell_Enabled__c": true,
		}
		for _, f := range chaosFields {
			fields[f.sf] = f.sfValues[0] // every field starts at a value the convergence check can read
		}
		b.opps[i] = s.sfUser.create("Opportunity", fields)
		b.edited[i] = map[string]*burstEdit{}
		body := fmt.Sprintf("#partner %s kickoff %02d", name, i)
		s.sfUser.create("Task", map[string]any{"WhatId": b.opps[i], "Subject": "Kickoff", "Description": body})
		b.notes = append(b.notes, burstNote{deal: i, side: "a", body: body})
	}
	return b
}

// waitMirrored waits until every deal has its HubSpot mirror and records the mirrors' ids.
func (b *burst) waitMirrored(within time.Duration) {
	b.s.t.Helper()
	eventually(b.s.t, within, func() bool { return b.s.countMirrors() == len(b.opps) }, "every %s deal mirrored", b.name)
	for i, opp := range b.opps {
		id, _ := b.s.sfUser.get("Opportunity", opp)["CoSell_Id__c"].(string)
		ms := b.s.hsDealsByCoSellID(id)
		require.Len(b.s.t, ms, 1)
		b.ids[i], b.mirror[i] = id, ms[0].ID
	}
}

// run edits random fields of random deals from both sides for d, every seventh step adding a shared note
// instead, and runs each event once its time has come (synchronously: the reps wait while it runs).
func (b *burst) run(d time.Duration, seed uint64, events ...burstEvent) {
	s := b.s
	rng := rand.New(rand.NewPCG(seed, 11))
	start := time.Now()
	for step := 0; time.Since(start) < d; step++ {
		for len(events) > 0 && time.Since(start) >= events[0].at {
			s.t.Logf("%s at %s", b.name, time.Since(start).Round(time.Second))
			events[0].do()
			events = events[1:]
		}
		i := rng.IntN(len(b.opps))
		side := "a"
		if rng.IntN(2) == 1 {
			side = "b"
		}
		if step%7 == 6 {
			body := fmt.Sprintf("#partner %s note %d from %s", b.name, step, side)
			if side == "a" {
				s.sfUser.create("Task", map[string]any{"WhatId": b.opps[i], "Subject": "Update", "Description": body})
			} else {
				s.hsUser.createNote(b.mirror[i], body)
			}
			b.notes = append(b.notes, burstNote{deal: i, side: side, body: body})
		} else {
			f, v := chaosFields[rng.IntN(len(chaosFields))], rng.IntN(4)
			var code int
			var resp []byte
			if side == "a" {
				code, resp = s.sfUser.do(http.MethodPatch, "/sobjects/Opportunity/"+b.opps[i], map[string]any{f.sf: f.sfValues[v]})
			} else {
				code, resp = s.hsUser.do(http.MethodPatch, "/crm/v3/objects/deals/"+b.mirror[i], map[string]any{"properties": map[string]any{f.hs: f.hsValues[v]}})
			}
			require.Equal(s.t, 2, code/100, "a rep's save: %s", resp)
			e := b.edited[i][f.name]
			if e == nil {
				e = &burstEdit{sides: map[string]bool{}}
				b.edited[i][f.name] = e
			}
			e.sides[side], e.last, e.side = true, v, side
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, e := range events {
		s.t.Logf("%s after the edits", b.name)
		e.do()
	}
	s.t.Logf("%s: edits done after %s, %d notes", b.name, time.Since(start).Round(time.Second), len(b.notes))
}

// canonical reads a field of a deal on a side as the index of its value, -1 when it is none of them.
func (b *burst) canonical(f chaosField, side string, i int) int {
	return canonicalValue(b.s, f, side, b.opps[i], b.mirror[i])
}

// canonicalValue reads a field on side a (the opportunity) or b (its HubSpot mirror) as the index of its
// value among the field's values, -1 when it is none of them.
func canonicalValue(s *stack, f chaosField, side, opp, mirror string) int {
	if side == "a" {
		r, _ := s.sf.Get(opp)
		for k, v := range f.sfValues {
			if fmt.Sprint(r[f.sf]) == fmt.Sprint(v) {
				return k
			}
		}
		return -1
	}
	d, _ := s.hs.Deal(mirror)
	got := fmt.Sprint(d.Properties[f.hs])
	if f.name == "close_date" {
		got = hsDate(got)
	}
	for k, v := range f.hsValues {
		if got == v {
			return k
		}
	}
	return -1
}

// noteCounts counts the copies of a note's body on each side of its deal.
func (b *burst) noteCounts(n burstNote) (sf, hs int) {
	for _, task := range b.s.sfTasks(b.opps[n.deal]) {
		if d, _ := task["Description"].(string); strings.Contains(d, n.body) {
			sf++
		}
	}
	for _, body := range b.s.hsNotes(b.mirror[n.deal]) {
		if strings.Contains(body, n.body) {
			hs++
		}
	}
	return sf, hs
}

// converged says whether every deal agrees on both sides, every field edited on one side only holds
// that side's last value, and every note is on both sides; otherwise it says what is still off.
func (b *burst) converged() (bool, string) {
	for i := range b.opps {
		for _, f := range chaosFields {
			x, y := b.canonical(f, "a", i), b.canonical(f, "b", i)
			if x != y || x < 0 {
				return false, fmt.Sprintf("deal %d %s: a=%d b=%d", i, f.name, x, y)
			}
			if e := b.edited[i][f.name]; e != nil && len(e.sides) == 1 && x != e.last {
				return false, fmt.Sprintf("deal %d %s edited on %s only: holds %d, want %d", i, f.name, e.side, x, e.last)
			}
		}
	}
	for _, n := range b.notes {
		if sf, hs := b.noteCounts(n); sf == 0 || hs == 0 {
			return false, fmt.Sprintf("note %q of deal %d: %d in Salesforce, %d in HubSpot", n.body, n.deal, sf, hs)
		}
	}
	return true, ""
}

// waitConverged waits for converged, then checks nothing is doubled: one mirror per deal and no stray
// record on either side, every note exactly once on each side, and two quiet poll rounds that write
// nothing more.
func (b *burst) waitConverged(within time.Duration) {
	s := b.s
	s.t.Helper()
	start := time.Now()
	var last string
	eventually(s.t, within, func() bool {
		ok, why := b.converged()
		last = why
		return ok
	}, "every %s deal converges; still: %v", b.name, func() any { return last })
	s.t.Logf("%s converged %s after the edits", b.name, time.Since(start).Round(time.Second))

	for i, id := range b.ids {
		assert.Len(s.t, s.hsDealsByCoSellID(id), 1, "exactly one mirror for deal %d", i)
	}
	assert.Equal(s.t, len(b.opps), s.countMirrors(), "no stray mirror in HubSpot")
	assert.Len(s.t, s.sfUser.query("SELECT Id FROM Opportunity WHERE Name LIKE '"+b.name+"%'"), len(b.opps), "no stray opportunity in Salesforce")
	for _, n := range b.notes {
		sf, hs := b.noteCounts(n)
		assert.Equal(s.t, 1, sf, "note %q exactly once in Salesforce", n.body)
		assert.Equal(s.t, 1, hs, "note %q exactly once in HubSpot", n.body)
	}
	s.waitFeedPolls(2, 60*time.Second) // the last writes' echoes come back through the feeds
	sfWrites, hsWrites := writes(s.sf.Admin()), writes(s.hs.Admin())
	s.waitFeedPolls(2, 60*time.Second)
	assert.Equal(s.t, sfWrites, writes(s.sf.Admin()), "no write to Salesforce once converged")
	assert.Equal(s.t, hsWrites, writes(s.hs.Admin()), "no write to HubSpot once converged")
}

// activityWorkers counts, per worker identity, the activity tasks started in the burst's deal workflows
// (their current runs).
func (b *burst) activityWorkers() map[string]int {
	s := b.s
	s.t.Helper()
	out := map[string]int{}
	for _, id := range b.ids {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		it := s.temporal.GetWorkflowHistory(ctx, api.DealWorkflowID(id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			require.NoError(s.t, err)
			if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
				out[a.GetIdentity()]++
			}
		}
		cancel()
	}
	return out
}
