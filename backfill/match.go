package backfill

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Record is one side's deal as the matcher sees it: compact, because a backfill carries every scanned
// deal of both sides in its workflow state until it has matched them.
type Record struct {
	// ID is the CRM record id.
	ID string `json:"id"`
	// CoSellID is the co-sell id the record carries, empty when none.
	CoSellID string `json:"coSellId,omitempty"`
	// Linked says the record's co-sell id belongs to a running deal: it is linked already.
	Linked bool `json:"linked,omitempty"`
	// Domain is the account's normalized domain (account.Domain), Company its normalized company name
	// (account.Name); either may be empty.
	Domain  string `json:"domain,omitempty"`
	Company string `json:"company,omitempty"`
	// CloseDate is the canonical close date, YYYY-MM-DD; empty when the deal has none.
	CloseDate string `json:"closeDate,omitempty"`
	// Amount is the canonical amount; nil when the deal has none.
	Amount *float64 `json:"amount,omitempty"`
	// Title is the deal's name, for the admin reading the review file.
	Title string `json:"title,omitempty"`
}

// Account is the record's account key as text (domain:… or name:…), empty when it has neither.
func (r Record) Account() string {
	switch {
	case r.Domain != "":
		return "domain:" + r.Domain
	case r.Company != "":
		return "name:" + r.Company
	}
	return ""
}

// Tolerance is how far two records of one deal may disagree and still be taken for each other.
type Tolerance struct {
	// CloseDays is the most days two close dates may be apart.
	CloseDays int `json:"closeDays"`
	// AmountPct is the most two amounts may differ, in percent of the larger one.
	AmountPct float64 `json:"amountPct"`
}

// DefaultTolerance is a week between close dates and 5 % between amounts: partners enter the same deal
// at different times and round differently, but rarely more than that.
func DefaultTolerance() Tolerance { return Tolerance{CloseDays: 7, AmountPct: 5} }

// Validate refuses a tolerance that would match nothing or everything.
func (t Tolerance) Validate() error {
	switch {
	case t.CloseDays < 0 || t.CloseDays > 366:
		return fmt.Errorf("close-date tolerance %d days: want 0 to 366", t.CloseDays)
	case t.AmountPct < 0 || t.AmountPct > 100 || math.IsNaN(t.AmountPct):
		return fmt.Errorf("amount tolerance %v%%: want 0 to 100", t.AmountPct)
	}
	return nil
}

// Ways a pair was matched.
const (
	ByCoSellID = "cosell_id"
	ByDeal     = "deal"
	ByAdmin    = "confirmed"
)

// Pair is two records to link: A on side a, B on side b.
type Pair struct {
	A Record `json:"a"`
	B Record `json:"b"`
	// By says how they were matched: ByCoSellID, ByDeal or ByAdmin.
	By string `json:"by"`
	// CoSellID is the id either record already carries, which the link keeps; empty when neither
	// carries one (the link derives the id from the side a record, as a registration there would).
	CoSellID string `json:"coSellId,omitempty"`
}

// Candidate is one possible pair of an ambiguous group, with how far its records disagree.
type Candidate struct {
	A string `json:"a"`
	B string `json:"b"`
	// CloseDays is how many days the close dates are apart; AmountPct how far the amounts are, in
	// percent of the larger.
	CloseDays int     `json:"closeDays"`
	AmountPct float64 `json:"amountPct"`
	// CoSellID is the id one of the records carries (both, when matched by id).
	CoSellID string `json:"coSellId,omitempty"`
}

// Group is a set of records the rules cannot pair on their own: every candidate pair among them, for
// the admin to confirm.
type Group struct {
	A          []Record    `json:"a"`
	B          []Record    `json:"b"`
	Candidates []Candidate `json:"candidates"`
	// Reason says in words why the group is ambiguous.
	Reason string `json:"reason"`
}

// Result is what Match found.
type Result struct {
	// Link are the unambiguous pairs, by id first, then by deal; each ordered by A's record id.
	Link []Pair `json:"link"`
	// AlreadyLinked are the co-sell ids of running deals the scan met (on either side, or both).
	AlreadyLinked []string `json:"alreadyLinked"`
	// Ambiguous are the groups for the review file.
	Ambiguous []Group `json:"ambiguous"`
	// UnmatchedA and UnmatchedB are the records no rule paired with anything.
	UnmatchedA []Record `json:"unmatchedA"`
	UnmatchedB []Record `json:"unmatchedB"`
}

// Match pairs side a's records with side b's (see the package comment for the rules). It is a pure
// function of its inputs: the same records in any order give the same result.
func Match(as, bs []Record, tol Tolerance) Result {
	as, bs = sorted(as), sorted(bs)
	var res Result
	linked := map[string]bool{}
	for _, rs := range [][]Record{as, bs} {
		for _, r := range rs {
			if r.Linked && r.CoSellID != "" && !linked[r.CoSellID] {
				linked[r.CoSellID] = true
				res.AlreadyLinked = append(res.AlreadyLinked, r.CoSellID)
			}
		}
	}
	slices.Sort(res.AlreadyLinked)

	// By co-sell id: the same id on both sides, once on each.
	idsA, idsB := byID(as), byID(bs)
	used := map[string]bool{} // "a/<id>", "b/<id>"
	for _, a := range as {
		if a.CoSellID == "" || a.Linked || used["a/"+a.ID] {
			continue
		}
		onA, onB := idsA[a.CoSellID], idsB[a.CoSellID]
		if len(onB) == 0 || slices.ContainsFunc(onB, func(b Record) bool { return b.Linked }) {
			continue
		}
		for _, r := range onA {
			used["a/"+r.ID] = true
		}
		for _, r := range onB {
			used["b/"+r.ID] = true
		}
		if len(onA) == 1 && len(onB) == 1 {
			res.Link = append(res.Link, Pair{A: a, B: onB[0], By: ByCoSellID, CoSellID: a.CoSellID})
			continue
		}
		g := Group{A: onA, B: onB, Reason: fmt.Sprintf("co-sell id %s is carried by %d records on side a and %d on side b", a.CoSellID, len(onA), len(onB))}
		for _, x := range onA {
			for _, y := range onB {
				g.Candidates = append(g.Candidates, candidate(x, y))
			}
		}
		res.Ambiguous = append(res.Ambiguous, g)
	}

	// By the deal: the records left that no running deal holds.
	var poolA, poolB []Record
	for _, a := range as {
		if !a.Linked && !used["a/"+a.ID] {
			poolA = append(poolA, a)
		}
	}
	for _, b := range bs {
		if !b.Linked && !used["b/"+b.ID] {
			poolB = append(poolB, b)
		}
	}
	byDomain, byCompany := map[string][]int{}, map[string][]int{}
	for j, b := range poolB {
		if b.Domain != "" {
			byDomain[b.Domain] = append(byDomain[b.Domain], j)
		}
		if b.Company != "" {
			byCompany[b.Company] = append(byCompany[b.Company], j)
		}
	}
	// Nodes: a's records 0..len(poolA)-1, b's after them.
	uf := newUnionFind(len(poolA) + len(poolB))
	var edges [][2]int
	degree := make([]int, len(poolA)+len(poolB))
	for i, a := range poolA {
		var js []int
		js = append(js, byDomain[a.Domain]...)
		js = append(js, byCompany[a.Company]...)
		slices.Sort(js)
		js = slices.Compact(js)
		for _, j := range js {
			if a.Domain == "" && a.Company == "" {
				break
			}
			if !Candidates(a, poolB[j], tol) {
				continue
			}
			edges = append(edges, [2]int{i, j})
			degree[i]++
			degree[len(poolA)+j]++
			uf.union(i, len(poolA)+j)
		}
	}
	groups := map[int]*Group{}
	var roots []int
	for _, e := range edges {
		a, b := poolA[e[0]], poolB[e[1]]
		if degree[e[0]] == 1 && degree[len(poolA)+e[1]] == 1 {
			id := a.CoSellID
			if id == "" {
				id = b.CoSellID
			}
			res.Link = append(res.Link, Pair{A: a, B: b, By: ByDeal, CoSellID: id})
			continue
		}
		root := uf.find(e[0])
		g, ok := groups[root]
		if !ok {
			g = &Group{}
			groups[root] = g
			roots = append(roots, root)
		}
		g.Candidates = append(g.Candidates, candidate(a, b))
		if !slices.ContainsFunc(g.A, func(r Record) bool { return r.ID == a.ID }) {
			g.A = append(g.A, a)
		}
		if !slices.ContainsFunc(g.B, func(r Record) bool { return r.ID == b.ID }) {
			g.B = append(g.B, b)
		}
	}
	for _, root := range roots { // in the order of the edges: by a's record id
		g := groups[root]
		slices.SortFunc(g.A, byRecordID)
		slices.SortFunc(g.B, byRecordID)
		g.Reason = fmt.Sprintf("%d deals on side a and %d on side b of account %s match each other within the tolerances",
			len(g.A), len(g.B), g.A[0].Account())
		res.Ambiguous = append(res.Ambiguous, *g)
	}
	for i, a := range poolA {
		if degree[i] == 0 {
			res.UnmatchedA = append(res.UnmatchedA, a)
		}
	}
	for j, b := range poolB {
		if degree[len(poolA)+j] == 0 {
			res.UnmatchedB = append(res.UnmatchedB, b)
		}
	}
	return res
}

// Candidates reports whether a and b may be one deal: not carrying two different co-sell ids, the same
// account, close dates and amounts within the tolerance. A record without a close date or an amount is
// never a candidate: an empty field proves nothing.
func Candidates(a, b Record, tol Tolerance) bool {
	if a.CoSellID != "" && b.CoSellID != "" && a.CoSellID != b.CoSellID {
		return false
	}
	if a.Linked || b.Linked || !SameAccount(a, b) {
		return false
	}
	days, ok := closeDays(a.CloseDate, b.CloseDate)
	if !ok || days > tol.CloseDays {
		return false
	}
	pct, ok := amountPct(a.Amount, b.Amount)
	// A hair of float error must not turn an amount exactly at the tolerance away.
	return ok && pct <= tol.AmountPct+1e-9
}

// SameAccount reports whether two records are of one account: the same domain when both have one (a
// domain is the reliable match), else the same company name.
func SameAccount(a, b Record) bool {
	if a.Domain != "" && b.Domain != "" {
		return a.Domain == b.Domain
	}
	return a.Company != "" && a.Company == b.Company
}

func candidate(a, b Record) Candidate {
	c := Candidate{A: a.ID, B: b.ID, CoSellID: cmp.Or(a.CoSellID, b.CoSellID)}
	c.CloseDays, _ = closeDays(a.CloseDate, b.CloseDate)
	pct, _ := amountPct(a.Amount, b.Amount)
	c.AmountPct = math.Round(pct*100) / 100
	return c
}

func closeDays(x, y string) (int, bool) {
	if x == "" || y == "" {
		return 0, false
	}
	tx, err1 := time.Parse(time.DateOnly, x)
	ty, err2 := time.Parse(time.DateOnly, y)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	d := int(tx.Sub(ty).Hours() / 24)
	if d < 0 {
		d = -d
	}
	return d, true
}

func amountPct(x, y *float64) (float64, bool) {
	if x == nil || y == nil {
		return 0, false
	}
	big := math.Max(math.Abs(*x), math.Abs(*y))
	if big == 0 {
		return 0, true
	}
	return math.Abs(*x-*y) / big * 100, true
}

func sorted(rs []Record) []Record {
	out := slices.Clone(rs)
	slices.SortFunc(out, byRecordID)
	return slices.CompactFunc(out, func(x, y Record) bool { return x.ID == y.ID })
}

func byRecordID(x, y Record) int {
	if len(x.ID) != len(y.ID) { // HubSpot's numeric ids in numeric order
		return cmp.Compare(len(x.ID), len(y.ID))
	}
	return strings.Compare(x.ID, y.ID)
}

func byID(rs []Record) map[string][]Record {
	out := map[string][]Record{}
	for _, r := range rs {
		if r.CoSellID != "" {
			out[r.CoSellID] = append(out[r.CoSellID], r)
		}
	}
	return out
}

type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(x int) int {
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

func (u unionFind) union(x, y int) {
	if rx, ry := u.find(x), u.find(y); rx != ry {
		u[max(rx, ry)] = min(rx, ry)
	}
}
