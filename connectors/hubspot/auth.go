package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/cosellsync/cosell/connectors"
)

// tokenSource yields the bearer token of each attempt, and a fresh one when HubSpot refused a token
// that looked valid locally (revoked, or expired early).
type tokenSource interface {
	token(ctx context.Context) (string, error)
	// refresh replaces the token refused as stale and returns the new one; ok is false when the
	// credential cannot be refreshed (a private-app token).
	refresh(ctx context.Context, stale string) (fresh string, ok bool, err error)
}

// staticToken is a private app's access token, which never changes.
type staticToken string

func (s staticToken) token(context.Context) (string, error) { return string(s), nil }

func (staticToken) refresh(context.Context, string) (string, bool, error) { return "", false, nil }

// oauthToken caches an OAuth access token and refreshes it through golang.org/x/oauth2 when it is about
// to expire (oauth2's own early-expiry margin) or when HubSpot refused it.
type oauthToken struct {
	httpClient *http.Client
	fetch      func(ctx context.Context) (*oauth2.Token, error)

	mu      sync.Mutex
	current *oauth2.Token
}

func newOAuthToken(cfg *OAuthConfig, httpClient *http.Client) *oauthToken {
	t := &oauthToken{httpClient: httpClient}
	endpoint := oauth2.Endpoint{TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams}
	if cfg.RefreshToken != "" {
		conf := &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: endpoint}
		refreshToken := cfg.RefreshToken
		t.fetch = func(ctx context.Context) (*oauth2.Token, error) {
			// Start from the newest refresh token: HubSpot may hand out a new one with each access token.
			if t.current != nil && t.current.RefreshToken != "" {
				refreshToken = t.current.RefreshToken
			}
			return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
		}
	} else {
		conf := &clientcredentials.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.TokenURL,
			AuthStyle: oauth2.AuthStyleInParams,
		}
		t.fetch = conf.Token
	}
	return t
}

func (t *oauthToken) token(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.current.Valid() {
		return t.current.AccessToken, nil
	}
	return t.renew(ctx)
}

func (t *oauthToken) refresh(ctx context.Context, stale string) (string, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.current.Valid() && t.current.AccessToken != stale {
		return t.current.AccessToken, true, nil // another request already refreshed it
	}
	fresh, err := t.renew(ctx)
	return fresh, true, err
}

// renew fetches a new access token; the caller holds t.mu.
func (t *oauthToken) renew(ctx context.Context) (string, error) {
	tok, err := t.fetch(context.WithValue(ctx, oauth2.HTTPClient, t.httpClient))
	if err != nil {
		return "", tokenError(err)
	}
	t.current = tok
	return tok.AccessToken, nil
}

// tokenError classifies a failed token request: HubSpot's refusal of the credentials (a revoked refresh
// token, a wrong client secret) cannot be fixed by retrying; anything else may be.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return fmt.Errorf("hubspot: fetch OAuth token: %w", err)
	}
	status := re.Response.StatusCode
	e := classify("fetch OAuth token", status, re.Response.Header, re.Body, nil)
	if e.Code == "" {
		e.Code = re.ErrorCode
	}
	if e.Message == "" {
		e.Message = re.ErrorDescription
	}
	return &connectors.Error{
		CRM: e.CRM, Op: e.Op, Status: e.Status, Code: e.Code, Message: e.Message,
		Retryable: status == http.StatusTooManyRequests || status >= 500, RetryAfter: e.RetryAfter,
	}
}
