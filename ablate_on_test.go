//go:build errorpages_ablate

package caddyerrorpages

import (
	"bytes"
	"testing"
)

// ablationWriter keeps the body, so that the ablations' answers can be
// told apart.
type ablationWriter struct {
	discardWriter
	body bytes.Buffer
}

func (w *ablationWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.discardWriter.Write(p)
}

// TestAblations: each part named in the header is left out, and only it
// (go test -tags errorpages_ablate -run Ablation .).
func TestAblations(t *testing.T) {
	h := provisioned(t, &Handler{})
	serve := func(ablate string, next func() bool) (*ablationWriter, string) {
		r, dw := preparedRequest("application/json")
		w := &ablationWriter{discardWriter: *dw}
		r.Header.Set(ablateHeader, ablate)
		if next() {
			h.ServeHTTP(w, r, next400)
		} else {
			h.ServeHTTP(w, r, next404)
		}
		return w, w.body.String()
	}
	upstream := func() bool { return true }
	local := func() bool { return false }

	full, fullBody := serve("", upstream)
	if full.h.Get("X-Content-Type-Options") != "nosniff" || full.h.Get("X-Request-Id") == "" || !bytes.Contains([]byte(fullBody), []byte(`"field":"email"`)) {
		t.Fatalf("without ablation: headers %v, body %s", full.h, fullBody)
	}
	if w, _ := serve("rid", upstream); w.h.Get("X-Request-Id") != ablatedRID {
		t.Errorf("rid: X-Request-Id %q", w.h.Get("X-Request-Id"))
	}
	if w, _ := serve("headers", upstream); w.h.Get("X-Content-Type-Options") != "" || w.h.Get("Vary") != "" || w.h.Get("Content-Language") != "" || w.h.Get("Content-Type") == "" {
		t.Errorf("headers: %v", w.h)
	}
	if _, body := serve("render", upstream); body != string(ablatedBody) {
		t.Errorf("render: body %s", body)
	}
	if _, body := serve("parse", upstream); bytes.Contains([]byte(body), []byte(`"field":"email"`)) || body == "" {
		t.Errorf("parse: the upstream's fields are still there: %s", body)
	}
	if w, body := serve("floor", upstream); body != validationBody || w.h.Get("X-Content-Type-Options") != "" || w.status != 400 {
		t.Errorf("floor (upstream): %d %v %s", w.status, w.h, body)
	}
	if w, body := serve("floor", local); body != string(ablatedBody) || w.status != 404 {
		t.Errorf("floor (local): %d %s", w.status, body)
	}
}
