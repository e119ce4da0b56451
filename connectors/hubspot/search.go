package hubspot

import (
	"context"
	"fmt"
	"net/http"
)

// Search operators the connector uses.
const (
	OpEQ             = "EQ"
	OpGT             = "GT"
	OpGTE            = "GTE"
	OpLT             = "LT"
	OpLTE            = "LTE"
	OpHasProperty    = "HAS_PROPERTY"
	OpNotHasProperty = "NOT_HAS_PROPERTY"
)

// SearchRequest is the body of POST /crm/v3/objects/{objectType}/search. Filter groups are OR'ed,
// filters within a group AND'ed; HubSpot allows 5 groups, 6 filters per group, 18 filters in all, one
// sort and 200 results per page, and pages through at most 10,000 results of one query.
type SearchRequest struct {
	FilterGroups []FilterGroup `json:"filterGroups,omitempty"`
	Sorts        []Sort        `json:"sorts,omitempty"`
	Properties   []string      `json:"properties,omitempty"`
	Limit        int           `json:"limit"`
	After        string        `json:"after,omitempty"`
}

// FilterGroup is an AND of filters.
type FilterGroup struct {
	Filters []Filter `json:"filters"`
}

// Filter compares one property.
type Filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        string   `json:"value,omitempty"`
	Values       []string `json:"values,omitempty"`
	HighValue    string   `json:"highValue,omitempty"`
}

// Sort orders results by one property, ASCENDING or DESCENDING.
type Sort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// SearchPage is one page of search results; Next is the after cursor of the next page, "" on the last.
type SearchPage struct {
	Total   int
	Results []Object
	Next    string
}

// Search runs one search request and returns one page. Searches are reads, safe to repeat.
func (c *Client) Search(ctx context.Context, objectType string, req SearchRequest) (SearchPage, error) {
	var out struct {
		Total   int      `json:"total"`
		Results []Object `json:"results"`
		Paging  *struct {
			Next struct {
				After string `json:"after"`
			} `json:"next"`
		} `json:"paging"`
	}
	if c.searches != nil {
		if err := c.searches.Wait(ctx); err != nil {
			return SearchPage{}, fmt.Errorf("search %s: %w", objectType, err)
		}
	}
	_, err := c.do(ctx, request{
		op: fmt.Sprintf("search %s", objectType), method: http.MethodPost,
		path: "/crm/v3/objects/" + objectType + "/search", body: req, safe: true,
	}, &out)
	if err != nil {
		return SearchPage{}, err
	}
	page := SearchPage{Total: out.Total, Results: out.Results}
	if out.Paging != nil {
		page.Next = out.Paging.Next.After
	}
	return page, nil
}
