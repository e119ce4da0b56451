package salesforce

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTo18MatchesSalesforceCaseSafeSuffix(t *testing.T) {
	// The example id Salesforce's own documentation converts.
	assert.Equal(t, "a0D30000001n7PiEAI", to18("a0D30000001n7Pi"))
}

func TestNormalizeID(t *testing.T) {
	id := mintID(prefixOpportunity, 42)
	assert.Len(t, id, 18)
	got, ok := normalizeID(id[:15])
	assert.True(t, ok)
	assert.Equal(t, id, got)
	_, ok = normalizeID(id[:15] + "ZZZ")
	assert.False(t, ok, "a wrong case-safe suffix is rejected")
	_, ok = normalizeID("006-not-an-id!")
	assert.False(t, ok)
}

func TestMintedIDsSortInCreationOrder(t *testing.T) {
	var got []string
	for _, n := range []uint64{1, 9, 10, 61, 62, 3843, 3844, 1 << 40} {
		got = append(got, mintID(prefixTask, n))
	}
	assert.True(t, sort.StringsAreSorted(got), got)
}
