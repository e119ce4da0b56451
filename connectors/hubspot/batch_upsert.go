package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// MaxBatchInputs is HubSpot's limit on the inputs of one object batch request.
const MaxBatchInputs = 100

// UpsertInput creates or updates the record whose IDProperty (a unique-value property) equals ID.
type UpsertInput struct {
	IDProperty string            `json:"idProperty"`
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
}

// Upserted is a batch upsert result: the record and whether the upsert created it.
type Upserted struct {
	Object
	New bool `json:"new"`
}

// BatchUpsert creates or updates up to MaxBatchInputs records keyed by a unique property. It is keyed,
// so repeating it after an ambiguous failure converges on the same records. HubSpot applies the batch
// all or nothing: a validation error on one input fails the request.
func (c *Client) BatchUpsert(ctx context.Context, objectType string, inputs []UpsertInput) ([]Upserted, error) {
	if len(inputs) > MaxBatchInputs {
		return nil, fmt.Errorf("hubspot: batch upsert %s: %d inputs, at most %d per request", objectType, len(inputs), MaxBatchInputs)
	}
	keys := make([]string, len(inputs))
	for i, in := range inputs {
		keys[i] = in.IDProperty + "/" + in.ID
	}
	var out struct {
		Results []Upserted `json:"results"`
		Errors  []struct {
			Category string `json:"category"`
			Message  string `json:"message"`
		} `json:"errors"`
	}
	status, err := c.do(ctx, request{
		op: fmt.Sprintf("upsert %s %s", objectType, strings.Join(keys, ",")), method: http.MethodPost,
		path: "/crm/v3/objects/" + objectType + "/batch/upsert", body: map[string]any{"inputs": inputs}, safe: true,
	}, &out)
	if err != nil {
		return nil, err
	}
	if status == http.StatusMultiStatus && len(out.Errors) > 0 {
		return out.Results, fmt.Errorf("hubspot: upsert %s: %d of %d inputs failed: %s: %s",
			objectType, len(out.Errors), len(inputs), out.Errors[0].Category, out.Errors[0].Message)
	}
	return out.Results, nil
}
