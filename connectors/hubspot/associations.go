package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// maxAssociationBatchInputs is HubSpot's limit on the inputs of a v4 association batch read.
const maxAssociationBatchInputs = 1000

// associated is one associated record in a v4 answer, whose id is a JSON number.
type associated struct {
	ToObjectID json.Number `json:"toObjectId"`
}

// ListAssociations returns the ids of the records of type toType associated with one record, following
// the v4 paging to the end.
func (c *Client) ListAssociations(ctx context.Context, fromType, id, toType string) ([]string, error) {
	var ids []string
	after := ""
	for {
		q := url.Values{"limit": {"500"}}
		if after != "" {
			q.Set("after", after)
		}
		var out struct {
			Results []associated `json:"results"`
			Paging  *struct {
				Next struct {
					After string `json:"after"`
				} `json:"next"`
			} `json:"paging"`
		}
		if _, err := c.do(ctx, request{
			op: fmt.Sprintf("list %s associated with %s %s", toType, fromType, id), method: http.MethodGet,
			path: "/crm/v4/objects/" + fromType + "/" + url.PathEscape(id) + "/associations/" + toType, query: q, safe: true,
		}, &out); err != nil {
			return nil, err
		}
		for _, r := range out.Results {
			ids = append(ids, r.ToObjectID.String())
		}
		if out.Paging == nil || out.Paging.Next.After == "" || out.Paging.Next.After == after {
			return ids, nil
		}
		after = out.Paging.Next.After
	}
}

// BatchReadAssociations maps each id of fromType to the ids of its associated records of toType, with
// v4's batch read. Records without associations are absent from the map: HubSpot reports them as
// NO_ASSOCIATIONS_FOUND errors of a 207 Multi-Status, which is not a failure.
func (c *Client) BatchReadAssociations(ctx context.Context, fromType, toType string, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	for start := 0; start < len(ids); start += maxAssociationBatchInputs {
		chunk := ids[start:min(start+maxAssociationBatchInputs, len(ids))]
		inputs := make([]map[string]string, len(chunk))
		for i, id := range chunk {
			inputs[i] = map[string]string{"id": id}
		}
		var resp struct {
			Results []struct {
				From struct {
					ID string `json:"id"`
				} `json:"from"`
				To []associated `json:"to"`
			} `json:"results"`
			Errors []struct {
				Category    string `json:"category"`
				SubCategory string `json:"subCategory"`
				Message     string `json:"message"`
			} `json:"errors"`
		}
		if _, err := c.do(ctx, request{
			op:     fmt.Sprintf("batch read %s→%s associations (%d ids)", fromType, toType, len(chunk)),
			method: http.MethodPost, path: "/crm/v4/associations/" + fromType + "/" + toType + "/batch/read",
			body: map[string]any{"inputs": inputs}, safe: true,
		}, &resp); err != nil {
			return nil, err
		}
		for _, e := range resp.Errors {
			if e.SubCategory != "crm.associations.NO_ASSOCIATIONS_FOUND" {
				return nil, fmt.Errorf("hubspot: batch read %s→%s associations: %s: %s", fromType, toType, e.Category, e.Message)
			}
		}
		for _, r := range resp.Results {
			for _, t := range r.To {
				out[r.From.ID] = append(out[r.From.ID], t.ToObjectID.String())
			}
		}
	}
	return out, nil
}
