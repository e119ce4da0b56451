package pilot_test

import (
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pilot"
)

func TestMarkdownCarriesTheNumbers(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	card := pilot.Score(cfg, "acme-globex", "Acme × Globex", fixture(t, cfg), solo(), 60, day(60))
	md := card.Markdown()
	for _, want := range []string{
		"# Pilot scorecard: Acme × Globex",
		"Quarter 1 · day 60 of 90 · 2 March 2026 · checkpoint",
		"| Joint opportunities created | 5 | — |",
		"| Win rate | 66.7% (2 won, 1 lost) | 50.0% (2 won, 2 lost) |",
		"| Average deal size (won) | $100,000 | $50,000 |",
		"| Sales cycle (closed deals) | 30.0 days | 36.0 days |",
		"| Revenue attributable to the partnership | $200,000 | — |",
		"| Co-sell pipeline value (open) | $30,000 in 2 deals |",
		"| Pipeline created in the window | $280,000 |",
		"| Closed won revenue | $200,000 |",
		"| SLA breaches | 2 |",
		"| Conflicts | 1 |",
		"| Attribution dispute rate | 20.0% (flagged, 1 of 5 deals) |",
		"## Targets (2 of 3 met)",
		"| Co-sell registrations | at least 5 in 90 days | 5 | day 90 | met |",
		"| Active co-sell deals on day 60 | at least 3 open | 2 open on day 60 | day 60 | not met |",
		"| Co-sell win rate against solo | at least 55.0% (solo 50.0% × 1.10) | 66.7% | day 90 | on track |",
		"day 0: $100,000 · peak day 12: $280,000 · day 60: $30,000",
		"- " + pilot.LackAttribution,
		"- touchpoints: none recorded",
	} {
		assert.Contains(t, md, want)
	}
	assert.NotContains(t, md, "## Proposal", "a checkpoint proposes nothing")

	final := pilot.Score(cfg, "acme-globex", "Acme × Globex", fixture(t, cfg), solo(), 90, day(90))
	md = final.Markdown()
	assert.Contains(t, md, "## Proposal: **scale**")
	assert.Contains(t, md, "- scale › needs_revenue met: $200,000 closed won on 2 co-sell deals")
	assert.Contains(t, md, "· final review")
}

func TestHTMLIsOneSelfContainedPage(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	card := pilot.Score(cfg, "acme-globex", "Acme × Globex", fixture(t, cfg), solo(), 90, day(90))
	page := card.HTML()

	assert.True(t, strings.HasPrefix(page, "<!doctype html>"))
	assert.Equal(t, 1, strings.Count(page, "<html"))
	assert.Equal(t, 1, strings.Count(page, "</html>"))
	assert.Contains(t, page, "<style>")
	assert.NotContains(t, strings.ToLower(page), "<script", "no script")
	assert.NotContains(t, strings.ToLower(page), "http", "no URL of any kind: not even an SVG namespace")
	assert.NotContains(t, page, "src=")
	assert.NotContains(t, page, "href=")
	assert.NotContains(t, page, "@import")
	assert.NotContains(t, page, "url(")

	// The three charts, as inline SVG.
	assert.Equal(t, 3, strings.Count(page, "<svg "))
	assert.Equal(t, strings.Count(page, "<svg "), strings.Count(page, "</svg>"))
	assert.Contains(t, page, `<svg class="chart pipeline"`)
	assert.Contains(t, page, `<svg class="chart compare"`)
	assert.Contains(t, page, `<svg class="chart gauge"`)
	assert.Equal(t, 1, strings.Count(page, "<polyline"), "the pipeline line")
	assert.Equal(t, 61, strings.Count(page, "<circle"), "a point per sampled day (0 to 60)")
	assert.Contains(t, page, "<title>day 30: $160,000</title>")
	assert.Contains(t, page, ">2 of 3</text>", "the gauge")
	assert.Contains(t, page, ">day 60</text>", "checkpoints marked")

	// The key numbers (on day 90 the solo deal closed on day 70 has joined the baseline).
	for _, want := range []string{"$280,000", "$200,000", "$100,000", "$66,666.33", "66.7%", "60.0%", "30.0 days", "32.8 days",
		"20.0% (flagged, 1 of 5 deals)", "Proposal: scale", pilot.LackAttribution, "touchpoints: none recorded"} {
		assert.Contains(t, page, want)
	}
	assert.Contains(t, page, `<section class="proposal scale">`)
	assert.Contains(t, page, `class="state not-met"`)

	// Each chart is well-formed XML, as SVG must be.
	for _, chart := range regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(page, -1) {
		dec := xml.NewDecoder(strings.NewReader(chart))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			require.NoError(t, err, chart)
		}
	}

	// Every tag the page opens, it closes (a light well-formedness check of the hand-written markup).
	for _, tag := range []string{"table", "tr", "td", "ul", "li", "section", "svg", "text", "title"} {
		assert.Equal(t, strings.Count(page, "<"+tag+">")+strings.Count(page, "<"+tag+" "), strings.Count(page, "</"+tag+">"), tag)
	}
	assert.NotRegexp(t, regexp.MustCompile(`NaN|Inf|[^a-z]nil[^a-z]`), page)
}

func TestRenderingEscapesThePairingName(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	name := "Acme <img src=x onerror=alert(1)> & \"Globex\" | [click](javascript:x) *bold*\n# Injected"
	card := pilot.Score(cfg, "acme-globex", name, fixture(t, cfg), solo(), 90, day(90))

	page := card.HTML()
	assert.NotContains(t, page, "<img")
	assert.Contains(t, page, "Acme &lt;img src=x onerror=alert(1)&gt; &amp; &#34;Globex&#34;")
	assert.NotContains(t, page, `"Globex"`)

	md := card.Markdown()
	assert.NotContains(t, md, "<img")
	assert.NotContains(t, md, "[click](")
	assert.Contains(t, md, `Acme &lt;img src=x onerror=alert(1)&gt; & "Globex" \| \[click\](javascript:x) \*bold\* # Injected`)
	require.Equal(t, 1, strings.Count("\n"+md, "\n# "), "the name cannot open a heading of its own")
}

func TestRenderingIsReproducible(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	a := pilot.Score(cfg, "p", "P", fixture(t, cfg), solo(), 90, day(90))
	b := pilot.Score(cfg, "p", "P", fixture(t, cfg), solo(), 90, day(90))
	assert.Equal(t, a.HTML(), b.HTML())
	assert.Equal(t, a.Markdown(), b.Markdown())
}

func TestCurrencyReachesTheCard(t *testing.T) {
	cfg := pilot.Config{Currency: "EUR"}.WithDefaults()
	card := pilot.Score(cfg, "p", "P", fixture(t, cfg), solo(), 60, day(60))
	assert.Contains(t, card.Markdown(), "| Pipeline created in the window | €280,000 |")
	assert.Contains(t, card.HTML(), "€280,000")
	assert.Contains(t, card.HTML(), ">€250k</text>", "the pipeline axis in compact form")
}

func TestChartsWithAFlatPipeline(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := pilot.NewSummary(1, start)
	s.Sample(cfg, 0)
	card := pilot.Score(cfg, "p", "P", s, pilot.Baseline{}, 30, day(30))
	page := card.HTML()
	assert.Equal(t, 0, strings.Count(page, "<polyline"), "one point is a dot, not a line")
	assert.Equal(t, 1, strings.Count(page, "<circle"))
	assert.NotContains(t, page, "NaN")
	assert.Contains(t, page, ">0 of 3</text>")
	assert.Contains(t, card.Markdown(), "`▁` day 0: $0 · peak day 0: $0 · day 0: $0")
}
