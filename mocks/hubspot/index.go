package hubspot

import (
	"maps"
	"time"
)

// DefaultSearchIndexLag is how long after a write the fake's search endpoints show it. HubSpot's search
// index is eventually consistent: a record created or updated a moment ago is readable by id at once but
// is found by search only a few seconds later (HubSpot documents no bound).
const DefaultSearchIndexLag = 3 * time.Second

// searchIndex is what the search endpoints see: per object type, the version of each record as it was
// when last indexed, and the writes still on their way into the index, oldest first. Reads by id (GET,
// batch read, list) use the live records instead, so they see every write at once as in HubSpot.
type searchIndex struct {
	lag     time.Duration
	visible map[*objectType]map[string]*object
	pending []indexEntry
}

// indexEntry is one write on its way into the index: the record as written (nil once it no longer
// exists), searchable from at.
type indexEntry struct {
	t    *objectType
	id   string
	snap *object
	at   time.Time
}

func newSearchIndex(lag time.Duration) *searchIndex {
	visible := map[*objectType]map[string]*object{}
	for _, t := range objectTypes {
		visible[t] = map[string]*object{}
	}
	return &searchIndex{lag: lag, visible: visible}
}

func snapshotOf(o *object) *object {
	if o == nil {
		return nil
	}
	cp := *o
	cp.props = maps.Clone(o.props)
	return &cp
}

// put makes the record with id look like o (nil: absent) to search from at on.
func (ix *searchIndex) put(t *objectType, id string, o *object, at time.Time) {
	ix.pending = append(ix.pending, indexEntry{t: t, id: id, snap: snapshotOf(o), at: at})
}

// set makes the record look like o to search at once, dropping writes of it still pending.
func (ix *searchIndex) set(t *objectType, id string, o *object) {
	kept := ix.pending[:0]
	for _, e := range ix.pending {
		if e.t != t || e.id != id {
			kept = append(kept, e)
		}
	}
	ix.pending = kept
	if o == nil {
		delete(ix.visible[t], id)
		return
	}
	ix.visible[t][id] = snapshotOf(o)
}

// records returns what search sees of type t at now, first moving every write due by now into the index.
func (ix *searchIndex) records(t *objectType, now time.Time) map[string]*object {
	kept := ix.pending[:0]
	for _, e := range ix.pending {
		if e.at.After(now) {
			kept = append(kept, e)
			continue
		}
		if e.snap == nil {
			delete(ix.visible[e.t], e.id)
		} else {
			ix.visible[e.t][e.id] = e.snap
		}
	}
	ix.pending = kept
	return ix.visible[t]
}

// flush makes every pending write searchable now.
func (ix *searchIndex) flush() {
	for _, e := range ix.pending {
		if e.snap == nil {
			delete(ix.visible[e.t], e.id)
		} else {
			ix.visible[e.t][e.id] = e.snap
		}
	}
	ix.pending = nil
}

// reindex queues the record's current state for the search index, searchable after the index lag. Every
// write calls it. The caller holds s.mu.
func (s *Server) reindex(t *objectType, id string, o *object) {
	if s.index.lag <= 0 {
		s.index.set(t, id, o)
		return
	}
	s.index.put(t, id, o, s.opts.Now().Add(s.index.lag))
}

// SetSearchIndexLag changes how long writes take to reach search (negative or zero: at once, which real
// HubSpot never does). Writes already queued keep the time they were given.
func (s *Server) SetSearchIndexLag(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index.lag = d
}

// SearchIndexLag is the lag in force.
func (s *Server) SearchIndexLag() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.index.lag
}

// FlushSearchIndex makes every write searchable now, as if the lag had passed.
func (s *Server) FlushSearchIndex() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index.flush()
}
