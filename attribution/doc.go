// Package attribution is the commission split of a won co-sold deal (issue #9, "attribution at
// close-won" and the pure part of "disputes"), as pure rules: no I/O, no clock, no Temporal.
//
// # The rules, and where the playbook says so
//
// PLAYBOOK.md, "Credit and commission":
//
//   - Roles and the split. "A typical published split: sourcing 20 %, selling 40 %, technical
//     validation 25 %, influence 15 %"; "Percentages are published and consistent, not negotiated per
//     deal." DefaultSplit; the pairing file publishes its own under cosell › split.
//   - The pool. "The commission pool is bigger for co-sold deals (solo 20 %, co-sell 25–30 % in total)
//     so co-selling is rational." DefaultPool: solo 20 %, co-sell 25 % (one partner leads), true co-sell
//     30 % (both carry the deal); a deal pays the solo rate when only one partner earned a role.
//   - Evidence. "Every touchpoint … is logged with its partner: the evidence behind attribution. Each
//     partner sees its amount and the calculation behind it." Result.Calculation.
//
// Who earns which role (Attribute):
//
//   - sourcing: the partner who registered the deal — "first to register is primary" (Rules of
//     engagement);
//   - selling: the partner who led most of the selling stages in the deal's plan (cosell.Plan; Models
//     and who leads), by default discovery, proposal and close; under sell-to, the close alone ("the
//     closing partner [gets] sales credit");
//   - technical validation: the partner with the most demo and technical-validation touchpoints;
//   - influence: each partner with influence touchpoints (intro, meeting, discovery call, proposal
//     review, e-mail, executive sponsorship) that does not hold selling — the supporting partner's
//     credit, as in sell-through's "technology partner 20–40 % as influence".
//
// A role held by both is shared equally; a role nobody earned pays nobody, so the pool is shared over
// the roles held. The defaults make the playbook's partner-led deal, with the vendor giving the demos and
// joining meetings, a 60/40 split of the co-sell pool, inside sell-through's 60–80 / 20–40 band.
//
// # Money
//
// Amounts are integer minor units in the deal's currency (package money): the pool is its rate of the
// amount rounded half up, and the parts are split by largest remainder, a tie to the registrant, so they
// sum to the pool exactly. Currencies are never mixed: a deal outside the pairing's currency, a
// corrected split in another currency, or a record in another currency in Summarize, is refused with
// money.ErrCurrencyMismatch.
//
// # Disputes and the pilot
//
// A Record is an attribution and its disputes. Record.Dispute opens one (a partner, a reason, a time);
// Record.Resolve settles it — upheld, with a corrected split that must itself sum to the pool, or
// rejected — by one of the pairing's approvers. Summarize turns records into the pilot's figures: the
// dispute rate (disputed ÷ attributed) and the revenue attributable to the partnership (deals in which
// both partners hold a part), with each partner's credited share.
//
// A close-lost records a Loss instead: a reason from a short list, the partner's words, who and when.
package attribution
