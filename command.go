package caddyerrorpages

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/maintenance"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "error-pages",
		Usage: "preview|export|schema --config <path> [--adapter <name>] [--listen <addr>] [--out <dir>] [--all] [--openapi]",
		Short: "Previews or exports the error pages of a config",
		Long: `
Shows the pages every error_pages handler of a config produces — every
status in every format, and the maintenance page — with the site's own
brand, templates and messages, without making errors happen.

  preview  serves a gallery of the pages (HTML in light and dark) on
           --listen (default 127.0.0.1:2080); the config is read again on
           every request, so edits show on reload.
  export   writes the pages as static files into --out, one directory per
           site: 404.html, 404.json, 404.problem.json, 404.txt, 404.xml …
           and maintenance.html …, plus an index.html. Existing files are
           overwritten. The statuses are those sites answer with (400 401
           403 404 405 408 409 410 412 413 415 416 422 429 500 501 502 503
           504) and those the site's status option names one by one, among
           the ones it rewrites; --all writes every status it rewrites.
  schema   prints the JSON Schema (2020-12) of each site's JSON error
           bodies, by media type: the json format (its preset's shape) and
           problem+json (with the configured extension members), for an
           API's own document and its SDK generators; --openapi prints the
           same as an OpenAPI 3.1 components fragment.

--config is the config file (default: ./Caddyfile), --adapter its adapter
when its name does not tell (as for caddy run). Relative template
directories are read from the current directory, as caddy run does.
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.AddCommand(previewCommand(), exportCommand(), schemaCommand())
		},
	})
}

func configFlags(c *cobra.Command) {
	c.Flags().StringP("config", "c", "", "Configuration file (default ./Caddyfile)")
	c.Flags().StringP("adapter", "a", "", "Name of config adapter to apply")
}

func previewCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "preview --config <path> [--adapter <name>] [--listen <addr>]",
		Short: "Serves a gallery of the config's error pages",
		Args:  cobra.NoArgs,
		RunE:  caddycmd.WrapCommandFuncForCobra(cmdPreview),
	}
	configFlags(c)
	c.Flags().StringP("listen", "l", "127.0.0.1:2080", "Address the gallery listens on")
	return c
}

func exportCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "export --config <path> [--adapter <name>] --out <dir> [--all]",
		Short: "Writes the config's error pages as static files",
		Args:  cobra.NoArgs,
		RunE:  caddycmd.WrapCommandFuncForCobra(cmdExport),
	}
	configFlags(c)
	c.Flags().StringP("out", "o", "", "Directory to write into (created if missing)")
	c.Flags().String("lang", "", "Language of the pages, as an Accept-Language value (default: each site's default_language)")
	c.Flags().Bool("all", false, "Pages for every status the site rewrites (default: the statuses sites answer with, and those its status option names)")
	return c
}

func cmdPreview(fl caddycmd.Flags) (int, error) {
	load := func() (*gallery, error) { return loadGallery(fl.String("config"), fl.String("adapter")) }
	g, err := load()
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	g.close()
	ln, err := net.Listen("tcp", fl.String("listen"))
	if err != nil {
		return caddy.ExitCodeFailedStartup, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: &previewHandler{load: load}, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("error-pages preview of %d site(s) at http://%s/ (Ctrl-C to stop)\n", len(g.sites), ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return caddy.ExitCodeFailedStartup, err
	}
	return caddy.ExitCodeSuccess, nil
}

func cmdExport(fl caddycmd.Flags) (int, error) {
	out := fl.String("out")
	if out == "" {
		return caddy.ExitCodeFailedStartup, errors.New("export: --out <dir> is required")
	}
	g, err := loadGallery(fl.String("config"), fl.String("adapter"))
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	defer g.close()
	g.lang = fl.String("lang")
	for _, s := range g.sites {
		s.all = fl.Bool("all")
	}
	files, err := g.export(out)
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	fmt.Printf("wrote %d files for %d site(s) into %s\n", len(files), len(g.sites), out)
	return caddy.ExitCodeSuccess, nil
}

// gallery is every error_pages handler of a config, provisioned with the
// real Handler code.
type gallery struct {
	sites  []*gallerySite
	cancel context.CancelFunc
	// lang is the Accept-Language export renders with; "" for each
	// site's default language.
	lang string
}

// gallerySite is one error_pages handler and the hosts it serves.
type gallerySite struct {
	// Name is its directory and URL segment: its first host, made safe,
	// or "default".
	Name  string
	Hosts []string
	h     *Handler
	maint *maintenance.Maintenance // the maintenance config (compiled), or defaults
	// all: pages for every status the handler rewrites, not only
	// AnsweredStatuses and the ones its status option names.
	all bool
}

func (g *gallery) close() {
	if g.cancel != nil {
		g.cancel()
	}
}

// loadGallery adapts the config and provisions each error_pages handler
// found in it, nested routes and subroutes included.
func loadGallery(configFile, adapter string) (*gallery, error) {
	cfg, file, _, err := caddycmd.LoadConfig(configFile, adapter)
	if err != nil {
		return nil, err
	}
	if len(cfg) == 0 {
		return nil, errors.New("no config: give --config <file> or run in a directory with a Caddyfile")
	}
	found, err := findHandlers(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%s: no error_pages handler in the config", file)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	g := &gallery{cancel: cancel}
	names := map[string]int{}
	for _, f := range found {
		s, err := newGallerySite(ctx, f)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("%s: error_pages for %s: %w", file, hostList(f.hosts), err)
		}
		base := siteName(f.hosts)
		names[base]++
		s.Name = base
		if n := names[base]; n > 1 {
			s.Name = fmt.Sprintf("%s-%d", base, n)
		}
		g.sites = append(g.sites, s)
	}
	return g, nil
}

func newGallerySite(ctx caddy.Context, f foundHandler) (*gallerySite, error) {
	h := &Handler{}
	if err := caddy.StrictUnmarshalJSON(f.raw, h); err != nil {
		return nil, err
	}
	// The page of maintenance mode is shown whether or not the site
	// configured it; switching, storage and metrics are the server's.
	m := h.Maintenance
	h.Maintenance = nil
	if m == nil {
		m = &maintenance.Maintenance{}
	}
	if err := m.Compile(); err != nil {
		return nil, fmt.Errorf("maintenance: %w", err)
	}
	if err := h.Provision(ctx); err != nil {
		return nil, err
	}
	h.logger = zap.NewNop()
	return &gallerySite{Hosts: f.hosts, h: h, maint: m}, nil
}

type foundHandler struct {
	raw   []byte
	hosts []string
}

// findHandlers walks a JSON config for objects with "handler":
// "error_pages", noting the hosts of the routes around each.
func findHandlers(cfg []byte) ([]foundHandler, error) {
	var v any
	if err := json.Unmarshal(cfg, &v); err != nil {
		return nil, fmt.Errorf("config is not JSON: %w", err)
	}
	var out []foundHandler
	seen := map[string]bool{}
	var walk func(v any, hosts []string)
	walk = func(v any, hosts []string) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e, hosts)
			}
		case map[string]any:
			if hs := matchHosts(x["match"]); len(hs) > 0 {
				hosts = hs
			}
			if x["handler"] == "error_pages" {
				cp := make(map[string]any, len(x))
				for k, e := range x {
					if k != "handler" {
						cp[k] = e
					}
				}
				raw, _ := json.Marshal(cp)
				key := strings.Join(hosts, ",") + "\x00" + string(raw)
				if !seen[key] {
					seen[key] = true
					out = append(out, foundHandler{raw: raw, hosts: hosts})
				}
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k], hosts)
			}
		}
	}
	walk(v, nil)
	return out, nil
}

// matchHosts returns the hosts of a route's match sets.
func matchHosts(v any) []string {
	sets, _ := v.([]any)
	var hosts []string
	for _, s := range sets {
		m, _ := s.(map[string]any)
		hs, _ := m["host"].([]any)
		for _, h := range hs {
			if s, ok := h.(string); ok {
				hosts = append(hosts, s)
			}
		}
	}
	return hosts
}

var unsafeName = regexp.MustCompile(`[^a-z0-9.-]+`)

func siteName(hosts []string) string {
	if len(hosts) == 0 {
		return "default"
	}
	n := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(hosts[0]), "_"), ".")
	if n == "" || n == "_" {
		return "site"
	}
	return n
}

func hostList(hosts []string) string {
	if len(hosts) == 0 {
		return "every host"
	}
	return strings.Join(hosts, ", ")
}

// galleryPage is one page of a site: a status (or maintenance) in a format.
type galleryPage struct {
	File        string // 404.html, maintenance.problem.json …
	Code        int
	Format      errorpages.Format
	Maintenance bool
}

// extensions are the file name endings of each format.
var extensions = map[errorpages.Format]string{
	errorpages.HTML:    ".html",
	errorpages.JSON:    ".json",
	errorpages.Problem: ".problem.json",
	errorpages.Text:    ".txt",
	errorpages.XML:     ".xml",
}

var allFormats = []errorpages.Format{errorpages.HTML, errorpages.JSON, errorpages.Problem, errorpages.Text, errorpages.XML}

// languages are the languages the site's pages come in: the default
// first, then the other offered ones, as the catalogue names them.
func (s *gallerySite) languages() []string {
	def := s.h.defaultTr.Lang()
	out := []string{def}
	if s.h.langs != nil {
		for _, l := range s.h.langs.Offered() {
			if tag := s.h.catalog.Translator(l).Lang(); tag != def {
				out = append(out, tag)
			}
		}
	}
	return out
}

// formats are the formats the site offers.
func (s *gallerySite) formats() []errorpages.Format {
	var out []errorpages.Format
	for _, f := range allFormats {
		if s.h.negotiator.Negotiate(f.ContentType()) == f {
			out = append(out, f)
		}
	}
	return out
}

// AnsweredStatuses are the statuses a site really answers with, and so
// the pages export writes by default: Caddy's own (basic_auth's 401,
// file_server's 403, 404, 405, 412 and 416, request_body's 413,
// reverse_proxy's 502, 503 and 504), request_validation's (400, 404, 405,
// 413, 415, 422), and those applications commonly send (408, 409, 410,
// 429, 500, 501).
var AnsweredStatuses = []int{400, 401, 403, 404, 405, 408, 409, 410, 412, 413, 415, 416, 422, 429, 500, 501, 502, 503, 504}

// codes are the statuses of the site's pages, among those it rewrites:
// every one with a standard name when all is set (and in the preview),
// else AnsweredStatuses plus the codes its status option names one by
// one (status 418 asks for 418).
func (s *gallerySite) codes() []int {
	var out []int
	for c := 400; c < 600; c++ {
		if http.StatusText(c) != "" && s.h.statuses.Has(c) && (s.all || slices.Contains(AnsweredStatuses, c) || slices.Contains(s.h.Status, strconv.Itoa(c))) {
			out = append(out, c)
		}
	}
	return out
}

// pages lists every page of the site, maintenance last.
func (s *gallerySite) pages() []galleryPage {
	fs := s.formats()
	var out []galleryPage
	for _, c := range s.codes() {
		for _, f := range fs {
			out = append(out, galleryPage{File: fmt.Sprint(c) + extensions[f], Code: c, Format: f})
		}
	}
	for _, f := range fs {
		out = append(out, galleryPage{File: "maintenance" + extensions[f], Code: http.StatusServiceUnavailable, Format: f, Maintenance: true})
	}
	return out
}

func (s *gallerySite) page(file string) (galleryPage, bool) {
	for _, p := range s.pages() {
		if p.File == file {
			return p, true
		}
	}
	return galleryPage{}, false
}

// previewRequestID is the request ID shown in the preview, so that its
// place on the page can be reviewed; exported pages have none.
const previewRequestID = "preview-7f9c2b1e4d"

// render produces p through the real handler: a local error of p's status
// (or the maintenance answer) for a client that wants p's format.
// lang is sent as Accept-Language ("" for the site's default language).
func (s *gallerySite) render(p galleryPage, preview bool, lang string) (http.Header, []byte, error) {
	host := "localhost"
	if len(s.Hosts) > 0 && !strings.ContainsAny(s.Hosts[0], "*{") {
		host = s.Hosts[0]
	}
	r := httptest.NewRequest(http.MethodGet, "http://"+host+"/", nil)
	r.Header.Set("Accept", p.Format.ContentType())
	if lang != "" {
		r.Header.Set("Accept-Language", lang)
	}
	if preview {
		r.Header.Set(s.h.ridName, previewRequestID)
	}
	w := httptest.NewRecorder()
	var err error
	if p.Maintenance {
		err = s.h.serveMaintenance(w, r, s.maint.Page())
	} else {
		err = s.h.ServeHTTP(w, r, caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
			return caddyhttp.Error(p.Code, nil)
		}))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s/%s: %w", s.Name, p.File, err)
	}
	if w.Code != p.Code || w.Body.Len() == 0 {
		return nil, nil, fmt.Errorf("%s/%s: the handler answered %d with %d bytes", s.Name, p.File, w.Code, w.Body.Len())
	}
	return w.Header(), w.Body.Bytes(), nil
}

// export writes every page of every site into out/<site>/, and a gallery
// index.html into out. It returns the files written.
func (g *gallery) export(out string) ([]string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("export: --out: %w", err)
	}
	var files []string
	write := func(name string, b []byte) error {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		files = append(files, name)
		return nil
	}
	for _, s := range g.sites {
		dir := filepath.Join(out, s.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return files, fmt.Errorf("export: %w", err)
		}
		for _, p := range s.pages() {
			_, body, err := s.render(p, false, g.lang)
			if err != nil {
				return files, fmt.Errorf("export: %w", err)
			}
			if err := write(filepath.Join(dir, p.File), body); err != nil {
				return files, err
			}
		}
		if g.lang != "" {
			continue // one language asked for: it is the top level
		}
		// Every other offered language in <site>/<lang>/, in the formats
		// that follow the language (the others are the same in each).
		localized := false
		for _, f := range s.formats() {
			localized = localized || s.h.localized[f]
		}
		if !localized {
			continue
		}
		for _, l := range s.languages()[1:] {
			ldir := filepath.Join(dir, l)
			if err := os.MkdirAll(ldir, 0o755); err != nil {
				return files, fmt.Errorf("export: %w", err)
			}
			for _, p := range s.pages() {
				if !s.h.localized[p.Format] {
					continue
				}
				_, body, err := s.render(p, false, l)
				if err != nil {
					return files, fmt.Errorf("export: %w", err)
				}
				if err := write(filepath.Join(ldir, p.File), body); err != nil {
					return files, err
				}
			}
		}
	}
	var idx bytes.Buffer
	if err := g.index(&idx, false); err != nil {
		return files, err
	}
	return files, write(filepath.Join(out, "index.html"), idx.Bytes())
}

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
			if s.h.localized[f] {
				is.Languages, is.LangExt = s.languages(), extensions[f]
				break
			}
		}
		for _, f := range s.formats() {
			is.Formats = append(is.Formats, indexFormat{Name: f.String(), Ext: extensions[f]})
		}
		for _, c := range s.codes() {
			is.Rows = append(is.Rows, indexRow{Label: fmt.Sprintf("%d %s", c, s.h.titleOf(c)), Base: fmt.Sprint(c)})
		}
		is.Rows = append(is.Rows, indexRow{Label: "503 " + errorpages.Builtin().Translator(errorpages.SourceLanguage).T(errorpages.KeyMaintenanceTitle), Base: "maintenance"})
		d.Sites = append(d.Sites, is)
		if d.First == "" && preview && len(is.Formats) > 0 && len(is.Rows) > 0 {
			d.First = s.Name + "/" + is.Rows[0].Base + is.Formats[0].Ext
		}
	}
	return indexTemplate.Execute(buf, d)
}

// titleOf is the page title of code: the site's message or the reason
// phrase.
func (h *Handler) titleOf(code int) string {
	if m := h.message(code, h.defaultTr.Lang()); m != "" {
		return m
	}
	return errorpages.ReasonPhrase(code)
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

func schemaCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "schema --config <path> [--adapter <name>] [--openapi]",
		Short: "Prints the JSON Schema of the config's JSON error bodies",
		Args:  cobra.NoArgs,
		RunE:  caddycmd.WrapCommandFuncForCobra(cmdSchema),
	}
	configFlags(c)
	c.Flags().Bool("openapi", false, "Print an OpenAPI 3.1 components fragment instead")
	return c
}

func cmdSchema(fl caddycmd.Flags) (int, error) {
	g, err := loadGallery(fl.String("config"), fl.String("adapter"))
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	defer g.close()
	out, err := g.schemas(fl.Bool("openapi"))
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	os.Stdout.Write(out)
	return caddy.ExitCodeSuccess, nil
}

// schemas is the JSON Schema of each site's JSON error bodies, by site and
// media type, or (openapi) an OpenAPI 3.1 components fragment naming them
// by shape (ErrorEnvelope, ProblemDetails, SimpleError …), prefixed with
// the site when a config has several.
func (g *gallery) schemas(openapi bool) ([]byte, error) {
	bySite := map[string]map[string]any{}
	components := map[string]any{}
	for _, s := range g.sites {
		h := s.h
		if h.JSONTemplate != "" {
			// A body template writes what its author wrote: no schema to
			// derive; the built-in problem+json still has one.
			bySite[s.Name] = map[string]any{"application/json": "json_template " + h.JSONTemplate + ": described by its author"}
		}
		preset := errorpages.PresetErrorPages
		if h.Preset != "" {
			p, err := errorpages.ParsePreset(h.Preset)
			if err != nil {
				return nil, err
			}
			preset = p
		}
		ext := slices.Sorted(maps.Keys(h.ProblemExtensions))
		if h.localized[errorpages.Problem] {
			ext = append(ext, "lang")
		}
		site := bySite[s.Name]
		if site == nil {
			site = map[string]any{}
			bySite[s.Name] = site
		}
		for _, f := range []errorpages.Format{errorpages.JSON, errorpages.Problem} {
			if !h.offers(f) || f == errorpages.JSON && h.JSONTemplate != "" {
				continue
			}
			schema := errorpages.BodySchema(f, preset, ext)
			mt := "application/json"
			if f == errorpages.Problem {
				mt = "application/problem+json"
			} else if pm := preset.MediaType(); pm != "" {
				mt = pm
			}
			site[mt] = schema
			name := errorpages.SchemaTitle(f, preset)
			if len(g.sites) > 1 {
				name = strings.NewReplacer(".", "_", "-", "_").Replace(s.Name) + "_" + name
			}
			c := maps.Clone(schema)
			delete(c, "$schema") // an OpenAPI 3.1 document's dialect says it
			components[name] = c
		}
	}
	var v any = bySite
	if openapi {
		v = map[string]any{"components": map[string]any{"schemas": components}}
	}
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
