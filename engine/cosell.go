package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// Co-selling (issue #9, items 3 and 5). A deal registered under a policy with a cosell section gets a
// plan (cosell.Plan: model, motion, vendor side, overrides) with its origin as the registrant. From
// then on the engine itself is the source of the fields in vocab.EngineFields: it sets their wanted
// values, and the ordinary write path carries them to both parties (acknowledged, retried, refused
// like any field); a user's edit of one is reverted. A stage change that changes the lead tells the
// new lead. At close-won the deal is attributed once (attribution.Attribute): the result is kept in
// the state, summarised in a field and explained in a note written once to each party, its body
// regenerated from the result, never carried. A close-lost records its reason.
//
// Deals registered before this existed carry no plan (State.CoSell is nil) and are left as they were,
// so the histories recorded before it replay with the commands they had.

// CoSellPolicy is the part of the pairing's cosell section a deal decides with.
type CoSellPolicy struct {
	Defaults cosell.Defaults   `json:"defaults"`
	Rules    attribution.Rules `json:"rules"`
	// Currency is the currency of the deal amount when the pairing maps no currency field: cosell ›
	// currency, else the pilot's.
	Currency string `json:"currency"`
	// WonStages and LostStages are the canonical stages that close a deal as won and as lost.
	WonStages  []string `json:"wonStages"`
	LostStages []string `json:"lostStages"`
	// Approvers may resolve attribution disputes (the pilot's approvers); empty allows anyone named.
	Approvers []string `json:"approvers,omitempty"`
}

// CoSellState is what a deal carries of co-selling: bounded (a plan of at most six overrides, one
// result of four awards and a dozen calculation lines, one loss).
type CoSellState struct {
	Plan cosell.Plan `json:"plan"`
	// Stage is the deal's current playbook stage (the last one its stage mapped to) and Lead its lead,
	// the lead last written and announced.
	Stage cosell.Stage `json:"stage,omitempty"`
	Lead  cosell.Lead  `json:"lead,omitempty"`
	// Attribution is the deal's attribution at close-won: computed once, the audit trail.
	Attribution *attribution.Result `json:"attribution,omitempty"`
	// Refused is the amount ("USD 100.5") an attribution was refused for; only another amount or
	// currency is tried again.
	Refused string `json:"refused,omitempty"`
	// NoteDone lists the parties the attribution note reached (or refused it).
	NoteDone []vocab.Side `json:"noteDone,omitempty"`
	// Loss is what a close-lost recorded.
	Loss *attribution.Loss `json:"loss,omitempty"`
	// Touchpoints is the deal's evidence (evidence.go); nil before the first.
	Touchpoints *touchpoint.Set `json:"touchpoints,omitempty"`
	// Disputes are the attribution's disputes and their resolutions, oldest first (dispute.go): with
	// Attribution, the deal's audit trail (attribution.Record). At most attribution.MaxDisputes.
	Disputes []attribution.Dispute `json:"disputes,omitempty"`
	// DisputeNotes lists the keys of the dispute notes written (or refused), at most four per dispute.
	DisputeNotes []string `json:"disputeNotes,omitempty"`
	// DisputeField is the dispute field's value last taken as a dispute (or refused as one), so a
	// reason is one dispute however often it is read.
	DisputeField string `json:"disputeField,omitempty"`
}

// CoSell returns the deal's co-sell state, nil for a deal without a plan.
func (e *Engine) CoSell() *CoSellState { return e.st.CoSell }

// AttributionNoteKey is the idempotency key of the attribution note on party s.
func AttributionNoteKey(coSellID string, s vocab.Side) string {
	return NoteKey(coSellID, s, "@attribution")
}

// coSellRegistered gives a newly registered deal its plan: the pairing's defaults, its origin as the
// registrant.
func (e *Engine) coSellRegistered(now time.Time) {
	if e.pol.CoSell == nil || e.st.CoSell != nil {
		return
	}
	plan, err := cosell.NewPlan(e.pol.CoSell.Defaults, e.st.Origin, "", "")
	if err != nil {
		e.setIssue(now, "", "", vocab.IssueRegistration, "no co-sell plan: "+err.Error())
		return
	}
	e.st.CoSell = &CoSellState{Plan: plan}
	e.log("info", "co-sell plan", "model", string(plan.Model), "motion", string(plan.Motion), "vendor", string(plan.Vendor))
	e.coSellTrack(now)
}

// coSellTrack brings the engine-written fields up to date with the plan and the current stage, tells a
// new lead, attributes a won deal and records a lost one's reason. It is idempotent.
func (e *Engine) coSellTrack(now time.Time) {
	cs := e.st.CoSell
	if cs == nil || e.pol.CoSell == nil {
		return
	}
	e.want(now, vocab.FieldCoSellModel, string(cs.Plan.Model))
	e.want(now, vocab.FieldCoSellMotion, string(cs.Plan.Motion))
	stage := e.currentStage()
	if ps, ok := e.pol.CoSell.Defaults.Stage(stage); ok {
		if lead := cs.Plan.Lead(ps); lead != "" {
			previous := cs.Lead
			cs.Stage, cs.Lead = ps, lead
			if previous != "" && previous != lead {
				e.leadChanged(now, ps, previous, lead)
			}
		}
	}
	if cs.Lead != "" {
		e.want(now, vocab.FieldCoSellLead, e.LeadName(cs.Lead))
	}
	switch {
	case stage != "" && slices.Contains(e.pol.CoSell.WonStages, stage):
		e.attribute(now)
		e.disputeFromField(now) // dispute.go
	case stage != "" && slices.Contains(e.pol.CoSell.LostStages, stage):
		e.recordLoss(now)
	}
}

// want sets the wanted value of a field the engine writes, when the pairing maps it.
func (e *Engine) want(now time.Time, field, v string) {
	if r, ok := e.pol.rule(field); !ok || !r.Derived {
		return
	}
	if w := e.st.Fields[field]; w != nil && w.Value == v {
		return
	}
	e.st.Fields[field] = &Want{Value: v, At: now, Known: now}
}

// LeadName is how the CRMs show a lead: the partner's name, or both for a joint stage.
func (e *Engine) LeadName(l cosell.Lead) string {
	if l == cosell.JointLead {
		return "joint: " + e.pol.Name(vocab.A) + " and " + e.pol.Name(vocab.B)
	}
	return e.pol.Name(vocab.Side(l))
}

// leadChanged tells the new lead (its deal owner, and a CRM task on its side) that it leads the stage.
func (e *Engine) leadChanged(now time.Time, stage cosell.Stage, previous, lead cosell.Lead) {
	key := fmt.Sprintf("%s/lead/%s/%s", e.st.CoSellID, stage, lead)
	e.queue(now, vocab.Notice{
		Key: key, Event: vocab.LeadChanged, Subject: string(stage), At: now,
		Message: fmt.Sprintf("The deal is in %s: %s leads it now (%s led before).", stage, e.LeadName(lead), e.LeadName(previous)),
	}, true, sla.Clock{})
	for i := range e.st.Outbox {
		it := &e.st.Outbox[i]
		if it.Notice.Key != key {
			continue
		}
		it.Notice.Recipients = slices.DeleteFunc(it.Notice.Recipients, func(r vocab.Recipient) bool { return !lead.Has(vocab.Side(r.Side)) })
		it.Pending = slices.DeleteFunc(it.Pending, func(c string) bool {
			return strings.HasPrefix(c, "task:") && !lead.Has(vocab.Side(strings.TrimPrefix(c, "task:")))
		})
	}
}

// attribute computes the attribution of a won deal, once. A refusal (a currency the rules do not take,
// no amount) is a sync issue, tried again only when the amount or currency changes.
func (e *Engine) attribute(now time.Time) {
	cs := e.st.CoSell
	if cs.Attribution != nil {
		return
	}
	currency := e.pol.CoSell.Currency
	if v, ok := e.Wanted(vocab.FieldCurrency); ok && strings.TrimSpace(v) != "" {
		currency = strings.ToUpper(strings.TrimSpace(v))
	}
	amountText, _ := e.Wanted(vocab.FieldAmount)
	tried := currency + " " + amountText
	if cs.Refused == tried {
		return
	}
	res, err := e.attributeAt(now, currency, amountText)
	if err != nil {
		cs.Refused = tried
		e.setIssue(now, "", vocab.FieldCoSellAttribution, vocab.IssueAttribution, "the deal was won but is not attributed: "+err.Error())
		return
	}
	cs.Refused = ""
	e.clearIssue("", vocab.FieldCoSellAttribution, vocab.IssueAttribution)
	cs.Attribution = &res
	e.recordChanged(now) // dispute.go: the field, and the record for the pilot
	e.log("info", "attributed", "pool", res.PoolAmount().String(), "a", res.Parts[0].AmountMinor, "b", res.Parts[1].AmountMinor)
}

func (e *Engine) attributeAt(now time.Time, currency, amountText string) (attribution.Result, error) {
	if strings.TrimSpace(amountText) == "" {
		return attribution.Result{}, fmt.Errorf("it has no amount")
	}
	amount, err := money.Parse(currency, amountText)
	if err != nil {
		return attribution.Result{}, err
	}
	names := map[vocab.Side]string{}
	for _, p := range e.pol.Parties {
		names[p.Side] = p.Name
	}
	return attribution.Attribute(e.pol.CoSell.Rules, attribution.Deal{
		CoSellID: e.st.CoSellID, Amount: amount, WonAt: now, Registrant: e.st.Origin, Plan: e.st.CoSell.Plan, Names: names,
		Touchpoints: e.st.CoSell.Touchpoints,
	})
}

// AttributionSummary is the attribution field's value: the pool and each partner's part.
func AttributionSummary(r attribution.Result, name func(vocab.Side) string) string {
	parts := make([]string, len(r.Parts))
	for i, p := range r.Parts {
		parts[i] = fmt.Sprintf("%s %s", name(p.Partner), money.Amount{Currency: r.Currency, Minor: p.AmountMinor})
	}
	return fmt.Sprintf("pool %s (%s of %s): %s", r.PoolAmount(), r.PoolRate, r.Amount(), strings.Join(parts, "; "))
}

// recordLoss records why a lost deal was lost: the loss reason field's value when the pairing maps
// one (a word off the list, else "other" with the partner's words), kept current while the deal stays
// lost.
func (e *Engine) recordLoss(now time.Time) {
	cs := e.st.CoSell
	raw, _ := e.Wanted(vocab.FieldLossReason)
	raw = strings.TrimSpace(raw)
	var reason attribution.LossReason
	detail := ""
	if raw != "" {
		r, err := attribution.ParseLossReason(raw)
		if err != nil {
			r, detail = attribution.LostOther, raw
		}
		reason = r
	}
	if len(detail) > 1000 {
		detail = detail[:1000]
	}
	if cs.Loss != nil && cs.Loss.Reason == reason && cs.Loss.Detail == detail {
		return
	}
	side := vocab.Side("")
	if w := e.st.Fields[e.pol.StageField]; w != nil {
		side = w.From
	}
	at := now
	if cs.Loss != nil {
		at = cs.Loss.At
	}
	cs.Loss = &attribution.Loss{CoSellID: e.st.CoSellID, Reason: reason, Detail: detail, Side: side, At: at}
	e.log("info", "close-lost recorded", "reason", string(reason))
}

// planCoSellNote plans the attribution note for the next party that lacks it.
func (e *Engine) planCoSellNote() (Command, bool) {
	cs := e.st.CoSell
	if cs == nil || cs.Attribution == nil {
		return Command{}, false
	}
	for _, s := range e.pol.sides() {
		p := e.party(s)
		if p.RecordID == "" || p.Unlinked || slices.Contains(cs.NoteDone, s) {
			continue
		}
		return Command{Kind: MirrorNote, Side: s, Note: &NoteCmd{
			Key: AttributionNoteKey(e.st.CoSellID, s), Subject: "Co-sell attribution", Prefix: "[CoSell Sync]",
			Body: cs.Attribution.Note(), CreatedAt: cs.Attribution.WonAt,
		}}, true
	}
	return e.planDisputeNote() // dispute.go
}

// coSellNoteDone records that the attribution note reached (or was refused by) party s.
func (e *Engine) coSellNoteDone(key string, s vocab.Side) {
	cs := e.st.CoSell
	if cs != nil && cs.Attribution != nil && key == AttributionNoteKey(e.st.CoSellID, s) && !slices.Contains(cs.NoteDone, s) {
		cs.NoteDone = append(cs.NoteDone, s)
	}
	e.disputeNoteDone(key) // dispute.go
}

// applyDerived records a party's value of a field the engine writes. A party that held the wanted
// value and now holds another was edited by a user: the edit is logged and reverted (the cell no
// longer stands for the wanted value, so the field is written again). A party that never held it is
// simply not written yet.
func (e *Engine) applyDerived(now time.Time, s vocab.Side, rule Rule, v string, asOf time.Time) {
	p := e.party(s)
	if p.Cells == nil {
		p.Cells = map[string]Cell{}
	}
	c, had := p.Cells[rule.Field]
	if had && c.Value == v {
		if asOf.After(c.Seen) {
			c.Seen = asOf
			p.Cells[rule.Field] = c
		}
		return
	}
	p.Cells[rule.Field] = Cell{Value: v, Synced: v, Seen: asOf}
	w := e.st.Fields[rule.Field]
	if w == nil || w.Value == v || !had || c.Synced != w.Value {
		return
	}
	e.conflict(now, rule, s, v, s.Other(), w.Value, "", "the deal engine writes this field; the edit is reverted")
}
