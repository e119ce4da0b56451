package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxMinor bounds an amount: 10^15 minor units (ten trillion US dollars). A larger deal amount is a
// typo or a unit mix-up (cents entered as dollars), and the bound keeps every product of an amount
// and a rate, and every sum of a pilot's deals, far from int64 overflow.
const MaxMinor int64 = 1_000_000_000_000_000

// ErrCurrencyMismatch is returned whenever two amounts in different currencies meet: amounts are
// never converted, so a USD deal never lands in a EUR total.
var ErrCurrencyMismatch = errors.New("currency mismatch")

// Amount is an exact amount of money: an integer number of minor units (cents, yen, fils) of an ISO
// 4217 currency. Commission arithmetic is done in integers so that parts add up to their total to the
// last minor unit, which floating point cannot promise.
type Amount struct {
	Currency string `json:"currency"`
	Minor    int64  `json:"minor"`
}

// New checks that currency is supported and minor within ±MaxMinor.
func New(currency string, minor int64) (Amount, error) {
	if _, err := Exponent(currency); err != nil {
		return Amount{}, err
	}
	if minor > MaxMinor || minor < -MaxMinor {
		return Amount{}, fmt.Errorf("amount of %d minor units of %s is beyond the supported ±%d", minor, currency, MaxMinor)
	}
	return Amount{Currency: currency, Minor: minor}, nil
}

// Parse reads a decimal amount as the pairing's canonical number fields write it ("125000",
// "99.5", "-12.30") in currency. More decimals than the currency has are refused unless they are zeros
// ("10.005" USD would have to be rounded, and a rounding nobody asked for is a silent error); so are
// exponents, thousands separators and anything else that is not a plain decimal.
func Parse(currency, decimal string) (Amount, error) {
	exp, err := Exponent(currency)
	if err != nil {
		return Amount{}, err
	}
	s := strings.TrimSpace(decimal)
	neg := strings.HasPrefix(s, "-")
	if neg || strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && (!dot || frac == "") || !digits(whole) || !digits(frac) {
		return Amount{}, fmt.Errorf("amount %q is not a decimal number such as 125000 or 99.50", decimal)
	}
	if trimmed := strings.TrimRight(frac, "0"); len(trimmed) > exp {
		return Amount{}, fmt.Errorf("amount %q has %d decimals, more than %s's %d", decimal, len(trimmed), currency, exp)
	}
	frac = strings.TrimRight(frac, "0")
	frac += strings.Repeat("0", exp-len(frac))
	whole = strings.TrimLeft(whole, "0")
	if len(whole)+exp > 16 { // 10^16 minor units and above cannot be within MaxMinor
		return Amount{}, fmt.Errorf("amount %q is beyond the supported %s", decimal, Amount{Currency: currency, Minor: MaxMinor})
	}
	minor, err := strconv.ParseInt("0"+whole+frac, 10, 64)
	if err != nil {
		return Amount{}, fmt.Errorf("amount %q: %w", decimal, err)
	}
	if neg {
		minor = -minor
	}
	return New(currency, minor)
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Decimal writes the amount as a plain decimal with the currency's exponent ("125000.00", "-3",
// "1.250"), the form Parse reads and CRMs accept in a number field.
func (a Amount) Decimal() string {
	exp := exponents[a.Currency]
	return a.format(exp, false)
}

// String writes the amount for people: the code, thousands separators and the currency's decimals,
// "USD 125,000.00", "JPY 1,200", "KWD 0.125". CRM notes use it, so both partners read the same text.
func (a Amount) String() string {
	exp, ok := exponents[a.Currency]
	if !ok {
		return fmt.Sprintf("%s %d minor units", a.Currency, a.Minor)
	}
	return a.Currency + " " + a.format(exp, true)
}

func (a Amount) format(exp int, separators bool) string {
	m := a.Minor
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	div := int64(math.Pow10(exp))
	whole := strconv.FormatInt(m/div, 10)
	if separators {
		whole = thousands(whole)
	}
	if exp == 0 {
		return sign + whole
	}
	frac := strconv.FormatInt(m%div, 10)
	return sign + whole + "." + strings.Repeat("0", exp-len(frac)) + frac
}

// thousands puts a comma between each group of three digits.
func thousands(digits string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Add sums two amounts of the same currency; different currencies give ErrCurrencyMismatch, and a sum
// beyond MaxMinor an error.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("add %s to %s: %w", b, a, ErrCurrencyMismatch)
	}
	sum := a.Minor + b.Minor
	if sum > MaxMinor || sum < -MaxMinor {
		return Amount{}, fmt.Errorf("add %s to %s: the sum is beyond the supported ±%d minor units", b, a, MaxMinor)
	}
	return Amount{Currency: a.Currency, Minor: sum}, nil
}

// Major is the amount in major units (dollars, euros, yen) as a float, for display code that works in
// floats (the pilot's scorecard); never for further arithmetic.
func (a Amount) Major() float64 {
	return float64(a.Minor) / math.Pow10(exponents[a.Currency])
}
