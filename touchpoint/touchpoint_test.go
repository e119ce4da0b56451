package touchpoint_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func tp(side vocab.Side, person string, kind touchpoint.Kind, minutes int, source string) touchpoint.Touchpoint {
	return touchpoint.Touchpoint{Side: side, Person: person, Kind: kind, At: t0.Add(time.Duration(minutes) * time.Minute), Deal: "CS-1", Source: source}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string]touchpoint.Kind{
		"intro": touchpoint.Intro, "Meeting": touchpoint.Meeting, "discovery call": touchpoint.DiscoveryCall,
		"Demo": touchpoint.Demo, "technical-validation": touchpoint.TechnicalValidation, "proposal review": touchpoint.ProposalReview,
		"e-mail": touchpoint.Email, "E-Mail": touchpoint.Email, "email": touchpoint.Email, "executive sponsorship": touchpoint.ExecutiveSponsorship,
	} {
		got, err := touchpoint.ParseKind(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := touchpoint.ParseKind("lunch")
	assert.ErrorContains(t, err, `unknown touchpoint kind "lunch": want one of intro, meeting, discovery_call`)
	assert.Len(t, touchpoint.Kinds, 8)
}

func TestValidate(t *testing.T) {
	require.NoError(t, tp(vocab.A, "jane@acme.example", touchpoint.Demo, 0, "x").Validate())
	err := touchpoint.Touchpoint{Side: "c", Kind: "lunch"}.Validate()
	require.Error(t, err)
	for _, msg := range []string{`side "c" is not a or b`, "no person", `unknown kind "lunch"`, "no time", "no deal"} {
		assert.ErrorContains(t, err, msg)
	}
}

func TestDeduplication(t *testing.T) {
	s := touchpoint.NewSet("CS-1", 0)
	add := func(x touchpoint.Touchpoint) touchpoint.Outcome {
		t.Helper()
		o, err := s.Add(x)
		require.NoError(t, err)
		return o
	}
	meeting := tp(vocab.A, "Jane@Acme.example", touchpoint.Meeting, 0, "a:event:1")
	assert.Equal(t, touchpoint.Added, add(meeting))
	assert.Equal(t, touchpoint.Duplicate, add(meeting), "redelivered by the feed")

	// The same meeting from the other CRM: another source, same partner, person (any case), kind and
	// minute (one CRM adds seconds).
	twin := meeting
	twin.Source, twin.Person, twin.At = "b:meeting:77", "jane@acme.example", meeting.At.Add(30*time.Second)
	assert.Equal(t, touchpoint.Duplicate, add(twin))
	assert.Len(t, s.Items, 2, "both sources kept, so either can be updated")
	assert.Len(t, s.Evidence(), 1, "counted once")

	// Without a source, the natural key is the identity.
	manual := tp(vocab.B, "kim@globex.example", touchpoint.Demo, 60, "")
	assert.Equal(t, touchpoint.Added, add(manual))
	assert.Equal(t, touchpoint.Duplicate, add(manual))

	// A rescheduled meeting: the newer version of a source record replaces the older, in any order.
	moved := meeting
	moved.At, moved.Modified = t0.Add(48*time.Hour), t0.Add(time.Hour)
	assert.Equal(t, touchpoint.Updated, add(moved))
	assert.Equal(t, touchpoint.Duplicate, add(meeting), "the older version arriving late changes nothing")
	assert.Equal(t, 3, s.Total(), "the twin now stands for the original time, the moved one for the new")

	_, err := s.Add(touchpoint.Touchpoint{Side: vocab.A, Person: "x", Kind: touchpoint.Email, At: t0, Deal: "CS-2"})
	assert.ErrorContains(t, err, "is for deal CS-2, not CS-1")
	_, err = s.Add(touchpoint.Touchpoint{Deal: "CS-1"})
	assert.Error(t, err)
	assert.Equal(t, 3, s.Total(), "refused touchpoints change nothing")
}

func TestCompaction(t *testing.T) {
	s := touchpoint.NewSet("CS-1", 3)
	for i, k := range []touchpoint.Kind{touchpoint.Demo, touchpoint.Demo, touchpoint.Email, touchpoint.Meeting, touchpoint.Demo} {
		side := vocab.A
		if i%2 == 1 {
			side = vocab.B
		}
		o, err := s.Add(tp(side, "p", k, i*10, fmt.Sprint("src-", i)))
		require.NoError(t, err)
		assert.Equal(t, touchpoint.Added, o)
	}
	assert.Len(t, s.Items, 3, "kept one by one up to the limit")
	assert.Equal(t, touchpoint.Tally{{Side: vocab.A, Kind: touchpoint.Demo, N: 1}, {Side: vocab.B, Kind: touchpoint.Demo, N: 1}}, s.Compacted,
		"the two oldest are counts now")
	assert.Equal(t, t0.Add(10*time.Minute), s.Horizon)
	assert.Equal(t, 5, s.Total())

	tally := s.Tally(time.Time{})
	assert.Equal(t, 2, tally.N(vocab.A, touchpoint.Demo), "a compacted demo and a kept one")
	assert.Equal(t, 1, tally.N(vocab.B, touchpoint.Demo))
	assert.Equal(t, 3, tally.N(vocab.A, touchpoint.Demo, touchpoint.Email, touchpoint.Meeting))
	assert.Equal(t, 0, tally.N(vocab.A, touchpoint.Intro))
	assert.Equal(t, 1, s.Tally(t0.Add(30*time.Minute)).N(vocab.A, touchpoint.Demo), "the demo at minute 40 is after the close")

	o, err := s.Add(tp(vocab.B, "late", touchpoint.Intro, 5, "src-late"))
	require.NoError(t, err)
	assert.Equal(t, touchpoint.TooOld, o, "before the horizon, it may be counted already")
	o, err = s.Add(tp(vocab.A, "p", touchpoint.Demo, 0, "src-0"))
	require.NoError(t, err)
	assert.Equal(t, touchpoint.TooOld, o, "a compacted touchpoint redelivered is not counted again")
	assert.Equal(t, 5, s.Total())

	b, err := json.Marshal(s)
	require.NoError(t, err)
	var back touchpoint.Set
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, s.Tally(time.Time{}), back.Tally(time.Time{}), "the set crosses continue-as-new as JSON")
	assert.Equal(t, s.Horizon, back.Horizon)
}

func TestZeroSetTakesTheDeal(t *testing.T) {
	var s touchpoint.Set
	o, err := s.Add(tp(vocab.A, "p", touchpoint.Email, 0, ""))
	require.NoError(t, err)
	assert.Equal(t, touchpoint.Added, o)
	assert.Equal(t, "CS-1", s.Deal)
}

// genTouchpoints draws touchpoints from a small space, so duplicates, twins and versions are common.
func genTouchpoints(t *rapid.T) []touchpoint.Touchpoint {
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) touchpoint.Touchpoint {
		x := tp(rapid.SampledFrom([]vocab.Side{vocab.A, vocab.B}).Draw(t, "side"),
			rapid.SampledFrom([]string{"jane", "JANE", "kim"}).Draw(t, "person"),
			rapid.SampledFrom(touchpoint.Kinds[:4]).Draw(t, "kind"),
			rapid.IntRange(0, 6).Draw(t, "minute"),
			rapid.SampledFrom([]string{"", "s1", "s2", "s3", "s4"}).Draw(t, "source"))
		x.Modified = t0.Add(time.Duration(rapid.IntRange(0, 2).Draw(t, "version")) * time.Hour)
		return x
	}), 0, 30).Draw(t, "touchpoints")
}

func TestOrderDoesNotMatter(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		list := genTouchpoints(t)
		perm := rapid.Permutation(list).Draw(t, "order")
		a, b := touchpoint.NewSet("CS-1", 1000), touchpoint.NewSet("CS-1", 1000)
		for i := range list {
			_, err := a.Add(list[i])
			require.NoError(t, err)
			_, err = b.Add(perm[i])
			require.NoError(t, err)
		}
		assert.Equal(t, a.Items, b.Items)
		assert.Equal(t, a.Evidence(), b.Evidence())
		assert.Equal(t, a.Tally(time.Time{}), b.Tally(time.Time{}))
	})
}

// Compaction never counts a touchpoint twice, whether it is redelivered or comes from a second source.
// (An edit of a record after it was compacted keeps the count of its old version: the documented cost
// of the bound, so versions are left out here.)
func TestBoundedAndNeverInflated(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		list := genTouchpoints(t)
		first := map[string]touchpoint.Touchpoint{}
		for i, x := range list {
			if x.Source == "" {
				continue
			}
			if f, ok := first[x.Source]; ok {
				list[i] = f // a redelivery, not an edit
			} else {
				first[x.Source] = x
			}
		}
		limit := rapid.IntRange(1, 6).Draw(t, "limit")
		small, all := touchpoint.NewSet("CS-1", limit), touchpoint.NewSet("CS-1", 1000)
		for _, x := range list {
			_, err := small.Add(x)
			require.NoError(t, err)
			_, _ = all.Add(x)
			if len(small.Items) > limit {
				t.Fatalf("%d items kept, limit %d", len(small.Items), limit)
			}
		}
		// Compaction may refuse a late touchpoint, never count one twice.
		if small.Total() > all.Total() {
			t.Fatalf("the compacted set counts %d touchpoints, the distinct ones are %d", small.Total(), all.Total())
		}
		var tallied int
		for _, c := range small.Tally(time.Time{}) {
			tallied += c.N
		}
		assert.Equal(t, small.Total(), tallied)
	})
}
