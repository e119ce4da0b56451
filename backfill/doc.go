// Package backfill holds the rules by which `cosell backfill` pairs deals that existed in both
// partners' CRMs before the sync (issue #11, item 5): pure functions of the two sides' deals, no I/O,
// no clock, no map order reaching a result, so BackfillWorkflow can call them and they are tested in
// microseconds.
//
// A pair is matched in one of two ways:
//   - by co-sell id: a record on each side carrying the same id is the same deal (a deal linked by
//     hand, or by an earlier tool). Such a pair whose deal already runs is already linked and is left
//     alone, so a second backfill links nothing twice.
//   - by the deal itself, where no id says it: the same account (account.Key: the normalized domain
//     when both records have one, else the normalized company name), close dates at most
//     Tolerance.CloseDays apart and amounts at most Tolerance.AmountPct percent apart (of the larger).
//     Records carrying two different co-sell ids are never candidates.
//
// Only an unambiguous candidate pair is linked: each record the other's only candidate. Every other
// group of candidates (a connected component of the candidate graph with more than one edge) is
// ambiguous and goes to the review file, where an admin confirms the right pairs; nothing is linked
// silently.
package backfill
