package salesforce

import (
	"sort"
	"time"
)

// DefaultCommitDelay is how long after its transaction starts a write becomes visible to SOQL.
//
// Salesforce stamps SystemModstamp and LastModifiedDate when a transaction starts and commits it later
// (triggers, flows, other rows of a bulk load), at whole-second precision. A query run in between does
// not see the row; a query run after sees it with a stamp older than rows it already returned. A poller
// asking for "SystemModstamp > cursor" with no overlap behind its cursor misses such a row for good.
// The fake answers every write at once but keeps the row out of SOQL results for the commit delay,
// stamped with the transaction's start.
const DefaultCommitDelay = 2 * time.Second

// pendingWrite is a row written by a transaction SOQL does not see committed yet: until then queries
// see prev, the row as it was (nil: absent).
type pendingWrite struct {
	object string
	id     string
	prev   record
	until  time.Time
	seq    uint64
}

// track notes a write of object/id whose previous state was prev, when a commit delay is in force, and
// returns its sequence number (0: not queued), by which a rollback takes it back.
func (st *store) track(object, id string, prev record) uint64 {
	if st.visibleAt.IsZero() {
		return 0
	}
	st.seq++
	st.pending = append(st.pending, pendingWrite{object: object, id: id, prev: prev, until: st.visibleAt, seq: st.seq})
	return st.seq
}

// untrack forgets a queued write that was rolled back.
func (st *store) untrack(seq uint64) {
	if seq == 0 {
		return
	}
	for i, p := range st.pending {
		if p.seq == seq {
			st.pending = append(st.pending[:i], st.pending[i+1:]...)
			return
		}
	}
}

// committedRows returns an object's rows as SOQL sees them at now, in id order: rows whose writes are
// still uncommitted show as they were before those writes, and rows deleted by one still show.
func (st *store) committedRows(object string, now time.Time) []record {
	kept := st.pending[:0]
	for _, p := range st.pending {
		if p.until.After(now) {
			kept = append(kept, p)
		}
	}
	st.pending = kept
	first := map[string]*pendingWrite{}
	for i := range st.pending {
		p := &st.pending[i]
		own := !st.visibleAt.IsZero() && p.seq > st.ownFrom
		if p.object == object && !own && first[p.id] == nil {
			first[p.id] = p
		}
	}
	if len(first) == 0 {
		return st.sorted(object)
	}
	var out []record
	for id, r := range st.rows[object] {
		if p, ok := first[id]; ok {
			r = p.prev
		}
		if r != nil {
			out = append(out, r)
		}
	}
	for id, p := range first {
		if _, live := st.rows[object][id]; !live && p.prev != nil {
			out = append(out, p.prev)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].str("Id") < out[j].str("Id") })
	return out
}

// SetCommitDelay changes how long API writes stay invisible to SOQL (zero or negative: they are visible
// at once, which real Salesforce does not promise). Writes already made keep their delay.
func (s *Server) SetCommitDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commitDelay = d
}

// CommitDelay is the delay in force.
func (s *Server) CommitDelay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commitDelay
}

// CommitAll makes every pending write visible to SOQL now.
func (s *Server) CommitAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.pending = nil
}
