package engine

import "github.com/cosellsync/cosell/vocab"

// Adopting a pair of pre-existing records (`cosell backfill`, issue #11 item 5). Two deals that both
// partners entered before the sync are one deal once backfill has stamped the same co-sell id on both
// records; the deal workflow is started with their readings marked Adopt. Such a deal is no new
// registration: nobody registered it, nobody has to accept it, and nothing is created, so
//   - no registration status is set pending (registrationStarted skips it) and a pending one set by a
//     change that arrived before the backfill's own (the change feed saw the stamped record first) is
//     withdrawn while nothing was written yet;
//   - the deal counts as registered (stage SLAs, the old "an edit is an answer" rule) once every party
//     has a linked record, with no registration SLA and no pilot registration event: the deal existed
//     before the pilot.
//
// A party whose record is not in the change is looked up by co-sell id before anything would be
// created there (plan reads first), so the record backfill stamped is found and linked rather than a
// second mirror created. Deals never adopted (every history recorded before) are untouched.

// adopt marks the deal as backfilled from the party s.
func (e *Engine) adopt(s vocab.Side) {
	if e.st.Registered || e.st.Backfilled {
		return
	}
	e.st.Backfilled = true
	if e.st.Origin == "" {
		e.st.Origin = s
	}
	if r := e.st.Registration; r != nil && r.Status == StatusPending {
		e.st.Registration = nil
		if w := e.st.Fields[vocab.FieldCoSellStatus]; w != nil && w.From == "" {
			delete(e.st.Fields, vocab.FieldCoSellStatus)
		}
	}
	e.log("info", "deal adopted from records linked by backfill", "side", string(s))
}

// adopted registers a backfilled deal once every party's record is linked.
func (e *Engine) adopted() {
	if !e.st.Backfilled || e.st.Registered {
		return
	}
	for _, s := range e.pol.sides() {
		if p := e.party(s); p == nil || p.RecordID == "" {
			return
		}
	}
	e.st.Registered = true
	e.log("info", "backfilled deal linked on every side; no mirror created")
}
