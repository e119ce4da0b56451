package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	gosf "github.com/k-capehart/go-salesforce/v3"

	"github.com/cosellsync/cosell/connectors"
)

// Connector is a connectors.CRM for one Salesforce org. It is safe for concurrent use: activities of many
// deal workflows share one connector and one session.
type Connector struct {
	cfg       Config
	fields    connectors.DealFields
	log       *slog.Logger
	transport http.RoundTripper
	client    *http.Client // the same stack, for token requests

	mu   sync.Mutex
	sess *session
	// instanceURL is the org's instance_url from the latest session, kept after the session expires so
	// DealURL has a host without logging in.
	instanceURL string

	usageMu   sync.Mutex
	usageUsed int
	usageMax  int
}

var _ connectors.CRM = (*Connector)(nil)

// session is one access token and the go-salesforce client carrying it.
type session struct {
	sf          *gosf.Salesforce
	instanceURL string
}

// New validates cfg and returns a connector. It does not call Salesforce: the first call authenticates,
// so a worker starts even while Salesforce is unreachable and reports the failure per activity.
func New(cfg Config) (*Connector, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Connector{cfg: cfg, fields: cfg.DealFields, log: cfg.Logger.With("crm", crmName)}
	c.transport = newTransport(cfg, c.recordUsage)
	c.client = &http.Client{Transport: c.transport}
	return c, nil
}

// Kind names the CRM.
func (c *Connector) Kind() string { return crmName }

// APIUsage reports the org's API requests used in the last 24 hours and its allocation, from the latest
// Sforce-Limit-Info header seen, so the worker can export it and slow down before the budget is gone.
// Both are zero until the first API answer.
func (c *Connector) APIUsage() (used, max int) {
	c.usageMu.Lock()
	defer c.usageMu.Unlock()
	return c.usageUsed, c.usageMax
}

func (c *Connector) recordUsage(used, max int) {
	c.usageMu.Lock()
	defer c.usageMu.Unlock()
	c.usageUsed, c.usageMax = used, max
}

// tokenResponse is the OAuth token endpoint's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	InstanceURL string `json:"instance_url"`
}

// authenticate requests a token at the login URL (never instance_url: fault b) through the connector's
// own transport stack, and returns the OAuth error verbatim when Salesforce refuses.
func (c *Connector) authenticate(ctx context.Context) (tokenResponse, error) {
	const op = "authenticate"
	form := url.Values{"client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret}}
	flow := "client_credentials"
	if c.cfg.Username != "" {
		flow = "password"
		form.Set("username", c.cfg.Username)
		form.Set("password", c.cfg.Password+c.cfg.SecurityToken)
	}
	form.Set("grant_type", flow)
	// Fetching a token changes nothing in the org, so the transport may resend it.
	ex := &exchange{idempotent: true}
	req, err := http.NewRequestWithContext(withExchange(ctx, ex), http.MethodPost, c.cfg.LoginURL+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return tokenResponse{}, fmt.Errorf("salesforce: %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("salesforce: %s at %s: %w", op, c.cfg.LoginURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return tokenResponse{}, fmt.Errorf("salesforce: %s: read answer: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := c.classify(op, resp.StatusCode, resp.Header, body)
		if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized {
			// invalid_client, invalid_grant, ...: the credentials are wrong until an admin fixes them.
			e.Retryable = false
		}
		c.log.Error("salesforce authentication refused", "flow", flow, "status", resp.StatusCode, "error", e.Code, "description", e.Message)
		return tokenResponse{}, e
	}
	var tok tokenResponse
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" || tok.InstanceURL == "" {
		return tokenResponse{}, &connectors.Error{CRM: crmName, Op: op, Status: resp.StatusCode, Retryable: true,
			Message: "token answer without access_token or instance_url"}
	}
	c.log.Info("salesforce session opened", "flow", flow, "instance", tok.InstanceURL)
	return tok, nil
}

// currentSession returns the open session, authenticating first if there is none. Concurrent callers wait
// for one token request instead of each making their own.
func (c *Connector) currentSession(ctx context.Context) (*session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != nil {
		return c.sess, nil
	}
	tok, err := c.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	// go-salesforce gets the token only (AuthFlowAccessToken): with no credentials it cannot refresh at
	// the wrong host, and the connector renews the session itself.
	sf, err := gosf.Init(gosf.Creds{Domain: tok.InstanceURL, AccessToken: tok.AccessToken},
		gosf.WithAPIVersion(c.cfg.APIVersion),
		gosf.WithRoundTripper(c.transport),
		gosf.WithValidateAuthentication(false),
	)
	if err != nil {
		return nil, fmt.Errorf("salesforce: init client: %w", err)
	}
	c.sess = &session{sf: sf, instanceURL: tok.InstanceURL}
	c.instanceURL = strings.TrimRight(tok.InstanceURL, "/")
	return c.sess, nil
}

// dropSession forgets an expired session unless another caller has already replaced it.
func (c *Connector) dropSession(old *session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == old {
		c.sess = nil
	}
}

// response is a successful answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// bindContext makes go-salesforce's context-free request carry ctx (for cancellation and deadlines) and
// the exchange the transport records into.
func bindContext(ctx context.Context, ex *exchange) gosf.RequestOption {
	return func(r *http.Request) { *r = *r.WithContext(withExchange(ctx, ex)) }
}

// call sends one REST request (uri below /services/data/vXX.X) through go-salesforce, with opts (headers)
// applied to it. An expired session is renewed at the login URL and the request repeated once; every
// other failure comes back classified.
func (c *Connector) call(ctx context.Context, op, method, uri string, body any, idempotent bool, opts ...gosf.RequestOption) (response, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return response{}, invalid(op, "encode request: "+err.Error())
		}
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return response{}, fmt.Errorf("salesforce: %s: %w", op, err)
		}
		sess, err := c.currentSession(ctx)
		if err != nil {
			return response{}, err
		}
		ex := &exchange{idempotent: idempotent}
		resp, err := sess.sf.DoRequest(method, uri, payload, append([]gosf.RequestOption{bindContext(ctx, ex)}, opts...)...)
		if err == nil {
			data, rerr := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if rerr != nil {
				return response{}, fmt.Errorf("salesforce: %s: read answer: %w", op, rerr)
			}
			if resp.StatusCode == http.StatusMultipleChoices {
				// go-salesforce counts 300 as success; it means an external id matched several records.
				e := c.classify(op, resp.StatusCode, resp.Header, nil)
				e.Message = "external ID value matches more than one record: " + bodySnippet(data)
				return response{}, e
			}
			return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return response{}, fmt.Errorf("salesforce: %s: %w", op, cerr)
		}
		status, header, errBody := ex.snapshot()
		if status == 0 {
			// No answer at all (connection refused, reset, timeout): unclassified, hence retryable.
			return response{}, fmt.Errorf("salesforce: %s: %w", op, err)
		}
		if status == http.StatusUnauthorized && attempt == 0 {
			c.log.Info("salesforce session expired; authenticating again at the login URL", "op", op)
			c.dropSession(sess)
			continue
		}
		e := c.classify(op, status, header, errBody)
		if e.Code == "REQUEST_LIMIT_EXCEEDED" && status == http.StatusForbidden {
			used, max := c.APIUsage()
			c.log.Warn("salesforce daily API request limit reached", "op", op, "used", used, "max", max, "retryAfter", e.RetryAfter)
			return response{}, fmt.Errorf("salesforce daily API request limit reached (%d/%d used); pausing %s: %w", used, max, e.RetryAfter, e)
		}
		return response{}, e
	}
}

// errorCode returns the Salesforce error code of err, if it is a classified error.
func errorCode(err error) string {
	var e *connectors.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
