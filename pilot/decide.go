package pilot

// Decision is what the day-90 review proposes for a pairing.
type Decision string

// Decisions.
const (
	// Scale: the pilot worked; run another window with raised targets (Config.Raised).
	Scale Decision = "scale"
	// Kill: the pairing produced nothing; stop co-selling through it.
	Kill Decision = "kill"
	// Restructure: it produced something but not enough; a human decides what to change.
	Restructure Decision = "restructure"
)

// Proposal is the decision table's verdict and why. Approvers confirm or override it; unanswered, it
// stands after Config.DecisionTimeout days.
type Proposal struct {
	Decision Decision `json:"decision"`
	// Reasons say which rules fired, with the numbers they looked at, one sentence each.
	Reasons []string `json:"reasons"`
}

// Decide applies the decision table of cfg.Rules to a scorecard. Kill rules come first: a pairing that
// registered nothing, or whose registrations carry no amount, is killed even if other rules hold. Then
// scale when every scale rule that is on holds; restructure otherwise, which needs a human. It reads the
// card's metrics and targets only, so a stored scorecard can be decided again.
func Decide(cfg Config, card Scorecard) Proposal {
	cfg = cfg.WithDefaults()
	r, m, cur := cfg.Rules, card.Metrics, cfg.Currency
	window := Count(cfg.Length) + "-day window"

	var kill []string
	if r.KillWithoutRegistrations && m.JointOpportunities == 0 {
		kill = append(kill, "kill › without_registrations: no co-sell deal was registered in the "+window)
	}
	if r.KillWithoutPipeline && !(m.PipelineCreated > 0) {
		why := "no pipeline: nothing was registered in the " + window
		if m.JointOpportunities > 0 {
			why = "no pipeline: the " + plural(m.JointOpportunities, "co-sell deal", "co-sell deals") + " registered in the window carry no amount"
		}
		kill = append(kill, "kill › without_pipeline: "+why)
	}
	if len(kill) > 0 {
		return Proposal{Decision: Kill, Reasons: kill}
	}

	var met, unmet []string
	judge := func(on, ok bool, rule, good, bad string) {
		switch {
		case !on:
		case ok:
			met = append(met, "scale › "+rule+" met: "+good)
		default:
			unmet = append(unmet, "scale › "+rule+" not met: "+bad)
		}
	}
	judge(r.ScaleNeedsPipeline, m.PipelineCreated > 0, "needs_pipeline",
		Money(cur, m.PipelineCreated)+" of pipeline from "+plural(m.JointOpportunities, "registered co-sell deal", "registered co-sell deals"),
		"no co-sell deal registered in the window has an amount")
	revenueBad := "no co-sell deal was won in the window"
	if m.JointWon > 0 {
		revenueBad = plural(m.JointWon, "co-sell deal was", "co-sell deals were") + " won, with no amount"
	}
	judge(r.ScaleNeedsRevenue, m.ClosedRevenue > 0, "needs_revenue",
		Money(cur, m.ClosedRevenue)+" closed won on "+plural(m.JointWon, "co-sell deal", "co-sell deals"), revenueBad)
	judge(r.ScaleNeedsRegistrationTarget, m.JointOpportunities >= cfg.Targets.Registrations, "needs_registration_target",
		Count(m.JointOpportunities)+" registrations against a target of "+Count(cfg.Targets.Registrations),
		Count(m.JointOpportunities)+" registrations, below the target of "+Count(cfg.Targets.Registrations))
	for _, rule := range []struct {
		on   bool
		key  string
		name string
	}{
		{r.ScaleNeedsActiveDealsTarget, TargetActiveDeals, "needs_active_deals_target"},
		{r.ScaleNeedsWinRateTarget, TargetWinRate, "needs_win_rate_target"},
	} {
		t, ok := card.Target(rule.key)
		if !ok {
			judge(rule.on, false, rule.name, "", "the scorecard has no "+rule.key+" target")
			continue
		}
		judge(rule.on, t.Met, rule.name, t.Actual+" against "+t.Target, t.Actual+" against "+t.Target)
	}

	if len(unmet) == 0 {
		if len(met) == 0 {
			met = append(met, "no kill rule fired and no scale rule is on")
		}
		return Proposal{Decision: Scale, Reasons: met}
	}
	reasons := append(unmet, met...)
	reasons = append(reasons, "restructure needs a human: an approver confirms it, or chooses scale or kill, within "+
		plural(cfg.DecisionTimeout, "day", "days"))
	return Proposal{Decision: Restructure, Reasons: reasons}
}
