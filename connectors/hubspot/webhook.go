package hubspot

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// Webhook headers and limits, as HubSpot documents them for webhooks v3.
const (
	// SignatureHeader carries base64(HMAC-SHA256(app secret, method + URI + body + timestamp)).
	SignatureHeader = "X-HubSpot-Signature-v3"
	// TimestampHeader is when HubSpot sent the request, in milliseconds since the epoch.
	TimestampHeader = "X-HubSpot-Request-Timestamp"
	// MaxWebhookEvents is the most events HubSpot puts in one request.
	MaxWebhookEvents = 100
)

// Object type ids of the generic ("object.*") subscriptions.
const (
	dealTypeID = "0-3"
	noteTypeID = "0-46"
)

// uriDecoding is the decoding HubSpot's v3 algorithm applies to the request URI before signing: these
// twelve percent-encodings, and no other (a %20 stays %20). Hex digits are case-insensitive in
// percent-encoding, so both spellings are decoded.
var uriDecoding = func() *strings.Replacer {
	pairs := []string{"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$", "%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";"}
	all := append([]string{}, pairs...)
	for i := 0; i < len(pairs); i += 2 {
		if lower := strings.ToLower(pairs[i]); lower != pairs[i] {
			all = append(all, lower, pairs[i+1])
		}
	}
	return strings.NewReplacer(all...)
}()

// VerifyWebhook checks a webhook request as HubSpot's v3 algorithm says: the timestamp is at most five
// minutes old, and the signature is the base64 HMAC-SHA256, keyed with the app's client secret, of the
// method, the full URI HubSpot called (scheme, host, path and query string), the raw body and the
// timestamp header, concatenated. The error matches connectors.ErrWebhookUnauthorized and says why.
func VerifyWebhook(secret, method, uri string, body []byte, signature, timestamp string, now time.Time) error {
	return connectors.Signed{
		Secret: secret, SecretName: "HubSpot app secret",
		SignatureHeader: SignatureHeader, Signature: signature,
		TimestampHeader: TimestampHeader, Timestamp: timestamp,
		Sign: func() string { return WebhookSignature(secret, method, uri, body, timestamp) },
		Hint: "check the app secret, and that " + uri + " is the URL HubSpot calls",
	}.Verify(now)
}

// WebhookSignature is the v3 signature of a request. uri is the full URL as received; the documented
// decodings are applied here.
func WebhookSignature(secret, method, uri string, body []byte, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + uriDecoding.Replace(uri)))
	mac.Write(body)
	mac.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// WebhookEvent is one event of a webhook request, in HubSpot's payload shape: the legacy subscriptions
// ("deal.propertyChange") and the generic ones ("object.creation" with objectTypeId) alike.
type WebhookEvent struct {
	EventID          int64  `json:"eventId"`
	SubscriptionID   int64  `json:"subscriptionId"`
	PortalID         int64  `json:"portalId"`
	AppID            int64  `json:"appId"`
	OccurredAt       int64  `json:"occurredAt"`
	SubscriptionType string `json:"subscriptionType"`
	AttemptNumber    int    `json:"attemptNumber"`
	ObjectID         int64  `json:"objectId"`
	ObjectTypeID     string `json:"objectTypeId,omitempty"`
	PropertyName     string `json:"propertyName,omitempty"`
	PropertyValue    string `json:"propertyValue,omitempty"`
	ChangeSource     string `json:"changeSource,omitempty"`
	SourceID         string `json:"sourceId,omitempty"`
	// Merge events name the records merged and the record they became.
	PrimaryObjectID int64   `json:"primaryObjectId,omitempty"`
	MergedObjectIDs []int64 `json:"mergedObjectIds,omitempty"`
	NewObjectID     int64   `json:"newObjectId,omitempty"`
	// Association change events name both ends.
	AssociationType    string `json:"associationType,omitempty"`
	FromObjectID       int64  `json:"fromObjectId,omitempty"`
	ToObjectID         int64  `json:"toObjectId,omitempty"`
	AssociationRemoved bool   `json:"associationRemoved,omitempty"`
}

// ParseWebhook reads a webhook request body: a JSON array of 1 to MaxWebhookEvents events, each with a
// subscription type. The error matches connectors.ErrWebhookMalformed, or connectors.ErrWebhookTooLarge
// for a batch longer than HubSpot sends.
func ParseWebhook(body []byte) ([]WebhookEvent, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var events []WebhookEvent
	if err := dec.Decode(&events); err != nil {
		return nil, fmt.Errorf("%w: want a JSON array of HubSpot webhook events: %v", connectors.ErrWebhookMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON array of events", connectors.ErrWebhookMalformed)
	}
	switch {
	case len(events) == 0:
		return nil, fmt.Errorf("%w: the batch holds no event", connectors.ErrWebhookMalformed)
	case len(events) > MaxWebhookEvents:
		return nil, fmt.Errorf("%w: the batch holds %d events; HubSpot sends at most %d", connectors.ErrWebhookTooLarge, len(events), MaxWebhookEvents)
	}
	for i, e := range events {
		if e.SubscriptionType == "" {
			return nil, fmt.Errorf("%w: event %d has no subscriptionType", connectors.ErrWebhookMalformed, i)
		}
		if id := e.dealID(); id < 0 || (id == 0 && e.isDealChange()) {
			return nil, fmt.Errorf("%w: event %d (%s) names no deal: objectId %d", connectors.ErrWebhookMalformed, i, e.SubscriptionType, e.ObjectID)
		}
	}
	return events, nil
}

// WebhookChanges says what a batch means for the sync. A deal that was created, changed, restored or
// merged is read again (a merge by the id it became); a new note, or a note associated with a deal,
// asks for a poll, since the event names no deal; deletions and every other object are ignored (a
// deleted mirror is found by the deal's next write).
func WebhookChanges(events []WebhookEvent) connectors.WebhookChanges {
	var c connectors.WebhookChanges
	for _, e := range events {
		switch {
		case e.isDealChange():
			c.AddDeal(strconv.FormatInt(e.dealID(), 10))
		case e.isNoteChange():
			c.Poll = true
		default:
			c.Ignored++
		}
	}
	return c
}

// object and action split a subscription type: "deal.propertyChange" is (deal, propertyChange), and a
// generic "object.creation" takes its object from objectTypeId.
func (e WebhookEvent) object() (object, action string) {
	object, action, _ = strings.Cut(e.SubscriptionType, ".")
	if object == "object" {
		switch e.ObjectTypeID {
		case dealTypeID:
			object = "deal"
		case noteTypeID:
			object = "note"
		default:
			object = e.ObjectTypeID
		}
	}
	return object, action
}

func (e WebhookEvent) isDealChange() bool {
	object, action := e.object()
	return object == "deal" && (action == "creation" || action == "propertyChange" || action == "restore" || action == "merge")
}

func (e WebhookEvent) isNoteChange() bool {
	object, action := e.object()
	switch {
	case object == "note":
		return action != "deletion" && action != "privacyDeletion"
	case object == "deal" && action == "associationChange":
		return strings.Contains(strings.ToUpper(e.AssociationType), "NOTE")
	}
	return false
}

// dealID is the deal an event is about: for a merge the record it made (newObjectId, else the primary),
// else the object id.
func (e WebhookEvent) dealID() int64 {
	if object, action := e.object(); object == "deal" && action == "merge" {
		for _, id := range []int64{e.NewObjectID, e.PrimaryObjectID} {
			if id != 0 {
				return id
			}
		}
	}
	return e.ObjectID
}
