package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// feedHeartbeatTimeout is how long the server waits for a feed activity's heartbeat before it gives
// the activity to another worker. It bounds how long a crashed worker (SIGKILL, OOM, a lost node)
// stalls its connections' changes: a feed activity of the dead worker is retried that long after its
// last heartbeat. Its keep-alive beats well inside it, so a slow CRM page never trips it.
const feedHeartbeatTimeout = 15 * time.Second

// FeedHeartbeatTimeout is the heartbeat timeout the feed workflow sets on its long activities
// (PollChanges, DeliverChanged); each of them keeps itself alive with a keepAlive.
func FeedHeartbeatTimeout() time.Duration { return feedHeartbeatTimeout }

// keepAlive heartbeats an activity on a ticker, with the latest details it was given, so the server
// learns of a dead worker within the heartbeat timeout while a live one may spend longer than that
// on one CRM call. Details set once are never touched again by the caller (set takes a snapshot the
// caller gives up), so a beat never serializes a state that is being changed.
type keepAlive struct {
	ctx     context.Context
	mu      sync.Mutex
	details any
	has     bool
	stop    chan struct{}
	done    chan struct{}
}

// startKeepAlive beats every third of the activity's heartbeat timeout; without a heartbeat timeout
// it does nothing. Stop it before the activity returns.
func startKeepAlive(ctx context.Context) *keepAlive {
	k := &keepAlive{ctx: ctx, stop: make(chan struct{}), done: make(chan struct{})}
	if !activity.IsActivity(ctx) || activity.GetInfo(ctx).HeartbeatTimeout <= 0 {
		close(k.done)
		return k
	}
	every := max(activity.GetInfo(ctx).HeartbeatTimeout/3, time.Second)
	go func() {
		defer close(k.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-k.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				k.mu.Lock()
				if k.has {
					activity.RecordHeartbeat(ctx, k.details)
				} else {
					activity.RecordHeartbeat(ctx)
				}
				k.mu.Unlock()
			}
		}
	}()
	return k
}

// set records details in a heartbeat now and makes them the ones the next beats carry, so a beat
// never carries older progress than the last one; the caller must not change them afterwards.
func (k *keepAlive) set(details any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.details, k.has = details, true
	if activity.IsActivity(k.ctx) {
		activity.RecordHeartbeat(k.ctx, details)
	}
}

// end stops the beats and waits for the last one to finish.
func (k *keepAlive) end() {
	select {
	case <-k.done:
	default:
		close(k.stop)
		<-k.done
	}
}
