package salesforce

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// The connector's hook into the budget guard: every API attempt passes it, a refused call is never
// sent nor retried in the transport, and the org's count never passes the share.
func TestBudgetGuardKeepsTheOrgUnderTheShare(t *testing.T) {
	var g *budget.Guard
	e := newEnv(t, sfmock.Options{DailyLimit: 40}, func(c *Config) {
		g = budget.New(budget.Config{CRM: crmName, Connection: "acme-sf", DailyShare: 0.5, ProbeEvery: time.Hour})
		c.Budget = g
	})
	require.Same(t, g, e.conn.Budget())
	var err error
	calls := 0
	for calls < 100 {
		if _, err = e.conn.ListOwners(ctx(t)); err != nil {
			break
		}
		calls++
	}
	require.Error(t, err, "the guard pauses the connection before the org's budget is spent")
	r, ok := budget.AsRefusal(err)
	require.True(t, ok, "want a *budget.Refusal, got %T: %v", err, err)
	assert.True(t, r.Paused())
	assert.Equal(t, 20, r.Line)
	_, isCRMError := connectors.AsError(err)
	assert.False(t, isCRMError, "nothing reached Salesforce: it is not a CRM error")
	assert.True(t, connectors.IsRetryable(err))

	used, _ := e.fake.APIUsage()
	assert.Equal(t, 20-3, used, "ordinary work stops at the line less the probe reserve")
	assert.Equal(t, used, calls)
	before := e.calls("query")
	_, err = e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	require.True(t, errors.As(err, &r))
	assert.Equal(t, before, e.calls("query"), "a refused call is not sent, nor retried by the transport")
	assert.Positive(t, e.calls("oauth2/token"), "the token request passed: it costs nothing")
}
