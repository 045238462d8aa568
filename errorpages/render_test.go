package errorpages

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func sampleError() *Error {
	e := NewError(400, "")
	e.Type = "validation_failed"
	e.Details = "email is not a valid address"
	e.Fields = []Field{{Field: "email", Message: "Invalid email format"}, {Field: "address.city", Message: "is required"}}
	e.RequestID = "7f9c"
	e.Docs = "https://docs.example.com/errors/400"
	e.Instance = "/api/users"
	return e
}

func render(t *testing.T, r *Renderer, f Format, e *Error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(&buf, f, &PageData{Error: e, Method: "GET", Path: e.Instance}); err != nil {
		t.Fatalf("render %s: %v", f, err)
	}
	return buf.String()
}

func TestRenderFormats(t *testing.T) {
	r, err := NewRenderer(RendererConfig{})
	if err != nil {
		t.Fatal(err)
	}
	e := sampleError()
	t.Run("json envelope, members in contract order", func(t *testing.T) {
		want := `{"error":{"code":400,"type":"validation_failed","message":"Bad Request","details":"email is not a valid address","fields":[{"field":"email","message":"Invalid email format"},{"field":"address.city","message":"is required"}],"request_id":"7f9c","docs":"https://docs.example.com/errors/400"}}`
		if got := render(t, r, JSON, e); got != want {
			t.Errorf("json\n got %s\nwant %s", got, want)
		}
	})
	t.Run("json omits empty fields and docs", func(t *testing.T) {
		e := NewError(404, "")
		e.RequestID = "x"
		want := `{"error":{"code":404,"type":"not_found","message":"Not Found","details":"` + Description(404) + `","request_id":"x"}}`
		got := render(t, r, JSON, e)
		var v any
		if json.Unmarshal([]byte(got), &v) != nil || strings.Contains(got, `"fields"`) || strings.Contains(got, `"docs"`) {
			t.Errorf("json: %s", got)
		}
		_ = want
	})
	t.Run("problem+json", func(t *testing.T) {
		got := render(t, r, Problem, e)
		want := `{"type":"https://docs.example.com/errors/400","title":"Bad Request","status":400,"detail":"email is not a valid address","instance":"/api/users","request_id":"7f9c","errors":[{"detail":"Invalid email format","pointer":"#/email"},{"detail":"is required","pointer":"#/address/city"}]}`
		if got != want {
			t.Errorf("problem\n got %s\nwant %s", got, want)
		}
		e2 := NewError(500, "")
		if got := render(t, r, Problem, e2); !strings.HasPrefix(got, `{"type":"about:blank","title":"Internal Server Error","status":500`) {
			t.Errorf("problem without docs: %s", got)
		}
	})
	t.Run("text", func(t *testing.T) {
		want := "400 Bad Request\nemail is not a valid address\n- email: Invalid email format\n- address.city: is required\nRequest ID: 7f9c\nDocs: https://docs.example.com/errors/400\n"
		if got := render(t, r, Text, e); got != want {
			t.Errorf("text\n got %q\nwant %q", got, want)
		}
	})
	t.Run("xml", func(t *testing.T) {
		got := render(t, r, XML, e)
		want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<error><code>400</code><type>validation_failed</type><message>Bad Request</message><details>email is not a valid address</details><fields><field name="email">Invalid email format</field><field name="address.city">is required</field></fields><request_id>7f9c</request_id><docs>https://docs.example.com/errors/400</docs></error>`
		if got != want {
			t.Errorf("xml\n got %s\nwant %s", got, want)
		}
	})
	t.Run("html", func(t *testing.T) {
		got := render(t, r, HTML, e)
		for _, s := range []string{`<html lang="en" dir="ltr">`, `<meta name="robots" content="noindex">`, "<title>400 Bad Request</title>", "<h1>", "email is not a valid address", "Invalid email format", "7f9c", `href="https://docs.example.com/errors/400"`} {
			if !strings.Contains(got, s) {
				t.Errorf("html lacks %q", s)
			}
		}
	})
}

func TestRenderEscapesHostileInput(t *testing.T) {
	r, _ := NewRenderer(RendererConfig{})
	e := NewError(400, "")
	e.Details = `<script>alert(1)</script>"&'`
	e.Fields = []Field{{Field: `<img src=x onerror=alert(1)>`, Message: "]]><evil/>"}}
	e.RequestID = "id"
	e.Instance = `/"><script>alert(2)</script>`
	for _, f := range []Format{HTML, JSON, Problem, XML} {
		var buf bytes.Buffer
		d := &PageData{Error: e, Method: "GET", Path: e.Instance}
		if err := r.Render(&buf, f, d); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		switch f {
		case JSON, Problem:
			// JSON is served as JSON with nosniff, never as markup: the
			// text stays as it is, and the document stays valid JSON.
			var v struct {
				Error  struct{ Details string }
				Detail string
			}
			if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
				t.Errorf("%s invalid JSON: %v", f, err)
			}
			if v.Error.Details+v.Detail != e.Details {
				t.Errorf("%s details changed: %s", f, out)
			}
			continue
		}
		if strings.Contains(out, "<script>") || strings.Contains(out, "<img") || strings.Contains(out, "<evil") {
			t.Errorf("%s output has unescaped markup: %s", f, out)
		}
		switch f {
		case XML:
			if err := xmlWellFormed(buf.Bytes()); err != nil {
				t.Errorf("xml: %v", err)
			}
		}
	}
}

func xmlWellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return err
		}
	}
}

// Characters XML 1.0 cannot hold (controls, U+FFFE, invalid UTF-8)
// reach an XML body as U+FFFD, one each; the text around them, and
// the tab, newline and carriage return XML can hold, are kept.
func TestXMLInvalidCharacters(t *testing.T) {
	r, _ := NewRenderer(RendererConfig{})
	e := NewError(400, "")
	e.Details = "bell\x07 and \x00 null \uFFFE \x1f\xff end\t\n\r"
	var buf bytes.Buffer
	r.Render(&buf, XML, &PageData{Error: e})
	if err := xmlWellFormed(buf.Bytes()); err != nil {
		t.Errorf("xml with control characters: %v\n%q", err, buf.String())
	}
	for _, bad := range []string{"\x07", "\x00", "\x1f", "\uFFFE", "\xff"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("xml holds %q: %q", bad, buf.String())
		}
	}
	var doc struct {
		Details string `xml:"details"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%q", err, buf.String())
	}
	if want := "bell\uFFFD and \uFFFD null \uFFFD \uFFFD\uFFFD end\t\n\r"; doc.Details != want {
		t.Errorf("details read back %q, want %q", doc.Details, want)
	}
}

func TestFieldPointer(t *testing.T) {
	for in, want := range map[string]string{
		"email":         "#/email",
		"address.city":  "#/address/city",
		"items[0].name": "#/items/0/name",
		"a/b":           "#/a~1b",
		"t~x":           "#/t~0x",
	} {
		if got := FieldPointer(in); got != want {
			t.Errorf("FieldPointer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStatusWording(t *testing.T) {
	for code := 400; code < 600; code++ {
		if http.StatusText(code) == "" {
			continue
		}
		if _, ok := statusDescriptions[code]; !ok {
			t.Errorf("no end-user description for %d %s", code, http.StatusText(code))
		}
	}
	for code, want := range map[int]string{400: "bad_request", 418: "im_a_teapot", 505: "http_version_not_supported", 499: "client_error"} {
		if got := TypeSlug(code); got != want {
			t.Errorf("TypeSlug(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestStatusSet(t *testing.T) {
	var s StatusSet
	for _, spec := range []string{"404", "5xx", "420-429"} {
		if err := s.Add(spec); err != nil {
			t.Fatal(err)
		}
	}
	for code, want := range map[int]bool{404: true, 403: false, 500: true, 599: true, 425: true, 430: false, 200: false, 304: false} {
		if s.Has(code) != want {
			t.Errorf("Has(%d) = %v", code, !want)
		}
	}
	for _, bad := range []string{"", "4x0", "399", "200", "3xx", "600", "500-400", "40", "4000", "abc", "450-", "1xx"} {
		if err := new(StatusSet).Add(bad); err == nil {
			t.Errorf("Add(%q) should fail", bad)
		}
	}
}

func TestTemplatesResolution(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) { os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644) }
	write("404.html", `404 page {{.Code}}`)
	write("4xx.html", `4xx page {{.Code}}`)
	write("error.html", `generic {{.Code}} {{.Placeholder "http.request.host"}}`)
	r, err := NewRenderer(RendererConfig{TemplatesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[int]string{404: "404 page 404", 403: "4xx page 403", 500: "generic 500 example.org"} {
		var buf bytes.Buffer
		d := &PageData{Error: NewError(code, "")}
		d.SetPlaceholderFunc(func(k string) string {
			if k == "http.request.host" {
				return "example.org"
			}
			return ""
		})
		if err := r.Render(&buf, HTML, d); err != nil || buf.String() != want {
			t.Errorf("code %d: %q, %v", code, buf.String(), err)
		}
	}
}

func TestTemplateErrorsAtConfigTime(t *testing.T) {
	t.Run("syntax error names file and line", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "500.html"), []byte("<p>\nline two\n{{end}}\n"), 0o644)
		_, err := NewRenderer(RendererConfig{TemplatesDir: dir})
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "500.html")) || !strings.Contains(err.Error(), "500.html:3") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		_, err := NewRenderer(RendererConfig{TemplatesDir: filepath.Join(t.TempDir(), "nope")})
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("directory without templates", func(t *testing.T) {
		if _, err := NewRenderer(RendererConfig{TemplatesDir: t.TempDir()}); err == nil {
			t.Error("want an error")
		}
	})
}

func TestTemplateRuntimeFallback(t *testing.T) {
	dir := t.TempDir()
	// Fails while executing: index out of range on an empty field list.
	os.WriteFile(filepath.Join(dir, "error.html"), []byte(`<p>{{index .Fields 5}}</p>`), 0o644)
	r, err := NewRenderer(RendererConfig{TemplatesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	e := NewError(503, "")
	e.RequestID = "rid-1"
	err = r.Render(&buf, HTML, &PageData{Error: e})
	if err == nil || !strings.Contains(err.Error(), "error.html") {
		t.Errorf("the template failure should be reported, got %v", err)
	}
	out := buf.String()
	if !strings.Contains(out, "<title>503 Service Unavailable</title>") || !strings.Contains(out, "rid-1") || strings.Contains(out, "<p>") && !strings.Contains(out, Description(503)) {
		t.Errorf("fallback page: %s", out)
	}
}

func TestBrandValidation(t *testing.T) {
	good := []Brand{{}, {Color: "#fff"}, {Color: "#0A66C2", Home: "/", Support: "mailto:help@example.com", Logo: "https://cdn.example.com/logo.svg"}}
	for _, b := range good {
		if err := b.Prepare(); err != nil {
			t.Errorf("%+v: %v", b, err)
		}
	}
	bad := []Brand{{Color: "red"}, {Color: "#12345"}, {Color: "#ggg"}, {Color: "#fff;}body{display:none"}, {Home: "javascript:alert(1)"}, {Logo: "//evil.example/x.png"}, {Support: "mailto:"}, {Logo: "mailto:a@b.c"}, {Home: "http://"}}
	for _, b := range bad {
		if err := b.Prepare(); err == nil {
			t.Errorf("%+v should be rejected", b)
		}
	}
}

func TestBrandColorsMeetAAContrast(t *testing.T) {
	for _, c := range []string{"#ffcc00", "#0a66c2", "#000000", "#ffffff", "#ff0000", "#00ff00"} {
		b := Brand{Color: c}
		if err := b.Prepare(); err != nil {
			t.Fatal(err)
		}
		acc, _ := parseHexColor(b.Accent)
		if r := contrast(acc.luminance(), 1); r < 4.5 {
			t.Errorf("%s: light accent %s has %.2f:1 on white", c, b.Accent, r)
		}
		on, _ := parseHexColor(b.OnAccent)
		if r := contrast(acc.luminance(), on.luminance()); r < 4.5 {
			t.Errorf("%s: text on accent %.2f:1", c, r)
		}
		dark, _ := parseHexColor(b.AccentDark)
		if r := contrast(dark.luminance(), darkBG.luminance()); r < 4.5 {
			t.Errorf("%s: dark accent %s has %.2f:1 on the dark background", c, b.AccentDark, r)
		}
	}
}

// The whole page stays under 16 KiB for every standard status, with every
// brand option, docs and a long field list.
func TestHTMLSizeBound(t *testing.T) {
	r, err := NewRenderer(RendererConfig{Brand: &Brand{Name: strings.Repeat("N", 80), Logo: "https://cdn.example.com/" + strings.Repeat("l", 100) + ".svg", Color: "#0a66c2", Home: "https://example.com/", Support: "mailto:help@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	for code := 400; code < 600; code++ {
		if http.StatusText(code) == "" {
			continue
		}
		e := NewError(code, "")
		e.Details = strings.Repeat("d", MaxMessageLen)
		for i := 0; i < 10; i++ {
			e.Fields = append(e.Fields, Field{Field: strings.Repeat("f", 40), Message: strings.Repeat("m", 120)})
		}
		e.RequestID = strings.Repeat("r", 128)
		e.Docs = "https://docs.example.com/errors/" + http.StatusText(code)
		var buf bytes.Buffer
		if err := r.Render(&buf, HTML, &PageData{Error: e, Method: "GET", Path: "/" + strings.Repeat("p", 200)}); err != nil {
			t.Fatal(err)
		}
		if buf.Len() >= 16<<10 {
			t.Errorf("%d: page is %d bytes, want under 16 KiB", code, buf.Len())
		}
	}
}

func BenchmarkRender(b *testing.B) {
	r, _ := NewRenderer(RendererConfig{Brand: &Brand{Name: "Example Shop", Color: "#0a66c2", Home: "https://example.com/", Support: "mailto:help@example.com"}})
	e := sampleError()
	for _, f := range []Format{HTML, JSON, Problem, Text, XML} {
		b.Run(f.String(), func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				r.Render(&buf, f, &PageData{Error: e, Method: "GET", Path: "/api/users"})
			}
		})
	}
}

// JSON bodies are served as application/json with nosniff: <, > and & are
// written as they are, not as \u003c, \u003e and \u0026.
func TestJSONIsNotHTMLEscaped(t *testing.T) {
	r, _ := NewRenderer(RendererConfig{})
	e := NewError(400, "")
	e.Details = "limit > 10 & < 20"
	e.RequestID = "x"
	for f, want := range map[Format]string{
		JSON:    `{"error":{"code":400,"type":"bad_request","message":"Bad Request","details":"limit > 10 & < 20","request_id":"x"}}`,
		Problem: `{"type":"about:blank","title":"Bad Request","status":400,"detail":"limit > 10 & < 20","request_id":"x"}`,
	} {
		if got := render(t, r, f, e); got != want {
			t.Errorf("%s\n got %s\nwant %s", f, got, want)
		}
	}
}

// The validation members (pointer, code, hint, and the count of problems
// not listed) in every format.
func TestRenderValidationMembers(t *testing.T) {
	r, _ := NewRenderer(RendererConfig{})
	e := NewError(400, "")
	e.Type = "validation_failed"
	e.Details = "The request has 4 problems."
	e.Fields = []Field{
		{Field: "email", Message: "must be an email address", Pointer: "/body/email", Code: "format", Hint: "like name@example.com"},
		{Field: "limit", Message: "must be at most 100", Pointer: "/query/limit", Code: "maximum"},
		{Field: "", Message: "is required", Pointer: "/header/X-Tenant", Code: "required"},
		{Field: "name", Message: "is too long"},
	}
	e.More = 2
	e.RequestID = "rid"
	rows := []struct {
		name string
		f    Format
		want string
	}{
		{"json fields carry pointer, code and hint in that order, more after them", JSON,
			`{"error":{"code":400,"type":"validation_failed","message":"Bad Request","details":"The request has 4 problems.","fields":[` +
				`{"field":"email","message":"must be an email address","pointer":"/body/email","code":"format","hint":"like name@example.com"},` +
				`{"field":"limit","message":"must be at most 100","pointer":"/query/limit","code":"maximum"},` +
				`{"field":"","message":"is required","pointer":"/header/X-Tenant","code":"required"},` +
				`{"field":"name","message":"is too long"}],"more":2,"request_id":"rid"}}`},
		{"problem errors use the given pointer and carry field, code and hint; #/name when no pointer", Problem,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"The request has 4 problems.","request_id":"rid","errors":[` +
				`{"detail":"must be an email address","pointer":"/body/email","field":"email","code":"format","hint":"like name@example.com"},` +
				`{"detail":"must be at most 100","pointer":"/query/limit","field":"limit","code":"maximum"},` +
				`{"detail":"is required","pointer":"/header/X-Tenant","code":"required"},` +
				`{"detail":"is too long","pointer":"#/name"}],"more":2}`},
		{"text lines name the field (else the pointer) and add the hint", Text,
			"400 Bad Request\nThe request has 4 problems.\n" +
				"- email: must be an email address (like name@example.com)\n" +
				"- limit: must be at most 100\n" +
				"- /header/X-Tenant: is required\n" +
				"- name: is too long\n" +
				"…and 2 more\nRequest ID: rid\n"},
		{"xml attributes", XML,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<error><code>400</code><type>validation_failed</type><message>Bad Request</message><details>The request has 4 problems.</details><fields more="2">` +
				`<field name="email" pointer="/body/email" code="format" hint="like name@example.com">must be an email address</field>` +
				`<field name="limit" pointer="/query/limit" code="maximum">must be at most 100</field>` +
				`<field name="" pointer="/header/X-Tenant" code="required">is required</field>` +
				`<field name="name">is too long</field></fields><request_id>rid</request_id></error>`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if got := render(t, r, row.f, e); got != row.want {
				t.Errorf("\n got %s\nwant %s", got, row.want)
			}
		})
	}
	t.Run("html lists each problem with its hint, and how many more", func(t *testing.T) {
		got := render(t, r, HTML, e)
		for _, s := range []string{
			"<li><strong>email</strong> <span>must be an email address</span><small>like name@example.com</small></li>",
			"<li><strong>limit</strong> <span>must be at most 100</span></li>",
			"<li><strong>/header/X-Tenant</strong> <span>is required</span></li>",
			`<p class="more">…and 2 more</p>`,
		} {
			if !strings.Contains(got, s) {
				t.Errorf("html lacks %q", s)
			}
		}
	})
}

// Every line of the text format is one line of valid UTF-8 without
// control characters, whatever the texts hold.
func TestTextFormatLines(t *testing.T) {
	r, _ := NewRenderer(RendererConfig{})
	hostile := "a\r\nInjected: yes\x00b\xff\xfec\u2028d\u2029e\x85f\u0085g\x1b[31mh\tend"
	e := NewError(400, hostile)
	e.Details = hostile
	e.Fields = []Field{{Field: hostile, Message: hostile, Hint: hostile}}
	e.RequestID = "rid"
	e.Docs = "https://docs.example.com/?from=" + hostile
	got := render(t, r, Text, e)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 5 lines (title, details, field, request ID, docs), got %d: %q", len(lines), got)
	}
	for _, l := range lines {
		if !utf8.ValidString(l) {
			t.Errorf("invalid UTF-8: %q", l)
		}
		for _, c := range l {
			if c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029' {
				t.Errorf("control or separator %U in %q", c, l)
			}
		}
	}
	if want := "400 a Injected: yes b\ufffdc d e\ufffdf g [31mh end"; lines[0] != want {
		t.Errorf("title line\n got %q\nwant %q", lines[0], want)
	}
}

// The brand color is used exactly where contrast does not matter (the
// card's top stripe, the logo mark), and adjusted for text and buttons.
func TestBrandColorUsedAsGiven(t *testing.T) {
	r, err := NewRenderer(RendererConfig{Brand: &Brand{Name: "Shop", Color: "#D9480F"}})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, r, HTML, NewError(404, ""))
	for _, s := range []string{"--brand:#d9480f;", "border-top:6px solid var(--brand)", ".mark{", "background:var(--brand)", `<i class="mark" aria-hidden="true"></i>Shop`} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if r.brand.Accent == "#d9480f" {
		t.Fatalf("test color should need darkening for text; accent %s", r.brand.Accent)
	}
	if !strings.Contains(page, "--accent:"+r.brand.Accent+";") || !strings.Contains(page, "nav a.primary{background:var(--accent)") {
		t.Error("text and buttons should use the adjusted accent")
	}
}

// The page's Content-Security-Policy allows exactly its own <style>, by
// hash, and the logo's origin; a site's own template gets none from us.
func TestPagePolicy(t *testing.T) {
	styleRE := regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	for _, row := range []struct {
		name  string
		brand *Brand
		img   string
	}{
		{"no brand", nil, "img-src data:;"},
		{"logo on a CDN", &Brand{Name: "Shop", Logo: "https://cdn.example.com:8443/img/logo.svg?v=2", Color: "#0a66c2"}, "img-src data: https://cdn.example.com:8443;"},
		{"logo on the site", &Brand{Logo: "/logo.svg", Color: "#d9480f"}, "img-src data: 'self';"},
	} {
		t.Run(row.name, func(t *testing.T) {
			r, err := NewRenderer(RendererConfig{Brand: row.brand})
			if err != nil {
				t.Fatal(err)
			}
			m := styleRE.FindStringSubmatch(render(t, r, HTML, NewError(503, "")))
			if m == nil {
				t.Fatal("no <style> element")
			}
			sum := sha256.Sum256([]byte(m[1]))
			hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
			want := "default-src 'none'; style-src " + hash + "; " + row.img + " base-uri 'none'; form-action 'none'"
			if got := r.PagePolicy(503); got != want {
				t.Errorf("policy\n got %s\nwant %s", got, want)
			}
			if strings.Contains(r.PagePolicy(503), "unsafe-inline") {
				t.Error("unsafe-inline in the policy")
			}
		})
	}
	t.Run("site's own template", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "404.html"), []byte(`<p>{{.Code}}</p>`), 0o644)
		r, err := NewRenderer(RendererConfig{TemplatesDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.PagePolicy(404); got != "" {
			t.Errorf("own template 404: policy %q, want none", got)
		}
		if got := r.PagePolicy(500); !strings.HasPrefix(got, "default-src 'none'") {
			t.Errorf("embedded page for 500: policy %q", got)
		}
	})
}

// LocalRef: the request's own address as a link that stays on the site.
func TestLocalRef(t *testing.T) {
	for _, row := range []struct{ name, path, query, want string }{
		{"plain path", "/api/users", "", "/api/users"},
		{"query kept", "/search", "q=a%20b&page=2", "/search?q=a%20b&page=2"},
		{"network-path reference made path-absolute", "//evil.example/", "", "/.//evil.example/"},
		{"three slashes", "///evil.example", "", "/.///evil.example"},
		{"encoded slashes stay encoded", "/%2F%2Fevil.example/", "", "/%2F%2Fevil.example/"},
		{"backslash encoded", `/\evil.example/`, "", "/%5Cevil.example/"},
		{"markup and quotes in the query encoded", "/s", `q="><script>`, "/s?q=%22%3E%3Cscript%3E"},
		{"a lone percent encoded", "/100%", "x=%zz", "/100%25?x=%25zz"},
		{"non-ASCII bytes encoded", "/caf\xc3\xa9", "", "/caf%C3%A9"},
		{"fragment marker encoded", "/a", "b#c", "/a?b%23c"},
		{"empty path", "", "", "/"},
		{"not absolute (OPTIONS *)", "*", "", "/"},
	} {
		t.Run(row.name, func(t *testing.T) {
			if got := LocalRef(row.path, row.query); got != row.want {
				t.Errorf("LocalRef(%q, %q) = %q, want %q", row.path, row.query, got, row.want)
			}
		})
	}
}

// With tracing on, every format carries the trace ID next to the request
// ID; without it, bodies are byte for byte what they were.
func TestRenderTraceID(t *testing.T) {
	r, _ := NewRenderer(RendererConfig{})
	const tid = "4bf92f3577b34da6a3ce929d0e0e4736"
	rows := []struct {
		format    Format
		with, off string // substring with the trace ID; what follows the request ID without it
	}{
		{JSON, `"request_id":"7f9c","trace_id":"` + tid + `","docs"`, `"request_id":"7f9c","docs"`},
		{Problem, `"request_id":"7f9c","trace_id":"` + tid + `","errors"`, `"request_id":"7f9c","errors"`},
		{Text, "Request ID: 7f9c\nTrace ID: " + tid + "\nDocs:", "Request ID: 7f9c\nDocs:"},
		{XML, "<request_id>7f9c</request_id><trace_id>" + tid + "</trace_id><docs>", "<request_id>7f9c</request_id><docs>"},
		{HTML, `<p class="rid">Request ID<br><code dir="ltr">7f9c</code></p><p class="rid">Trace ID<br><code dir="ltr">` + tid + `</code></p>`, `<code dir="ltr">7f9c</code></p>` + "\n<nav"},
	}
	for _, row := range rows {
		t.Run(row.format.String(), func(t *testing.T) {
			e := sampleError()
			if got := render(t, r, row.format, e); !strings.Contains(got, row.off) || strings.Contains(got, "race") {
				t.Errorf("without tracing: %s", got)
			}
			e.TraceID = tid
			if got := render(t, r, row.format, e); !strings.Contains(got, row.with) {
				t.Errorf("with tracing: lacks %q in %s", row.with, got)
			}
		})
	}
}

// problem_extension members come after the standard ones, in the order
// configured, JSON-escaped whatever they hold.
func TestRenderProblemExtensions(t *testing.T) {
	r, _ := NewRenderer(RendererConfig{})
	e := NewError(404, "")
	e.RequestID = "rid"
	var buf bytes.Buffer
	ext := []Member{{"tenant", `acme "corp" <b>` + "\n"}, {"region", ""}}
	if err := r.Render(&buf, Problem, &PageData{Error: e, Extensions: ext}); err != nil {
		t.Fatal(err)
	}
	want := `{"type":"about:blank","title":"Not Found","status":404,"detail":"` + Description(404) + `","request_id":"rid","tenant":"acme \"corp\" <b>\n","region":""}`
	if buf.String() != want {
		t.Errorf("\n got %s\nwant %s", buf.String(), want)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["tenant"] != "acme \"corp\" <b>\n" {
		t.Errorf("%v %v", err, m)
	}
	buf.Reset()
	r.Render(&buf, JSON, &PageData{Error: e, Extensions: ext})
	if strings.Contains(buf.String(), "tenant") {
		t.Errorf("extensions are for problem+json only: %s", buf.String())
	}
}

// The json format's body follows the configured preset; a body template
// replaces the preset, and when its output breaks at run time the preset's
// body goes out instead and the error names the template.
func TestRenderPresetAndBodyTemplate(t *testing.T) {
	e := NewError(404, "")
	e.RequestID = "rid"
	r, err := NewRenderer(RendererConfig{Preset: PresetGraphQL})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	WritePreset(&want, PresetGraphQL, e, "api.example.com")
	if got := render(t, r, JSON, e); got != want.String() || !strings.HasPrefix(got, `{"errors":[`) {
		t.Errorf("preset body\n got %s\nwant %s", got, want.String())
	}

	// Broken only when the details hold a quote: the samples cover that
	// for 422 alone, so a 409 with a quote breaks only at run time.
	src := `{"code":{{.Code}},"msg":{{if eq .Code 409}}"{{.Details}}"{{else}}{{json .Details}}{{end}}}`
	jt, err := ParseBodyTemplate("site/errors.json", src, JSON)
	if err != nil {
		t.Fatal(err)
	}
	tt, _ := ParseBodyTemplate("site/errors.txt", `{{.Code}} {{.Type}}{{if eq .Code 409}}{{.Nope}}{{end}}`, Text)
	r, err = NewRenderer(RendererConfig{Preset: PresetSimple, JSONTemplate: jt, TextTemplate: tt})
	if err != nil {
		t.Fatal(err)
	}
	if got := render(t, r, JSON, e); got != `{"code":404,"msg":"`+Description(404)+`"}` {
		t.Errorf("template body: %s", got)
	}
	if got := render(t, r, Text, e); got != "404 not_found" {
		t.Errorf("text template body: %q", got)
	}
	conflict := NewError(409, "")
	conflict.Details = `name "x" is taken`
	for _, row := range []struct {
		format Format
		file   string
		want   func(*bytes.Buffer)
	}{
		{JSON, "site/errors.json", func(b *bytes.Buffer) { WritePreset(b, PresetSimple, conflict, "") }},
		{Text, "site/errors.txt", func(b *bytes.Buffer) { writeText(b, conflict, sourceTranslator()) }},
	} {
		var buf, want bytes.Buffer
		err := r.Render(&buf, row.format, &PageData{Error: conflict})
		row.want(&want)
		if err == nil || !strings.Contains(err.Error(), row.file) {
			t.Errorf("%s: err = %v, want one naming %s", row.format, err, row.file)
		}
		if buf.String() != want.String() {
			t.Errorf("%s fallback\n got %s\nwant %s", row.format, buf.String(), want.String())
		}
	}
	if _, err := NewRenderer(RendererConfig{XMLTemplate: jt}); err == nil || !strings.Contains(err.Error(), "errors.json") {
		t.Errorf("a json template given as the xml one: %v", err)
	}
}

// brand status_page is a "System status" action on 5xx pages only.
func TestStatusPageLink(t *testing.T) {
	r, err := NewRenderer(RendererConfig{Brand: &Brand{StatusPage: "https://status.example.com/"}})
	if err != nil {
		t.Fatal(err)
	}
	const link = `<a href="https://status.example.com/">System status</a>`
	for code, want := range map[int]bool{500: true, 502: true, 503: true, 404: false, 400: false} {
		if got := render(t, r, HTML, NewError(code, "")); strings.Contains(got, link) != want {
			t.Errorf("%d: link shown = %v, want %v", code, !want, want)
		}
	}
	if got := render(t, mustRenderer(t), HTML, NewError(503, "")); strings.Contains(got, "System status") {
		t.Error("no status page configured, yet a link")
	}
	for _, bad := range []string{"javascript:alert(1)", "//evil.example/", "mailto:ops@example.com", "https://"} {
		if _, err := NewRenderer(RendererConfig{Brand: &Brand{StatusPage: bad}}); err == nil || !strings.Contains(err.Error(), "brand status_page") {
			t.Errorf("status_page %q: %v", bad, err)
		}
	}
}

func mustRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := NewRenderer(RendererConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The built-in page, the text format and the minimal page speak the
// translator's language; what came from the upstream stays as written.
func TestRenderLocalized(t *testing.T) {
	r, err := NewRenderer(RendererConfig{Brand: &Brand{Support: "mailto:help@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	c := Builtin()
	page := func(lang string, e *Error) string {
		var buf bytes.Buffer
		d := &PageData{Error: e, Method: "GET"}
		d.SetTranslator(c.Translator(lang))
		if err := r.Render(&buf, HTML, d); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	text := func(lang string, e *Error) string {
		var buf bytes.Buffer
		d := &PageData{Error: e}
		d.SetTranslator(c.Translator(lang))
		if err := r.Render(&buf, Text, d); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	fields := func() *Error {
		e := NewError(422, "")
		e.Fields, e.More, e.RequestID, e.Docs = []Field{{Field: "email", Message: "must be an email"}}, 2, "rid-1", "https://docs.example.com/422"
		e.TraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		return e
	}
	for _, row := range []struct {
		name      string
		got       string
		want, not []string
	}{
		{"german page: lang, ltr, every chrome string in German", page("de", fields()),
			[]string{`<html lang="de" dir="ltr">`, "Zur Startseite", "Anfrage-ID", "Trace-ID<br>", "Bitte prüfen Sie Ihre Angaben", c.Lookup("de", KeyContactSupport), c.Lookup("de", KeyDocumentation), Fill(c.Lookup("de", KeyMoreProblems), "n", "2"), Fill(c.Lookup("de", KeyErrorCode), "code", "422"), `aria-label="` + c.Lookup("de", KeyNextSteps) + `"`},
			[]string{"Go to the home page", "Request ID", "Trace ID", "Please check", ">Documentation<", "Contact support"}},
		{"arabic page is right to left", page("ar", NewError(404, c.Lookup("ar", "status.404.title"))),
			[]string{`<html lang="ar" dir="rtl">`, "الصفحة غير موجودة", "الانتقال إلى الصفحة الرئيسية"}, nil},
		{"upstream text is not translated", page("de", &Error{Code: 400, Type: "bad_request", Message: c.Lookup("de", "status.400.title"), Details: "email is not valid"}),
			[]string{"email is not valid"}, nil},
		{"english page is as before", page("en", fields()),
			[]string{`<html lang="en" dir="ltr">`, "Go to the home page", "Request ID", "Please check", "…and 2 more"}, nil},
		{"german text format labels", text("de", fields()),
			[]string{"Anfrage-ID: rid-1\n", "Trace-ID: 4bf92f3577b34da6a3ce929d0e0e4736\n", "Dokumentation: https://docs.example.com/422\n", Fill(c.Lookup("de", KeyMoreProblems), "n", "2") + "\n"},
			[]string{"Request ID", "Trace ID", "Docs:", "more"}},
		{"english text format labels are unchanged", text("en", fields()),
			[]string{"Request ID: rid-1\n", "Docs: https://docs.example.com/422\n", "…and 2 more\n"}, nil},
	} {
		t.Run(row.name, func(t *testing.T) {
			for _, w := range row.want {
				if !strings.Contains(row.got, w) {
					t.Errorf("lacks %q:\n%s", w, row.got)
				}
			}
			for _, n := range row.not {
				if strings.Contains(row.got, n) {
					t.Errorf("still has English %q:\n%s", n, row.got)
				}
			}
		})
	}
}

// A failing site template falls back to the minimal page in the page's
// language, with its direction.
func TestMinimalPageLocalized(t *testing.T) {
	var buf bytes.Buffer
	d := &PageData{Error: &Error{Code: 500, Message: "x", RequestID: "r1"}}
	d.SetTranslator(Builtin().Translator("he"))
	writeMinimalHTML(&buf, d)
	if s := buf.String(); !strings.Contains(s, `<html lang="he" dir="rtl">`) || !strings.Contains(s, Builtin().Lookup("he", KeyRequestID)+": <code>r1</code>") {
		t.Errorf("minimal page: %s", s)
	}
}

// Templates get .Lang, .Dir and .T: site HTML templates and body templates.
func TestTemplatesGetLanguage(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "error.html"), []byte(`<html lang="{{.Lang}}" dir="{{.Dir}}"><a>{{.T "page.home"}}</a><b>{{.T "page.error_code" "code" "404"}}</b>`), 0o644)
	body := filepath.Join(dir, "body.txt")
	os.WriteFile(body, []byte(`{{.Lang}} {{.Dir}} {{.T "text.request_id"}}`), 0o644)
	bt, err := LoadBodyTemplate(body, Text)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(RendererConfig{TemplatesDir: dir, TextTemplate: bt})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct {
		format Format
		lang   string
		want   string
	}{
		{HTML, "ar", `<html lang="ar" dir="rtl"><a>` + Builtin().Lookup("ar", KeyHome) + `</a><b>` + Fill(Builtin().Lookup("ar", KeyErrorCode), "code", "404") + `</b>`},
		{HTML, "de", `<html lang="de" dir="ltr"><a>Zur Startseite</a>`},
		{Text, "de", "de ltr Anfrage-ID"},
		{Text, "he", "he rtl " + Builtin().Lookup("he", KeyTextRequestID)},
	} {
		var buf bytes.Buffer
		d := &PageData{Error: NewError(404, "")}
		d.SetTranslator(Builtin().Translator(row.lang))
		if err := r.Render(&buf, row.format, d); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(buf.String(), row.want) {
			t.Errorf("%s %s: %q, want it to start with %q", row.format, row.lang, buf.String(), row.want)
		}
	}
}

// When to retry, in every format: seconds in json, problem and xml, a
// localized line in text, and on the page a countdown with a reload for
// short waits, a time for long ones.
func TestRenderRetryAfter(t *testing.T) {
	r, err := NewRenderer(RendererConfig{})
	if err != nil {
		t.Fatal(err)
	}
	render := func(f Format, lang string, wait int, method string) string {
		var buf bytes.Buffer
		e := NewError(503, "")
		e.RetryAfter = wait
		d := &PageData{Error: e, Method: method, Time: time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)}
		d.SetTranslator(Builtin().Translator(lang))
		if err := r.Render(&buf, f, d); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, row := range []struct {
		name, got string
		want, not []string
	}{
		{"json member in seconds", render(JSON, "en", 30, "GET"), []string{`"retry_after":30`}, nil},
		{"problem member in seconds", render(Problem, "en", 30, "GET"), []string{`"retry_after":30`}, nil},
		{"xml element", render(XML, "en", 30, "GET"), []string{"<retry_after>30</retry_after>"}, nil},
		{"text line, localized", render(Text, "de", 30, "GET"), []string{"Erneut versuchen nach: 30 Sekunden\n"}, nil},
		{"no hint without a wait", render(JSON, "en", 0, "GET") + render(Text, "en", 0, "GET") + render(HTML, "en", 0, "GET"), nil, []string{"retry_after", "Retry after", `class="retry"`, "refresh"}},
		{"short wait: countdown and reload", render(HTML, "en", 90, "GET"), []string{"You can try again in 90 seconds.", `<meta http-equiv="refresh" content="90">`}, nil},
		{"short wait in German", render(HTML, "de", 30, "GET"), []string{"Sie können es in 30 Sekunden erneut versuchen."}, nil},
		{"no reload for a POST", render(HTML, "en", 30, "POST"), []string{"You can try again in 30 seconds."}, []string{"refresh"}},
		{"long wait: the time, no reload", render(HTML, "en", 3600, "GET"), []string{"You can try again after March 1, 2026, 14:01 UTC."}, []string{"refresh"}},
	} {
		t.Run(row.name, func(t *testing.T) {
			for _, w := range row.want {
				if !strings.Contains(row.got, w) {
					t.Errorf("lacks %q:\n%s", w, row.got)
				}
			}
			for _, n := range row.not {
				if strings.Contains(row.got, n) {
					t.Errorf("has %q:\n%s", n, row.got)
				}
			}
		})
	}
}

// A site's translation is text, never markup or template code: braces,
// tags and quotes in it come out literally, in text and in attributes.
func TestLocalizedTextsAreEscaped(t *testing.T) {
	c := Builtin()
	hostile := map[string]string{
		KeyHome:        `{{.Placeholder "env.SECRET"}} <script>alert(1)</script>`,
		KeyNextSteps:   `" onmouseover="alert(2)`,
		KeyHomeAlt:     `⟦page.home⟧`,
		KeyErrorCode:   `{{ {code} }}`,
		KeyRequestID:   `}}{{`,
		KeyTryAgain:    `&amp; again`,
		KeyPleaseCheck: `{n`,
	}
	if err := c.Merge("de", hostile); err != nil {
		t.Fatal(err)
	}
	r, _ := NewRenderer(RendererConfig{Brand: &Brand{Logo: "/logo.svg"}})
	var buf bytes.Buffer
	e := NewError(500, "")
	e.RequestID = "r1"
	e.Fields = []Field{{Field: "a", Message: "b"}}
	d := &PageData{Error: e, Method: "GET"}
	d.SetTranslator(c.Translator("de"))
	d.SetPlaceholderFunc(func(string) string { return "LEAKED" })
	if err := r.Render(&buf, HTML, d); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{
		`&#123;&#123;.Placeholder &#34;env.SECRET&#34;&#125;&#125; &lt;script&gt;alert(1)&lt;/script&gt;`,
		`aria-label="&#34; onmouseover=&#34;alert(2)"`,
		`alt="⟦page.home⟧"`,
		`&#123;&#123; 500 &#125;&#125;`,
		`&#125;&#125;&#123;&#123;`,
		`&amp;amp; again`,
		`&#123;n</h2>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "LEAKED") || strings.Contains(s, "<script>") {
		t.Errorf("translation ran as code or markup:\n%s", s)
	}
}
