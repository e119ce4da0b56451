package pilot

import (
	"html"
	"math"
	"strconv"
	"strings"
)

// The scorecard's charts are inline SVG written by hand: no script, no external reference, and the
// same bytes on every render, so a published page is self-contained and reproducible. Each chart
// draws "no data" where its series is empty rather than an empty frame.

const (
	colorJoint = "#2563eb"
	colorSolo  = "#9ca3af"
	colorGrid  = "#e5e7eb"
	colorInk   = "#111827"
	colorMuted = "#6b7280"
	colorMet   = "#16a34a"
)

// svgOpen starts an SVG with a viewBox, scaling to its container, labelled for screen readers.
func svgOpen(b *strings.Builder, class string, w, h int, label string) {
	b.WriteString(`<svg class="` + class + `" viewBox="0 0 ` + strconv.Itoa(w) + ` ` + strconv.Itoa(h) +
		`" width="100%" role="img" aria-label="` + esc(label) + `"><title>` + esc(label) + `</title>`)
}

// noData draws a framed "no data" message over a chart's area.
func noData(b *strings.Builder, x, y, w, h float64, why string) {
	b.WriteString(`<rect x="` + f1(x) + `" y="` + f1(y) + `" width="` + f1(w) + `" height="` + f1(h) +
		`" fill="#f9fafb" stroke="` + colorGrid + `" stroke-dasharray="4 4"/>`)
	b.WriteString(svgText(x+w/2, y+h/2, "middle", "nodata", "no data"))
	if why != "" {
		b.WriteString(svgText(x+w/2, y+h/2+18, "middle", "note", why))
	}
}

// pipelineChart is the open co-sell pipeline value per day as a line, with the checkpoints marked.
func (c Scorecard) pipelineChart() string {
	const w, h = 640, 240
	const left, right, top, bottom = 72.0, 30.0, 16.0, 36.0
	pw, ph := w-left-right, h-top-bottom
	var b strings.Builder
	label := "Open co-sell pipeline value by pilot day"
	if len(c.Pipeline) == 0 {
		svgOpen(&b, "chart pipeline", w, h, label+": no data")
		noData(&b, left, top, pw, ph, "the pipeline has not been sampled yet")
		b.WriteString(`</svg>`)
		return b.String()
	}
	svgOpen(&b, "chart pipeline", w, h, label)
	xMax := max(c.Length, c.Pipeline[len(c.Pipeline)-1].Day, 1)
	peak := 0.0
	for _, p := range c.Pipeline {
		peak = math.Max(peak, p.Value)
	}
	yMax := niceCeil(peak)
	x := func(day int) float64 { return left + pw*float64(day)/float64(xMax) }
	y := func(v float64) float64 { return top + ph - ph*v/yMax }

	for i := 0; i <= 4; i++ {
		v := yMax * float64(i) / 4
		b.WriteString(svgLine(left, y(v), left+pw, y(v), colorGrid, ""))
		b.WriteString(svgText(left-6, y(v)+4, "end", "axis", compactMoney(c.Currency, v)))
	}
	for _, cp := range c.Checkpoints {
		if cp <= xMax {
			b.WriteString(svgLine(x(cp), top, x(cp), top+ph, colorMuted, "3 3"))
			b.WriteString(svgText(x(cp), top+ph+16, "middle", "axis", "day "+strconv.Itoa(cp)))
		}
	}
	b.WriteString(svgText(left, top+ph+30, "start", "axis", "day 0"))
	b.WriteString(svgLine(left, top+ph, left+pw, top+ph, colorMuted, ""))

	var pts []string
	for _, p := range c.Pipeline {
		pts = append(pts, f1(x(p.Day))+","+f1(y(p.Value)))
	}
	if len(pts) > 1 {
		b.WriteString(`<polyline fill="none" stroke="` + colorJoint + `" stroke-width="2.5" stroke-linejoin="round" points="` +
			strings.Join(pts, " ") + `"/>`)
	}
	for _, p := range c.Pipeline {
		b.WriteString(`<circle cx="` + f1(x(p.Day)) + `" cy="` + f1(y(p.Value)) + `" r="3" fill="` + colorJoint + `"><title>day ` +
			strconv.Itoa(p.Day) + `: ` + esc(Money(c.Currency, p.Value)) + `</title></circle>`)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// compareChart sets co-sell against solo on win rate, average won deal and sales cycle: a panel each,
// bars scaled within the panel, since the three are in different units.
func (c Scorecard) compareChart() string {
	const w, h = 640, 230
	m := c.Metrics
	panels := []struct {
		title, note string
		joint, solo Ratio
		show        func(Ratio) string
	}{
		{"Win rate", "higher is better", m.JointWinRate, m.SoloWinRate, percentOf},
		{"Average won deal", "higher is better", m.JointAvgDeal, m.SoloAvgDeal, func(r Ratio) string { return moneyOf(c.Currency, r) }},
		{"Sales cycle", "shorter is better", m.JointCycleDays, m.SoloCycleDays, daysOf},
	}
	var b strings.Builder
	svgOpen(&b, "chart compare", w, h, "Co-sell against solo: win rate, average won deal, sales cycle")
	const panelW, barW, base, barMax = 640.0 / 3, 56.0, 180.0, 120.0
	for i, p := range panels {
		x0 := panelW * float64(i)
		mid := x0 + panelW/2
		b.WriteString(svgText(mid, 18, "middle", "panel", p.title))
		b.WriteString(svgText(mid, 34, "middle", "axis", p.note))
		b.WriteString(svgLine(x0+16, base, x0+panelW-16, base, colorMuted, ""))
		top := 0.0
		for _, r := range []Ratio{p.joint, p.solo} {
			if r.Valid {
				top = math.Max(top, r.Value)
			}
		}
		for j, bar := range []struct {
			name  string
			r     Ratio
			color string
		}{{"co-sell", p.joint, colorJoint}, {"solo", p.solo, colorSolo}} {
			bx := mid - barW - 6 + float64(j)*(barW+12)
			b.WriteString(svgText(bx+barW/2, base+16, "middle", "axis", bar.name))
			if !bar.r.Valid {
				b.WriteString(`<rect x="` + f1(bx) + `" y="` + f1(base-40) + `" width="` + f1(barW) + `" height="40" fill="none" stroke="` +
					colorGrid + `" stroke-dasharray="4 4"/>`)
				b.WriteString(svgText(bx+barW/2, base-16, "middle", "nodata small", "no data"))
				continue
			}
			hgt := 0.0
			if top > 0 {
				hgt = barMax * bar.r.Value / top
			}
			hgt = math.Max(hgt, 1)
			b.WriteString(`<rect x="` + f1(bx) + `" y="` + f1(base-hgt) + `" width="` + f1(barW) + `" height="` + f1(hgt) +
				`" fill="` + bar.color + `" rx="3"><title>` + esc(bar.name+" "+strings.ToLower(p.title)+": "+p.show(bar.r)) + `</title></rect>`)
			b.WriteString(svgText(bx+barW/2, base-hgt-6, "middle", "value", p.show(bar.r)))
		}
	}
	b.WriteString(`<rect x="230" y="208" width="12" height="12" fill="` + colorJoint + `"/>`)
	b.WriteString(svgText(248, 218, "start", "axis", "co-sell (joint)"))
	b.WriteString(`<rect x="350" y="208" width="12" height="12" fill="` + colorSolo + `"/>`)
	b.WriteString(svgText(368, 218, "start", "axis", "solo (baseline)"))
	b.WriteString(`</svg>`)
	return b.String()
}

// gauge shows the share of targets met as a half-circle dial.
func (c Scorecard) gauge() string {
	const w, h = 260, 160
	const cx, cy, r = 130.0, 130.0, 96.0
	var b strings.Builder
	total, met := len(c.Targets), c.TargetsMet()
	if total == 0 {
		svgOpen(&b, "chart gauge", w, h, "Targets met: no data")
		noData(&b, 20, 20, 220, 120, "")
		b.WriteString(`</svg>`)
		return b.String()
	}
	share := float64(met) / float64(total)
	svgOpen(&b, "chart gauge", w, h, "Targets met: "+Count(met)+" of "+Count(total))
	arc := func(to float64, color string) string {
		phi := math.Pi * to
		ex, ey := cx-r*math.Cos(phi), cy-r*math.Sin(phi)
		return `<path d="M ` + f1(cx-r) + ` ` + f1(cy) + ` A ` + f1(r) + ` ` + f1(r) + ` 0 0 1 ` + f2(ex) + ` ` + f2(ey) +
			`" fill="none" stroke="` + color + `" stroke-width="20"/>`
	}
	b.WriteString(arc(1, colorGrid))
	if met > 0 {
		b.WriteString(arc(share, colorMet))
	}
	b.WriteString(svgText(cx, cy-18, "middle", "big", Count(met)+" of "+Count(total)))
	b.WriteString(svgText(cx, cy+4, "middle", "axis", "targets met ("+Percent(share)+")"))
	b.WriteString(`</svg>`)
	return b.String()
}

// niceCeil rounds a chart's top value up to 1, 2, 2.5 or 5 times a power of ten; 0 gives 1, so an
// all-zero series still has an axis.
func niceCeil(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*p >= v-eps {
			return f * p
		}
	}
	return 10 * p
}

// compactMoney writes an axis label: "$250k", "$1.5M".
func compactMoney(currency string, v float64) string {
	unit, div := "", 1.0
	switch {
	case v >= 1e9:
		unit, div = "B", 1e9
	case v >= 1e6:
		unit, div = "M", 1e6
	case v >= 1e3:
		unit, div = "k", 1e3
	}
	if unit == "" {
		return Money(currency, v)
	}
	n := strconv.FormatFloat(math.Round(v/div*10)/10, 'f', -1, 64)
	prefix := currency + " "
	if sym, ok := symbols[currency]; ok {
		prefix = sym
	}
	return prefix + n + unit
}

func svgLine(x1, y1, x2, y2 float64, color, dash string) string {
	s := `<line x1="` + f1(x1) + `" y1="` + f1(y1) + `" x2="` + f1(x2) + `" y2="` + f1(y2) + `" stroke="` + color + `"`
	if dash != "" {
		s += ` stroke-dasharray="` + dash + `"`
	}
	return s + `/>`
}

func svgText(x, y float64, anchor, class, s string) string {
	return `<text x="` + f1(x) + `" y="` + f1(y) + `" text-anchor="` + anchor + `" class="` + class + `">` + esc(s) + `</text>`
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// esc escapes text for HTML and SVG alike.
func esc(s string) string { return html.EscapeString(s) }
