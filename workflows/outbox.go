package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/sla"
)

// The outbox delivers notices without ever holding up the sync. Each notice is queued with the channels
// it goes to (the log, Slack, a CRM task per side); each channel has one courier coroutine that delivers
// its notices in order, retries with a durable backoff, and marks a notice done for the channel once
// delivered. The outbox is carried across
// continue-as-new, and continue-as-new waits only for sends in flight, never for a backoff, so a notifier
// that is down for hours neither blocks the deal nor gets a notice twice.

// Notice channels.
const (
	channelLog   = "log"
	channelSlack = "slack"
	channelTaskA = "task:a"
	channelTaskB = "task:b"
)

// queue adds a notice to the outbox. Actionable notices (warnings, breaches, escalations) also become a
// CRM task for the responsible person on each side.
func (d *deal) queue(ctx workflow.Context, n notify.Notice, actionable bool, c sla.Clock) {
	n.PairingID = d.in.PairingID
	n.CoSellID = d.in.CoSellID
	n.DealName = d.st.Sides[pairing.A].Values["name"]
	if n.DealName == "" {
		n.DealName = d.st.Sides[pairing.B].Values["name"]
	}
	n.Recipients = d.recipients(n.Level)
	item := api.OutboxItem{Notice: n, Pending: []string{channelLog}, Due: n.At}
	if n.Event == notify.SLAWarning {
		item.Due = c.Deadline
	}
	if d.policy.Slack {
		item.Pending = append(item.Pending, channelSlack)
	}
	if actionable && d.policy.CRMTasks {
		for _, s := range sides {
			if d.st.Sides[s].RecordID != "" {
				item.Pending = append(item.Pending, taskChannel(s))
			}
		}
	}
	d.st.Outbox = append(d.st.Outbox, item)
	d.send(ctx, len(d.st.Outbox)-1)
}

func taskChannel(s pairing.Side) string {
	if s == pairing.A {
		return channelTaskA
	}
	return channelTaskB
}

// recipients are the people a notice is for: the deal owners at L1 and below, the ladder's people at
// higher levels (a side with nobody named there falls back to its deal owner).
func (d *deal) recipients(level int) []notify.Recipient {
	var out []notify.Recipient
	for _, s := range sides {
		var emails []string
		role := "deal owner"
		for _, l := range d.policy.SLA.Ladder {
			if l.Level == level && level > 1 {
				emails, role = l.A, l.Name
				if s == pairing.B {
					emails = l.B
				}
			}
		}
		if len(emails) == 0 {
			if e := d.st.Sides[s].Values[keyOwnerEmail]; e != "" {
				out = append(out, notify.Recipient{Side: string(s), Partner: d.policy.Name(s), Email: e, Name: d.st.Sides[s].Values[keyOwnerName], Role: "deal owner"})
			}
			continue
		}
		for _, e := range emails {
			out = append(out, notify.Recipient{Side: string(s), Partner: d.policy.Name(s), Email: e, Role: role})
		}
	}
	return out
}

// resumeOutbox restarts delivery of every pending channel, after continue-as-new or at a run's start.
func (d *deal) resumeOutbox(ctx workflow.Context) {
	for i := range d.st.Outbox {
		d.send(ctx, i)
	}
}

// send makes sure each channel outbox item i waits for has a delivery coroutine.
func (d *deal) send(ctx workflow.Context, i int) {
	for _, ch := range d.st.Outbox[i].Pending {
		if d.sending[ch] {
			continue
		}
		d.sending[ch] = true
		channel := ch
		workflow.Go(ctx, func(gctx workflow.Context) { d.deliver(gctx, channel) })
	}
}

// deliver is one channel's courier: it sends the notices waiting for the channel one at a time, oldest
// first, so a channel sees a warning before the breach and the breach before its escalations. A notice
// that fails is retried with a durable backoff while it holds the channel's place in line; other channels
// and the sync itself go on.
func (d *deal) deliver(ctx workflow.Context, channel string) {
	defer delete(d.sending, channel)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 3,
			NonRetryableErrorTypes: []string{activities.ErrTypeRejected, activities.ErrTypeConfig},
		},
	})
	backoff := 10 * time.Second
	for {
		item := d.nextFor(channel)
		if item == nil {
			return
		}
		key := item.Notice.Key
		in := activities.NotifyInput{PairingID: d.in.PairingID, Channel: channel, Notice: item.Notice, Due: item.Due}
		for _, s := range sides {
			in.RecordIDs = append(in.RecordIDs, d.st.Sides[s].RecordID)
		}
		d.inFlight++
		err := workflow.ExecuteActivity(actx, a.Notify, in).Get(ctx, nil)
		d.inFlight--
		switch rej, refused := activities.RejectionOf(err); {
		case err == nil:
			d.doneChannel(key, channel, "")
			backoff = 10 * time.Second
		case refused:
			d.doneChannel(key, channel, rej.Message)
			d.setIssue(ctx, "", "", "notice", "notice "+key+" to "+channel+" was refused: "+rej.Message)
		default:
			if it := d.outboxItem(key); it != nil {
				it.Attempts++
				it.LastError = err.Error()
			}
			workflow.GetLogger(ctx).Warn("notice not delivered; will retry", "deal", d.in.CoSellID, "notice", key, "channel", channel, "retryIn", backoff, "error", err)
			if workflow.Sleep(ctx, backoff) != nil {
				return
			}
			backoff = min(backoff*2, 10*time.Minute)
		}
	}
}

// nextFor returns the oldest notice still waiting for channel.
func (d *deal) nextFor(channel string) *api.OutboxItem {
	for i := range d.st.Outbox {
		for _, c := range d.st.Outbox[i].Pending {
			if c == channel {
				return &d.st.Outbox[i]
			}
		}
	}
	return nil
}

func (d *deal) outboxItem(key string) *api.OutboxItem {
	for i := range d.st.Outbox {
		if d.st.Outbox[i].Notice.Key == key {
			return &d.st.Outbox[i]
		}
	}
	return nil
}

// doneChannel marks a channel of a notice delivered (or refused), dropping the notice once every
// channel is done.
func (d *deal) doneChannel(key, channel, refused string) {
	for i := range d.st.Outbox {
		it := &d.st.Outbox[i]
		if it.Notice.Key != key {
			continue
		}
		kept := it.Pending[:0:0]
		for _, c := range it.Pending {
			if c != channel {
				kept = append(kept, c)
			}
		}
		it.Pending = kept
		d.st.NoticesSent++
		if refused != "" {
			d.st.NoticesRefused++
		}
		if len(kept) == 0 {
			d.st.Outbox = append(d.st.Outbox[:i:i], d.st.Outbox[i+1:]...)
		}
		return
	}
}
