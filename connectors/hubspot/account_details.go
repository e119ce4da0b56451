package hubspot

import (
	"context"
	"net/http"
)

// AccountDetails is what GET /account-info/v3/details says about the portal that matters to links into
// HubSpot's app: the portal (hub) id every record URL carries, and the app's domain, which differs for
// accounts hosted outside North America (app-eu1.hubspot.com).
type AccountDetails struct {
	PortalID int64  `json:"portalId"`
	UIDomain string `json:"uiDomain"`
	TimeZone string `json:"timeZone"`
}

// AccountDetails reads the connected portal's account details.
func (c *Client) AccountDetails(ctx context.Context) (AccountDetails, error) {
	var out AccountDetails
	_, err := c.do(ctx, request{
		op: "get account details", method: http.MethodGet, path: "/account-info/v3/details", safe: true,
	}, &out)
	return out, err
}
