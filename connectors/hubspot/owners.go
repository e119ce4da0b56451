package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// OwnerRecord is a HubSpot owner, a user who can own records.
type OwnerRecord struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	UserID    int64     `json:"userId"`
	Archived  bool      `json:"archived"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Owners lists the active owners, or the archived ones, following the paging to the end.
func (c *Client) Owners(ctx context.Context, archived bool) ([]OwnerRecord, error) {
	var all []OwnerRecord
	after := ""
	for {
		q := url.Values{"limit": {"500"}, "archived": {strconv.FormatBool(archived)}}
		if after != "" {
			q.Set("after", after)
		}
		var out struct {
			Results []OwnerRecord `json:"results"`
			Paging  *struct {
				Next struct {
					After string `json:"after"`
				} `json:"next"`
			} `json:"paging"`
		}
		if _, err := c.do(ctx, request{op: "list owners", method: http.MethodGet, path: "/crm/v3/owners/", query: q, safe: true}, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Results...)
		if out.Paging == nil || out.Paging.Next.After == "" || out.Paging.Next.After == after {
			return all, nil
		}
		after = out.Paging.Next.After
	}
}
