package touchpoint

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// DefaultLimit is how many touchpoints a Set keeps one by one before it compacts the oldest into
// counts: enough for every touchpoint of a typical 90-day co-sell (a weekly sync and the meetings,
// demos and e-mails around it), small enough for the deal's state (a few dozen kilobytes) to cross
// continue-as-new many times.
const DefaultLimit = 200

// rememberCompacted is how many compacted touchpoints a Set still recognizes by source record and by
// natural key (as 64-bit hashes, 8 KB at most), so that one redelivered or edited after it was
// compacted is not counted again. Beyond them only Horizon protects.
const rememberCompacted = 1024

// Outcome says what Add did with a touchpoint.
type Outcome string

// Outcomes of Add.
const (
	// Added: a touchpoint the set did not hold.
	Added Outcome = "added"
	// Updated: a newer version of a source record the set holds (a meeting rescheduled) replaced it.
	Updated Outcome = "updated"
	// Duplicate: the set holds it already — the same source record (this version or a newer one), or
	// the same partner, person, kind and minute from another source. Nothing counts twice.
	Duplicate Outcome = "duplicate"
	// TooOld: it happened at or before the compaction horizon, so it may be among the touchpoints
	// already counted; it is refused rather than risk counting one twice.
	TooOld Outcome = "too_old"
)

// Count is how many touchpoints of one kind a partner has.
type Count struct {
	Side vocab.Side `json:"side"`
	Kind Kind       `json:"kind"`
	N    int        `json:"n"`
}

// Set is the bounded, deduplicated evidence of one deal, kept in the deal's state. It holds at most
// Limit touchpoints one by one, in canonical order (time, side, kind, person, source); beyond that the
// oldest are compacted into per-partner, per-kind counts that attribution still uses, and Horizon
// remembers how far compaction reached. Everything it holds and reports is a function of the
// touchpoints added, not of their order, as long as it has not compacted. Compaction never counts a
// touchpoint twice; what it costs is that a touchpoint at or before the horizon arriving late is refused
// (TooOld), and that a compacted record edited later keeps the count of the version compacted.
type Set struct {
	Deal  string `json:"deal"`
	Limit int    `json:"limit,omitempty"`
	// Items are the touchpoints kept one by one: one per source record (or per natural key, for those
	// without a source), in canonical order. Two sources of one touchpoint are both kept, so either
	// can be updated, and counted once.
	Items []Touchpoint `json:"items,omitempty"`
	// Compacted counts the touchpoints folded out of Items, sorted by side and kind.
	Compacted Tally `json:"compacted,omitempty"`
	// Horizon is the time of the newest touchpoint compacted; zero before any compaction.
	Horizon time.Time `json:"horizon,omitzero"`
	// Forgotten holds hashes of the identities (source record and natural key) of the latest
	// compacted touchpoints, oldest first, at most 2 × rememberCompacted.
	Forgotten []uint64 `json:"forgotten,omitempty"`
}

// NewSet starts the evidence of a deal; limit ≤ 0 means DefaultLimit.
func NewSet(deal string, limit int) *Set {
	return &Set{Deal: deal, Limit: limit}
}

func (s *Set) limit() int {
	if s.Limit <= 0 {
		return DefaultLimit
	}
	return s.Limit
}

// Add records a touchpoint, deduplicating by source record and by partner, person, kind and minute,
// then compacts if the set is over its limit. An invalid touchpoint, or one of another deal, is an
// error and changes nothing. A zero Set takes the deal of its first touchpoint.
func (s *Set) Add(t Touchpoint) (Outcome, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	if s.Deal == "" {
		s.Deal = t.Deal
	}
	if t.Deal != s.Deal {
		return "", fmt.Errorf("touchpoint %s is for deal %s, not %s", t.label(), t.Deal, s.Deal)
	}
	id := t.id()
	if i := slices.IndexFunc(s.Items, func(x Touchpoint) bool { return x.id() == id }); i >= 0 {
		if !newer(t, s.Items[i]) {
			return Duplicate, nil
		}
		s.Items = slices.Delete(s.Items, i, i+1)
		s.insert(t)
		s.compact()
		return Updated, nil
	}
	if !s.Horizon.IsZero() && !t.At.After(s.Horizon) {
		return TooOld, nil
	}
	if slices.Contains(s.Forgotten, hash(id)) || slices.Contains(s.Forgotten, hash(t.keyID())) {
		return Duplicate, nil // compacted already: counted in Compacted
	}
	key := t.Key()
	twin := slices.ContainsFunc(s.Items, func(x Touchpoint) bool { return x.Key() == key })
	s.insert(t)
	s.compact()
	if twin {
		return Duplicate, nil
	}
	return Added, nil
}

func (s *Set) insert(t Touchpoint) {
	i, _ := slices.BinarySearchFunc(s.Items, t, compare)
	s.Items = slices.Insert(s.Items, i, t)
}

// compact folds the oldest touchpoints (with their twins from other sources) into counts until the
// set holds at most its limit one by one.
func (s *Set) compact() {
	for len(s.Items) > s.limit() {
		oldest := s.Items[0]
		key := oldest.Key()
		s.Items = slices.DeleteFunc(s.Items, func(x Touchpoint) bool {
			if x.Key() != key {
				return false
			}
			if x.At.After(s.Horizon) {
				s.Horizon = x.At
			}
			s.forget(x)
			return true
		})
		s.Compacted = s.Compacted.add(oldest.Side, oldest.Kind, 1)
	}
	if len(s.Items) == 0 {
		s.Items = nil
	}
}

// forget remembers a compacted touchpoint's identities, dropping the oldest beyond the bound.
func (s *Set) forget(x Touchpoint) {
	for _, id := range []string{x.id(), x.keyID()} {
		if h := hash(id); !slices.Contains(s.Forgotten, h) {
			s.Forgotten = append(s.Forgotten, h)
		}
	}
	if over := len(s.Forgotten) - 2*rememberCompacted; over > 0 {
		s.Forgotten = slices.Delete(s.Forgotten, 0, over)
	}
}

func hash(id string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	return h.Sum64()
}

func compareCount(x, y Count) int {
	if c := strings.Compare(string(x.Side), string(y.Side)); c != 0 {
		return c
	}
	return strings.Compare(string(x.Kind), string(y.Kind))
}

// Evidence lists the touchpoints kept one by one, each once: of the records that share a partner,
// person, kind and minute, the first in canonical order stands for them.
func (s *Set) Evidence() []Touchpoint {
	var out []Touchpoint
	seen := map[Key]bool{}
	for _, t := range s.Items {
		if k := t.Key(); !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	return out
}

// Total is the number of distinct touchpoints the set has seen and kept: compacted and one by one.
func (s *Set) Total() int {
	n := len(s.Evidence())
	for _, c := range s.Compacted {
		n += c.N
	}
	return n
}

// Tally counts the evidence per partner and kind up to until (inclusive; zero means no bound): the
// compacted counts, which are the oldest touchpoints, and the distinct touchpoints kept one by one
// that happened by then. Attribution at close-won passes the close time, so what a partner does after
// the deal is won is not evidence of winning it.
func (s *Set) Tally(until time.Time) Tally {
	t := slices.Clone(s.Compacted)
	for _, tp := range s.Evidence() {
		if until.IsZero() || !tp.At.After(until) {
			t = t.add(tp.Side, tp.Kind, 1)
		}
	}
	return t
}

// Tally is evidence counted per partner and kind, sorted by side and kind: what attribution reads.
type Tally []Count

func (t Tally) add(side vocab.Side, kind Kind, n int) Tally {
	c := Count{Side: side, Kind: kind}
	i, found := slices.BinarySearchFunc(t, c, compareCount)
	if !found {
		t = slices.Insert(t, i, c)
	}
	t[i].N += n
	return t
}

// N is how many touchpoints of the given kinds side has.
func (t Tally) N(side vocab.Side, kinds ...Kind) int {
	n := 0
	for _, c := range t {
		if c.Side == side && slices.Contains(kinds, c.Kind) {
			n += c.N
		}
	}
	return n
}
