package telemetry

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// DashboardFile is the Grafana dashboard over the worker's /metrics.
const dashboardFile = "../../deploy/grafana/cosell-dashboard.json"

type dashboard struct {
	Title         string  `json:"title"`
	UID           string  `json:"uid"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
			// Grafana's other variable settings, not checked.
			Label, Current, Datasource, Definition, IncludeAll, Multi, AllValue, Refresh any
		} `json:"list"`
	} `json:"templating"`
	Time struct{ From, To string } `json:"time"`
	// The rest of Grafana's model is not checked.
	Annotations, Tags, Timezone, Version, Editable, Refresh, Description any
}

type panel struct {
	ID          int    `json:"id"`
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	GridPos     struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Datasource *struct{ Type, UID string } `json:"datasource"`
	Targets    []struct {
		RefID        string `json:"refId"`
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
		Datasource   any    `json:"datasource"`
	} `json:"targets"`
	FieldConfig, Options any
	Collapsed            bool  `json:"collapsed"`
	Panels               []any `json:"panels"`
}

// TestDashboard checks the dashboard's schema basics (strictly decoded: a misspelt key fails), and that
// every PromQL expression it holds, panels and variables alike, reads only metrics the worker's
// registry holds once each instrument has recorded (exercised).
func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile(dashboardFile)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var d dashboard
	require.NoError(t, dec.Decode(&d), "%s", dashboardFile)
	assert.NotEmpty(t, d.Title)
	assert.Regexp(t, `^[a-zA-Z0-9_-]{1,40}$`, d.UID, "a Grafana uid")
	assert.GreaterOrEqual(t, d.SchemaVersion, 36)
	require.NotEmpty(t, d.Panels)

	var exprs []string
	ids := map[int]bool{}
	vars := map[string]bool{"__rate_interval": true, "__interval": true, "__range": true}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		if v.Type == "query" {
			var q struct{ Query string }
			require.NoError(t, json.Unmarshal(v.Query, &q), "variable %s", v.Name)
			require.NotEmpty(t, q.Query, "variable %s", v.Name)
			exprs = append(exprs, q.Query)
		}
	}
	for _, p := range d.Panels {
		assert.False(t, ids[p.ID], "panel id %d used twice", p.ID)
		ids[p.ID] = true
		assert.NotEmpty(t, p.Title, "panel %d", p.ID)
		assert.True(t, p.GridPos.W > 0 && p.GridPos.H > 0 && p.GridPos.X+p.GridPos.W <= 24, "panel %q gridPos %+v", p.Title, p.GridPos)
		if p.Type == "row" {
			continue
		}
		assert.Contains(t, []string{"timeseries", "stat", "gauge", "table", "bargauge"}, p.Type, "panel %q", p.Title)
		require.NotNil(t, p.Datasource, "panel %q has no datasource", p.Title)
		assert.Equal(t, "prometheus", p.Datasource.Type, "panel %q", p.Title)
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			assert.False(t, refs[tg.RefID], "panel %q: refId %s twice", p.Title, tg.RefID)
			refs[tg.RefID] = true
			require.NotEmpty(t, tg.Expr, "panel %q", p.Title)
			exprs = append(exprs, tg.Expr)
		}
	}

	_, registered := exercised(t)
	for _, e := range exprs {
		for _, v := range regexp.MustCompile(`\$\{?(\w+)`).FindAllStringSubmatch(e, -1) {
			assert.True(t, vars[v[1]], "%q uses the undefined variable $%s", e, v[1])
		}
		names, err := metricNames(e)
		require.NoError(t, err, "%q", e)
		require.NotEmpty(t, names, "%q reads no metric", e)
		for _, n := range names {
			assert.True(t, registered[n], "%q reads %s, which the worker does not register", e, n)
		}
	}
}

// promFuncs are the PromQL functions and aggregations the dashboard may call, and the keywords.
var promFuncs = []string{"sum", "avg", "min", "max", "count", "rate", "irate", "increase", "histogram_quantile",
	"topk", "bottomk", "delta", "deriv", "label_values", "clamp_min", "clamp_max", "abs", "time", "vector", "scalar",
	"avg_over_time", "max_over_time", "min_over_time", "sum_over_time", "by", "without", "on", "ignoring",
	"group_left", "group_right", "and", "or", "unless", "bool", "offset"}

// metricNames lexes a PromQL expression (or a Grafana label_values query) and returns the metric names
// it reads: every identifier that is not a function, an aggregation's grouping, a keyword, a label
// matcher, a string, a range or a number. An identifier it does not know as a function but that is
// called is an error, so a typo does not pass as a metric.
func metricNames(expr string) ([]string, error) {
	s := regexp.MustCompile(`"(?:[^"\\]|\\.)*"`).ReplaceAllString(expr, `""`) // strings
	s = regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(s, " ")              // label matchers
	s = regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllString(s, " ")             // ranges
	s = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`).ReplaceAllString(s, " ")
	s = regexp.MustCompile(`\$\{?\w+\}?`).ReplaceAllString(s, " ")
	// label_values(metric, label): the label is not a metric.
	s = regexp.MustCompile(`(label_values\s*\(\s*[a-zA-Z_:][\w:]*)\s*,\s*\w+\s*\)`).ReplaceAllString(s, "$1)")
	var out []string
	for _, m := range regexp.MustCompile(`[a-zA-Z_:][\w:]*(\s*\()?`).FindAllString(s, -1) {
		called := strings.HasSuffix(m, "(")
		id := strings.TrimSpace(strings.TrimSuffix(m, "("))
		switch {
		case slices.Contains(promFuncs, id):
		case called:
			return nil, &unknownFunc{id}
		case regexp.MustCompile(`^\d`).MatchString(id):
		default:
			out = append(out, id)
		}
	}
	return out, nil
}

type unknownFunc struct{ name string }

func (e *unknownFunc) Error() string { return "unknown PromQL function " + e.name }

func TestMetricNamesLexer(t *testing.T) {
	got, err := metricNames(`histogram_quantile(0.95, sum by (le, direction) (rate(cosell_mirror_latency_seconds_bucket{pairing=~"$pairing",x="a{b}"}[$__rate_interval])))`)
	require.NoError(t, err)
	assert.Equal(t, []string{"cosell_mirror_latency_seconds_bucket"}, got)
	got, err = metricNames(`label_values(cosell_crm_calls_total, connection)`)
	require.NoError(t, err)
	assert.Equal(t, []string{"cosell_crm_calls_total"}, got)
	got, err = metricNames(`sum(a_total) / on (x) group_left sum(b_total) and c`)
	require.NoError(t, err)
	assert.Equal(t, []string{"a_total", "b_total", "c"}, got)
	_, err = metricNames(`rte(cosell_crm_calls_total[5m])`)
	assert.ErrorContains(t, err, "unknown PromQL function rte")
}
