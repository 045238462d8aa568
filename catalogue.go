package caddyerrorpages

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/errorpages/caddy-errorpages/catalogue"
	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/requestvalidation"
	"github.com/errorpages/caddy-errorpages/validation"
)

// Catalogue is error_pages' `catalogue`: the site's error catalogue,
// served by error_pages itself under a base path — a page per error type
// the site can answer with, per validation problem code and per operation
// of its API, an index and a JSON listing — in HTML (the site's brand and
// language) or JSON by the Accept header. While it is on, every error's
// `docs` (and problem+json `type`) is the URL of its page unless `docs`
// is set.
type Catalogue struct {
	// `base` is the path the catalogue is served under: <base>/ is the
	// index (the JSON listing of the whole catalogue for Accept:
	// application/json), <base>/<type> an error type's page,
	// <base>/problems/<code> a problem code's, <base>/operations/<id> an
	// operation's. It is the path as clients send it. Required.
	Base string `json:"base,omitempty"`

	// `openapi` lists OpenAPI documents (files) whose operations get a
	// page listing their rules, and whose fields the problem codes' pages
	// list. A document that `request_validation` loads with its default
	// options is compiled once for both. Default: none (no operation
	// pages; the problem codes' pages list no fields).
	OpenAPI []string `json:"openapi,omitempty"`

	// `origin` is the scheme and host (https://api.example.com) that
	// makes the catalogue's URLs absolute in error bodies (`docs`,
	// problem+json `type`). Set it when a proxy in front of Caddy
	// terminates TLS or rewrites the host. Default: the request's own
	// scheme and Host.
	Origin string `json:"origin,omitempty"`

	cat      *catalogue.Catalogue
	origin   string // Origin without a trailing slash
	releases []func() error
	// formats are the machine formats of the pages' examples: the
	// site's default one and problem+json, as offered.
	formats []errorpages.Format
}

// provisionCatalogue loads the catalogue's documents and builds its
// pages.
func (h *Handler) provisionCatalogue() error {
	c := h.Catalogue
	if c == nil {
		return nil
	}
	if err := checkCatalogue(c); err != nil {
		return err
	}
	c.origin = strings.TrimRight(c.Origin, "/")
	var specs []*validation.Spec
	for _, path := range c.OpenAPI {
		spec, release, err := requestvalidation.SharedSpec(path)
		if err != nil {
			return fmt.Errorf("catalogue: openapi %s: %w", path, err)
		}
		c.releases = append(c.releases, release)
		specs = append(specs, spec)
	}
	cat, err := catalogue.New(catalogue.Config{Base: c.Base, Statuses: h.statuses, Specs: specs, Brand: h.Brand})
	if err != nil {
		return fmt.Errorf("catalogue: %w", err)
	}
	c.cat = cat
	c.formats = nil
	def := h.negotiator.Negotiate("")
	if def != errorpages.HTML {
		c.formats = append(c.formats, def)
	}
	if def != errorpages.Problem && h.offers(errorpages.Problem) {
		c.formats = append(c.formats, errorpages.Problem)
	}
	return nil
}

// checkCatalogue checks what the Caddyfile adapter can check without
// reading the documents.
func checkCatalogue(c *Catalogue) error {
	if c.Base == "" {
		return fmt.Errorf("catalogue: needs a base path, such as /errors")
	}
	if _, err := catalogue.New(catalogue.Config{Base: c.Base}); err != nil {
		return fmt.Errorf("catalogue: base: %w", err)
	}
	if c.Origin != "" {
		u, err := url.Parse(c.Origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.TrimRight(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("catalogue: origin: %q is not a scheme and host like https://api.example.com", c.Origin)
		}
	}
	return nil
}

// cleanupCatalogue releases the catalogue's documents.
func (h *Handler) cleanupCatalogue() {
	if c := h.Catalogue; c != nil {
		for _, release := range c.releases {
			_ = release()
		}
		c.releases = nil
	}
}

// serveCatalogue answers a request for a catalogue page; done reports
// whether r was one. Methods other than GET and HEAD, and names without
// a page, are errors rendered as any other.
func (h *Handler) serveCatalogue(w http.ResponseWriter, r *http.Request) (done bool, err error) {
	c := h.Catalogue
	name, ok, found := c.cat.Find(originalURL(r).Path)
	if !ok {
		return false, nil
	}
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		return true, h.catalogueError(w, r, caddyhttp.Error(http.StatusMethodNotAllowed, nil))
	case !found:
		return true, h.catalogueError(w, r, caddyhttp.Error(http.StatusNotFound, nil))
	}
	f := h.negotiator.Negotiate(r.Header.Get("Accept"))
	tr, vary := h.translator(r, errorpages.HTML)
	if !catalogue.HasLanguage(tr.Lang()) {
		tr = h.sourceTr // a page is in one language
	}
	v := catalogue.View{Lang: tr.Lang(), Tr: tr}
	origin := h.catalogueOrigin(r)
	v.Example = func(x catalogue.ExampleError) []catalogue.Example { return h.catalogueExamples(r, x, origin, tr) }
	var buf bytes.Buffer
	hdr := w.Header()
	switch {
	case f == errorpages.HTML:
		hdr["Content-Type"] = contentTypeValues[errorpages.HTML]
		hdr.Set("Content-Security-Policy", c.cat.Policy())
		var p *catalogue.Page
		var x *catalogue.Index
		if name == "" {
			x = c.cat.IndexPage(v)
		} else {
			p = c.cat.Page(name, v)
		}
		err = c.cat.WriteHTML(&buf, p, x)
	case name == "":
		hdr.Set("Content-Type", "application/json")
		buf.Write(c.cat.Listing(v))
	default:
		hdr.Set("Content-Type", "application/json")
		err = c.cat.WriteJSON(&buf, c.cat.Page(name, v), nil)
	}
	if err != nil {
		return true, caddyhttp.Error(http.StatusInternalServerError, err)
	}
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "max-age=300")
	hdr.Set("Content-Language", tr.Lang())
	if vary {
		hdr.Set("Vary", "Accept, Accept-Language")
	} else {
		hdr.Set("Vary", "Accept")
	}
	hdr["Content-Length"] = lengthValue(buf.Len())
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return true, nil
	}
	_, err = w.Write(buf.Bytes())
	return true, err
}

// catalogueError renders a catalogue request's error as any local error.
func (h *Handler) catalogueError(w http.ResponseWriter, r *http.Request, err error) error {
	ew := h.getWriter(w)
	defer putWriter(ew)
	return h.rewriteLocal(w, r, err, ew)
}

// catalogueOrigin is the scheme and host the catalogue's URLs are made
// absolute with: `origin`, else the request's. r is nil for an export.
func (h *Handler) catalogueOrigin(r *http.Request) string {
	if o := h.Catalogue.origin; o != "" || r == nil {
		return o
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// catalogueDocs is the docs URL of an error while the catalogue is on
// and `docs` is not set: its operation's page (op is the operation ID of
// a request_validation error, else ""), else its type's, else its
// status's type's, as an absolute URL (RFC 9457 §3.1.1 recommends an
// absolute type URI). "" when the catalogue is off.
func (h *Handler) catalogueDocs(r *http.Request, e *errorpages.Error, op string) string {
	c := h.Catalogue
	if c == nil || c.cat == nil || h.Docs != "" {
		return ""
	}
	u := ""
	if op != "" {
		u = c.cat.OperationURL(op)
	}
	if u == "" {
		u = c.cat.TypeURL(e.Type)
	}
	if u == "" {
		u = c.cat.TypeURL(errorpages.TypeSlug(e.Code))
	}
	if u == "" {
		u = c.cat.URL("")
	}
	return h.catalogueOrigin(r) + u
}

// exampleRequestID is the request ID the examples show.
const exampleRequestID = "0b6a5c2e-7f1d-4c3a-9e2b-example"

// catalogueExamples renders a page's example error as this site sends
// it to API clients: its messages, preset, body templates and problem
// extensions, in its default machine format and problem+json. r is nil
// for an export (placeholders in problem extensions are then left
// empty).
func (h *Handler) catalogueExamples(r *http.Request, x catalogue.ExampleError, origin string, pageTr errorpages.Translator) []catalogue.Example {
	out := make([]catalogue.Example, 0, len(h.Catalogue.formats))
	for _, f := range h.Catalogue.formats {
		tr := h.sourceTr
		if h.localized[f] {
			tr = pageTr
		}
		var e errorpages.Error
		if x.Type == errorpages.MaintenanceType {
			e = *errorpages.NewMaintenanceError(tr, "", time.Time{}, 0)
		} else {
			h.newError(x.Code, tr, &e)
			e.Type = x.Type
			if x.Details != "" {
				e.Details = x.Details
			}
			if n := len(x.Fields); n > 0 && e.Type == errorpages.TypeValidationFailed && tr.Lang() != errorpages.SourceLanguage {
				// As a real validation error: its summary in the
				// language of the formats that follow the page's.
				e.Details = tr.T(errorpages.KeyValidationSummary, "n", strconv.Itoa(n))
			}
		}
		e.Fields, e.Docs, e.RequestID, e.Source = x.Fields, origin+x.Docs, exampleRequestID, sourceLocal
		e.Instance = "/example/path"
		d := errorpages.PageData{Error: &e, Method: http.MethodGet}
		d.SetTranslator(tr)
		if f == errorpages.Problem && (len(h.problemExt) > 0 || h.localized[f]) {
			d.Extensions = h.exampleExtensions(r, tr)
		}
		var buf bytes.Buffer
		if err := h.renderer.Render(&buf, f, &d); err != nil && buf.Len() == 0 {
			continue
		}
		// The Content-Type most clients get (a preset's own media type
		// goes only to clients whose Accept names it).
		out = append(out, catalogue.Example{ContentType: f.ContentType(), Body: buf.String()})
	}
	return out
}

// exampleExtensions are the problem+json extension members of an
// example: as for an error of r, or without their placeholders' values
// when there is no request (an export).
func (h *Handler) exampleExtensions(r *http.Request, tr errorpages.Translator) []errorpages.Member {
	if r != nil {
		return h.problemExtensions(r, tr)
	}
	repl := caddy.NewReplacer()
	out := make([]errorpages.Member, 0, len(h.problemExt)+1)
	if h.localized[errorpages.Problem] {
		out = append(out, errorpages.Member{Name: "lang", Value: tr.Lang()})
	}
	for _, x := range h.problemExt {
		out = append(out, errorpages.Member{Name: x.name, Value: repl.ReplaceAll(x.value, "")})
	}
	return out
}

// ExportCatalogue writes the catalogue's pages as static files under dir
// (see catalogue.Catalogue.Export), in English, with origin (may be "")
// before the URLs of the examples' docs. h must be provisioned with a
// catalogue. It returns the number of files written.
func (h *Handler) ExportCatalogue(dir, origin string) (int, error) {
	c := h.Catalogue
	if c == nil || c.cat == nil {
		return 0, fmt.Errorf("error_pages has no catalogue")
	}
	if origin == "" {
		origin = c.origin
	}
	tr := h.sourceTr
	v := catalogue.View{Lang: tr.Lang(), Tr: tr}
	v.Example = func(x catalogue.ExampleError) []catalogue.Example { return h.catalogueExamples(nil, x, origin, tr) }
	return c.cat.Export(dir, v)
}

// parseCatalogue parses the catalogue subdirective:
//
//	catalogue <base path> {
//		openapi <file>     # repeatable
//		origin  <scheme://host>
//	}
func parseCatalogue(d *caddyfile.Dispenser) (*Catalogue, error) {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return nil, d.Errf("catalogue: needs exactly one base path, such as /errors; got %d arguments", len(args))
	}
	c := &Catalogue{Base: args[0]}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		vals := d.RemainingArgs()
		switch key {
		case "openapi":
			if len(vals) != 1 {
				return nil, d.Errf("catalogue openapi: needs exactly one file, got %d arguments", len(vals))
			}
			c.OpenAPI = append(c.OpenAPI, vals[0])
		case "origin":
			if len(vals) != 1 || c.Origin != "" {
				return nil, d.Errf("catalogue origin: needs exactly one scheme://host, once")
			}
			c.Origin = vals[0]
		default:
			return nil, d.Errf("catalogue: unknown option %q (openapi, origin)", key)
		}
	}
	if err := checkCatalogue(c); err != nil {
		return nil, d.Errf("%v", err)
	}
	return c, nil
}
