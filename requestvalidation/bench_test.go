package requestvalidation

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// BenchmarkServeHTTPValid is the handler's whole cost for a valid ~1 KiB
// order: routing, reading the body, validation, placeholders, metrics.
func BenchmarkServeHTTPValid(b *testing.B) {
	benchServe(b, validOrder+strings.Repeat(" ", 1024-len(validOrder)), true)
}

// BenchmarkServeHTTPInvalid rejects the order with its problems.
func BenchmarkServeHTTPInvalid(b *testing.B) {
	body := strings.NewReplacer(`"qty":2`, `"qty":0`, `"city":"Berlin"`, `"city":""`, `"country":"DE"`, `"country":"XX"`, `ann@example.com`, `nope`).Replace(validOrder)
	benchServe(b, body, false)
}

func benchServe(b *testing.B, body string, valid bool) {
	t := &testing.T{}
	th := newTestHandler(t, Handler{OpenAPI: shopDoc})
	// Like reverse_proxy's transport: read the body, then close it.
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		io.Copy(io.Discard, r.Body)
		return r.Body.Close()
	})
	w := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("POST", "/api/orders", strings.NewReader(body))
		for k, v := range orderHeaders {
			r.Header.Set(k, v)
		}
		repl := caddy.NewReplacer()
		r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
		err := th.ServeHTTP(w, r, next)
		if (err == nil) != valid {
			b.Fatal(err)
		}
	}
}
