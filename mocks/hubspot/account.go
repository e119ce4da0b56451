package hubspot

import "net/http"

// accountDetails is the body of GET /account-info/v3/details, as HubSpot answers it for a standard
// account. Clients read portalId to build record links (/contacts/{portalId}/record/0-3/{dealId}) and
// uiDomain to know the app host (app.hubspot.com, or app-eu1.hubspot.com for an EU-hosted account).
type accountDetails struct {
	PortalID              int      `json:"portalId"`
	AccountType           string   `json:"accountType"`
	TimeZone              string   `json:"timeZone"`
	CompanyCurrency       string   `json:"companyCurrency"`
	AdditionalCurrencies  []string `json:"additionalCurrencies"`
	UTCOffset             string   `json:"utcOffset"`
	UTCOffsetMilliseconds int64    `json:"utcOffsetMilliseconds"`
	UIDomain              string   `json:"uiDomain"`
	DataHostingLocation   string   `json:"dataHostingLocation"`
}

// handleAccountDetails is GET /account-info/v3/details.
func (s *Server) handleAccountDetails(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, accountDetails{
		PortalID: s.opts.PortalID, AccountType: "STANDARD", TimeZone: "US/Eastern",
		CompanyCurrency: "USD", AdditionalCurrencies: []string{},
		UTCOffset: "-05:00", UTCOffsetMilliseconds: -5 * 3600 * 1000,
		UIDomain: "app.hubspot.com", DataHostingLocation: "na1",
	})
}
