package salesforce

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/cosellsync/cosell/connectors/budget"
)

// exchange is what the transport saw of one logical request, kept because go-salesforce returns errors
// without the response (fault c) and never reads headers (fault d).
type exchange struct {
	// idempotent says whether the transport may resend the request after 502/503/504 or a network error.
	idempotent bool

	mu     sync.Mutex
	status int
	header http.Header
	body   []byte // error responses only
}

func (e *exchange) snapshot() (int, http.Header, []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status, e.header, e.body
}

type exchangeKey struct{}

func withExchange(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, ex)
}

func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// recordingTransport is the outermost transport: it sees the final answer after transport retries and
// keeps its status, headers and (for errors) body on the request's exchange.
type recordingTransport struct {
	next http.RoundTripper
}

const maxErrorBody = 1 << 20

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		// retryablehttp may hand back the last response with a context error; net/http wants one or the other.
		if resp != nil {
			_ = resp.Body.Close()
		}
		return nil, err
	}
	ex := exchangeFrom(req.Context())
	if ex == nil {
		return resp, nil
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.status, ex.header, ex.body = resp.StatusCode, resp.Header.Clone(), nil
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		ex.body = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, nil
}

// limitTransport records Sforce-Limit-Info from every attempt, including ones the transport retries.
type limitTransport struct {
	next   http.RoundTripper
	record func(used, max int)
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		if used, max, ok := budget.ParseLimitInfo(resp.Header.Get("Sforce-Limit-Info")); ok {
			t.record(used, max)
		}
	}
	return resp, err
}

// apiCost is what a request spends of the org's API budget: every REST call below /services/data/vXX.X
// counts; the OAuth token endpoint and the versions list (/services/data/) do not.
func apiCost(req *http.Request) budget.Cost {
	rest, ok := strings.CutPrefix(req.URL.Path, "/services/data/")
	if !ok {
		return budget.Cost{}
	}
	if _, sub, _ := strings.Cut(rest, "/"); sub == "" {
		return budget.Cost{}
	}
	return budget.Full
}

// retryAfter reads Retry-After in either form (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// retryPolicy is the transport half of the retry layering described in the package documentation.
type retryPolicy struct {
	maxRetryAfter time.Duration
	now           func() time.Time
}

func (p retryPolicy) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	ex := exchangeFrom(ctx)
	idempotent := ex != nil && ex.idempotent
	if _, refused := budget.AsRefusal(err); refused {
		return false, nil // never sent; its wait belongs to the workflow, not to a transport sleep
	}
	if err != nil {
		// The request may have reached Salesforce; only an idempotent one is safe to send again.
		// DefaultRetryPolicy rules out errors no retry can fix (bad scheme, TLS trust, redirect loops).
		retry, _ := retryablehttp.DefaultRetryPolicy(ctx, nil, err)
		return retry && idempotent, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if d, ok := retryAfter(resp.Header, p.now()); ok {
			return d <= p.maxRetryAfter, nil
		}
		return resp.StatusCode == http.StatusTooManyRequests || idempotent, nil
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return idempotent, nil
	}
	return false, nil
}

func (p retryPolicy) backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header, p.now()); ok {
			return d
		}
	}
	return retryablehttp.DefaultBackoff(min, max, attempt, nil)
}

// newTransport builds the stack handed to go-salesforce; see the package documentation.
func newTransport(cfg Config, recordUsage func(used, max int)) http.RoundTripper {
	base := *cfg.HTTPClient // a copy: the caller's client is not modified
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	if cfg.Budget != nil {
		next = &budget.Transport{Guard: cfg.Budget, Next: next, Cost: apiCost, Read: budget.SalesforceReading}
	}
	base.Transport = &limitTransport{next: next, record: recordUsage}
	policy := retryPolicy{maxRetryAfter: cfg.MaxRetryAfter, now: time.Now}
	rc := &retryablehttp.Client{
		HTTPClient:   &base,
		Logger:       budget.TransportLogger{Logger: cfg.Logger.With("crm", "salesforce")},
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.RetryMax,
		CheckRetry:   policy.check,
		Backoff:      policy.backoff,
		// Hand the last answer back as it is, so the error keeps Salesforce's status and body.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return &recordingTransport{next: &retryablehttp.RoundTripper{Client: rc}}
}
