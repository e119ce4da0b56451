package hubspot

import (
	"context"
	"fmt"
	"net/http"
)

// BatchRead reads records by id, or by a unique property when idProperty is set, MaxBatchInputs per
// request. Ids HubSpot does not find are left out of the result, as HubSpot reports them in a
// 207 Multi-Status rather than failing the request.
func (c *Client) BatchRead(ctx context.Context, objectType, idProperty string, ids, properties []string) ([]Object, error) {
	var all []Object
	for start := 0; start < len(ids); start += MaxBatchInputs {
		chunk := ids[start:min(start+MaxBatchInputs, len(ids))]
		inputs := make([]map[string]string, len(chunk))
		for i, id := range chunk {
			inputs[i] = map[string]string{"id": id}
		}
		body := map[string]any{"inputs": inputs, "properties": properties}
		if idProperty != "" {
			body["idProperty"] = idProperty
		}
		var out struct {
			Results []Object `json:"results"`
		}
		if _, err := c.do(ctx, request{
			op: fmt.Sprintf("batch read %s (%d ids)", objectType, len(chunk)), method: http.MethodPost,
			path: "/crm/v3/objects/" + objectType + "/batch/read", body: body, safe: true,
		}, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Results...)
	}
	return all, nil
}
