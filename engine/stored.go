package engine

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/cosellsync/cosell/vocab"
)

// storedAs reports whether a CRM may have stored the value sent, written to field, as seen: the same
// value, or the form CRMs normalise a write to — text without its surrounding spaces, an amount rounded
// to cents or written with other decimals. A write whose answer was lost leaves the engine without the
// stored form (Written.Stored); this lets a later look recognise that write as its CRM stored it, so
// the stored form is neither taken for the party's edit (which would flow back over the value it came
// from) nor for a conflicting one. The forms are deliberately narrow: a value they confuse with the
// party's own edit differs from what was sent by spaces or less than a cent, and is kept standing for
// what was sent.
func storedAs(field, sent, seen string) bool {
	if sent == seen {
		return true
	}
	if isUnmapped(sent) || isUnmapped(seen) || seen == "" {
		return false
	}
	if seen == strings.TrimSpace(sent) || seen == strings.TrimRightFunc(sent, unicode.IsSpace) {
		return true
	}
	if field != vocab.FieldAmount {
		return false
	}
	x, errX := strconv.ParseFloat(strings.TrimSpace(sent), 64)
	y, errY := strconv.ParseFloat(seen, 64)
	if errX != nil || errY != nil || math.IsInf(x, 0) || math.IsNaN(x) || math.IsInf(y, 0) || math.IsNaN(y) {
		return false
	}
	return x == y || math.Abs(math.Round(x*100)/100-y) <= 1e-9*math.Max(1, math.Abs(y))
}

// SameStored reports whether two CRMs' values of a field stand for one canonical value: equal, or one
// the form a CRM stores the other in (storedAs: a trimmed space, an amount rounded to cents). A check
// that compares both CRMs (package drift) uses it so that a normalisation the engine accepts as its
// own write is not reported as the two sides disagreeing.
func SameStored(field, x, y string) bool {
	return storedAs(field, x, y) || storedAs(field, y, x)
}
