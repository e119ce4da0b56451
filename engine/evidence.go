package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// Touchpoints (issue #9, item 4). A deal with a co-sell plan keeps its touchpoints in
// CoSellState.Touchpoints, a touchpoint.Set: deduplicated by source record and by partner, person, kind
// and minute, bounded (the oldest compacted into counts), so it crosses continue-as-new at a bounded
// size. Touchpoints come from CRM activities the change feed delivers with a change (classified by
// touchpoint.Classify; an activity that is no evidence is ignored) and from people through the CLI and
// the API (LogTouchpoints). At close-won attribution reads the set's tally up to the close: technical
// validation and influence follow from it.

// ErrNoCoSell refuses co-selling work on a deal registered without a co-sell plan.
var ErrNoCoSell = errors.New("the deal has no co-sell plan (registered before co-selling, or its pairing has no cosell section)")

// Touchpoints returns the deal's evidence, nil when it has none.
func (e *Engine) Touchpoints() *touchpoint.Set {
	if e.st.CoSell == nil {
		return nil
	}
	return e.st.CoSell.Touchpoints
}

// CheckTouchpoints validates touchpoints logged by a person (CLI, API) without recording them: every
// one must be valid and of this deal. Nothing of a batch with one bad touchpoint is recorded.
func (e *Engine) CheckTouchpoints(tps []touchpoint.Touchpoint) error {
	if e.st.CoSell == nil {
		return ErrNoCoSell
	}
	if len(tps) == 0 {
		return errors.New("no touchpoint given")
	}
	var errs []error
	for _, t := range tps {
		if err := t.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if t.Deal != e.st.CoSellID {
			errs = append(errs, fmt.Errorf("touchpoint for deal %s, not %s", t.Deal, e.st.CoSellID))
		}
	}
	return errors.Join(errs...)
}

// LogTouchpoints records touchpoints logged by a person, all or none (CheckTouchpoints), and says what
// became of each.
func (e *Engine) LogTouchpoints(now time.Time, tps []touchpoint.Touchpoint) ([]touchpoint.Outcome, error) {
	if err := e.CheckTouchpoints(tps); err != nil {
		return nil, err
	}
	out := make([]touchpoint.Outcome, len(tps))
	for i, t := range tps {
		out[i] = e.addTouchpoint(now, t)
	}
	return out, nil
}

// addActivities records the CRM activities a change delivered that are evidence.
func (e *Engine) addActivities(now time.Time, side vocab.Side, acts []touchpoint.Activity) {
	if e.st.CoSell == nil {
		return
	}
	for _, a := range acts {
		a.Side = side // the activity is the work of the partner whose CRM holds it
		if t, ok := touchpoint.FromActivity(e.st.CoSellID, a); ok {
			e.addTouchpoint(now, t)
		}
	}
}

// addTouchpoint adds one valid touchpoint and reports a new one to the pilot.
func (e *Engine) addTouchpoint(now time.Time, t touchpoint.Touchpoint) touchpoint.Outcome {
	cs := e.st.CoSell
	if cs.Touchpoints == nil {
		cs.Touchpoints = touchpoint.NewSet(e.st.CoSellID, 0)
	}
	o, err := cs.Touchpoints.Add(t)
	if err != nil {
		e.log("warn", "touchpoint refused", "error", err.Error())
		return ""
	}
	if o == touchpoint.Added {
		e.log("info", "touchpoint", "side", string(t.Side), "kind", string(t.Kind), "source", t.Source)
		if e.pol.Pilot {
			ev := pilot.DealEvent{Kind: pilot.Touchpoint, CoSellID: e.st.CoSellID, At: t.At, Side: string(t.Side)}
			e.effects = append(e.effects, Effect{Pilot: &ev})
		}
	}
	return o
}
