package engine

import (
	"testing"

	"github.com/cosellsync/cosell/vocab"
)

func TestStoredAs(t *testing.T) {
	for _, tc := range []struct {
		field, sent, seen string
		want              bool
	}{
		{vocab.FieldName, "Initech", "Initech", true},
		{vocab.FieldName, "Initech ", "Initech", true},
		{vocab.FieldName, " Initech ", "Initech", true},
		{vocab.FieldName, "Initech", "Initech ", false}, // a CRM adds no spaces
		{vocab.FieldName, "Initech", "initech", false},
		{vocab.FieldName, "1002.001", "1002", false}, // only an amount is rounded
		{vocab.FieldAmount, "1002.001", "1002", true},
		{vocab.FieldAmount, "1002.004", "1002.00", true},
		{vocab.FieldAmount, "1002.006", "1002.01", true},
		{vocab.FieldAmount, "1002.006", "1002.00", false},
		{vocab.FieldAmount, "1002", "1002.00", true},
		{vocab.FieldAmount, "1001.5", "1002", false}, // cents are kept: 1001.50
		{vocab.FieldAmount, "1001", "1002", false},
		{vocab.FieldAmount, "1002", "", false},
		{vocab.FieldAmount, "NaN", "NaN", true},
		{vocab.FieldAmount, "1e400", "1", false},
		{vocab.FieldStage, "qualification", "proposal", false},
		{vocab.FieldStage, unmappedValue("Review "), "Review", false},
	} {
		if got := storedAs(tc.field, tc.sent, tc.seen); got != tc.want {
			t.Errorf("storedAs(%s, %q, %q) = %v, want %v", tc.field, tc.sent, tc.seen, got, tc.want)
		}
	}
}

func TestSameStoredIsSymmetric(t *testing.T) {
	for _, tc := range []struct {
		field, x, y string
		want        bool
	}{
		{vocab.FieldName, "Initech", "Initech", true},
		{vocab.FieldName, "Initech ", "Initech", true},
		{vocab.FieldName, "Initech", "Initech ", true},
		{vocab.FieldName, "Initech", "initech", false},
		{vocab.FieldAmount, "1002.004", "1002", true},
		{vocab.FieldAmount, "1002", "1002.004", true},
		{vocab.FieldAmount, "1002", "1003", false},
		{vocab.FieldName, "1002.004", "1002", false},
		{vocab.FieldAmount, "1002", "", false},
	} {
		if got := SameStored(tc.field, tc.x, tc.y); got != tc.want {
			t.Errorf("SameStored(%s, %q, %q) = %v, want %v", tc.field, tc.x, tc.y, got, tc.want)
		}
	}
}
