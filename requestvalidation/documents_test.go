package requestvalidation

import (
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
)

// A compiled document is shared while its files are unchanged: the
// adapter's check is handed to the Provision that follows, a reload (a
// new handler provisioned before the old one is cleaned up) and a second
// handler on the same document get the same compiled form; changing the
// document, or a file it refers to, compiles it again.
func TestDocumentsAreSharedWhileUnchanged(t *testing.T) {
	dir := t.TempDir()
	main, part := dir+"/api.yaml", dir+"/part.yaml"
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(main, "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: 'part.yaml#/S'}\n      responses: {'200': {description: ok}}\n")
	write(part, "S: {type: object, required: [x]}\n")
	handler := func() *Handler {
		h := &Handler{OpenAPI: main}
		if err := h.setDefaults(); err != nil {
			t.Fatal(err)
		}
		return h
	}
	acquire := func(h *Handler) *document {
		d, key, err := h.acquire()
		if err != nil {
			t.Fatal(err)
		}
		h.docKey = key
		return d
	}
	checked, err := handler().check() // caddy adapt, or the start of caddy run
	if err != nil {
		t.Fatal(err)
	}
	first := handler()
	if d := acquire(first); d != checked {
		t.Fatal("the Provision after the adapter compiled the document again")
	}
	reload, other := handler(), handler()
	if d := acquire(reload); d != checked {
		t.Fatal("a reload with the document unchanged compiled it again")
	}
	if d := acquire(other); d != checked {
		t.Fatal("a second handler on the same document compiled it again")
	}
	for _, h := range []*Handler{first, other} {
		if err := h.Cleanup(); err != nil {
			t.Fatal(err)
		}
	}
	// The referenced file changes: compiled again, from the new content.
	later := time.Now().Add(2 * time.Second)
	write(part, "S: {type: object, required: [y]}\n")
	if err := os.Chtimes(part, later, later); err != nil {
		t.Fatal(err)
	}
	changed := handler()
	d := acquire(changed)
	if d == checked {
		t.Fatal("a change in a referenced file was not seen")
	}
	if err := reload.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if err := changed.Cleanup(); err != nil {
		t.Fatal(err)
	}
	left := 0
	documents.Range(func(key, _ any) bool { left++; return true })
	if left != 0 {
		t.Fatalf("%d documents kept after every handler was cleaned up", left)
	}
}

// Credentials are checked before the body and once: enforced, a request
// without them is a 401 whose body was never read; in report mode it
// passes, reported as unauthorized (nothing else checked).
func TestSecurityBeforeTheBody(t *testing.T) {
	doc := t.TempDir() + "/api.yaml"
	if err := os.WriteFile(doc, []byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\nsecurity: [{bearer: []}]\ncomponents: {securitySchemes: {bearer: {type: http, scheme: bearer}}}\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {type: object, required: [n]}\n      responses: {'200': {description: ok}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"enforce", "report"} {
		th := newTestHandler(t, Handler{OpenAPI: doc, Mode: mode})
		body := &countingReader{r: strings.NewReader(`{"x":1}`)}
		e := th.do(t, "POST", "/a", map[string]string{"Content-Type": "application/json"}, body)
		switch mode {
		case "enforce":
			if e.status() != 401 || body.n != 0 {
				t.Errorf("enforce: status %d, %d body bytes read", e.status(), body.n)
			}
		case "report":
			warns := th.logs.FilterLevelExact(zapcore.WarnLevel).All()
			if !e.up.called || len(warns) != 1 || warns[0].ContextMap()["result"] != "unauthorized" {
				t.Errorf("report: passed %v, log %v", e.up.called, warns)
			}
		}
	}
}
