package hubspot

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
)

// DefaultBaseURL is HubSpot's API host.
const DefaultBaseURL = "https://api.hubapi.com"

// DefaultAppURL is HubSpot's app host for accounts hosted in North America; DealURL links go there unless
// Config.AppURL or the account's uiDomain says otherwise.
const DefaultAppURL = "https://app.hubspot.com"

// Config is one HubSpot connection. Exactly one of PrivateAppToken and OAuth must be set.
type Config struct {
	// BaseURL is the API root; DefaultBaseURL when empty, a fake's URL in tests.
	BaseURL string
	// PrivateAppToken is a private app's static access token.
	PrivateAppToken string
	// OAuth authenticates as an installed OAuth app instead of a private app.
	OAuth *OAuthConfig
	// HTTPClient carries every request, API and token alike; its Transport and Timeout apply to each
	// attempt. http.DefaultClient when nil.
	HTTPClient *http.Client

	// DealFields names the co-sell bookkeeping properties and the mapped ones every deal read selects.
	// Left zero, it is DefaultDealFields; otherwise an empty CoSellID, Enabled or Owner still takes its
	// default, because the connector cannot work without them, while empty partner-owner names mean the
	// pairing does not use those properties.
	DealFields connectors.DealFields
	// NoteKeyProperty is the custom note property holding CreateNote's idempotency key
	// (default "cosell_note_key").
	NoteKeyProperty string
	// TaskKeyProperty is the custom task property (unique values) holding CreateTask's idempotency key
	// (default "cosell_task_key").
	TaskKeyProperty string

	// AppURL is the root of HubSpot's app, where DealURL links point. When empty, DealURL uses the
	// account's uiDomain (app-eu1.hubspot.com for an EU-hosted account) read with the portal id, or
	// DefaultAppURL. Set it to a fake's URL in a demo so that links open the fake's record pages.
	AppURL string
	// PortalID presets the account (hub) id DealURL links carry, which DealURL otherwise reads once from
	// GET /account-info/v3/details. With PortalID set and AppURL empty, links go to DefaultAppURL.
	PortalID int64
	// Pipeline is the deal pipeline whose stages DescribeDeals reports (default "default").
	Pipeline string

	// MaxTries bounds the attempts of one request in the transport, first included (default 3).
	MaxTries int
	// MinRetryWait is the first back-off after a 5xx or a network failure; it doubles per attempt up to
	// MaxRetryWait (default 500 ms).
	MinRetryWait time.Duration
	// MaxRetryWait caps every transport wait, a 429's included (default 10 s, HubSpot's rolling window):
	// a longer wait is the workflow's business, not a blocked activity's.
	MaxRetryWait time.Duration
	// IndexLag is how far behind writes HubSpot's search index may be. ChangedDeals and ChangedNotes only
	// return records last modified at least IndexLag ago, so a record the index has not yet seen can
	// never fall behind a cursor that already moved past its timestamp. Default 5 s; negative disables.
	IndexLag time.Duration
	// Logger receives retry diagnostics (method, URL without secrets, status); nil logs nothing.
	Logger *slog.Logger
	// Now is the clock for IndexLag and daily-limit waits; time.Now when nil.
	Now func() time.Time
	// SearchRate paces the connection's search requests, per second: HubSpot limits the CRM search
	// endpoints per authentication token (4–5 a second, over and above the app's rolling window), and a
	// poll runs a search per change stream back to back. Default 4; negative turns the pacing off.
	SearchRate float64
	// Budget, when set, is the connection's API budget guard: every attempt of every API call (token
	// requests aside) passes it first, and a call over the share is refused (a *budget.Refusal) without
	// being sent or retried in the transport.
	Budget *budget.Guard
}

// OAuthConfig is an OAuth app's credentials. With a RefreshToken the connector uses the refresh_token
// grant, without one the client_credentials grant.
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	RefreshToken string
	// TokenURL is the token endpoint; BaseURL + "/oauth/v1/token" when empty.
	TokenURL string
}

// DefaultSearchRate is the searches a second a connection sends at most: under HubSpot's per-token
// search limit (four a second in its changelog, five in its usage guide) whichever holds.
const DefaultSearchRate = 4

// DefaultDealFields are the custom deal properties CoSell Sync creates in a HubSpot portal.
func DefaultDealFields() connectors.DealFields {
	return connectors.DealFields{
		CoSellID:          "cosell_id",
		Enabled:           "cosell_enabled",
		Owner:             "hubspot_owner_id",
		PartnerOwnerName:  "cosell_partner_owner_name",
		PartnerOwnerEmail: "cosell_partner_owner_email",
	}
}

// DefaultNoteKeyProperty is the custom note property holding the idempotency key of mirrored notes.
const DefaultNoteKeyProperty = "cosell_note_key"

// DefaultTaskKeyProperty is the custom task property holding the idempotency key of SLA tasks.
const DefaultTaskKeyProperty = "cosell_task_key"

func (c Config) withDefaults() (Config, error) {
	if (c.PrivateAppToken == "") == (c.OAuth == nil) {
		return c, errors.New("hubspot config: set exactly one of PrivateAppToken and OAuth")
	}
	if c.OAuth != nil && (c.OAuth.ClientID == "" || c.OAuth.ClientSecret == "") {
		return c, errors.New("hubspot config: OAuth needs ClientID and ClientSecret")
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.SearchRate == 0 {
		c.SearchRate = DefaultSearchRate
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.OAuth != nil {
		o := *c.OAuth
		if o.TokenURL == "" {
			o.TokenURL = c.BaseURL + "/oauth/v1/token"
		}
		c.OAuth = &o
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	def := DefaultDealFields()
	if c.DealFields.CoSellID == "" && c.DealFields.Enabled == "" && c.DealFields.Owner == "" &&
		c.DealFields.PartnerOwnerName == "" && c.DealFields.PartnerOwnerEmail == "" && len(c.DealFields.Mapped) == 0 {
		c.DealFields = def
	}
	if c.DealFields.CoSellID == "" {
		c.DealFields.CoSellID = def.CoSellID
	}
	if c.DealFields.Enabled == "" {
		c.DealFields.Enabled = def.Enabled
	}
	if c.DealFields.Owner == "" {
		c.DealFields.Owner = def.Owner
	}
	if c.NoteKeyProperty == "" {
		c.NoteKeyProperty = DefaultNoteKeyProperty
	}
	if c.TaskKeyProperty == "" {
		c.TaskKeyProperty = DefaultTaskKeyProperty
	}
	c.AppURL = strings.TrimRight(c.AppURL, "/")
	if c.AppURL != "" {
		if u, err := url.Parse(c.AppURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return c, fmt.Errorf("hubspot config: AppURL %q is not an http(s) URL", c.AppURL)
		}
	}
	if c.PortalID < 0 {
		return c, fmt.Errorf("hubspot config: PortalID %d is not a portal id", c.PortalID)
	}
	if c.Pipeline == "" {
		c.Pipeline = "default"
	}
	if c.MaxTries <= 0 {
		c.MaxTries = 3
	}
	if c.MinRetryWait <= 0 {
		c.MinRetryWait = 500 * time.Millisecond
	}
	if c.MaxRetryWait <= 0 {
		c.MaxRetryWait = 10 * time.Second
	}
	if c.IndexLag == 0 {
		c.IndexLag = 5 * time.Second
	}
	if c.IndexLag < 0 {
		c.IndexLag = 0
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}
