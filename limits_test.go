package caddyerrorpages

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// A 64 MiB upstream error body costs about max_body of memory, and the
// client gets its answer without waiting for the rest of the body.
func TestHugeUpstreamErrorBody(t *testing.T) {
	up := newFakeUpstream(t)
	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
		max_body 64KiB
	}
	reverse_proxy %s
}
`, up.addr()))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	// The upstream is stalled after 2 MiB until we release it, so this
	// request can only complete if error_pages answers from what it has.
	req, _ := http.NewRequest("GET", "http://localhost:9080/huge", nil)
	req.Header.Set("Accept", "application/json")
	res, err := tester.Client.Do(req)
	if err != nil {
		close(up.hugeRelease)
		t.Fatalf("no answer while the upstream was still sending: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	runtime.ReadMemStats(&after)
	close(up.hugeRelease)

	if res.StatusCode != 400 {
		t.Fatalf("status = %d", res.StatusCode)
	}
	e := decodeEnvelope(t, body)
	if e.Error.Code != 400 || e.Error.Details != descriptionOf(400) {
		t.Errorf("a cut-off body gives no details: %s", body)
	}
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated during the request: %d KiB (max_body 64 KiB, upstream body 64 MiB)", grew>>10)
	if grew > 4<<20 {
		t.Errorf("allocated %d KiB for one 64 MiB error body; want it bounded near max_body", grew>>10)
	}
	if w := <-up.hugeWritten; w >= 64<<20 {
		t.Errorf("upstream wrote its whole body (%d bytes); it should have been cut off", w)
	}

	// The truncation is counted.
	if v := metricValue(t, `caddy_error_pages_truncated_total`); v < 1 {
		t.Errorf("truncated_total = %v", v)
	}
}

var metricLine = regexp.MustCompile(`(?m)^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+]+)$`)

// metricValue sums the samples of Caddy's /metrics whose name and labels
// start with prefix.
func metricValue(t *testing.T, prefix string) float64 {
	t.Helper()
	res, err := http.Get("http://localhost:2999/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	sum := 0.0
	for _, m := range metricLine.FindAllStringSubmatch(string(b), -1) {
		if strings.HasPrefix(m[1], prefix) {
			v, _ := strconv.ParseFloat(m[2], 64)
			sum += v
		}
	}
	return sum
}
