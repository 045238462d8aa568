package caddyerrorpages

import (
	"io"
	"net/http"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// The parts of a rewrite, one benchmark each, so that what each costs can
// be read apart from the rest (docs/performance.md names them): the
// interception alone (BenchmarkIntercept), the request ID
// (BenchmarkRequestID) and the headers every rewrite carries
// (BenchmarkHeaders). Rendering, parsing and negotiation are
// BenchmarkRender, BenchmarkParse and BenchmarkNegotiate in errorpages.

// holdBack is the interception alone: the response next writes is held
// back by error_pages' writer as for a rewrite, then written out as it
// came (an upstream error), or, for a local error, a constant body of the
// envelope's size — no parsing, rendering, request ID or added header.
func holdBack(h *Handler, w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) {
	ew := h.getWriter(w)
	parent := ew.enter(r)
	err := next.ServeHTTP(ew, r)
	switch he, local := err.(caddyhttp.HandlerError); {
	case ew.state == stateIntercept:
		w.WriteHeader(ew.status)
		w.Write(ew.buf.Bytes())
	case local && h.statuses.Has(he.StatusCode):
		w.Header()["Content-Type"] = contentTypeValues[errorpages.JSON]
		w.WriteHeader(he.StatusCode)
		w.Write(constantEnvelope)
	}
	leave(r, parent)
	putWriter(ew)
}

// constantEnvelope is about as long as the envelope of a local 404.
var constantEnvelope = []byte(`{"error":{"code":404,"type":"not_found","message":"Not Found","details":"The page you are looking for doesn't exist or has moved. Check the address or go back to the home page.","request_id":"00000000-0000-0000-0000-000000000000"}}`)

// BenchmarkIntercept: an upstream 400 written by the next handler
// directly, and held back and written out unchanged; a local 404 returned
// (Caddy's caddyhttp.Error records a stack frame and a random ID) and
// answered with a constant body. BenchmarkRewrite's upstream_400_json and
// local_404_json are the same requests fully rewritten.
func BenchmarkIntercept(b *testing.B) {
	h := provisioned(b, &Handler{})
	b.Run("upstream_400_untouched", func(b *testing.B) {
		r, w := preparedRequest("application/json")
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			next400.ServeHTTP(w, r)
		}
	})
	for _, c := range []struct {
		name string
		next caddyhttp.Handler
		want int
	}{{"upstream_400_held_back", next400, len(validationBody)}, {"local_404_constant", next404, len(constantEnvelope)}} {
		b.Run(c.name, func(b *testing.B) {
			r, w := preparedRequest("application/json")
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				holdBack(h, w, r, c.next)
			}
			if w.n != c.want || w.status < 400 {
				b.Fatalf("%d, %d bytes; want %d bytes", w.status, w.n, c.want)
			}
		})
	}
}

// BenchmarkRequestID: the request ID of an error, taken from a valid
// incoming X-Request-ID, from a request_id placeholder, or, without
// either, Caddy's request UUID, made anew for each request (crypto/rand,
// and a field added to the access log). BenchmarkRewrite sends the same
// request again and again, so its UUID is made once: the UUID's cost is
// in BenchmarkServe and here.
func BenchmarkRequestID(b *testing.B) {
	for _, c := range []struct {
		name, expr, header string
	}{
		{"incoming_header", "", "req-7f3a9c"},
		{"placeholder", "{http.request.header.X-Amzn-Trace-Id}", ""},
		{"caddy_uuid", "", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := provisioned(b, &Handler{RequestID: c.expr})
			r, _ := preparedRequest("application/json")
			if c.header != "" {
				r.Header.Set("X-Request-ID", c.header)
			}
			if c.expr != "" {
				r.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678")
			}
			var id string
			b.ReportAllocs()
			for b.Loop() {
				caddyhttp.SetVar(r.Context(), "uuid", nil) // a new request's UUID
				id = h.requestID(r)
			}
			if id == "" || c.header != "" && id != c.header {
				b.Fatalf("request ID %q", id)
			}
		})
	}
}

// BenchmarkHeaders: the headers every rewrite sets (X-Content-Type-Options,
// Cache-Control, Vary, the request ID, Content-Language), set on the
// response, and the response's header lines written out the way net/http
// writes them (sorted, checked, one line each) without and with them.
func BenchmarkHeaders(b *testing.B) {
	h := provisioned(b, &Handler{})
	lang := h.langValues[errorpages.SourceLanguage]
	const rid = "6f1c2f0e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"
	base := func(hdr http.Header) {
		hdr["Content-Type"] = contentTypeValues[errorpages.JSON]
		hdr["Content-Length"] = lengthValue(180)
		hdr["Date"] = []string{"Mon, 02 Mar 2026 14:00:00 GMT"}
	}
	b.Run("set", func(b *testing.B) {
		hdr := http.Header{}
		b.ReportAllocs()
		for b.Loop() {
			clear(hdr)
			base(hdr)
			h.setCommonHeaders(hdr, rid, false)
			hdr["Content-Language"] = lang
		}
	})
	for _, c := range []struct {
		name   string
		common bool
	}{{"write_without", false}, {"write_with", true}} {
		hdr := http.Header{}
		base(hdr)
		if c.common {
			h.setCommonHeaders(hdr, rid, false)
			hdr["Content-Language"] = lang
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := hdr.Write(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
