package money_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/cosellsync/cosell/money"
)

func TestExponents(t *testing.T) {
	for code, want := range map[string]int{"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3} {
		got, err := money.Exponent(code)
		require.NoError(t, err, code)
		assert.Equal(t, want, got, code)
	}
	_, err := money.Exponent("usd")
	assert.ErrorContains(t, err, "write it in upper case, USD")
	_, err = money.Exponent("dollars")
	assert.ErrorContains(t, err, "not an ISO 4217 code")
	_, err = money.Exponent("XYZ")
	assert.ErrorContains(t, err, "not in the table of supported currencies")
	assert.True(t, money.Known("EUR"))
	assert.False(t, money.Known(""))
	assert.IsNonDecreasing(t, money.Currencies())
}

func TestParse(t *testing.T) {
	cases := []struct {
		cur, in string
		minor   int64
		err     string
	}{
		{"USD", "125000", 12500000, ""},
		{"USD", "125000.5", 12500050, ""},
		{"USD", "99.50", 9950, ""},
		{"USD", " 0.01 ", 1, ""},
		{"USD", ".5", 50, ""},
		{"USD", "-12.30", -1230, ""},
		{"USD", "+7", 700, ""},
		{"USD", "10.500", 1050, ""}, // trailing zeros are not precision
		{"JPY", "1200", 1200, ""},
		{"JPY", "1200.0", 1200, ""},
		{"KWD", "1.25", 1250, ""},
		{"USD", "10000000000000", money.MaxMinor, ""},
		{"USD", "10.005", 0, "has 3 decimals, more than USD's 2"},
		{"JPY", "1.5", 0, "has 1 decimals, more than JPY's 0"},
		{"USD", "1e6", 0, "not a decimal number"},
		{"USD", "125,000", 0, "not a decimal number"},
		{"USD", "", 0, "not a decimal number"},
		{"USD", ".", 0, "not a decimal number"},
		{"USD", "--5", 0, "not a decimal number"},
		{"USD", "10000000000000.01", 0, "beyond the supported"},
		{"USD", "99999999999999999999999", 0, "beyond the supported"},
		{"usd", "1", 0, "upper case"},
	}
	for _, c := range cases {
		got, err := money.Parse(c.cur, c.in)
		if c.err != "" {
			assert.ErrorContains(t, err, c.err, "%s %q", c.cur, c.in)
			continue
		}
		require.NoError(t, err, "%s %q", c.cur, c.in)
		assert.Equal(t, money.Amount{Currency: c.cur, Minor: c.minor}, got, "%s %q", c.cur, c.in)
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		a        money.Amount
		str, dec string
	}{
		{money.Amount{Currency: "USD", Minor: 12500050}, "USD 125,000.50", "125000.50"},
		{money.Amount{Currency: "USD", Minor: 5}, "USD 0.05", "0.05"},
		{money.Amount{Currency: "USD", Minor: -100}, "USD -1.00", "-1.00"},
		{money.Amount{Currency: "JPY", Minor: 1234567}, "JPY 1,234,567", "1234567"},
		{money.Amount{Currency: "KWD", Minor: 125}, "KWD 0.125", "0.125"},
		{money.Amount{Currency: "EUR", Minor: 0}, "EUR 0.00", "0.00"},
	}
	for _, c := range cases {
		assert.Equal(t, c.str, c.a.String())
		assert.Equal(t, c.dec, c.a.Decimal())
		back, err := money.Parse(c.a.Currency, c.a.Decimal())
		require.NoError(t, err)
		assert.Equal(t, c.a, back, "Decimal reads back")
	}
	assert.InDelta(t, 125000.5, money.Amount{Currency: "USD", Minor: 12500050}.Major(), 1e-9)
	assert.InDelta(t, 1.25, money.Amount{Currency: "KWD", Minor: 1250}.Major(), 1e-9)
}

func TestAddRefusesMixedCurrencies(t *testing.T) {
	sum, err := money.Amount{Currency: "EUR", Minor: 150}.Add(money.Amount{Currency: "EUR", Minor: 250})
	require.NoError(t, err)
	assert.Equal(t, money.Amount{Currency: "EUR", Minor: 400}, sum)
	_, err = money.Amount{Currency: "EUR", Minor: 150}.Add(money.Amount{Currency: "USD", Minor: 250})
	assert.True(t, errors.Is(err, money.ErrCurrencyMismatch), err)
	_, err = money.Amount{Currency: "EUR", Minor: money.MaxMinor}.Add(money.Amount{Currency: "EUR", Minor: 1})
	assert.ErrorContains(t, err, "beyond the supported")
}

func TestRates(t *testing.T) {
	for share, want := range map[float64]money.Rate{0.2: 2000, 0.275: 2750, 0.0001: 1, 1: 10000, 0.15: 1500} {
		got, ok := money.RateOf(share)
		assert.True(t, ok, share)
		assert.Equal(t, want, got, share)
	}
	for _, share := range []float64{0.27555, -0.1} {
		_, ok := money.RateOf(share)
		assert.False(t, ok, share)
	}
	assert.Equal(t, "20%", money.Rate(2000).String())
	assert.Equal(t, "27.5%", money.Rate(2750).String())
	assert.Equal(t, "0.01%", money.Rate(1).String())
	assert.Equal(t, "7.5%", money.HalfRate(1500))
	assert.Equal(t, "13.775%", money.HalfRate(2755))
	assert.Equal(t, "20%", money.HalfRate(4000))

	usd := func(m int64) money.Amount { return money.Amount{Currency: "USD", Minor: m} }
	for _, c := range []struct {
		r         money.Rate
		in, out   int64
		rationale string
	}{
		{2500, 1001, 250, "2.5025 rounds down"},
		{2500, 1002, 251, "2.505 rounds half up"},
		{2000, 10000000, 2000000, "exact"},
		{10000, money.MaxMinor, money.MaxMinor, "no overflow at the bound"},
		{1, 1, 0, "0.0001 rounds down"},
	} {
		got, err := c.r.Apply(usd(c.in))
		require.NoError(t, err, c.rationale)
		assert.Equal(t, usd(c.out), got, c.rationale)
	}
	_, err := money.Rate(2000).Apply(usd(-1))
	assert.Error(t, err)
}

func TestAllocateByHand(t *testing.T) {
	// 100 split 1:1:1 is 33.33… each: the one unit left goes to the first by priority.
	got, err := money.Allocate(100, []int64{1, 1, 1}, []int{2, 0, 1})
	require.NoError(t, err)
	assert.Equal(t, []int64{33, 34, 33}, got)
	// Without priorities, position decides.
	got, err = money.Allocate(100, []int64{1, 1, 1}, nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{34, 33, 33}, got)
	// The largest remainder wins before priority: 10 × 0.65 = 6.5, 10 × 0.35 = 3.5 — a tie — and
	// 7 × 0.6 = 4.2, 7 × 0.4 = 2.8: the 0.8 remainder gets the unit.
	got, err = money.Allocate(7, []int64{60, 40}, []int{0, 1})
	require.NoError(t, err)
	assert.Equal(t, []int64{4, 3}, got)
	got, err = money.Allocate(10, []int64{65, 35}, []int{1, 0})
	require.NoError(t, err)
	assert.Equal(t, []int64{6, 4}, got, "a tie goes by priority")
	got, err = money.Allocate(0, []int64{3, 5}, nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{0, 0}, got)
	got, err = money.Allocate(money.MaxMinor, []int64{1 << 40, 1 << 40, 1}, nil)
	require.NoError(t, err)
	assert.Equal(t, money.MaxMinor, got[0]+got[1]+got[2], "large weights do not overflow")

	for _, bad := range []struct {
		total int64
		w     []int64
		p     []int
	}{{-1, []int64{1}, nil}, {1, []int64{0, 0}, nil}, {1, []int64{1, -1}, nil}, {1, []int64{1}, []int{0, 1}}, {1, nil, nil}} {
		_, err := money.Allocate(bad.total, bad.w, bad.p)
		assert.Error(t, err, "%+v", bad)
	}
}

func TestAllocateProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := rapid.Int64Range(0, money.MaxMinor).Draw(t, "total")
		n := rapid.IntRange(1, 6).Draw(t, "n")
		weights := rapid.SliceOfN(rapid.Int64Range(0, 20000), n, n).Draw(t, "weights")
		var wsum int64
		for _, w := range weights {
			wsum += w
		}
		if wsum == 0 {
			weights[0] = 1
			wsum = 1
		}
		prio := rapid.SliceOfN(rapid.IntRange(0, 3), n, n).Draw(t, "priority")
		parts, err := money.Allocate(total, weights, prio)
		require.NoError(t, err)
		var sum int64
		for i, p := range parts {
			sum += p
			// Each part is its exact share rounded down or up: never further off than one unit.
			exact := float64(total) * float64(weights[i]) / float64(wsum)
			if float64(p) < exact-1.01 || float64(p) > exact+1.01 || p < 0 {
				t.Fatalf("part %d = %d, exact share %f", i, p, exact)
			}
			if weights[i] == 0 && p != 0 {
				t.Fatalf("a zero weight got %d", p)
			}
		}
		if sum != total {
			t.Fatalf("parts sum to %d, not %d", sum, total)
		}
		again, _ := money.Allocate(total, weights, prio)
		assert.Equal(t, parts, again)
	})
}
