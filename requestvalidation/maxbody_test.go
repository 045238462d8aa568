package requestvalidation

import (
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// A body of exactly max_body bytes is within the limit: validated and
// passed on whole, whether its length is declared or it comes chunked;
// one byte more is 413.
func TestBodyOfExactlyMaxBodyPasses(t *testing.T) {
	const maxBody = 1024
	th := newTestHandler(t, Handler{OpenAPI: shopDoc, MaxBody: maxBody})
	for _, size := range []int{maxBody, maxBody + 1} {
		body := validOrder + strings.Repeat(" ", size-len(validOrder))
		for _, chunked := range []bool{false, true} {
			r := httptest.NewRequest("POST", "/api/orders", strings.NewReader(body))
			for k, v := range orderHeaders {
				r.Header.Set(k, v)
			}
			if chunked {
				// Two reads, the second ending exactly at max_body.
				r.ContentLength = -1
				r.Body = io.NopCloser(io.MultiReader(strings.NewReader(body[:100]), strings.NewReader(body[100:])))
				r.TransferEncoding = []string{"chunked"}
			}
			e := th.serve(t, r)
			if size > maxBody {
				if e.status() != 413 || e.up.called {
					t.Errorf("chunked=%v, %d bytes (max_body %d): status %d, passed on %v; want 413", chunked, size, maxBody, e.status(), e.up.called)
				}
				continue
			}
			if e.err != nil {
				t.Errorf("chunked=%v, %d bytes (max_body %d): %v %q", chunked, size, maxBody, e.err, e.problems())
				continue
			}
			if !bytes.Equal(e.up.body, []byte(body)) {
				t.Errorf("chunked=%v, %d bytes (max_body %d): upstream got %d bytes", chunked, size, maxBody, len(e.up.body))
			}
		}
	}
}
