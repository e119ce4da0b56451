package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/cosellsync/cosell/pilot"
	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// The SLA tracker. Clocks are started and resolved by what the engine observes (a stage change, a
// request note, a reply, a new registration and its acceptance); their warnings, breaches and
// escalations fire at absolute moments carried in the state, so continue-as-new and restarts neither
// lose a deadline nor re-arm one from zero. Tick fires what is due; Next's WakeAt says when to call it.

// Tick fires every clock moment due at now, in time order, queuing its notices.
func (e *Engine) Tick(now time.Time) { e.fireDueSLAEvents(now) }

// nextSLAEvent returns the earliest unfired moment of any running clock.
func (e *Engine) nextSLAEvent() (time.Time, bool) {
	var next time.Time
	for _, c := range e.st.SLAs {
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
func (e *Engine) fireDueSLAEvents(now time.Time) {
	for {
		i, ok := e.earliestDue(now)
		if !ok {
			return
		}
		c := &e.st.SLAs[i]
		ev := c.Events[c.Fired]
		c.Fired++
		switch ev.Kind {
		case sla.Warning:
			c.Warned = true
		case sla.Breach:
			c.BreachedAt = ev.At
			e.report(now, pilot.SLABreached, vocab.Side(c.Waiting))
		case sla.Escalation:
			c.Level = ev.Level
		}
		e.queueSLANotice(now, *c, ev)
	}
}

func (e *Engine) earliestDue(now time.Time) (int, bool) {
	best := -1
	for i, c := range e.st.SLAs {
		if c.Fired >= len(c.Events) || c.Events[c.Fired].At.After(now) {
			continue
		}
		if best < 0 || c.Events[c.Fired].At.Before(e.st.SLAs[best].Events[e.st.SLAs[best].Fired].At) {
			best = i
		}
	}
	return best, best >= 0
}

// startSLA starts a clock unless one with the same id already runs.
func (e *Engine) startSLA(now time.Time, kind sla.Kind, subject, waiting string, budget time.Duration) {
	id := string(kind) + ":" + subject
	for _, c := range e.st.SLAs {
		if c.ID == id {
			return
		}
	}
	clock := e.pol.SLA.Start(kind, subject, waiting, now, budget)
	e.st.SLAs = append(e.st.SLAs, SLAState{Clock: clock})
	e.log("info", "sla started", "sla", clock.ID, "deadline", clock.Deadline.String())
}

// resolveSLAs closes the clocks match selects, recording how, and announces the resolution of any that
// had already warned or breached (a quiet resolution is only logged).
func (e *Engine) resolveSLAs(now time.Time, how string, match func(SLAState) bool) {
	kept := e.st.SLAs[:0:0]
	for _, c := range e.st.SLAs {
		if !match(c) {
			kept = append(kept, c)
			continue
		}
		now := now
		e.st.SLAHistory = append(e.st.SLAHistory, SLARecord{
			ID: c.ID, Kind: c.Kind, Subject: c.Subject, Waiting: c.Waiting, Started: c.Started, Deadline: c.Deadline,
			BreachedAt: c.BreachedAt, Level: c.Level, ResolvedAt: now, Resolution: how,
		})
		e.log("info", "sla resolved", "sla", c.ID, "how", how, "level", c.Level)
		if c.Kind == sla.Registration && !e.declined() {
			e.report(now, pilot.Accepted, vocab.Side(c.Waiting))
		}
		if c.Warned || !c.BreachedAt.IsZero() {
			e.queue(now, vocab.Notice{
				Key:   fmt.Sprintf("%s/%s/resolved", e.st.CoSellID, c.ID),
				Event: vocab.SLAResolved, SLAKind: string(c.Kind), Subject: c.Subject, Level: c.Level,
				Deadline: c.Deadline, At: now,
				Message: fmt.Sprintf("%s resolved: %s.", e.describe(c.Clock), how),
			}, false, c.Clock)
		}
	}
	e.st.SLAs = kept
	if n := len(e.st.SLAHistory); n > maxSLAHistory {
		e.st.SLAHistory = append([]SLARecord(nil), e.st.SLAHistory[n-maxSLAHistory:]...)
	}
}

// trackStage restarts the stage clock when the deal's canonical stage changes, and tells both partners.
func (e *Engine) trackStage(now time.Time) {
	stage := e.currentStage()
	if !e.st.Registered || stage == "" || stage == e.st.Stage { // a deal not yet mirrored has no joint stage
		return
	}
	previous := e.st.Stage
	e.st.Stage = stage
	e.resolveSLAs(now, "the deal moved to "+stage, func(c SLAState) bool { return c.Kind == sla.Stage })
	if budget, ok := e.pol.SLA.StageBudget(stage); ok {
		e.startSLA(now, sla.Stage, stage, "", budget)
	}
	e.report(now, pilot.StageChanged, "")
	if previous == "" {
		return // the first stage seen is where the deal starts, not a change
	}
	e.queue(now, vocab.Notice{
		Key:   fmt.Sprintf("%s/stage/%d/%s", e.st.CoSellID, len(e.st.SLAHistory), stage),
		Event: vocab.StageChanged, Subject: stage, At: now,
		Message: fmt.Sprintf("The deal moved from %s to %s.", previous, stage),
	}, false, sla.Clock{})
}

// currentStage is the canonical stage the deal's parties converge on, "" when none is known.
func (e *Engine) currentStage() string {
	if e.pol.StageField == "" {
		return ""
	}
	v, _ := e.Wanted(e.pol.StageField)
	return v
}

// trackNote starts a request clock for a shared note carrying the request tag, and resolves the
// clocks waiting on a side when that side writes a shared note (its reply).
func (e *Engine) trackNote(now time.Time, n NoteEvent) {
	side := string(n.Side)
	e.resolveSLAs(now, "reply from "+e.pol.Name(n.Side), func(c SLAState) bool {
		return (c.Kind == sla.Request || c.Kind == sla.Registration) && c.Waiting == side
	})
	if e.pol.SLA.RequestTag != "" && containsTag(n.Body, e.pol.SLA.RequestTag) {
		e.startSLA(now, sla.Request, n.NoteID, string(n.Side.Other()), e.pol.SLA.RequestResponse)
		e.requestSubjects(n)
	}
}

// requestSubjects remembers a request's first line, for notices.
func (e *Engine) requestSubjects(n NoteEvent) {
	line := strings.TrimSpace(strings.SplitN(n.Body, "\n", 2)[0])
	if len(line) > 120 {
		line = line[:117] + "…"
	}
	for i := range e.st.SLAs {
		if e.st.SLAs[i].Kind == sla.Request && e.st.SLAs[i].Subject == n.NoteID {
			e.st.SLAs[i].Summary = fmt.Sprintf("%s asked: %q", e.pol.Name(n.Side), line)
		}
	}
}

// acceptRegistration resolves a waiting registration when the receiving side acts on its mirror.
func (e *Engine) acceptRegistration(now time.Time, side vocab.Side, how string) {
	e.resolveSLAs(now, how, func(c SLAState) bool { return c.Kind == sla.Registration && c.Waiting == string(side) })
}

// queueSLANotice turns a clock moment into a notice.
func (e *Engine) queueSLANotice(now time.Time, c SLAState, ev sla.Event) {
	n := vocab.Notice{
		Key:     fmt.Sprintf("%s/%s/%s/%d", e.st.CoSellID, c.ID, ev.Kind, ev.Level),
		SLAKind: string(c.Kind), Subject: c.Subject, Deadline: c.Deadline, At: ev.At, Level: ev.Level,
	}
	what := e.describe(c.Clock)
	switch ev.Kind {
	case sla.Warning:
		n.Event = vocab.SLAWarning
		n.Message = fmt.Sprintf("%s is due %s.", what, c.Deadline.UTC().Format(time.RFC1123))
	case sla.Breach:
		n.Event = vocab.SLABreached
		n.Message = fmt.Sprintf("%s is overdue: the deadline was %s.", what, c.Deadline.UTC().Format(time.RFC1123))
	case sla.Escalation:
		n.Event = vocab.SLAEscalated
		n.LevelName = e.levelName(ev.Level)
		n.Message = fmt.Sprintf("%s is still open past its deadline: escalated to L%d, %s.", what, ev.Level, n.LevelName)
	}
	e.queue(now, n, true, c.Clock)
}

// describe says in words what a clock waits for.
func (e *Engine) describe(c sla.Clock) string {
	waiting := ""
	if c.Waiting != "" {
		waiting = e.pol.Name(vocab.Side(c.Waiting))
	}
	switch c.Kind {
	case sla.Request:
		for _, s := range e.st.SLAs {
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

func (e *Engine) levelName(level int) string {
	for _, l := range e.pol.SLA.Ladder {
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
