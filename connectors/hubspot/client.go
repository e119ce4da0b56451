package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"golang.org/x/time/rate"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
)

// Client is a typed HubSpot CRM client and the connectors.CRM implementation for HubSpot. It is safe for
// concurrent use.
type Client struct {
	cfg    Config
	http   *retryablehttp.Client
	tokens tokenSource
	// account caches what DealURL needs from the account details.
	account accountCache
	// searches paces Search (Config.SearchRate); nil when off.
	searches *rate.Limiter
}

var _ connectors.CRM = (*Client)(nil)

// New returns a client for one HubSpot connection.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var tokens tokenSource = staticToken(cfg.PrivateAppToken)
	if cfg.OAuth != nil {
		tokens = newOAuthToken(cfg.OAuth, cfg.HTTPClient)
	}
	c := &Client{cfg: cfg, http: newRetryClient(cfg, tokens), tokens: tokens}
	if cfg.SearchRate > 0 {
		c.searches = rate.NewLimiter(rate.Limit(cfg.SearchRate), 1) // spaced, never a burst
	}
	return c, nil
}

// Budget returns the connection's API budget guard, nil when it has none.
func (c *Client) Budget() *budget.Guard { return c.cfg.Budget }

// Kind names the CRM for logs and errors.
func (c *Client) Kind() string { return crmName }

// request is one API call.
type request struct {
	op     string // for errors: what the connector was doing
	method string
	path   string
	query  url.Values
	body   any
	// safe marks a request that may be repeated after a 5xx or a network failure (see retryInfo).
	safe bool
}

// do sends a request through the transport and decodes a 2xx answer (207 Multi-Status included) into
// out. Any other answer becomes a classified *connectors.Error; a DAILY rate limit is wrapped with a
// sentence saying the quota is spent.
func (c *Client) do(ctx context.Context, r request, out any) (int, error) {
	u := c.cfg.BaseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return 0, fmt.Errorf("hubspot: %s: encode request: %w", r.op, err)
		}
		body = bytes.NewReader(b)
	}
	ctx = context.WithValue(ctx, retryInfoKey{}, &retryInfo{safe: r.safe})
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return 0, fmt.Errorf("hubspot: %s: %w", r.op, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if e, ok := connectors.AsError(err); ok {
			return 0, e
		}
		return 0, fmt.Errorf("hubspot: %s: %w", r.op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("hubspot: %s: read answer: %w", r.op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := classify(r.op, resp.StatusCode, resp.Header, raw, c.cfg.Now)
		if e.Status == http.StatusTooManyRequests && e.Code == policyDaily {
			return resp.StatusCode, fmt.Errorf("hubspot daily API limit reached; not retrying until the portal's quota resets in about %s: %w",
				e.RetryAfter.Round(time.Minute), e)
		}
		return resp.StatusCode, e
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("hubspot: %s: decode answer: %w", r.op, err)
		}
	}
	return resp.StatusCode, nil
}
