package caddyerrorpages

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// Templates through the real server: placeholders, the runtime fallback,
// escaping of hostile upstream text and request paths.
func TestTemplatesThroughCaddy(t *testing.T) {
	up := newFakeUpstream(t)
	failing := t.TempDir()
	// Parses fine, fails while executing: there is no 6th field.
	os.WriteFile(filepath.Join(failing, "5xx.html"), []byte(`<p>{{index .Fields 5}}</p>`), 0o644)
	os.WriteFile(filepath.Join(failing, "error.html"), []byte(`<!doctype html><title>{{.Code}}</title><p>{{.Details}}</p>`), 0o644)
	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
		templates testdata/templates
	}
	reverse_proxy %[1]s
}
http://failing.localhost:9080 {
	error_pages {
		templates %[2]s
		details always
	}
	reverse_proxy %[1]s
}
`, up.addr(), failing))

	t.Run("template data and placeholders", func(t *testing.T) {
		r := get(t, tester, "GET", "http://localhost:9080/status/404", "Accept", "text/html", "User-Agent", "TestAgent/1.0", "X-Request-ID", "tpl-1")
		s := string(r.body)
		for _, want := range []string{"Custom page: 404 Not Found", "Host: localhost:9080, path: /status/404, method: GET", "UA: TestAgent/1.0", "ID tpl-1"} {
			if !strings.Contains(s, want) {
				t.Errorf("page lacks %q:\n%s", want, s)
			}
		}
	})
	t.Run("hostile upstream message and request path are escaped", func(t *testing.T) {
		r := get(t, tester, "GET", "http://localhost:9080/raw/%3Cscript%3Ealert(1)%3C%2Fscript%3E?code=400&type=application/json&body="+
			"%7B%22message%22%3A%22%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E%22%7D", "Accept", "text/html")
		s := string(r.body)
		if strings.Contains(s, "<script>") || strings.Contains(s, "<img") {
			t.Errorf("unescaped markup in the page:\n%s", s)
		}
		if !strings.Contains(s, "&lt;img src=x onerror=alert(2)&gt;") || !strings.Contains(s, "&lt;script&gt;") {
			t.Errorf("escaped text missing:\n%s", s)
		}
	})
	t.Run("a template failing at run time falls back to the minimal page", func(t *testing.T) {
		r := get(t, tester, "GET", "http://failing.localhost:9080/status/503", "Accept", "text/html", "X-Request-ID", "fb-1")
		s := string(r.body)
		if r.StatusCode != 503 || !strings.Contains(s, "<title>503 Service Unavailable</title>") || !strings.Contains(s, "fb-1") {
			t.Errorf("fallback: %d %q", r.StatusCode, s)
		}
		if r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("fallback content type %q", r.Header.Get("Content-Type"))
		}
		r = get(t, tester, "GET", "http://failing.localhost:9080/status/400", "Accept", "text/html")
		if !strings.Contains(string(r.body), "<p>email is not a valid address</p>") {
			t.Errorf("error.html for 4xx: %q", r.body)
		}
	})
}

// A broken template fails the config load (caddy run / reload) with its
// file and line.
func TestBrokenTemplateFailsLoad(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "404.html"), []byte("<h1>\n{{.Code}\n"), 0o644)
	caddytest.AssertLoadError(t, globalOptions+fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
		templates %s
	}
	respond 404
}
`, dir), "caddyfile", "404.html:2")
}
