package salesforce

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gosf "github.com/k-capehart/go-salesforce/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/mocks/mockkit"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// splitEnv runs the org's My Domain (where client_credentials tokens come from) and the instance host as
// two servers sharing one org, the instance refusing token requests the way a pod host does.
func splitEnv(t *testing.T) (*env, *httptest.Server) {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	fake := sfmock.New(sfmock.Options{Now: clock.Now})
	login := httptest.NewServer(fake.MyDomainHandler())
	t.Cleanup(login.Close)
	inst := httptest.NewServer(fake.InstanceHandler(false))
	t.Cleanup(inst.Close)
	fake.SetInstanceURL(inst.URL)
	logs := &syncBuffer{}
	cfg := testConfig(login.URL, logs)
	conn, err := New(cfg)
	require.NoError(t, err)
	return &env{t: t, fake: fake, url: login.URL, clock: clock, conn: conn, logs: logs, cfg: cfg}, inst
}

// Fault b: the session is renewed at the login URL, not at instance_url.
func TestExpiredSessionIsRenewedAtLoginURL(t *testing.T) {
	e, _ := splitEnv(t)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", sfmock.Record{"CoSell_Enabled__c": true})}})
	deals, err := e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, deals, 1)
	require.Equal(t, 1, e.calls("oauth2/token"))

	e.fake.ExpireTokens()
	deals, err = e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	require.NoError(t, err, "the call succeeds after renewing the session")
	assert.Len(t, deals, 1)
	assert.Equal(t, 2, e.calls("oauth2/token"))
	assert.Contains(t, e.logs.String(), "authenticating again at the login URL")

	// Inactivity past the session timeout behaves the same.
	e.clock.Advance(3 * time.Hour)
	_, err = e.conn.GetDeal(ctx(t), deals[0].RecordID)
	require.NoError(t, err)
	assert.Equal(t, 3, e.calls("oauth2/token"))
}

func TestTransportRetries503And429(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	admin := e.fake.Admin()
	admin.AddFault(mockkit.Fault{Endpoint: "query", Status: http.StatusServiceUnavailable, Count: 2})
	_, err := e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	require.NoError(t, err)
	assert.Equal(t, 3, e.calls("query"), "two 503s, then success")

	admin.ResetCalls()
	admin.AddFault(mockkit.Fault{Endpoint: "query", Status: http.StatusTooManyRequests, Count: 1, Headers: map[string]string{"Retry-After": "1"}})
	_, err = e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	require.NoError(t, err)
	assert.Equal(t, 2, e.calls("query"), "429 waited out per Retry-After, then success")
}

func TestTransportGivesUpAfterThreeTries(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "query", Status: http.StatusServiceUnavailable})
	_, err := e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, ce.Status)
	assert.Equal(t, "SERVER_UNAVAILABLE", ce.Code)
	assert.True(t, ce.Retryable, "Temporal retries what the transport could not")
	assert.Equal(t, 3, e.calls("query"))
}

// Fault d, Retry-After: a long wait is not slept through in the transport but handed to Temporal.
func TestLongRetryAfterIsReturnedNotWaited(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "query", Status: http.StatusTooManyRequests, Headers: map[string]string{"Retry-After": "120"}})
	_, err := e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, ce.Status)
	assert.True(t, ce.Retryable)
	assert.Equal(t, 120*time.Second, ce.RetryAfter)
	assert.Equal(t, 1, e.calls("query"))
}

func TestTransportNeverResendsACreate(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", nil)}})
	oppID := e.fake.Opportunities()[0]["Id"].(string)
	note := connectors.NoteInput{DealRecordID: oppID, Key: "k-502", Body: "hello"}

	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "POST sobjects/Task", Status: http.StatusBadGateway, Count: 1})
	_, err := e.conn.CreateNote(ctx(t), note)
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusBadGateway, ce.Status)
	assert.True(t, ce.Retryable)
	assert.Equal(t, 1, e.calls("POST sobjects/Task"), "a POST is not resent after a 502")

	id, err := e.conn.CreateNote(ctx(t), note)
	require.NoError(t, err, "the activity's retry creates the note")
	assert.NotEmpty(t, id)
	assert.Len(t, e.fake.Tasks(), 1)

	// 503 with a short Retry-After says the request was not processed: even a create is resent.
	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "POST sobjects/Task", Status: http.StatusServiceUnavailable, Count: 1, Headers: map[string]string{"Retry-After": "0"}})
	_, err = e.conn.CreateNote(ctx(t), connectors.NoteInput{DealRecordID: oppID, Key: "k-503", Body: "again"})
	require.NoError(t, err)
	assert.Equal(t, 4, e.calls("POST sobjects/Task"))
	assert.Len(t, e.fake.Tasks(), 2)
}

// Fault c: bodies that are not Salesforce's error array keep their HTTP status.
func TestNonArrayErrorBodiesKeepTheirStatus(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "query", Status: http.StatusBadGateway})
	_, err := e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusBadGateway, ce.Status)
	assert.Contains(t, ce.Message, "Bad Gateway")
	assert.True(t, ce.Retryable)
	assert.Equal(t, 3, e.calls("query"), "an idempotent GET is retried on 502")

	e.fake.Admin().ClearFaults()
	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "query", Status: http.StatusBadRequest, Body: []byte(`{"errorCode":"FUNCTIONALITY_NOT_ENABLED","message":"not in this edition"}`)})
	_, err = e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	ce = requireCRMError(t, err)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.Equal(t, "FUNCTIONALITY_NOT_ENABLED", ce.Code)
	assert.Equal(t, "not in this edition", ce.Message)
	assert.False(t, ce.Retryable)
}

func TestRequestLimitExceededIsClassifiedNotRetried(t *testing.T) {
	e := newEnv(t, sfmock.Options{DailyLimit: 5}, nil)
	_, err := e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	require.NoError(t, err)
	e.fake.SetAPIUsage(5, 0)
	e.fake.Admin().ResetCalls()

	_, err = e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusForbidden, ce.Status)
	assert.Equal(t, "REQUEST_LIMIT_EXCEEDED", ce.Code)
	assert.Equal(t, "TotalRequests Limit exceeded.", ce.Message)
	assert.True(t, ce.Retryable)
	assert.Equal(t, 5*time.Minute, ce.RetryAfter)
	assert.Contains(t, err.Error(), "daily API request limit reached (5/5 used)")
	assert.Equal(t, 1, e.calls("query"), "the transport does not spend budget retrying")
	used, max := e.conn.APIUsage()
	assert.Equal(t, 5, used)
	assert.Equal(t, 5, max)
}

// Fault d, Sforce-Limit-Info: the connector tracks the org's API usage.
func TestAPIUsageFollowsSforceLimitInfo(t *testing.T) {
	e := newEnv(t, sfmock.Options{DailyLimit: 1000}, nil)
	used, max := e.conn.APIUsage()
	assert.Zero(t, used+max)
	for i := 0; i < 3; i++ {
		_, err := e.conn.ListOwners(ctx(t))
		require.NoError(t, err)
	}
	used, max = e.conn.APIUsage()
	fakeUsed, fakeMax := e.fake.APIUsage()
	assert.Equal(t, 3, used)
	assert.Equal(t, fakeUsed, used)
	assert.Equal(t, fakeMax, max)
}

func TestBadCredentialsAreNotRetryable(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, func(c *Config) { c.ClientSecret = "wrong-secret-value" })
	_, err := e.conn.ListOwners(ctx(t))
	ce := requireCRMError(t, err)
	assert.Equal(t, "invalid_client", ce.Code)
	assert.Equal(t, "invalid client credentials", ce.Message)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.False(t, ce.Retryable)
	assert.NotContains(t, e.logs.String(), "wrong-secret-value")
}

func TestPasswordFlowAndNoSecretsInLogs(t *testing.T) {
	e := newEnv(t, sfmock.Options{SecurityToken: "SECTOKEN123"}, func(c *Config) {
		c.Username = sfmock.DefaultUsername
		c.Password = sfmock.DefaultPassword
		c.SecurityToken = "SECTOKEN123"
	})
	_, err := e.conn.ListOwners(ctx(t))
	require.NoError(t, err)
	token := e.conn.sess.sf.GetAccessToken()
	require.NotEmpty(t, token)
	e.fake.ExpireTokens()
	_, err = e.conn.ListOwners(ctx(t))
	require.NoError(t, err)
	logs := e.logs.String()
	require.NotEmpty(t, logs)
	for _, secret := range []string{sfmock.DefaultClientSecret, sfmock.DefaultPassword, "SECTOKEN123", token, e.conn.sess.sf.GetAccessToken()} {
		assert.NotContains(t, logs, secret)
	}
}

func TestContextReachesTheWire(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	_, err := e.conn.ListOwners(ctx(t))
	require.NoError(t, err)

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = e.conn.ListOwners(canceled)
	assert.ErrorIs(t, err, context.Canceled)

	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "query", LatencyMS: 5000})
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, err = e.conn.ListOwners(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "go-salesforce's context-free request is bound to the caller's deadline")
	assert.True(t, connectors.IsRetryable(err))
}

func TestDefaultAPIVersionIsGoSalesforces(t *testing.T) {
	sf, err := gosf.Init(gosf.Creds{Domain: "https://example.my.salesforce.com", AccessToken: "x"}, gosf.WithValidateAuthentication(false))
	require.NoError(t, err)
	assert.Equal(t, DefaultAPIVersion, sf.GetAPIVersion())
	assert.Equal(t, sfmock.DefaultAPIVersion, DefaultAPIVersion, "the fake serves the connector's version")
}

// Fault a: with a non-default version, query paging and composite sub-URLs stay on that version.
func TestNonDefaultAPIVersionPagesAndBatches(t *testing.T) {
	e := newEnv(t, sfmock.Options{APIVersions: []string{"v62.0"}, PageSize: 2}, func(c *Config) { c.APIVersion = "v62.0" })
	var opps []sfmock.Record
	for i := 0; i < 5; i++ {
		opps = append(opps, oppSeed("Deal", sfmock.Record{"CoSell_Enabled__c": true}))
	}
	e.seed(sfmock.SeedData{Opportunities: opps})
	deals, err := e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	require.NoError(t, err)
	assert.Len(t, deals, 5)
	assert.Equal(t, 2, e.calls("query/more"))

	res, err := e.conn.UpsertDeals(ctx(t), []DealUpsert{
		{CoSellID: "CS-A", Fields: map[string]any{"Name": "A", "StageName": "Prospecting", "CloseDate": "2026-12-31"}},
		{CoSellID: "CS-B", Fields: map[string]any{"Name": "B", "StageName": "Prospecting", "CloseDate": "2026-12-31"}},
	})
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
		assert.True(t, r.Created)
	}
	assert.Len(t, e.fake.Opportunities(), 7)
}

func TestMultipleChoicesIsAnError(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "PATCH sobjects/Opportunity/ext", Status: http.StatusMultipleChoices,
		Body: []byte(`["/services/data/v63.0/sobjects/Opportunity/0065g0000000001AAA","/services/data/v63.0/sobjects/Opportunity/0065g0000000002AAA"]`)})
	_, err := e.conn.UpsertDeal(ctx(t), "CS-1", map[string]any{"Name": "x"})
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusMultipleChoices, ce.Status)
	assert.False(t, ce.Retryable)
	assert.True(t, strings.Contains(ce.Message, "more than one record"), ce.Message)
	assert.False(t, errors.Is(err, connectors.ErrNotFound))
}
