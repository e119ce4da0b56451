package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
)

// DeliverChangedInput names deals a webhook said changed on a CRM connection (or, from a feed of one
// pairing side, on that side), with what the feed already delivered of them, so a repeated notice reads
// the record but signals nobody.
type DeliverChangedInput struct {
	Connection string         `json:"connection,omitempty"`
	PairingID  string         `json:"pairingId,omitempty"`
	Side       pairing.Side   `json:"side,omitempty"`
	Deals      []string       `json:"deals"`
	Known      []KnownVersion `json:"known,omitempty"`
}

// KnownVersion is a version of a record the feed delivered: its stamp and the fingerprint of its fields
// (Salesforce stamps whole seconds, so two versions may share a stamp).
type KnownVersion struct {
	ID         string    `json:"id"`
	ModifiedAt time.Time `json:"modifiedAt"`
	Sum        uint64    `json:"sum"`
}

// DeliverChangedResult says what became of each deal: delivered (the feed adds it to its seen set),
// to be tried again later (the CRM or Temporal failed for now), or skipped (not a co-sell deal, gone,
// or a version already delivered).
type DeliverChangedResult struct {
	Delivered []KnownVersion `json:"delivered,omitempty"`
	Retry     []string       `json:"retry,omitempty"`
	Skipped   int            `json:"skipped,omitempty"`
	// Interval and NoPolling report the worker's settings for this side, as a poll does.
	Interval  time.Duration `json:"interval"`
	NoPolling bool          `json:"noPolling,omitempty"`
}

// DeliverChanged reads each deal a webhook named and delivers it to its deal workflow exactly as a poll
// would (deliverDeal): a newly flagged deal starts its workflow, a mirror reaches its running deal only.
// It reads the record as it is now, so a late, repeated or out-of-order notice delivers the current
// version, and the deal engine ignores a reading older than what it knows. Deals that are neither
// flagged nor carry a co-sell id are skipped, as the poll's query skips them.
func (a *Activities) DeliverChanged(ctx context.Context, in DeliverChangedInput) (DeliverChangedResult, error) {
	f, err := a.feed(PollInput{Connection: in.Connection, PairingID: in.PairingID, Side: in.Side})
	if err != nil {
		return DeliverChangedResult{}, err
	}
	set := a.feedSettings(f.Connection)
	res := DeliverChangedResult{Interval: set.PollInterval, NoPolling: set.NoPolling}
	known := make(map[string]KnownVersion, len(in.Known))
	for _, k := range in.Known {
		known[k.ID] = k
	}
	log := activity.GetLogger(ctx)
	beat := startKeepAlive(ctx) // keepalive.go
	defer beat.end()
	reads := readAll(ctx, f.CRM, in.Deals)
	for i, id := range in.Deals {
		if ctx.Err() != nil {
			res.Retry = append(res.Retry, id)
			continue
		}
		d, err := reads[i].deal, reads[i].err
		switch {
		case errors.Is(err, connectors.ErrNotFound):
			res.Skipped++ // deleted or merged away since the notice: nothing left to read
			continue
		case err != nil && connectors.IsRetryable(err):
			log.Warn("webhook: cannot read the deal now; the feed tries again", "connection", f.Connection, "record", id, "error", err)
			res.Retry = append(res.Retry, id)
			continue
		case err != nil:
			log.Warn("webhook: the CRM refuses to read the deal; skipped", "connection", f.Connection, "record", id, "error", err)
			res.Skipped++
			continue
		}
		if !d.Enabled && d.CoSellID == "" {
			res.Skipped++
			continue
		}
		sum := fingerprint(d)
		if k, ok := known[d.RecordID]; ok && k.ModifiedAt.Equal(d.ModifiedAt) && k.Sum == sum {
			res.Skipped++ // this very version was delivered already
			continue
		}
		if err := a.deliverDeal(ctx, f, d, "webhook"); err != nil {
			if _, refused := RejectionOf(err); refused {
				log.Warn("webhook: deal not delivered", "connection", f.Connection, "record", id, "error", err)
				res.Skipped++
				continue
			}
			log.Warn("webhook: deal not delivered; the feed tries again", "connection", f.Connection, "record", id, "error", err)
			res.Retry = append(res.Retry, id)
			continue
		}
		res.Delivered = append(res.Delivered, KnownVersion{ID: d.RecordID, ModifiedAt: d.ModifiedAt, Sum: sum})
	}
	return res, nil
}

// deliveryReaders bounds how many of a delivery's deals are read at once.
const deliveryReaders = 16

type dealRead struct {
	deal connectors.Deal
	err  error
}

// readAll reads the deals a delivery names at once, at most deliveryReaders at a time, in their order.
// Read at once, they meet in the coalescer's batch reads (COSELL_COALESCE): one call for the lot
// instead of one call and one coalescing window per deal, one after the other. Without the coalescer
// each is still its own call, the naive reference.
func readAll(ctx context.Context, crm connectors.CRM, ids []string) []dealRead {
	out := make([]dealRead, len(ids))
	sem := make(chan struct{}, deliveryReaders)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if ctx.Err() != nil {
				out[i].err = ctx.Err()
				return
			}
			out[i].deal, out[i].err = crm.GetDeal(ctx, id)
		}()
	}
	wg.Wait()
	return out
}

// SignalFeed sends a signal to a connection's change feed (or, for an input of one pairing side, that
// side's), starting the feed first if it does not run. Once it returns nil the signal is in Temporal's
// history: the webhook receiver answers 2xx only then, and the worker sends each feed its settings
// this way at start and at every reload.
func SignalFeed(ctx context.Context, c client.Client, taskQueue string, feed api.FeedInput, signal string, arg any) error {
	id := api.ChangeFeedWorkflowID(feed.PairingID, feed.Side)
	if feed.Connection != "" {
		id = api.ConnectionFeedWorkflowID(taskQueue, feed.Connection)
	}
	_, err := c.SignalWithStartWorkflow(ctx, id, signal, arg, client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             taskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, api.ChangeFeedWorkflowName, feed)
	if err != nil {
		return fmt.Errorf("signal %s to change feed %s: %w", signal, id, err)
	}
	return nil
}
