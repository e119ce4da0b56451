// Package notify tells people about co-sold deals: a stage change, an SLA about to run out, a breach, an
// escalation up the ladder, a resolution. A Notice is built by the deal workflow, deterministically and
// with its idempotency key; a Notifier delivers it somewhere (Slack through an incoming webhook, the
// worker's log). Nothing here imports Temporal: notifiers are plain clients with classified errors, and
// the activity that calls them decides how to retry.
package notify

import (
	"context"

	"github.com/cosellsync/cosell/vocab"
)

// Event is what a notice is about (see vocab.Event).
type Event = vocab.Event

// Notice events.
const (
	StageChanged   = vocab.StageChanged
	SLAWarning     = vocab.SLAWarning
	SLABreached    = vocab.SLABreached
	SLAEscalated   = vocab.SLAEscalated
	SLAResolved    = vocab.SLAResolved
	PilotScorecard = vocab.PilotScorecard
	PilotDecision  = vocab.PilotDecision
	Unflagged      = vocab.Unflagged
	Deleted        = vocab.Deleted
	BudgetPaused   = vocab.BudgetPaused
	LeadChanged    = vocab.LeadChanged
)

// Notice is one notification about a co-sold deal (see vocab.Notice).
type Notice = vocab.Notice

// Recipient is a person a notice is for.
type Recipient = vocab.Recipient

// Link is a labelled URL, such as the deal in one partner's CRM.
type Link = vocab.Link

// Notifier delivers notices to one channel. Notify returns nil once the channel has the notice, a
// *Error the channel refused or failed with otherwise (see IsRetryable), or the context's error.
type Notifier interface {
	// Name names the channel in logs and outbox state ("slack", "log").
	Name() string
	Notify(ctx context.Context, n Notice) error
}
