package hubspot

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bounds of the account-details read behind DealURL, which has no context of its own: one read waits at
// most accountLookupTimeout, and after a failure DealURL builds links without the portal id for
// accountRetryAfter before it tries again, so a HubSpot outage never slows every notice down.
const (
	accountLookupTimeout = 5 * time.Second
	accountRetryAfter    = time.Minute
)

// accountCache holds the account details DealURL read, or when the last read failed.
type accountCache struct {
	mu       sync.Mutex
	portalID int64
	uiDomain string
	failedAt time.Time
}

// DealURL is where a person opens the deal in HubSpot's app: {app}/contacts/{portalId}/record/0-3/{id}.
// The portal id is Config.PortalID or is read once from the account details and kept; the app is
// Config.AppURL, else the account's uiDomain, else DefaultAppURL. A failed read does not fail the notice
// the link is for: the link then goes without the portal id ({app}/contacts/record/0-3/{id}).
func (c *Client) DealURL(recordID string) string {
	portalID, domain := c.accountForLinks()
	app := c.cfg.AppURL
	switch {
	case app != "":
	case domain != "" && !strings.ContainsAny(domain, "/?#@"):
		app = "https://" + domain
	default:
		app = DefaultAppURL
	}
	id := url.PathEscape(recordID)
	if portalID == 0 {
		return app + "/contacts/record/0-3/" + id
	}
	return app + "/contacts/" + strconv.FormatInt(portalID, 10) + "/record/0-3/" + id
}

// PortalID returns the connected portal's id: Config.PortalID, or the account details' portalId, read
// once and kept. A worker may call it at start so that the first notice does not wait for the read.
func (c *Client) PortalID(ctx context.Context) (int64, error) {
	if c.cfg.PortalID != 0 {
		return c.cfg.PortalID, nil
	}
	a := &c.account
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.portalID != 0 {
		return a.portalID, nil
	}
	d, err := c.AccountDetails(ctx)
	if err != nil {
		a.failedAt = c.cfg.Now()
		return 0, err
	}
	a.portalID, a.uiDomain, a.failedAt = d.PortalID, d.UIDomain, time.Time{}
	return d.PortalID, nil
}

// accountForLinks returns the portal id and app domain for DealURL, reading them at most once per
// accountRetryAfter while reads fail; zero values mean unknown.
func (c *Client) accountForLinks() (int64, string) {
	if c.cfg.PortalID != 0 {
		return c.cfg.PortalID, ""
	}
	a := &c.account
	a.mu.Lock()
	portalID, domain, failedAt := a.portalID, a.uiDomain, a.failedAt
	a.mu.Unlock()
	if portalID != 0 {
		return portalID, domain
	}
	if !failedAt.IsZero() && c.cfg.Now().Sub(failedAt) < accountRetryAfter {
		return 0, ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), accountLookupTimeout)
	defer cancel()
	if _, err := c.PortalID(ctx); err != nil {
		if c.cfg.Logger != nil {
			c.cfg.Logger.Warn("hubspot account details unavailable; deal links go without the portal id", "crm", crmName, "error", err)
		}
		return 0, ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.portalID, a.uiDomain
}
