package caddyerrorpages

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// discardWriter is a reusable ResponseWriter, so that benchmarks measure
// the handler rather than the recorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(c int)   { d.status = c }
func (d *discardWriter) Write(p []byte) (int, error) {
	d.n += len(p)
	return len(p), nil
}
func (d *discardWriter) reset() {
	clear(d.h)
	d.status, d.n = 0, 0
}

func provisioned(tb testing.TB, h *Handler) *Handler {
	tb.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	tb.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		tb.Fatal(err)
	}
	// Caddy's default level is INFO; the test default (DEBUG to stderr)
	// would measure the terminal.
	h.logger = zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel))
	return h
}

func preparedRequest(accept string) (*http.Request, *discardWriter) {
	w := &discardWriter{h: http.Header{}}
	r := httptest.NewRequest("GET", "/api/users", nil)
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, &caddyhttp.Server{})
	return r, w
}

var okBody = []byte(`{"ok":true,"items":[1,2,3]}`)

var nextOK = caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(okBody)
	return err
})

var next400 = caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, err := io.WriteString(w, validationBody)
	return err
})

var next404 = caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
	return caddyhttp.Error(http.StatusNotFound, errors.New("open /srv/www/missing: no such file"))
})

// TestPassThroughAllocations: the pass-through path adds at most 2
// allocations per request over calling the next handler directly.
func TestPassThroughAllocations(t *testing.T) {
	h := provisioned(t, &Handler{})
	r, w := preparedRequest("text/html")
	direct := testing.AllocsPerRun(200, func() {
		w.reset()
		nextOK.ServeHTTP(w, r)
	})
	wrapped := testing.AllocsPerRun(200, func() {
		w.reset()
		h.ServeHTTP(w, r, nextOK)
	})
	if w.status != 200 || w.n != len(okBody) {
		t.Fatalf("pass-through wrote %d, %d bytes", w.status, w.n)
	}
	t.Logf("allocations per request: direct %.1f, through error_pages %.1f", direct, wrapped)
	if wrapped-direct > 2 {
		t.Errorf("pass-through adds %.1f allocations per request, want at most 2", wrapped-direct)
	}
}

func BenchmarkPassThrough(b *testing.B) {
	h := provisioned(b, &Handler{})
	r, w := preparedRequest("text/html")
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			nextOK.ServeHTTP(w, r)
		}
	})
	b.Run("error_pages", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			h.ServeHTTP(w, r, nextOK)
		}
	})
}

// rewriteCases: an upstream 400 (a JSON validation error) and a local
// 404, in every format, and the upstream 400 passed untouched for scale.
var rewriteCases = func() (cs []struct {
	name, accept string
	next         caddyhttp.Handler
}) {
	formats := []struct{ name, accept string }{
		{"json", "application/json"},
		{"problem", "application/problem+json"},
		{"html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		{"text", "text/plain"},
		{"xml", "application/xml"},
	}
	for _, src := range []struct {
		name string
		next caddyhttp.Handler
	}{{"upstream_400", next400}, {"local_404", next404}} {
		for _, f := range formats {
			cs = append(cs, struct {
				name, accept string
				next         caddyhttp.Handler
			}{src.name + "_" + f.name, f.accept, src.next})
		}
	}
	return cs
}()

func BenchmarkRewrite(b *testing.B) {
	h := provisioned(b, &Handler{})
	b.Run("upstream_400_untouched", func(b *testing.B) {
		r, w := preparedRequest("application/json")
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			next400.ServeHTTP(w, r)
		}
	})
	for _, c := range rewriteCases {
		b.Run(c.name, func(b *testing.B) {
			r, w := preparedRequest(c.accept)
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, r, c.next)
			}
			if w.status == 0 || w.n == 0 {
				b.Fatalf("nothing written: %d", w.status)
			}
		})
	}
}

// TestRewriteAllocations: issue 12's allocation budgets, per request
// through the handler (the next handler's own allocations included): the
// HTML page at most 30, the JSON envelope at most 15, every other format
// within the HTML page's.
func TestRewriteAllocations(t *testing.T) {
	h := provisioned(t, &Handler{})
	for _, c := range rewriteCases {
		r, w := preparedRequest(c.accept)
		h.ServeHTTP(w, r, c.next) // the language's page is prepared on first use
		n := testing.AllocsPerRun(200, func() {
			w.reset()
			h.ServeHTTP(w, r, c.next)
		})
		limit := 30.0
		if strings.HasSuffix(c.name, "_json") {
			limit = 15
		}
		t.Logf("%s: %.0f allocations", c.name, n)
		if n > limit {
			t.Errorf("%s: %.0f allocations per request, want at most %.0f", c.name, n, limit)
		}
	}
}

func BenchmarkRewrite5xxAuto(b *testing.B) {
	h := provisioned(b, &Handler{})
	next503 := upstreamReply(503, "application/json", `{"message":"db down","errors":[{"field":"x","message":"y"}]}`)
	r, w := preparedRequest("application/json")
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, r, next503)
	}
}

// BenchmarkRewriteLanguages: the HTML page with one language offered (no
// negotiation), with every built-in language and no Accept-Language, and
// negotiated from a browser's header, in German and in Arabic.
func BenchmarkRewriteLanguages(b *testing.B) {
	for _, c := range []struct {
		name, acceptLanguage string
		languages            []string
	}{
		{"one_language", "de-DE,de;q=0.9,en;q=0.8", []string{"en"}},
		{"all_no_header", "", nil},
		{"all_de", "de-DE,de;q=0.9,en;q=0.8", nil},
		{"all_ar", "ar-EG,ar;q=0.9,en;q=0.5", nil},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := provisioned(b, &Handler{Languages: c.languages})
			r, w := preparedRequest("text/html")
			if c.acceptLanguage != "" {
				r.Header.Set("Accept-Language", c.acceptLanguage)
			}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, r, next404)
			}
			if w.status != 404 || w.n == 0 {
				b.Fatalf("nothing written: %d", w.status)
			}
		})
	}
}
