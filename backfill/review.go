package backfill

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Review is the review file: the ambiguous groups of a backfill, each candidate pair with a confirm
// flag the admin sets to true for the pairs that are one deal. `cosell backfill PAIRING --confirm FILE`
// links exactly those.
type Review struct {
	Pairing string        `yaml:"pairing"`
	Since   string        `yaml:"since,omitempty"`
	Groups  []ReviewGroup `yaml:"groups"`
}

// ReviewGroup is one ambiguous group as the admin reads it.
type ReviewGroup struct {
	Group      int               `yaml:"group"`
	Reason     string            `yaml:"reason"`
	Candidates []ReviewCandidate `yaml:"candidates"`
}

// ReviewCandidate is one possible pair; Confirm is the admin's answer.
type ReviewCandidate struct {
	A         ReviewRecord `yaml:"a"`
	B         ReviewRecord `yaml:"b"`
	CloseDays int          `yaml:"close_days_apart"`
	AmountPct float64      `yaml:"amount_pct_apart"`
	Confirm   bool         `yaml:"confirm"`
}

// ReviewRecord is one record of a candidate pair, with what an admin needs to recognise it.
type ReviewRecord struct {
	Record    string `yaml:"record"`
	Deal      string `yaml:"deal,omitempty"`
	Account   string `yaml:"account,omitempty"`
	CloseDate string `yaml:"close_date,omitempty"`
	Amount    string `yaml:"amount,omitempty"`
	CoSellID  string `yaml:"cosell_id,omitempty"`
}

// NewReview builds the review file of a backfill's ambiguous groups, every confirm false.
func NewReview(pairingID, since string, groups []Group) Review {
	rv := Review{Pairing: pairingID, Since: since, Groups: []ReviewGroup{}}
	for i, g := range groups {
		rg := ReviewGroup{Group: i + 1, Reason: g.Reason}
		for _, c := range g.Candidates {
			a, _ := find(g.A, c.A)
			b, _ := find(g.B, c.B)
			rg.Candidates = append(rg.Candidates, ReviewCandidate{
				A: reviewRecord(a), B: reviewRecord(b), CloseDays: c.CloseDays, AmountPct: c.AmountPct,
			})
		}
		rv.Groups = append(rv.Groups, rg)
	}
	return rv
}

func find(rs []Record, id string) (Record, bool) {
	for _, r := range rs {
		if r.ID == id {
			return r, true
		}
	}
	return Record{ID: id}, false
}

func reviewRecord(r Record) ReviewRecord {
	out := ReviewRecord{Record: r.ID, Deal: r.Title, Account: r.Account(), CloseDate: r.CloseDate, CoSellID: r.CoSellID}
	if r.Amount != nil {
		out.Amount = strconv.FormatFloat(*r.Amount, 'f', -1, 64)
	}
	return out
}

// reviewHeader tells the admin what to do with the file.
const reviewHeader = `# cosell backfill review file: deals the rules could not pair on their own.
# For each group, set confirm: true on the candidate pairs that are the same deal (at most one pair per
# record), leave the others false, then run: cosell backfill PAIRING --confirm THIS_FILE
`

// Marshal writes the review file, with a header saying how to use it.
func (rv Review) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(reviewHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(rv); err != nil {
		return nil, fmt.Errorf("write review file: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write review file: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseReview reads a review file back, refusing unknown keys (a typo in "confirm" must not silently
// confirm nothing).
func ParseReview(b []byte) (Review, error) {
	var rv Review
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&rv); err != nil {
		return Review{}, fmt.Errorf("review file: %w", err)
	}
	if rv.Pairing == "" {
		return Review{}, errors.New("review file: no pairing")
	}
	return rv, nil
}

// Confirmed returns the pairs the admin confirmed. A record confirmed in two pairs, or a pair whose
// records carry two different co-sell ids, is an error naming it: the file must say one thing.
func (rv Review) Confirmed() ([]Pair, error) {
	var out []Pair
	seen := map[string]string{}
	var problems []string
	for _, g := range rv.Groups {
		for _, c := range g.Candidates {
			if !c.Confirm {
				continue
			}
			if c.A.Record == "" || c.B.Record == "" {
				problems = append(problems, fmt.Sprintf("group %d: a confirmed pair needs both records", g.Group))
				continue
			}
			where := fmt.Sprintf("group %d (%s ↔ %s)", g.Group, c.A.Record, c.B.Record)
			dup := false
			for _, k := range []string{"a/" + c.A.Record, "b/" + c.B.Record} {
				if prev, ok := seen[k]; ok {
					problems = append(problems, fmt.Sprintf("record %s is confirmed twice: %s and %s", k[2:], prev, where))
					dup = true
				}
				seen[k] = where
			}
			if c.A.CoSellID != "" && c.B.CoSellID != "" && c.A.CoSellID != c.B.CoSellID {
				problems = append(problems, fmt.Sprintf("%s: the records carry two co-sell ids, %s and %s", where, c.A.CoSellID, c.B.CoSellID))
				continue
			}
			if dup {
				continue
			}
			id := c.A.CoSellID
			if id == "" {
				id = c.B.CoSellID
			}
			out = append(out, Pair{A: Record{ID: c.A.Record, CoSellID: c.A.CoSellID}, B: Record{ID: c.B.Record, CoSellID: c.B.CoSellID}, By: ByAdmin, CoSellID: id})
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("review file: %s", strings.Join(problems, "; "))
	}
	return out, nil
}
