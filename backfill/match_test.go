package backfill

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func amt(v float64) *float64 { return &v }

func rec(id, domain, company, close string, amount float64) Record {
	return Record{ID: id, Domain: domain, Company: company, CloseDate: close, Amount: amt(amount), Title: "deal " + id}
}

func withID(r Record, id string, linked bool) Record {
	r.CoSellID, r.Linked = id, linked
	return r
}

func links(res Result) []string {
	var out []string
	for _, p := range res.Link {
		out = append(out, p.A.ID+"-"+p.B.ID+":"+p.By+":"+p.CoSellID)
	}
	return out
}

func ids(rs []Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestCandidates(t *testing.T) {
	tol := DefaultTolerance()
	base := rec("a", "acme.com", "acme", "2026-06-10", 100000)
	for _, tc := range []struct {
		name string
		b    Record
		want bool
	}{
		{"identical", rec("b", "acme.com", "acme", "2026-06-10", 100000), true},
		{"close date 7 days later", rec("b", "acme.com", "acme", "2026-06-17", 100000), true},
		{"close date 8 days earlier", rec("b", "acme.com", "acme", "2026-06-02", 100000), false},
		{"amount 5% lower", rec("b", "acme.com", "acme", "2026-06-10", 95000), true},
		{"amount 5.1% lower", rec("b", "acme.com", "acme", "2026-06-10", 94900), false},
		{"other domain, same name", rec("b", "acme.io", "acme", "2026-06-10", 100000), false},
		{"no domain, same name", rec("b", "", "acme", "2026-06-10", 100000), true},
		{"no domain, other name", rec("b", "", "acme labs", "2026-06-10", 100000), false},
		{"no close date", rec("b", "acme.com", "acme", "", 100000), false},
		{"no amount", Record{ID: "b", Domain: "acme.com", CloseDate: "2026-06-10"}, false},
		{"same co-sell id", withID(rec("b", "acme.com", "acme", "2026-06-10", 100000), "CS-1", false), true},
		{"linked elsewhere", withID(rec("b", "acme.com", "acme", "2026-06-10", 100000), "CS-1", true), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Candidates(base, tc.b, tol))
		})
	}
	a1, b2 := withID(base, "CS-1", false), withID(rec("b", "acme.com", "acme", "2026-06-10", 100000), "CS-2", false)
	assert.False(t, Candidates(a1, b2, tol), "two different co-sell ids are two deals")
	assert.True(t, Candidates(rec("a", "x.com", "", "2026-01-01", 0), rec("b", "x.com", "", "2026-01-01", 0), tol), "two zero amounts agree")
	assert.True(t, Candidates(base, rec("b", "acme.com", "", "2026-06-30", 80000), Tolerance{CloseDays: 20, AmountPct: 20}), "wider tolerances")
	assert.False(t, Candidates(Record{ID: "a", CloseDate: "2026-01-01", Amount: amt(1)}, Record{ID: "b", CloseDate: "2026-01-01", Amount: amt(1)}, tol), "no account at all")
}

func TestMatch(t *testing.T) {
	tol := DefaultTolerance()
	for _, tc := range []struct {
		name       string
		as, bs     []Record
		link       []string
		already    []string
		ambiguous  [][2][]string // per group: a's ids, b's ids
		unA, unB   []string
		reasonPart string
	}{
		{
			name: "one pair",
			as:   []Record{rec("a1", "acme.com", "acme", "2026-06-10", 1000)},
			bs:   []Record{rec("b1", "acme.com", "acme", "2026-06-12", 990)},
			link: []string{"a1-b1:deal:"},
		},
		{
			name: "one pair by co-sell id despite different deals",
			as:   []Record{withID(rec("a1", "acme.com", "acme", "2026-06-10", 1000), "CS-X", false)},
			bs:   []Record{withID(rec("b1", "other.com", "other", "2027-01-01", 5), "CS-X", false)},
			link: []string{"a1-b1:cosell_id:CS-X"},
		},
		{
			name: "an id on one side is kept for the link",
			as:   []Record{rec("a1", "acme.com", "acme", "2026-06-10", 1000)},
			bs:   []Record{withID(rec("b1", "acme.com", "acme", "2026-06-10", 1000), "CS-Y", false)},
			link: []string{"a1-b1:deal:CS-Y"},
		},
		{
			name:    "already linked pairs are left alone",
			as:      []Record{withID(rec("a1", "acme.com", "acme", "2026-06-10", 1000), "CS-L", true)},
			bs:      []Record{withID(rec("b1", "acme.com", "acme", "2026-06-10", 1000), "CS-L", true), rec("b2", "acme.com", "acme", "2026-06-10", 1000)},
			already: []string{"CS-L"},
			unB:     []string{"b2"},
		},
		{
			name:       "two candidates on side b",
			as:         []Record{rec("a1", "acme.com", "acme", "2026-06-10", 1000)},
			bs:         []Record{rec("b1", "acme.com", "acme", "2026-06-10", 1000), rec("b2", "acme.com", "acme", "2026-06-11", 1010)},
			ambiguous:  [][2][]string{{{"a1"}, {"b1", "b2"}}},
			reasonPart: "1 deals on side a and 2 on side b of account domain:acme.com",
		},
		{
			name:      "two on each side of one account, a chain",
			as:        []Record{rec("a1", "acme.com", "", "2026-06-01", 1000), rec("a2", "acme.com", "", "2026-06-09", 1000)},
			bs:        []Record{rec("b1", "acme.com", "", "2026-06-05", 1000), rec("b2", "acme.com", "", "2026-06-14", 1000)},
			ambiguous: [][2][]string{{{"a1", "a2"}, {"b1", "b2"}}},
		},
		{
			name: "two deals of one account far apart in time are each unambiguous",
			as:   []Record{rec("a1", "acme.com", "", "2026-01-10", 1000), rec("a2", "acme.com", "", "2026-09-10", 50000)},
			bs:   []Record{rec("b2", "acme.com", "", "2026-09-12", 49000), rec("b1", "acme.com", "", "2026-01-08", 1000)},
			link: []string{"a1-b1:deal:", "a2-b2:deal:"},
		},
		{
			name: "unmatched on both sides",
			as:   []Record{rec("a1", "acme.com", "", "2026-01-10", 1000)},
			bs:   []Record{rec("b1", "globex.com", "", "2026-01-10", 1000)},
			unA:  []string{"a1"},
			unB:  []string{"b1"},
		},
		{
			name:       "a co-sell id on two records of one side",
			as:         []Record{withID(rec("a1", "acme.com", "", "2026-01-10", 1000), "CS-D", false), withID(rec("a2", "acme.com", "", "2026-01-10", 1000), "CS-D", false)},
			bs:         []Record{withID(rec("b1", "acme.com", "", "2026-01-10", 1000), "CS-D", false)},
			ambiguous:  [][2][]string{{{"a1", "a2"}, {"b1"}}},
			reasonPart: "co-sell id CS-D is carried by 2 records on side a and 1 on side b",
		},
		{
			name:      "an ambiguous group does not hold up the clear pairs",
			as:        []Record{rec("a1", "acme.com", "", "2026-01-10", 1000), rec("a9", "initech.com", "", "2026-03-01", 7)},
			bs:        []Record{rec("b1", "acme.com", "", "2026-01-10", 1000), rec("b2", "acme.com", "", "2026-01-12", 1000), rec("b9", "initech.com", "", "2026-03-02", 7)},
			link:      []string{"a9-b9:deal:"},
			ambiguous: [][2][]string{{{"a1"}, {"b1", "b2"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Match(tc.as, tc.bs, tol)
			assert.Equal(t, tc.link, links(res))
			assert.Equal(t, tc.already, res.AlreadyLinked)
			require.Len(t, res.Ambiguous, len(tc.ambiguous))
			for i, g := range tc.ambiguous {
				assert.Equal(t, g[0], ids(res.Ambiguous[i].A))
				assert.Equal(t, g[1], ids(res.Ambiguous[i].B))
				assert.NotEmpty(t, res.Ambiguous[i].Candidates)
				if tc.reasonPart != "" {
					assert.Contains(t, res.Ambiguous[i].Reason, tc.reasonPart)
				}
			}
			assert.Equal(t, tc.unA, ids(res.UnmatchedA))
			assert.Equal(t, tc.unB, ids(res.UnmatchedB))
			// Every record is accounted for exactly once.
			n := 2*len(res.Link) + len(res.UnmatchedA) + len(res.UnmatchedB)
			for _, g := range res.Ambiguous {
				n += len(g.A) + len(g.B)
			}
			linked := 0
			for _, rs := range [][]Record{tc.as, tc.bs} {
				for _, r := range rs {
					if r.Linked {
						linked++
					}
				}
			}
			assert.Equal(t, len(tc.as)+len(tc.bs), n+linked)
		})
	}
}

func TestMatchIgnoresInputOrder(t *testing.T) {
	as := []Record{rec("a3", "x.com", "", "2026-01-01", 10), rec("a1", "acme.com", "", "2026-01-10", 1000), rec("a2", "acme.com", "", "2026-01-11", 1000)}
	bs := []Record{rec("b1", "acme.com", "", "2026-01-10", 1000), rec("b3", "x.com", "", "2026-01-02", 10)}
	want := Match(as, bs, DefaultTolerance())
	slices.Reverse(as)
	slices.Reverse(bs)
	assert.Equal(t, want, Match(as, bs, DefaultTolerance()))
}

func TestToleranceValidate(t *testing.T) {
	require.NoError(t, DefaultTolerance().Validate())
	assert.ErrorContains(t, Tolerance{CloseDays: -1}.Validate(), "close-date tolerance")
	assert.ErrorContains(t, Tolerance{AmountPct: 101}.Validate(), "amount tolerance")
}

func TestReviewRoundTripAndConfirm(t *testing.T) {
	res := Match([]Record{rec("a1", "acme.com", "", "2026-01-10", 1000)},
		[]Record{rec("b1", "acme.com", "", "2026-01-10", 1000), rec("b2", "acme.com", "", "2026-01-12", 1000)}, DefaultTolerance())
	rv := NewReview("demo", "2026-01-01", res.Ambiguous)
	b, err := rv.Marshal()
	require.NoError(t, err)
	assert.Contains(t, string(b), "set confirm: true")
	assert.Contains(t, string(b), "confirm: false")

	back, err := ParseReview(b)
	require.NoError(t, err)
	none, err := back.Confirmed()
	require.NoError(t, err)
	assert.Empty(t, none, "nothing is confirmed until the admin says so")

	edited := strings.Replace(string(b), "confirm: false", "confirm: true", 1)
	back, err = ParseReview([]byte(edited))
	require.NoError(t, err)
	pairs, err := back.Confirmed()
	require.NoError(t, err)
	require.Len(t, pairs, 1)
	assert.Equal(t, "a1", pairs[0].A.ID)
	assert.Equal(t, "b1", pairs[0].B.ID)
	assert.Equal(t, ByAdmin, pairs[0].By)

	both := strings.ReplaceAll(string(b), "confirm: false", "confirm: true")
	back, err = ParseReview([]byte(both))
	require.NoError(t, err)
	_, err = back.Confirmed()
	assert.ErrorContains(t, err, "record a1 is confirmed twice")

	_, err = ParseReview([]byte(strings.Replace(string(b), "confirm: false", "confrim: true", 1)))
	assert.ErrorContains(t, err, "confrim", "a misspelt key is refused, not ignored")
	_, err = ParseReview([]byte("groups: []\n"))
	assert.ErrorContains(t, err, "no pairing")
}
