package hubspot

import (
	"context"
	"net/http"
	"net/url"
)

// Pipeline is a deal pipeline and its stages; a deal's dealstage must be one of its pipeline's stage ids.
type Pipeline struct {
	ID     string  `json:"id"`
	Label  string  `json:"label"`
	Stages []Stage `json:"stages"`
}

// Stage is one stage of a pipeline.
type Stage struct {
	ID       string            `json:"id"`
	Label    string            `json:"label"`
	Archived bool              `json:"archived"`
	Metadata map[string]string `json:"metadata"`
}

// DealPipeline reads one deal pipeline with its stages.
func (c *Client) DealPipeline(ctx context.Context, id string) (Pipeline, error) {
	var out Pipeline
	_, err := c.do(ctx, request{
		op: "get deal pipeline " + id, method: http.MethodGet, path: "/crm/v3/pipelines/deals/" + url.PathEscape(id), safe: true,
	}, &out)
	return out, err
}
