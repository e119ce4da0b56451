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

// DealPipelines lists every deal pipeline with its stages, so a mapping's stage ids can be checked
// against the portal (and a stage id found in another pipeline than the one deals are created in told).
func (c *Client) DealPipelines(ctx context.Context) ([]Pipeline, error) {
	var out struct {
		Results []Pipeline `json:"results"`
	}
	_, err := c.do(ctx, request{op: "list deal pipelines", method: http.MethodGet, path: "/crm/v3/pipelines/deals", safe: true}, &out)
	return out.Results, err
}

// DealPipelineID is the pipeline whose stages DescribeDeals reports (Config.Pipeline, "default" unless
// set): new mirrors land in it.
func (c *Client) DealPipelineID() string { return c.cfg.Pipeline }
