package batch

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Result is one record's outcome of a batch call: its value, or its own error.
type Result[Out any] struct {
	Value Out
	Err   error
}

// Failed gives every one of n records the same error: what a send returns when the whole call failed
// (a network failure, a 429 that outlasted the transport, a refusal of the budget guard).
func Failed[Out any](n int, err error) []Result[Out] {
	out := make([]Result[Out], n)
	for i := range out {
		out[i].Err = err
	}
	return out
}

// SendFunc makes one batch call for the inputs, in order, and returns one result per input in the same
// order. A record the CRM refused carries its own error; the others their values.
type SendFunc[In, Out any] func(ctx context.Context, ins []In) []Result[Out]

// Coalescer gathers concurrent single-record calls of one kind (read a deal, upsert a deal, ...) toward
// one CRM connection into batch calls.
//
// A call joins the open batch; the batch is sent when it is full (Max inputs), when no call has joined it
// for Window, or when MaxWait has passed since its first call, whichever comes first. An isolated call so
// waits Window only, while a burst whose calls arrive a few milliseconds apart (the deal workflows of a
// poll page start one after another) keeps filling one batch for up to MaxWait. Each caller gets its own record's result or error back, so
// one bad record never fails the others. A batch never holds the same key twice (HubSpot refuses a batch
// naming one record twice, and two writes of one record in one call have no defined order): a second call
// with a key already in the open batch sends that batch at once and opens the next, so calls on one record
// reach the CRM in the order they were made.
//
// A caller whose context ends before its batch is sent leaves the batch and is not sent; one whose
// batch is under way gets its context's error at once, and the batch's call is cancelled only when every
// caller in it has gone.
type Coalescer[K comparable, In, Out any] struct {
	// Name says what the coalescer batches, for errors ("hubspot read deals").
	Name string
	// Window is how long a batch stays open for more calls after the last that joined it.
	Window time.Duration
	// MaxWait bounds how long a batch stays open after its first call; Window when smaller.
	MaxWait time.Duration
	// Max is the most inputs one batch call takes (the CRM's limit).
	Max int
	// Key names the record an input is about.
	Key func(In) K
	// Send makes the batch call.
	Send SendFunc[In, Out]

	mu   sync.Mutex
	open *pending[K, In, Out]
}

// pending is one batch being filled or under way.
type pending[K comparable, In, Out any] struct {
	calls []*call[In, Out]
	keys  map[K]bool
	timer *time.Timer
	// first is when the first call joined; deadline is when the batch is sent if nothing else sends it.
	first, deadline time.Time
	sent            bool
	// live counts the calls still waiting; the send is cancelled when it reaches zero.
	live   int
	cancel context.CancelFunc
}

// call is one caller's place in a batch.
type call[In, Out any] struct {
	in   In
	gone bool // the caller left before the batch was sent
	done chan Result[Out]
}

// UrgentWindow is how long a batch holding an urgent call (DoUrgent) waits for more: long enough for the
// calls that one batch's answer releases together to meet, short next to any CRM call.
const UrgentWindow = 10 * time.Millisecond

// Do makes one record's call through the coalescer and waits for its result.
func (c *Coalescer[K, In, Out]) Do(ctx context.Context, in In) (Out, error) {
	return c.do(ctx, in, false)
}

// DoUrgent is Do for a call whose caller must not wait a window: the batch it joins is sent within
// UrgentWindow. A deal reading back the record it has just written uses it, so its read lands as close
// to its write as a single call would.
func (c *Coalescer[K, In, Out]) DoUrgent(ctx context.Context, in In) (Out, error) {
	return c.do(ctx, in, true)
}

func (c *Coalescer[K, In, Out]) do(ctx context.Context, in In, urgent bool) (Out, error) {
	var zero Out
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	cl := &call[In, Out]{in: in, done: make(chan Result[Out], 1)}
	p := c.join(cl, urgent)
	select {
	case r := <-cl.done:
		return r.Value, r.Err
	case <-ctx.Done():
		c.leave(p, cl)
		return zero, fmt.Errorf("%s: %w", c.Name, ctx.Err())
	}
}

// join puts a call in the open batch, opening one (and its window) when there is none, and sends the
// batch when the call filled it.
func (c *Coalescer[K, In, Out]) join(cl *call[In, Out], urgent bool) *pending[K, In, Out] {
	key := c.Key(cl.in)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open != nil && c.open.keys[key] {
		c.flushLocked(c.open)
	}
	p := c.open
	now := time.Now()
	if p == nil {
		p = &pending[K, In, Out]{keys: map[K]bool{}, first: now, deadline: now.Add(c.Window)}
		c.open = p
		if c.Window > 0 {
			p.timer = time.AfterFunc(c.Window, func() { c.expire(p) })
		}
	} else {
		// The window slides with each call, up to MaxWait after the first; the timer re-arms itself.
		p.deadline = now.Add(c.Window)
		if last := p.first.Add(max(c.MaxWait, c.Window)); p.deadline.After(last) {
			p.deadline = last
		}
	}
	p.calls = append(p.calls, cl)
	p.keys[key] = true
	p.live++
	if soon := now.Add(UrgentWindow); urgent && p.timer != nil && p.deadline.After(soon) {
		p.deadline = soon
		p.timer.Reset(UrgentWindow)
	}
	if len(p.calls) >= max(c.Max, 1) || c.Window <= 0 {
		c.flushLocked(p)
	}
	return p
}

// expire sends a batch whose deadline has come, or waits on for one whose window has slid.
func (c *Coalescer[K, In, Out]) expire(p *pending[K, In, Out]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.sent {
		return
	}
	if wait := time.Until(p.deadline); wait > 0 {
		p.timer.Reset(wait)
		return
	}
	c.flushLocked(p)
}

// flushLocked sends a batch that is not sent yet; c.mu is held.
func (c *Coalescer[K, In, Out]) flushLocked(p *pending[K, In, Out]) {
	if p.sent {
		return
	}
	p.sent = true
	if c.open == p {
		c.open = nil
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	var calls []*call[In, Out]
	for _, cl := range p.calls {
		if !cl.gone {
			calls = append(calls, cl)
		}
	}
	p.calls = calls
	if len(calls) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go c.send(ctx, cancel, calls)
}

// send makes the batch call and hands each caller its result.
func (c *Coalescer[K, In, Out]) send(ctx context.Context, cancel context.CancelFunc, calls []*call[In, Out]) {
	defer cancel()
	ins := make([]In, len(calls))
	for i, cl := range calls {
		ins[i] = cl.in
	}
	results := c.Send(ctx, ins)
	for i, cl := range calls {
		r := Result[Out]{Err: fmt.Errorf("%s: the batch call returned %d results for %d inputs", c.Name, len(results), len(calls))}
		if len(results) == len(calls) {
			r = results[i]
		}
		cl.done <- r // buffered: a caller that left does not block the others
	}
}

// leave takes a caller out of its batch: out of the inputs when the batch is not sent yet, else out of
// the callers waiting, cancelling the call when nobody waits any more.
func (c *Coalescer[K, In, Out]) leave(p *pending[K, In, Out], cl *call[In, Out]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl.gone = true
	p.live--
	if p.sent && p.live == 0 && p.cancel != nil {
		p.cancel()
	}
	if !p.sent && p.live == 0 && p.timer != nil {
		p.timer.Stop()
		p.sent = true
		if c.open == p {
			c.open = nil
		}
	}
}
