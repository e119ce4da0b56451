package engine

import (
	"errors"
	"time"

	"github.com/cosellsync/cosell/cosell"
)

// Overriding a stage's lead on one deal (issue #9, item 3). The playbook's table decides who leads each
// stage from the deal's model; the partners may agree otherwise for one deal (`cosell deal lead`). The
// override lives in the deal's plan, so continue-as-new carries it; when it changes the lead of the
// stage the deal is in, both CRMs get the new lead and the new lead is told, as at a stage change.

// CheckLead says whether SetLead would take the override, changing nothing.
func (e *Engine) CheckLead(stage cosell.Stage, lead cosell.Lead) error {
	if e.st.CoSell == nil {
		return ErrNoCoSell
	}
	if e.closed() {
		return errors.New("the deal mirrors nothing more (declined or refused): its leads are settled")
	}
	_, err := e.st.CoSell.Plan.WithOverride(stage, lead)
	return err
}

// SetLead makes lead the lead of stage on this deal (the playbook's lead removes the override) and
// returns the plan in force.
func (e *Engine) SetLead(now time.Time, stage cosell.Stage, lead cosell.Lead) (cosell.Plan, error) {
	if err := e.CheckLead(stage, lead); err != nil {
		return cosell.Plan{}, err
	}
	cs := e.st.CoSell
	plan, _ := cs.Plan.WithOverride(stage, lead)
	cs.Plan = plan
	e.log("info", "stage lead set", "stage", string(stage), "lead", string(lead))
	e.coSellTrack(now)
	return plan, nil
}
