package worker

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/connectors/salesforce"
	"github.com/cosellsync/cosell/internal/config"
)

// NewGuard builds a connection's API budget guard (connectors/budget) with the shares and probe
// interval of its COSELL_CONN_<NAME>_BUDGET_* settings.
func NewGuard(kind string, c config.Connection) *budget.Guard {
	return budget.New(budget.Config{CRM: kind, Connection: c.Name, DailyShare: c.BudgetDailyShare,
		ShortShare: c.BudgetWindowShare, ProbeEvery: c.BudgetProbeInterval})
}

// Connect builds the connector for one CRM connection. Nothing is called until the first sync step, so
// a CRM that is down at boot does not keep the worker from starting; it shows on the deals and feeds.
//
// Every call goes through guard, the connection's API budget guard (NewGuard); nil builds a fresh one.
// The worker keeps one guard per connection across connector rebuilds, so a rebuilt connector does not
// forget where the budget stands.
func Connect(kind string, c config.Connection, fields connectors.DealFields, httpClient *http.Client, log *slog.Logger, guard *budget.Guard) (connectors.CRM, error) {
	if guard == nil {
		guard = NewGuard(kind, c)
	}
	switch kind {
	case "salesforce":
		return salesforce.New(salesforce.Config{
			LoginURL:      c.URL,
			ClientID:      c.ClientID,
			ClientSecret:  c.ClientSecret,
			Username:      c.Username,
			Password:      c.Password,
			SecurityToken: c.SecurityToken,
			HTTPClient:    httpClient,
			DealFields:    fields,
			Logger:        log.With("crm", "salesforce"),
			Budget:        guard,
		})
	case "hubspot":
		// IndexLag off: the poller re-reads COSELL_POLL_OVERLAP behind its cursor instead. That does not
		// miss a change: a record the index has not shown at a poll has a stamp later than that poll's
		// time minus the lag, and the cursor never passes that poll's time, so the next poll's window
		// (cursor minus overlap) still holds the record as long as the overlap exceeds the lag. The same
		// holds for Salesforce's late commits with overlap > commit delay + 1 s (whole-second stamps).
		// connectors/*/consistency_test.go show it against the fakes; holding every change back by a
		// guard would add the lag to every mirror's latency for no further safety.
		cfg := hubspot.Config{BaseURL: c.URL, HTTPClient: httpClient, DealFields: fields, IndexLag: -1, AppURL: c.AppURL,
			Logger: log.With("crm", "hubspot"), Budget: guard}
		if c.Token != "" {
			cfg.PrivateAppToken = c.Token
		} else {
			cfg.OAuth = &hubspot.OAuthConfig{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken, TokenURL: c.TokenURL}
		}
		return hubspot.New(cfg)
	default:
		return nil, fmt.Errorf("unknown CRM kind %q", kind)
	}
}
