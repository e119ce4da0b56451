package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// UpdateObject sets properties on a record by id (an empty string clears one). A PATCH sets absolute
// values, so repeating it after an ambiguous failure is harmless.
func (c *Client) UpdateObject(ctx context.Context, objectType, id string, properties map[string]string) (Object, error) {
	var out Object
	_, err := c.do(ctx, request{
		op: fmt.Sprintf("update %s %s", objectType, id), method: http.MethodPatch,
		path: "/crm/v3/objects/" + objectType + "/" + url.PathEscape(id),
		body: map[string]any{"properties": properties}, safe: true,
	}, &out)
	return out, err
}
