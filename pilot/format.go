package pilot

import (
	"math"
	"strconv"
	"strings"
)

// symbols are the currency signs scorecards write before an amount; other codes are written out
// ("CHF 1,200").
var symbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}

// Money formats an amount for people: the currency's sign, thousands separators, and cents only when
// there are any ("$1,234,567", "€1,234.50"). A value that is not a number reads "no data".
func Money(currency string, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return NoData
	}
	cents := math.Round(v * 100)
	neg := cents < 0
	if neg {
		cents = -cents
	}
	whole := math.Floor(cents / 100)
	frac := int(cents - whole*100)
	var b strings.Builder
	if neg {
		b.WriteString("−")
	}
	if sym, ok := symbols[currency]; ok {
		b.WriteString(sym)
	} else if currency != "" {
		b.WriteString(currency + " ")
	}
	b.WriteString(thousands(strconv.FormatFloat(whole, 'f', 0, 64)))
	if frac != 0 {
		b.WriteString("." + strconv.Itoa(frac/10) + strconv.Itoa(frac%10))
	}
	return b.String()
}

// Count formats a whole number with thousands separators.
func Count(n int) string {
	if n < 0 {
		return "−" + thousands(strconv.Itoa(-n))
	}
	return thousands(strconv.Itoa(n))
}

// thousands puts a comma between each group of three digits.
func thousands(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// Percent formats a share as a percentage with one decimal: 0.439 is "43.9%".
func Percent(share float64) string {
	if math.IsNaN(share) || math.IsInf(share, 0) {
		return NoData
	}
	return oneDecimal(share*100) + "%"
}

// Days formats a number of pilot days with one decimal: "12.5 days", "1.0 day".
func Days(d float64) string {
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return NoData
	}
	s := oneDecimal(d)
	if s == "1.0" {
		return s + " day"
	}
	return s + " days"
}

// oneDecimal writes v rounded to one decimal, never "-0.0".
func oneDecimal(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	if s == "-0.0" {
		return "0.0"
	}
	return s
}

// percentOf, moneyOf and daysOf format a Ratio, or "no data" when it has none.
func percentOf(r Ratio) string {
	if !r.Valid {
		return NoData
	}
	return Percent(r.Value)
}

func moneyOf(currency string, r Ratio) string {
	if !r.Valid {
		return NoData
	}
	return Money(currency, r.Value)
}

func daysOf(r Ratio) string {
	if !r.Valid {
		return NoData
	}
	return Days(r.Value)
}

// plural writes "1 deal", "3 deals".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Count(n) + " " + many
}
