package salesforce

import (
	"sort"
	"strings"
	"time"
)

// record is one row: canonical field name to value. Values are string, float64, bool, time.Time (datetime
// fields) or nil; dates are "2006-01-02" strings. Empty text is stored as nil, as Salesforce does.
type record map[string]any

func (r record) clone() record {
	out := make(record, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

func (r record) str(field string) string {
	s, _ := r[field].(string)
	return s
}

// journalEntry remembers a row as it was before a write inside a transaction, so allOrNone can roll back.
type journalEntry struct {
	object      string
	id          string
	prev        record // nil when the row did not exist
	prevDeleted bool
	pendingSeq  uint64 // the pendingWrite the write queued, 0 for none
}

// store holds the org's rows and the unique indexes of external-id and unique fields.
type store struct {
	rows     map[string]map[string]record // object -> id -> row
	unique   map[string]map[string]map[string]string
	deleted  map[string]bool
	counters map[string]uint64
	journal  []journalEntry
	txDepth  int
	// pending are writes SOQL does not see committed yet; visibleAt, when set, is when the writes of
	// the API call under way commit (its start plus the commit delay).
	pending   []pendingWrite
	visibleAt time.Time
	seq       uint64
	// ownFrom is the last sequence number before the API call under way: a transaction sees its own
	// writes, so queries inside it see pending writes numbered above it.
	ownFrom uint64
	// watched holds, during an API call, each row it wrote as it was before (nil: it did not exist),
	// in watchOrder; notifications counts the change notifications minted (webhooks.go).
	watched       map[string]record
	watchOrder    []string
	notifications uint64
}

func newStore(sc *schema) *store {
	st := &store{
		rows:     map[string]map[string]record{},
		unique:   map[string]map[string]map[string]string{},
		deleted:  map[string]bool{},
		counters: map[string]uint64{},
	}
	for _, o := range sc.order {
		st.rows[o.Name] = map[string]record{}
		st.unique[o.Name] = map[string]map[string]string{}
		for _, f := range o.Fields {
			if f.Unique {
				st.unique[o.Name][f.Name] = map[string]string{}
			}
		}
	}
	return st
}

func (st *store) nextID(prefix string) string {
	st.counters[prefix]++
	return mintID(prefix, st.counters[prefix])
}

func (st *store) get(object, id string) (record, bool) {
	r, ok := st.rows[object][id]
	return r, ok
}

// byUnique finds the row whose unique field equals value, case-insensitively like an external id.
func (st *store) byUnique(object, field, value string) (string, bool) {
	id, ok := st.unique[object][field][strings.ToLower(value)]
	return id, ok
}

func (st *store) record(object, id string) {
	prev, ok := st.rows[object][id]
	st.noteWrite(object, id, prev, ok)
	seq := st.track(object, id, prev)
	if st.txDepth == 0 {
		return
	}
	e := journalEntry{object: object, id: id, prevDeleted: st.deleted[id], pendingSeq: seq}
	if ok {
		e.prev = prev
	}
	st.journal = append(st.journal, e)
}

func (st *store) index(object, id string, r record, add bool) {
	for field, idx := range st.unique[object] {
		v, ok := r[field].(string)
		if !ok || v == "" {
			continue
		}
		if add {
			idx[strings.ToLower(v)] = id
		} else if idx[strings.ToLower(v)] == id {
			delete(idx, strings.ToLower(v))
		}
	}
}

// put stores a row, keeping the unique indexes and the journal in step.
func (st *store) put(object, id string, r record) {
	st.record(object, id)
	if old, ok := st.rows[object][id]; ok {
		st.index(object, id, old, false)
	}
	st.rows[object][id] = r
	st.index(object, id, r, true)
	delete(st.deleted, id)
}

// remove deletes a row; Salesforce answers ENTITY_IS_DELETED for it afterwards.
func (st *store) remove(object, id string) {
	st.record(object, id)
	if old, ok := st.rows[object][id]; ok {
		st.index(object, id, old, false)
		delete(st.rows[object], id)
	}
	st.deleted[id] = true
}

// begin opens a (possibly nested) transaction and returns its journal mark.
func (st *store) begin() int {
	st.txDepth++
	return len(st.journal)
}

func (st *store) commit() {
	st.txDepth--
	if st.txDepth == 0 {
		st.journal = nil
	}
}

// rollback undoes every write since mark and closes the transaction.
func (st *store) rollback(mark int) {
	for i := len(st.journal) - 1; i >= mark; i-- {
		e := st.journal[i]
		if cur, ok := st.rows[e.object][e.id]; ok {
			st.index(e.object, e.id, cur, false)
			delete(st.rows[e.object], e.id)
		}
		if e.prev != nil {
			st.rows[e.object][e.id] = e.prev
			st.index(e.object, e.id, e.prev, true)
		}
		if e.prevDeleted {
			st.deleted[e.id] = true
		} else {
			delete(st.deleted, e.id)
		}
		st.untrack(e.pendingSeq)
	}
	st.journal = st.journal[:mark]
	st.txDepth--
	if st.txDepth == 0 {
		st.journal = nil
	}
}

// sorted returns an object's rows ordered by id, which is creation order.
func (st *store) sorted(object string) []record {
	rows := st.rows[object]
	ids := make([]string, 0, len(rows))
	for id := range rows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]record, len(ids))
	for i, id := range ids {
		out[i] = rows[id]
	}
	return out
}

// Salesforce's date-time wire format: millisecond precision and a +0000 offset.
const sfTimeLayout = "2006-01-02T15:04:05.000-0700"

func formatTime(t time.Time) string { return t.UTC().Format(sfTimeLayout) }

// parseTime accepts the date-time forms Salesforce emits and accepts.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{sfTimeLayout, time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// wire converts a stored value to its JSON form.
func wire(v any) any {
	if t, ok := v.(time.Time); ok {
		return formatTime(t)
	}
	return v
}
