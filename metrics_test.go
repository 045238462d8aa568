package caddyerrorpages

import (
	"fmt"
	"testing"
)

func metricsConfig(up *fakeUpstream, marker string) string {
	return globalOptions + fmt.Sprintf(`
http://localhost:9080 {
	error_pages
	handle /local {
		error 404
	}
	reverse_proxy %[1]s
}

# A second site with the directive: registering twice in one config load
# must not fail.
http://other.localhost:9080 {
	error_pages {
		docs https://docs.example.com/%[2]s/{code}
	}
	reverse_proxy %[1]s
}
`, up.addr(), marker)
}

func TestMetrics(t *testing.T) {
	up := newFakeUpstream(t)
	tester := startCaddy(t, metricsConfig(up, "one"))
	const upstream400 = `caddy_error_pages_rewrites_total{code="400",format="json",source="upstream"}`
	const local404 = `caddy_error_pages_rewrites_total{code="404",format="html",source="local"}`
	const other503 = `caddy_error_pages_rewrites_total{code="503",format="problem",source="upstream"}`

	get(t, tester, "GET", "http://localhost:9080/status/400", "Accept", "application/json")
	get(t, tester, "GET", "http://localhost:9080/status/400")
	get(t, tester, "GET", "http://localhost:9080/local", "Accept", "text/html")
	get(t, tester, "GET", "http://other.localhost:9080/status/503", "Accept", "application/problem+json")
	get(t, tester, "GET", "http://localhost:9080/ok") // not an error: not counted

	for name, want := range map[string]float64{upstream400: 2, local404: 1, other503: 1, "caddy_error_pages_rewrites_total": 4} {
		if got := metricValue(t, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}

	// Reload: a new registry, so the counters restart, and registering
	// again must not fail.
	tester = startCaddy(t, metricsConfig(up, "two"))
	get(t, tester, "GET", "http://localhost:9080/status/400", "Accept", "application/json")
	if got := metricValue(t, upstream400); got != 1 {
		t.Errorf("after reload %s = %v, want 1", upstream400, got)
	}
	if got := metricValue(t, local404); got != 0 {
		t.Errorf("after reload %s = %v, want 0", local404, got)
	}
}
