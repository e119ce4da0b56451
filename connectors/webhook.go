package connectors

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Webhook errors: what a receiver answers a CRM's notification with depends on which of these an error
// matches (errors.Is): 401 for one it cannot trust, 413 for one larger than the CRM ever sends, 400 for
// one it cannot read. Each parser and verifier wraps them with the reason, for the answer's body.
var (
	// ErrWebhookUnauthorized is a notification whose signature, timestamp or sender does not check out.
	ErrWebhookUnauthorized = errors.New("unauthorized")
	// ErrWebhookTooLarge is a notification with more records than the CRM puts in one.
	ErrWebhookTooLarge = errors.New("too large")
	// ErrWebhookMalformed is a notification that is not in the CRM's documented shape.
	ErrWebhookMalformed = errors.New("malformed")
)

// MaxWebhookAge is how old a signed notification's timestamp may be, and how far ahead of the receiver's
// clock: HubSpot's documented replay window, used for the Salesforce callout too.
const MaxWebhookAge = 5 * time.Minute

// WebhookChanges is what one notification means for the sync, in the terms of the change feed: deals to
// read again, and whether a poll is wanted for changes the notification names no deal for (a note).
type WebhookChanges struct {
	// Deals are the record ids of deals that changed, each once, in the order first named.
	Deals []string
	// Poll asks the change feed to poll soon: the notification told of a change it cannot route by
	// itself (a new note, a task on an opportunity).
	Poll bool
	// Ignored counts the events that need nothing (other objects, deletions, events about properties
	// the sync reads anyway).
	Ignored int
}

// AddDeal adds a deal id once.
func (c *WebhookChanges) AddDeal(id string) {
	for _, d := range c.Deals {
		if d == id {
			return
		}
	}
	c.Deals = append(c.Deals, id)
}

// Empty reports whether the notification needs nothing from the sync.
func (c WebhookChanges) Empty() bool { return len(c.Deals) == 0 && !c.Poll }

// CheckWebhookTimestamp reads a millisecond epoch timestamp header and refuses one older than
// MaxWebhookAge, or further ahead than that (a sender's clock skewed by minutes is as suspect as a
// replay). The error matches ErrWebhookUnauthorized.
func CheckWebhookTimestamp(header, value string, now time.Time) (time.Time, error) {
	if value == "" {
		return time.Time{}, fmt.Errorf("%w: the %s header is missing", ErrWebhookUnauthorized, header)
	}
	ms, err := strconv.ParseInt(value, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, fmt.Errorf("%w: the %s header %q is not a millisecond timestamp", ErrWebhookUnauthorized, header, value)
	}
	at := time.UnixMilli(ms)
	switch age := now.Sub(at); {
	case age > MaxWebhookAge:
		return at, fmt.Errorf("%w: the %s %s is %s old; requests older than %s are refused", ErrWebhookUnauthorized, header, value, age.Round(time.Second), MaxWebhookAge)
	case age < -MaxWebhookAge:
		return at, fmt.Errorf("%w: the %s %s is %s ahead of this server's clock", ErrWebhookUnauthorized, header, value, (-age).Round(time.Second))
	}
	return at, nil
}

// Signed is a request signed with a shared secret and a timestamp, as HubSpot signs its webhooks and the
// Salesforce callout is signed.
type Signed struct {
	// Secret is the shared secret; SecretName says which one, for errors ("HubSpot app secret").
	Secret, SecretName string
	// SignatureHeader and TimestampHeader name the headers; Signature and Timestamp are their values.
	SignatureHeader, Signature string
	TimestampHeader, Timestamp string
	// Sign computes the expected signature with Secret.
	Sign func() string
	// Hint ends the error of a signature that does not match: what to check.
	Hint string
}

// Verify checks a signed request: a secret to check with, both headers, a timestamp inside MaxWebhookAge
// and a signature equal (in constant time) to the expected one. The error matches
// ErrWebhookUnauthorized and says which check failed.
func (s Signed) Verify(now time.Time) error {
	switch {
	case s.Secret == "":
		return fmt.Errorf("%w: no %s is configured to check signatures with", ErrWebhookUnauthorized, s.SecretName)
	case s.Signature == "":
		return fmt.Errorf("%w: the %s header is missing", ErrWebhookUnauthorized, s.SignatureHeader)
	}
	if _, err := CheckWebhookTimestamp(s.TimestampHeader, s.Timestamp, now); err != nil {
		return err
	}
	if !hmac.Equal([]byte(s.Signature), []byte(s.Sign())) {
		return fmt.Errorf("%w: the %s does not match this request (%s)", ErrWebhookUnauthorized, s.SignatureHeader, s.Hint)
	}
	return nil
}
