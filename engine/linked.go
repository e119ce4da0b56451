package engine

import "github.com/cosellsync/cosell/vocab"

// LinkedRecord is a party's record that belongs to the deal.
type LinkedRecord struct {
	Side     vocab.Side `json:"side"`
	RecordID string     `json:"recordId"`
}

// Linked returns the records the deal is linked to, one per party that has one, in party order. They
// are the deal's entry in the record directory: a feed routes a change of any of them to this deal
// whatever co-sell id the record carries, so a user who clears or edits the id on a record never starts
// a second deal. A party that deleted its record (unlinked) has none; a record it deleted that is
// recreated appears once the new one exists.
func (e *Engine) Linked() []LinkedRecord {
	var out []LinkedRecord
	for _, s := range e.pol.sides() {
		if p := e.party(s); p != nil && p.RecordID != "" && !p.Unlinked {
			out = append(out, LinkedRecord{Side: s, RecordID: p.RecordID})
		}
	}
	return out
}
