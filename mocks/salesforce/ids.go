package salesforce

import (
	"fmt"
	"strings"
)

// Key prefixes of the objects the fake serves, as in every real org.
const (
	prefixAccount     = "001"
	prefixOpportunity = "006"
	prefixUser        = "005"
	prefixTask        = "00T"
	prefixEvent       = "00U"
	prefixOrg         = "00D"
	prefixLocator     = "01g"
)

// base62 is ordered as ASCII so that ids minted later sort after earlier ones, like real ids within a pod.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// mintID builds a 15-character id (prefix, a fixed pod part, a base62 counter) and adds the case-safe suffix.
func mintID(prefix string, n uint64) string {
	var counter [9]byte
	for i := len(counter) - 1; i >= 0; i-- {
		counter[i] = base62[n%62]
		n /= 62
	}
	return to18(prefix + "5g0" + string(counter[:]))
}

// to18 appends Salesforce's 3-character case-safe suffix to a 15-character id: for each 5-character chunk,
// a bit per upper-case letter, mapped onto A-Z0-5.
func to18(id15 string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	var b strings.Builder
	b.WriteString(id15)
	for chunk := 0; chunk < 3; chunk++ {
		v := 0
		for i := 0; i < 5; i++ {
			c := id15[chunk*5+i]
			if c >= 'A' && c <= 'Z' {
				v |= 1 << i
			}
		}
		b.WriteByte(alphabet[v])
	}
	return b.String()
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// normalizeID returns the 18-character form of a 15- or 18-character id, and whether s is a well-formed id
// (an 18-character id must carry the right suffix, as Salesforce checks).
func normalizeID(s string) (string, bool) {
	switch {
	case len(s) == 15 && isAlnum(s):
		return to18(s), true
	case len(s) == 18 && isAlnum(s):
		if to18(s[:15]) != s[:15]+strings.ToUpper(s[15:]) {
			return "", false
		}
		return s[:15] + strings.ToUpper(s[15:]), true
	default:
		return "", false
	}
}

// parseSeedID accepts a fixed id from seed data and checks its key prefix.
func parseSeedID(s, prefix string) (string, error) {
	id, ok := normalizeID(s)
	if !ok {
		return "", fmt.Errorf("malformed id %q: want 15 or 18 alphanumerics with a valid case-safe suffix", s)
	}
	if !strings.HasPrefix(id, prefix) {
		return "", fmt.Errorf("id %q: want key prefix %s", s, prefix)
	}
	return id, nil
}
