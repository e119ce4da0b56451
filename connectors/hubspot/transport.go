package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
)

// retryInfo rides in a request's context so the retry policy knows whether the request may be repeated
// after an ambiguous failure, and so the back-off can use what the policy read from the answer.
type retryInfo struct {
	// safe is true for requests whose repetition cannot change the result: reads, searches, batch reads,
	// PATCH and batch upsert (keyed writes). A plain create is not safe: a 5xx may hide a success.
	safe bool
	// policy is the rate-limit policy of the last 429, read from its body.
	policy string
}

type retryInfoKey struct{}

func infoFrom(ctx context.Context) *retryInfo {
	if ri, ok := ctx.Value(retryInfoKey{}).(*retryInfo); ok {
		return ri
	}
	return &retryInfo{}
}

// newRetryClient builds the transport layer: retryablehttp repeating attempts, each attempt going through
// authTransport, which sets the bearer token and refreshes it once on a 401.
func newRetryClient(cfg Config, tokens tokenSource) *retryablehttp.Client {
	base := cfg.HTTPClient
	api := base.Transport
	if cfg.Budget != nil {
		api = &budget.Transport{Guard: cfg.Budget, Next: base.Transport, Cost: apiCost, Read: budget.HubSpotReading}
	}
	inner := &http.Client{
		Transport:     &authTransport{base: api, tokens: tokens},
		Timeout:       base.Timeout,
		CheckRedirect: base.CheckRedirect,
		Jar:           base.Jar,
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = inner
	rc.Logger = nil
	if cfg.Logger != nil {
		rc.Logger = budget.TransportLogger{Logger: cfg.Logger}
	}
	rc.RetryMax = cfg.MaxTries - 1
	rc.RetryWaitMin = cfg.MinRetryWait
	rc.RetryWaitMax = cfg.MaxRetryWait
	rc.CheckRetry = checkRetry
	rc.Backoff = backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return rc
}

// checkRetry decides which failures the transport repeats:
//   - 429 on the rolling window (TEN_SECONDLY_ROLLING) or the search limit (SECONDLY), for every request:
//     HubSpot refused it before doing anything. A DAILY 429 is not repeated: the budget is spent for
//     hours, and the caller gets a classified error saying so.
//   - 423 Locked, for every request: the write was refused, not done.
//   - 5xx and network failures, only for requests that are safe to repeat.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	ri := infoFrom(ctx)
	if _, refused := budget.AsRefusal(err); refused {
		return false, nil // never sent; its wait belongs to the workflow, not to a transport sleep
	}
	if err != nil {
		if e, ok := connectors.AsError(err); ok {
			return e.Retryable && ri.safe, nil // a failed OAuth token request, already classified
		}
		return ri.safe, nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		var b apiError
		_ = json.Unmarshal(peekBody(resp), &b)
		ri.policy = b.PolicyName
		return b.PolicyName != policyDaily, nil
	case resp.StatusCode == http.StatusLocked:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return ri.safe, nil
	}
	return false, nil
}

// apiCost is what a request spends of the portal's budgets: every API call counts against the daily
// limit; a search is not counted in the app's rolling window (the search endpoints have a per-second
// limit of their own and send no rate-limit headers).
func apiCost(req *http.Request) budget.Cost {
	if strings.HasSuffix(req.URL.Path, "/search") {
		return budget.Cost{Daily: true, Blind: true}
	}
	return budget.Full
}

// backoff waits what HubSpot asked for: Retry-After when sent, else the rate-limit window; 2 s for a lock;
// exponential with jitter for server and network failures. Every wait is capped at max.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	var wait time.Duration
	switch {
	case resp != nil && resp.StatusCode == http.StatusTooManyRequests:
		if d, ok := parseRetryAfter(resp.Header, time.Now); ok {
			wait = d
		} else {
			wait = rateWindow(resp.Header, infoFrom(resp.Request.Context()).policy)
		}
	case resp != nil && resp.StatusCode == http.StatusLocked:
		wait = 2 * time.Second
	default:
		if resp != nil {
			if d, ok := parseRetryAfter(resp.Header, time.Now); ok {
				return min2(d, max)
			}
		}
		wait = min << attempt
		wait += time.Duration(rand.Int64N(int64(min)/2 + 1))
	}
	return min2(wait, max)
}

func min2(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// peekBody reads a response body and puts it back, so the retry policy can look at it and the caller
// can still read it.
func peekBody(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// authTransport sets the bearer token on each attempt. When HubSpot answers 401 to a token the client
// believed valid (revoked, or expired early), it refreshes the token once and repeats the attempt: the
// request was refused, so repeating it is safe for any method.
type authTransport struct {
	base   http.RoundTripper
	tokens tokenSource
}

// RoundTrip sends one attempt with the current token, and once more with a fresh one after a 401.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	ctx := req.Context()
	token, err := t.tokens.token(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := t.send(req, body, token)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	fresh, ok, err := t.tokens.refresh(ctx, token)
	if !ok {
		return resp, nil
	}
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	resp.Body.Close()
	return t.send(req, body, fresh)
}

func (t *authTransport) send(req *http.Request, body []byte, token string) (*http.Response, error) {
	r := req.Clone(req.Context())
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
	}
	r.Header.Set("Authorization", "Bearer "+token)
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}
