package cosell

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cosellsync/cosell/vocab"
)

// leads is the playbook's stage table: who leads each stage (in Stages order) under each model.
//
//   - Partner-led (the playbook's example table): the partner registers and qualifies, runs discovery,
//     writes the proposal and executes the contract; the vendor gives the demo (solution presentation)
//     and provides trial access and validation (evaluation).
//   - Vendor-led: the vendor owns the sale, so it leads every stage; the demo and the validation were
//     the vendor's in partner-led too, and the partner joins on implementation and integration topics.
//   - True co-sell: neither has the stronger claim and meeting leadership alternates by topic, so every
//     stage is led jointly.
var leads = map[Model][6]Party{
	PartnerLed: {Partner, Partner, Vendor, Vendor, Partner, Partner},
	VendorLed:  {Vendor, Vendor, Vendor, Vendor, Vendor, Vendor},
	TrueCoSell: {Joint, Joint, Joint, Joint, Joint, Joint},
}

// Leads returns the playbook's lead party of each stage under a model, in Stages order.
func Leads(m Model) []Party {
	l, ok := leads[m]
	if !ok {
		return nil
	}
	return l[:]
}

// Lead is who leads a stage of one deal: side a, side b, or both (joint).
type Lead string

// JointLead is a stage both partners lead.
const JointLead Lead = "joint"

// ParseLead reads a, b or joint.
func ParseLead(s string) (Lead, error) {
	switch l := Lead(strings.ToLower(strings.TrimSpace(s))); l {
	case Lead(vocab.A), Lead(vocab.B), JointLead:
		return l, nil
	}
	return "", fmt.Errorf("unknown lead %q: want a, b or joint", s)
}

// Sides lists the sides that lead, a before b.
func (l Lead) Sides() []vocab.Side {
	switch l {
	case JointLead:
		return []vocab.Side{vocab.A, vocab.B}
	case Lead(vocab.A), Lead(vocab.B):
		return []vocab.Side{vocab.Side(l)}
	}
	return nil
}

// Has reports whether side leads (alone or jointly).
func (l Lead) Has(side vocab.Side) bool { return slices.Contains(l.Sides(), side) }

// Defaults are a pairing's co-sell defaults (the pairing file's cosell section): the model and motion a
// new deal gets, which side plays the vendor, and how the pairing's stage values map onto the
// playbook's stages.
type Defaults struct {
	Model  Model  `json:"model"`
	Motion Motion `json:"motion"`
	// Vendor is the side that plays the vendor (whose product is sold: demo, validation, deal desk), ""
	// when the pairing leaves it to each deal: then the registering side is the partner in a
	// partner-led deal ("the partner brought the deal") and the vendor in a vendor-led one.
	Vendor vocab.Side `json:"vendor,omitempty"`
	// Stages maps canonical stage values to playbook stages, over StageOf's usual names.
	Stages map[string]Stage `json:"stages,omitempty"`
}

// WithDefaults fills what d leaves unset with the playbook's: partner-led, sell-with.
func (d Defaults) WithDefaults() Defaults {
	if d.Model == "" {
		d.Model = PartnerLed
	}
	if d.Motion == "" {
		d.Motion = SellWith
	}
	return d
}

// Stage maps a canonical stage value to its playbook stage: the pairing's own mapping first, then the
// usual names.
func (d Defaults) Stage(canonical string) (Stage, bool) {
	if s, ok := d.Stages[canonical]; ok {
		return s, true
	}
	return StageOf(canonical)
}

// Override replaces the playbook's lead of one stage on one deal.
type Override struct {
	Stage Stage `json:"stage"`
	Lead  Lead  `json:"lead"`
}

// Plan is one deal's co-sell plan, decided at registration and kept in the deal's state: its model and
// motion, which side is the vendor, and the stages whose lead the partners changed. It is small and
// serializable (overrides sorted by stage, at most six), so continue-as-new carries it as it is.
type Plan struct {
	Model     Model      `json:"model"`
	Motion    Motion     `json:"motion"`
	Vendor    vocab.Side `json:"vendor"`
	Overrides []Override `json:"overrides,omitempty"`
}

// NewPlan is the plan of a deal registered by registrant: model and motion as given, or the pairing's
// defaults when "", and the vendor side from the pairing or, when it names none, from the model and
// who registered (see Defaults.Vendor; in true co-selling the other side is recorded as vendor, which
// changes no lead).
func NewPlan(d Defaults, registrant vocab.Side, model Model, motion Motion) (Plan, error) {
	d = d.WithDefaults()
	if !validSide(registrant) {
		return Plan{}, fmt.Errorf("plan: registrant %q is not side a or b", registrant)
	}
	p := Plan{Model: d.Model, Motion: d.Motion, Vendor: d.Vendor}
	if model != "" {
		p.Model = model
	}
	if motion != "" {
		p.Motion = motion
	}
	if p.Vendor == "" {
		p.Vendor = registrant.Other()
		if p.Model == VendorLed {
			p.Vendor = registrant
		}
	}
	return p, p.Validate()
}

// Validate checks a plan: a known model and motion, a vendor side, and overrides naming known stages
// and leads, each stage once, in stage order.
func (p Plan) Validate() error {
	var errs []error
	if _, ok := leads[p.Model]; !ok {
		errs = append(errs, fmt.Errorf("unknown model %q", p.Model))
	}
	if !slices.Contains(Motions, p.Motion) {
		errs = append(errs, fmt.Errorf("unknown motion %q", p.Motion))
	}
	if !validSide(p.Vendor) {
		errs = append(errs, fmt.Errorf("vendor %q is not side a or b", p.Vendor))
	}
	for i, o := range p.Overrides {
		switch {
		case !o.Stage.Valid():
			errs = append(errs, fmt.Errorf("override of unknown stage %q", o.Stage))
		case o.Lead.Sides() == nil:
			errs = append(errs, fmt.Errorf("override of stage %s: unknown lead %q", o.Stage, o.Lead))
		case i > 0 && o.Stage.Number() <= p.Overrides[i-1].Stage.Number():
			errs = append(errs, fmt.Errorf("overrides out of stage order or repeated at %s", o.Stage))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("plan: %w", errors.Join(errs...))
	}
	return nil
}

// Lead is who leads stage s on this deal: the override if the partners set one, else the playbook's
// party for the model, resolved to sides through Vendor. An unknown stage has no lead ("").
func (p Plan) Lead(s Stage) Lead {
	for _, o := range p.Overrides {
		if o.Stage == s {
			return o.Lead
		}
	}
	n := s.Number()
	l, ok := leads[p.Model]
	if n == 0 || !ok {
		return ""
	}
	switch l[n-1] {
	case Vendor:
		return Lead(p.Vendor)
	case Partner:
		return Lead(p.Vendor.Other())
	}
	return JointLead
}

// StageLead is one row of a deal's stage plan.
type StageLead struct {
	Stage Stage `json:"stage"`
	Lead  Lead  `json:"lead"`
	// Overridden is set when the partners changed the playbook's lead for this deal.
	Overridden bool `json:"overridden,omitempty"`
}

// Leads lists the lead of every stage, in order: what `cosell deal show` prints and both CRMs show.
func (p Plan) Leads() []StageLead {
	out := make([]StageLead, len(Stages))
	for i, s := range Stages {
		out[i] = StageLead{Stage: s, Lead: p.Lead(s), Overridden: slices.ContainsFunc(p.Overrides, func(o Override) bool { return o.Stage == s })}
	}
	return out
}

// WithOverride returns the plan with stage s led by lead on this deal; a lead equal to the playbook's
// removes the override, so a plan never carries one that changes nothing.
func (p Plan) WithOverride(s Stage, lead Lead) (Plan, error) {
	if !s.Valid() {
		return p, fmt.Errorf("override: unknown stage %q", s)
	}
	if lead.Sides() == nil {
		return p, fmt.Errorf("override of stage %s: unknown lead %q, want a, b or joint", s, lead)
	}
	q := p
	q.Overrides = slices.DeleteFunc(slices.Clone(p.Overrides), func(o Override) bool { return o.Stage == s })
	if q.Lead(s) != lead {
		q.Overrides = append(q.Overrides, Override{Stage: s, Lead: lead})
		slices.SortFunc(q.Overrides, func(x, y Override) int { return x.Stage.Number() - y.Stage.Number() })
	}
	if len(q.Overrides) == 0 {
		q.Overrides = nil
	}
	return q, nil
}

func validSide(s vocab.Side) bool { return s == vocab.A || s == vocab.B }
