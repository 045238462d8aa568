package errorpagescmd

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// previewHandler serves the gallery, reading the config again for every
// request so that edits to it and to templates show on reload.
type previewHandler struct {
	load func() (*gallery, error)
}

func (ph *previewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	g, err := ph.load()
	if err != nil {
		http.Error(w, "error-pages preview: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer g.close()
	for _, s := range g.sites {
		s.all = true // the gallery shows every status the site rewrites
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path == "/" {
		var buf bytes.Buffer
		if err := g.index(&buf, true); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(buf.Bytes())
		return
	}
	siteName, file, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	for _, s := range g.sites {
		if s.Name != siteName {
			continue
		}
		p, ok := s.page(file)
		if !ok {
			break
		}
		// The pages in the viewer's language, or ?lang=de.
		lang := r.URL.Query().Get("lang")
		if lang == "" {
			lang = r.Header.Get("Accept-Language")
		}
		hdr, body, err := s.render(p, true, lang)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for k, v := range hdr {
			w.Header()[k] = v
		}
		if scheme := r.URL.Query().Get("scheme"); p.Format == errorpages.HTML && (scheme == "dark" || scheme == "light") {
			body = forceScheme(body, scheme)
			// The page's CSP pins its style sheet by hash, which the
			// forced scheme changes.
			w.Header().Del("Content-Security-Policy")
			w.Header().Del("Content-Length")
		}
		// The preview shows the page; the status is part of the page's
		// headers, sent as the real answer would.
		w.WriteHeader(p.Code)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return
	}
	http.Error(w, "no such page: "+r.URL.Path, http.StatusNotFound)
}

var (
	colorSchemeQuery = regexp.MustCompile(`\(\s*prefers-color-scheme\s*:\s*(dark|light)\s*\)`)
	colorSchemeMeta  = regexp.MustCompile(`<meta name="color-scheme" content="[^"]*">`)
)

// forceScheme makes a page render in one color scheme whatever the
// browser's preference: each prefers-color-scheme query becomes always or
// never true.
func forceScheme(page []byte, scheme string) []byte {
	page = colorSchemeQuery.ReplaceAllFunc(page, func(m []byte) []byte {
		if bytes.Contains(m, []byte(scheme)) {
			return []byte("(min-width:0px)")
		}
		return []byte("(max-width:0px)")
	})
	return colorSchemeMeta.ReplaceAll(page, []byte(`<meta name="color-scheme" content="`+scheme+`">`))
}

// indexData is what the gallery index shows.
type indexData struct {
	Preview bool
	Sites   []indexSite
	// First is the page shown beside the list at first.
	First string
}

type indexSite struct {
	Name    string
	Hosts   string
	Formats []indexFormat
	Rows    []indexRow
	// Languages are the site's languages, the default first, when one
	// of its formats follows the language; LangExt is that format's file
	// ending.
	Languages []string
	LangExt   string
}

type indexFormat struct{ Name, Ext string }

type indexRow struct {
	Label string
	Base  string // file name without extension
}

func (g *gallery) index(buf *bytes.Buffer, preview bool) error {
	d := indexData{Preview: preview}
	for _, s := range g.sites {
		is := indexSite{Name: s.Name, Hosts: hostList(s.Hosts)}
		for _, f := range s.formats() {
			if s.h.Localizes(f) {
				is.Languages, is.LangExt = s.languages(), extensions[f]
				break
			}
		}
		for _, f := range s.formats() {
			is.Formats = append(is.Formats, indexFormat{Name: f.String(), Ext: extensions[f]})
		}
		for _, c := range s.codes() {
			is.Rows = append(is.Rows, indexRow{Label: fmt.Sprintf("%d %s", c, s.h.Title(c)), Base: fmt.Sprint(c)})
		}
		is.Rows = append(is.Rows, indexRow{Label: "503 " + errorpages.Builtin().Translator(errorpages.SourceLanguage).T(errorpages.KeyMaintenanceTitle), Base: "maintenance"})
		d.Sites = append(d.Sites, is)
		if d.First == "" && preview && len(is.Formats) > 0 && len(is.Rows) > 0 {
			d.First = s.Name + "/" + is.Rows[0].Base + is.Formats[0].Ext
		}
	}
	return indexTemplate.Execute(buf, d)
}

var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>Error pages{{if .Preview}} preview{{end}}</title>
<style>
body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1b1e24;background:#f4f5f7}
.wrap{display:flex;min-height:100vh}
.list{flex:0 0 auto;max-width:46rem;padding:16px 20px;overflow:auto}
iframe{flex:1 1 auto;border:0;border-left:1px solid #dde0e6;min-height:100vh;background:#fff}
h1{font-size:1.3rem;margin:0 0 12px}h2{font-size:1.05rem;margin:24px 0 4px}
.hosts{color:#4a5160;margin:0 0 8px}
table{border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:3px 10px;border-bottom:1px solid #e5e7eb;white-space:nowrap}
a{color:#2457c5}
@media (max-width:900px){.wrap{display:block}iframe{display:none}}
</style>
</head>
<body>
<div class="wrap">
<div class="list">
<h1>Error pages</h1>
{{range .Sites}}{{$s := .}}
<h2>{{.Name}}</h2>
<p class="hosts">{{.Hosts}}</p>
{{if gt (len .Languages) 1}}<p class="langs">Languages: {{range $i, $l := .Languages}}{{if $.Preview}}<a href="{{$s.Name}}/{{(index $s.Rows 0).Base}}{{$s.LangExt}}?lang={{$l}}" target="view" hreflang="{{$l}}">{{$l}}</a>{{else if eq $i 0}}<a href="{{$s.Name}}/{{(index $s.Rows 0).Base}}{{$s.LangExt}}" hreflang="{{$l}}">{{$l}}</a>{{else}}<a href="{{$s.Name}}/{{$l}}/{{(index $s.Rows 0).Base}}{{$s.LangExt}}" hreflang="{{$l}}">{{$l}}</a>{{end}} {{end}}</p>{{end}}
<table>
<tr><th>Status</th>{{range .Formats}}<th>{{.Name}}{{if and $.Preview (eq .Name "html")}} (light){{end}}</th>{{if and $.Preview (eq .Name "html")}}<th>dark</th>{{end}}{{end}}</tr>
{{range $r := .Rows}}<tr><td>{{$r.Label}}</td>{{range $s.Formats}}<td><a href="{{$s.Name}}/{{$r.Base}}{{.Ext}}{{if and $.Preview (eq .Name "html")}}?scheme=light{{end}}" target="view">{{.Name}}</a></td>{{if and $.Preview (eq .Name "html")}}<td><a href="{{$s.Name}}/{{$r.Base}}{{.Ext}}?scheme=dark" target="view">dark</a></td>{{end}}{{end}}</tr>
{{end}}</table>
{{end}}
</div>
<iframe name="view" title="Selected page"{{with .First}} src="{{.}}"{{end}}></iframe>
</div>
</body>
</html>
`))
