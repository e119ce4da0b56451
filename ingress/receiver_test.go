package ingress

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
)

const (
	appSecret     = "hubspot-app-secret"
	orgID         = "00D5g0000000C0SEAU"
	calloutSecret = "flow-secret"
)

var now = time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC)

// rig is a receiver over a recording hand-off.
type rig struct {
	rv     *Receiver
	mux    *http.ServeMux
	mu     sync.Mutex
	got    []handed
	fail   error
	blocks bool
}

type handed struct {
	connection string
	rc         api.RecordsChanged
}

func newRig() *rig {
	r := &rig{mux: http.NewServeMux()}
	r.rv = &Receiver{
		Sources: []Source{
			{Connection: "globex-hs", CRM: "hubspot", AppSecret: appSecret},
			{Connection: "acme-sf", CRM: "salesforce", OrgID: orgID, CalloutSecret: calloutSecret},
			{Connection: "initech-sf", CRM: "salesforce", OrgID: orgID},
		},
		HandOff: func(ctx context.Context, connection string, rc api.RecordsChanged) error {
			if r.blocks {
				<-ctx.Done()
				return ctx.Err()
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.fail != nil {
				return r.fail
			}
			r.got = append(r.got, handed{connection, rc})
			return nil
		},
		Now: func() time.Time { return now },
	}
	r.rv.Mount(r.mux)
	return r
}

// v3 signs as HubSpot documents it: HMAC-SHA256 of method + URI + body + timestamp, base64.
func v3(secret, method, uri, body, ts string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + uri + body + ts))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// hubspotRequest is a webhook request to target on host cosell.example.com, signed for signedURI with
// secret at ts.
func hubspotRequest(target, body, secret, signedURI, ts string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "http://cosell.example.com"+target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-HubSpot-Request-Timestamp", ts)
	req.Header.Set("X-HubSpot-Signature-v3", v3(secret, http.MethodPost, signedURI, body, ts))
	return req
}

func (r *rig) do(req *http.Request) (int, string, http.Header) {
	w := httptest.NewRecorder()
	r.mux.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b), w.Header()
}

const dealEvents = `[{"eventId":1,"subscriptionType":"deal.propertyChange","objectId":10000000001,"propertyName":"dealstage","propertyValue":"contractsent","occurredAt":1795372190000},` +
	`{"eventId":2,"subscriptionType":"deal.creation","objectId":10000000002},{"eventId":3,"subscriptionType":"deal.propertyChange","objectId":10000000001,"propertyName":"amount"}]`

func TestHubSpotWebhookIsHandedOffOnceVerified(t *testing.T) {
	r := newRig()
	const uri = "http://cosell.example.com/webhooks/hubspot/globex-hs"
	status, body, _ := r.do(hubspotRequest("/webhooks/hubspot/globex-hs", dealEvents, appSecret, uri, ms(now.Add(-time.Second))))
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "2 deals")
	require.Len(t, r.got, 1)
	assert.Equal(t, "globex-hs", r.got[0].connection, "to the feed of the connection it came from")
	assert.Equal(t, api.RecordsChanged{Deals: []string{"10000000001", "10000000002"}, Source: "hubspot webhook"}, r.got[0].rc)

	// A query string is part of what HubSpot signs; so is the scheme the proxy in front received.
	target := "/webhooks/hubspot/globex-hs?portalId=24681357&label=a%3Ab%20c"
	signed := "https://cosell.example.com/webhooks/hubspot/globex-hs?portalId=24681357&label=a:b%20c"
	req := hubspotRequest(target, dealEvents, appSecret, signed, ms(now))
	req.Header.Set("X-Forwarded-Proto", "https")
	status, body, _ = r.do(req)
	assert.Equal(t, http.StatusOK, status, body)
	status, body, _ = r.do(hubspotRequest(target, dealEvents, appSecret, "https://cosell.example.com/webhooks/hubspot/globex-hs", ms(now)))
	assert.Equal(t, http.StatusUnauthorized, status, "signed without its query string: %s", body)

	// With a configured base URL the Host header does not matter.
	r.rv.BaseURL = "https://hooks.acme.example"
	req = hubspotRequest("/webhooks/hubspot/globex-hs", dealEvents, appSecret, "https://hooks.acme.example/webhooks/hubspot/globex-hs", ms(now))
	req.Host = "10.0.0.7:8080"
	status, body, _ = r.do(req)
	assert.Equal(t, http.StatusOK, status, body)
}

func TestHubSpotWebhookRefusals(t *testing.T) {
	const target, uri = "/webhooks/hubspot/globex-hs", "http://cosell.example.com/webhooks/hubspot/globex-hs"
	fresh := ms(now.Add(-time.Second))
	many := "["
	for i := range 101 {
		if i > 0 {
			many += ","
		}
		many += fmt.Sprintf(`{"subscriptionType":"deal.propertyChange","objectId":%d}`, 10000000000+i)
	}
	many += "]"
	cases := []struct {
		name   string
		req    *http.Request
		status int
		says   string
	}{
		{"wrong secret", hubspotRequest(target, dealEvents, "not-the-secret", uri, fresh), 401, "does not match"},
		{"stale timestamp", hubspotRequest(target, dealEvents, appSecret, uri, ms(now.Add(-6*time.Minute))), 401, "older than 5m0s"},
		{"tampered body", func() *http.Request {
			req := hubspotRequest(target, dealEvents, appSecret, uri, fresh)
			req.Body = io.NopCloser(strings.NewReader(strings.Replace(dealEvents, "10000000002", "10000000003", 1)))
			return req
		}(), 401, "does not match"},
		{"unsigned", func() *http.Request {
			req := hubspotRequest(target, dealEvents, appSecret, uri, fresh)
			req.Header.Del("X-HubSpot-Signature-v3")
			return req
		}(), 401, "X-HubSpot-Signature-v3 header is missing"},
		{"not an event batch", hubspotRequest(target, `{"objectId":1}`, appSecret, uri, fresh), 400, "JSON array"},
		{"more than 100 events", hubspotRequest(target, many, appSecret, uri, fresh), 413, "101 events"},
		{"body past the limit", hubspotRequest(target, "["+strings.Repeat(" ", 1<<20)+"]", appSecret, uri, fresh), 413, "larger than this endpoint takes"},
		{"unknown connection", hubspotRequest("/webhooks/hubspot/other", dealEvents, appSecret, "http://cosell.example.com/webhooks/hubspot/other", fresh), 404, "no HubSpot connection named"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig()
			status, body, h := r.do(c.req)
			assert.Equal(t, c.status, status, body)
			assert.Contains(t, body, c.says)
			assert.Equal(t, "application/json", h.Get("Content-Type"))
			assert.Contains(t, body, `"error"`)
			assert.Empty(t, r.got, "nothing refused reaches Temporal")
		})
	}
	r := newRig()
	status, _, _ := r.do(httptest.NewRequest(http.MethodGet, target, nil))
	assert.Equal(t, http.StatusMethodNotAllowed, status)
}

func TestUnreachableTemporalAnswers503(t *testing.T) {
	r := newRig()
	r.fail = errors.New("dial tcp 127.0.0.1:7233: connection refused")
	const uri = "http://cosell.example.com/webhooks/hubspot/globex-hs"
	status, body, h := r.do(hubspotRequest("/webhooks/hubspot/globex-hs", dealEvents, appSecret, uri, ms(now)))
	assert.Equal(t, http.StatusServiceUnavailable, status, body)
	assert.Equal(t, "5", h.Get("Retry-After"))
	assert.NotContains(t, body, "127.0.0.1", "the CRM is told to retry, not how the worker is wired")

	// A Temporal that hangs is given up on in time for HubSpot's 5 s.
	r = newRig()
	r.blocks = true
	r.rv.Timeout = 50 * time.Millisecond
	start := time.Now()
	status, _, _ = r.do(hubspotRequest("/webhooks/hubspot/globex-hs", dealEvents, appSecret, uri, ms(now)))
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Less(t, time.Since(start), 2*time.Second)

	r = newRig()
	r.fail = errors.New("unavailable")
	status, body, _ = r.do(outboundRequest("/webhooks/salesforce/acme-sf/outbound", outbound(orgID, oppNotification("0065g00000AbCdEAAV"))))
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, body, "<faultcode>soapenv:Server</faultcode>")
	assert.NotContains(t, body, "<Ack>true</Ack>")
}

func TestHubSpotWebhookThatNeedsNothing(t *testing.T) {
	r := newRig()
	body := `[{"subscriptionType":"contact.creation","objectId":5},{"subscriptionType":"deal.deletion","objectId":6}]`
	const uri = "http://cosell.example.com/webhooks/hubspot/globex-hs"
	status, resp, _ := r.do(hubspotRequest("/webhooks/hubspot/globex-hs", body, appSecret, uri, ms(now)))
	assert.Equal(t, http.StatusOK, status, resp)
	assert.Empty(t, r.got)
}

func outbound(org string, notifications ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>` +
		`<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>` + org + `</OrganizationId><ActionId>04k5g0000000AbCAAU</ActionId>` +
		strings.Join(notifications, "") + `</notifications></soapenv:Body></soapenv:Envelope>`
}

func oppNotification(id string) string {
	return `<Notification><Id>04l5g0000000001AAA</Id><sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>` + id + `</sf:Id></sObject></Notification>`
}

func outboundRequest(target, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	return req
}

func TestOutboundMessages(t *testing.T) {
	r := newRig()
	task := `<Notification><Id>04l5g0000000002AAA</Id><sObject xsi:type="sf:Task" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>00T5g00000XyZaBAAV</sf:Id></sObject></Notification>`
	status, body, h := r.do(outboundRequest("/webhooks/salesforce/acme-sf/outbound", outbound(orgID[:15], oppNotification("0065g00000AbCdEAAV"), task)))
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>`)
	assert.Equal(t, "text/xml; charset=utf-8", h.Get("Content-Type"))
	require.Len(t, r.got, 1)
	assert.Equal(t, api.RecordsChanged{Deals: []string{"0065g00000AbCdEAAV"}, Poll: true, Source: "salesforce outbound message"}, r.got[0].rc)

	var many []string
	for range 101 {
		many = append(many, oppNotification("0065g00000AbCdEAAV"))
	}
	for _, c := range []struct {
		name, target, body string
		status             int
		says               string
	}{
		{"another org", "/webhooks/salesforce/acme-sf/outbound", outbound("00D5g0000000XXXEAU", oppNotification("0065g00000AbCdEAAV")), 401, "not the configured"},
		{"not soap", "/webhooks/salesforce/acme-sf/outbound", `{"records":[]}`, 400, "SOAP envelope"},
		{"no record id", "/webhooks/salesforce/acme-sf/outbound", outbound(orgID, oppNotification("")), 400, "names no record"},
		{"too many", "/webhooks/salesforce/acme-sf/outbound", outbound(orgID, many...), 413, "at most 100"},
		{"unknown connection", "/webhooks/salesforce/other/outbound", outbound(orgID, oppNotification("0065g00000AbCdEAAV")), 404, "other"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig()
			status, body, _ := r.do(outboundRequest(c.target, c.body))
			assert.Equal(t, c.status, status, body)
			assert.Contains(t, body, "<soapenv:Fault><faultcode>soapenv:Client</faultcode>")
			assert.Contains(t, body, c.says)
			assert.Empty(t, r.got)
		})
	}
}

func calloutRequest(target, body, secret, ts string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + body))
	req.Header.Set("X-CoSell-Timestamp", ts)
	req.Header.Set("X-CoSell-Signature", "v1="+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return req
}

func TestSalesforceCallout(t *testing.T) {
	body := `{"organizationId":"` + orgID + `","records":[{"type":"Opportunity","id":"0065g00000AbCdEAAV"}]}`
	r := newRig()
	status, resp, _ := r.do(calloutRequest("/webhooks/salesforce/acme-sf/callout", body, calloutSecret, ms(now)))
	require.Equal(t, http.StatusOK, status, resp)
	assert.Equal(t, []string{"0065g00000AbCdEAAV"}, r.got[0].rc.Deals)

	for _, c := range []struct {
		name string
		req  *http.Request
		code int
	}{
		{"wrong secret", calloutRequest("/webhooks/salesforce/acme-sf/callout", body, "guess", ms(now)), 401},
		{"stale", calloutRequest("/webhooks/salesforce/acme-sf/callout", body, calloutSecret, ms(now.Add(-time.Hour))), 401},
		{"another org", calloutRequest("/webhooks/salesforce/acme-sf/callout", strings.Replace(body, orgID, "00D5g0000000XXXEAU", 1), calloutSecret, ms(now)), 401},
		{"malformed", calloutRequest("/webhooks/salesforce/acme-sf/callout", `{"organizationId":"`+orgID+`","records":"006"}`, calloutSecret, ms(now)), 400},
		{"callout not set up", calloutRequest("/webhooks/salesforce/initech-sf/callout", body, calloutSecret, ms(now)), 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig()
			status, resp, _ := r.do(c.req)
			assert.Equal(t, c.code, status, resp)
			assert.Empty(t, r.got)
		})
	}
}

func TestPaths(t *testing.T) {
	assert.Equal(t, []string{"/webhooks/hubspot/globex-hs", "/webhooks/salesforce/acme-sf/outbound", "/webhooks/salesforce/acme-sf/callout",
		"/webhooks/salesforce/initech-sf/outbound"}, newRig().rv.Paths())
}
