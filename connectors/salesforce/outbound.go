package salesforce

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cosellsync/cosell/connectors"
)

// Outbound Messages: the SOAP notification a workflow rule or flow action sends when a record changes,
// as the Outbound Messaging WSDL describes it. They carry no signature: the receiver checks the
// organization id, and trusts a notification for nothing but the ids it names (every record is read
// again from the org).
const (
	soapEnvelopeNS = "http://schemas.xmlsoap.org/soap/envelope/"
	outboundNS     = "http://soap.sforce.com/2005/09/outbound"
	xsiNS          = "http://www.w3.org/2001/XMLSchema-instance"
	// MaxOutboundNotifications is the most notifications Salesforce puts in one message.
	MaxOutboundNotifications = 100
)

// OutboundMessage is one notifications() call.
type OutboundMessage struct {
	OrganizationID string
	ActionID       string
	Notifications  []OutboundNotification
}

// OutboundNotification is one changed record: its notification id (the same on every retry of it), the
// object, the record id and the fields the message was set up to send.
type OutboundNotification struct {
	ID       string
	Object   string
	RecordID string
	Fields   map[string]string
}

type outboundEnvelope struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    struct {
		Notifications *struct {
			OrganizationID string `xml:"http://soap.sforce.com/2005/09/outbound OrganizationId"`
			ActionID       string `xml:"http://soap.sforce.com/2005/09/outbound ActionId"`
			Notification   []struct {
				ID      string `xml:"http://soap.sforce.com/2005/09/outbound Id"`
				SObject *struct {
					Type   string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
					Fields []struct {
						XMLName xml.Name
						Value   string `xml:",chardata"`
					} `xml:",any"`
				} `xml:"http://soap.sforce.com/2005/09/outbound sObject"`
			} `xml:"http://soap.sforce.com/2005/09/outbound Notification"`
		} `xml:"http://soap.sforce.com/2005/09/outbound notifications"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

// ParseOutboundMessage reads an Outbound Message: a SOAP envelope holding one notifications element
// with the organization id and 1 to 100 notifications, each an sObject with its type and Id. The
// error matches connectors.ErrWebhookMalformed, or connectors.ErrWebhookTooLarge past 100.
func ParseOutboundMessage(body []byte) (OutboundMessage, error) {
	var env outboundEnvelope
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return OutboundMessage{}, fmt.Errorf("%w: want a SOAP envelope with Salesforce's notifications element: %v", connectors.ErrWebhookMalformed, err)
	}
	if err := trailingXML(dec); err != nil {
		return OutboundMessage{}, err
	}
	n := env.Body.Notifications
	if n == nil {
		return OutboundMessage{}, fmt.Errorf("%w: the SOAP body holds no notifications element of namespace %s", connectors.ErrWebhookMalformed, outboundNS)
	}
	msg := OutboundMessage{OrganizationID: strings.TrimSpace(n.OrganizationID), ActionID: strings.TrimSpace(n.ActionID)}
	switch {
	case !validID(msg.OrganizationID) || !strings.HasPrefix(msg.OrganizationID, "00D"):
		return OutboundMessage{}, fmt.Errorf("%w: OrganizationId %q is not an organization id", connectors.ErrWebhookMalformed, msg.OrganizationID)
	case len(n.Notification) == 0:
		return OutboundMessage{}, fmt.Errorf("%w: the message holds no Notification", connectors.ErrWebhookMalformed)
	case len(n.Notification) > MaxOutboundNotifications:
		return OutboundMessage{}, fmt.Errorf("%w: the message holds %d notifications; Salesforce sends at most %d", connectors.ErrWebhookTooLarge, len(n.Notification), MaxOutboundNotifications)
	}
	for i, no := range n.Notification {
		if no.SObject == nil {
			return OutboundMessage{}, fmt.Errorf("%w: notification %d has no sObject", connectors.ErrWebhookMalformed, i)
		}
		_, object, _ := strings.Cut(no.SObject.Type, ":")
		if object == "" {
			object = no.SObject.Type
		}
		out := OutboundNotification{ID: strings.TrimSpace(no.ID), Object: object, Fields: map[string]string{}}
		for _, f := range no.SObject.Fields {
			out.Fields[f.XMLName.Local] = f.Value
		}
		out.RecordID = strings.TrimSpace(out.Fields["Id"])
		if object == "" || !validID(out.RecordID) {
			return OutboundMessage{}, fmt.Errorf("%w: notification %d names no record: sObject type %q, Id %q", connectors.ErrWebhookMalformed, i, no.SObject.Type, out.RecordID)
		}
		msg.Notifications = append(msg.Notifications, out)
	}
	return msg, nil
}

// trailingXML refuses anything but whitespace, comments and processing instructions after the
// envelope.
func trailingXML(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: after the SOAP envelope: %v", connectors.ErrWebhookMalformed, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("%w: text after the SOAP envelope", connectors.ErrWebhookMalformed)
			}
		case xml.Comment, xml.ProcInst:
		default:
			return fmt.Errorf("%w: another element after the SOAP envelope", connectors.ErrWebhookMalformed)
		}
	}
}

// CheckOrganization refuses a notification from another org than the configured one. Ids are compared
// on their case-sensitive 15-character form, so either spelling of the configured id matches.
func CheckOrganization(configured, got string) error {
	if configured == "" {
		return fmt.Errorf("%w: no Salesforce organization id is configured to check notifications against", connectors.ErrWebhookUnauthorized)
	}
	if len(configured) < 15 || len(got) < 15 || configured[:15] != got[:15] {
		return fmt.Errorf("%w: the notification comes from organization %q, not the configured %q", connectors.ErrWebhookUnauthorized, got, configured)
	}
	return nil
}

// RecordChanges says what a list of changed records (object, id) means for the sync: opportunities are
// read again, a Task on any record asks for a poll (the note stream reads it with its deal), other
// objects are ignored.
func RecordChanges(objects, ids []string) connectors.WebhookChanges {
	var c connectors.WebhookChanges
	for i, object := range objects {
		switch {
		case strings.EqualFold(object, "Opportunity"):
			c.AddDeal(ids[i])
		case strings.EqualFold(object, "Task"):
			c.Poll = true
		default:
			c.Ignored++
		}
	}
	return c
}

// OutboundChanges is RecordChanges for an Outbound Message.
func OutboundChanges(m OutboundMessage) connectors.WebhookChanges {
	objects, ids := make([]string, len(m.Notifications)), make([]string, len(m.Notifications))
	for i, n := range m.Notifications {
		objects[i], ids[i] = n.Object, n.RecordID
	}
	return RecordChanges(objects, ids)
}

// OutboundAck is the answer that acknowledges every notification of a message; anything else makes
// Salesforce send the message again, for up to 24 hours.
func OutboundAck() []byte {
	return []byte(xml.Header + `<soapenv:Envelope xmlns:soapenv="` + soapEnvelopeNS + `"><soapenv:Body>` +
		`<notificationsResponse xmlns="` + outboundNS + `"><Ack>true</Ack></notificationsResponse>` +
		`</soapenv:Body></soapenv:Envelope>`)
}

// OutboundFault is a SOAP fault saying why a message was not acknowledged, for the answer's body.
func OutboundFault(code, reason string) []byte {
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(reason))
	return []byte(xml.Header + `<soapenv:Envelope xmlns:soapenv="` + soapEnvelopeNS + `"><soapenv:Body><soapenv:Fault>` +
		`<faultcode>soapenv:` + code + `</faultcode><faultstring>` + esc.String() + `</faultstring>` +
		`</soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
}
