package errorpagescmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/maintenance"
)

// gallery is every error_pages handler of a config, provisioned with the
// real Handler code.
type gallery struct {
	sites  []*gallerySite
	cancel context.CancelFunc
	// lang is the Accept-Language export renders with; "" for each
	// site's default language.
	lang string
}

// handler is what the command asks of a provisioned error_pages handler
// (the module http.handlers.error_pages).
type handler interface {
	caddyhttp.MiddlewareHandler
	// Offered is the handler's formats, and its languages with the
	// default first.
	Offered() (formats []errorpages.Format, languages []string)
	// Rewrites reports whether it rewrites errors of status code.
	Rewrites(code int) bool
	// Localizes reports whether format f follows the language.
	Localizes(f errorpages.Format) bool
	// Title is the page title of code in the default language.
	Title(code int) string
	// ServeMaintenance writes the maintenance answer a.
	ServeMaintenance(w http.ResponseWriter, r *http.Request, a maintenance.Answer) error
}

// siteConfig is the part of a handler's JSON config the command reads
// itself.
type siteConfig struct {
	Status            []string          `json:"status"`
	Preset            string            `json:"preset"`
	JSONTemplate      string            `json:"json_template"`
	ProblemExtensions map[string]string `json:"problem_extensions"`
	RequestIDHeader   string            `json:"request_id_header"`
	Maintenance       json.RawMessage   `json:"maintenance"`
}

// gallerySite is one error_pages handler and the hosts it serves.
type gallerySite struct {
	// Name is its directory and URL segment: its first host, made safe,
	// or "default".
	Name  string
	Hosts []string
	h     handler
	cfg   siteConfig
	// ridName is the request ID header the preview sends.
	ridName string
	maint   *maintenance.Maintenance // the maintenance config (compiled), or defaults
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
	// The handlers log nothing: the command's output is the pages.
	var quiet caddy.Config
	if err := json.Unmarshal([]byte(`{"logging":{"logs":{"default":{"writer":{"output":"discard"}}}}}`), &quiet); err != nil {
		return nil, err
	}
	base, err := caddy.ProvisionContext(&quiet)
	if err != nil {
		return nil, err
	}
	// The handlers are loaded in a context of their own, cleaned up when
	// the gallery closes; the base holds only the discarding log.
	ctx, cancel := caddy.NewContext(base)
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
	var cfg siteConfig
	if err := json.Unmarshal(f.raw, &cfg); err != nil {
		return nil, err
	}
	// The page of maintenance mode is shown whether or not the site
	// configured it; switching, storage and metrics are the server's.
	m := &maintenance.Maintenance{}
	if len(cfg.Maintenance) > 0 && string(cfg.Maintenance) != "null" {
		if err := caddy.StrictUnmarshalJSON(cfg.Maintenance, m); err != nil {
			return nil, fmt.Errorf("maintenance: %w", err)
		}
	}
	if err := m.Compile(); err != nil {
		return nil, fmt.Errorf("maintenance: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(f.raw, &fields); err != nil {
		return nil, err
	}
	delete(fields, "maintenance")
	raw, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	mod, err := ctx.LoadModuleByID("http.handlers.error_pages", raw)
	if err != nil {
		return nil, err
	}
	h, ok := mod.(handler)
	if !ok {
		return nil, fmt.Errorf("the module http.handlers.error_pages (%T) is not the error_pages handler this command knows", mod)
	}
	rid := cfg.RequestIDHeader
	if rid == "" {
		rid = "X-Request-ID"
	}
	return &gallerySite{Hosts: f.hosts, h: h, cfg: cfg, ridName: http.CanonicalHeaderKey(rid), maint: m}, nil
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
	_, langs := s.h.Offered()
	return langs
}

// formats are the formats the site offers.
func (s *gallerySite) formats() []errorpages.Format {
	fs, _ := s.h.Offered()
	return fs
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
		if http.StatusText(c) != "" && s.h.Rewrites(c) && (s.all || slices.Contains(AnsweredStatuses, c) || slices.Contains(s.cfg.Status, strconv.Itoa(c))) {
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
		r.Header.Set(s.ridName, previewRequestID)
	}
	w := httptest.NewRecorder()
	var err error
	if p.Maintenance {
		err = s.h.ServeMaintenance(w, r, s.maint.Page())
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
