package hubspot

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// maxSearchPage is HubSpot's largest search page; searchResultCap the deepest a query can page.
const (
	maxSearchPage   = 200
	searchResultCap = 10_000
)

// changedObjects returns up to limit records of objectType matching base whose (hs_lastmodifieddate,
// hs_object_id) sorts strictly after the cursor, in that order.
//
// HubSpot search takes one sort only, so the query sorts by hs_lastmodifieddate and asks for
//
//	(modified > t) OR (modified = t AND id > cursor id)
//
// as two filter groups. Records sharing a timestamp come back in no particular order, so the connector
// orders them itself, and a page cut could fall inside a group of records sharing the last timestamp.
// The rule that keeps the cut exact: the pages fetched are a prefix of the time order, so every record
// older than the newest timestamp fetched is known. Those are kept; if they are fewer than limit, the
// rest comes from the records at that newest timestamp, read in id order with an id keyset (a query on
// one timestamp sorted by hs_object_id), which also never meets the 10,000-result cap. A cursor therefore
// always moves forward, however many records share a timestamp.
func (c *Client) changedObjects(ctx context.Context, objectType string, bases [][]Filter, properties []string, after connectors.Cursor, limit int) ([]Object, error) {
	if limit <= 0 {
		return nil, nil
	}
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	settled := []Filter{}
	if c.cfg.IndexLag > 0 {
		// Only records the search index has surely seen: a newer record may still be missing from it.
		settled = append(settled, Filter{PropertyName: "hs_lastmodifieddate", Operator: OpLTE, Value: ms(c.cfg.Now().Add(-c.cfg.IndexLag))})
	}
	if len(bases) == 0 {
		bases = [][]Filter{nil}
	}
	// Each alternative base (ORed) is combined with each cursor condition: HubSpot ORs filter groups
	// and ANDs the filters inside one.
	var groups []FilterGroup
	group := func(extra ...Filter) {
		for _, base := range bases {
			fs := append(append(append([]Filter{}, base...), settled...), extra...)
			groups = append(groups, FilterGroup{Filters: fs})
		}
	}
	if after.ModifiedAt.IsZero() {
		group()
	} else {
		at := after.ModifiedAt.UTC().Truncate(time.Millisecond)
		tie := []Filter{{PropertyName: "hs_lastmodifieddate", Operator: OpEQ, Value: ms(at)}}
		if after.ID != "" {
			tie = append(tie, Filter{PropertyName: "hs_object_id", Operator: OpGT, Value: after.ID})
		}
		group(Filter{PropertyName: "hs_lastmodifieddate", Operator: OpGT, Value: ms(at)})
		group(tie...)
	}

	pageSize := min(limit+1, maxSearchPage)
	var fetched []Object
	exhausted := false
	next := ""
	for len(fetched) <= limit {
		page, err := c.Search(ctx, objectType, SearchRequest{
			FilterGroups: groups,
			Sorts:        []Sort{{PropertyName: "hs_lastmodifieddate", Direction: "ASCENDING"}},
			Properties:   properties, Limit: pageSize, After: next,
		})
		if err != nil {
			return nil, err
		}
		fetched = append(fetched, page.Results...)
		if page.Next == "" || len(page.Results) == 0 {
			exhausted = true
			break
		}
		if n, err := strconv.Atoi(page.Next); err == nil && n+pageSize > searchResultCap {
			break // paging further would pass HubSpot's cap; the tie query below takes over
		}
		next = page.Next
	}
	sortByPosition(fetched)
	if exhausted || len(fetched) == 0 {
		return fetched[:min(limit, len(fetched))], nil
	}

	newest := fetched[len(fetched)-1].ModifiedAt()
	var out []Object
	for _, o := range fetched {
		if o.ModifiedAt().Before(newest) {
			out = append(out, o)
		}
	}
	if len(out) >= limit {
		return out[:limit], nil
	}
	afterID := ""
	if newest.Equal(after.ModifiedAt.UTC().Truncate(time.Millisecond)) {
		afterID = after.ID
	}
	tail, err := c.objectsAt(ctx, objectType, bases, properties, newest, afterID, limit-len(out))
	if err != nil {
		return nil, err
	}
	return append(out, tail...), nil
}

// objectsAt reads up to n records modified exactly at t with an id above afterID, in id order, paging by
// id keyset.
func (c *Client) objectsAt(ctx context.Context, objectType string, bases [][]Filter, properties []string, t time.Time, afterID string, n int) ([]Object, error) {
	var out []Object
	if len(bases) == 0 {
		bases = [][]Filter{nil}
	}
	for len(out) < n {
		var groups []FilterGroup
		for _, base := range bases {
			filters := append(append([]Filter{}, base...), Filter{PropertyName: "hs_lastmodifieddate", Operator: OpEQ, Value: strconv.FormatInt(t.UnixMilli(), 10)})
			if afterID != "" {
				filters = append(filters, Filter{PropertyName: "hs_object_id", Operator: OpGT, Value: afterID})
			}
			groups = append(groups, FilterGroup{Filters: filters})
		}
		want := min(n-len(out), maxSearchPage)
		page, err := c.Search(ctx, objectType, SearchRequest{
			FilterGroups: groups,
			Sorts:        []Sort{{PropertyName: "hs_object_id", Direction: "ASCENDING"}},
			Properties:   properties, Limit: want,
		})
		if err != nil {
			return nil, err
		}
		if len(page.Results) == 0 {
			break
		}
		sortByPosition(page.Results)
		out = append(out, page.Results...)
		afterID = page.Results[len(page.Results)-1].ID
		if len(page.Results) < want {
			break
		}
	}
	return out, nil
}

func sortByPosition(objs []Object) {
	sort.SliceStable(objs, func(i, j int) bool {
		return position(objs[i].ModifiedAt(), objs[i].ID, objs[j].ModifiedAt(), objs[j].ID) < 0
	})
}
