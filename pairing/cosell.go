package pairing

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

var (
	coSellKeys   = []string{"model", "motion", "vendor", "currency", "stages", "split", "pool", "rules"}
	splitKeys    = []string{"sourcing", "selling", "technical_validation", "influence"}
	poolKeys     = []string{"solo", "cosell", "true_cosell"}
	roleRuleKeys = []string{"selling_stages", "technical_validation", "influence"}
	evidenceKeys = []string{"kinds", "min_touchpoints"}
)

// decodeCoSell fills p.CoSell and p.Attribution from the cosell section: the deal defaults (model,
// motion, which side is the vendor, how the stage field's values map to the playbook's stages) and the
// published attribution rules (currency, role split, commission pool, role rules), with the playbook's
// defaults for everything left out. It decodes after fields and pilot: stages name the stage field's
// values, and the currency must agree with the pilot's.
func decodeCoSell(d *decoder, at, n *yaml.Node, p *Pairing) {
	p.CoSell = cosell.Defaults{}.WithDefaults()
	p.Attribution = attribution.DefaultRules()
	if n == nil {
		return
	}
	o := d.object(at, n, "cosell", coSellKeys...)
	if o == nil {
		return
	}
	before := len(d.problems)
	var def cosell.Defaults
	var rules attribution.Rules
	if v := d.str(o, "model", false, ""); v != "" {
		m, err := cosell.ParseModel(v)
		if err != nil {
			d.report(o.pos("model"), fmt.Sprintf("unknown model %q in cosell", v), "use partner_led, vendor_led or true_cosell")
		}
		def.Model = m
	}
	if v := d.str(o, "motion", false, ""); v != "" {
		m, err := cosell.ParseMotion(v)
		if err != nil {
			d.report(o.pos("motion"), fmt.Sprintf("unknown motion %q in cosell", v), "use sell_with, sell_through or sell_to")
		}
		def.Motion = m
	}
	def.Vendor = vocab.Side(d.choice(o, "vendor", "", []string{string(vocab.A), string(vocab.B)}))
	if v := d.str(o, "currency", false, ""); v != "" {
		if _, err := money.Exponent(v); err != nil {
			d.report(o.pos("currency"), fmt.Sprintf("invalid currency %q in cosell", v),
				err.Error()+"; write the ISO 4217 code deals are attributed in, or remove currency to attribute each deal in its own")
		} else if p.Pilot.Enabled && p.Pilot.Currency != v {
			d.report(o.pos("currency"), fmt.Sprintf("cosell › currency is %s but the pilot scores in %s", v, p.Pilot.Currency),
				fmt.Sprintf("the pilot would leave every attribution out of its revenue: write `currency: %s` under pilot too (its default is %s)", v, "USD"))
		} else {
			rules.Currency = v
		}
	}
	if o.keys["stages"] != nil {
		def.Stages = d.coSellStages(o, p)
	}
	if o.keys["split"] != nil {
		rules.Split = d.split(o)
	}
	if o.keys["pool"] != nil {
		rules.Pool = d.pool(o)
	}
	if o.keys["rules"] != nil {
		d.roleRules(o, &rules)
	}
	def = def.WithDefaults()
	rules = rules.WithDefaults()
	if len(d.problems) == before {
		if err := rules.Validate(); err != nil {
			d.report(at, "cosell: "+joinedMessage(err), "see examples/README.md, section Co-selling and attribution")
		}
	}
	p.CoSell, p.Attribution = def, rules
}

// coSellStages reads cosell › stages: canonical stage value → playbook stage.
func (d *decoder) coSellStages(parent *object, p *Pairing) map[string]cosell.Stage {
	path := "cosell › stages"
	o := d.mapping(parent.keys["stages"], parent.node("stages"), path, "`needs_analysis: discovery`")
	if o == nil || len(o.order) == 0 {
		return nil
	}
	stage, ok := p.Field(StageField)
	if !ok || stage.Type != Picklist {
		d.report(parent.keys["stages"], path+" needs a picklist field named stage: its keys are the stage field's canonical values",
			"map the deal stage under fields as `- name: stage` with `type: picklist` and a value map, or remove cosell › stages")
		return nil
	}
	var canonical []string
	for _, v := range stage.Values {
		canonical = append(canonical, v.Canonical)
	}
	out := map[string]cosell.Stage{}
	for _, name := range o.order {
		if !slices.Contains(canonical, name) {
			hint := "the stages are " + quoteList(canonical)
			if h := keyHint(name, canonical); strings.HasPrefix(h, "did you mean") {
				hint = h + " " + hint
			}
			d.report(o.keys[name], fmt.Sprintf("unknown stage %s in %s: the stage field's value map has no canonical value %q", name, path, name), hint)
			continue
		}
		v := d.str(o, name, true, "write the playbook stage it is: "+playbookStages())
		if v == "" {
			continue
		}
		s, err := cosell.ParseStage(v)
		if err != nil {
			d.report(o.pos(name), fmt.Sprintf("unknown playbook stage %q for stage %s in %s", v, name, path), "use "+playbookStages())
			continue
		}
		out[name] = s
	}
	return out
}

func playbookStages() string {
	names := make([]string, len(cosell.Stages))
	for i, s := range cosell.Stages {
		names[i] = string(s)
	}
	return quoteList(names)
}

// split reads cosell › split: each role written earns its share, a role left out earns nothing, and
// the shares total 100 %.
func (d *decoder) split(parent *object) attribution.Split {
	var s attribution.Split
	before := len(d.problems)
	o := d.object(parent.keys["split"], parent.node("split"), "cosell › split", splitKeys...)
	if o == nil {
		return s
	}
	hint := "write the role's share of the commission pool, e.g. 20%; leave a role out to pay it nothing"
	fields := map[string]*money.Rate{"sourcing": &s.Sourcing, "selling": &s.Selling, "technical_validation": &s.TechnicalValidation, "influence": &s.Influence}
	for _, key := range splitKeys {
		if o.keys[key] != nil {
			*fields[key], _ = d.rate(o, key, hint)
		}
	}
	if total := s.Sourcing + s.Selling + s.TechnicalValidation + s.Influence; len(d.problems) == before && total != money.Whole {
		d.report(parent.keys["split"], fmt.Sprintf("cosell › split totals %s, not 100%%", total),
			"the published shares of the roles must add up to the whole pool; the playbook's: sourcing 20%, selling 40%, technical_validation 25%, influence 15%")
	}
	return s
}

// pool reads cosell › pool over the playbook's rates.
func (d *decoder) pool(parent *object) attribution.Pool {
	p := attribution.DefaultPool
	o := d.object(parent.keys["pool"], parent.node("pool"), "cosell › pool", poolKeys...)
	if o == nil {
		return p
	}
	rates := []struct {
		key string
		dst *money.Rate
	}{{"solo", &p.Solo}, {"cosell", &p.CoSell}, {"true_cosell", &p.TrueCoSell}}
	for _, r := range rates {
		if o.keys[r.key] == nil {
			continue
		}
		if v, ok := d.rate(o, r.key, "write the commission pool as a share of the deal amount, e.g. 25%"); ok {
			*r.dst = v
		}
	}
	for _, r := range rates[1:] {
		if o.keys[r.key] != nil && *r.dst < p.Solo {
			d.report(o.pos(r.key), fmt.Sprintf("cosell › pool › %s is %s, below the solo pool of %s", r.key, *r.dst, p.Solo),
				"the playbook makes the co-sell pool bigger than the solo one (solo 20%, co-sell 25–30%) so that co-selling is rational")
		}
	}
	return p
}

// rate reads a percentage above 0 and at most 100 %, exact to a basis point (two decimals of a percent).
func (d *decoder) rate(o *object, key, hint string) (money.Rate, bool) {
	share, ok := d.percent(o, key, hint)
	if !ok {
		return 0, false
	}
	r, exact := money.RateOf(share)
	switch {
	case !exact:
		d.report(o.pos(key), fmt.Sprintf("%s › %s has more than two decimals of a percent", o.path, key), "round it to a basis point, e.g. 27.5% or 27.55%")
	case r > money.Whole:
		d.report(o.pos(key), fmt.Sprintf("%s › %s is %s, more than the whole", o.path, key, r), hint)
	default:
		return r, true
	}
	return 0, false
}

// roleRules reads cosell › rules: the selling stages and the evidence each evidence role needs.
func (d *decoder) roleRules(parent *object, r *attribution.Rules) {
	o := d.object(parent.keys["rules"], parent.node("rules"), "cosell › rules", roleRuleKeys...)
	if o == nil {
		return
	}
	if o.keys["selling_stages"] != nil {
		r.SellingStages = distinct(d, o, "selling_stages", "playbook stage", playbookStages(), cosell.ParseStage,
			"nobody could earn the selling role", "list the playbook stages whose lead sells, e.g. [discovery, proposal, close], or remove it for those")
	}
	if o.keys["technical_validation"] != nil {
		r.TechnicalValidation = d.evidence(o, "technical_validation")
	}
	if o.keys["influence"] != nil {
		r.Influence = d.evidence(o, "influence")
	}
}

// evidence reads an evidence rule: touchpoint kinds, each once, and a minimum count.
func (d *decoder) evidence(parent *object, key string) attribution.Evidence {
	var e attribution.Evidence
	o := d.object(parent.keys[key], parent.node(key), parent.path+" › "+key, evidenceKeys...)
	if o == nil {
		return e
	}
	if o.keys["kinds"] != nil {
		names := make([]string, len(touchpoint.Kinds))
		for i, k := range touchpoint.Kinds {
			names[i] = string(k)
		}
		e.Kinds = distinct(d, o, "kinds", "touchpoint kind", quoteList(names), touchpoint.ParseKind,
			"no touchpoint would count", "list touchpoint kinds, or remove kinds for the defaults")
	}
	if o.keys["min_touchpoints"] != nil {
		e.MinTouchpoints, _ = d.whole(o, "min_touchpoints", 1, "write how many touchpoints of these kinds a partner needs to earn the role, e.g. 1")
	}
	return e
}

// distinct reads a list of names that parse reads, each listed once: the playbook stages or touchpoint
// kinds of a rule. An empty list is reported as why, with hint.
func distinct[T comparable](d *decoder, o *object, key, what, known string, parse func(string) (T, error), why, hint string) []T {
	path := o.path + " › " + key
	items, ok := d.seq(o.node(key), path)
	if ok && len(items) == 0 {
		d.report(o.pos(key), path+" is empty: "+why, hint)
	}
	var out []T
	first := map[T]int{}
	for _, item := range items {
		v, ok := d.scalar(item, path)
		if !ok {
			continue
		}
		x, err := parse(v)
		if err != nil {
			d.report(item, fmt.Sprintf("unknown %s %q in %s", what, v, path), "use "+known)
			continue
		}
		if line, dup := first[x]; dup {
			d.report(item, fmt.Sprintf("%v appears twice in %s (first on line %d)", x, path, line), "remove one of them")
			continue
		}
		first[x] = item.Line
		out = append(out, x)
	}
	return out
}
