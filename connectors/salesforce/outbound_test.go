package salesforce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
)

// outboundMessage is an Outbound Message as Salesforce sends one, after the Outbound Messaging WSDL.
func outboundMessage(org string, notifications ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>` + org + `</OrganizationId>
   <ActionId>04k5g0000000AbCAAU</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/63.0/00D5g0000000C0S</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/63.0/00D5g0000000C0S</PartnerUrl>
   ` + strings.Join(notifications, "\n   ") + `
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`
}

func opportunityNotification(n int, id string) string {
	return fmt.Sprintf(`<Notification>
    <Id>04l5g0000%06dAAA</Id>
    <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>%s</sf:Id>
     <sf:CoSell_Enabled__c>true</sf:CoSell_Enabled__c>
     <sf:Name>Initech &amp; co</sf:Name>
    </sObject>
   </Notification>`, n, id)
}

const org18 = "00D5g0000000C0SEAU"

func TestParseOutboundMessage(t *testing.T) {
	body := outboundMessage(org18,
		opportunityNotification(1, "0065g00000AbCdEAAV"),
		opportunityNotification(2, "0065g00000AbCdFAAV"),
		`<Notification><Id>04l5g0000000003AAA</Id><sObject xsi:type="sf:Task" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>00T5g00000XyZaBAAV</sf:Id><sf:WhatId>0065g00000AbCdEAAV</sf:WhatId></sObject></Notification>`,
		`<Notification><Id>04l5g0000000004AAA</Id><sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>0015g00000AbCdEAAV</sf:Id></sObject></Notification>`,
		opportunityNotification(5, "0065g00000AbCdEAAV"),
	)
	m, err := ParseOutboundMessage([]byte(body))
	require.NoError(t, err)
	assert.Equal(t, org18, m.OrganizationID)
	assert.Equal(t, "04k5g0000000AbCAAU", m.ActionID)
	require.Len(t, m.Notifications, 5)
	assert.Equal(t, OutboundNotification{ID: "04l5g0000000001AAA", Object: "Opportunity", RecordID: "0065g00000AbCdEAAV",
		Fields: map[string]string{"Id": "0065g00000AbCdEAAV", "CoSell_Enabled__c": "true", "Name": "Initech & co"}}, m.Notifications[0])
	c := OutboundChanges(m)
	assert.Equal(t, []string{"0065g00000AbCdEAAV", "0065g00000AbCdFAAV"}, c.Deals, "each opportunity once")
	assert.True(t, c.Poll, "a Task asks for a poll of the note stream")
	assert.Equal(t, 1, c.Ignored)
}

func TestParseOutboundMessageRefusesWhatSalesforceNeverSends(t *testing.T) {
	var many []string
	for i := range MaxOutboundNotifications + 1 {
		many = append(many, opportunityNotification(i, "0065g00000AbCdEAAV"))
	}
	_, err := ParseOutboundMessage([]byte(outboundMessage(org18, many...)))
	assert.ErrorIs(t, err, connectors.ErrWebhookTooLarge)

	for name, body := range map[string]string{
		"not xml":             `{"records":[]}`,
		"empty":               ``,
		"no notifications":    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>`,
		"wrong namespace":     strings.ReplaceAll(outboundMessage(org18, opportunityNotification(1, "0065g00000AbCdEAAV")), "http://soap.sforce.com/2005/09/outbound", "urn:other"),
		"no notification":     outboundMessage(org18),
		"bad organization":    outboundMessage("0055g0000000C0S", opportunityNotification(1, "0065g00000AbCdEAAV")),
		"record without id":   outboundMessage(org18, `<Notification><Id>04l</Id><sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Name>x</sf:Name></sObject></Notification>`),
		"malformed record id": outboundMessage(org18, opportunityNotification(1, "006'; DROP")),
		"no sObject":          outboundMessage(org18, `<Notification><Id>04l</Id></Notification>`),
		"trailing element":    outboundMessage(org18, opportunityNotification(1, "0065g00000AbCdEAAV")) + "<x/>",
		"unclosed":            strings.TrimSuffix(outboundMessage(org18, opportunityNotification(1, "0065g00000AbCdEAAV")), "</soapenv:Envelope>"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseOutboundMessage([]byte(body))
			assert.ErrorIs(t, err, connectors.ErrWebhookMalformed)
		})
	}
}

func TestCheckOrganization(t *testing.T) {
	assert.NoError(t, CheckOrganization(org18, org18))
	assert.NoError(t, CheckOrganization(org18[:15], org18), "the 15-character id matches its 18-character form")
	assert.ErrorIs(t, CheckOrganization(org18, "00D5g0000000XXXEAU"), connectors.ErrWebhookUnauthorized)
	assert.ErrorIs(t, CheckOrganization(strings.ToLower(org18), org18), connectors.ErrWebhookUnauthorized, "ids are case-sensitive")
	assert.ErrorIs(t, CheckOrganization("", org18), connectors.ErrWebhookUnauthorized)
}

func TestOutboundAckAndFault(t *testing.T) {
	var ack struct {
		Body struct {
			Response struct {
				XMLName xml.Name
				Ack     bool `xml:"Ack"`
			} `xml:"notificationsResponse"`
		} `xml:"Body"`
	}
	require.NoError(t, xml.Unmarshal(OutboundAck(), &ack))
	assert.Equal(t, "http://soap.sforce.com/2005/09/outbound", ack.Body.Response.XMLName.Space)
	assert.True(t, ack.Body.Response.Ack)

	var fault struct {
		Body struct {
			Fault struct {
				Code   string `xml:"faultcode"`
				String string `xml:"faultstring"`
			} `xml:"Fault"`
		} `xml:"Body"`
	}
	require.NoError(t, xml.Unmarshal(OutboundFault("Client", "organization <x> & y"), &fault))
	assert.Equal(t, "soapenv:Client", fault.Body.Fault.Code)
	assert.Equal(t, "organization <x> & y", fault.Body.Fault.String)
}

// FuzzOutboundMessage feeds the parser arbitrary bodies: it must never panic, and whatever it accepts
// names an organization and 1 to 100 records with Salesforce ids.
func FuzzOutboundMessage(f *testing.F) {
	f.Add([]byte(outboundMessage(org18, opportunityNotification(1, "0065g00000AbCdEAAV"))))
	f.Add([]byte(outboundMessage(org18, `<Notification><Id>1</Id><sObject xsi:type="sf:Task" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>00T5g00000XyZaBAAV</sf:Id></sObject></Notification>`)))
	f.Add([]byte(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseOutboundMessage(body)
		if err != nil {
			if !errors.Is(err, connectors.ErrWebhookMalformed) && !errors.Is(err, connectors.ErrWebhookTooLarge) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if !validID(m.OrganizationID) || len(m.Notifications) == 0 || len(m.Notifications) > MaxOutboundNotifications {
			t.Fatalf("accepted %+v", m)
		}
		for _, n := range m.Notifications {
			if !validID(n.RecordID) || n.Object == "" {
				t.Fatalf("accepted notification %+v", n)
			}
		}
		_ = OutboundChanges(m)
	})
}

func TestCallout(t *testing.T) {
	const secret = "callout-secret"
	now := time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC)
	ts := strconv.FormatInt(now.Add(-2*time.Second).UnixMilli(), 10)
	body := []byte(`{"organizationId":"` + org18 + `","records":[{"type":"Opportunity","id":"0065g00000AbCdEAAV"},{"type":"Task","id":"00T5g00000XyZaBAAV"},{"type":"Opportunity","id":"0065g00000AbCdEAAV"}]}`)
	// The signature as the documented Apex action builds it: Crypto.generateMac('hmacSHA256',
	// Blob.valueOf(ts + '.' + body), Blob.valueOf(secret)), base64, behind "v1=".
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	sig := "v1=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	require.NoError(t, VerifyCallout(secret, body, sig, ts, now))
	assert.ErrorIs(t, VerifyCallout("other", body, sig, ts, now), connectors.ErrWebhookUnauthorized)
	assert.ErrorIs(t, VerifyCallout(secret, append(body, ' '), sig, ts, now), connectors.ErrWebhookUnauthorized)
	stale := strconv.FormatInt(now.Add(-6*time.Minute).UnixMilli(), 10)
	assert.ErrorIs(t, VerifyCallout(secret, body, CalloutSignature(secret, stale, body), stale, now), connectors.ErrWebhookUnauthorized)
	assert.ErrorIs(t, VerifyCallout(secret, body, "", ts, now), connectors.ErrWebhookUnauthorized)

	c, err := ParseCallout(body)
	require.NoError(t, err)
	ch := CalloutChanges(c)
	assert.Equal(t, []string{"0065g00000AbCdEAAV"}, ch.Deals)
	assert.True(t, ch.Poll)

	for name, b := range map[string]string{
		"unknown field": `{"organizationId":"` + org18 + `","records":[{"type":"Opportunity","id":"0065g00000AbCdEAAV"}],"recordIds":[]}`,
		"no records":    `{"organizationId":"` + org18 + `","records":[]}`,
		"bad id":        `{"organizationId":"` + org18 + `","records":[{"type":"Opportunity","id":"x"}]}`,
		"bad org":       `{"organizationId":"acme","records":[{"type":"Opportunity","id":"0065g00000AbCdEAAV"}]}`,
		"array":         `[]`,
	} {
		_, err := ParseCallout([]byte(b))
		assert.ErrorIs(t, err, connectors.ErrWebhookMalformed, name)
	}
	var recs []string
	for range MaxCalloutRecords + 1 {
		recs = append(recs, `{"type":"Opportunity","id":"0065g00000AbCdEAAV"}`)
	}
	_, err = ParseCallout([]byte(`{"organizationId":"` + org18 + `","records":[` + strings.Join(recs, ",") + `]}`))
	assert.ErrorIs(t, err, connectors.ErrWebhookTooLarge)
}
