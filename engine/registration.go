package engine

import (
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// Accept and decline (issue #9, item 1). A deal registered under a policy that maps the registration
// status field (cosell_status: pending, accepted, declined; with cosell_decline_reason) starts pending
// in both CRMs, and only the other partner's answer in that field ends the acceptance SLA: accepted
// resolves it; declined resolves it too, closes the deal on both sides (the lost stage, the reason as
// the loss reason) and, once both CRMs hold that, the deal mirrors nothing more. Other edits no longer
// count as an acceptance.
//
// Deals registered before (State.Registration nil), and deals under a policy without the field, keep
// the old rule: any edit that syncs is an acceptance. The rule is gated on the state, so committed
// replay histories, which never set it, replay unchanged.

// Registration statuses as both CRMs hold them.
const (
	StatusPending  = "pending"
	StatusAccepted = "accepted"
	StatusDeclined = "declined"
)

// RegistrationState is a registration's answer.
type RegistrationState struct {
	Status string     `json:"status"`
	By     vocab.Side `json:"by,omitempty"`
	Reason string     `json:"reason,omitempty"`
	At     time.Time  `json:"at,omitzero"`
	// Closed is set once a declined deal's closing writes are done: it mirrors nothing more.
	Closed bool `json:"closed,omitempty"`
}

// registrationStarted makes a new registration pending, when the pairing maps the status field: from
// the first look at the registering record, so the mirror is created pending (a partner who answers at
// once is never overwritten by a later "pending"). A deal already registered without it keeps the old rule.
func (e *Engine) registrationStarted(now time.Time) {
	if _, ok := e.pol.rule(vocab.FieldCoSellStatus); !ok || e.st.Registration != nil || e.st.Registered || e.st.Backfilled {
		return
	}
	e.st.Registration = &RegistrationState{Status: StatusPending, At: now}
	e.st.Fields[vocab.FieldCoSellStatus] = &Want{Value: StatusPending, At: now, Known: now}
}

// answered handles a party's edit under the new rule and reports whether the rule applies (so the old
// "any edit counts" rule does not).
func (e *Engine) answered(now time.Time, s vocab.Side, field string) bool {
	r := e.st.Registration
	if r == nil {
		return false
	}
	if field != vocab.FieldCoSellStatus || r.Status != StatusPending || !e.st.Registered || s == e.st.Origin {
		return true // only the other partner's answer counts
	}
	w := e.st.Fields[field]
	if w == nil {
		return true
	}
	switch w.Value {
	case StatusAccepted:
		r.Status, r.By, r.At = StatusAccepted, s, now
		e.acceptRegistration(now, s, e.pol.Name(s)+" accepted the registration")
		e.log("info", "registration accepted", "by", string(s))
	case StatusDeclined:
		// The reason may come later in the same reading: the decline is settled once it is observed
		// whole (declineObserved).
		r.Status, r.By, r.At = StatusDeclined, s, now
	}
	return true
}

// declineObserved settles a decline once the reading that carried it is applied whole, so its reason
// (a field the reading may apply after the status) is known: the SLA ends and the deal is closed.
func (e *Engine) declineObserved(now time.Time) {
	r := e.st.Registration
	if r == nil || r.Status != StatusDeclined || r.Reason != "" {
		return
	}
	reason := ""
	if rw := e.st.Fields[vocab.FieldDeclineReason]; rw != nil {
		reason = rw.Value
	}
	if reason == "" {
		reason = "no reason given"
	}
	r.Reason = reason
	e.acceptRegistration(now, r.By, e.pol.Name(r.By)+" declined the registration: "+reason)
	e.closeDeclined(now, reason)
	e.log("info", "registration declined", "by", string(r.By), "reason", reason)
}

// closeDeclined wants the deal closed on both sides: the pairing's lost stage and the reason.
func (e *Engine) closeDeclined(now time.Time, reason string) {
	if e.pol.CoSell != nil && len(e.pol.CoSell.LostStages) > 0 {
		if _, ok := e.pol.rule("stage"); ok {
			e.st.Fields["stage"] = &Want{Value: e.pol.CoSell.LostStages[0], At: now, Known: now}
		}
	}
	if _, ok := e.pol.rule(vocab.FieldLossReason); ok {
		e.st.Fields[vocab.FieldLossReason] = &Want{Value: "registration declined: " + reason, At: now, Known: now}
	}
	if _, ok := e.pol.rule(vocab.FieldDeclineReason); ok {
		e.st.Fields[vocab.FieldDeclineReason] = &Want{Value: reason, At: now, Known: now}
	}
}

// declinedRoundDone closes a declined deal once the round that wrote its closing is complete.
func (e *Engine) declinedRoundDone() {
	if r := e.st.Registration; r != nil && r.Status == StatusDeclined && !r.Closed {
		r.Closed = true
		e.log("info", "declined registration closed on both sides; mirroring stops")
	}
}

// closed reports whether the deal mirrors nothing more: refused by a killed pilot, or declined and closed.
func (e *Engine) closed() bool {
	return e.st.Refused || (e.st.Registration != nil && e.st.Registration.Closed)
}

// declined reports whether the registration was declined (its SLA's end is no acceptance).
func (e *Engine) declined() bool {
	return e.st.Registration != nil && e.st.Registration.Status == StatusDeclined
}

// Registration is the registration's answer, nil for a deal registered under the old rule.
func (e *Engine) Registration() *RegistrationState { return e.st.Registration }
