package pilot

import (
	"strconv"
	"strings"
)

// Markdown renders the scorecard for a chat message, an e-mail or a CRM note: a heading, the proposal
// on the final card, tables of metrics and targets, the pipeline as a sparkline, and what is lacking.
func (c Scorecard) Markdown() string {
	m, cur := c.Metrics, c.Currency
	var b strings.Builder
	line := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
		b.WriteByte('\n')
	}
	line("# Pilot scorecard: ", mdText(c.title()))
	line()
	line(mdText(c.subtitle()))
	line()
	if p := c.Proposal; p != nil {
		line("## Proposal: **", string(p.Decision), "**")
		line()
		for _, r := range p.Reasons {
			line("- ", mdText(r))
		}
		line()
	}
	line("## Core metrics")
	line()
	line("| metric | co-sell | solo |")
	line("| --- | ---: | ---: |")
	line("| Joint opportunities created | ", Count(m.JointOpportunities), " | — |")
	line("| Win rate | ", percentOf(m.JointWinRate), countsNote(m.JointWon, m.JointLost), " | ", percentOf(m.SoloWinRate), countsNote(m.SoloWon, m.SoloLost), " |")
	line("| Average deal size (won) | ", moneyOf(cur, m.JointAvgDeal), " | ", moneyOf(cur, m.SoloAvgDeal), " |")
	line("| Sales cycle (closed deals) | ", daysOf(m.JointCycleDays), " | ", daysOf(m.SoloCycleDays), " |")
	line("| Revenue attributable to the partnership | ", Money(cur, m.AttributableRevenue), " | — |")
	line()
	line("## Pipeline and health")
	line()
	line("| measure | value |")
	line("| --- | ---: |")
	line("| Co-sell pipeline value (open) | ", Money(cur, m.PipelineValue), " in ", plural(m.OpenDeals, "deal", "deals"), " |")
	line("| Pipeline created in the window | ", Money(cur, m.PipelineCreated), " |")
	line("| Closed won revenue | ", Money(cur, m.ClosedRevenue), " |")
	line("| SLA breaches | ", Count(m.SLABreaches), " |")
	line("| Conflicts | ", Count(m.Conflicts), " |")
	line("| Attribution dispute rate | ", c.disputeText(), " |")
	line()
	line("## Targets (", Count(c.TargetsMet()), " of ", Count(len(c.Targets)), " met)")
	line()
	line("| target | goal | actual | due | status |")
	line("| --- | --- | --- | ---: | --- |")
	for _, t := range c.Targets {
		line("| ", mdCell(t.Name), " | ", mdCell(t.Target), " | ", mdCell(t.Actual), " | day ", strconv.Itoa(t.Due), " | ", t.State, " |")
	}
	line()
	line("## Pipeline over time")
	line()
	line(c.pipelineText(cur))
	if len(c.Lacking) > 0 {
		line()
		line("## Inputs lacking")
		line()
		for _, l := range c.Lacking {
			line("- ", mdText(l))
		}
	}
	return b.String()
}

// title names the pairing, falling back to its id.
func (c Scorecard) title() string {
	if strings.TrimSpace(c.PairingName) != "" {
		return c.PairingName
	}
	if c.PairingID != "" {
		return c.PairingID
	}
	return "unnamed pairing"
}

// subtitle says which card this is: window, day, date and kind.
func (c Scorecard) subtitle() string {
	s := "Quarter " + strconv.Itoa(c.Quarter) + " · day " + strconv.Itoa(c.Day)
	if c.Length > 0 {
		s += " of " + strconv.Itoa(c.Length)
	}
	if !c.At.IsZero() {
		s += " · " + c.At.UTC().Format("2 January 2006")
	}
	if c.Final {
		return s + " · final review"
	}
	return s + " · checkpoint"
}

// disputeText words the dispute rate with its band.
func (c Scorecard) disputeText() string {
	m := c.Metrics
	if !m.DisputeRate.Valid {
		return NoData
	}
	of := plural(m.Deals, "deal", "deals")
	if m.Attributions > 0 {
		of = plural(m.Attributions, "attributed deal", "attributed deals")
		if m.OpenDisputes > 0 {
			of += ", " + Count(m.OpenDisputes) + " open"
		}
	}
	return percentOf(m.DisputeRate) + " (" + m.DisputeHealth + ", " + Count(m.DisputedDeals) + " of " + of + ")"
}

// countsNote adds the counts behind a win rate: " (3 won, 2 lost)".
func countsNote(won, lost int) string {
	if won+lost == 0 {
		return ""
	}
	return " (" + Count(won) + " won, " + Count(lost) + " lost)"
}

// pipelineText draws the pipeline as a sparkline with its first, peak and last values.
func (c Scorecard) pipelineText(cur string) string {
	if len(c.Pipeline) == 0 {
		return "no data: the pipeline has not been sampled yet"
	}
	bars := []rune("▁▂▃▄▅▆▇█")
	peak := c.Pipeline[0]
	for _, p := range c.Pipeline {
		if p.Value > peak.Value {
			peak = p
		}
	}
	var spark strings.Builder
	for _, p := range c.Pipeline {
		i := 0
		if peak.Value > 0 && p.Value > 0 {
			i = int(p.Value / peak.Value * float64(len(bars)-1))
		}
		spark.WriteRune(bars[min(max(i, 0), len(bars)-1)])
	}
	first, last := c.Pipeline[0], c.Pipeline[len(c.Pipeline)-1]
	return "`" + spark.String() + "` day " + strconv.Itoa(first.Day) + ": " + Money(cur, first.Value) +
		" · peak day " + strconv.Itoa(peak.Day) + ": " + Money(cur, peak.Value) +
		" · day " + strconv.Itoa(last.Day) + ": " + Money(cur, last.Value)
}

// mdText keeps text from a pairing file from being read as Markdown markup: no link, image, HTML, code or
// emphasis with stars can come from a pairing name. Underscores inside words are left alone, as
// CommonMark does not read them as emphasis, so rule names such as needs_revenue stay readable.
func mdText(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "*", "\\*", "`", "\\`", "[", "\\[", "]", "\\]", "<", "&lt;", ">", "&gt;", "|", "\\|", "\n", " ", "\r", " ")
	return r.Replace(s)
}

// mdCell is text inside a table cell: only the pipe and line breaks matter there.
func mdCell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
}
