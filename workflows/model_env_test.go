package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"pgregory.net/rapid"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/engine"
)

// wmEnv drives a history through the SDK's test environment (time skipping). Continue-as-new ends an
// environment's run; the next run starts in a fresh environment at the same moment, over the same CRMs,
// and the history goes on there.
type wmEnv struct {
	suite testsuite.WorkflowTestSuite
	env   *testsuite.TestWorkflowEnvironment
	w     *wmWorld
	steps []wmStep
	next  time.Time // when steps[0] is due
	// outbox holds the signals of the step under way.
	outbox []wmEvent
	done   bool
}

func (d *wmEnv) now() time.Time              { return d.env.Now() }
func (d *wmEnv) deliver(e wmEvent)           { d.outbox = append(d.outbox, e) }
func (d *wmEnv) crash() bool                 { return false }
func (d *wmEnv) view() (api.DealView, error) { return queryDeal(d.env.QueryWorkflow(api.DealQuery)) }

func (d *wmEnv) continueAsNew() bool {
	d.env.SetContinueAsNewSuggested(true)
	return true
}

// newEnv makes a test environment starting at start, with the real activities over the world's CRMs
// and the pairing's pilot stood in for (it never kills the pairing).
func (d *wmEnv) newEnv(start time.Time) {
	d.suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := d.suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	acts := d.w.activities()
	Register(env, acts)
	env.OnSignalExternalWorkflow(mock.Anything, api.PilotWorkflowID(d.w.p.ID), "", api.PilotEventSignal, mock.Anything).Return(nil).Maybe()
	env.OnSignalExternalWorkflow(mock.Anything, api.PilotWorkflowID(d.w.p.ID), "", api.PilotAttributionSignal, mock.Anything).Return(nil).Maybe()
	env.OnActivity(acts.PilotStatus, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PilotStatusInput) (activities.PilotStatus, error) {
			return activities.PilotStatus{Name: d.w.p.Name}, nil
		}).Maybe()
	d.env = env
}

// wmMinGap is the shortest pause between two steps in workflow time. The test environment fires a
// timer by the wall clock when an activity is still running at its mock time, so a step due within
// milliseconds could run in the middle of an activity, at a moment that depends on the machine: steps
// at least a second apart always run with the workflow idle, and a seed always replays the same history.
const wmMinGap = time.Second

// schedule registers the next step in the current environment, when it is due.
func (d *wmEnv) schedule() {
	if len(d.steps) == 0 {
		return
	}
	d.env.RegisterDelayedCallback(func() {
		d.w.mu.Lock()
		v := d.w.violation
		d.w.mu.Unlock()
		if v != "" {
			d.w.fail("%s", v)
		}
		st := d.steps[0]
		d.steps = d.steps[1:]
		st.do()
		d.flush()
		if len(d.steps) > 0 {
			d.next = d.env.Now().Add(d.steps[0].gap())
		}
		d.schedule()
	}, max(wmMinGap, d.next.Sub(d.env.Now())))
}

// flush sends the signals a step queued, as one batch the workflow receives in one task (as a server
// delivers signals that arrive together): all but the last without starting a workflow task.
func (d *wmEnv) flush() {
	for i, e := range d.outbox {
		d.w.delivering(e)
		if i < len(d.outbox)-1 {
			d.env.SignalWorkflowSkippingWorkflowTask(api.ChangeSignal, e.ev)
		} else {
			d.env.SignalWorkflow(api.ChangeSignal, e.ev)
		}
	}
	d.outbox = nil
}

// run plays the history's steps, continuing-as-new into fresh environments, until the last step
// cancels the workflow.
func (d *wmEnv) run(t *rapid.T, in api.DealInput) {
	for runs := 1; ; runs++ {
		d.schedule()
		d.env.ExecuteWorkflow(DealWorkflow, in)
		err := d.env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		switch {
		case d.done:
			if err != nil && !temporal.IsCanceledError(err) {
				d.w.fail("the cancelled workflow ended with %v", err)
			}
			t.Logf("(%d run(s))", runs)
			return
		case errors.As(err, &can):
			var next api.DealInput
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
				t.Fatalf("decode the continue-as-new input: %v", err)
			}
			in = next
			now := d.env.Now()
			d.w.mu.Lock()
			d.w.logf("the workflow continues as new (run %d ends)", runs)
			d.w.mu.Unlock()
			d.newEnv(now)
		default:
			d.w.fail("the workflow ended on its own after run %d: %v", runs, err)
		}
	}
}

// wmEnvProperty plays one history of opts in the test environment.
func wmEnvProperty(opts wmOptions) func(*rapid.T) {
	return func(t *rapid.T) {
		d := &wmEnv{}
		w := newWorld(t, opts)
		d.w = w
		w.drv = d
		defer drawRunLimits(t)()
		start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		d.newEnv(start)
		w.flagOrigin()
		d.next = start.Add(time.Second)
		wmHistory(t, w, func(s wmStep) { d.steps = append(d.steps, s) }, 15*time.Minute, func() {
			d.done = true
			d.env.CancelWorkflow()
		})
		d.run(t, api.DealInput{PairingID: w.p.ID, CoSellID: w.id})
		w.mu.Lock()
		v := w.violation
		w.mu.Unlock()
		if v != "" {
			w.fail("%s", v)
		}
	}
}

// wmRecTB records what rapid reports, so that a test can assert that a property fails.
type wmRecTB struct {
	name   string
	failed bool
	out    strings.Builder
}

func (r *wmRecTB) Helper()                           {}
func (r *wmRecTB) Name() string                      { return r.name }
func (r *wmRecTB) Logf(format string, args ...any)   { fmt.Fprintf(&r.out, format+"\n", args...) }
func (r *wmRecTB) Log(args ...any)                   { fmt.Fprintln(&r.out, args...) }
func (r *wmRecTB) Skipf(format string, args ...any)  { r.Logf(format, args...) }
func (r *wmRecTB) Skip(args ...any)                  { r.Log(args...) }
func (r *wmRecTB) SkipNow()                          {}
func (r *wmRecTB) Errorf(format string, args ...any) { r.failed = true; r.Logf(format, args...) }
func (r *wmRecTB) Error(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *wmRecTB) Fatalf(format string, args ...any) { r.failed = true; r.Logf(format, args...) }
func (r *wmRecTB) Fatal(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *wmRecTB) FailNow()                          { r.failed = true }
func (r *wmRecTB) Fail()                             { r.failed = true }
func (r *wmRecTB) Failed() bool                      { return r.failed }

// wmControlChecks is the number of control histories TestWorkflowModelCatchesBrokenRule plays with
// the engine as it is (they must pass) and then with a broken rule (they must fail).
const wmControlChecks = 60

// TestWorkflowModelCatchesBrokenRule shows the workflow model test can fail. Control histories (what
// the engine gets right today: edits on the origin, deliveries in order, notes, writes failing for good
// before they are applied, continue-as-new) pass through the real workflow; with the engine's first
// rule broken on purpose (cells advance when a write is issued, not when the CRM acknowledges it) they
// fail, and the failure carries a minimal, readable history.
func TestWorkflowModelCatchesBrokenRule(t *testing.T) {
	defer setRapidFlag("rapid.checks", "RAPID_CHECKS", strconv.Itoa(wmControlChecks))()
	defer setRapidFlag("rapid.nofailfile", "RAPID_NOFAILFILE", "true")()
	defer setRapidFlag("rapid.shrinktime", "RAPID_SHRINKTIME", "10s")()
	rapid.Check(t, wmEnvProperty(wmOptions{control: true}))

	restore := engine.BreakAckRuleForTest()
	defer restore()
	rec := &wmRecTB{name: t.Name()}
	start := time.Now()
	rapid.Check(rec, wmEnvProperty(wmOptions{control: true}))
	out := rec.out.String()
	if !rec.failed {
		t.Fatalf("the workflow model test did not catch the broken rule:\n%s", out)
	}
	if !strings.Contains(out, "INVARIANT:") || !strings.Contains(out, "the engine writes") {
		t.Fatalf("the failure carries no reproduction:\n%s", out)
	}
	i := strings.LastIndex(out, "INVARIANT:")
	t.Logf("caught in %s; the violated invariant: %s", time.Since(start).Round(time.Millisecond), strings.SplitN(out[i:], "\n", 2)[0])
	if testing.Verbose() {
		t.Logf("rapid's report:\n%s", out)
	}
}
