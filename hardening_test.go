package caddyerrorpages

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// rawRequest sends a request line as written, for request targets Go's
// client would normalize ("//evil.example/").
func rawRequest(t *testing.T, method, host, target string, hdr ...string) resp {
	t.Helper()
	conn, err := net.DialTimeout("tcp", ports.URL("127.0.0.1:9080"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, host)
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	b.WriteString("\r\n")
	io.WriteString(conn, b.String())
	req, _ := http.NewRequest(method, "http://"+host+"/", nil)
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return resp{res, body}
}

var hrefRE = regexp.MustCompile(`<a href="([^"]*)">Try again</a>`)

// Issue 8: hardening of what error_pages sends, through the real server.
func TestHardening(t *testing.T) {
	up := newFakeUpstream(t)
	tpl := t.TempDir()
	os.WriteFile(filepath.Join(tpl, "error.html"), []byte(
		`<p>name:{{.Placeholder (.Placeholder "http.request.uri.query.name")}}</p><p>braced:{{.Placeholder "{http.request.uri.query.x}"}}</p>`), 0o644)
	secretFile := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secretFile, []byte("file-secret-42"), 0o600)
	t.Setenv("EP_TEST_SECRET", "env-secret-42")
	t.Setenv("EP_TEST_PUBLIC", "v1.2.3")

	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
		docs "https://docs.example.com/errors/{code}?from={http.request.uri.path}"
	}
	handle /local {
		error 404
	}
	handle /respond {
		respond "nope" 404
	}
	reverse_proxy %[1]s
}

http://down.localhost:9080 {
	error_pages
	reverse_proxy 127.0.0.1:1
}

http://keep.localhost:9080 {
	error_pages {
		keep_headers Server X-Runtime
	}
	reverse_proxy %[1]s
}

http://tpl.localhost:9080 {
	error_pages {
		templates %[2]s
	}
	error 404
}

http://tplenv.localhost:9080 {
	error_pages {
		templates %[2]s
		template_placeholders env.EP_TEST_PUBLIC system.os
	}
	error 404
}

http://own.localhost:9080 {
	error_pages {
		templates %[2]s
	}
	reverse_proxy %[1]s
}

http://ownpolicy.localhost:9080 {
	header >Content-Security-Policy "default-src 'self'"
	error_pages {
		templates %[2]s
	}
	reverse_proxy %[1]s
}
`, up.addr(), tpl))
	base := "http://localhost:9080"

	t.Run("item 4: Try again stays on the site", func(t *testing.T) {
		for _, row := range []struct {
			name, target, want string
		}{
			{"network-path reference", "//evil.example/", "/.//evil.example/"},
			{"encoded slashes", "/%2F%2Fevil.example/", "/%2F%2Fevil.example/"},
			{"three slashes", "///evil.example/x", "/.///evil.example/x"},
			{"backslash", `/\evil.example/`, "/%5Cevil.example/"},
			{"the query is kept: Try again repeats the request", "/search?q=a%20b&page=2", "/search?q=a%20b&amp;page=2"},
			{"a query with markup is escaped", `/s?q="><script>`, "/s?q=%22%3E%3Cscript%3E"},
		} {
			t.Run(row.name, func(t *testing.T) {
				r := rawRequest(t, "GET", "down.localhost:9080", row.target, "Accept", browserAccept)
				if r.StatusCode != 502 {
					t.Fatalf("status %d", r.StatusCode)
				}
				m := hrefRE.FindSubmatch(r.body)
				if m == nil {
					t.Fatalf("no Try again link:\n%s", r.body)
				}
				href := string(m[1])
				if href != row.want {
					t.Errorf("href = %q, want %q", href, row.want)
				}
				// Resolved as a browser would (which also reads \ as /).
				ref, err := url.Parse(strings.ReplaceAll(strings.ReplaceAll(href, "&amp;", "&"), `\`, "/"))
				if err != nil {
					t.Fatal(err)
				}
				page, _ := url.Parse("http://down.localhost:9080/")
				if got := page.ResolveReference(ref); got.Host != "down.localhost:9080" {
					t.Errorf("Try again goes to %s", got)
				}
			})
		}
		r := rawRequest(t, "GET", "down.localhost:9080", "//evil.example/", "Accept", "application/problem+json")
		var p struct{ Instance string }
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatalf("%v: %s", err, r.body)
		}
		if p.Instance != "/.//evil.example/" {
			t.Errorf("problem instance %q is not a same-site reference", p.Instance)
		}
	})

	t.Run("item 5: upstream trailers never become headers", func(t *testing.T) {
		for _, q := range []string{"", "?unannounced"} {
			for _, accept := range []string{"application/json", "text/html"} {
				r := get(t, tester, "GET", base+"/trailers"+q, "Accept", accept)
				if r.StatusCode != 400 {
					t.Fatalf("status %d", r.StatusCode)
				}
				if v := r.Header.Values("Location"); len(v) > 0 {
					t.Errorf("%s %s: Location %q came from the trailer section", q, accept, v)
				}
				if v := r.Header.Values("Set-Cookie"); len(v) != 1 || v[0] != "real=1; Path=/" {
					t.Errorf("%s %s: Set-Cookie = %q, want only the real header", q, accept, v)
				}
				for k := range r.Header {
					if strings.HasPrefix(k, "Trailer") || k == "X-Unannounced" {
						t.Errorf("%s %s: header %s: %q", q, accept, k, r.Header[k])
					}
				}
				if len(r.Trailer) > 0 {
					t.Errorf("%s %s: trailers %v sent with the replaced body", q, accept, r.Trailer)
				}
			}
		}
	})

	t.Run("item 6: placeholders in docs are percent-encoded", func(t *testing.T) {
		path := `/local%0D%0AInjected:%20yes%22%3C%3E%00%FF`
		r := rawRequest(t, "GET", "localhost:9080", path, "Accept", "application/json")
		// /local%0D… is not /local: the upstream's 404 is rewritten.
		e := decodeEnvelope(t, r.body)
		want := "https://docs.example.com/errors/404?from=%2Flocal%0D%0AInjected%3A%20yes%22%3C%3E%00%FF"
		if e.Error.Docs != want {
			t.Errorf("json docs\n got %q\nwant %q", e.Error.Docs, want)
		}
		if _, err := url.ParseRequestURI(e.Error.Docs); err != nil || strings.ContainsAny(e.Error.Docs, " \"<>\r\n") {
			t.Errorf("docs is no longer a URI: %q (%v)", e.Error.Docs, err)
		}
		r = rawRequest(t, "GET", "localhost:9080", path, "Accept", "application/problem+json")
		var p struct{ Type string }
		json.Unmarshal(r.body, &p)
		if p.Type != want {
			t.Errorf("problem type %q", p.Type)
		}
		r = rawRequest(t, "GET", "localhost:9080", path, "Accept", "text/plain")
		lines := strings.Split(strings.TrimSuffix(string(r.body), "\n"), "\n")
		if len(lines) != 4 || lines[3] != "Docs: "+want {
			t.Errorf("text lines: %q", lines)
		}
		for _, l := range lines {
			if !utf8.ValidString(l) || strings.ContainsAny(l, "\x00\r") {
				t.Errorf("text line %q", l)
			}
		}
	})

	t.Run("item 9: templates read no env, file or system placeholder unless allowed", func(t *testing.T) {
		for _, row := range []struct {
			host, name, want string
		}{
			{"tpl", "http.request.host", "name:tpl.localhost</p>"},
			{"tpl", "env.EP_TEST_SECRET", "name:</p>"},
			{"tpl", "env.EP_TEST_PUBLIC", "name:</p>"},
			{"tpl", "file." + secretFile, "name:</p>"},
			{"tpl", "system.wd", "name:</p>"},
			{"tplenv", "env.EP_TEST_PUBLIC", "name:v1.2.3</p>"},
			{"tplenv", "env.EP_TEST_SECRET", "name:</p>"},
			{"tplenv", "system.os", "name:linux</p>"},
			{"tplenv", "system.wd", "name:</p>"},
			{"tplenv", "file." + secretFile, "name:</p>"},
		} {
			r := get(t, tester, "GET", "http://"+row.host+".localhost:9080/?name="+url.QueryEscape(row.name)+"&x=env.EP_TEST_SECRET", "Accept", "text/html")
			s := string(r.body)
			if !strings.Contains(s, row.want) {
				t.Errorf("%s reading %s: want %q in\n%s", row.host, row.name, row.want, s)
			}
			if strings.Contains(s, "secret-42") {
				t.Errorf("%s reading %s: a secret reached the page:\n%s", row.host, row.name, s)
			}
		}
	})

	t.Run("item 13: a rewritten HTML page gets a policy that fits it", func(t *testing.T) {
		r := get(t, tester, "GET", base+"/express", "Accept", browserAccept)
		csp := r.Header.Values("Content-Security-Policy")
		if len(csp) != 2 || !strings.HasPrefix(csp[0], "default-src 'none'; style-src 'sha256-") || csp[1] != "frame-ancestors 'self' https://app.example.com" {
			t.Errorf("Content-Security-Policy = %q", csp)
		}
		if strings.Contains(strings.Join(csp, ","), "unsafe-inline") {
			t.Error("unsafe-inline in the page's policy")
		}
		if v := r.Header.Get("Content-Security-Policy-Report-Only"); v != "" {
			t.Errorf("report-only policy of the replaced document kept: %q", v)
		}
		// Local errors and a response without a policy get the page's too.
		for _, path := range []string{"/local", "/respond", "/status/400"} {
			r := get(t, tester, "GET", base+path, "Accept", browserAccept)
			if csp := r.Header.Values("Content-Security-Policy"); len(csp) != 1 || !strings.HasPrefix(csp[0], "default-src 'none'") {
				t.Errorf("%s: Content-Security-Policy = %q", path, csp)
			}
		}
		// A site's own template: the upstream's policy goes, its framing
		// restriction stays.
		r = get(t, tester, "GET", "http://own.localhost:9080/express", "Accept", browserAccept)
		if csp := r.Header.Values("Content-Security-Policy"); len(csp) != 1 || csp[0] != "frame-ancestors 'self' https://app.example.com" {
			t.Errorf("own template: Content-Security-Policy = %q", csp)
		}
		// docs/templates.md's way to give one's own pages a policy.
		r = get(t, tester, "GET", "http://ownpolicy.localhost:9080/express", "Accept", browserAccept)
		if csp := r.Header.Values("Content-Security-Policy"); len(csp) != 1 || csp[0] != "default-src 'self'" {
			t.Errorf("own template with a deferred header: Content-Security-Policy = %q", csp)
		}
		// Other formats are no documents: the upstream's policy stays.
		r = get(t, tester, "GET", base+"/express", "Accept", "application/json")
		if csp := r.Header.Get("Content-Security-Policy"); csp != "default-src 'none'; frame-ancestors 'self' https://app.example.com" {
			t.Errorf("json: Content-Security-Policy = %q", csp)
		}
	})

	t.Run("item 14: the upstream's fingerprints go, Caddy's own Server stays", func(t *testing.T) {
		fingerprints := []string{"X-Powered-By", "Server", "X-Aspnet-Version", "X-Aspnetmvc-Version", "X-Runtime", "X-Debug-Token", "X-Debug-Token-Link"}
		for _, accept := range []string{"application/json", browserAccept} {
			r := get(t, tester, "GET", base+"/express", "Accept", accept)
			for _, k := range fingerprints {
				if v := r.Header.Values(k); len(v) > 0 {
					t.Errorf("%s: %s: %q kept", accept, k, v)
				}
			}
			if r.Header.Get("X-Custom") != "kept" || r.Header.Get("Via") == "" {
				t.Errorf("%s: other headers must stay: %v", accept, r.Header)
			}
		}
		r := get(t, tester, "GET", "http://keep.localhost:9080/express", "Accept", "application/json")
		if r.Header.Get("Server") != "Werkzeug/2.2.2 Python/3.11.2" || r.Header.Get("X-Runtime") != "0.012" || r.Header.Get("X-Powered-By") != "" {
			t.Errorf("keep_headers Server X-Runtime: %v", r.Header)
		}
		for _, path := range []string{"/local", "/respond"} {
			r := get(t, tester, "GET", base+path, "Accept", "application/json")
			if r.Header.Get("Server") != "Caddy" {
				t.Errorf("%s: Caddy's own Server header = %q", path, r.Header.Get("Server"))
			}
		}
	})

	t.Run("item 16: JSON is not HTML-escaped", func(t *testing.T) {
		r := get(t, tester, "GET", base+"/raw/x?code=400&type=application/json&body="+url.QueryEscape(`{"message":"limit > 10 & < 20"}`), "Accept", "application/json")
		if !bytes.Contains(r.body, []byte(`"details":"limit > 10 & < 20"`)) {
			t.Errorf("body: %s", r.body)
		}
	})

	t.Run("item 17: HEAD of an upstream error sends no length it can't know", func(t *testing.T) {
		for _, accept := range []string{"application/json", browserAccept, "text/plain"} {
			g := get(t, tester, "GET", base+"/status/400", "Accept", accept, "X-Request-ID", "head-1")
			h := get(t, tester, "HEAD", base+"/status/400", "Accept", accept, "X-Request-ID", "head-1")
			if h.StatusCode != 400 || len(h.body) != 0 || h.Header.Get("Content-Type") != g.Header.Get("Content-Type") {
				t.Errorf("%s: HEAD %d %v", accept, h.StatusCode, h.Header)
			}
			if cl := h.Header.Get("Content-Length"); cl != "" && cl != fmt.Sprint(len(g.body)) {
				t.Errorf("%s: HEAD Content-Length %s, the GET's body has %d bytes", accept, cl, len(g.body))
			}
		}
		// Local errors: the GET's length.
		g := get(t, tester, "GET", base+"/local", "Accept", "application/json", "X-Request-ID", "head-2")
		h := get(t, tester, "HEAD", base+"/local", "Accept", "application/json", "X-Request-ID", "head-2")
		if h.Header.Get("Content-Length") != fmt.Sprint(len(g.body)) {
			t.Errorf("local HEAD Content-Length %q, GET body %d bytes", h.Header.Get("Content-Length"), len(g.body))
		}
	})
}

// A validator's problems (errorpages.Problems inside a HandlerError) are
// rendered with every member, whatever the details policy.
func TestProblemsRendered(t *testing.T) {
	problems := func(docs string) caddyhttp.Handler {
		return caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			return caddyhttp.Error(http.StatusBadRequest, &errorpages.Problems{
				Type:    "validation_failed",
				Message: "The request has 3 problems.",
				Fields: []errorpages.Field{
					{Field: "email", Message: "must be an email address", Pointer: "/body/email", Code: "format", Hint: "like name@example.com"},
					{Field: "limit", Message: "must be at most 100", Pointer: "/query/limit", Code: "maximum"},
				},
				More: 1,
				Docs: docs,
			})
		})
	}
	serve := func(t *testing.T, h *Handler, next caddyhttp.Handler, accept string) (int, string) {
		t.Helper()
		r, _ := preparedRequest(accept)
		r.Header.Set("X-Request-ID", "rid")
		rec := &recordingWriter{discardWriter: discardWriter{h: http.Header{}}}
		if err := h.ServeHTTP(rec, r, next); err != nil {
			t.Fatalf("ServeHTTP: %v", err)
		}
		return rec.status, rec.body.String()
	}
	for _, details := range []string{"auto", "always", "never"} {
		t.Run("json under details "+details, func(t *testing.T) {
			h := provisioned(t, &Handler{Details: details})
			code, body := serve(t, h, problems("https://api.example.com/docs#createUser"), "application/json")
			want := `{"error":{"code":400,"type":"validation_failed","message":"Bad Request","details":"The request has 3 problems.","fields":[` +
				`{"field":"email","message":"must be an email address","pointer":"/body/email","code":"format","hint":"like name@example.com"},` +
				`{"field":"limit","message":"must be at most 100","pointer":"/query/limit","code":"maximum"}],"more":1,"request_id":"rid","docs":"https://api.example.com/docs#createUser"}}`
			if code != 400 || body != want {
				t.Errorf("%d\n got %s\nwant %s", code, body, want)
			}
		})
	}
	t.Run("the operation's docs win over error_pages' docs for the status", func(t *testing.T) {
		h := provisioned(t, &Handler{Docs: "https://docs.example.com/errors/{code}"})
		_, body := serve(t, h, problems("https://api.example.com/docs"), "application/problem+json")
		if !strings.HasPrefix(body, `{"type":"https://api.example.com/docs","title":"Bad Request","status":400,"detail":"The request has 3 problems."`) ||
			!strings.Contains(body, `{"detail":"must be an email address","pointer":"/body/email","field":"email","code":"format","hint":"like name@example.com"}`) ||
			!strings.HasSuffix(body, `"more":1}`) {
			t.Errorf("problem: %s", body)
		}
	})
	t.Run("error_pages' docs when the validator gave none", func(t *testing.T) {
		h := provisioned(t, &Handler{Docs: "https://docs.example.com/errors/{code}"})
		_, body := serve(t, h, problems(""), "application/problem+json")
		if !strings.HasPrefix(body, `{"type":"https://docs.example.com/errors/400",`) {
			t.Errorf("problem: %s", body)
		}
	})
	t.Run("text, xml and html", func(t *testing.T) {
		h := provisioned(t, &Handler{Details: "never"})
		_, text := serve(t, h, problems(""), "text/plain")
		if want := "400 Bad Request\nThe request has 3 problems.\n- email: must be an email address (like name@example.com)\n- limit: must be at most 100\n…and 1 more\nRequest ID: rid\n"; text != want {
			t.Errorf("text\n got %q\nwant %q", text, want)
		}
		_, x := serve(t, h, problems(""), "application/xml")
		var doc struct {
			Type   string `xml:"type"`
			Fields struct {
				More  int `xml:"more,attr"`
				Field []struct {
					Name    string `xml:"name,attr"`
					Pointer string `xml:"pointer,attr"`
					Code    string `xml:"code,attr"`
					Hint    string `xml:"hint,attr"`
				} `xml:"field"`
			} `xml:"fields"`
		}
		if err := xml.Unmarshal([]byte(x), &doc); err != nil || doc.Type != "validation_failed" || doc.Fields.More != 1 || len(doc.Fields.Field) != 2 ||
			doc.Fields.Field[0].Pointer != "/body/email" || doc.Fields.Field[0].Hint != "like name@example.com" {
			t.Errorf("xml %v: %s", err, x)
		}
		_, page := serve(t, h, problems(""), "text/html")
		for _, s := range []string{"The request has 3 problems.", "<strong>email</strong> <span>must be an email address</span><small>like name@example.com</small>", "…and 1 more"} {
			if !strings.Contains(page, s) {
				t.Errorf("html lacks %q", s)
			}
		}
	})
	t.Run("problems wrapped in another error", func(t *testing.T) {
		h := provisioned(t, &Handler{})
		wrapped := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			return caddyhttp.Error(http.StatusUnprocessableEntity, fmt.Errorf("validating: %w", &errorpages.Problems{
				Type: "validation_failed", Message: "1 problem", Fields: []errorpages.Field{{Field: "q", Message: "is required", Pointer: "/query/q", Code: "required"}},
			}))
		})
		code, e, _ := serveJSON(t, h, wrapped, "")
		if code != 422 || e.Error.Type != "validation_failed" || e.Error.Details != "1 problem" || len(e.Error.Fields) != 1 {
			t.Errorf("%d %+v", code, e.Error)
		}
	})
	t.Run("other Go errors still show nothing", func(t *testing.T) {
		h := provisioned(t, &Handler{Details: "always"})
		code, e, _ := serveJSON(t, h, goError(400, "invalid character 'x' looking for beginning of value"), "")
		if code != 400 || e.Error.Details != descriptionOf(400) || e.Error.Type != "bad_request" {
			t.Errorf("%d %+v", code, e.Error)
		}
	})
}

// Docs must be an http(s) URL or a path on the site.
func TestDocsMustBeAURL(t *testing.T) {
	for docs, ok := range map[string]bool{
		"https://docs.example.com/errors/{code}":                  true,
		"https://docs.example.com/e?from={http.request.uri.path}": true,
		"/docs/{code}":                   true,
		"{http.request.uri.query.next}":  false,
		"//evil.example/{code}":          false,
		"javascript:alert(1)":            false,
		"https://docs.example.com/{code": false,
		"mailto:help@example.com":        false,
		"https:///nohost":                false,
	} {
		if err := checkDocs(docs); (err == nil) != ok {
			t.Errorf("checkDocs(%q) = %v, want ok=%v", docs, err, ok)
		}
	}
}

// .ci/run checks list-modules without a pipeline whose producer a
// `grep -q` can kill with SIGPIPE under pipefail (it failed about one run
// in forty). A fake caddy that prints its match first and then much more
// makes that failure certain.
func TestCIModuleCheckSurvivesEarlyMatch(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "caddy")
	os.WriteFile(fake, []byte("#!/usr/bin/env bash\necho http.handlers.error_pages\nfor i in $(seq 1 20000); do echo http.handlers.padding_module_$i; done\n"), 0o755)
	script := `set -euo pipefail; source .ci/run; has_module "$1" http.handlers.error_pages && echo FOUND`
	out, err := exec.Command(bash, "-c", script, "bash", fake).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "FOUND" {
		t.Errorf("module check: %v\n%s", err, out)
	}
	out, err = exec.Command(bash, "-c", `set -euo pipefail; source .ci/run; has_module "$1" http.handlers.nope || echo MISSING`, "bash", fake).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "MISSING" {
		t.Errorf("missing module: %v\n%s", err, out)
	}
}
