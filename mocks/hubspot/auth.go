package hubspot

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const authNotFoundMessage = "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"

// accessToken is an OAuth access token the fake issued.
type accessToken struct {
	expires time.Time
	grant   string
}

// credential is who a request authenticated as, which decides its rate-limit buckets.
type credential struct {
	privateApp bool
	bucket     string
}

// authenticate checks the bearer token of an API request.
func (s *Server) authenticate(r *http.Request) (credential, *apiError) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		token, ok = strings.CutPrefix(h, "bearer ")
	}
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		return credential{}, newError(http.StatusUnauthorized, "INVALID_AUTHENTICATION", authNotFoundMessage)
	}
	for i, t := range s.opts.PrivateAppTokens {
		if t == token {
			return credential{privateApp: true, bucket: fmt.Sprintf("private-app-%d", i)}, nil
		}
	}
	s.mu.Lock()
	var expires time.Time
	at, found := s.tokens[token]
	if found {
		expires = at.expires
	}
	s.mu.Unlock()
	if !found {
		return credential{}, newError(http.StatusUnauthorized, "INVALID_AUTHENTICATION", authNotFoundMessage)
	}
	if now := s.opts.Now(); !now.Before(expires) {
		ago := int(now.Sub(expires) / time.Minute)
		return credential{}, newError(http.StatusUnauthorized, "EXPIRED_AUTHENTICATION",
			"The OAuth token used to make this call expired %d minute(s) ago.", ago)
	}
	return credential{bucket: "oauth-app"}, nil
}

// oauthError is the token endpoint's error body: RFC 6749 fields plus HubSpot's own status and message.
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Status           string `json:"status"`
	Message          string `json:"message"`
	CorrelationID    string `json:"correlationId"`
}

func writeOAuthError(w http.ResponseWriter, status int, code, hubspotStatus, message string) {
	writeJSON(w, status, oauthError{
		Error: code, ErrorDescription: message, Status: hubspotStatus, Message: message,
		CorrelationID: newCorrelationID(),
	})
}

// handleToken is POST /oauth/v1/token: a form-encoded refresh_token or client_credentials grant with the
// client credentials in the form, as HubSpot's documentation shows them.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "BAD_REQUEST", "the request body must be application/x-www-form-urlencoded")
		return
	}
	f := r.PostForm
	grant := f.Get("grant_type")
	if grant != "refresh_token" && grant != "client_credentials" && grant != "authorization_code" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "BAD_GRANT_TYPE", "grant_type must be one of authorization_code, refresh_token, client_credentials")
		return
	}
	if s.opts.ClientID == "" || f.Get("client_id") != s.opts.ClientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "BAD_CLIENT_ID", "missing or unknown client id")
		return
	}
	if f.Get("client_secret") != s.opts.ClientSecret {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "BAD_CLIENT_SECRET", "missing or invalid client secret")
		return
	}
	refresh := ""
	switch grant {
	case "authorization_code":
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "BAD_AUTH_CODE", "auth code not found")
		return
	case "refresh_token":
		refresh = f.Get("refresh_token")
		if refresh == "" || !contains(s.opts.RefreshTokens, refresh) {
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "BAD_REFRESH_TOKEN", "refresh token is invalid, expired or revoked")
			return
		}
	}
	token := s.issueToken(grant)
	body := map[string]any{
		"token_type":   "bearer",
		"access_token": token,
		"expires_in":   int(s.opts.TokenTTL / time.Second),
	}
	if refresh != "" {
		body["refresh_token"] = refresh
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) issueToken(grant string) string {
	var b [48]byte
	_, _ = rand.Read(b[:])
	token := "CO" + base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = &accessToken{expires: s.opts.Now().Add(s.opts.TokenTTL), grant: grant}
	return token
}

// ExpireTokens makes every OAuth access token issued so far expired, as if its TTL had run out, and
// returns how many there were. A client must then refresh; its local copy of the token still looks valid,
// which is the case a connector's refresh-on-401 path exists for.
func (s *Server) ExpireTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	for _, t := range s.tokens {
		if now.Before(t.expires) {
			t.expires = now.Add(-time.Millisecond)
		}
	}
	return len(s.tokens)
}

// IssueAccessToken mints an OAuth access token directly, for tests that want a token without the token
// endpoint.
func (s *Server) IssueAccessToken() string { return s.issueToken("admin") }

func (s *Server) handleAdminExpire(w http.ResponseWriter, _ *http.Request) {
	n := s.ExpireTokens()
	writeJSON(w, http.StatusOK, map[string]int{"expired": n})
}
