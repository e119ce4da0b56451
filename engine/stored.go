package engine

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// storedAs reports whether a CRM may have stored a written value sent as seen: the same value, or one
// of the forms CRMs normalise a write to — text without its surrounding spaces, a number rounded to the
// precision the CRM keeps (a currency's cents, whole units) or formatted with more decimals. A write
// whose answer was lost leaves the engine without the stored form (Written.Stored); this lets a later
// look recognise that write as its CRM stored it, so the stored form is neither taken for the party's
// edit (which would flow back over the value it came from) nor for a conflicting one.
func storedAs(sent, seen string) bool {
	if sent == seen {
		return true
	}
	if isUnmapped(sent) || isUnmapped(seen) || seen == "" {
		return false
	}
	if seen == strings.TrimSpace(sent) || seen == strings.TrimRightFunc(sent, unicode.IsSpace) {
		return true
	}
	x, errX := strconv.ParseFloat(strings.TrimSpace(sent), 64)
	y, errY := strconv.ParseFloat(seen, 64)
	if errX != nil || errY != nil || math.IsInf(x, 0) || math.IsNaN(x) || math.IsInf(y, 0) || math.IsNaN(y) {
		return false
	}
	decimals := 0
	if i := strings.IndexByte(seen, '.'); i >= 0 {
		decimals = len(seen) - i - 1
	}
	if decimals > 9 {
		return x == y
	}
	scale := math.Pow(10, float64(decimals))
	return math.Abs(math.Round(x*scale)/scale-y) <= 1e-9*math.Max(1, math.Abs(y))
}
