package attribution

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/vocab"
)

// MaxDisputes bounds the disputes one attribution keeps: a deal disputed this often needs the partners'
// managers, not another record, and the bound keeps the deal's state small.
const MaxDisputes = 10

// Verdict is how an approver settles a dispute.
type Verdict string

// Verdicts.
const (
	// Upheld: the dispute was right; the resolution's corrected split replaces the one in force.
	Upheld Verdict = "upheld"
	// Rejected: the split in force stands.
	Rejected Verdict = "rejected"
)

// Dispute is a partner contesting an attribution, with its reason: the record the pilot's dispute
// rate counts.
type Dispute struct {
	// Partner is the side disputing.
	Partner vocab.Side `json:"partner"`
	// By is the e-mail of the person who disputed, when known.
	By     string    `json:"by,omitempty"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// Resolution is nil while the dispute is open.
	Resolution *Resolution `json:"resolution,omitempty"`
}

// Resolution is an approver's settlement of a dispute.
type Resolution struct {
	Verdict Verdict `json:"verdict"`
	// Currency and Parts are the corrected split of an upheld dispute: both partners' parts in the
	// attribution's currency, summing to its pool. A rejected dispute has none.
	Currency string `json:"currency,omitempty"`
	Parts    []Part `json:"parts,omitempty"`
	// Approver is the e-mail of who decided; Note says why.
	Approver string    `json:"approver"`
	Note     string    `json:"note"`
	At       time.Time `json:"at"`
}

// Record is an attribution and its disputes: the audit trail of one won deal.
type Record struct {
	Result   Result    `json:"result"`
	Disputes []Dispute `json:"disputes,omitempty"`
}

// Open returns the dispute awaiting a resolution, if there is one.
func (r Record) Open() (Dispute, bool) {
	if n := len(r.Disputes); n > 0 && r.Disputes[n-1].Resolution == nil {
		return r.Disputes[n-1], true
	}
	return Dispute{}, false
}

// Parts is the split in force: the corrected split of the last upheld dispute, else the attribution's.
// An open dispute changes nothing until it is resolved.
func (r Record) Parts() []Part {
	for i := len(r.Disputes) - 1; i >= 0; i-- {
		if res := r.Disputes[i].Resolution; res != nil && res.Verdict == Upheld {
			return res.Parts
		}
	}
	return r.Result.Parts
}

// Dispute records a partner's dispute. It is refused while another dispute is open (one question at a
// time), beyond MaxDisputes, without a reason, or dated before the deal was won.
func (r Record) Dispute(d Dispute) (Record, error) {
	var errs []error
	if d.Partner != vocab.A && d.Partner != vocab.B {
		errs = append(errs, fmt.Errorf("partner %q is not side a or b", d.Partner))
	}
	errs = append(errs, text("reason", d.Reason, "say what is wrong with the split"), after(d.At, r.Result.WonAt, "the deal was won"))
	if open, ok := r.Open(); ok {
		errs = append(errs, fmt.Errorf("partner %s's dispute of %s is still open; resolve it first", open.Partner, stamp(open.At)))
	}
	if len(r.Disputes) >= MaxDisputes {
		errs = append(errs, fmt.Errorf("the attribution has been disputed %d times; settle it between the partners' managers", len(r.Disputes)))
	}
	if d.Resolution != nil {
		errs = append(errs, errors.New("a new dispute has no resolution yet"))
	}
	if err := errors.Join(errs...); err != nil {
		return r, fmt.Errorf("dispute of %s: %w", r.Result.CoSellID, err)
	}
	out := r
	out.Disputes = append(slices.Clone(r.Disputes), d)
	return out, nil
}

// Resolve settles the open dispute. The approver must be one of approvers (the pairing's, e-mails
// compared without regard to case; an empty list allows anyone named) and not the person who
// disputed; an upheld dispute carries a corrected split in the attribution's currency (never another:
// ErrCurrencyMismatch) that sums to the pool, has a part for each partner and differs from the split in
// force; a rejected one carries none.
func (r Record) Resolve(res Resolution, approvers []string) (Record, error) {
	open, ok := r.Open()
	if !ok {
		return r, fmt.Errorf("resolve dispute of %s: no dispute is open", r.Result.CoSellID)
	}
	var errs []error
	switch {
	case strings.TrimSpace(res.Approver) == "":
		errs = append(errs, errors.New("no approver: say who decided"))
	case len(approvers) > 0 && !slices.ContainsFunc(approvers, func(a string) bool { return strings.EqualFold(a, res.Approver) }):
		errs = append(errs, fmt.Errorf("%s is not an approver of this pairing (%s)", res.Approver, strings.Join(approvers, ", ")))
	case open.By != "" && strings.EqualFold(open.By, res.Approver):
		errs = append(errs, fmt.Errorf("%s disputed the attribution and cannot settle the dispute", res.Approver))
	}
	errs = append(errs, text("note", res.Note, "say why the dispute is upheld or rejected"), after(res.At, open.At, "the dispute"))
	switch res.Verdict {
	case Upheld:
		if err := r.checkCorrection(res); err != nil {
			errs = append(errs, err)
		}
	case Rejected:
		if len(res.Parts) > 0 {
			errs = append(errs, errors.New("a rejected dispute keeps the split in force; it carries no corrected split"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown verdict %q: want upheld or rejected", res.Verdict))
	}
	if err := errors.Join(errs...); err != nil {
		return r, fmt.Errorf("resolve dispute of %s: %w", r.Result.CoSellID, err)
	}
	out := r
	out.Disputes = slices.Clone(r.Disputes)
	res.Parts = normalizeParts(res.Parts)
	out.Disputes[len(out.Disputes)-1].Resolution = &res
	return out, nil
}

// checkCorrection checks the corrected split of an upheld dispute.
func (r Record) checkCorrection(res Resolution) error {
	if res.Currency != r.Result.Currency {
		return fmt.Errorf("the corrected split is in %q and the attribution in %s: %w", res.Currency, r.Result.Currency, money.ErrCurrencyMismatch)
	}
	parts := normalizeParts(res.Parts)
	if len(parts) != len(sides) || parts[0].Partner != vocab.A || parts[1].Partner != vocab.B {
		return errors.New("the corrected split needs one part for side a and one for side b")
	}
	var sum int64
	for _, p := range parts {
		if p.AmountMinor < 0 {
			return fmt.Errorf("the corrected part of %s is negative", p.Partner)
		}
		for _, role := range p.Roles {
			if !slices.Contains(Roles, role) {
				return fmt.Errorf("the corrected part of %s names unknown role %q", p.Partner, role)
			}
		}
		sum += p.AmountMinor
	}
	if sum != r.Result.PoolMinor {
		return fmt.Errorf("the corrected parts sum to %s, not to the pool of %s", money.Amount{Currency: r.Result.Currency, Minor: sum}, r.Result.PoolAmount())
	}
	same := true
	for i, p := range r.Parts() {
		same = same && p.AmountMinor == parts[i].AmountMinor && slices.Equal(p.Roles, parts[i].Roles)
	}
	if same {
		return errors.New("the corrected split is the split in force: reject the dispute instead")
	}
	return nil
}

// normalizeParts orders parts a then b and gives each a non-nil role list.
func normalizeParts(parts []Part) []Part {
	out := slices.Clone(parts)
	slices.SortStableFunc(out, func(x, y Part) int { return strings.Compare(string(x.Partner), string(y.Partner)) })
	for i := range out {
		if out[i].Roles == nil {
			out[i].Roles = []Role{}
		}
	}
	return out
}

// Lines is the record as CRM note lines: the calculation, then each dispute and its resolution.
func (r Record) Lines() []string {
	lines := slices.Clone(r.Result.Calculation)
	cur := r.Result.Currency
	for _, d := range r.Disputes {
		who := string(d.Partner)
		if d.By != "" {
			who += " (" + d.By + ")"
		}
		lines = append(lines, fmt.Sprintf("Disputed by %s on %s: %s", who, stamp(d.At), d.Reason))
		switch res := d.Resolution; {
		case res == nil:
			lines = append(lines, "The dispute is open; the split above stands until an approver resolves it.")
		case res.Verdict == Rejected:
			lines = append(lines, fmt.Sprintf("Rejected by %s on %s: %s", res.Approver, stamp(res.At), res.Note))
		default:
			var parts []string
			for _, p := range res.Parts {
				parts = append(parts, fmt.Sprintf("%s %s", p.Partner, money.Amount{Currency: cur, Minor: p.AmountMinor}))
			}
			lines = append(lines, fmt.Sprintf("Upheld by %s on %s: %s. Corrected split: %s.", res.Approver, stamp(res.At), res.Note, strings.Join(parts, ", ")))
		}
	}
	return lines
}

// text checks a required free-text field; nil when it is fine.
func text(field, s, hint string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("no %s: %s", field, hint)
	}
	if len(s) > maxDetail {
		return fmt.Errorf("the %s is %d characters; keep it within %d", field, len(s), maxDetail)
	}
	return nil
}

// after checks a time is set and not before another; nil when it is fine.
func after(t, floor time.Time, what string) error {
	if t.IsZero() {
		return errors.New("no time")
	}
	if t.Before(floor) {
		return fmt.Errorf("dated %s, before %s (%s)", stamp(t), what, stamp(floor))
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") }
