package connectors

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestCursorOrdersByTimeThenID(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := Cursor{ModifiedAt: t0, ID: "9"}
	assert.True(t, c.Less(t0.Add(time.Millisecond), "1"), "a later time sorts after whatever the id")
	assert.False(t, c.Less(t0.Add(-time.Millisecond), "99"))
	assert.True(t, c.Less(t0, "10"), "HubSpot ids compare as numbers: 9 < 10")
	assert.False(t, c.Less(t0, "9"), "strictly after")
	assert.True(t, Cursor{ModifiedAt: t0, ID: "006000000000001AAA"}.Less(t0, "006000000000002AAA"))
	assert.Equal(t, -1, CompareIDs("99", "100"))
	assert.Equal(t, 1, CompareIDs("b", "a"))
	assert.Equal(t, 0, CompareIDs("42", "42"))
}
