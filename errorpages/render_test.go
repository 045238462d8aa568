package errorpages

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		for _, s := range []string{`<html lang="en">`, `<meta name="robots" content="noindex">`, "<title>400 Bad Request</title>", "<h1>", "email is not a valid address", "Invalid email format", "7f9c", `href="https://docs.example.com/errors/400"`} {
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
		if strings.Contains(out, "<script>") || strings.Contains(out, "<img") || strings.Contains(out, "<evil") {
			t.Errorf("%s output has unescaped markup: %s", f, out)
		}
		switch f {
		case JSON, Problem:
			if !json.Valid(buf.Bytes()) {
				t.Errorf("%s invalid JSON", f)
			}
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

func TestXMLInvalidCharacters(t *testing.T) {
	r, _ := NewRenderer(RendererConfig{})
	e := NewError(400, "")
	e.Details = "bell\x07 and \x00 null \uFFFE"
	var buf bytes.Buffer
	r.Render(&buf, XML, &PageData{Error: e})
	if err := xmlWellFormed(buf.Bytes()); err != nil {
		t.Errorf("xml with control characters: %v\n%q", err, buf.String())
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
