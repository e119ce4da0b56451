package activities

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// NotifyInput is one notice for one channel.
type NotifyInput struct {
	PairingID string        `json:"pairingId"`
	Channel   string        `json:"channel"` // log, slack, task:a, task:b
	Notice    notify.Notice `json:"notice"`
	// Due is when a CRM task made from the notice is due.
	Due time.Time `json:"due"`
	// RecordIDs are the deal's record ids on side a and side b ("" where there is none), for links and
	// tasks.
	RecordIDs []string `json:"recordIds"`
}

// Notify delivers one notice to one channel. A CRM task is keyed on the notice and the side, so a
// retried delivery finds the task it made; a Slack message is sent once per successful activity.
//
// A budget pause is one notice for every deal it holds (they share its key): each channel delivers it
// once per worker process, and every other deal's delivery of it succeeds without sending. It carries
// no deal links, being about a connection, not a deal.
func (a *Activities) Notify(ctx context.Context, in NotifyInput) error {
	if in.Notice.Event != notify.BudgetPaused {
		return a.notify(ctx, in)
	}
	id := in.Channel + "\x00" + in.Notice.Key
	a.toldMu.Lock()
	defer a.toldMu.Unlock()
	if a.told[id] {
		return nil
	}
	in.RecordIDs = nil
	if err := a.notify(ctx, in); err != nil {
		return err
	}
	if a.told == nil {
		a.told = map[string]bool{}
	}
	a.told[id] = true
	return nil
}

func (a *Activities) notify(ctx context.Context, in NotifyInput) error {
	c, err := a.connection(in.PairingID)
	if err != nil {
		return err
	}
	p := c.Pairing
	n := in.Notice
	n.PairingName = p.Name
	for i, s := range []pairing.Side{pairing.A, pairing.B} {
		if i < len(in.RecordIDs) && in.RecordIDs[i] != "" {
			if crm, ok := c.CRM[s]; ok {
				n.Links = append(n.Links, notify.Link{Label: p.Partner(s).Name + " in " + title(crm.Kind()), URL: crm.DealURL(in.RecordIDs[i])})
			}
		}
	}
	switch in.Channel {
	case "log":
		if a.Log == nil {
			activity.GetLogger(ctx).Info("notice", "deal", n.CoSellID, "event", string(n.Event), "key", n.Key, "message", n.Message)
			return nil
		}
		return classifyNotice("log", a.Log.Notify(ctx, n))
	case "slack":
		if c.Slack == nil {
			return temporal.NewNonRetryableApplicationError("slack is not configured for pairing "+p.ID, ErrTypeConfig, nil)
		}
		return classifyNotice("slack", c.Slack.Notify(ctx, n))
	case "task:a", "task:b":
		side := pairing.Side(strings.TrimPrefix(in.Channel, "task:"))
		idx := 0
		if side == pairing.B {
			idx = 1
		}
		if idx >= len(in.RecordIDs) || in.RecordIDs[idx] == "" {
			return temporal.NewNonRetryableApplicationError("no deal on side "+string(side)+" to put a task on", ErrTypeRejected, nil, Rejection{Message: "no deal on side " + string(side)})
		}
		return a.createTask(ctx, c, side, in.RecordIDs[idx], n, in.Due)
	default:
		return temporal.NewNonRetryableApplicationError("unknown notice channel "+in.Channel, ErrTypeConfig, nil)
	}
}

// createTask puts the notice in front of the responsible person on one side as a CRM task: the first of
// the notice's recipients on that side who is an active user there, else the side's fallback owner.
func (a *Activities) createTask(ctx context.Context, c *Connection, side pairing.Side, recordID string, n notify.Notice, due time.Time) error {
	crm := c.CRM[side]
	p := c.Pairing
	var owner connectors.Owner
	for _, r := range n.Recipients {
		if r.Side != string(side) {
			continue
		}
		o, ok, err := a.findOwner(ctx, p.ID, side, crm, func(o connectors.Owner) bool { return strings.EqualFold(o.Email, r.Email) && o.Active })
		if err != nil {
			return classify("list owners", err)
		}
		if ok {
			owner = o
			break
		}
	}
	if owner.ID == "" {
		if o, ok, err := a.findOwner(ctx, p.ID, side, crm, func(o connectors.Owner) bool { return strings.EqualFold(o.Email, p.FallbackOwner(side)) }); err == nil && ok {
			owner = o
		}
	}
	var body strings.Builder
	body.WriteString(n.Message)
	for _, r := range n.Recipients {
		fmt.Fprintf(&body, "\n• %s (%s, %s)", r.Email, r.Role, r.Partner)
	}
	for _, l := range n.Links {
		fmt.Fprintf(&body, "\n%s: %s", l.Label, l.URL)
	}
	_, err := crm.CreateTask(ctx, connectors.TaskInput{
		DealRecordID: recordID, Key: taskKey(n.Key, side), Subject: taskSubject(n), Body: body.String(), OwnerID: owner.ID, Due: due,
	})
	return classify(fmt.Sprintf("create task %s on %s", n.Key, side), err)
}

// taskKey is the idempotency key of the task a notice makes on one side.
func taskKey(noticeKey string, side pairing.Side) string {
	sum := sha256.Sum256([]byte(noticeKey + "\x00" + string(side)))
	return "T-" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:24]
}

func taskSubject(n notify.Notice) string {
	s := "[Co-sell] "
	switch n.Event {
	case notify.SLAWarning:
		s += "SLA due soon"
	case notify.SLABreached:
		s += "SLA breached"
	case notify.SLAEscalated:
		s += fmt.Sprintf("Escalated to L%d", n.Level)
	case notify.LeadChanged:
		s += "You lead " + n.Subject
	case vocab.RegistrationConflict:
		s += "Registration conflict on " + n.Subject
	case vocab.ConflictResolved:
		s += "Registration conflict resolved on " + n.Subject
	default:
		s += string(n.Event)
	}
	if n.DealName != "" {
		s += ": " + n.DealName
	}
	return s
}

// classifyNotice turns a notifier's failure into the error Temporal should see: a refusal (4xx) is
// final, anything else is retried, after the notifier's own Retry-After when it gave one.
func classifyNotice(channel string, err error) error {
	if err == nil {
		return nil
	}
	ne, classified := notify.AsError(err)
	if classified && !ne.Retryable {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeRejected, nil, Rejection{CRM: channel, Message: ne.Message})
	}
	if classified && ne.RetryAfter > 0 {
		return temporal.NewApplicationErrorWithOptions(err.Error(), "NotifierRetryable", temporal.ApplicationErrorOptions{NextRetryDelay: ne.RetryAfter})
	}
	return fmt.Errorf("%s: %w", channel, err)
}

func title(s string) string {
	switch s {
	case "salesforce":
		return "Salesforce"
	case "hubspot":
		return "HubSpot"
	}
	return s
}
