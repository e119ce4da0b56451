package engine

import "testing"

func TestStoredAs(t *testing.T) {
	for _, tc := range []struct {
		sent, seen string
		want       bool
	}{
		{"Initech", "Initech", true},
		{"Initech ", "Initech", true},
		{" Initech ", "Initech", true},
		{"Initech", "Initech ", false}, // a CRM adds no spaces
		{"Initech", "initech", false},
		{"1002.001", "1002", true},
		{"1002.004", "1002.00", true},
		{"1002.006", "1002.01", true},
		{"1002.006", "1002.00", false},
		{"1002", "1002.00", true},
		{"1002.5", "1002", false}, // rounds to 1003
		{"1001", "1002", false},
		{"1002", "", false},
		{"qualification", "proposal", false},
		{unmappedValue("Review"), "Review", false},
		{"NaN", "NaN", true},
		{"Inf", "Inf", true},
		{"1e400", "1e400", true},
		{"1e400", "1", false},
	} {
		if got := storedAs(tc.sent, tc.seen); got != tc.want {
			t.Errorf("storedAs(%q, %q) = %v, want %v", tc.sent, tc.seen, got, tc.want)
		}
	}
}
