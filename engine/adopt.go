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

// adoptedLook reports whether a backfill's reading counts as the engine's own look at the record: the
// backfill read it back right after stamping it, and the deal has issued no command yet, so the reading
// is ordered after every command of the deal (there is none), as the engine's own read would be. The
// deal then writes the first differences without reading each record once more, which would cost one
// call per pair on a CRM with a rate window (HubSpot) right when a backfill starts hundreds of deals.
// Salesforce writes stay conditional on the record's stamp, so an edit after the backfill's read is
// never overwritten there; on HubSpot the read-then-write window is the time from the backfill's read
// to the deal's first write, seconds instead of one activity (ARCHITECTURE.md, conditional writes).
func (e *Engine) adoptedLook() bool {
	return !e.st.Registered && e.st.Seq == 0 && e.inflight == nil
}

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
