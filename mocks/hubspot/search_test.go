package hubspot

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func filter(prop, op string, value any) map[string]any {
	f := map[string]any{"propertyName": prop, "operator": op}
	if value != nil {
		f["value"] = value
	}
	return f
}

func search(p *portal, body map[string]any) response {
	return p.do("POST", "/crm/v3/objects/deals/search", body)
}

func TestSearchOperatorsAndGroups(t *testing.T) {
	p := newPortal(t)
	a := p.createDeal(map[string]any{"dealname": "Acme expansion", "amount": "1000", "dealstage": "qualifiedtobuy", "cosell_enabled": "true", "cosell_id": "CS-1"})
	b := p.createDeal(map[string]any{"dealname": "Globex renewal", "amount": "250.5", "dealstage": "closedwon"})
	c := p.createDeal(map[string]any{"dealname": "Initech pilot", "amount": "99", "cosell_enabled": "false"})

	cases := []struct {
		name   string
		groups []any
		want   []string
	}{
		{"EQ bool", []any{map[string]any{"filters": []any{filter("cosell_enabled", "EQ", "true")}}}, []string{a}},
		{"EQ case-insensitive text", []any{map[string]any{"filters": []any{filter("dealname", "EQ", "ACME EXPANSION")}}}, []string{a}},
		{"NEQ includes unset", []any{map[string]any{"filters": []any{filter("cosell_enabled", "NEQ", "true")}}}, []string{b, c}},
		{"GT number compares numerically", []any{map[string]any{"filters": []any{filter("amount", "GT", "100")}}}, []string{a, b}},
		{"LTE number", []any{map[string]any{"filters": []any{filter("amount", "LTE", 250.5)}}}, []string{b, c}},
		{"IN", []any{map[string]any{"filters": []any{map[string]any{"propertyName": "dealstage", "operator": "IN", "values": []string{"closedwon", "qualifiedtobuy"}}}}}, []string{a, b}},
		{"NOT_IN", []any{map[string]any{"filters": []any{map[string]any{"propertyName": "dealstage", "operator": "NOT_IN", "values": []string{"closedwon"}}}}}, []string{a, c}},
		{"HAS_PROPERTY", []any{map[string]any{"filters": []any{filter("cosell_id", "HAS_PROPERTY", nil)}}}, []string{a}},
		{"NOT_HAS_PROPERTY", []any{map[string]any{"filters": []any{filter("cosell_id", "NOT_HAS_PROPERTY", nil)}}}, []string{b, c}},
		{"CONTAINS_TOKEN word", []any{map[string]any{"filters": []any{filter("dealname", "CONTAINS_TOKEN", "renewal")}}}, []string{b}},
		{"CONTAINS_TOKEN wildcard", []any{map[string]any{"filters": []any{filter("dealname", "CONTAINS_TOKEN", "init*")}}}, []string{c}},
		{"BETWEEN", []any{map[string]any{"filters": []any{map[string]any{"propertyName": "amount", "operator": "BETWEEN", "value": "99", "highValue": "250.5"}}}}, []string{b, c}},
		{"AND within a group", []any{map[string]any{"filters": []any{filter("amount", "GT", "100"), filter("dealstage", "EQ", "closedwon")}}}, []string{b}},
		{"OR across groups", []any{
			map[string]any{"filters": []any{filter("dealstage", "EQ", "closedwon")}},
			map[string]any{"filters": []any{filter("cosell_enabled", "EQ", "false")}},
		}, []string{b, c}},
		{"hs_object_id GT compares as a number", []any{map[string]any{"filters": []any{filter("hs_object_id", "GT", a)}}}, []string{b, c}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := search(p, map[string]any{"filterGroups": tc.groups, "sorts": []any{map[string]any{"propertyName": "hs_object_id", "direction": "ASCENDING"}}})
			require.Equal(t, http.StatusOK, r.status, r.raw)
			assert.Equal(t, tc.want, ids(results(r)))
			assert.EqualValues(t, len(tc.want), r.body["total"])
		})
	}
}

func TestSearchDatetimeFilterAcceptsEpochMillisAndISO(t *testing.T) {
	p := newPortal(t)
	early := p.createDeal(map[string]any{"dealname": "early"})
	p.clk.Advance(time.Minute)
	late := p.createDeal(map[string]any{"dealname": "late"})
	cut := p.clk.Now().Add(-30 * time.Second)
	for _, v := range []any{strconv.FormatInt(cut.UnixMilli(), 10), cut.UnixMilli(), cut.Format(time.RFC3339Nano)} {
		r := search(p, map[string]any{"filterGroups": []any{map[string]any{"filters": []any{filter("hs_lastmodifieddate", "GT", v)}}}})
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, []string{late}, ids(results(r)), "value %v", v)
	}
	r := search(p, map[string]any{"filterGroups": []any{map[string]any{"filters": []any{filter("hs_lastmodifieddate", "LT", cut.UnixMilli())}}}})
	assert.Equal(t, []string{early}, ids(results(r)))
}

func TestSearchSortTiesAreNotInIDOrder(t *testing.T) {
	p := newPortal(t) // the clock stands still: every deal shares one hs_lastmodifieddate
	var created []string
	for i := range 4 {
		created = append(created, p.createDeal(map[string]any{"dealname": fmt.Sprintf("d%d", i)}))
	}
	r := search(p, map[string]any{"sorts": []any{map[string]any{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}}})
	require.Equal(t, http.StatusOK, r.status)
	got := ids(results(r))
	assert.ElementsMatch(t, created, got)
	assert.NotEqual(t, created, got, "ties must not come back in id order: HubSpot promises no order within a sort value")

	p.clk.Advance(time.Second)
	_ = p.do("PATCH", "/crm/v3/objects/deals/"+created[0], map[string]any{"properties": map[string]any{"amount": "5"}})
	r = search(p, map[string]any{"sorts": []any{map[string]any{"propertyName": "hs_lastmodifieddate", "direction": "DESCENDING"}}})
	assert.Equal(t, created[0], ids(results(r))[0], "the most recently modified deal sorts first descending")
}

func TestSearchPagingAndTotal(t *testing.T) {
	p := newPortal(t)
	var all []string
	for i := range 25 {
		p.clk.Advance(time.Millisecond)
		all = append(all, p.createDeal(map[string]any{"dealname": fmt.Sprintf("deal %02d", i)}))
	}
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		body := map[string]any{"limit": 10, "sorts": []any{map[string]any{"propertyName": "createdate", "direction": "ASCENDING"}}, "properties": []string{"dealname"}}
		if after != "" {
			body["after"] = after
		}
		r := search(p, body)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.EqualValues(t, 25, r.body["total"])
		for _, res := range results(r) {
			got = append(got, res["id"].(string))
			assert.Contains(t, props(res), "dealname")
			assert.Contains(t, props(res), "hs_lastmodifieddate", "search always returns the modification date")
		}
		paging, ok := r.body["paging"].(map[string]any)
		if !ok {
			break
		}
		after = paging["next"].(map[string]any)["after"].(string)
	}
	assert.Equal(t, all, got)
}

func TestSearchLimitsAnswer400(t *testing.T) {
	p := newPortal(t)
	many := func(n int) []any {
		var fs []any
		for range n {
			fs = append(fs, filter("amount", "GT", "1"))
		}
		return fs
	}
	groups := func(n, per int) []any {
		var gs []any
		for range n {
			gs = append(gs, map[string]any{"filters": many(per)})
		}
		return gs
	}
	for name, body := range map[string]map[string]any{
		"limit over 200":            {"limit": 201},
		"six filter groups":         {"filterGroups": groups(6, 1)},
		"seven filters in a group":  {"filterGroups": groups(1, 7)},
		"nineteen filters in total": {"filterGroups": groups(4, 5)[:3:3]},
		"two sorts":                 {"sorts": []any{map[string]any{"propertyName": "amount"}, map[string]any{"propertyName": "dealname"}}},
		"unknown property":          {"filterGroups": []any{map[string]any{"filters": []any{filter("nope", "EQ", "x")}}}},
		"unknown operator":          {"filterGroups": []any{map[string]any{"filters": []any{filter("amount", "LIKE", "x")}}}},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "nineteen filters in total" {
				body = map[string]any{"filterGroups": append(groups(3, 6), map[string]any{"filters": many(1)})}
			}
			r := search(p, body)
			require.Equal(t, http.StatusBadRequest, r.status, r.raw)
			assert.Equal(t, "VALIDATION_ERROR", r.body["category"])
			assert.Equal(t, "error", r.body["status"])
			assert.NotEmpty(t, r.body["correlationId"])
		})
	}
	ok := search(p, map[string]any{"limit": 200, "filterGroups": append(groups(2, 6), groups(3, 2)...)})
	assert.Equal(t, http.StatusOK, ok.status, "5 groups, 6 per group and 18 in total are allowed: %s", ok.raw)
}

func TestSearchPagingPastTheCapAnswers400(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.SearchPageCap = 20 })
	for i := range 25 {
		p.createDeal(map[string]any{"dealname": fmt.Sprintf("deal %d", i)})
	}
	r := search(p, map[string]any{"limit": 10, "after": "10"})
	require.Equal(t, http.StatusOK, r.status)
	assert.EqualValues(t, 25, r.body["total"], "total counts every match, past the cap")
	next := r.body["paging"].(map[string]any)["next"].(map[string]any)["after"]
	assert.Equal(t, "20", next)
	r = search(p, map[string]any{"limit": 10, "after": next})
	require.Equal(t, http.StatusBadRequest, r.status, r.raw)
	assert.Equal(t, "VALIDATION_ERROR", r.body["category"])
}

func TestSearchHasNoRateLimitHeadersAndItsOwnSecondlyLimit(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.SearchRateLimit = 2; o.RateLimit = 100 })
	r := search(p, map[string]any{})
	require.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, r.header.Get("X-HubSpot-RateLimit-Remaining"), "search answers carry no rate-limit headers")
	search(p, map[string]any{})
	r = search(p, map[string]any{})
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "SECONDLY", r.body["policyName"])
	assert.Equal(t, "RATE_LIMIT", r.body["errorType"])
	p.clk.Advance(time.Second + time.Millisecond)
	assert.Equal(t, http.StatusOK, search(p, map[string]any{}).status)

	g := p.do("GET", "/crm/v3/objects/deals", nil)
	assert.Equal(t, "100", g.header.Get("X-HubSpot-RateLimit-Max"), "other endpoints do carry them")
}

func TestSearchNotesAndFreeTextQuery(t *testing.T) {
	p := newPortal(t)
	d := p.createDeal(map[string]any{"dealname": "Acme"})
	r := p.do("POST", "/crm/v3/objects/notes", map[string]any{
		"properties": map[string]any{"hs_note_body": "<p>Kick-off call with Acme</p>", "hs_timestamp": "2026-11-22T10:00:00Z"},
		"associations": []any{map[string]any{"to": map[string]any{"id": d},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}}}},
	})
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	s := p.do("POST", "/crm/v3/objects/notes/search", map[string]any{"query": "kick-off", "properties": []string{"hs_note_body"}})
	require.Equal(t, http.StatusOK, s.status, s.raw)
	require.Len(t, results(s), 1)
	assert.Equal(t, "<p>Kick-off call with Acme</p>", props(results(s)[0])["hs_note_body"])
	assert.Contains(t, props(results(s)[0]), "hs_createdate", "notes use hs_createdate")
}
