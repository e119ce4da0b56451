package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// Settling a registration conflict (issue #9, item 2). An admin settles a conflicting registration with
// `cosell conflict resolve`: keep lets the deal go on as one of its own; reject refuses the later
// registration; merge folds it into the primary (the same opportunity, registered twice). A rejected or
// merged deal is closed like a declined one: both CRMs show it declined, with a reason that names the
// primary, and the lost stage; once that is written it mirrors nothing more. Its touchpoints are the
// evidence the primary takes on a merge (the workflow carries them there). Nothing is dropped
// silently: the reason stands in both CRMs, and the account's ledger keeps who settled it and why.

// Settlement is an admin's settlement of this deal's registration conflict.
type Settlement struct {
	// Resolution is "keep", "merge" or "reject".
	Resolution string `json:"resolution"`
	// Primary is the co-sell id of the primary registration the conflict pointed at, Account its key.
	Primary string `json:"primary"`
	Account string `json:"account"`
	By      string `json:"by"`
	Note    string `json:"note,omitempty"`
}

// ErrAlreadyClosed answers a settlement of a deal already declined or refused: nothing more to close.
var ErrAlreadyClosed = errors.New("the deal's registration is already closed")

// CheckSettlement says whether Settle would take s, changing nothing.
func (e *Engine) CheckSettlement(s Settlement) error {
	switch s.Resolution {
	case "keep":
		return nil
	case "merge", "reject":
	default:
		return fmt.Errorf("unknown resolution %q: use keep, merge or reject", s.Resolution)
	}
	if s.Primary == "" || s.By == "" {
		return errors.New("a settlement names the primary and who settled it")
	}
	if s.Primary == e.st.CoSellID {
		return errors.New("the primary registration cannot be merged or rejected into itself")
	}
	if e.closed() || e.declined() {
		return ErrAlreadyClosed
	}
	return nil
}

// Settle applies an admin's settlement: keep only logs it; merge and reject close the registration on
// both sides with a reason naming the primary, ending its acceptance SLA.
func (e *Engine) Settle(now time.Time, s Settlement) error {
	if err := e.CheckSettlement(s); err != nil {
		return err
	}
	if s.Resolution == "keep" {
		e.log("info", "registration conflict settled: kept as a deal of its own", "primary", s.Primary, "by", s.By)
		return nil
	}
	reason := fmt.Sprintf("registration conflict on %s: rejected by %s; %s owns the account", s.Account, s.By, s.Primary)
	if s.Resolution == "merge" {
		reason = fmt.Sprintf("registration conflict on %s: merged into %s by %s", s.Account, s.Primary, s.By)
	}
	if s.Note != "" {
		reason += " (" + s.Note + ")"
	}
	r := e.st.Registration
	if r == nil {
		r = &RegistrationState{}
		e.st.Registration = r
	}
	r.Status, r.By, r.Reason, r.At = StatusDeclined, "", reason, now
	if _, ok := e.pol.rule(vocab.FieldCoSellStatus); ok {
		e.st.Fields[vocab.FieldCoSellStatus] = &Want{Value: StatusDeclined, At: now, Known: now}
	}
	e.resolveSLAs(now, "settled by "+s.By+": "+s.Resolution, func(c SLAState) bool { return c.Kind == sla.Registration })
	e.closeDeclined(now, reason)
	e.log("info", "registration conflict settled: the deal is closed on both sides", "resolution", s.Resolution, "primary", s.Primary, "by", s.By)
	return nil
}
