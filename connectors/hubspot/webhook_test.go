package hubspot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
)

// v3 computes a signature the way HubSpot's documentation describes it, step by step and apart from the
// production code: a UTF-8 string of requestMethod + requestUri + requestBody + timestamp, HMAC-SHA256
// keyed with the app secret, base64-encoded. requestURI is given already decoded, as the documentation
// asks the receiver to decode it.
func v3(secret, method, requestURI, body, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + requestURI + body + timestamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestWebhookSignatureMatchesHubSpotsPublishedVector(t *testing.T) {
	// The v3 vector of HubSpot's own Python SDK tests (tests/spec/utils/test_signature.py).
	const want = "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="
	secret, body, uri := "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", "{'example_field':'example_value'}", "https://www.example.com/webhook_uri"
	assert.Equal(t, want, v3(secret, "POST", uri, body, "15000000"), "the test's own construction")
	assert.Equal(t, want, WebhookSignature(secret, "POST", uri, []byte(body), "15000000"))
	assert.NoError(t, VerifyWebhook(secret, "POST", uri, []byte(body), want, "15000000", time.UnixMilli(15000000).Add(time.Second)))
}

func TestVerifyWebhook(t *testing.T) {
	const secret = "app-secret-1"
	now := time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC)
	ts := strconv.FormatInt(now.Add(-10*time.Second).UnixMilli(), 10)
	body := `[{"eventId":1,"subscriptionType":"deal.propertyChange","objectId":10000000001,"propertyName":"dealstage","propertyValue":"contractsent","occurredAt":1795372190000}]`
	const uri = "https://cosell.example.com/webhooks/hubspot/globex-hs"
	good := v3(secret, "POST", uri, body, ts)
	require.NoError(t, VerifyWebhook(secret, "POST", uri, []byte(body), good, ts, now))

	unauthorized := func(t *testing.T, err error, reason string) {
		t.Helper()
		require.Error(t, err)
		assert.True(t, errors.Is(err, connectors.ErrWebhookUnauthorized), "%v", err)
		assert.Contains(t, err.Error(), reason)
	}
	t.Run("wrong secret", func(t *testing.T) {
		unauthorized(t, VerifyWebhook("another-secret", "POST", uri, []byte(body), good, ts, now), "does not match")
		unauthorized(t, VerifyWebhook(secret, "POST", uri, []byte(body), v3("another-secret", "POST", uri, body, ts), ts, now), "does not match")
	})
	t.Run("stale timestamp", func(t *testing.T) {
		old := strconv.FormatInt(now.Add(-5*time.Minute-time.Second).UnixMilli(), 10)
		unauthorized(t, VerifyWebhook(secret, "POST", uri, []byte(body), v3(secret, "POST", uri, body, old), old, now), "older than 5m0s")
		edge := strconv.FormatInt(now.Add(-5*time.Minute+time.Second).UnixMilli(), 10)
		assert.NoError(t, VerifyWebhook(secret, "POST", uri, []byte(body), v3(secret, "POST", uri, body, edge), edge, now), "just inside the window")
		ahead := strconv.FormatInt(now.Add(6*time.Minute).UnixMilli(), 10)
		unauthorized(t, VerifyWebhook(secret, "POST", uri, []byte(body), v3(secret, "POST", uri, body, ahead), ahead, now), "ahead of this server's clock")
		unauthorized(t, VerifyWebhook(secret, "POST", uri, []byte(body), good, "", now), "header is missing")
		unauthorized(t, VerifyWebhook(secret, "POST", uri, []byte(body), good, "yesterday", now), "not a millisecond timestamp")
	})
	t.Run("tampered body", func(t *testing.T) {
		tampered := `[{"eventId":1,"subscriptionType":"deal.propertyChange","objectId":10000000002,"propertyName":"dealstage","propertyValue":"contractsent","occurredAt":1795372190000}]`
		unauthorized(t, VerifyWebhook(secret, "POST", uri, []byte(tampered), good, ts, now), "does not match")
		unauthorized(t, VerifyWebhook(secret, "POST", uri, []byte(body+" "), good, ts, now), "does not match")
	})
	t.Run("timestamp header replaced", func(t *testing.T) {
		later := strconv.FormatInt(now.UnixMilli(), 10)
		unauthorized(t, VerifyWebhook(secret, "POST", uri, []byte(body), good, later, now), "does not match")
	})
	t.Run("uri with a query string", func(t *testing.T) {
		// HubSpot signs the URL it called, query string included, after decoding the twelve
		// percent-encodings its documentation lists (and no other: %20 and %3D stay as they are).
		received := "https://cosell.example.com/webhooks/hubspot/globex-hs?portal=24681357&tag=a%3Ab%2Fc%40d%21e%24f%27g%28h%29i%2Aj%2Ck%3Bl%3fm&note=two%20words%3D"
		decoded := "https://cosell.example.com/webhooks/hubspot/globex-hs?portal=24681357&tag=a:b/c@d!e$f'g(h)i*j,k;l?m&note=two%20words%3D"
		sig := v3(secret, "POST", decoded, body, ts)
		assert.NoError(t, VerifyWebhook(secret, "POST", received, []byte(body), sig, ts, now))
		unauthorized(t, VerifyWebhook(secret, "POST", "https://cosell.example.com/webhooks/hubspot/globex-hs", []byte(body), sig, ts, now), "does not match")
		unauthorized(t, VerifyWebhook(secret, "POST", "https://cosell.example.com/webhooks/hubspot/globex-hs?portal=24681357", []byte(body), v3(secret, "POST", decoded, body, ts), ts, now), "does not match")
		otherOrder := "https://cosell.example.com/webhooks/hubspot/globex-hs?note=two%20words%3D&portal=24681357&tag=a:b/c@d!e$f'g(h)i*j,k;l?m"
		unauthorized(t, VerifyWebhook(secret, "POST", otherOrder, []byte(body), sig, ts, now), "does not match")
	})
	t.Run("scheme and method are signed", func(t *testing.T) {
		unauthorized(t, VerifyWebhook(secret, "POST", "http://cosell.example.com/webhooks/hubspot/globex-hs", []byte(body), good, ts, now), "does not match")
		unauthorized(t, VerifyWebhook(secret, "PUT", uri, []byte(body), good, ts, now), "does not match")
	})
	t.Run("no signature or no secret", func(t *testing.T) {
		unauthorized(t, VerifyWebhook(secret, "POST", uri, []byte(body), "", ts, now), SignatureHeader)
		unauthorized(t, VerifyWebhook("", "POST", uri, []byte(body), good, ts, now), "no HubSpot app secret")
	})
}

func TestParseWebhookAndChanges(t *testing.T) {
	body := `[
	 {"eventId":1,"subscriptionId":7,"portalId":24681357,"appId":42,"occurredAt":1795372190000,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":10000000001,"propertyName":"dealstage","propertyValue":"contractsent","changeSource":"CRM_UI"},
	 {"eventId":2,"subscriptionType":"deal.propertyChange","objectId":10000000001,"propertyName":"amount","propertyValue":"5"},
	 {"eventId":3,"subscriptionType":"deal.creation","objectId":10000000002},
	 {"eventId":4,"subscriptionType":"object.propertyChange","objectTypeId":"0-3","objectId":10000000003,"propertyName":"cosell_enabled","propertyValue":"true"},
	 {"eventId":5,"subscriptionType":"deal.merge","objectId":10000000004,"primaryObjectId":10000000004,"mergedObjectIds":[10000000005],"newObjectId":10000000009},
	 {"eventId":6,"subscriptionType":"deal.deletion","objectId":10000000006},
	 {"eventId":7,"subscriptionType":"contact.creation","objectId":501},
	 {"eventId":8,"subscriptionType":"object.creation","objectTypeId":"0-46","objectId":90001},
	 {"eventId":9,"subscriptionType":"deal.restore","objectId":10000000007}
	]`
	events, err := ParseWebhook([]byte(body))
	require.NoError(t, err)
	require.Len(t, events, 9)
	assert.Equal(t, "dealstage", events[0].PropertyName)
	assert.Equal(t, int64(1795372190000), events[0].OccurredAt)
	c := WebhookChanges(events)
	assert.Equal(t, []string{"10000000001", "10000000002", "10000000003", "10000000009", "10000000007"}, c.Deals, "each changed deal once; a merge by the record it made")
	assert.True(t, c.Poll, "a new note names no deal: the feed polls for it")
	assert.Equal(t, 2, c.Ignored, "the deletion and the contact")

	assoc, err := ParseWebhook([]byte(`[{"eventId":1,"subscriptionType":"deal.associationChange","objectId":10000000001,"associationType":"DEAL_TO_NOTE","fromObjectId":10000000001,"toObjectId":90002}]`))
	require.NoError(t, err)
	assert.Equal(t, connectors.WebhookChanges{Poll: true}, WebhookChanges(assoc))
}

func TestParseWebhookRefusesWhatHubSpotNeverSends(t *testing.T) {
	many := "["
	for i := range MaxWebhookEvents + 1 {
		if i > 0 {
			many += ","
		}
		many += `{"subscriptionType":"deal.propertyChange","objectId":` + strconv.Itoa(10000000000+i) + `}`
	}
	many += "]"
	_, err := ParseWebhook([]byte(many))
	assert.ErrorIs(t, err, connectors.ErrWebhookTooLarge)
	assert.ErrorContains(t, err, "101 events")

	for name, body := range map[string]string{
		"not json":             `subscriptionType=deal.creation`,
		"an object":            `{"subscriptionType":"deal.creation","objectId":1}`,
		"empty":                `[]`,
		"no type":              `[{"objectId":1}]`,
		"deal without id":      `[{"subscriptionType":"deal.propertyChange"}]`,
		"negative id":          `[{"subscriptionType":"deal.creation","objectId":-4}]`,
		"fractional id":        `[{"subscriptionType":"deal.creation","objectId":1.5}]`,
		"string id":            `[{"subscriptionType":"deal.creation","objectId":"x"}]`,
		"trailing data":        `[{"subscriptionType":"deal.creation","objectId":1}] [`,
		"nothing":              ``,
		"merge without a deal": `[{"subscriptionType":"deal.merge"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseWebhook([]byte(body))
			assert.ErrorIs(t, err, connectors.ErrWebhookMalformed)
		})
	}
}

// FuzzHubSpotWebhook feeds the parser arbitrary bodies: it must never panic, and whatever it accepts
// must make sense to the change feed (1 to 100 events, each deal id a positive number, once).
func FuzzHubSpotWebhook(f *testing.F) {
	for _, seed := range []string{
		`[{"eventId":1,"subscriptionType":"deal.propertyChange","objectId":10000000001,"propertyName":"dealstage","propertyValue":"x","occurredAt":1795372190000}]`,
		`[{"subscriptionType":"deal.merge","objectId":1,"primaryObjectId":1,"mergedObjectIds":[2,3],"newObjectId":4}]`,
		`[{"subscriptionType":"object.creation","objectTypeId":"0-46","objectId":9},{"subscriptionType":"deal.deletion","objectId":3}]`,
		`[{"subscriptionType":"deal.associationChange","associationType":"DEAL_TO_NOTE","fromObjectId":1,"toObjectId":2,"objectId":1}]`,
		`[]`, `[null]`, `{}`, `[{"subscriptionType":"deal.creation","objectId":9223372036854775807}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := ParseWebhook(body)
		if err != nil {
			if !errors.Is(err, connectors.ErrWebhookMalformed) && !errors.Is(err, connectors.ErrWebhookTooLarge) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if len(events) == 0 || len(events) > MaxWebhookEvents {
			t.Fatalf("accepted a batch of %d events", len(events))
		}
		c := WebhookChanges(events)
		seen := map[string]bool{}
		for _, id := range c.Deals {
			if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 || seen[id] {
				t.Fatalf("deal id %q (seen before: %v) from %s", id, seen[id], body)
			}
			seen[id] = true
		}
		if len(c.Deals)+c.Ignored > len(events) {
			t.Fatalf("%d deals and %d ignored from %d events", len(c.Deals), c.Ignored, len(events))
		}
		_ = WebhookSignature("s", "POST", string(body), body, "1")
	})
}
