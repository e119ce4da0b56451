package attribution

import (
	"errors"
	"fmt"
	"slices"

	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/touchpoint"
)

// Role is a kind of credit a partner earns on a won deal.
type Role string

// The roles of the playbook's typical published split. (The playbook also names implementation, with no
// share in its typical split and no touchpoint kind to evidence it, so it has no rule yet.)
const (
	Sourcing            Role = "sourcing"             // registered the deal first
	Selling             Role = "selling"              // led the selling stages
	TechnicalValidation Role = "technical_validation" // delivered the demos and validation
	Influence           Role = "influence"            // supported the sale with evidence of its work
)

// Roles lists the roles in the order results list them.
var Roles = []Role{Sourcing, Selling, TechnicalValidation, Influence}

// Split is the published share of the commission pool per role, in basis points, totalling 100 %.
// "Percentages are published and consistent, not negotiated per deal."
type Split struct {
	Sourcing            money.Rate `json:"sourcing"`
	Selling             money.Rate `json:"selling"`
	TechnicalValidation money.Rate `json:"technicalValidation"`
	Influence           money.Rate `json:"influence"`
}

// DefaultSplit is the playbook's typical split: sourcing 20 %, selling 40 %, technical validation 25 %,
// influence 15 %.
var DefaultSplit = Split{Sourcing: 2000, Selling: 4000, TechnicalValidation: 2500, Influence: 1500}

// Rate is the role's share of the pool.
func (s Split) Rate(r Role) money.Rate {
	switch r {
	case Sourcing:
		return s.Sourcing
	case Selling:
		return s.Selling
	case TechnicalValidation:
		return s.TechnicalValidation
	case Influence:
		return s.Influence
	}
	return 0
}

func (s Split) total() money.Rate {
	return s.Sourcing + s.Selling + s.TechnicalValidation + s.Influence
}

// PoolKind says which commission rate a deal's pool was computed at.
type PoolKind string

// Pool kinds.
const (
	// SoloPool: only one partner earned a role, so the deal was not co-sold in fact.
	SoloPool PoolKind = "solo"
	// CoSellPool: both partners earned a role on a partner-led or vendor-led deal.
	CoSellPool PoolKind = "cosell"
	// TrueCoSellPool: both partners earned a role on a true co-sell deal.
	TrueCoSellPool PoolKind = "true_cosell"
)

// Pool is the commission pool as a share of the deal amount. The playbook: "the commission pool is
// bigger for co-sold deals (solo 20 %, co-sell 25–30 % in total) so co-selling is rational". It gives
// a range for co-selling; the product publishes its two ends, the bottom for a deal one partner leads
// and the other supports (partner-led, vendor-led), the top for true co-selling, where both carry the
// deal. A pairing that pays one co-sell rate writes the same rate for both.
type Pool struct {
	Solo       money.Rate `json:"solo"`
	CoSell     money.Rate `json:"cosell"`
	TrueCoSell money.Rate `json:"trueCosell"`
}

// DefaultPool is the playbook's: solo 20 %, co-sell 25 %, true co-sell 30 %.
var DefaultPool = Pool{Solo: 2000, CoSell: 2500, TrueCoSell: 3000}

// rate is the pool rate of a deal: solo unless both partners hold a role, then by model.
func (p Pool) rate(coSold bool, m cosell.Model) (money.Rate, PoolKind) {
	switch {
	case !coSold:
		return p.Solo, SoloPool
	case m == cosell.TrueCoSell:
		return p.TrueCoSell, TrueCoSellPool
	}
	return p.CoSell, CoSellPool
}

// Evidence is the rule of a role earned by touchpoints: the kinds that count, and how many a partner
// needs at least.
type Evidence struct {
	Kinds          []touchpoint.Kind `json:"kinds"`
	MinTouchpoints int               `json:"minTouchpoints"`
}

// Rules are a pairing's attribution rules (the pairing file's cosell section). The zero value of each
// field means the default, which WithDefaults fills in.
type Rules struct {
	// Currency, when set, is the only currency deals are attributed in: a deal in another one is
	// refused (ErrCurrencyMismatch), never converted. "" attributes each deal in its own currency.
	Currency string `json:"currency,omitempty"`
	Split    Split  `json:"split"`
	Pool     Pool   `json:"pool"`
	// SellingStages are the stages whose lead earns the selling role: by default discovery, proposal
	// and close, where the playbook's lead owns the relationship and the commercial terms
	// (identification is registration, credited as sourcing; the demo and the evaluation are technical
	// validation). Under the sell-to motion only the close counts: "the closing partner [gets] sales
	// credit".
	SellingStages []cosell.Stage `json:"sellingStages"`
	// TechnicalValidation goes to the partner with the most touchpoints of these kinds (both on a tie),
	// given at least MinTouchpoints. Default: demo and technical_validation, at least 1.
	TechnicalValidation Evidence `json:"technicalValidation"`
	// Influence goes to every partner with at least MinTouchpoints of these kinds that does not hold the
	// selling role (both, when both hold selling): credit for the supporting partner, as sell-through's
	// "technology partner 20–40 % as influence". Default: every other kind, at least 1.
	Influence Evidence `json:"influence"`
}

// Default evidence rules.
var (
	DefaultSellingStages = []cosell.Stage{cosell.Discovery, cosell.Proposal, cosell.Close}
	DefaultTechnical     = Evidence{Kinds: []touchpoint.Kind{touchpoint.Demo, touchpoint.TechnicalValidation}, MinTouchpoints: 1}
	DefaultInfluence     = Evidence{Kinds: []touchpoint.Kind{touchpoint.Intro, touchpoint.Meeting, touchpoint.DiscoveryCall,
		touchpoint.ProposalReview, touchpoint.Email, touchpoint.ExecutiveSponsorship}, MinTouchpoints: 1}
)

// DefaultRules are the playbook's rules with every default filled in.
func DefaultRules() Rules { return Rules{}.WithDefaults() }

// WithDefaults fills what r leaves at zero: the default split when no role has a share, each pool rate,
// the selling stages, and each evidence rule's kinds and minimum.
func (r Rules) WithDefaults() Rules {
	if r.Split == (Split{}) {
		r.Split = DefaultSplit
	}
	if r.Pool.Solo == 0 {
		r.Pool.Solo = DefaultPool.Solo
	}
	if r.Pool.CoSell == 0 {
		r.Pool.CoSell = DefaultPool.CoSell
	}
	if r.Pool.TrueCoSell == 0 {
		r.Pool.TrueCoSell = DefaultPool.TrueCoSell
	}
	if len(r.SellingStages) == 0 {
		r.SellingStages = slices.Clone(DefaultSellingStages)
	}
	r.TechnicalValidation = r.TechnicalValidation.withDefaults(DefaultTechnical)
	r.Influence = r.Influence.withDefaults(DefaultInfluence)
	return r
}

func (e Evidence) withDefaults(d Evidence) Evidence {
	if len(e.Kinds) == 0 {
		e.Kinds = slices.Clone(d.Kinds)
	}
	if e.MinTouchpoints == 0 {
		e.MinTouchpoints = d.MinTouchpoints
	}
	return e
}

// Validate checks rules as WithDefaults leaves them: a split of 100 % with no negative share, pool rates
// above 0 and at most 100 % with co-selling paying at least solo, known selling stages and touchpoint
// kinds each listed once, minimums of at least 1, and a supported currency.
func (r Rules) Validate() error {
	var errs []error
	for _, role := range Roles {
		if r.Split.Rate(role) < 0 {
			errs = append(errs, fmt.Errorf("split: %s has a negative share (%s)", role, r.Split.Rate(role)))
		}
	}
	if t := r.Split.total(); t != money.Whole {
		errs = append(errs, fmt.Errorf("split: the shares total %s, not 100%%", t))
	}
	for _, p := range []struct {
		name string
		rate money.Rate
	}{{"solo", r.Pool.Solo}, {"cosell", r.Pool.CoSell}, {"true_cosell", r.Pool.TrueCoSell}} {
		if p.rate <= 0 || p.rate > money.Whole {
			errs = append(errs, fmt.Errorf("pool: %s is %s, want above 0%% and at most 100%%", p.name, p.rate))
		}
	}
	if r.Pool.CoSell < r.Pool.Solo || r.Pool.TrueCoSell < r.Pool.Solo {
		errs = append(errs, fmt.Errorf("pool: a co-sell rate (%s, %s) below the solo rate (%s) makes co-selling irrational",
			r.Pool.CoSell, r.Pool.TrueCoSell, r.Pool.Solo))
	}
	if len(r.SellingStages) == 0 {
		errs = append(errs, errors.New("selling stages: none, so nobody could earn the selling role"))
	}
	for i, s := range r.SellingStages {
		if !s.Valid() {
			errs = append(errs, fmt.Errorf("selling stages: unknown stage %q", s))
		} else if slices.Contains(r.SellingStages[:i], s) {
			errs = append(errs, fmt.Errorf("selling stages: %s twice", s))
		}
	}
	for _, e := range []struct {
		name string
		ev   Evidence
	}{{"technical_validation", r.TechnicalValidation}, {"influence", r.Influence}} {
		if len(e.ev.Kinds) == 0 {
			errs = append(errs, fmt.Errorf("%s: no touchpoint kinds", e.name))
		}
		for i, k := range e.ev.Kinds {
			if !k.Valid() {
				errs = append(errs, fmt.Errorf("%s: unknown touchpoint kind %q", e.name, k))
			} else if slices.Contains(e.ev.Kinds[:i], k) {
				errs = append(errs, fmt.Errorf("%s: kind %s twice", e.name, k))
			}
		}
		if e.ev.MinTouchpoints < 1 {
			errs = append(errs, fmt.Errorf("%s: at least %d touchpoints is not a rule; want 1 or more", e.name, e.ev.MinTouchpoints))
		}
	}
	if r.Currency != "" {
		if _, err := money.Exponent(r.Currency); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("attribution rules: %w", errors.Join(errs...))
	}
	return nil
}
