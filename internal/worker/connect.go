package worker

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/connectors/salesforce"
	"github.com/cosellsync/cosell/internal/config"
)

// Connect builds the connector for one CRM connection. Nothing is called until the first sync step, so
// a CRM that is down at boot does not keep the worker from starting; it shows on the deals and feeds.
func Connect(kind string, c config.Connection, fields connectors.DealFields, httpClient *http.Client, log *slog.Logger) (connectors.CRM, error) {
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
		})
	case "hubspot":
		// IndexLag off: the poller re-reads COSELL_POLL_OVERLAP behind its cursor, which catches a record
		// HubSpot's search index shows late as long as the lag is shorter than the overlap, without holding
		// back every change for the lag.
		cfg := hubspot.Config{BaseURL: c.URL, HTTPClient: httpClient, DealFields: fields, IndexLag: -1, AppURL: c.AppURL, Logger: log.With("crm", "hubspot")}
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
