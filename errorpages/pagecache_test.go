package errorpages

import (
	"bytes"
	"html/template"
	"os"
	"path/filepath"
	"testing"
)

// TestReadsOnlyStatic: a template is cached only when nothing it reads
// can differ between two requests with the same status, language and
// texts.
func TestReadsOnlyStatic(t *testing.T) {
	for _, c := range []struct {
		src  string
		want bool
	}{
		{`<h1>{{.Code}} {{.Message}}</h1><p>{{.Details}}</p>`, true},
		{`<html lang="{{.Lang}}" dir="{{.Dir}}">{{.Type}}</html>`, true},
		{`{{with .Details}}<p>{{.}}</p>{{end}}`, true},
		{`{{.T "page.home"}} {{.L.Home}}`, true},
		{`{{.Brand.Name}}{{with .Brand}}<a href="{{.Home}}">{{.Name}}</a>{{end}}`, true},
		{`{{if ge .Code 500}}down{{else}}{{printf "%d" .Code}}{{end}}`, true},
		{`{{$.Code}}{{$m := .Message}}{{$m}}`, true},
		{`{{template "x" .}}{{define "x"}}{{.Code}}{{end}}`, true},
		{`{{.RequestID}}`, false},
		{`{{.TraceID}}`, false},
		{`<a href="{{.URL}}">{{.Path}}</a>`, false},
		{`{{range .Fields}}{{.Field}}{{end}}`, false},
		{`{{if .Fields}}x{{end}}`, false},
		{`{{.Time.Year}}`, false},
		{`{{.Placeholder "http.request.uri"}}`, false},
		{`{{with $}}{{.RequestID}}{{end}}`, false},
		{`{{$x := .}}{{$x.RequestID}}`, false},
		{`{{$.RequestID}}`, false},
		{`{{$}}`, false},
		{`{{.}}`, false},
		{`{{printf "%v" .}}`, false},
		{`{{template "x" .}}{{define "x"}}{{.Method}}{{end}}`, false},
		{`{{with .Brand}}{{template "x" .}}{{end}}{{define "x"}}{{.Name}}{{end}}`, false},
		{`{{.Retry}}{{.Docs}}{{.More}}{{.Host}}`, false},
	} {
		tmpl := template.Must(template.New("page").Parse(c.src))
		tmpl.Execute(new(bytes.Buffer), samplePage()) // escape it, as NewRenderer does
		if got := readsOnlyStatic(tmpl); got != c.want {
			t.Errorf("%s: readsOnlyStatic = %v, want %v", c.src, got, c.want)
		}
	}
}

func renderersWithTemplate(t testing.TB, src string) *Renderer {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "error.html"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(RendererConfig{Brand: &Brand{Name: "Shop"}, TemplatesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStaticTemplateCache: a static template's kept output is what it
// renders, per status and per text; a template that reads the request ID
// shows each request's own.
func TestStaticTemplateCache(t *testing.T) {
	cat := Builtin()
	static := renderersWithTemplate(t, `<title>{{.Code}} {{.Message}} · {{.Brand.Name}}</title><p lang="{{.Lang}}">{{.Details}}</p>{{.T "page.home"}}`)
	dynamic := renderersWithTemplate(t, `<p>{{.Code}} {{.RequestID}}</p>`)
	render := func(r *Renderer, code int, lang, details, rid string) string {
		e := NewError(code, "")
		e.Details, e.RequestID = details, rid
		d := &PageData{Error: e, Method: "GET"}
		d.SetTranslator(cat.Translator(lang))
		var buf bytes.Buffer
		buf.WriteString("prefix:")
		if err := r.Render(&buf, HTML, d); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, c := range []struct {
		code                     int
		lang, details, rid, want string
	}{
		{404, "en", "gone", "a", "prefix:<title>404 Not Found · Shop</title><p lang=\"en\">gone</p>Go to the home page"},
		{404, "en", "gone", "b", "prefix:<title>404 Not Found · Shop</title><p lang=\"en\">gone</p>Go to the home page"},
		{404, "en", "<moved>", "c", "prefix:<title>404 Not Found · Shop</title><p lang=\"en\">&lt;moved&gt;</p>Go to the home page"},
		{503, "en", "gone", "d", "prefix:<title>503 Service Unavailable · Shop</title><p lang=\"en\">gone</p>Go to the home page"},
		{404, "de", "weg", "e", "prefix:<title>404 Not Found · Shop</title><p lang=\"de\">weg</p>Zur Startseite"},
		{404, "en", "gone", "f", "prefix:<title>404 Not Found · Shop</title><p lang=\"en\">gone</p>Go to the home page"},
	} {
		if got := render(static, c.code, c.lang, c.details, c.rid); got != c.want {
			t.Errorf("static %d %s %q:\n got %s\nwant %s", c.code, c.lang, c.details, got, c.want)
		}
		if got, want := render(dynamic, c.code, c.lang, c.details, c.rid), "prefix:<p>"+itoa(c.code)+" "+c.rid+"</p>"; got != want {
			t.Errorf("dynamic: got %s, want %s", got, want)
		}
	}
	if !static.static[static.pages[0]] || dynamic.static[dynamic.pages[0]] {
		t.Errorf("static template cached: %v, request-ID template cached: %v", static.static[static.pages[0]], dynamic.static[dynamic.pages[0]])
	}
}

func BenchmarkRenderTemplate(b *testing.B) {
	for _, c := range []struct{ name, src string }{
		{"static", `<!doctype html><html lang="{{.Lang}}"><title>{{.Code}} {{.Message}}</title><h1>{{.Message}}</h1><p>{{.Details}}</p><a href="/">{{.T "page.home"}}</a></html>`},
		{"request_id", `<!doctype html><html lang="{{.Lang}}"><title>{{.Code}} {{.Message}}</title><h1>{{.Message}}</h1><p>{{.Details}}</p><code>{{.RequestID}}</code><a href="/">{{.T "page.home"}}</a></html>`},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := renderersWithTemplate(b, c.src)
			e := sampleError()
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				r.Render(&buf, HTML, &PageData{Error: e, Method: "GET"})
			}
		})
	}
}
