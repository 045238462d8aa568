package caddyerrorpages

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// cpuTime is the process's CPU time (user + system) in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// loadServers runs caddyfile as Caddy's configuration (until the test
// ends) and returns its HTTP servers by the port they listen on.
func loadServers(tb testing.TB, caddyfile string) map[string]*caddyhttp.Server {
	tb.Helper()
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), map[string]any{"filename": "Caddyfile"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := caddy.Load(cfg, true); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = caddy.Stop() })
	app, err := caddy.ActiveContext().App("http")
	if err != nil {
		tb.Fatal(err)
	}
	byPort := map[string]*caddyhttp.Server{}
	for _, s := range app.(*caddyhttp.App).Servers {
		for _, l := range s.Listen {
			byPort[l[strings.LastIndexByte(l, ':')+1:]] = s
		}
	}
	return byPort
}

// BenchmarkServe runs whole requests through Caddy's server in process —
// its request setup, routes, reverse_proxy to a loopback upstream, access
// to the placeholders, the real response writer chain — for the pairs of
// the load suite (go run ./bench/cmd/load -suite load): each pair's side A (no error_pages) and side B. Besides
// wall time and allocations it reports cpu-ns/op: the process's CPU time
// per request, the in-process upstream's and the GC's included, which is
// what to compare between the sides of a pair (in one run). What it cannot
// show is the cost of writing the response to a socket (every header
// error_pages adds is serialized by net/http there): the load suite measures
// that.
func BenchmarkServe(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/html") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(benchUpstreamPage))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"message":"email is not a valid address","code":"validation_failed","errors":[{"field":"email","message":"Invalid email format"}]}`))
	}))
	defer up.Close()
	upstream := strings.TrimPrefix(up.URL, "http://")
	servers := loadServers(b, `{
	admin off
	auto_https off
	persist_config off
	log {
		level WARN
	}
}
http://127.0.0.1:9381 {
	header Content-Type application/json
	respond `+"`"+`{"error":{"code":404,"type":"not_found","message":"Not Found","details":"The page you are looking for doesn't exist or has moved. Check the address or go back to the home page.","request_id":"00000000-0000-0000-0000-000000000000"}}`+"`"+` 404
}
http://127.0.0.1:9382 {
	error_pages
	error 404
}
http://127.0.0.1:9383 {
	reverse_proxy `+upstream+`
}
http://127.0.0.1:9384 {
	error_pages
	reverse_proxy `+upstream+`
}
`)
	const json, browser = "application/json", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, c := range []struct{ name, port, accept string }{
		{"local/A-respond", "9381", json},
		{"local/B-error_pages", "9382", json},
		{"upstream_json/A-proxied", "9383", json},
		{"upstream_json/B-error_pages", "9384", json},
		{"upstream_browser/A-proxied", "9383", browser},
		{"upstream_browser/B-error_pages", "9384", browser},
	} {
		srv := servers[c.port]
		if srv == nil {
			b.Fatal("no server listens on", c.port)
		}
		b.Run(c.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			c0 := cpuTime()
			for b.Loop() {
				w.reset()
				r := httptest.NewRequest("GET", "http://127.0.0.1:"+c.port+"/x", nil)
				r.Header.Set("Accept", c.accept)
				r.Header.Set("Accept-Language", "en-US,en;q=0.9")
				srv.ServeHTTP(w, r)
				if w.status < 400 || w.n == 0 {
					b.Fatalf("status %d, %d bytes", w.status, w.n)
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// benchUpstreamPage stands for a framework's own HTML error page.
var benchUpstreamPage = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error</title></head><body><h1>Bad Request</h1><pre>" + strings.Repeat("email is not a valid address<br>\n", 40) + "</pre></body></html>\n"
