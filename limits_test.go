package caddyerrorpages

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
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
	res, err := http.Get(ports.URL("http://localhost:2999/metrics"))
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

// After hostile exchanges — a body cut at max_body, an upstream dropping
// mid-body, a client giving up on a trickling error, a client leaving an
// event stream — no request is left inside error_pages.
func TestNoGoroutineLeftBehind(t *testing.T) {
	up := newFakeUpstream(t)
	close(up.hugeRelease) // /huge sends all it can at once
	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
		max_body 16KiB
	}
	reverse_proxy %s
}
`, up.addr()))
	for i := 0; i < 3; i++ {
		for _, path := range []string{"/huge", "/cut", "/status/500"} {
			r := get(t, tester, "GET", "http://localhost:9080"+path, "Accept", "application/json")
			if len(r.body) == 0 {
				t.Errorf("%s: empty response", path)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://localhost:9080/slowerr", nil)
		if res, err := tester.Client.Do(req); err == nil {
			res.Body.Close()
		}
		cancel()
		req, _ = http.NewRequest("GET", "http://localhost:9080/sse", nil)
		if res, err := tester.Client.Do(req); err == nil {
			buf := make([]byte, 8)
			res.Body.Read(buf)
			res.Body.Close()
		}
	}
	up.release()
	tester.Client.CloseIdleConnections()

	// Wait for in-flight requests to unwind; a leak never does.
	var stacks string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		buf := make([]byte, 1<<22)
		stacks = string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "caddy-errorpages.(*Handler).ServeHTTP") {
			return
		}
	}
	t.Errorf("goroutines still inside error_pages:\n%s", stacks)
}
