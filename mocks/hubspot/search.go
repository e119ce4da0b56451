package hubspot

import (
	"cmp"
	"encoding/json"
	"math/big"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// HubSpot's documented search limits.
const (
	maxFilterGroups      = 5
	maxFiltersPerGroup   = 6
	maxFiltersTotal      = 18
	maxSearchLimit       = 200
	defaultSearchLimit   = 10
	maxSearchSorts       = 1
	searchOperatorsValid = "EQ NEQ LT LTE GT GTE BETWEEN IN NOT_IN HAS_PROPERTY NOT_HAS_PROPERTY CONTAINS_TOKEN NOT_CONTAINS_TOKEN"
)

type searchFilter struct {
	PropertyName string            `json:"propertyName"`
	Operator     string            `json:"operator"`
	Value        json.RawMessage   `json:"value"`
	HighValue    json.RawMessage   `json:"highValue"`
	Values       []json.RawMessage `json:"values"`
}

type searchRequest struct {
	FilterGroups []struct {
		Filters []searchFilter `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []json.RawMessage `json:"sorts"`
	Query      string            `json:"query"`
	Properties []string          `json:"properties"`
	Limit      *json.Number      `json:"limit"`
	After      json.RawMessage   `json:"after"`
}

type searchSort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// rawString reads a filter value that a client may send as a JSON string, number or boolean.
func rawString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	return strings.TrimSpace(string(raw)), true
}

// compiled is a validated search: OR of groups, AND within a group.
type compiled struct {
	groups [][]compiledFilter
	sort   *searchSort
	limit  int
	after  int
}

type compiledFilter struct {
	prop   *Property
	op     string
	value  string
	high   string
	values []string
}

// compileSearch validates a search request against HubSpot's limits and the type's properties.
func (s *Server) compileSearch(t *objectType, req searchRequest) (compiled, *apiError) {
	var c compiled
	if n := len(req.FilterGroups); n > maxFilterGroups {
		return c, validationError("Too many filter groups: %d were provided, the maximum is %d.", n, maxFilterGroups)
	}
	total := 0
	for _, g := range req.FilterGroups {
		if n := len(g.Filters); n > maxFiltersPerGroup {
			return c, validationError("Too many filters in a filter group: %d were provided, the maximum is %d.", n, maxFiltersPerGroup)
		}
		total += len(g.Filters)
	}
	if total > maxFiltersTotal {
		return c, validationError("Too many filters: %d were provided across all filter groups, the maximum is %d.", total, maxFiltersTotal)
	}
	for _, g := range req.FilterGroups {
		var group []compiledFilter
		for _, f := range g.Filters {
			p, ok := s.props[t].get(f.PropertyName)
			if !ok {
				return c, validationError("There was a problem with the request: property %s does not exist on object type %s.", f.PropertyName, t.typeID)
			}
			op := strings.ToUpper(f.Operator)
			if !contains(strings.Fields(searchOperatorsValid), op) {
				return c, validationError("Invalid operator %q for property %s; supported operators are %s.", f.Operator, f.PropertyName, strings.ReplaceAll(searchOperatorsValid, " ", ", "))
			}
			cf := compiledFilter{prop: p, op: op}
			v, hasValue := rawString(f.Value)
			cf.value = v
			cf.high, _ = rawString(f.HighValue)
			for _, raw := range f.Values {
				if x, ok := rawString(raw); ok {
					cf.values = append(cf.values, x)
				}
			}
			switch op {
			case "IN", "NOT_IN":
				if len(cf.values) == 0 {
					return c, validationError("Operator %s on %s needs a non-empty values list.", op, f.PropertyName)
				}
			case "HAS_PROPERTY", "NOT_HAS_PROPERTY":
			case "BETWEEN":
				if !hasValue || cf.high == "" {
					return c, validationError("Operator BETWEEN on %s needs value and highValue.", f.PropertyName)
				}
			default:
				if !hasValue {
					return c, validationError("Operator %s on %s needs a value.", op, f.PropertyName)
				}
			}
			group = append(group, cf)
		}
		c.groups = append(c.groups, group)
	}
	if len(req.Sorts) > maxSearchSorts {
		return c, validationError("Too many sorts: %d were provided, a search accepts %d.", len(req.Sorts), maxSearchSorts)
	}
	for _, raw := range req.Sorts {
		var so searchSort
		if err := json.Unmarshal(raw, &so); err != nil {
			// The legacy form is a property name, "-" prefixed for descending.
			var name string
			if json.Unmarshal(raw, &name) != nil {
				return c, validationError("Invalid sort: %s", raw)
			}
			so = searchSort{PropertyName: strings.TrimPrefix(name, "-"), Direction: "ASCENDING"}
			if strings.HasPrefix(name, "-") {
				so.Direction = "DESCENDING"
			}
		}
		if so.Direction == "" {
			so.Direction = "ASCENDING"
		}
		if so.Direction != "ASCENDING" && so.Direction != "DESCENDING" {
			return c, validationError("Invalid sort direction %q: use ASCENDING or DESCENDING.", so.Direction)
		}
		if _, ok := s.props[t].get(so.PropertyName); !ok {
			return c, validationError("There was a problem with the request: sort property %s does not exist on object type %s.", so.PropertyName, t.typeID)
		}
		c.sort = &so
	}
	c.limit = defaultSearchLimit
	if req.Limit != nil {
		n, err := req.Limit.Int64()
		if err != nil || n < 0 {
			return c, validationError("limit must be a non-negative integer, got %s", req.Limit.String())
		}
		if n > maxSearchLimit {
			return c, validationError("The limit of %d exceeds the maximum of %d results per page.", n, maxSearchLimit)
		}
		c.limit = int(n)
	}
	if a, ok := rawString(req.After); ok && a != "" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 {
			return c, validationError("after must be a paging cursor returned by a previous search, got %q", a)
		}
		c.after = n
	}
	if c.after >= s.opts.SearchPageCap {
		return c, validationError("The search endpoints return at most %d results for a query; after=%d is past that limit. Narrow the query with filters instead of paging further.", s.opts.SearchPageCap, c.after)
	}
	return c, nil
}

func (s *Server) handleSearch(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req searchRequest
		if e := decode(r, &req); e != nil {
			writeAPIError(w, e)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		c, e := s.compileSearch(t, req)
		if e != nil {
			writeAPIError(w, e)
			return
		}
		var hits []*object
		// Search reads the index, which shows writes only after the index lag.
		for _, o := range s.index.records(t, s.opts.Now()) {
			if !o.archived && s.matches(t, o, c.groups) && matchesQuery(t, o, req.Query) {
				hits = append(hits, o)
			}
		}
		s.sortHits(t, hits, c.sort)
		end := min(c.after+c.limit, len(hits), s.opts.SearchPageCap)
		results := []objectJSON{}
		for i := c.after; i < end; i++ {
			results = append(results, s.render(t, hits[i], req.Properties))
		}
		body := map[string]any{"total": len(hits), "results": results}
		if end < len(hits) && c.limit > 0 {
			body["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(end)}}
		}
		writeJSON(w, http.StatusOK, body)
	}
}

// sortHits orders search hits by the requested sort. HubSpot documents no order among records with equal
// sort values; the fake breaks ties by descending id, on purpose, so a client that assumes id order
// within a timestamp fails here rather than in production. Without a sort, records come oldest first.
func (s *Server) sortHits(t *objectType, hits []*object, so *searchSort) {
	if so == nil {
		sort.Slice(hits, func(i, j int) bool {
			if !hits[i].createdAt.Equal(hits[j].createdAt) {
				return hits[i].createdAt.Before(hits[j].createdAt)
			}
			return compareIDs(hits[i].id, hits[j].id) < 0
		})
		return
	}
	p, _ := s.props[t].get(so.PropertyName)
	desc := so.Direction == "DESCENDING"
	sort.SliceStable(hits, func(i, j int) bool {
		vi, oki := hits[i].value(t, so.PropertyName)
		vj, okj := hits[j].value(t, so.PropertyName)
		var c int
		switch {
		case !oki && !okj:
			c = 0
		case !oki:
			c = 1 // unset values sort last
		case !okj:
			c = -1
		default:
			c = compareValues(p, vi, vj)
			if desc {
				c = -c
			}
		}
		if c != 0 {
			return c < 0
		}
		return compareIDs(hits[i].id, hits[j].id) > 0
	})
}

func (s *Server) matches(t *objectType, o *object, groups [][]compiledFilter) bool {
	if len(groups) == 0 {
		return true
	}
	for _, g := range groups {
		all := true
		for _, f := range g {
			if !f.match(t, o) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (f compiledFilter) match(t *objectType, o *object) bool {
	v, set := o.value(t, f.prop.Name)
	switch f.op {
	case "HAS_PROPERTY":
		return set
	case "NOT_HAS_PROPERTY":
		return !set
	case "NEQ":
		return !set || compareValues(f.prop, v, f.value) != 0
	case "NOT_IN":
		if !set {
			return true
		}
		for _, x := range f.values {
			if compareValues(f.prop, v, x) == 0 {
				return false
			}
		}
		return true
	case "NOT_CONTAINS_TOKEN":
		return !set || !containsToken(v, f.value)
	}
	if !set {
		return false
	}
	switch f.op {
	case "EQ":
		return compareValues(f.prop, v, f.value) == 0
	case "LT":
		return compareValues(f.prop, v, f.value) < 0
	case "LTE":
		return compareValues(f.prop, v, f.value) <= 0
	case "GT":
		return compareValues(f.prop, v, f.value) > 0
	case "GTE":
		return compareValues(f.prop, v, f.value) >= 0
	case "BETWEEN":
		return compareValues(f.prop, v, f.value) >= 0 && compareValues(f.prop, v, f.high) <= 0
	case "IN":
		for _, x := range f.values {
			if compareValues(f.prop, v, x) == 0 {
				return true
			}
		}
		return false
	case "CONTAINS_TOKEN":
		return containsToken(v, f.value)
	}
	return false
}

// compareValues compares a stored value with a filter value by the property's type: numbers by value,
// dates and datetimes as instants (a filter may give epoch milliseconds or ISO 8601), everything else as
// case-insensitive text, as HubSpot's search does.
func compareValues(p *Property, stored, given string) int {
	switch p.Type {
	case "number":
		// Integers (record ids, most amounts) compare exactly as int64, without big.Float's cost.
		if a, err := strconv.ParseInt(stored, 10, 64); err == nil {
			if b, err := strconv.ParseInt(strings.TrimSpace(given), 10, 64); err == nil {
				return cmp.Compare(a, b)
			}
		}
		a, okA := new(big.Float).SetString(stored)
		b, okB := new(big.Float).SetString(strings.TrimSpace(given))
		if okA && okB {
			return a.Cmp(b)
		}
	case "datetime", "date":
		a, okA := parseTimeValue(stored)
		b, okB := parseTimeValue(given)
		if okA && okB {
			return compareTimes(a, b)
		}
	case "bool":
		return strings.Compare(strings.ToLower(stored), strings.ToLower(strings.TrimSpace(given)))
	}
	return strings.Compare(strings.ToLower(stored), strings.ToLower(given))
}

func compareTimes(a, b time.Time) int {
	switch {
	case a.Before(b):
		return -1
	case a.After(b):
		return 1
	}
	return 0
}

func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// containsToken reports whether text has a word matching the token, which may use * wildcards.
func containsToken(text, token string) bool {
	token = strings.ToLower(strings.TrimSpace(token))
	if token == "" {
		return false
	}
	parts := strings.Split(token, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re, err := regexp.Compile("^" + strings.Join(parts, ".*") + "$")
	if err != nil {
		return false
	}
	if !strings.Contains(token, "*") && strings.ContainsFunc(token, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		// A multi-word token matches as a phrase.
		return strings.Contains(" "+strings.Join(tokens(text), " ")+" ", " "+strings.Join(tokens(token), " ")+" ")
	}
	for _, w := range tokens(text) {
		if re.MatchString(w) {
			return true
		}
	}
	return false
}

// matchesQuery applies a search's free-text query to the type's searchable properties.
func matchesQuery(t *objectType, o *object, q string) bool {
	q = strings.TrimSpace(q)
	if q == "" {
		return true
	}
	if o.id == q {
		return true
	}
	for _, name := range t.searchable {
		if v, ok := o.value(t, name); ok && strings.Contains(strings.ToLower(v), strings.ToLower(q)) {
			return true
		}
	}
	return false
}
