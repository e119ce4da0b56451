package salesforce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

// Change notifications, as an org set up to tell an integration about its opportunities and tasks sends
// them. Options.Webhooks.Mode picks one of two:
//
//   - "outbound" (the default): Outbound Messages, as a workflow rule or flow action on Opportunity and
//     on Task sends them on every create and edit — a SOAP notifications() call with the org id and up to
//     100 Notification elements, each an sObject with Id and a few fields, resent until answered with a
//     notificationsResponse whose Ack is true. The notification id stays the same on every resend.
//   - "callout": the JSON callout a record-triggered Flow sends through the invocable Apex action of the
//     README, {"organizationId", "records": [{"type", "id"}]}, signed with the callout secret
//     (X-CoSell-Timestamp, X-CoSell-Signature: v1=base64(HMAC-SHA256(secret, timestamp + "." + body))).
//
// Only writes through the API notify, once the call is over and only for rows it really changed (an
// allOrNone batch rolled back notifies nothing); seeds and deletions do not, as workflow rules fire on
// save, not on delete. Options.Webhooks, SetWebhooks and /__admin/webhooks set the URL, the secret and
// the delivery faults (mockkit.WebhookKnobs).

// maxNotifications is the most notifications Salesforce puts in one Outbound Message.
const maxNotifications = 100

// prefixNotification is the key prefix of an Outbound Message notification id.
const prefixNotification = "04l"

// change is one saved row to notify about.
type change struct {
	NotificationID string
	Object         string
	ID             string
	// Fields are the fields the message was set up to send, in order, Id first.
	Fields [][2]string
	OrgID  string
	// BaseURL is the instance URL the write came to, for EnterpriseUrl and PartnerUrl.
	BaseURL string
}

// notifiedFields are the fields each object's Outbound Message sends besides Id.
var notifiedFields = map[string][]string{
	"Opportunity": {"Name", "CoSell_Id__c", "CoSell_Enabled__c", "SystemModstamp"},
	"Task":        {"WhatId", "SystemModstamp"},
}

func webhookFormat() mockkit.WebhookFormat[change] {
	return mockkit.WebhookFormat[change]{MaxBatch: maxNotifications, Request: webhookRequest, Acked: acked}
}

func webhookRequest(k mockkit.WebhookKnobs, changes []change, _ int) (*http.Request, error) {
	if k.Mode == "callout" {
		return calloutRequest(k, changes)
	}
	var b strings.Builder
	esc := func(s string) string {
		var e bytes.Buffer
		_ = xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	org, base := changes[0].OrgID, changes[0].BaseURL
	b.WriteString(xml.Header)
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`)
	b.WriteString(`<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">`)
	fmt.Fprintf(&b, `<OrganizationId>%s</OrganizationId><ActionId>%s</ActionId><SessionId xsi:nil="true"/>`, org, to18("04k5g0000000C0S"))
	fmt.Fprintf(&b, `<EnterpriseUrl>%s/services/Soap/c/63.0/%s</EnterpriseUrl><PartnerUrl>%s/services/Soap/u/63.0/%s</PartnerUrl>`,
		esc(base), org[:15], esc(base), org[:15])
	for _, c := range changes {
		fmt.Fprintf(&b, `<Notification><Id>%s</Id><sObject xsi:type="sf:%s" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">`, c.NotificationID, c.Object)
		for _, f := range c.Fields {
			if f[1] == "" {
				fmt.Fprintf(&b, `<sf:%s xsi:nil="true"/>`, f[0])
				continue
			}
			fmt.Fprintf(&b, `<sf:%s>%s</sf:%s>`, f[0], esc(f[1]), f[0])
		}
		b.WriteString(`</sObject></Notification>`)
	}
	b.WriteString(`</notifications></soapenv:Body></soapenv:Envelope>`)
	req, err := http.NewRequest(http.MethodPost, k.URL, strings.NewReader(b.String()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	req.Header.Set("User-Agent", "Salesforce - OutboundMessaging")
	return req, nil
}

func calloutRequest(k mockkit.WebhookKnobs, changes []change) (*http.Request, error) {
	type record struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	body := struct {
		OrganizationID string   `json:"organizationId"`
		Records        []record `json:"records"`
	}{OrganizationID: changes[0].OrgID}
	for _, c := range changes {
		body.Records = append(body.Records, record{Type: c.Object, ID: c.ID})
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, k.URL, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(k.Secret))
	mac.Write([]byte(ts + "."))
	mac.Write(raw)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CoSell-Timestamp", ts)
	req.Header.Set("X-CoSell-Signature", "v1="+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return req, nil
}

// acked reads an answer as Salesforce does: an Outbound Message counts as delivered only when the answer
// carries <Ack>true</Ack>; a callout when it is 2xx.
func acked(k mockkit.WebhookKnobs, _ int, body []byte) bool {
	if k.Mode == "callout" {
		return true
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Ack" {
			var v string
			return dec.DecodeElement(&v, &se) == nil && strings.TrimSpace(v) == "true"
		}
	}
}

// SetWebhooks changes where and how the org's notifications go; an empty URL stops them.
func (s *Server) SetWebhooks(k mockkit.WebhookKnobs) error { return s.hooks.Configure(k) }

// Webhooks returns the sender, for its knobs, counters and Wait.
func (s *Server) Webhooks() *mockkit.Webhooks[change] { return s.hooks }

// Close stops the notifications; the org serves on.
func (s *Server) Close() { s.hooks.Close() }

// OrgID is the organization id (18 characters) its notifications carry.
func (s *Server) OrgID() string { return s.orgID }

// watch starts noting the rows an API call saves. The caller holds s.mu.
func (st *store) watch() { st.watched, st.watchOrder = map[string]record{}, nil }

// noteWrite remembers a row as it was before the call's first write to it.
func (st *store) noteWrite(object, id string, prev record, existed bool) {
	if st.watched == nil {
		return
	}
	key := object + "/" + id
	if _, ok := st.watched[key]; ok {
		return
	}
	if !existed {
		prev = nil
	}
	st.watched[key] = prev
	st.watchOrder = append(st.watchOrder, key)
}

// saved ends the watch and returns the notifications of the rows the call left changed: created or
// edited (not deleted, not rolled back) opportunities and tasks. The caller holds s.mu.
func (s *Server) saved(baseURL string) []change {
	st := s.data
	var out []change
	for _, key := range st.watchOrder {
		object, id, _ := strings.Cut(key, "/")
		fields, notify := notifiedFields[object]
		cur, live := st.rows[object][id]
		if !notify || !live || reflect.DeepEqual(cur, st.watched[key]) {
			continue
		}
		st.notifications++
		c := change{NotificationID: mintID(prefixNotification, st.notifications), Object: object, ID: id, OrgID: s.orgID, BaseURL: baseURL,
			Fields: [][2]string{{"Id", id}}}
		for _, f := range fields {
			c.Fields = append(c.Fields, [2]string{f, wireString(cur[f])})
		}
		out = append(out, c)
	}
	st.watched, st.watchOrder = nil, nil
	return out
}

// wireString renders a field value as an Outbound Message does.
func wireString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return formatTime(x)
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}
