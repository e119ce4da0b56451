package hubspot_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/mocks/mockkit"
)

func oauthConfig() hubspot.Config {
	return hubspot.Config{OAuth: &hubspot.OAuthConfig{ClientID: "app-client", ClientSecret: "app-secret", RefreshToken: "refresh-abc"}}
}

func TestOAuthRefreshesAfterServerSideExpiry(t *testing.T) {
	e := newEnv(t, func(o *fake.Options) { o.TokenTTL = time.Hour })
	c := e.connect(oauthConfig())
	ctx := context.Background()
	_, err := c.ListOwners(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, e.calls("POST oauth/v1/token"))
	_, err = c.ListOwners(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, e.calls("POST oauth/v1/token"), "a valid token is reused")

	require.Positive(t, e.portal.ExpireTokens()) // HubSpot refuses the token the client still believes valid
	_, found, err := c.FindDealByCoSellID(ctx, "CS-1")
	require.NoError(t, err)
	assert.False(t, found)
	assert.Equal(t, 2, e.calls("POST oauth/v1/token"), "one refresh after the 401")
	assert.Equal(t, 2, e.calls("GET deals/{id}"), "the refused attempt, then the same request with the new token")
}

func TestOAuthRefreshesAheadOfExpiry(t *testing.T) {
	e := newEnv(t, func(o *fake.Options) { o.TokenTTL = time.Second; o.Now = nil })
	c := e.connect(oauthConfig())
	for range 3 {
		_, err := c.ListOwners(context.Background())
		require.NoError(t, err)
	}
	// Each ListOwners reads active and archived owners: six requests, each finding its token inside
	// oauth2's early-expiry margin and so refreshing before use, never after a 401.
	assert.Equal(t, 6, e.calls("GET owners"), "no request was refused")
	assert.Equal(t, 6, e.calls("POST oauth/v1/token"))
}

func TestOAuthClientCredentials(t *testing.T) {
	e := newEnv(t)
	c := e.connect(hubspot.Config{OAuth: &hubspot.OAuthConfig{ClientID: "app-client", ClientSecret: "app-secret"}})
	_, err := c.ListOwners(context.Background())
	require.NoError(t, err)
}

func TestRevokedRefreshTokenIsFinal(t *testing.T) {
	e := newEnv(t)
	c := e.connect(hubspot.Config{OAuth: &hubspot.OAuthConfig{ClientID: "app-client", ClientSecret: "app-secret", RefreshToken: "revoked"}})
	_, err := c.GetDeal(context.Background(), "1")
	ce, ok := connectors.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "BAD_REFRESH_TOKEN", ce.Code)
	assert.False(t, ce.Retryable)
	assert.Equal(t, 1, e.calls("POST oauth/v1/token"))
	assert.Zero(t, e.calls("GET deals/{id}"))
}

func TestInvalidPrivateTokenIsFinal(t *testing.T) {
	e := newEnv(t)
	c := e.connect(hubspot.Config{PrivateAppToken: "wrong"})
	_, err := c.GetDeal(context.Background(), "1")
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.Equal(t, http.StatusUnauthorized, ce.Status)
	assert.Equal(t, "INVALID_AUTHENTICATION", ce.Code)
	assert.False(t, ce.Retryable)
	assert.Equal(t, 1, e.calls("GET deals/{id}"))
}

func TestTenSecondly429IsRetriedInTransport(t *testing.T) {
	// A real rolling window, shortened so the connector's wait (the window HubSpot reports) is short.
	e := newEnv(t, func(o *fake.Options) { o.RateLimit = 2; o.RateLimitWindow = 300 * time.Millisecond; o.Now = nil })
	ctx := context.Background()
	start := time.Now()
	for range 3 {
		_, _, err := e.client.FindDealByCoSellID(ctx, "CS-1")
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "the third request waited out the window")
	assert.Equal(t, 4, e.calls("GET deals/{id}"), "three requests, one refused and repeated")
}

func TestRateLimitRetryHonoursRetryAfterEvenForCreates(t *testing.T) {
	e := newEnv(t)
	deal, err := e.client.UpsertDeal(context.Background(), "CS-1", map[string]any{"dealname": "A"})
	require.NoError(t, err)
	e.portal.Admin().AddFault(mockkit.Fault{Endpoint: "POST notes", Status: 429, Count: 2, Headers: map[string]string{"Retry-After": "0"}})
	id, err := e.client.CreateNote(context.Background(), connectors.NoteInput{DealRecordID: deal.RecordID, Key: "k", Body: "b"})
	require.NoError(t, err)
	assert.NotEmpty(t, id)
	assert.Equal(t, 3, e.calls("POST notes"), "a 429 means HubSpot did nothing, so even a create is repeated")
	assert.Len(t, e.portal.Notes(), 1)
}

func TestRateLimitGivesUpAfterThreeTries(t *testing.T) {
	e := newEnv(t)
	e.portal.Admin().AddFault(mockkit.Fault{Endpoint: "GET deals/{id}", Status: 429, Headers: map[string]string{"Retry-After": "0"}})
	_, err := e.client.GetDeal(context.Background(), "1")
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.Equal(t, "TEN_SECONDLY_ROLLING", ce.Code)
	assert.True(t, ce.Retryable)
	assert.Equal(t, 3, e.calls("GET deals/{id}"))
}

func TestDaily429IsNotRetriedAndSaysSo(t *testing.T) {
	e := newEnv(t, func(o *fake.Options) { o.DailyLimit = 1 })
	ctx := context.Background()
	_, _, err := e.client.FindDealByCoSellID(ctx, "CS-0")
	require.NoError(t, err)
	_, _, err = e.client.FindDealByCoSellID(ctx, "CS-1")
	require.Error(t, err)
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.Equal(t, http.StatusTooManyRequests, ce.Status)
	assert.Equal(t, "DAILY", ce.Code)
	assert.Equal(t, "You have reached your daily limit.", ce.Message)
	assert.True(t, ce.Retryable)
	assert.True(t, connectors.IsRetryable(err))
	assert.Greater(t, ce.RetryAfter, time.Minute)
	assert.LessOrEqual(t, ce.RetryAfter, 24*time.Hour)
	assert.Contains(t, err.Error(), "daily API limit reached")
	assert.Equal(t, 2, e.calls("GET deals/{id}"), "the refused request is not retried in the transport")
}

func TestServerErrorsRetriedOnlyWhenSafe(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	deal, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "A"})
	require.NoError(t, err)

	e.portal.Admin().AddFault(mockkit.Fault{Endpoint: "GET deals/{id}", Status: 503, Count: 1})
	_, err = e.client.GetDeal(ctx, deal.RecordID)
	require.NoError(t, err)
	assert.Equal(t, 2, e.calls("GET deals/{id}"))

	e.portal.Admin().AddFault(mockkit.Fault{Endpoint: "POST deals/batch/upsert", Status: 502, Count: 1})
	_, err = e.client.UpsertDeal(ctx, "CS-1", map[string]any{"amount": 5})
	require.NoError(t, err, "a keyed upsert is safe to repeat")

	e.portal.Admin().AddFault(mockkit.Fault{Endpoint: "POST notes", Status: 502, Count: 1})
	in := connectors.NoteInput{DealRecordID: deal.RecordID, Key: "k1", Body: "hello"}
	_, err = e.client.CreateNote(ctx, in)
	require.Error(t, err)
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.Equal(t, http.StatusBadGateway, ce.Status)
	assert.True(t, ce.Retryable, "the activity may retry: CreateNote is idempotent on its key")
	assert.Equal(t, 1, e.calls("POST notes"), "a plain create is never repeated by the transport")

	_, err = e.client.CreateNote(ctx, in)
	require.NoError(t, err)
	assert.Len(t, e.portal.Notes(), 1)
}

func TestServerErrorGivesUpAfterThreeTries(t *testing.T) {
	e := newEnv(t)
	e.portal.Admin().AddFault(mockkit.Fault{Endpoint: "POST deals/search", Status: 500})
	_, err := e.client.ChangedDeals(context.Background(), connectors.Cursor{}, 10)
	ce, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.True(t, ce.Retryable)
	assert.Equal(t, 3, e.calls("POST deals/search"))
}

func TestNetworkFailureIsUnclassifiedAndRetryable(t *testing.T) {
	e := newEnv(t)
	e.ts.Close()
	_, err := e.client.GetDeal(context.Background(), "1")
	require.Error(t, err)
	_, classified := connectors.AsError(err)
	assert.False(t, classified)
	assert.True(t, connectors.IsRetryable(err))
	assert.True(t, strings.HasPrefix(err.Error(), "hubspot: get deals 1"), err.Error())
}

func TestContextCancelStopsRetries(t *testing.T) {
	e := newEnv(t)
	e.portal.Admin().AddFault(mockkit.Fault{Endpoint: "GET deals/{id}", Status: 429})
	c := e.connect(hubspot.Config{PrivateAppToken: privateToken, MaxRetryWait: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.GetDeal(ctx, "1")
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
}
