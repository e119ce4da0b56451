package salesforce

// These tests pin the go-salesforce v3.1.0 faults this package works around, by driving the library itself
// against the fake. Each one asserts the faulty behaviour; when an upgrade fixes a fault its test fails,
// which is the cue to drop the matching workaround (see doc.go).

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	gosf "github.com/k-capehart/go-salesforce/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mocks/mockkit"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

func rawClient(t *testing.T, loginURL string, opts ...gosf.Option) *gosf.Salesforce {
	t.Helper()
	sf, err := gosf.Init(gosf.Creds{Domain: loginURL, ConsumerKey: sfmock.DefaultClientID, ConsumerSecret: sfmock.DefaultClientSecret}, opts...)
	require.NoError(t, err)
	return sf
}

func TestUpstreamFaultA_NonDefaultVersionBreaksPagingAndComposite(t *testing.T) {
	fake := sfmock.New(sfmock.Options{APIVersions: []string{"v62.0"}, PageSize: 2})
	ts := httptest.NewServer(fake)
	defer ts.Close()
	var opps []sfmock.Record
	for i := 0; i < 3; i++ {
		opps = append(opps, oppSeed("Deal", nil))
	}
	require.NoError(t, fake.Seed(sfmock.SeedData{Opportunities: opps}))
	sf := rawClient(t, ts.URL, gosf.WithAPIVersion("v62.0"))

	var out []map[string]any
	err := sf.Query("SELECT Id FROM Opportunity", &out)
	require.Error(t, err, "page two is requested at /services/data/v62.0/services/data/v62.0/query/...")
	assert.Contains(t, err.Error(), "NOT_FOUND")
	assert.Equal(t, 1, fake.Admin().Snapshot().Endpoints["query"].Count)

	res, err := sf.UpsertComposite("Opportunity", "CoSell_Id__c", []map[string]any{
		{"CoSell_Id__c": "CS-1", "Name": "x", "StageName": "Prospecting", "CloseDate": "2026-12-31"},
	}, 200, false)
	require.NoError(t, err)
	assert.True(t, res.HasSalesforceErrors, "the sub-URL says v63.0, which this org does not serve")
	assert.Len(t, fake.Opportunities(), 3, "nothing was upserted")
}

func TestUpstreamFaultB_RefreshesAtInstanceURL(t *testing.T) {
	fake := sfmock.New(sfmock.Options{})
	login := httptest.NewServer(fake.MyDomainHandler())
	defer login.Close()
	inst := httptest.NewServer(fake.InstanceHandler(false))
	defer inst.Close()
	fake.SetInstanceURL(inst.URL)
	sf := rawClient(t, login.URL)

	var out []map[string]any
	require.NoError(t, sf.Query("SELECT Id FROM User", &out))
	fake.ExpireTokens()
	err := sf.Query("SELECT Id FROM User", &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed authentication", "the token request went to the instance host")
	assert.Equal(t, 2, fake.Admin().Snapshot().Endpoints["oauth2/token"].Count, "one token at login, one refused at the instance")
}

func TestUpstreamFaultC_NonArrayErrorLosesStatus(t *testing.T) {
	fake := sfmock.New(sfmock.Options{})
	ts := httptest.NewServer(fake)
	defer ts.Close()
	sf := rawClient(t, ts.URL)
	fake.Admin().AddFault(mockkit.Fault{Endpoint: "query", Status: http.StatusBadGateway})
	resp, err := sf.DoRequest(http.MethodGet, "/query?q="+url.QueryEscape("SELECT Id FROM User"), nil)
	require.Error(t, err)
	assert.Nil(t, resp, "no response, so no status")
	var syntaxErr *json.SyntaxError
	assert.ErrorAs(t, err, &syntaxErr, "the error is the JSON decoder's, not an HTTP one")
	assert.NotContains(t, err.Error(), "502")
}

func TestUpstreamFaultD_RetryAfterUnread(t *testing.T) {
	fake := sfmock.New(sfmock.Options{})
	ts := httptest.NewServer(fake)
	defer ts.Close()
	sf := rawClient(t, ts.URL)
	fake.Admin().AddFault(mockkit.Fault{Endpoint: "query", Status: http.StatusServiceUnavailable, Count: 1, Headers: map[string]string{"Retry-After": "1"}})
	resp, err := sf.DoRequest(http.MethodGet, "/query?q="+url.QueryEscape("SELECT Id FROM User"), nil)
	require.Error(t, err, "a 503 asking to retry in a second is returned at once")
	assert.Nil(t, resp, "and the Retry-After header with it is gone")
	assert.Equal(t, 1, fake.Admin().Snapshot().Endpoints["query"].Count)

}
