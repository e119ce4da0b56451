package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// The model CRMs of the model-based test (model_test.go): one per party, holding the deal's record
// (raw values as the CRM stores them, a co-sell id field, a co-sell flag, owners, a modification stamp
// and a version), notes with idempotency keys, and an optional normalising mode.

// mUnmapped marks a raw value outside the field's value map: the feed sends it as a Reading Issue.
const mUnmapped = "??"

func rawUnmapped(v string) bool { return strings.HasPrefix(v, mUnmapped) }

// mRecord is one record in a model CRM.
type mRecord struct {
	id, coSellID   string
	enabled        bool
	values         map[string]string
	owner, partner vocab.Owner
	stamp          time.Time // the CRM's modification stamp (maybe whole seconds)
	ver            int       // the model's version of the record (a global commit counter)
	at             time.Time // the real time of the last commit
}

// mNote is a note in a model CRM: a shared note a user wrote (key empty), or a mirror (key set).
type mNote struct {
	side     vocab.Side
	id       string
	record   string
	key      string
	body     string
	prefix   string
	at       time.Time
	excluded bool // a shared note written around an unflag: not required to reach the partner
}

// mCRM is one party's model CRM.
type mCRM struct {
	side      vocab.Side
	recs      map[string]*mRecord
	gone      map[string]bool
	notes     []*mNote
	normalise bool
	creates   int
	deletes   int
	nextID    int
	dealID    string // the id of the deal's record, live or deleted
}

func newMCRM(side vocab.Side, normalise bool) *mCRM {
	return &mCRM{side: side, recs: map[string]*mRecord{}, gone: map[string]bool{}, normalise: normalise}
}

// deal returns the deal's live record, nil when there is none.
func (c *mCRM) deal() *mRecord { return c.recs[c.dealID] }

func (c *mCRM) newID() string {
	c.nextID++
	return fmt.Sprintf("%s-rec%d", c.side, c.nextID)
}

func (c *mCRM) byCoSellID(id string) *mRecord {
	if id == "" {
		return nil
	}
	for _, r := range c.recs {
		if r.coSellID == id {
			return r
		}
	}
	return nil
}

func (c *mCRM) noteByKey(key string) *mNote {
	for _, n := range c.notes {
		if n.key == key {
			return n
		}
	}
	return nil
}

func (c *mCRM) noteByID(id string) *mNote {
	for _, n := range c.notes {
		if n.id == id && !c.gone[n.record] {
			return n
		}
	}
	return nil
}

// norm is what the CRM stores for a value written to field f.
func (c *mCRM) norm(f, v string) string {
	if !c.normalise || rawUnmapped(v) {
		return v
	}
	switch f {
	case vocab.FieldName, vocab.FieldNextStep:
		return strings.TrimRight(v, " ")
	case vocab.FieldAmount:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return v
		}
		return strconv.FormatFloat(math.Round(x*100)/100, 'f', 2, 64)
	}
	return v
}

// fieldValue returns a record's value of f; the flag pseudo-field reads the co-sell flag.
func fieldValue(r *mRecord, f string) (string, bool) {
	if f == FlagField {
		return strconv.FormatBool(r.enabled), true
	}
	v, ok := r.values[f]
	return v, ok
}

// snapshot is a record's raw values, flag included, for the model's bookkeeping of what the engine saw.
func snapshot(r *mRecord) map[string]string {
	out := make(map[string]string, len(r.values)+1)
	for k, v := range r.values {
		out[k] = v
	}
	out[FlagField] = strconv.FormatBool(r.enabled)
	return out
}

// reading is the record as the CRM's feed or a read reports it, in canonical values.
func (c *mCRM) reading(r *mRecord) *Reading {
	rd := &Reading{Side: c.side, Found: true, RecordID: r.id, CoSellID: r.coSellID, Enabled: r.enabled,
		Values: map[string]string{}, Owner: r.owner, Partner: r.partner, ModifiedAt: r.stamp}
	for _, f := range mFields {
		v, ok := r.values[f]
		if !ok {
			continue
		}
		if rawUnmapped(v) {
			raw := strings.TrimPrefix(v, mUnmapped)
			rd.Issues = append(rd.Issues, vocab.Issue{Field: f, Side: c.side, Message: "no value map entry for " + raw, Raw: raw})
			continue
		}
		rd.Values[f] = v
	}
	return rd
}
