package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/sla"
)

// The SLA engine of a deal. Clocks are started and resolved by what the sync round observes (a stage
// change, a request note, a reply, a new registration and its acceptance); their warnings, breaches and
// escalations fire from one durable timer set to the earliest pending moment. Every moment is an
// absolute time carried in api.DealState, so continue-as-new and worker restarts neither lose a deadline
// nor re-arm one from zero.

// maxSLAHistory caps the record of closed SLAs a deal carries.
const maxSLAHistory = 50

// nextSLAEvent returns the earliest unfired moment of any running clock.
func (d *deal) nextSLAEvent() (time.Time, bool) {
	var next time.Time
	for _, c := range d.st.SLAs {
		if c.Fired < len(c.Events) {
			at := c.Events[c.Fired].At
			if next.IsZero() || at.Before(next) {
				next = at
			}
		}
	}
	return next, !next.IsZero()
}

// fireDueSLAEvents fires every clock moment that is due, in time order, queuing its notices.
func (d *deal) fireDueSLAEvents(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for {
		i, ok := d.earliestDue(now)
		if !ok {
			return
		}
		c := &d.st.SLAs[i]
		ev := c.Events[c.Fired]
		c.Fired++
		switch ev.Kind {
		case sla.Warning:
			c.Warned = true
		case sla.Breach:
			c.BreachedAt = ev.At
			d.report(ctx, pilot.SLABreached, pairing.Side(c.Waiting))
		case sla.Escalation:
			c.Level = ev.Level
		}
		d.queueSLANotice(ctx, *c, ev)
	}
}

func (d *deal) earliestDue(now time.Time) (int, bool) {
	best := -1
	for i, c := range d.st.SLAs {
		if c.Fired >= len(c.Events) || c.Events[c.Fired].At.After(now) {
			continue
		}
		if best < 0 || c.Events[c.Fired].At.Before(d.st.SLAs[best].Events[d.st.SLAs[best].Fired].At) {
			best = i
		}
	}
	return best, best >= 0
}

// startSLA starts a clock unless one with the same id already runs.
func (d *deal) startSLA(ctx workflow.Context, kind sla.Kind, subject, waiting string, budget time.Duration) {
	id := string(kind) + ":" + subject
	for _, c := range d.st.SLAs {
		if c.ID == id {
			return
		}
	}
	clock := d.policy.SLA.Start(kind, subject, waiting, workflow.Now(ctx), budget)
	d.st.SLAs = append(d.st.SLAs, api.SLAState{Clock: clock})
	workflow.GetLogger(ctx).Info("sla started", "deal", d.in.CoSellID, "sla", clock.ID, "deadline", clock.Deadline)
}

// resolveSLAs closes the clocks match selects, recording how, and announces the resolution of any that
// had already warned or breached (a quiet resolution is only logged).
func (d *deal) resolveSLAs(ctx workflow.Context, how string, match func(api.SLAState) bool) {
	kept := d.st.SLAs[:0:0]
	for _, c := range d.st.SLAs {
		if !match(c) {
			kept = append(kept, c)
			continue
		}
		now := workflow.Now(ctx)
		d.st.SLAHistory = append(d.st.SLAHistory, api.SLARecord{
			ID: c.ID, Kind: c.Kind, Subject: c.Subject, Waiting: c.Waiting, Started: c.Started, Deadline: c.Deadline,
			BreachedAt: c.BreachedAt, Level: c.Level, ResolvedAt: now, Resolution: how,
		})
		workflow.GetLogger(ctx).Info("sla resolved", "deal", d.in.CoSellID, "sla", c.ID, "how", how, "level", c.Level)
		if c.Kind == sla.Registration {
			d.report(ctx, pilot.Accepted, pairing.Side(c.Waiting))
		}
		if c.Warned || !c.BreachedAt.IsZero() {
			d.queue(ctx, notify.Notice{
				Key:   fmt.Sprintf("%s/%s/resolved", d.in.CoSellID, c.ID),
				Event: notify.SLAResolved, SLAKind: string(c.Kind), Subject: c.Subject, Level: c.Level,
				Deadline: c.Deadline, At: now,
				Message: fmt.Sprintf("%s resolved: %s.", d.describe(c.Clock), how),
			}, false, c.Clock)
		}
	}
	d.st.SLAs = kept
	if n := len(d.st.SLAHistory); n > maxSLAHistory {
		d.st.SLAHistory = append([]api.SLARecord(nil), d.st.SLAHistory[n-maxSLAHistory:]...)
	}
}

// trackStage restarts the stage clock when the deal's canonical stage changes, and tells both partners.
func (d *deal) trackStage(ctx workflow.Context) {
	stage := d.currentStage()
	if stage == "" || stage == d.st.Stage {
		return
	}
	previous := d.st.Stage
	d.st.Stage = stage
	d.resolveSLAs(ctx, "the deal moved to "+stage, func(c api.SLAState) bool { return c.Kind == sla.Stage })
	if budget, ok := d.policy.SLA.StageBudget(stage); ok {
		d.startSLA(ctx, sla.Stage, stage, "", budget)
	}
	d.report(ctx, pilot.StageChanged, "")
	if previous == "" {
		return // the first stage seen is where the deal starts, not a change
	}
	d.queue(ctx, notify.Notice{
		Key:   fmt.Sprintf("%s/stage/%d/%s", d.in.CoSellID, len(d.st.SLAHistory), stage),
		Event: notify.StageChanged, Subject: stage, At: workflow.Now(ctx),
		Message: fmt.Sprintf("The deal moved from %s to %s.", previous, stage),
	}, false, sla.Clock{})
}

// currentStage is the canonical stage both sides agree on after the round (side A's when they differ).
func (d *deal) currentStage() string {
	if d.policy.StageField == "" {
		return ""
	}
	if v := d.st.Sides[pairing.A].Values[d.policy.StageField]; v != "" {
		return v
	}
	return d.st.Sides[pairing.B].Values[d.policy.StageField]
}

// trackNotes starts a request clock for each shared note carrying the request tag, and resolves the
// clocks waiting on a side when that side writes a shared note (its reply).
func (d *deal) trackNotes(ctx workflow.Context, notes []api.NoteEvent) {
	for _, n := range notes {
		side := string(n.Side)
		d.resolveSLAs(ctx, "reply from "+d.policy.Name(n.Side), func(c api.SLAState) bool {
			return (c.Kind == sla.Request || c.Kind == sla.Registration) && c.Waiting == side
		})
		if d.policy.SLA.RequestTag != "" && containsTag(n.Body, d.policy.SLA.RequestTag) {
			d.startSLA(ctx, sla.Request, n.NoteID, string(n.Side.Other()), d.policy.SLA.RequestResponse)
			d.requestSubjects(n)
		}
	}
}

// requestSubjects remembers a request's first line, for notices.
func (d *deal) requestSubjects(n api.NoteEvent) {
	line := strings.TrimSpace(strings.SplitN(n.Body, "\n", 2)[0])
	if len(line) > 120 {
		line = line[:117] + "…"
	}
	for i := range d.st.SLAs {
		if d.st.SLAs[i].Kind == sla.Request && d.st.SLAs[i].Subject == n.NoteID {
			d.st.SLAs[i].Summary = fmt.Sprintf("%s asked: %q", d.policy.Name(n.Side), line)
		}
	}
}

// acceptRegistration resolves a waiting registration when the receiving side acts on its mirror.
func (d *deal) acceptRegistration(ctx workflow.Context, side pairing.Side, how string) {
	d.resolveSLAs(ctx, how, func(c api.SLAState) bool { return c.Kind == sla.Registration && c.Waiting == string(side) })
}

// queueSLANotice turns a clock moment into a notice.
func (d *deal) queueSLANotice(ctx workflow.Context, c api.SLAState, ev sla.Event) {
	n := notify.Notice{
		Key:     fmt.Sprintf("%s/%s/%s/%d", d.in.CoSellID, c.ID, ev.Kind, ev.Level),
		SLAKind: string(c.Kind), Subject: c.Subject, Deadline: c.Deadline, At: ev.At, Level: ev.Level,
	}
	what := d.describe(c.Clock)
	switch ev.Kind {
	case sla.Warning:
		n.Event = notify.SLAWarning
		n.Message = fmt.Sprintf("%s is due %s.", what, c.Deadline.UTC().Format(time.RFC1123))
	case sla.Breach:
		n.Event = notify.SLABreached
		n.Message = fmt.Sprintf("%s is overdue: the deadline was %s.", what, c.Deadline.UTC().Format(time.RFC1123))
	case sla.Escalation:
		n.Event = notify.SLAEscalated
		n.LevelName = d.levelName(ev.Level)
		n.Message = fmt.Sprintf("%s is still open past its deadline: escalated to L%d, %s.", what, ev.Level, n.LevelName)
	}
	d.queue(ctx, n, true, c.Clock)
}

// describe says in words what a clock waits for.
func (d *deal) describe(c sla.Clock) string {
	waiting := ""
	if c.Waiting != "" {
		waiting = d.policy.Name(pairing.Side(c.Waiting))
	}
	switch c.Kind {
	case sla.Request:
		for _, s := range d.st.SLAs {
			if s.ID == c.ID && s.Summary != "" {
				return fmt.Sprintf("The reply of %s to a request (%s)", waiting, s.Summary)
			}
		}
		return "The reply of " + waiting + " to a request"
	case sla.Registration:
		return "The acceptance of the co-sell registration by " + waiting
	default:
		return fmt.Sprintf("The deal's time in stage %s", c.Subject)
	}
}

func (d *deal) levelName(level int) string {
	for _, l := range d.policy.SLA.Ladder {
		if l.Level == level {
			return l.Name
		}
	}
	return fmt.Sprintf("level %d", level)
}

// containsTag reports whether body carries tag as a whole word, case-insensitively.
func containsTag(body, tag string) bool {
	b, t := strings.ToLower(body), strings.ToLower(tag)
	for i := 0; ; {
		j := strings.Index(b[i:], t)
		if j < 0 {
			return false
		}
		end := i + j + len(t)
		if end == len(b) || !isWordByte(b[end]) {
			return true
		}
		i = end
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
}
