package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// GetObject reads one record by id, or by a unique property when idProperty is set, with the given
// properties (HubSpot adds hs_object_id, the creation date and hs_lastmodifieddate). A missing record is
// a *connectors.Error matching connectors.ErrNotFound.
func (c *Client) GetObject(ctx context.Context, objectType, id, idProperty string, properties []string) (Object, error) {
	return c.getObject(ctx, objectType, id, idProperty, properties, "")
}

// getObject is GetObject, with the ids of the records of another type associated with it when
// associations names that type ("companies"), in the same call.
func (c *Client) getObject(ctx context.Context, objectType, id, idProperty string, properties []string, associations string) (Object, error) {
	q := url.Values{}
	if associations != "" {
		q.Set("associations", associations)
	}
	if len(properties) > 0 {
		q.Set("properties", strings.Join(properties, ","))
	}
	op := fmt.Sprintf("get %s %s", objectType, id)
	if idProperty != "" {
		q.Set("idProperty", idProperty)
		op = fmt.Sprintf("get %s %s=%s", objectType, idProperty, id)
	}
	var out Object
	_, err := c.do(ctx, request{
		op: op, method: http.MethodGet, path: "/crm/v3/objects/" + objectType + "/" + url.PathEscape(id),
		query: q, safe: true,
	}, &out)
	return out, err
}
