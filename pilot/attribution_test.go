package pilot_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/vocab"
)

// rec is an attribution record of a deal won at won: amount in dollars, the pool split a/b in dollars.
func rec(id, currency string, won time.Time, amount, a, b int64) attribution.Record {
	return attribution.Record{Result: attribution.Result{CoSellID: id, Currency: currency, AmountMinor: amount * 100, PoolMinor: (a + b) * 100,
		WonAt: won, Registrant: vocab.A, Parts: []attribution.Part{{Partner: vocab.A, AmountMinor: a * 100}, {Partner: vocab.B, AmountMinor: b * 100}}}}
}

// The fixture's won deals are CS-1 ($120,000, day 20) and CS-5 ($80,000, day 52). With their attribution
// records, only CS-1 was won together (both partners hold a part); CS-5 went to a alone.
func records(t *testing.T) []attribution.Record {
	t.Helper()
	cs5, err := rec("CS-5", "USD", day(52), 80_000, 16_000, 0).
		Dispute(attribution.Dispute{Partner: vocab.B, Reason: "we ran the demo", At: day(53)})
	require.NoError(t, err)
	return []attribution.Record{
		rec("CS-1", "USD", day(20), 120_000, 18_000, 12_000),
		cs5,
		rec("CS-9", "EUR", day(30), 50_000, 6_000, 6_500),     // another currency: left out
		rec("CS-0", "USD", day(-10), 999_000, 100_000, 1_000), // won before the window
	}
}

func TestScoreAttributed(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := fixture(t, cfg)
	plain := pilot.Score(cfg, "acme-globex", "Acme × Globex", s, solo(), 60, day(60))
	assert.Equal(t, plain, pilot.ScoreAttributed(cfg, "acme-globex", "Acme × Globex", s, solo(), nil, 60, day(60)),
		"without records, the scorecard is as before")

	card := pilot.ScoreAttributed(cfg, "acme-globex", "Acme × Globex", s, solo(), records(t), 60, day(60))
	m := card.Metrics
	assert.Equal(t, 120_000.0, m.AttributableRevenue, "CS-1 only: CS-5 was not co-sold in fact")
	assert.Equal(t, 200_000.0, m.ClosedRevenue, "closed revenue still counts every won deal")
	assert.Equal(t, 2, m.Attributions)
	assert.Equal(t, 1, m.DisputedDeals)
	assert.Equal(t, 1, m.OpenDisputes)
	assert.Equal(t, pilot.Ratio{Value: 0.5, Valid: true}, m.DisputeRate, "disputed attributions ÷ attributions")
	assert.Equal(t, pilot.Flagged, m.DisputeHealth)
	assert.NotContains(t, card.Lacking, pilot.LackAttribution)
	assert.Contains(t, card.Lacking, "attribution: 1 record in EUR left out: the scorecard is in USD and amounts are never converted")

	md := card.Markdown()
	assert.Contains(t, md, "| Revenue attributable to the partnership | $120,000 | — |")
	assert.Contains(t, md, "| Attribution dispute rate | 50.0% (flagged, 1 of 2 attributed deals, 1 open) |")

	// A won deal without a record is said to lack one, and its revenue is not attributable.
	partial := pilot.ScoreAttributed(cfg, "acme-globex", "Acme × Globex", s, solo(), records(t)[:1], 60, day(60))
	assert.Equal(t, 120_000.0, partial.Metrics.AttributableRevenue)
	assert.Contains(t, partial.Lacking, "attribution: 1 of 2 won co-sell deals without an attribution record; their revenue is not counted as attributable")
	assert.Equal(t, pilot.Ratio{Value: 0, Valid: true}, partial.Metrics.DisputeRate)
	assert.Equal(t, pilot.Healthy, partial.Metrics.DisputeHealth)

	// No record in the window: no dispute rate, rather than 0 %.
	none := pilot.ScoreAttributed(cfg, "acme-globex", "Acme × Globex", s, solo(), []attribution.Record{}, 60, day(60))
	assert.False(t, none.Metrics.DisputeRate.Valid)
	assert.Equal(t, 0.0, none.Metrics.AttributableRevenue)

	// A final card still decides: the decision reads closed revenue, not attributable revenue.
	final := pilot.ScoreAttributed(cfg, "acme-globex", "Acme × Globex", s, solo(), records(t), 90, day(90))
	require.NotNil(t, final.Proposal)
	assert.Equal(t, pilot.Score(cfg, "acme-globex", "Acme × Globex", s, solo(), 90, day(90)).Proposal, final.Proposal)

	// Records the rules refuse (one deal twice at the same instant) fall back to the events, saying why.
	twice := append(records(t)[:1], records(t)[0])
	bad := pilot.ScoreAttributed(cfg, "acme-globex", "Acme × Globex", s, solo(), twice, 60, day(60))
	assert.Equal(t, plain.Metrics, bad.Metrics)
	assert.Contains(t, bad.Lacking[0], "attribution splits: not used — summarize attributions: CS-1 is attributed twice")

	// A scorecard currency the money table does not know cannot take minor units.
	odd := cfg
	odd.Currency = "XTS"
	card = pilot.ScoreAttributed(odd, "acme-globex", "Acme × Globex", s, solo(), records(t), 60, day(60))
	assert.Contains(t, card.Lacking[0], "currency XTS is not in the table")
}
