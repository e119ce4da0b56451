package registration

import (
	"fmt"
	"time"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/vocab"
)

// Claim is one deal's registration on an account: the deal, where it came from and who registered it.
// A deal flagged on both sides of one pairing is two deals, so two claims.
type Claim struct {
	CoSellID  string     `json:"coSellId"`
	PairingID string     `json:"pairingId"`
	Partner   vocab.Side `json:"partner"` // who registered it
	// Source says how it came in: "crm" (a flag), "cli" or "api".
	Source   string `json:"source"`
	DealName string `json:"dealName,omitempty"`
	// RecordIDs are the deal's record ids on side a and side b, for notices on it ("" where none yet).
	RecordIDs []string  `json:"recordIds,omitempty"`
	At        time.Time `json:"at"`
}

// Role is what a claim is on its account.
type Role string

const (
	// Primary is the first registration on the account: it owns the deal.
	Primary Role = "primary"
	// Conflicting is a later claim, pointing at the primary, until an admin settles it.
	Conflicting Role = "conflict"
)

// Resolution is how an admin settles a conflict (`cosell conflict resolve`).
type Resolution string

const (
	// Keep lets the conflicting deal go on as a deal of its own: a different opportunity at the account.
	Keep Resolution = "keep"
	// Merge folds it into the primary: the same opportunity, registered twice; the primary owns it.
	Merge Resolution = "merge"
	// Reject refuses the later registration: the primary owns the account.
	Reject Resolution = "reject"
)

// ParseResolution reads a resolution as an admin types it.
func ParseResolution(s string) (Resolution, error) {
	switch r := Resolution(s); r {
	case Keep, Merge, Reject:
		return r, nil
	}
	return "", fmt.Errorf("unknown resolution %q: use keep, merge or reject", s)
}

// Entry is a claim as the ledger holds it: its role and, for a conflict, the primary it points at and
// how it was settled.
type Entry struct {
	Claim
	Role Role `json:"role"`
	// Primary is the co-sell id of the primary a conflict points at.
	Primary string `json:"primary,omitempty"`
	// Told is set once both partners of the conflicting deal were told of it.
	Told       bool       `json:"told,omitempty"`
	Resolution Resolution `json:"resolution,omitempty"`
	ResolvedBy string     `json:"resolvedBy,omitempty"`
	ResolvedAt time.Time  `json:"resolvedAt,omitzero"`
	Note       string     `json:"note,omitempty"`
}

// Open reports whether a conflict still waits for an admin.
func (e Entry) Open() bool { return e.Role == Conflicting && e.Resolution == "" }

// Ledger is every claim on one account, in the order they arrived. It is the account workflow's whole
// state; claims are few per account (a handful of deals), so it stays small.
type Ledger struct {
	Account account.Key `json:"account"`
	Entries []Entry     `json:"entries"`
}

// Outcome is the answer to a claim.
type Outcome struct {
	Entry Entry `json:"entry"`
	// New is false when the deal had claimed the account before: a retried claim changes nothing.
	New bool `json:"new"`
	// Tell is set when the claim became a conflict just now: both partners of the deal are to be told.
	Tell bool `json:"tell"`
}

// Add records a claim. The first deal to claim the account is primary; every other deal is a conflict
// pointing at the primary, whatever its pairing or side. A deal that claims again (a retry, a deal
// that continued as new) gets its first answer back, with its record ids filled in where they were
// missing. A rejected or merged primary does not hand its place on: the place was settled by an admin.
func (l *Ledger) Add(c Claim) Outcome {
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.CoSellID != c.CoSellID {
			continue
		}
		for j, id := range c.RecordIDs {
			for len(e.RecordIDs) <= j {
				e.RecordIDs = append(e.RecordIDs, "")
			}
			if e.RecordIDs[j] == "" {
				e.RecordIDs[j] = id
			}
		}
		return Outcome{Entry: *e}
	}
	e := Entry{Claim: c, Role: Primary}
	if p, ok := l.Primary(); ok {
		e.Role, e.Primary = Conflicting, p.CoSellID
	}
	l.Entries = append(l.Entries, e)
	return Outcome{Entry: e, New: true, Tell: e.Role == Conflicting}
}

// Primary is the account's primary claim.
func (l *Ledger) Primary() (Entry, bool) {
	for _, e := range l.Entries {
		if e.Role == Primary {
			return e, true
		}
	}
	return Entry{}, false
}

// Told marks a conflict's partners as told.
func (l *Ledger) Told(coSellID string) {
	for i := range l.Entries {
		if l.Entries[i].CoSellID == coSellID {
			l.Entries[i].Told = true
		}
	}
}

// Resolve settles an open conflict. Only a conflict can be resolved, and only once: a second answer
// would silently overwrite the first.
func (l *Ledger) Resolve(coSellID string, r Resolution, by, note string, at time.Time) (Entry, error) {
	if _, err := ParseResolution(string(r)); err != nil {
		return Entry{}, err
	}
	if by == "" {
		return Entry{}, fmt.Errorf("resolve %s: say who resolves it (--by)", coSellID)
	}
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.CoSellID != coSellID {
			continue
		}
		switch {
		case e.Role != Conflicting:
			return Entry{}, fmt.Errorf("deal %s is the primary registration on %s, not a conflict", coSellID, l.Account)
		case e.Resolution != "":
			return Entry{}, fmt.Errorf("the conflict of deal %s was already resolved (%s by %s on %s)", coSellID, e.Resolution, e.ResolvedBy, e.ResolvedAt.UTC().Format(time.DateOnly))
		}
		e.Resolution, e.ResolvedBy, e.ResolvedAt, e.Note = r, by, at, note
		return *e, nil
	}
	return Entry{}, fmt.Errorf("deal %s has no claim on %s", coSellID, l.Account)
}

// Conflicts lists the conflicts, open and settled, in arrival order.
func (l *Ledger) Conflicts() []Entry {
	var out []Entry
	for _, e := range l.Entries {
		if e.Role == Conflicting {
			out = append(out, e)
		}
	}
	return out
}
