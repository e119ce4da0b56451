package money

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Rate is a percentage in basis points: 2000 is 20 %, 2750 is 27.5 %, 10000 is 100 %. Commission
// rates and role shares are published with at most two decimals of a percent, so an integer number of
// basis points holds every one of them exactly, and products with amounts stay integers.
type Rate int

// Whole is 100 %.
const Whole Rate = 10000

// RateOf converts a share of 1 (0.275 for 27.5 %) to basis points. ok is false when the share is not
// a whole number of basis points (27.555 %), is negative, or is not a finite number.
func RateOf(share float64) (r Rate, ok bool) {
	if math.IsNaN(share) || math.IsInf(share, 0) || share < 0 || share > 1e6 {
		return 0, false
	}
	bp := math.Round(share * 10000)
	if math.Abs(share*10000-bp) > 1e-6 {
		return 0, false
	}
	return Rate(bp), true
}

// String writes the rate as a percentage with no more decimals than it has: "20%", "27.5%", "0.01%".
func (r Rate) String() string { return percent(int64(r), 2) }

// percent writes n ÷ 10^scale percent with its significant decimals.
func percent(n int64, scale int) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	div := int64(math.Pow10(scale))
	s := strconv.FormatInt(n/div, 10)
	if frac := n % div; frac != 0 {
		f := strconv.FormatInt(frac, 10)
		s += "." + strings.TrimRight(strings.Repeat("0", scale-len(f))+f, "0")
	}
	return sign + s + "%"
}

// HalfRate writes half of r basis points exactly ("7.5%" for half of 15 %), for a role two partners
// share.
func HalfRate(r Rate) string {
	return percent(int64(r)*5, 3)
}

// Apply returns r of amount, rounded half up to a whole minor unit: 25 % of USD 10.01 is USD 2.50
// (2.5025), 25 % of USD 10.02 is USD 2.51 (2.505). amount and r must not be negative.
func (r Rate) Apply(amount Amount) (Amount, error) {
	if amount.Minor < 0 || r < 0 {
		return Amount{}, fmt.Errorf("%s of %s: negative amounts and rates have no commission", r, amount)
	}
	q, rem := mulDiv(uint64(amount.Minor), uint64(r), uint64(Whole))
	if 2*rem >= uint64(Whole) {
		q++
	}
	return New(amount.Currency, int64(q))
}

// mulDiv returns a×b ÷ d and its remainder, exactly, for a quotient that fits in 64 bits.
func mulDiv(a, b, d uint64) (q, rem uint64) {
	hi, lo := bits.Mul64(a, b)
	return bits.Div64(hi, lo, d)
}
