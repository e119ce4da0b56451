// Package activities holds every side effect of the sync: reading and writing CRMs and delivering change
// events to deal workflows. Activities are thin: translation lives in the pairing package, decisions in
// the workflows. Each write is idempotent (upsert by co-sell id, notes keyed by a deterministic key), so a
// retry after a crash converges instead of duplicating.
//
// Who retries what (see also connectors/*/doc.go):
//   - the connectors' HTTP transport retries short, safe faults: 429 within a rate window and 5xx on
//     requests that are safe to repeat, honouring Retry-After;
//   - Temporal retries the rest of the retryable failures (network errors, 5xx that outlasted the
//     transport) with the backoff set at each call site;
//   - a CRM rejection (validation) is non-retryable (ErrTypeRejected) and carries the CRM's own message;
//   - an exhausted API budget (Salesforce REQUEST_LIMIT_EXCEEDED, HubSpot's DAILY 429) or any other
//     failure that asks to wait more than a minute is non-retryable for Temporal (ErrTypeUnavailable): the
//     workflow shows it on the deal and tries the round again after the CRM's delay, instead of an
//     activity retrying blindly out of sight;
//   - a call the connection's budget guard refused (connectors/budget; nothing was sent) is, for the
//     daily budget, ErrTypeUnavailable with the guard's refusal in Unavailable.Budget, whatever its delay:
//     the deal waits on a durable timer and tells both partners once, the feed waits and resumes from its
//     cursor; for the short rate window it is ErrTypeThrottled, retried by Temporal after the guard's
//     delay.
package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
)

// Error types the workflows match on (never Go type names).
const (
	// ErrTypeRejected is a CRM refusing a value; no retry can fix it. Details: Rejection.
	ErrTypeRejected = "CRMRejected"
	// ErrTypeUnavailable is a CRM asking for a long wait (budget gone), or the budget guard pausing a
	// connection. Details: Unavailable.
	ErrTypeUnavailable = "CRMUnavailable"
	// ErrTypeThrottled is the budget guard pacing a connection within its short rate window; Temporal
	// retries the activity after the guard's delay.
	ErrTypeThrottled = "CRMThrottled"
	// CodeNotFound is the Rejection code of a record that does not exist (deleted, or merged away).
	CodeNotFound = "NOT_FOUND"
	// CodeSourceNoteGone is the Rejection code of a note to mirror whose source note no longer exists.
	CodeSourceNoteGone = "SOURCE_NOTE_GONE"
	// CodeModified is the Rejection code of a conditional write the CRM refused, writing nothing, because
	// the record changed after the stamp the write was conditioned on (WriteDealInput.UnmodifiedSince).
	CodeModified = "RECORD_MODIFIED"
	// ErrTypeConfig is a pairing or connection the worker does not know.
	ErrTypeConfig = "Config"
)

// longWait is the delay past which a retry belongs to the workflow rather than the activity.
const longWait = time.Minute

// Rejection details a CRM rejection.
type Rejection struct {
	CRM     string   `json:"crm"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Fields  []string `json:"fields,omitempty"`
	// Canonical names the mapped fields behind Fields, filled in where the activity knows the mapping.
	Canonical []string `json:"canonical,omitempty"`
}

// Unavailable details a CRM that asked to be left alone for a while.
type Unavailable struct {
	CRM        string        `json:"crm"`
	Message    string        `json:"message"`
	RetryAfter time.Duration `json:"retryAfter"`
	// Budget is set when the connection's budget guard paused it (the product's share of the daily
	// budget is used) rather than the CRM refusing.
	Budget *budget.Refusal `json:"budget,omitempty"`
}

// Connection is one pairing's runtime: the pairing, a connector per side and its Slack notifier (nil
// when the pairing sends nothing to Slack).
type Connection struct {
	Pairing *pairing.Pairing
	CRM     map[pairing.Side]connectors.CRM
	Slack   notify.Notifier

	// policy caches the version of the pairing's policy; a Connection is never changed once served.
	policy policyVersion
}

// Activities are registered once on the worker; their fields are shared dependencies.
type Activities struct {
	// Pairings by pairing id, for a fixed set (tests); Served takes its place when set.
	Pairings map[string]*Connection
	// Served is the worker's catalog: the pairings of its directory and the connections they use,
	// swapped when the directory changes.
	Served *Served
	// Client reaches the workflows: the deals (signals, the record directory) and the pilot.
	Client client.Client
	// Deals, when set, is how change events reach deal workflows instead of Client; tests of the routing
	// set a fake.
	Deals Deals
	// Sink, when set (and Deals is not), receives every change event under the co-sell id its record
	// carries or derives, as if every deal ran and the directory were empty; tests use it to see what a
	// poll delivers.
	Sink func(ctx context.Context, pairingID, coSellID string, ev api.ChangeEvent) error
	// TaskQueue deal workflows are started on.
	TaskQueue string
	// Overlap is how far behind its cursor each poll starts again, to catch changes committed late
	// (Salesforce SystemModstamp is set before commit; HubSpot search is eventually consistent).
	Overlap time.Duration
	// PageSize bounds one change query.
	PageSize int
	// PagesPerPoll bounds the pages one PollChanges activity reads before it hands its position back to
	// the feed workflow, so each activity stays short and a burst lands in durable state every few
	// pages; zero takes 10.
	PagesPerPoll int
	// PollInterval is the feeds' current interval; each poll reports it, so a changed setting reaches
	// running feeds without a restart of theirs.
	PollInterval time.Duration
	// FeedSettings, when set, overrides PollInterval for the feeds of the connections it answers for: a
	// connection that receives webhooks polls less often, or not at all. The worker's answer follows the
	// pairings it serves.
	FeedSettings func(connection string) (api.FeedSettings, bool)
	// PilotDay, when set, is the length of a pilot day (COSELL_PILOT_DAY), for demos and tests.
	PilotDay time.Duration
	// SLAScale compresses every SLA duration (COSELL_SLA_TIME_SCALE), for demos and tests; ≤1 is off.
	SLAScale float64
	// Log receives every notice (the log channel).
	Log notify.Notifier
	// OwnerCacheTTL bounds how stale the owner directory may be.
	OwnerCacheTTL time.Duration

	ownersMu   sync.Mutex
	ownerCache map[string]ownerCache
	// told holds the budget-pause notices already delivered, by channel and key (see Notify).
	toldMu sync.Mutex
	told   map[string]bool
}

type ownerCache struct {
	at     time.Time
	owners []connectors.Owner
}

// feedSettings returns how the feed of a connection polls.
func (a *Activities) feedSettings(connection string) api.FeedSettings {
	if a.FeedSettings != nil {
		if s, ok := a.FeedSettings(connection); ok {
			return s
		}
	}
	return api.FeedSettings{PollInterval: a.PollInterval}
}

func (a *Activities) connection(pairingID string) (*Connection, error) {
	pairings := a.Pairings
	if a.Served != nil && a.Served.Load() != nil {
		pairings = a.Served.Load().Pairings
	}
	c, ok := pairings[pairingID]
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("pairing %q is not loaded on this worker", pairingID), ErrTypeConfig, nil)
	}
	return c, nil
}

func (a *Activities) crm(pairingID string, side pairing.Side) (*pairing.Pairing, connectors.CRM, error) {
	c, err := a.connection(pairingID)
	if err != nil {
		return nil, nil, err
	}
	crm, ok := c.CRM[side]
	if !ok {
		return nil, nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("pairing %q has no connection for side %s", pairingID, side), ErrTypeConfig, nil)
	}
	return c.Pairing, crm, nil
}

// owners lists a side's deal owners from a cache no older than maxAge (OwnerCacheTTL when 0), so that
// resolving the owners of many deals does not spend the CRM's API budget. The cache is kept per CRM
// connection, so pairings that share one list its owners once.
func (a *Activities) owners(ctx context.Context, pairingID string, side pairing.Side, crm connectors.CRM, maxAge time.Duration) ([]connectors.Owner, error) {
	key := a.ownerCacheKey(pairingID, side)
	if maxAge == 0 {
		maxAge = a.OwnerCacheTTL
	}
	if maxAge == 0 {
		maxAge = 5 * time.Minute
	}
	a.ownersMu.Lock()
	c, ok := a.ownerCache[key]
	a.ownersMu.Unlock()
	if ok && time.Since(c.at) < maxAge {
		return c.owners, nil
	}
	owners, err := crm.ListOwners(ctx)
	if err != nil {
		return nil, err
	}
	a.ownersMu.Lock()
	if a.ownerCache == nil {
		a.ownerCache = map[string]ownerCache{}
	}
	a.ownerCache[key] = ownerCache{at: time.Now(), owners: owners}
	a.ownersMu.Unlock()
	return owners, nil
}

// ownerCacheKey names the CRM connection of a pairing's side, whose owners are cached once for every
// pairing that uses it.
func (a *Activities) ownerCacheKey(pairingID string, side pairing.Side) string {
	if c, err := a.connection(pairingID); err == nil && c.Pairing.Partner(side).Connection != "" {
		return "connection/" + c.Pairing.Partner(side).Connection
	}
	return pairingID + "/" + string(side)
}

// classify turns a connector error into the error Temporal should see.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if r, refused := budget.AsRefusal(err); refused {
		if r.Paused() {
			return temporal.NewNonRetryableApplicationError(op+": "+r.Error(), ErrTypeUnavailable, nil,
				Unavailable{CRM: r.CRM, Message: r.Error(), RetryAfter: r.RetryAfter, Budget: r})
		}
		return temporal.NewApplicationErrorWithOptions(op+": "+r.Error(), ErrTypeThrottled, temporal.ApplicationErrorOptions{
			NextRetryDelay: r.RetryAfter,
		})
	}
	e, ok := connectors.AsError(err)
	if !ok {
		return fmt.Errorf("%s: %w", op, err)
	}
	// The message already carries the CRM error in full, and the details carry its parts, so the Go
	// error is not attached as a cause too: that would repeat the message in every log line.
	switch {
	case e.NotFound:
		return expected(e.Error(), Rejection{CRM: e.CRM, Code: CodeNotFound, Message: e.Message})
	case e.Modified:
		// Retrying the same write would fail the same way; the workflow reads the record again instead.
		return expected(e.Error(), Rejection{CRM: e.CRM, Code: CodeModified, Message: e.Message})
	case !e.Retryable:
		return temporal.NewNonRetryableApplicationError(e.Error(), ErrTypeRejected, nil,
			Rejection{CRM: e.CRM, Code: e.Code, Message: e.Message, Fields: e.Fields})
	case e.RetryAfter > longWait:
		return temporal.NewNonRetryableApplicationError(e.Error(), ErrTypeUnavailable, nil,
			Unavailable{CRM: e.CRM, Message: e.Error(), RetryAfter: e.RetryAfter})
	case e.RetryAfter > 0:
		return temporal.NewApplicationErrorWithOptions(e.Error(), "CRMRetryable", temporal.ApplicationErrorOptions{
			NextRetryDelay: e.RetryAfter,
		})
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// expected is a rejection the deal workflow handles as part of its normal work, no fault of anyone's: a
// conditional write refused because a user saved first (the workflow reads again and decides anew), or
// a record gone (a deleted mirror is recreated or unlinked). It is benign to Temporal: the SDK logs it
// at debug, not as an "Activity error." at error level, and counts no failure, so ops alerting on error
// logs or the failure metric is not woken by a race the sync resolves by itself. Refusals that need a
// person (a validation rule, a picklist) stay errors; they are also shown on the deal as sync issues.
func expected(msg string, r Rejection) error {
	return temporal.NewApplicationErrorWithOptions(msg, ErrTypeRejected, temporal.ApplicationErrorOptions{
		NonRetryable: true, Details: []any{r}, Category: temporal.ApplicationErrorCategoryBenign})
}

// RejectionOf extracts the details of a CRM rejection from an activity error.
func RejectionOf(err error) (Rejection, bool) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != ErrTypeRejected {
		return Rejection{}, false
	}
	var r Rejection
	if app.HasDetails() {
		_ = app.Details(&r)
	}
	if r.Message == "" {
		r.Message = app.Error()
	}
	return r, true
}

// UnavailableOf extracts the details of an exhausted CRM from an activity error.
func UnavailableOf(err error) (Unavailable, bool) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != ErrTypeUnavailable {
		return Unavailable{}, false
	}
	var u Unavailable
	if app.HasDetails() {
		_ = app.Details(&u)
	}
	if u.Message == "" {
		u.Message = app.Error()
	}
	return u, true
}
