package attribution

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// LossReason is why a co-sold deal was lost, from a short fixed list so that the pilot's
// retrospective can count them.
type LossReason string

// Loss reasons.
const (
	LostOnPrice      LossReason = "price"       // the price or the commercial terms
	LostToCompetitor LossReason = "competitor"  // a competitor won
	LostNoDecision   LossReason = "no_decision" // the customer did nothing (status quo)
	LostBudget       LossReason = "budget"      // no budget, or it was cut
	LostTiming       LossReason = "timing"      // not now: the project moved out
	LostProductFit   LossReason = "product_fit" // the product did not meet the need
	LostOther        LossReason = "other"       // anything else: the detail says what
)

// LossReasons lists the reasons.
var LossReasons = []LossReason{LostOnPrice, LostToCompetitor, LostNoDecision, LostBudget, LostTiming, LostProductFit, LostOther}

// ParseLossReason reads a reason; case, spaces and hyphens do not matter ("No decision", "product-fit").
func ParseLossReason(s string) (LossReason, error) {
	w := LossReason(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s))))
	for _, r := range LossReasons {
		if r == w {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown loss reason %q: want one of price, competitor, no_decision, budget, timing, product_fit or other", s)
}

// maxDetail bounds free text kept in the deal's state.
const maxDetail = 1000

// Loss is what a close-lost records: the reason, in the list's words and the partner's, who recorded it
// and when.
type Loss struct {
	CoSellID string     `json:"coSellId"`
	Reason   LossReason `json:"reason"`
	// Detail says more, in the partner's words; required for "other".
	Detail string `json:"detail,omitempty"`
	// Side recorded it.
	Side vocab.Side `json:"side"`
	At   time.Time  `json:"at"`
}

// Validate checks a loss: a deal, a known reason (with a detail for other), a side and a time.
func (l Loss) Validate() error {
	var errs []error
	if strings.TrimSpace(l.CoSellID) == "" {
		errs = append(errs, errors.New("no co-sell id"))
	}
	if !slices.Contains(LossReasons, l.Reason) {
		errs = append(errs, fmt.Errorf("unknown reason %q", l.Reason))
	}
	if l.Reason == LostOther && strings.TrimSpace(l.Detail) == "" {
		errs = append(errs, errors.New(`reason "other" needs a detail saying what it was`))
	}
	if len(l.Detail) > maxDetail {
		errs = append(errs, fmt.Errorf("the detail is %d characters; keep it within %d", len(l.Detail), maxDetail))
	}
	if l.Side != vocab.A && l.Side != vocab.B {
		errs = append(errs, fmt.Errorf("side %q is not a or b", l.Side))
	}
	if l.At.IsZero() {
		errs = append(errs, errors.New("no time"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("close-lost of %s: %w", l.CoSellID, errors.Join(errs...))
	}
	return nil
}
