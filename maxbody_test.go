package caddyerrorpages

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	dto "github.com/prometheus/client_model/go"
)

// truncatedCount reads the handler's truncated_total counter.
func truncatedCount(t *testing.T, h *Handler) float64 {
	t.Helper()
	var m dto.Metric
	if err := h.metrics.truncated.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// An upstream error body of exactly max_body bytes is whole: it is not
// cut, not counted in truncated_total, and what needs a whole body still
// happens (upstream_json keep and keep_upstream forward it unchanged,
// normalize shows its message), whether the upstream Writes it or
// io.Copies it (ReadFrom). One byte more is cut, counted, and neither
// kept nor read.
func TestUpstreamBodyOfExactlyMaxBody(t *testing.T) {
	const maxBody = 128
	bodyOf := func(n int) (body, msg string) {
		msg = strings.Repeat("m", n-len(`{"message":""}`))
		return `{"message":"` + msg + `"}`, msg
	}
	writers := map[string]func(code int, ctype, body string) caddyhttp.Handler{
		"Write": upstreamReply,
		"ReadFrom": func(code int, ctype, body string) caddyhttp.Handler {
			return caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", ctype)
				w.WriteHeader(code)
				// Hidden behind a plain Reader: io.Copy would use a
				// strings.Reader's WriteTo, which calls Write.
				_, err := io.Copy(w, struct{ io.Reader }{strings.NewReader(body)})
				return err
			})
		},
	}
	cases := []struct {
		name          string
		h             Handler
		ctype, accept string
		kept          bool // a whole body goes out unchanged
	}{
		{"upstream_json keep", Handler{MaxBody: maxBody, UpstreamJSON: "keep"}, "application/json", "application/json", true},
		{"keep_upstream", Handler{MaxBody: maxBody, KeepUpstream: []string{"application/problem+json"}}, "application/problem+json", "application/problem+json", true},
		{"normalize", Handler{MaxBody: maxBody}, "application/json", "application/json", false},
	}
	for _, c := range cases {
		h := provisioned(t, &c.h)
		for wname, reply := range writers {
			for _, size := range []int{maxBody, maxBody + 1} {
				whole := size <= maxBody
				body, msg := bodyOf(size)
				before := truncatedCount(t, h)
				r, _ := preparedRequest(c.accept)
				rec := &recordingWriter{discardWriter: discardWriter{h: http.Header{}}}
				if err := h.ServeHTTP(rec, r, reply(400, c.ctype, body)); err != nil {
					t.Fatalf("%s, %s, %d bytes: %v", c.name, wname, size, err)
				}
				got := rec.body.String()
				if counted := truncatedCount(t, h) - before; counted != map[bool]float64{true: 0, false: 1}[whole] {
					t.Errorf("%s, %s, %d bytes (max_body %d): truncated_total grew by %v", c.name, wname, size, maxBody, counted)
				}
				if c.kept && whole {
					if got != body || rec.h.Get("Content-Type") != c.ctype {
						t.Errorf("%s, %s, %d bytes (max_body %d): not kept: %s %q", c.name, wname, size, maxBody, rec.h.Get("Content-Type"), got)
					}
					continue
				}
				if got == body {
					t.Errorf("%s, %s, %d bytes (max_body %d): a cut body was kept", c.name, wname, size, maxBody)
				}
				if c.kept {
					continue
				}
				var e envelope
				if err := json.Unmarshal([]byte(got), &e); err != nil {
					t.Fatalf("%s, %s, %d bytes: not JSON: %q", c.name, wname, size, got)
				}
				want := descriptionOf(400) // a cut body is not read
				if whole {
					want = msg
				}
				if e.Error.Details != want {
					t.Errorf("%s, %s, %d bytes (max_body %d): details %q, want %q", c.name, wname, size, maxBody, e.Error.Details, want)
				}
			}
		}
	}
}
