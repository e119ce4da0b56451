// Package pilot holds the rules of the 90-day pilot review as pure code: what a pairing's pilot measures
// (the playbook's five core metrics, pipeline, SLA breaches, conflicts and the attribution dispute rate),
// its targets, the day-90 decision table (scale, kill or restructure), and the scorecard published at
// each checkpoint as Markdown and as one self-contained HTML page.
//
// It does no I/O, reads no clock and starts nothing: a PilotWorkflow calls it inline. Every function is
// deterministic — maps are walked in sorted key order, so sums of amounts come out bit for bit the same
// on replay — and no input, however empty, yields NaN, an infinity or a division by zero: a ratio
// without data is a Ratio with Valid false, shown as "no data".
//
// # How a workflow uses it
//
//	cfg := pairing.Pilot                      // defaults filled in by the pairing file's loader
//	s := pilot.NewSummary(1, start)           // the compact state the workflow carries
//	s.Apply(cfg, event)                       // for each deal event; redelivery is harmless
//	s.Sample(cfg, day)                        // once a pilot day: pipeline value and open deals
//	card := pilot.Score(cfg, id, name, s, solo, day, at)   // at each checkpoint; the last carries a Proposal
//	card.Markdown(), card.HTML()              // what the scorecard activity publishes
//	cfg = cfg.Raised(); s = s.Next(at)        // after "scale": the next window, targets raised
//
// A pilot day is Config.Day long (24 h; demos and tests shorten it), so a 90-day pilot can run in
// minutes; durations such as a sales cycle are measured in pilot days.
//
// # What is not measured yet
//
// Role-based attribution splits and touchpoints are separate issues. Until they land, revenue
// attributable to the partnership is the full amount of won co-sell deals, and the scorecard lists the
// inputs it lacks (Scorecard.Lacking) instead of inventing numbers.
package pilot
