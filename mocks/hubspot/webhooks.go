package hubspot

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

// Webhooks, as a HubSpot app subscribed to deal and note events receives them: a POST of a JSON array of
// up to 100 events to the app's target URL, signed with the app's client secret (X-HubSpot-Signature-v3
// over method, URL, body and X-HubSpot-Request-Timestamp, plus the legacy v1 signature), retried when not
// answered 2xx with attemptNumber counting up. The fake sends, for changes made through the API and the
// test helpers (never for seeds):
//
//   - deal.creation, and deal.propertyChange for each property a create set or an update changed;
//   - deal.deletion on archive, deal.merge (primaryObjectId, mergedObjectIds, newObjectId) on merge;
//   - object.creation with objectTypeId 0-46 for a new note (a generic subscription), and object.deletion
//     when one is archived.
//
// Like HubSpot it notifies the app of its own writes too. A batch write that fails as a whole sends
// nothing. Options.Webhooks, SetWebhooks and /__admin/webhooks set the URL, the secret and the delivery
// faults (mockkit.WebhookKnobs).

// maxWebhookEvents is the most events HubSpot puts in one request.
const maxWebhookEvents = 100

// webhookEvent is one event in HubSpot's webhook payload shape.
type webhookEvent struct {
	EventID          int64   `json:"eventId"`
	SubscriptionID   int64   `json:"subscriptionId"`
	PortalID         int     `json:"portalId"`
	AppID            int     `json:"appId"`
	OccurredAt       int64   `json:"occurredAt"`
	SubscriptionType string  `json:"subscriptionType"`
	AttemptNumber    int     `json:"attemptNumber"`
	ObjectID         int64   `json:"objectId"`
	ObjectTypeID     string  `json:"objectTypeId,omitempty"`
	PropertyName     string  `json:"propertyName,omitempty"`
	PropertyValue    *string `json:"propertyValue,omitempty"`
	ChangeSource     string  `json:"changeSource"`
	SourceID         string  `json:"sourceId,omitempty"`
	PrimaryObjectID  int64   `json:"primaryObjectId,omitempty"`
	MergedObjectIDs  []int64 `json:"mergedObjectIds,omitempty"`
	NewObjectID      int64   `json:"newObjectId,omitempty"`
}

// subscriptionIDs are the fake app's subscription ids, one per subscription type.
var subscriptionIDs = map[string]int64{
	"deal.creation": 2001, "deal.propertyChange": 2002, "deal.deletion": 2003, "deal.merge": 2004,
	"object.creation": 2005, "object.deletion": 2006,
}

// webhookFormat renders and signs webhook requests.
func webhookFormat() mockkit.WebhookFormat[webhookEvent] {
	return mockkit.WebhookFormat[webhookEvent]{MaxBatch: maxWebhookEvents, Request: webhookRequest}
}

func webhookRequest(k mockkit.WebhookKnobs, events []webhookEvent, attempt int) (*http.Request, error) {
	out := make([]webhookEvent, len(events))
	for i, e := range events {
		e.AttemptNumber = attempt
		out[i] = e
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, k.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10) // each attempt is signed afresh
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio-http-client)")
	req.Header.Set("X-HubSpot-Request-Timestamp", ts)
	req.Header.Set("X-HubSpot-Signature-v3", signV3(k.Secret, http.MethodPost, k.URL, body, ts))
	v1 := sha256.Sum256(append([]byte(k.Secret), body...))
	req.Header.Set("X-HubSpot-Signature", hex.EncodeToString(v1[:]))
	req.Header.Set("X-HubSpot-Signature-Version", "v1")
	req.Header.Set("X-HubSpot-Timeout-Millis", "5000")
	return req, nil
}

// signV3 is HubSpot's v3 signature: base64(HMAC-SHA256(secret, method + uri + body + timestamp)), the
// URI with the twelve percent-encodings HubSpot's documentation lists decoded.
func signV3(secret, method, uri string, body []byte, ts string) string {
	for enc, dec := range map[string]string{"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
		"%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"} {
		uri = strings.ReplaceAll(strings.ReplaceAll(uri, enc, dec), strings.ToLower(enc), dec)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + uri))
	mac.Write(body)
	mac.Write([]byte(ts))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SetWebhooks changes where and how the portal's webhooks go; an empty URL stops them.
func (s *Server) SetWebhooks(k mockkit.WebhookKnobs) error { return s.hooks.Configure(k) }

// Webhooks returns the sender, for its knobs, counters and Wait.
func (s *Server) Webhooks() *mockkit.Webhooks[webhookEvent] { return s.hooks }

// Close stops the webhooks; the portal serves on.
func (s *Server) Close() { s.hooks.Close() }

// event queues one event for the end of the request under way. The caller holds s.mu.
func (s *Server) event(subscription string, t *objectType, id string, at time.Time, edit func(*webhookEvent)) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return
	}
	s.eventSeq++
	e := webhookEvent{
		EventID: s.eventSeq, SubscriptionID: subscriptionIDs[subscription], PortalID: s.opts.PortalID, AppID: s.opts.AppID,
		OccurredAt: at.UnixMilli(), SubscriptionType: subscription, ObjectID: n, ChangeSource: "API",
	}
	if strings.HasPrefix(subscription, "object.") {
		e.ObjectTypeID = t.typeID
	}
	if edit != nil {
		edit(&e)
	}
	s.pendingHooks = append(s.pendingHooks, e)
}

// changed queues the events of a write: a record created or the properties an update changed. The
// caller holds s.mu; before is the record's properties before the write, nil for a create.
func (s *Server) changed(t *objectType, o *object, before map[string]string, created bool, at time.Time) {
	switch {
	case t == dealType:
		if created {
			s.event("deal.creation", t, o.id, at, nil)
		}
		var names []string
		for name, v := range o.props {
			if old, had := before[name]; !had || old != v {
				names = append(names, name)
			}
		}
		for name := range before {
			if _, has := o.props[name]; !has {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			v, has := o.props[name]
			s.event("deal.propertyChange", t, o.id, at, func(e *webhookEvent) {
				e.PropertyName = name
				if has {
					e.PropertyValue = &v
				}
			})
		}
	case t == noteType && created:
		s.event("object.creation", t, o.id, at, nil)
	}
}

// sendHooks hands the events of the request just served to the sender.
func (s *Server) sendHooks() {
	s.mu.Lock()
	events := s.pendingHooks
	s.pendingHooks = nil
	s.mu.Unlock()
	s.hooks.Notify(events...)
}
