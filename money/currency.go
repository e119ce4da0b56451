package money

import (
	"fmt"
	"slices"
	"strings"
)

// exponents is the ISO 4217 minor-unit exponent of the currencies co-sold deals are commonly priced in:
// how many decimal digits an amount has (USD 2: cents; JPY 0: whole yen; KWD 3: fils). The table is
// deliberately explicit rather than "2 unless told": a currency missing here is refused, because
// guessing its exponent would misstate every amount in it by a factor of ten or more. Add a line
// (with the ISO 4217 exponent) to support another one.
var exponents = map[string]int{
	// Two decimals.
	"AED": 2, "ARS": 2, "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "COP": 2, "CZK": 2,
	"DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2,
	"KES": 2, "MAD": 2, "MXN": 2, "MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2, "PEN": 2, "PHP": 2,
	"PKR": 2, "PLN": 2, "QAR": 2, "RON": 2, "RUB": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2,
	"TRY": 2, "TWD": 2, "UAH": 2, "USD": 2, "ZAR": 2,
	// No minor unit.
	"CLP": 0, "ISK": 0, "JPY": 0, "KRW": 0, "PYG": 0, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0,
	// Three decimals.
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// Exponent returns the ISO 4217 minor-unit exponent of a currency code (USD 2, JPY 0, KWD 3). The
// code must be written in upper case, as ISO 4217 and both CRMs write it.
func Exponent(code string) (int, error) {
	if e, ok := exponents[code]; ok {
		return e, nil
	}
	if up := strings.ToUpper(strings.TrimSpace(code)); up != code {
		if _, ok := exponents[up]; ok {
			return 0, fmt.Errorf("currency %q: write it in upper case, %s", code, up)
		}
	}
	if len(code) != 3 {
		return 0, fmt.Errorf("currency %q is not an ISO 4217 code (three letters such as USD, EUR or JPY)", code)
	}
	return 0, fmt.Errorf("currency %s is not in the table of supported currencies (%s); add it with its ISO 4217 minor-unit exponent in money/currency.go",
		code, strings.Join(Currencies(), ", "))
}

// Known reports whether code is a supported currency.
func Known(code string) bool {
	_, ok := exponents[code]
	return ok
}

// Currencies lists the supported codes in alphabetical order.
func Currencies() []string {
	codes := make([]string, 0, len(exponents))
	// Collected, then sorted: the map's order never reaches the result.
	//workflowcheck:ignore
	for c := range exponents {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}
