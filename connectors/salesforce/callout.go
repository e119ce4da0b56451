package salesforce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// The signed callout: a JSON notification a record-triggered Flow sends through an invocable Apex action
// (README, "Salesforce webhooks"), for orgs that prefer Flows to Outbound Messages. Unlike an Outbound
// Message it is signed, HubSpot-style: the action computes the HMAC with Crypto.generateMac.
const (
	// CalloutSignatureHeader carries "v1=" + base64(HMAC-SHA256(callout secret, timestamp + "." + body)).
	CalloutSignatureHeader = "X-CoSell-Signature"
	// CalloutTimestampHeader is when the action signed the request, in milliseconds since the epoch.
	CalloutTimestampHeader = "X-CoSell-Timestamp"
	// MaxCalloutRecords is the most records one callout may name.
	MaxCalloutRecords = 100
)

// Callout is the JSON body of a signed callout.
type Callout struct {
	OrganizationID string          `json:"organizationId"`
	Records        []CalloutRecord `json:"records"`
}

// CalloutRecord is one changed record: its object ("Opportunity", "Task") and id.
type CalloutRecord struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// CalloutSignature is the signature of a callout body sent at timestamp.
func CalloutSignature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return "v1=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// VerifyCallout checks a callout's timestamp (at most five minutes old) and signature. The error
// matches connectors.ErrWebhookUnauthorized.
func VerifyCallout(secret string, body []byte, signature, timestamp string, now time.Time) error {
	return connectors.Signed{
		Secret: secret, SecretName: "Salesforce callout secret",
		SignatureHeader: CalloutSignatureHeader, Signature: signature,
		TimestampHeader: CalloutTimestampHeader, Timestamp: timestamp,
		Sign: func() string { return CalloutSignature(secret, timestamp, body) },
		Hint: "check the callout secret the Flow's action signs with",
	}.Verify(now)
}

// ParseCallout reads a callout body: an organization id and 1 to 100 records, each with a type and a
// Salesforce id. Unknown fields are refused, so a misspelt field fails loudly in the Flow's debug log
// rather than syncing nothing.
func ParseCallout(body []byte) (Callout, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var c Callout
	if err := dec.Decode(&c); err != nil {
		return Callout{}, fmt.Errorf(`%w: want {"organizationId": "00D…", "records": [{"type": "Opportunity", "id": "006…"}]}: %v`, connectors.ErrWebhookMalformed, err)
	}
	if dec.More() {
		return Callout{}, fmt.Errorf("%w: data after the JSON object", connectors.ErrWebhookMalformed)
	}
	switch {
	case !validID(c.OrganizationID) || !strings.HasPrefix(c.OrganizationID, "00D"):
		return Callout{}, fmt.Errorf("%w: organizationId %q is not an organization id", connectors.ErrWebhookMalformed, c.OrganizationID)
	case len(c.Records) == 0:
		return Callout{}, fmt.Errorf("%w: records is empty", connectors.ErrWebhookMalformed)
	case len(c.Records) > MaxCalloutRecords:
		return Callout{}, fmt.Errorf("%w: %d records; one callout takes at most %d", connectors.ErrWebhookTooLarge, len(c.Records), MaxCalloutRecords)
	}
	for i, r := range c.Records {
		if r.Type == "" || !validID(r.ID) {
			return Callout{}, fmt.Errorf("%w: record %d: want a type and a Salesforce id, got type %q, id %q", connectors.ErrWebhookMalformed, i, r.Type, r.ID)
		}
	}
	return c, nil
}

// CalloutChanges is RecordChanges for a callout.
func CalloutChanges(c Callout) connectors.WebhookChanges {
	objects, ids := make([]string, len(c.Records)), make([]string, len(c.Records))
	for i, r := range c.Records {
		objects[i], ids[i] = r.Type, r.ID
	}
	return RecordChanges(objects, ids)
}
