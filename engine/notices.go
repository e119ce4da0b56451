package engine

import (
	"slices"
	"time"

	"github.com/cosellsync/cosell/sla"
	"github.com/cosellsync/cosell/vocab"
)

// Notices. The engine queues each notice with the channels it goes to (the log, Slack, a CRM task per
// party); the interpreter runs one courier per channel that delivers its notices in order and reports
// back. The outbox is part of the state, so continue-as-new carries what is not delivered yet.

// Notice channels.
const (
	ChannelLog   = "log"
	ChannelSlack = "slack"
)

// TaskChannel is the channel of CRM tasks on party s.
func TaskChannel(s vocab.Side) string { return "task:" + string(s) }

// queue adds a notice to the outbox. Actionable notices (warnings, breaches, escalations) also become a
// CRM task for the responsible person on each party.
func (e *Engine) queue(now time.Time, n vocab.Notice, actionable bool, c sla.Clock) {
	if slices.ContainsFunc(e.st.Outbox, func(it OutboxItem) bool { return it.Notice.Key == n.Key }) {
		return // already queued: a notice's key names it once
	}
	n.PairingID = e.st.PairingID
	n.CoSellID = e.st.CoSellID
	n.DealName, _ = e.Wanted(vocab.FieldName)
	n.Recipients = e.recipients(n.Level)
	item := OutboxItem{Notice: n, Pending: []string{ChannelLog}, Due: n.At}
	if n.Event == vocab.SLAWarning {
		item.Due = c.Deadline
	}
	if e.pol.Slack {
		item.Pending = append(item.Pending, ChannelSlack)
	}
	if actionable && e.pol.CRMTasks {
		for _, s := range e.pol.sides() {
			if p := e.party(s); p.RecordID != "" && !p.Unlinked {
				item.Pending = append(item.Pending, TaskChannel(s))
			}
		}
	}
	e.st.Outbox = append(e.st.Outbox, item)
}

// recipients are the people a notice is for: the deal owners at L1 and below, the ladder's people at
// higher levels (a party with nobody named there falls back to its deal owner).
func (e *Engine) recipients(level int) []vocab.Recipient {
	var out []vocab.Recipient
	for _, s := range e.pol.sides() {
		var emails []string
		role := "deal owner"
		for _, l := range e.pol.SLA.Ladder {
			if l.Level == level && level > 1 {
				emails, role = l.A, l.Name
				if s == vocab.B {
					emails = l.B
				}
			}
		}
		if len(emails) == 0 {
			if o := e.party(s).Owner; o.Email != "" {
				out = append(out, vocab.Recipient{Side: string(s), Partner: e.pol.Name(s), Email: o.Email, Name: o.Name, Role: "deal owner"})
			}
			continue
		}
		for _, m := range emails {
			out = append(out, vocab.Recipient{Side: string(s), Partner: e.pol.Name(s), Email: m, Role: role})
		}
	}
	return out
}

// NextNotice returns the oldest notice still waiting for channel, nil when none waits.
func (e *Engine) NextNotice(channel string) *OutboxItem {
	for i := range e.st.Outbox {
		for _, c := range e.st.Outbox[i].Pending {
			if c == channel {
				it := e.st.Outbox[i]
				return &it
			}
		}
	}
	return nil
}

// Channels lists the channels some notice still waits for, in a stable order.
func (e *Engine) Channels() []string {
	var out []string
	for _, it := range e.st.Outbox {
		for _, c := range it.Pending {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// NoticeFailed records a failed delivery attempt; the courier tries again after its backoff.
func (e *Engine) NoticeFailed(key, msg string) {
	for i := range e.st.Outbox {
		if e.st.Outbox[i].Notice.Key == key {
			e.st.Outbox[i].Attempts++
			e.st.Outbox[i].LastError = msg
		}
	}
}

// NoticeDone marks a channel of a notice delivered, or refused (refused is the channel's message),
// dropping the notice once every channel is done. A refusal is shown on the deal.
func (e *Engine) NoticeDone(now time.Time, key, channel, refused string) {
	for i := range e.st.Outbox {
		it := &e.st.Outbox[i]
		if it.Notice.Key != key {
			continue
		}
		it.Pending = slices.DeleteFunc(it.Pending, func(c string) bool { return c == channel })
		e.st.NoticesSent++
		if refused != "" {
			e.st.NoticesRefused++
			e.setIssue(now, "", "", vocab.IssueNotice, "notice "+key+" to "+channel+" was refused: "+refused)
		}
		if len(it.Pending) == 0 {
			e.st.Outbox = slices.Delete(e.st.Outbox, i, i+1)
		}
		return
	}
}
