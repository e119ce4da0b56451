// Package ingress receives the CRMs' change notifications on the worker's HTTP server — HubSpot webhooks
// (v3 signatures), Salesforce Outbound Messages and the signed callout a Salesforce Flow sends — and hands
// what each names to the change feed of the CRM connection it came from, durably, through Temporal. It decides
// nothing about deals: the feed reads every record it is handed and delivers it through the same path
// as a poll. See ARCHITECTURE.md beside this file.
package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/connectors/salesforce"
)

// Body limits: far above what the CRMs send (100 HubSpot events are some 40 KB; 100 Outbound Message
// notifications carry the fields an admin picked), far below what would hurt the worker.
const (
	maxHubSpotBody  = 1 << 20
	maxOutboundBody = 4 << 20
	maxCalloutBody  = 1 << 20
)

// DefaultHandOffTimeout bounds the hand-off to Temporal, so the answer leaves within HubSpot's 5 s
// even when Temporal does not answer; the CRM then sees a 503 and sends again.
const DefaultHandOffTimeout = 4 * time.Second

// Source is one CRM connection whose notifications the worker takes, with what it checks them with.
type Source struct {
	// Connection is the pairing file's connection name; it is the last segment of the endpoints' paths.
	Connection string
	// CRM is "hubspot" or "salesforce".
	CRM string
	// AppSecret is the HubSpot app's client secret, which signs its webhooks.
	AppSecret string
	// OrgID is the Salesforce organization the notifications must come from.
	OrgID string
	// CalloutSecret signs the Salesforce Flow's callout; empty turns the callout endpoint off.
	CalloutSecret string
}

// HandOff hands one connection's changes to Temporal: to its change feed, which routes each record to
// the pairing it belongs to. It returns nil only once Temporal holds them (a signal accepted into the
// feed's history), so a 2xx answer means the changes will sync.
type HandOff func(ctx context.Context, connection string, rc api.RecordsChanged) error

// Receiver serves the webhook endpoints:
//
//	POST /webhooks/hubspot/{connection}              HubSpot webhooks (X-HubSpot-Signature-v3)
//	POST /webhooks/salesforce/{connection}/outbound  Salesforce Outbound Messages (SOAP)
//	POST /webhooks/salesforce/{connection}/callout   the signed JSON callout of a Salesforce Flow
//
// It answers 200 once the changes are handed off (or when a notification needs nothing), 400 for a body
// it cannot read, 401 for a signature, timestamp or organization that does not check out, 404 for a
// connection that takes no webhooks here, 413 for a body or batch larger than the CRM sends, and 503
// when Temporal did not take the hand-off, so the CRM sends the notification again.
type Receiver struct {
	Sources []Source
	// Live, when set, is asked for the sources at each request instead of Sources, so connections a
	// reload of the pairings adds or removes take or stop taking webhooks without a restart.
	Live    func() []Source
	HandOff HandOff
	// BaseURL is the scheme and host the CRMs call (https://cosell.example.com), which the HubSpot
	// signature covers; empty takes the request's Host, and https when X-Forwarded-Proto says so.
	BaseURL string
	// Timeout bounds each hand-off; zero takes DefaultHandOffTimeout.
	Timeout time.Duration
	// Now is the clock timestamps are checked against; nil is time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Mount adds the endpoints to mux.
func (rv *Receiver) Mount(mux *http.ServeMux) {
	mux.HandleFunc("POST /webhooks/hubspot/{connection}", rv.hubspot)
	mux.HandleFunc("POST /webhooks/salesforce/{connection}/outbound", rv.outbound)
	mux.HandleFunc("POST /webhooks/salesforce/{connection}/callout", rv.callout)
}

// Paths lists the endpoints of the sources, for the startup log.
func (rv *Receiver) Paths() []string {
	var out []string
	for _, s := range rv.sources() {
		switch s.CRM {
		case "hubspot":
			out = append(out, "/webhooks/hubspot/"+s.Connection)
		case "salesforce":
			out = append(out, "/webhooks/salesforce/"+s.Connection+"/outbound")
			if s.CalloutSecret != "" {
				out = append(out, "/webhooks/salesforce/"+s.Connection+"/callout")
			}
		}
	}
	return out
}

func (rv *Receiver) hubspot(w http.ResponseWriter, r *http.Request) {
	reply := jsonReply(w)
	src, ok := rv.source("hubspot", r.PathValue("connection"))
	if !ok {
		reply(http.StatusNotFound, fmt.Sprintf("no HubSpot connection named %q takes webhooks on this worker", r.PathValue("connection")))
		return
	}
	body, err := readBody(w, r, maxHubSpotBody)
	if err == nil {
		err = hubspot.VerifyWebhook(src.AppSecret, r.Method, rv.requestURL(r), body,
			r.Header.Get(hubspot.SignatureHeader), r.Header.Get(hubspot.TimestampHeader), rv.now())
	}
	var events []hubspot.WebhookEvent
	if err == nil {
		events, err = hubspot.ParseWebhook(body)
	}
	if err != nil {
		rv.refused(r, src, err)
		reply(statusOf(err), err.Error())
		return
	}
	rv.handOff(r, src, "hubspot webhook", hubspot.WebhookChanges(events), reply)
}

func (rv *Receiver) outbound(w http.ResponseWriter, r *http.Request) {
	reply := soapReply(w)
	src, ok := rv.source("salesforce", r.PathValue("connection"))
	if !ok {
		reply(http.StatusNotFound, fmt.Sprintf("no Salesforce connection named %q takes Outbound Messages on this worker", r.PathValue("connection")))
		return
	}
	body, err := readBody(w, r, maxOutboundBody)
	var msg salesforce.OutboundMessage
	if err == nil {
		msg, err = salesforce.ParseOutboundMessage(body)
	}
	if err == nil {
		err = salesforce.CheckOrganization(src.OrgID, msg.OrganizationID)
	}
	if err != nil {
		rv.refused(r, src, err)
		reply(statusOf(err), err.Error())
		return
	}
	rv.handOff(r, src, "salesforce outbound message", salesforce.OutboundChanges(msg), reply)
}

func (rv *Receiver) callout(w http.ResponseWriter, r *http.Request) {
	reply := jsonReply(w)
	src, ok := rv.source("salesforce", r.PathValue("connection"))
	if !ok || src.CalloutSecret == "" {
		reply(http.StatusNotFound, fmt.Sprintf("no Salesforce connection named %q takes signed callouts on this worker", r.PathValue("connection")))
		return
	}
	body, err := readBody(w, r, maxCalloutBody)
	if err == nil {
		err = salesforce.VerifyCallout(src.CalloutSecret, body, r.Header.Get(salesforce.CalloutSignatureHeader),
			r.Header.Get(salesforce.CalloutTimestampHeader), rv.now())
	}
	var c salesforce.Callout
	if err == nil {
		c, err = salesforce.ParseCallout(body)
	}
	if err == nil {
		err = salesforce.CheckOrganization(src.OrgID, c.OrganizationID)
	}
	if err != nil {
		rv.refused(r, src, err)
		reply(statusOf(err), err.Error())
		return
	}
	rv.handOff(r, src, "salesforce callout", salesforce.CalloutChanges(c), reply)
}

// handOff gives the changes to each side's feed and answers: 200 once Temporal holds them all, 503 when
// it did not take one (what was handed off already is harmless to hand off again).
func (rv *Receiver) handOff(r *http.Request, src Source, from string, ch connectors.WebhookChanges, reply func(int, string)) {
	log := rv.logger().With("crm", src.CRM, "connection", src.Connection)
	if ch.Empty() {
		log.Debug("webhook needs nothing", "from", from, "ignored", ch.Ignored)
		reply(http.StatusOK, fmt.Sprintf("nothing to sync in %d events", ch.Ignored))
		return
	}
	timeout := rv.Timeout
	if timeout <= 0 {
		timeout = DefaultHandOffTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	rc := api.RecordsChanged{Deals: ch.Deals, Poll: ch.Poll, Source: from}
	if err := rv.HandOff(ctx, src.Connection, rc); err != nil {
		log.Warn("webhook not handed off; answering 503 so the CRM sends it again", "error", err)
		reply(http.StatusServiceUnavailable, "the change could not be handed to Temporal; send it again later")
		return
	}
	log.Debug("webhook handed off", "from", from, "deals", len(ch.Deals), "poll", ch.Poll, "ignored", ch.Ignored)
	reply(http.StatusOK, fmt.Sprintf("accepted: %d deals to sync%s", len(ch.Deals), map[bool]string{true: ", and a poll", false: ""}[ch.Poll]))
}

func (rv *Receiver) source(crm, connection string) (Source, bool) {
	for _, s := range rv.sources() {
		if s.CRM == crm && s.Connection == connection {
			return s, true
		}
	}
	return Source{}, false
}

// sources are the connections taking webhooks now.
func (rv *Receiver) sources() []Source {
	if rv.Live != nil {
		return rv.Live()
	}
	return rv.Sources
}

// requestURL is the URL the CRM called, as HubSpot signs it: the configured base or the request's own
// scheme and host, then the request target exactly as it came (path and query string).
func (rv *Receiver) requestURL(r *http.Request) string {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	if _, rest, abs := strings.Cut(target, "://"); abs && !strings.HasPrefix(target, "/") {
		// The absolute form a proxy may send: keep the path and query exactly as they came.
		target = "/"
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			target = rest[i:]
		} else if i := strings.IndexByte(rest, '?'); i >= 0 {
			target = "/" + rest[i:]
		}
	}
	if rv.BaseURL != "" {
		return strings.TrimRight(rv.BaseURL, "/") + target
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + target
}

func (rv *Receiver) refused(r *http.Request, src Source, err error) {
	rv.logger().Warn("webhook refused", "crm", src.CRM, "connection", src.Connection, "status", statusOf(err),
		"remote", r.RemoteAddr, "reason", err.Error())
}

func (rv *Receiver) now() time.Time {
	if rv.Now != nil {
		return rv.Now()
	}
	return time.Now()
}

func (rv *Receiver) logger() *slog.Logger {
	if rv.Log != nil {
		return rv.Log
	}
	return slog.New(slog.DiscardHandler)
}

// errTooLarge is a body past the endpoint's limit.
var errTooLarge = fmt.Errorf("%w: the body is larger than this endpoint takes", connectors.ErrWebhookTooLarge)

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, fmt.Errorf("%w (%d bytes at most)", errTooLarge, limit)
	case err != nil:
		return nil, fmt.Errorf("%w: reading the body: %v", connectors.ErrWebhookMalformed, err)
	}
	return body, nil
}

// statusOf maps a refusal to its answer.
func statusOf(err error) int {
	switch {
	case errors.Is(err, connectors.ErrWebhookUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, connectors.ErrWebhookTooLarge):
		return http.StatusRequestEntityTooLarge
	default:
		return http.StatusBadRequest
	}
}

// jsonReply answers HubSpot and the callout with a JSON body: {"message": ...} or {"error": ...}.
func jsonReply(w http.ResponseWriter) func(int, string) {
	return func(status int, msg string) {
		key := "message"
		if status >= 300 {
			key = "error"
		}
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{key: msg})
	}
}

// soapReply answers an Outbound Message: the acknowledgement on success, else a SOAP fault, which
// Salesforce does not count as an acknowledgement and sends again.
func soapReply(w http.ResponseWriter) func(int, string) {
	return func(status int, msg string) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		if status == http.StatusOK {
			w.WriteHeader(status)
			_, _ = w.Write(salesforce.OutboundAck())
			return
		}
		code := "Client"
		if status >= 500 {
			code = "Server"
			w.Header().Set("Retry-After", "5")
		}
		w.WriteHeader(status)
		_, _ = w.Write(salesforce.OutboundFault(code, msg))
	}
}
