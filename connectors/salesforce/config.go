package salesforce

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
)

// DefaultAPIVersion is go-salesforce v3's own default. Pinning the version keeps responses stable across
// Salesforce releases; it is the version the fake in mocks/salesforce serves by default.
const DefaultAPIVersion = "v63.0"

// DefaultNoteKeyField is the Task field (Text, External ID, Unique) holding a note's idempotency key.
const DefaultNoteKeyField = "CoSell_Note_Key__c"

// Config is one Salesforce org connection.
type Config struct {
	// LoginURL is where tokens are requested. For the client_credentials flow (no Username) it must be
	// the org's My Domain URL (https://MyDomainName.my.salesforce.com, or
	// https://MyDomainName--sandbox.sandbox.my.salesforce.com): Salesforce refuses that grant at
	// login.salesforce.com and test.salesforce.com, and New refuses them up front. The username-password
	// flow may use either. Re-authentication always goes here, never to instance_url.
	LoginURL string
	// ClientID and ClientSecret are the connected app's consumer key and secret. Without Username they
	// select the client_credentials flow (the app's run-as user).
	ClientID     string
	ClientSecret string
	// Username, Password and SecurityToken select the username-password flow instead.
	Username      string
	Password      string
	SecurityToken string
	// APIVersion such as "v63.0"; default DefaultAPIVersion.
	APIVersion string
	// HTTPClient carries every request (token requests included), so tests and callers can wrap it; its
	// Timeout bounds each attempt. Default: a client with a 30 s timeout.
	HTTPClient *http.Client
	// DealFields names the co-sell bookkeeping fields on Opportunity and the mapped fields to read.
	// Empty names default to CoSell_Id__c, CoSell_Enabled__c, OwnerId, CoSell_Partner_Owner_Name__c and
	// CoSell_Partner_Owner_Email__c.
	DealFields connectors.DealFields
	// NoteKeyField is the Task field holding a note's idempotency key; default DefaultNoteKeyField.
	NoteKeyField string
	// Logger receives connector events; default slog.Default().
	Logger *slog.Logger

	// MaxRetryAfter is the longest Retry-After the transport waits out itself (default 10 s); a longer
	// one is returned to the caller as RetryAfter.
	MaxRetryAfter time.Duration
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between transport retries without
	// Retry-After (defaults 250 ms and 2 s).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// RetryMax is how many times the transport may resend a request (default 2, i.e. 3 tries; negative: none).
	RetryMax int
	// LimitRetryAfter is the RetryAfter reported when the daily API allocation is spent (default 5 min).
	LimitRetryAfter time.Duration
	// Budget, when set, is the connection's API budget guard: every attempt of every API call passes
	// it first, and a call over the share is refused (a *budget.Refusal) without being sent.
	Budget *budget.Guard
}

// reFieldName admits API names only, since field names are spliced into SOQL.
var reFieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func (c *Config) validate() error {
	if c.LoginURL == "" {
		return errors.New("salesforce: LoginURL is required")
	}
	u, err := url.Parse(c.LoginURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("salesforce: LoginURL %q is not an http(s) URL", c.LoginURL)
	}
	c.LoginURL = strings.TrimRight(c.LoginURL, "/")
	if c.ClientID == "" || c.ClientSecret == "" {
		return errors.New("salesforce: ClientID and ClientSecret are required")
	}
	if host := strings.ToLower(u.Hostname()); c.Username == "" && (host == "login.salesforce.com" || host == "test.salesforce.com") {
		return fmt.Errorf("salesforce: the client_credentials flow needs the org's My Domain URL (https://MyDomainName.my.salesforce.com) as LoginURL; %s refuses it", host)
	}
	if c.Username != "" && c.Password == "" {
		return errors.New("salesforce: Password is required with Username")
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if !regexp.MustCompile(`^v\d+\.\d$`).MatchString(c.APIVersion) {
		return fmt.Errorf("salesforce: APIVersion %q must look like v63.0", c.APIVersion)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	f := &c.DealFields
	for _, d := range []struct {
		p   *string
		def string
	}{{&f.CoSellID, "CoSell_Id__c"}, {&f.Enabled, "CoSell_Enabled__c"}, {&f.Owner, "OwnerId"},
		{&f.PartnerOwnerName, "CoSell_Partner_Owner_Name__c"}, {&f.PartnerOwnerEmail, "CoSell_Partner_Owner_Email__c"}} {
		if *d.p == "" {
			*d.p = d.def
		}
	}
	if c.NoteKeyField == "" {
		c.NoteKeyField = DefaultNoteKeyField
	}
	for _, name := range append(f.All(), c.NoteKeyField) {
		if rel, field, ok := connectors.SplitRelated(name); ok && strings.EqualFold(rel, connectors.SalesforceAccount) && reFieldName.MatchString(field) {
			continue // a field of the opportunity's Account (see accountFields)
		}
		if !reFieldName.MatchString(name) {
			return fmt.Errorf("salesforce: %q is not a Salesforce field API name", name)
		}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 10 * time.Second
	}
	if c.RetryWaitMin <= 0 {
		c.RetryWaitMin = 250 * time.Millisecond
	}
	if c.RetryWaitMax <= 0 {
		c.RetryWaitMax = 2 * time.Second
	}
	if c.RetryMax < 0 {
		c.RetryMax = 0
	} else if c.RetryMax == 0 {
		c.RetryMax = 2
	}
	if c.LimitRetryAfter <= 0 {
		c.LimitRetryAfter = 5 * time.Minute
	}
	return nil
}
