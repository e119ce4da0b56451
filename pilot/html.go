package pilot

import (
	"strconv"
	"strings"
)

// pageStyle is the page's only styling, inline: a scorecard is mailed, attached and archived, and must
// look the same with no network.
const pageStyle = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#fff;margin:0}
main{max-width:760px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.sub{color:#6b7280;margin:0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #f3f4f6;vertical-align:top}
th{font-weight:600;color:#374151;background:#f9fafb}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.proposal{border-radius:8px;padding:12px 16px;margin:20px 0;border:1px solid}
.proposal h2{border:0;margin:0 0 6px;padding:0}
.scale{background:#f0fdf4;border-color:#86efac}
.kill{background:#fef2f2;border-color:#fca5a5}
.restructure{background:#fffbeb;border-color:#fcd34d}
.state{font-weight:600;white-space:nowrap}
.met{color:#15803d}.on-track{color:#15803d}.behind{color:#b45309}.not-met{color:#b91c1c}.not-measurable{color:#6b7280}
.healthy{color:#15803d}.watch{color:#b45309}.flagged{color:#b91c1c}.no-data{color:#6b7280}
.charts{display:flex;gap:16px;align-items:center;flex-wrap:wrap}
.charts .chart.gauge{max-width:260px}
svg.chart{display:block;max-width:100%;height:auto}
svg text{font-family:system-ui,sans-serif;fill:#374151}
svg .axis{font-size:11px;fill:#6b7280}
svg .panel{font-size:13px;font-weight:600}
svg .value{font-size:12px;font-weight:600}
svg .nodata{font-size:15px;font-weight:600;fill:#6b7280}
svg .nodata.small{font-size:12px}
svg .note{font-size:12px;fill:#6b7280}
svg .big{font-size:26px;font-weight:700}
ul.lacking{color:#374151}
footer{color:#9ca3af;font-size:12px;margin-top:32px}
`

// HTML renders the scorecard as one self-contained page: inline CSS and inline SVG charts (pipeline
// over time, co-sell against solo, a gauge of targets met), no script and no external reference, so
// it can be mailed, attached to a CRM record or archived and still render. Text from the pairing file
// is escaped.
func (c Scorecard) HTML() string {
	m, cur := c.Metrics, c.Currency
	var b strings.Builder
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	w(`<!doctype html>`, "\n", `<html lang="en"><head><meta charset="utf-8">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<title>Pilot scorecard: `, esc(c.title()), ` — day `, strconv.Itoa(c.Day), `</title>`,
		`<style>`, pageStyle, `</style></head><body><main>`, "\n")
	w(`<h1>Pilot scorecard: `, esc(c.title()), `</h1>`, `<p class="sub">`, esc(c.subtitle()), `</p>`, "\n")

	if p := c.Proposal; p != nil {
		w(`<section class="proposal `, esc(string(p.Decision)), `"><h2>Proposal: `, esc(string(p.Decision)), `</h2><ul>`)
		for _, r := range p.Reasons {
			w(`<li>`, esc(r), `</li>`)
		}
		w(`</ul></section>`, "\n")
	}

	w(`<h2>Core metrics</h2><table><thead><tr><th>metric</th><th class="num">co-sell</th><th class="num">solo</th></tr></thead><tbody>`)
	row3 := func(name, joint, solo string) {
		w(`<tr><td>`, esc(name), `</td><td class="num">`, esc(joint), `</td><td class="num">`, esc(solo), `</td></tr>`)
	}
	row3("Joint opportunities created", Count(m.JointOpportunities), "—")
	row3("Win rate", percentOf(m.JointWinRate)+countsNote(m.JointWon, m.JointLost), percentOf(m.SoloWinRate)+countsNote(m.SoloWon, m.SoloLost))
	row3("Average deal size (won)", moneyOf(cur, m.JointAvgDeal), moneyOf(cur, m.SoloAvgDeal))
	row3("Sales cycle (closed deals)", daysOf(m.JointCycleDays), daysOf(m.SoloCycleDays))
	row3("Revenue attributable to the partnership", Money(cur, m.AttributableRevenue), "—")
	w(`</tbody></table>`, "\n")

	w(`<h2>Pipeline over time</h2>`, c.pipelineChart(), "\n")
	w(`<h2>Co-sell against solo</h2>`, c.compareChart(), "\n")

	w(`<h2>Targets</h2><div class="charts">`, c.gauge(), `</div>`)
	w(`<table><thead><tr><th>target</th><th>goal</th><th>actual</th><th class="num">due</th><th>status</th></tr></thead><tbody>`)
	for _, t := range c.Targets {
		w(`<tr><td>`, esc(t.Name), `</td><td>`, esc(t.Target), `</td><td>`, esc(t.Actual), `</td><td class="num">day `,
			strconv.Itoa(t.Due), `</td><td class="state `, cssClass(t.State), `">`, esc(t.State), `</td></tr>`)
	}
	w(`</tbody></table>`, "\n")

	w(`<h2>Pipeline and health</h2><table><tbody>`)
	row2 := func(name, value, class string) {
		w(`<tr><td>`, esc(name), `</td><td class="num`)
		if class != "" {
			w(` `, class)
		}
		w(`">`, esc(value), `</td></tr>`)
	}
	row2("Co-sell pipeline value (open)", Money(cur, m.PipelineValue)+" in "+plural(m.OpenDeals, "deal", "deals"), "")
	row2("Pipeline created in the window", Money(cur, m.PipelineCreated), "")
	row2("Closed won revenue", Money(cur, m.ClosedRevenue), "")
	row2("SLA breaches", Count(m.SLABreaches), "")
	row2("Conflicts", Count(m.Conflicts), "")
	row2("Attribution dispute rate", c.disputeText(), cssClass(m.DisputeHealth))
	w(`</tbody></table>`, "\n")

	if len(c.Lacking) > 0 {
		w(`<h2>Inputs lacking</h2><ul class="lacking">`)
		for _, l := range c.Lacking {
			w(`<li>`, esc(l), `</li>`)
		}
		w(`</ul>`, "\n")
	}
	w(`<footer>CoSell Sync pilot review · pairing `, esc(c.PairingID), ` · quarter `, strconv.Itoa(c.Quarter), `</footer>`)
	w("\n", `</main></body></html>`, "\n")
	return b.String()
}

// cssClass turns a state or band ("not met", "no data") into a class name.
func cssClass(s string) string { return strings.ReplaceAll(s, " ", "-") }
