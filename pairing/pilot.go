package pairing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/sla"
)

var (
	pilotKeys       = []string{"enabled", "day", "length", "checkpoints", "targets", "rules", "approvers", "decision_timeout", "growth", "won_stages", "lost_stages", "managers", "currency"}
	pilotTargetKeys = []string{"registrations", "active_deals", "active_deals_by_day", "win_rate_uplift"}
	pilotRuleKeys   = []string{"scale", "kill"}
	scaleRuleKeys   = []string{"needs_pipeline", "needs_revenue", "needs_registration_target", "needs_active_deals_target", "needs_win_rate_target"}
	killRuleKeys    = []string{"without_registrations", "without_pipeline"}
)

// decodePilot fills p.Pilot: the playbook's pilot (pilot.Config.WithDefaults) with what the pilot section
// sets on top. The pilot runs only when the section says `enabled: true`. Each setting is checked
// against its own line; pilot.Config.Validate then checks the whole as a safety net.
func decodePilot(d *decoder, at, n *yaml.Node, p *Pairing) {
	p.Pilot = pilot.Config{}.WithDefaults()
	if n == nil {
		return
	}
	o := d.object(at, n, "pilot", pilotKeys...)
	if o == nil {
		return
	}
	before := len(d.problems)
	var c pilot.Config // zero: WithDefaults fills what the section leaves out
	c.Enabled = d.boolean(o, "enabled", false)

	if o.keys["day"] != nil {
		if v := d.str(o, "day", false, ""); v == "" {
			d.missing(o, "day", durationHint+"; a pilot day is 24h, shortened only for demos")
		} else if day, err := sla.ParseDuration(v); err != nil {
			d.report(o.pos("day"), fmt.Sprintf("invalid duration %q in pilot › day", v), durationHint+"; a pilot day is 24h, shortened (1s, 1m) only for demos")
		} else if day <= 0 {
			d.report(o.pos("day"), fmt.Sprintf("pilot › day must be longer than zero, not %s", v), "write 24h, or 1s or 1m for a demo")
		} else {
			c.Day = day
		}
	}

	length, lengthOK := pilot.DefaultLength, true
	if o.keys["length"] != nil {
		length, lengthOK = d.whole(o, "length", 1, "write the number of days in the pilot window, e.g. 90")
		if lengthOK {
			c.Length = length
		}
	}
	if o.keys["checkpoints"] != nil {
		c.Checkpoints = d.checkpoints(o, length, lengthOK)
	}
	if o.keys["targets"] != nil {
		c.Targets = d.pilotTargets(o, length, lengthOK)
	}
	if o.keys["rules"] != nil {
		c.Rules = d.pilotRules(o)
	}
	c.Approvers = d.emails(o, "approvers")
	if o.keys["decision_timeout"] != nil {
		c.DecisionTimeout, _ = d.whole(o, "decision_timeout", 1,
			"write the number of pilot days approvers have to confirm or override the day-90 proposal, e.g. 14")
	}
	if o.keys["growth"] != nil {
		c.Growth, _ = d.percent(o, "growth", "after scale, the next window's targets rise by growth: write e.g. 50% (5 registrations become 8)")
	}
	var won, lost []stageItem
	if o.keys["won_stages"] != nil {
		won = d.closingStages(o, "won_stages", "won", p)
		c.WonStages = stageNames(won)
	}
	if o.keys["lost_stages"] != nil {
		lost = d.closingStages(o, "lost_stages", "lost", p)
		c.LostStages = stageNames(lost)
	}
	// A stage may not close a deal both ways, counting the default list of the side left out.
	for _, l := range lost {
		if slices.Contains(c.WonStages, l.name) || (o.keys["won_stages"] == nil && slices.Contains(pilot.DefaultWonStages, l.name)) {
			d.report(l.node, fmt.Sprintf("stage %s is both won and lost: it is in pilot › lost_stages and in the won stages", l.name),
				"a deal in it cannot be both; remove it from one of the lists")
		}
	}
	for _, w := range won {
		if o.keys["lost_stages"] == nil && slices.Contains(pilot.DefaultLostStages, w.name) {
			d.report(w.node, fmt.Sprintf("stage %s is both won and lost: it is in pilot › won_stages and in the default lost stages (%s)", w.name, quoteList(pilot.DefaultLostStages)),
				"remove it from won_stages, or write lost_stages without it")
		}
	}
	if o.keys["managers"] != nil {
		if mo := d.object(o.keys["managers"], o.node("managers"), "pilot › managers", "a", "b"); mo != nil {
			c.ManagersA = d.emails(mo, "a")
			c.ManagersB = d.emails(mo, "b")
		}
	}
	if v := d.str(o, "currency", false, ""); v != "" {
		if up := strings.ToUpper(v); up != v && (pilot.Config{Currency: up}).WithDefaults().Validate() == nil {
			d.report(o.pos("currency"), fmt.Sprintf("invalid currency %q in pilot", v), "write it in upper case: "+up)
		} else if err := (pilot.Config{Currency: v}).WithDefaults().Validate(); err != nil {
			d.report(o.pos("currency"), fmt.Sprintf("invalid currency %q in pilot", v), "write the ISO 4217 code of the deal amounts, such as USD, EUR or GBP")
		} else {
			c.Currency = v
		}
	}

	c = c.WithDefaults()
	if len(d.problems) == before {
		if err := c.Validate(); err != nil {
			d.report(at, "pilot: "+joinedMessage(err), "see examples/README.md, section The pilot review")
		}
	}
	p.Pilot = c
}

// whole reads a whole number of at least min. ok is false after a problem.
func (d *decoder) whole(o *object, key string, min int, hint string) (int, bool) {
	v := d.str(o, key, false, "")
	if v == "" {
		d.missing(o, key, hint)
		return 0, false
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		d.report(o.pos(key), fmt.Sprintf("%s › %s must be a whole number, not %q", o.path, key, v), hint)
		return 0, false
	case n < 0:
		d.report(o.pos(key), fmt.Sprintf("%s › %s is negative (%d)", o.path, key, n), hint)
		return 0, false
	case n < min:
		d.report(o.pos(key), fmt.Sprintf("%s › %s must be at least %d, not %d", o.path, key, min, n), hint)
		return 0, false
	}
	return n, true
}

// percent reads a share above 0 and at most pilot.MaxShare, written "10%" or "0.1". A bare number above
// 1 is refused: "10" could mean 10 % or 1000 %.
func (d *decoder) percent(o *object, key, hint string) (float64, bool) {
	v := d.str(o, key, false, "")
	if v == "" {
		d.missing(o, key, hint)
		return 0, false
	}
	share, ok := parseShare(v)
	switch {
	case !ok:
		d.report(o.pos(key), fmt.Sprintf("invalid percentage %q in %s › %s", v, o.path, key), "write a percentage such as 10%, or a share such as 0.1; "+hint)
	case !strings.HasSuffix(v, "%") && share > 1:
		d.report(o.pos(key), fmt.Sprintf("%s › %s is %q: a bare number is a share of 1, so this would be %s", o.path, key, v, pilot.Percent(share)),
			fmt.Sprintf("write %s%% for a percentage, or a share such as 0.1", v))
	case !(share > 0):
		d.report(o.pos(key), fmt.Sprintf("%s › %s must be above 0%%, not %s", o.path, key, v), hint)
	case share > pilot.MaxShare:
		d.report(o.pos(key), fmt.Sprintf("%s › %s is %s: more than %s is a typo, not a plan", o.path, key, v, pilot.Percent(pilot.MaxShare)), hint)
	default:
		return share, true
	}
	return 0, false
}

// checkpoints reads the days scorecards are published: whole days from 1, strictly increasing, the
// last one the decision day (length).
func (d *decoder) checkpoints(o *object, length int, lengthOK bool) []int {
	path := "pilot › checkpoints"
	items, ok := d.seq(o.node("checkpoints"), path)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.report(o.pos("checkpoints"), path+" is empty: no scorecard and no decision",
			"list the scorecard days, e.g. [30, 60, 90], or remove checkpoints for thirds of length")
		return nil
	}
	var out []int
	var last *yaml.Node
	for _, item := range items {
		v, ok := d.scalar(item, path)
		if !ok {
			return nil
		}
		day, err := strconv.Atoi(v)
		switch {
		case err != nil:
			d.report(item, fmt.Sprintf("checkpoint %q in %s is not a whole number of days", v, path), "write pilot days such as [30, 60, 90]")
			return nil
		case day < 1:
			d.report(item, fmt.Sprintf("checkpoint day %d in %s is before the pilot's first day", day, path), "checkpoints count from day 1")
			return nil
		case len(out) > 0 && day <= out[len(out)-1]:
			d.report(item, fmt.Sprintf("checkpoint day %d does not come after day %d: checkpoints must increase", day, out[len(out)-1]),
				"list the days in order, each once, e.g. [30, 60, 90]")
			return nil
		case lengthOK && day > length:
			d.report(item, fmt.Sprintf("checkpoint day %d is after the pilot's last day (length %d)", day, length),
				fmt.Sprintf("end the list with %d, or set length: %d", length, day))
			return nil
		}
		out = append(out, day)
		last = item
	}
	if lengthOK && out[len(out)-1] != length {
		hint := fmt.Sprintf("the last checkpoint is the decision: end the list with %d, or set length: %d", length, out[len(out)-1])
		if o.keys["length"] == nil {
			hint = fmt.Sprintf("the last checkpoint is the decision and length is %d by default: end the list with %d, or add `length: %d`",
				length, length, out[len(out)-1])
		}
		d.report(last, fmt.Sprintf("the last checkpoint is day %d, not the pilot's last day (%d)", out[len(out)-1], length), hint)
		return nil
	}
	return out
}

// pilotTargets reads pilot › targets. A target of 0 is refused: it would always be met, and 0 reads as
// the default in a pilot.Config.
func (d *decoder) pilotTargets(parent *object, length int, lengthOK bool) pilot.Targets {
	var t pilot.Targets
	o := d.object(parent.keys["targets"], parent.node("targets"), "pilot › targets", pilotTargetKeys...)
	if o == nil {
		return t
	}
	if o.keys["registrations"] != nil {
		t.Registrations, _ = d.whole(o, "registrations", 1,
			"write how many co-sell deals the window should register, e.g. 5; to leave it out of the decision, set rules › scale › needs_registration_target: false")
	}
	if o.keys["active_deals"] != nil {
		t.ActiveDeals, _ = d.whole(o, "active_deals", 1, "write how many co-sell deals should be open on active_deals_by_day, e.g. 3")
	}
	if o.keys["active_deals_by_day"] != nil {
		day, ok := d.whole(o, "active_deals_by_day", 1, "write the pilot day the open deals are counted, e.g. 60")
		if ok && lengthOK && day > length {
			d.report(o.pos("active_deals_by_day"), fmt.Sprintf("pilot › targets › active_deals_by_day is day %d, after the pilot's last day (%d)", day, length),
				fmt.Sprintf("write a day from 1 to %d, e.g. 60", length))
		} else if ok {
			t.ActiveDealsDay = day
		}
	}
	if o.keys["win_rate_uplift"] != nil {
		t.WinRateUplift, _ = d.percent(o, "win_rate_uplift",
			"write how much higher the co-sell win rate should be than the solo one, relative: 10% means co-sell ≥ solo × 1.10")
	}
	return t
}

// pilotRules reads pilot › rules on top of the playbook's decision table.
func (d *decoder) pilotRules(parent *object) pilot.Rules {
	r := pilot.DefaultRules()
	o := d.object(parent.keys["rules"], parent.node("rules"), "pilot › rules", pilotRuleKeys...)
	if o == nil {
		return r
	}
	if o.keys["scale"] != nil {
		if so := d.object(o.keys["scale"], o.node("scale"), "pilot › rules › scale", scaleRuleKeys...); so != nil {
			r.ScaleNeedsPipeline = d.boolean(so, "needs_pipeline", r.ScaleNeedsPipeline)
			r.ScaleNeedsRevenue = d.boolean(so, "needs_revenue", r.ScaleNeedsRevenue)
			r.ScaleNeedsRegistrationTarget = d.boolean(so, "needs_registration_target", r.ScaleNeedsRegistrationTarget)
			r.ScaleNeedsActiveDealsTarget = d.boolean(so, "needs_active_deals_target", r.ScaleNeedsActiveDealsTarget)
			r.ScaleNeedsWinRateTarget = d.boolean(so, "needs_win_rate_target", r.ScaleNeedsWinRateTarget)
		}
	}
	if o.keys["kill"] != nil {
		if ko := d.object(o.keys["kill"], o.node("kill"), "pilot › rules › kill", killRuleKeys...); ko != nil {
			r.KillWithoutRegistrations = d.boolean(ko, "without_registrations", r.KillWithoutRegistrations)
			r.KillWithoutPipeline = d.boolean(ko, "without_pipeline", r.KillWithoutPipeline)
		}
	}
	if !r.Any() {
		d.report(parent.keys["rules"], "every rule in pilot › rules is off, so every pilot would be proposed for scale",
			"keep at least one rule on; the playbook's: scale needs pipeline, revenue and the registration target, kill without registrations or pipeline")
		return pilot.DefaultRules()
	}
	return r
}

// stageItem is a stage named in a list, with where it is written.
type stageItem struct {
	name string
	node *yaml.Node
}

func stageNames(items []stageItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.name)
	}
	return out
}

// closingStages reads pilot › won_stages or lost_stages: canonical values of the stage field's value map,
// each once.
func (d *decoder) closingStages(o *object, key, what string, p *Pairing) []stageItem {
	path := "pilot › " + key
	items, ok := d.seq(o.node(key), path)
	if !ok {
		return nil
	}
	def := pilot.DefaultWonStages
	if what == "lost" {
		def = pilot.DefaultLostStages
	}
	if len(items) == 0 {
		d.report(o.pos(key), fmt.Sprintf("%s is empty: no stage would close a deal as %s", path, what),
			fmt.Sprintf("list the canonical stages meaning %s, e.g. [%s], or remove %s for %s", what, def[0], key, quoteList(def)))
		return nil
	}
	stage, found := p.Field(StageField)
	if !found || stage.Type != Picklist {
		d.report(o.keys[key], path+" needs a picklist field named stage: its entries are the stage field's canonical values",
			"map the deal stage under fields as `- name: stage` with `type: picklist` and a value map, or remove "+key)
		return nil
	}
	var canonical []string
	for _, v := range stage.Values {
		canonical = append(canonical, v.Canonical)
	}
	var out []stageItem
	first := map[string]int{}
	for _, item := range items {
		name, ok := d.scalar(item, path)
		if !ok {
			continue
		}
		if !slices.Contains(canonical, name) {
			hint := "the stages are " + quoteList(canonical)
			if h := keyHint(name, canonical); strings.HasPrefix(h, "did you mean") {
				hint = h + " " + hint
			}
			d.report(item, fmt.Sprintf("unknown stage %s in %s: the stage field's value map has no canonical value %q", name, path, name), hint)
			continue
		}
		if line, dup := first[name]; dup {
			d.report(item, fmt.Sprintf("%s appears twice in %s (first on line %d)", name, path, line), "remove one of them")
			continue
		}
		first[name] = item.Line
		out = append(out, stageItem{name: name, node: item})
	}
	return out
}
