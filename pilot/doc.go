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
//	card = pilot.ScoreAttributed(cfg, id, name, s, solo, records, day, at) // the same, with attributions
//	card.Markdown(), card.HTML()              // what the scorecard activity publishes
//	cfg = cfg.Raised(); s = s.Next(at)        // after "scale": the next window, targets raised
//
// A pilot day is Config.Day long (24 h; demos and tests shorten it), so a 90-day pilot can run in
// minutes; durations such as a sales cycle are measured in pilot days.
//
// # Attribution
//
// ScoreAttributed is Score given the window's attribution records (package attribution): revenue
// attributable to the partnership is then the won deals both partners hold a part of the pool in, and
// the dispute rate is disputed attributions over attributions (attribution.Summarize), in the pilot's
// currency only. Without records (Score, or a nil list) revenue attributable to the partnership is the
// full amount of won co-sell deals and the dispute rate counts dispute events over the deals tracked;
// the scorecard then lists LackAttribution among the inputs it lacks instead of inventing numbers.
package pilot
