package batch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a SendFunc that records each batch it was sent and answers each input with itself
// doubled, or an error for inputs listed in bad.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	bad     map[int]bool
	whole   error
	// block, when set, holds each send until it is closed.
	block chan struct{}
	// seenCtx receives each send's context.
	seenCtx chan context.Context
}

func (r *recorder) send(ctx context.Context, ins []int) []Result[int] {
	r.mu.Lock()
	r.batches = append(r.batches, append([]int(nil), ins...))
	r.mu.Unlock()
	if r.seenCtx != nil {
		r.seenCtx <- ctx
	}
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return Failed[int](len(ins), ctx.Err())
		}
	}
	if r.whole != nil {
		return Failed[int](len(ins), r.whole)
	}
	out := make([]Result[int], len(ins))
	for i, in := range ins {
		if r.bad[in] {
			out[i].Err = fmt.Errorf("record %d refused", in)
		} else {
			out[i].Value = in * 2
		}
	}
	return out
}

func (r *recorder) got() [][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]int(nil), r.batches...)
}

func newCoalescer(r *recorder, window time.Duration, maxSize int) *Coalescer[int, int, int] {
	return &Coalescer[int, int, int]{Name: "test", Window: window, Max: maxSize, Key: func(i int) int { return i }, Send: r.send}
}

// doAll makes n concurrent calls 0..n-1 and returns each caller's value and error.
func doAll(t *testing.T, c *Coalescer[int, int, int], n int) ([]int, []error) {
	t.Helper()
	vals, errs := make([]int, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { vals[i], errs[i] = c.Do(context.Background(), i) })
	}
	wg.Wait()
	return vals, errs
}

func TestCoalescerGathersConcurrentCallsIntoOneBatch(t *testing.T) {
	r := &recorder{}
	// A long window: the batch is sent because it is full, not because time passed.
	c := newCoalescer(r, time.Hour, 50)
	vals, errs := doAll(t, c, 50)
	for i := range 50 {
		require.NoError(t, errs[i])
		assert.Equal(t, i*2, vals[i], "caller %d gets its own record's result", i)
	}
	require.Len(t, r.got(), 1)
	assert.Len(t, r.got()[0], 50)
}

func TestCoalescerSplitsAtTheBatchSize(t *testing.T) {
	r := &recorder{}
	c := newCoalescer(r, time.Hour, 10)
	_, errs := doAll(t, c, 30)
	for _, err := range errs {
		require.NoError(t, err)
	}
	batches := r.got()
	require.Len(t, batches, 3)
	for _, b := range batches {
		assert.Len(t, b, 10)
	}
}

func TestCoalescerSendsAPartialBatchWhenTheWindowEnds(t *testing.T) {
	r := &recorder{}
	c := newCoalescer(r, 5*time.Millisecond, 100)
	v, err := c.Do(context.Background(), 7)
	require.NoError(t, err)
	assert.Equal(t, 14, v)
	assert.Equal(t, [][]int{{7}}, r.got())
}

func TestCoalescerOneBadRecordFailsOnlyItsCaller(t *testing.T) {
	r := &recorder{bad: map[int]bool{3: true, 11: true}}
	c := newCoalescer(r, time.Hour, 20)
	vals, errs := doAll(t, c, 20)
	for i := range 20 {
		if i == 3 || i == 11 {
			assert.EqualError(t, errs[i], fmt.Sprintf("record %d refused", i))
			continue
		}
		require.NoError(t, errs[i], "record %d", i)
		assert.Equal(t, i*2, vals[i])
	}
	assert.Len(t, r.got(), 1)
}

func TestCoalescerAWholeBatchFailureReachesEveryCaller(t *testing.T) {
	boom := errors.New("429 outlasted the transport")
	r := &recorder{whole: boom}
	c := newCoalescer(r, time.Hour, 5)
	_, errs := doAll(t, c, 5)
	for _, err := range errs {
		assert.ErrorIs(t, err, boom)
	}
	assert.Len(t, r.got(), 1, "the batch is one call, failed once, not once per caller")
}

func TestCoalescerNeverPutsOneKeyTwiceInABatchAndKeepsTheirOrder(t *testing.T) {
	r := &recorder{}
	c := &Coalescer[int, int, int]{Name: "test", Window: time.Hour, Max: 3, Key: func(i int) int { return i % 10 }, Send: r.send}
	// 1 and 11 name the same record: the second sends the batch holding the first, then waits in the next.
	var wg sync.WaitGroup
	results := make([]int, 4)
	errs := make([]error, 4)
	for i, in := range []int{1, 2} {
		wg.Go(func() { results[i], errs[i] = c.Do(context.Background(), in) })
	}
	require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.open != nil && len(c.open.calls) == 2 }, time.Second, time.Millisecond)
	wg.Go(func() { results[2], errs[2] = c.Do(context.Background(), 11) })
	require.Eventually(t, func() bool { return len(r.got()) == 1 }, time.Second, time.Millisecond)
	wg.Go(func() { results[3], errs[3] = c.Do(context.Background(), 12) })
	wg.Go(func() { _, _ = c.Do(context.Background(), 13) }) // fills the second batch
	wg.Wait()
	got := r.got()
	require.Len(t, got, 2)
	assert.ElementsMatch(t, []int{1, 2}, got[0], "11 names the record of 1, so it sent the batch holding 1")
	assert.ElementsMatch(t, []int{11, 12, 13}, got[1])
	assert.Equal(t, []int{2, 4, 22, 24}, results)
}

func TestCoalescerCallsOfOneCallerStayInOrder(t *testing.T) {
	r := &recorder{}
	c := newCoalescer(r, time.Millisecond, 100)
	// One caller (a deal workflow's activities) makes its calls one after the other, while others
	// interleave: each of its records reaches the CRM after the one before.
	var wg sync.WaitGroup
	for g := range 5 {
		wg.Go(func() {
			for k := range 10 {
				v, err := c.Do(context.Background(), g*100+k)
				assert.NoError(t, err)
				assert.Equal(t, (g*100+k)*2, v)
			}
		})
	}
	wg.Wait()
	sentAt := map[int]int{}
	for bi, b := range r.got() {
		for _, in := range b {
			sentAt[in] = bi
		}
	}
	for g := range 5 {
		for k := 1; k < 10; k++ {
			assert.Less(t, sentAt[g*100+k-1], sentAt[g*100+k], "caller %d call %d went out before the call before it", g, k)
		}
	}
}

func TestCoalescerCallerThatLeavesBeforeTheSendIsNotSent(t *testing.T) {
	r := &recorder{}
	c := newCoalescer(r, 50*time.Millisecond, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Do(ctx, 1); done <- err }()
	require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.open != nil }, time.Second, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	v, err := c.Do(context.Background(), 2)
	require.NoError(t, err)
	assert.Equal(t, 4, v)
	assert.Equal(t, [][]int{{2}}, r.got(), "the call that left was not sent")
}

func TestCoalescerCancelsTheSendWhenEveryCallerHasGone(t *testing.T) {
	r := &recorder{block: make(chan struct{}), seenCtx: make(chan context.Context, 1)}
	c := newCoalescer(r, time.Hour, 2) // sent when both calls are in
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	go func() { _, err := c.Do(ctx1, 1); errs <- err }()
	go func() { _, err := c.Do(ctx2, 2); errs <- err }()
	sendCtx := <-r.seenCtx
	cancel1()
	assert.ErrorIs(t, <-errs, context.Canceled)
	assert.NoError(t, sendCtx.Err(), "one caller still waits: the call goes on")
	cancel2()
	assert.ErrorIs(t, <-errs, context.Canceled)
	require.Eventually(t, func() bool { return sendCtx.Err() != nil }, time.Second, time.Millisecond, "nobody waits: the call is cancelled")
	require.Len(t, r.got(), 1)
	assert.ElementsMatch(t, []int{1, 2}, r.got()[0])
}

func TestCoalescerUrgentCallSendsItsBatchAtOnce(t *testing.T) {
	r := &recorder{}
	c := newCoalescer(r, time.Hour, 100) // without the urgent call, the batch would wait an hour
	done := make(chan error, 1)
	go func() { _, err := c.Do(context.Background(), 1); done <- err }()
	require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.open != nil }, time.Second, time.Millisecond)
	v, err := c.DoUrgent(context.Background(), 2)
	require.NoError(t, err)
	assert.Equal(t, 4, v)
	require.NoError(t, <-done, "the call waiting in the batch went with it")
	assert.Equal(t, [][]int{{1, 2}}, r.got())
}
