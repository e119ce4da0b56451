package salesforce

import "net/url"

// DealURL is where a person opens the opportunity in Lightning Experience:
// {instance_url}/lightning/r/Opportunity/{id}/view. Salesforce redirects a My Domain instance URL
// (…my.salesforce.com) to its Lightning host. Before the connector's first login the instance URL is not
// known and the login URL stands in, which for a My Domain login URL is the org's own host; DealURL never
// logs in itself, so a link costs no API call.
func (c *Connector) DealURL(recordID string) string {
	c.mu.Lock()
	base := c.instanceURL
	c.mu.Unlock()
	if base == "" {
		base = c.cfg.LoginURL
	}
	return base + "/lightning/r/Opportunity/" + url.PathEscape(recordID) + "/view"
}
