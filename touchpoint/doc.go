// Package touchpoint is the evidence behind attribution (issue #9, "touchpoints"): the playbook's
// "every touchpoint (meeting attended, demo delivered, e-mail sent, proposal reviewed) is logged with its
// partner: the evidence behind attribution".
//
// A Touchpoint is one contribution: the partner credited (side a or b), the person, its Kind (intro,
// meeting, discovery call, demo, technical validation, proposal review, e-mail, executive sponsorship),
// when, the deal, and the source record it came from (a CRM activity read by the change feed, or an id
// the CLI or API chose).
//
// A Set is a deal's evidence as its state keeps it:
//   - deduplicated by source record (a redelivery changes nothing; of two versions of one record the
//     one modified last stands) and by partner, person, kind and minute (the same meeting held in both
//     CRMs counts once);
//   - bounded: beyond Limit (DefaultLimit, 200) the oldest touchpoints are compacted into per-partner,
//     per-kind counts, which attribution reads like the rest, so the state crosses continue-as-new at
//     a bounded size;
//   - deterministic: its contents depend on the touchpoints added, not their order, until it compacts
//     (see Set for the two things compaction costs).
//
// Tally counts the evidence per partner and kind up to a time (the close), which is what the attribution
// rules read.
//
// Pure: no I/O, no clock, no Temporal.
package touchpoint
