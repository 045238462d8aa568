package requestvalidation

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

func TestMetricPointer(t *testing.T) {
	for _, tt := range []struct{ ptr, code, want string }{
		{"/body/items/12/qty", "minimum", "/body/items/*/qty"},
		{"/body/items/0", "type", "/body/items/*"},
		{"/body/nmae", "additional_property", "/body"},
		{"/body/items/3/extra", "additional_property", "/body/items/*"},
		{"/query/colour", "unknown_parameter", "/query"},
		{"/body", "invalid_json", "/body"},
		{"/header/X-Api-Key", "credentials", "/header/X-Api-Key"},
		{"/body/a~1b/7", "type", "/body/a~1b/*"},
	} {
		if got := metricPointer(errorpages.Field{Pointer: tt.ptr, Code: tt.code}); got != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.ptr, tt.code, got, tt.want)
		}
	}
}

// Keys the document cannot bound (members of a free-form map) stop making
// series at maxProblemSeries: the rest count under the pointer "other".
func TestProblemSeriesAreCapped(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3*maxProblemSeries; i++ {
		m.problems.count("op", []errorpages.Field{{Pointer: "/body/metadata/k" + strconv.Itoa(i), Code: "type"}})
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series, other := 0, 0.0
	for _, f := range fams {
		if f.GetName() != "caddy_request_validation_problems_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			series++
			for _, l := range m.GetLabel() {
				if l.GetName() == "pointer" && l.GetValue() == "other" {
					other = m.GetCounter().GetValue()
				}
			}
		}
	}
	if series != maxProblemSeries+1 || other != 2*maxProblemSeries {
		t.Fatalf("%d series, \"other\" counted %v; want %d series and one \"other\" counting %d", series, other, maxProblemSeries+1, 2*maxProblemSeries)
	}
}

// The Grafana dashboard in docs/ queries metrics this module registers,
// by labels they have.
func TestGrafanaDashboardQueriesExistingMetrics(t *testing.T) {
	raw, err := os.ReadFile("../docs/grafana-request-validation.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "expr" {
					exprs = append(exprs, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(dash)
	if len(exprs) < 3 {
		t.Fatalf("%d queries", len(exprs))
	}
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.count("op", resultInvalid)
	m.problems.count("op", []errorpages.Field{{Pointer: "/body", Code: "type"}})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]map[string]bool{}
	for _, f := range fams {
		labels[f.GetName()] = map[string]bool{}
		for _, l := range f.GetMetric()[0].GetLabel() {
			labels[f.GetName()][l.GetName()] = true
		}
	}
	metric := regexp.MustCompile(`\b(caddy_[a-z_]+)\b`)
	by := regexp.MustCompile(`by \(([a-z_, ]+)\)`)
	matcher := regexp.MustCompile(`\{([a-z_]+)[!=~]`)
	for _, e := range exprs {
		names := metric.FindAllString(e, -1)
		if len(names) == 0 {
			t.Errorf("%s names no metric", e)
		}
		for _, n := range names {
			ls, ok := labels[n]
			if !ok {
				t.Errorf("%s: no metric %s", e, n)
				continue
			}
			var used []string
			for _, g := range by.FindAllStringSubmatch(e, -1) {
				used = append(used, strings.Split(g[1], ", ")...)
			}
			for _, g := range matcher.FindAllStringSubmatch(e, -1) {
				used = append(used, g[1])
			}
			for _, l := range used {
				if !ls[strings.TrimSpace(l)] {
					t.Errorf("%s: %s has no label %q", e, n, l)
				}
			}
		}
	}
}
