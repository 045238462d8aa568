// Package caddyerrorpages is a Caddy HTTP handler that turns every error
// response of a site — upstream 4xx/5xx, file_server 404s, basic_auth 401s,
// proxy 502s — into a branded HTML page or one consistent JSON envelope,
// chosen by the client's Accept header.
package caddyerrorpages

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
	"golang.org/x/net/http/httpguts"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/maintenance"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Defaults.
const (
	DefaultMaxBody           = 64 << 10
	DefaultPassthroughHeader = "X-Error-Pages"
	DefaultPassthroughValue  = "passthrough"
	DefaultRequestIDHeader   = "X-Request-ID"
	DefaultCacheControl      = "no-store"
)

// Handler rewrites error responses into HTML pages or JSON/problem/text/XML
// bodies chosen by content negotiation.
type Handler struct {
	// `status` lists the status codes to rewrite: codes ("404"), classes
	// ("4xx") or ranges ("500-599"). An error of another status passes
	// untouched (a local one goes back to Caddy, so `handle_errors`
	// applies). Only 4xx and 5xx can be listed. Default: every 4xx and
	// 5xx.
	Status []string `json:"status,omitempty"`

	// `formats` lists the formats offered to the client's Accept header,
	// in tie-break order: any of html, json, problem, text, xml. The
	// json, xml and text formats are shaped by `preset`,
	// `json_template`, `xml_template` and `text_template`, which each
	// need their format offered. Default: html json problem text xml.
	Formats []string `json:"formats,omitempty"`

	// `default_format` is the format sent when the client states no
	// preference (no Accept, or only */*) or accepts none of `formats`.
	// Default: json, or the first of `formats` when json is not among
	// them.
	DefaultFormat string `json:"default_format,omitempty"`

	// `templates` is a directory of the site's own HTML page templates:
	// <code>.html, <class>.html (4xx.html) and error.html, tried in that
	// order; a status with none of them gets the embedded page, which
	// `brand` fills. Templates read placeholders as
	// `template_placeholders` allows. Default: none (the embedded page for
	// every status).
	Templates string `json:"templates,omitempty"`

	// `brand` fills the embedded HTML page: the site's name, logo, accent
	// color, home, support and status page links. It does not apply to
	// pages from `templates`. Default: none (a neutral page).
	Brand *errorpages.Brand `json:"brand,omitempty"`

	// `docs` is a documentation URL put in every error (the envelope's
	// docs member, problem+json's type, a link on the HTML page): an
	// http(s) URL or a path starting with /. {code} is replaced by the
	// status code, Caddy's placeholders by their percent-encoded values.
	// An error that carries its operation's own documentation (from
	// `request_validation`) keeps that one. Default: none.
	Docs string `json:"docs,omitempty"`

	// `messages` replaces the public title (the reason phrase, "Not
	// Found") of a 4xx or 5xx status, by status code, in every format. It
	// is the text for `default_language`: a page in another language shows
	// that language's own message from `language_messages`, else the
	// built-in title in that language, so that a page is in one language
	// (the load logs a WARN naming the messages without a text in an
	// offered language). Default: none (the built-in title).
	Messages map[int]string `json:"messages,omitempty"`

	// `details` decides whether an error's own text reaches the client:
	// the upstream body's message, type and field problems, and the text
	// of Caddy's `error "<text>" <code>`. auto shows it for 4xx only,
	// always for 4xx and 5xx, never for none; the standard description of
	// the status is shown instead. Problems found by `request_validation`
	// are written for clients and always shown. Default: auto.
	Details string `json:"details,omitempty"`

	// `upstream_json` is normalize (an upstream JSON error body is read
	// and rewritten into the chosen format) or keep (a JSON body goes out
	// unchanged to clients that get the json format; other clients still
	// get it rewritten). `keep_upstream` keeps bodies by media type
	// instead. Default: normalize.
	UpstreamJSON string `json:"upstream_json,omitempty"`

	// `max_body` is how many bytes of an upstream error body are held
	// back and read; the rest is discarded and the cut counted in
	// caddy_error_pages_truncated_total. A body cut short is never
	// forwarded by `upstream_json` keep or `keep_upstream`. Default:
	// 65536 (64 KiB).
	MaxBody int64 `json:"max_body,omitempty"`

	// `passthrough_header` names the upstream response header that makes
	// an error response pass untouched when its value is
	// `passthrough_value`; the header itself is removed from the
	// response. Default: X-Error-Pages.
	PassthroughHeader string `json:"passthrough_header,omitempty"`

	// `passthrough_value` is the value `passthrough_header` must have
	// (compared without regard to case); "*" accepts any value. Default:
	// passthrough when `passthrough_header` is not set either, else "*".
	PassthroughValue string `json:"passthrough_value,omitempty"`

	// `request_id_header` names the request header whose value, when
	// valid (1–128 characters of [A-Za-z0-9._:-]), is the error's request
	// ID, and the response header that carries the request ID back. When
	// `request_id` is set, the ID is read from there instead; without a
	// valid one, Caddy's request UUID is used. Default: X-Request-ID.
	RequestIDHeader string `json:"request_id_header,omitempty"`

	// `cache_control` is the Cache-Control header of rewritten responses,
	// so that caches do not keep an error as the resource. Default:
	// no-store.
	CacheControl string `json:"cache_control,omitempty"`

	// `preset` is the shape of the json format's body: errorpages (this
	// module's envelope), simple, jsonapi (JSON:API), graphql
	// (GraphQL-over-HTTP) or google (Google's AIP-193). With jsonapi, a
	// client whose Accept names application/vnd.api+json gets that
	// Content-Type, others application/json; with graphql, a client whose
	// Accept names application/graphql-response+json gets that one.
	// `json_template` replaces the preset; google cannot be combined with
	// json in `localize`. Default: errorpages.
	Preset string `json:"preset,omitempty"`

	// `json_template` is a file holding a Go text/template for the json
	// format's body; it replaces `preset`. The template is checked when
	// the config loads by rendering samples of every kind of error and
	// parsing the output; at run time an output that does not parse is
	// replaced by the built-in body and logged at ERROR. json must be in
	// `formats`. Default: none.
	JSONTemplate string `json:"json_template,omitempty"`

	// `xml_template` is the same as `json_template` for the xml format's
	// body. xml must be in `formats`. Default: none.
	XMLTemplate string `json:"xml_template,omitempty"`

	// `text_template` is the same as `json_template` for the text
	// format's body. text must be in `formats`. Default: none.
	TextTemplate string `json:"text_template,omitempty"`

	// `problem_extensions` are extra top-level members of the
	// problem+json body, by name. Values are strings; placeholders are
	// allowed and their values JSON-escaped. Names start with a letter
	// and hold letters, digits and _ (RFC 9457 §3.2), and must not shadow
	// type, title, status, detail, instance, request_id, trace_id, errors
	// or more. They follow the standard members, sorted by name (after
	// "lang" when `localize` includes problem). Default: none.
	ProblemExtensions map[string]string `json:"problem_extensions,omitempty"`

	// `sources` lists the sources of the errors rewritten: local (errors
	// that Caddy's handlers return: reverse_proxy's 502 when no upstream
	// answers, file_server's 404, basic_auth's 401, request_body's 413,
	// the error directive) and upstream (error responses written by the
	// handlers after this one: reverse_proxy's upstream, forward_auth's
	// denial, respond). A local error from an unlisted source goes back
	// to Caddy unchanged, so `handle_errors` applies; an upstream
	// response from an unlisted source streams through untouched. Only
	// errors whose status is in `status` are rewritten. Default: local
	// upstream.
	Sources []string `json:"sources,omitempty"`

	// `keep_upstream` lists media ranges (application/problem+json,
	// application/*, application/*+json): an upstream error body whose
	// Content-Type matches one is forwarded unchanged, with its own
	// Content-Type and Content-Encoding, when the client's Accept
	// accepts that type with q > 0 through a range that names it: the
	// type itself, its type/* or, for a +json (+xml) type,
	// application/json (application/xml). A bare */* does not count: it
	// is what browsers and curl send. Vary, nosniff, `cache_control` and
	// the `request_id_header` are still set and the upstream's
	// fingerprints removed (see `keep_headers`). A body cut at `max_body`
	// is not kept. Default: none.
	KeepUpstream []string `json:"keep_upstream,omitempty"`

	// `request_id` is a placeholder expression whose value is the
	// request ID, such as {http.request.header.X-Amzn-Trace-Id} or
	// {http.vars.trace_id}, read instead of the incoming
	// `request_id_header`. Its value is validated the same way (1–128
	// characters of [A-Za-z0-9._:-]), else Caddy's request UUID is used.
	// The response header is still `request_id_header`. Default: none.
	RequestID string `json:"request_id,omitempty"`

	// `keep_headers` names upstream headers that stay on rewritten
	// responses although they are removed by default as the upstream's
	// fingerprints: any of X-Powered-By, Server, X-AspNet-Version,
	// X-AspNetMvc-Version, X-SourceFiles, X-Runtime, X-Debug-Token,
	// X-Debug-Token-Link, X-Generator, X-Backend-Server, X-Drupal-Cache,
	// X-Drupal-Dynamic-Cache, X-Turbo-Charged-By. Caddy's own Server
	// header always stays. Default: none.
	KeepHeaders []string `json:"keep_headers,omitempty"`

	// `template_placeholders` lets templates' .Placeholder (in
	// `templates` pages) read placeholders that reach outside the
	// request: {env.*}, {file.*} and {system.*} give "" unless listed
	// here, by exact name (env.APP_VERSION) or by a prefix ending in *
	// (env.APP_*, file.*). Placeholders about the request are always
	// readable. Default: none.
	TemplatePlaceholders []string `json:"template_placeholders,omitempty"`

	// `default_language` is the language of the built-in texts when the
	// client's Accept-Language names none of `languages` (or there is no
	// Accept-Language), as a BCP 47 tag; it must be among `languages`.
	// Default: en, or the first of `languages` when they are given.
	DefaultLanguage string `json:"default_language,omitempty"`

	// `languages` lists the languages offered to the client's
	// Accept-Language (RFC 9110 §12.5.4), as BCP 47 tags: built-in ones
	// (en de fr es it pt-BR pt-PT nl pl cs sv da fi tr ru uk ja ko
	// zh-Hans zh-Hant ar he hi id vi) or those `translations` adds. With
	// one language there is no negotiation and no Vary:
	// Accept-Language. Only the formats in `localize` follow the
	// language. Default: every built-in language and every language
	// `translations` adds.
	Languages []string `json:"languages,omitempty"`

	// `localize` lists the formats whose built-in texts (title,
	// description, labels) follow the language negotiated among
	// `languages`: any of html, text, json, problem, xml. json, problem
	// and xml keep English by default: API clients key on the type, and
	// AIP-193 keeps messages in English (so json cannot be localized with
	// `preset` google). A localized problem+json carries a "lang" member.
	// Upstream texts are never translated. Default: html text.
	Localize []string `json:"localize,omitempty"`

	// `language_messages` are `messages` for one language: language tag
	// → status code → title, shown on pages in that language (for
	// `default_language` they take precedence over `messages`); each tag
	// must be among the catalogue's languages (built in or added by
	// `translations`). Default: none.
	LanguageMessages map[string]map[int]string `json:"language_messages,omitempty"`

	// `translations` is a directory of the site's translations: one flat
	// JSON object of key → text per language, named <tag>.json (de.json,
	// pt-BR.json), with the keys of the built-in en.json. Its texts
	// override the built-in ones; a new tag adds a language (offered
	// unless `languages` says otherwise) whose missing texts come from
	// its parent language or English. An unknown key, a bad tag or a
	// malformed file fails the config load. Default: none.
	Translations string `json:"translations,omitempty"`

	// `retry_after` is the Retry-After sent with local 502, 503 and 504
	// errors that have none, so that clients know when to try again; the
	// bodies show it too. Upstream responses keep their own Retry-After,
	// and `maintenance` has its own `retry_after`. Default: none.
	RetryAfter caddy.Duration `json:"retry_after,omitempty"`

	// `maintenance` is maintenance mode: while it is on, requests get a
	// 503 maintenance page in the negotiated format instead of reaching
	// the handlers after this one; it is switched by this config, Caddy's
	// admin API or shared storage. Default: none (maintenance mode is
	// off and cannot be switched on at run time).
	Maintenance *maintenance.Maintenance `json:"maintenance,omitempty"`

	// `catalogue` serves the site's error catalogue under a base path
	// (an index, a page per error type, problem code and operation, in
	// HTML or JSON) and makes every error's `docs` its page's URL when
	// `docs` is not set. Default: none.
	Catalogue *Catalogue `json:"catalogue,omitempty"` // catalogue:

	statuses errorpages.StatusSet
	// noLocal and noUpstream leave a source's errors alone (Sources).
	noLocal, noUpstream bool
	// keeps are the compiled KeepUpstream ranges.
	keeps []mediaRange
	// presetType is the preset's own media type as a header value
	// (JSON:API's, GraphQL-over-HTTP's), sent to clients whose Accept
	// names it; nil for none or when json_template replaces the preset.
	presetType []string
	// problemExt are the ProblemExtensions, sorted by name.
	problemExt []problemExtension
	negotiator *errorpages.Negotiator
	renderer   *errorpages.Renderer
	exposure   errorpages.Exposure
	keepJSON   bool
	messages   [200]string
	// catalog holds the built-in texts plus Translations.
	catalog *errorpages.Catalog
	// langs chooses among Languages; nil when only one is offered.
	langs *errorpages.LanguageMatcher
	// defaultTr is DefaultLanguage's translator, sourceTr English's.
	defaultTr, sourceTr errorpages.Translator
	// translators are the offered languages' translators, by tag as
	// offered.
	translators map[string]errorpages.Translator
	// localized[f]: format f follows the language.
	localized [5]bool
	// langMessages are LanguageMessages by the catalogue's tag.
	langMessages map[string]*[200]string
	// langValues are the Content-Language values, by catalogue tag.
	langValues map[string][]string
	// retryValue is RetryAfter as a Retry-After value; nil for none.
	retryValue []string
	docsCode   bool // Docs contains {code}
	docsRepl   bool // Docs contains other placeholders
	passName   string
	// cacheControlValue is CacheControl as a shared header value.
	cacheControlValue []string
	ridName           string
	// fingerprints are the upstream headers removed from rewrites.
	fingerprints []string
	// policyValue is the embedded page's Content-Security-Policy as a
	// shared header value.
	policyValue []string
	// maint is Maintenance once provisioned; nil without it.
	maint   maintenanceCheck
	logger  *zap.Logger
	metrics *metrics
}

// FingerprintHeaders name the upstream's software, framework or debug
// tooling; rewritten responses drop them unless `keep_headers` keeps them.
var FingerprintHeaders = []string{
	"X-Powered-By", "Server", "X-AspNet-Version", "X-AspNetMvc-Version", "X-SourceFiles",
	"X-Runtime", "X-Debug-Token", "X-Debug-Token-Link", "X-Generator", "X-Backend-Server",
	"X-Drupal-Cache", "X-Drupal-Dynamic-Cache", "X-Turbo-Charged-By",
}

// outsidePrefixes are the placeholder namespaces that reach outside the
// request (environment, files, the host); templates read them only when
// TemplatePlaceholders allows.
var outsidePrefixes = []string{"env.", "file.", "system."}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.error_pages",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision sets defaults, parses the configuration and compiles every
// template.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if p := placementProblem(ctx); p != "" {
		h.logger.Warn("error_pages can never see a response: " + p)
	}
	if err := h.compile(); err != nil {
		return err
	}
	if missing := h.untranslatedMessages(); len(missing) > 0 {
		h.logger.Warn("messages without a text in some offered languages: visitors in those languages get the built-in title in their language (give each one with `message <code> \"<text>\" <lang>`)",
			zap.Strings("missing", missing))
	}
	m, err := newMetrics(ctx.GetMetricsRegistry())
	if err != nil {
		return err
	}
	h.metrics = m
	h.maint = nil
	if m := h.Maintenance; m != nil {
		if err := m.Provision(ctx, h.logger, func() string { return handlerPlace(ctx) }); err != nil {
			return err
		}
		h.maint = m
	}
	return h.provisionCatalogue() // catalogue:
}

// Cleanup releases the maintenance switch when the config is unloaded.
func (h *Handler) Cleanup() error {
	h.cleanupCatalogue() // catalogue: its documents
	if h.Maintenance != nil {
		return h.Maintenance.Cleanup()
	}
	return nil
}

// maintenanceCheck is what the request path asks of maintenance mode
// (package maintenance): whether it answers r, and what the answer says.
type maintenanceCheck interface {
	Check(r *http.Request) (maintenance.Answer, bool)
}

// compile turns the configuration into its run-time form. It is shared by
// Provision and the Caddyfile parser, so both report the same errors.
func (h *Handler) compile() error {
	if len(h.Status) == 0 {
		h.statuses = errorpages.AllErrors()
	} else {
		h.statuses = errorpages.StatusSet{}
		for _, s := range h.Status {
			if err := h.statuses.Add(s); err != nil {
				return fmt.Errorf("status: %w", err)
			}
		}
	}
	offers := errorpages.DefaultFormats
	if len(h.Formats) > 0 {
		offers = make([]errorpages.Format, 0, len(h.Formats))
		for _, s := range h.Formats {
			f, err := errorpages.ParseFormat(s)
			if err != nil {
				return fmt.Errorf("formats: %w", err)
			}
			offers = append(offers, f)
		}
	}
	def := errorpages.JSON
	if h.DefaultFormat != "" {
		f, err := errorpages.ParseFormat(h.DefaultFormat)
		if err != nil {
			return fmt.Errorf("default_format: %w", err)
		}
		def = f
	} else if len(h.Formats) > 0 && !slices.Contains(offers, def) {
		def = offers[0]
	}
	n, err := errorpages.NewNegotiator(offers, def)
	if err != nil {
		return fmt.Errorf("formats: %w", err)
	}
	h.negotiator = n
	if h.exposure, err = errorpages.ParseExposure(h.Details); err != nil {
		return fmt.Errorf("details: %w", err)
	}
	switch h.UpstreamJSON {
	case "", "normalize":
		h.keepJSON = false
	case "keep":
		h.keepJSON = true
	default:
		return fmt.Errorf("upstream_json: %q is not normalize or keep", h.UpstreamJSON)
	}
	if h.MaxBody < 0 {
		return fmt.Errorf("max_body: must not be negative")
	}
	if h.MaxBody == 0 {
		h.MaxBody = DefaultMaxBody
	}
	h.messages = [200]string{}
	for code, msg := range h.Messages {
		if code < 400 || code > 599 {
			return fmt.Errorf("message: %d is not a 4xx or 5xx status", code)
		}
		if strings.TrimSpace(msg) == "" {
			return fmt.Errorf("message: the message for %d is empty", code)
		}
		h.messages[code-400] = msg
	}
	if h.PassthroughHeader == "" {
		h.PassthroughHeader = DefaultPassthroughHeader
		if h.PassthroughValue == "" {
			h.PassthroughValue = DefaultPassthroughValue
		}
	}
	if h.PassthroughValue == "" {
		h.PassthroughValue = "*"
	}
	if !httpguts.ValidHeaderFieldName(h.PassthroughHeader) {
		return fmt.Errorf("passthrough_header: %q is not a header name", h.PassthroughHeader)
	}
	h.passName = http.CanonicalHeaderKey(h.PassthroughHeader)
	if h.RequestIDHeader == "" {
		h.RequestIDHeader = DefaultRequestIDHeader
	}
	if !httpguts.ValidHeaderFieldName(h.RequestIDHeader) {
		return fmt.Errorf("request_id_header: %q is not a header name", h.RequestIDHeader)
	}
	h.ridName = http.CanonicalHeaderKey(h.RequestIDHeader)
	if h.CacheControl == "" {
		h.CacheControl = DefaultCacheControl
	}
	if strings.ContainsAny(h.CacheControl, "\r\n") {
		return fmt.Errorf("cache_control: must be one line")
	}
	h.cacheControlValue = []string{h.CacheControl}
	if err := checkDocs(h.Docs); err != nil {
		return err
	}
	h.docsCode = strings.Contains(h.Docs, "{code}")
	h.docsRepl = strings.Contains(strings.ReplaceAll(h.Docs, "{code}", ""), "{")
	h.fingerprints = make([]string, 0, len(FingerprintHeaders))
	keep := map[string]bool{}
	for _, k := range h.KeepHeaders {
		if err := checkKeepHeader(k); err != nil {
			return err
		}
		keep[http.CanonicalHeaderKey(k)] = true
	}
	for _, k := range FingerprintHeaders {
		if ck := http.CanonicalHeaderKey(k); !keep[ck] {
			h.fingerprints = append(h.fingerprints, ck)
		}
	}
	for _, p := range h.TemplatePlaceholders {
		if err := checkTemplatePlaceholder(p); err != nil {
			return err
		}
	}
	if err := h.compileLanguages(); err != nil {
		return err
	}
	h.retryValue = nil
	if h.RetryAfter < 0 {
		return fmt.Errorf("retry_after: must not be negative")
	}
	if h.RetryAfter > 0 {
		h.retryValue = []string{strconv.Itoa(retrySeconds(time.Duration(h.RetryAfter)))}
	}
	rc := errorpages.RendererConfig{Brand: h.Brand, TemplatesDir: h.Templates}
	if err := h.compileContract(&rc); err != nil {
		return err
	}
	r, err := errorpages.NewRenderer(rc)
	if err != nil {
		return err
	}
	h.renderer = r
	h.policyValue = []string{r.PagePolicy(0)}
	return nil
}

func checkKeepHeader(name string) error {
	ck := http.CanonicalHeaderKey(name)
	if !slices.ContainsFunc(FingerprintHeaders, func(f string) bool { return http.CanonicalHeaderKey(f) == ck }) {
		return fmt.Errorf("keep_headers: %q is not removed anyway; it takes any of %s", name, strings.Join(FingerprintHeaders, ", "))
	}
	return nil
}

func checkTemplatePlaceholder(p string) error {
	name := strings.TrimSuffix(p, "*")
	if !slices.ContainsFunc(outsidePrefixes, func(o string) bool { return strings.HasPrefix(name, o) }) || strings.ContainsAny(name, "{}* \t") {
		return fmt.Errorf("template_placeholders: %q is not an env.*, file.* or system.* name or prefix (other placeholders are readable anyway)", p)
	}
	return nil
}

// checkDocs requires docs to be an http(s) URL or a path on the site
// once its placeholders are filled.
func checkDocs(docs string) error {
	if docs == "" {
		return nil
	}
	if strings.Count(docs, "{") != strings.Count(docs, "}") {
		return fmt.Errorf("docs: %q has an unclosed placeholder", docs)
	}
	sample := placeholderRE.ReplaceAllString(docs, "x")
	u, err := url.Parse(sample)
	if err != nil {
		return fmt.Errorf("docs: %q is not a URL: %w", docs, err)
	}
	switch {
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(sample, "/") && !strings.HasPrefix(sample, "//"):
	default:
		return fmt.Errorf("docs: %q must be an http(s) URL or a path starting with /", docs)
	}
	return nil
}

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

// Validate is a no-op beyond Provision's checks: everything that can be
// wrong is found while compiling, with the subdirective named.
func (h *Handler) Validate() error {
	if h.negotiator == nil || h.renderer == nil {
		return fmt.Errorf("error_pages: not provisioned")
	}
	return nil
}

// untranslatedMessages names, for the load's WARN, the messages without a
// text in an offered language other than the default ("404: de, fr").
func (h *Handler) untranslatedMessages() []string {
	var out []string
	for _, code := range slices.Sorted(maps.Keys(h.Messages)) {
		var missing []string
		for _, lang := range slices.Sorted(maps.Keys(h.translators)) {
			if lang == h.defaultTr.Lang() {
				continue
			}
			if m := h.langMessages[lang]; m == nil || code < 400 || code >= 600 || m[code-400] == "" {
				missing = append(missing, lang)
			}
		}
		if len(missing) > 0 {
			out = append(out, strconv.Itoa(code)+": "+strings.Join(missing, ", "))
		}
	}
	return out
}

// compileLanguages builds the catalogue (built-in texts plus
// Translations), the language matcher over Languages, the localized
// formats and the per-language messages.
func (h *Handler) compileLanguages() error {
	h.catalog = errorpages.Builtin()
	if h.Translations != "" {
		if err := h.catalog.MergeDir(h.Translations); err != nil {
			return fmt.Errorf("translations: %w", err)
		}
	}
	def := errorpages.SourceLanguage
	if h.DefaultLanguage != "" {
		c, err := h.knownLanguage("default_language", h.DefaultLanguage)
		if err != nil {
			return err
		}
		def = c
	}
	offered := h.catalog.Languages()
	if len(h.Languages) > 0 {
		offered = make([]string, 0, len(h.Languages))
		for _, l := range h.Languages {
			c, err := h.knownLanguage("languages", l)
			if err != nil {
				return err
			}
			offered = append(offered, c)
		}
		if h.DefaultLanguage == "" {
			def = offered[0]
		}
	}
	h.langs = nil
	if len(offered) > 1 {
		m, err := errorpages.NewLanguageMatcher(offered, def)
		if err != nil {
			return fmt.Errorf("languages: %w", err)
		}
		h.langs = m
	} else if offered[0] != def {
		return fmt.Errorf("default_language: %q is not among the offered languages %v", def, offered)
	}
	h.translators = make(map[string]errorpages.Translator, len(offered))
	h.langValues = make(map[string][]string, len(offered)+1)
	for _, l := range append(offered, errorpages.SourceLanguage) {
		tr := h.catalog.Translator(l)
		h.translators[l] = tr
		h.langValues[tr.Lang()] = []string{tr.Lang()}
	}
	h.defaultTr = h.translators[def]
	h.sourceTr = h.catalog.Translator(errorpages.SourceLanguage)
	h.localized = [5]bool{}
	localize := h.Localize
	if len(localize) == 0 {
		localize = []string{"html", "text"}
	}
	for _, s := range localize {
		f, err := errorpages.ParseFormat(s)
		if err != nil {
			return fmt.Errorf("localize: %w", err)
		}
		h.localized[f] = true
	}
	h.langMessages = nil
	for _, l := range slices.Sorted(maps.Keys(h.LanguageMessages)) {
		c, err := h.knownLanguage("message", l)
		if err != nil {
			return err
		}
		c = h.catalog.Translator(c).Lang()
		if h.langMessages == nil {
			h.langMessages = map[string]*[200]string{}
		}
		msgs := h.langMessages[c]
		if msgs == nil {
			msgs = new([200]string)
			h.langMessages[c] = msgs
		}
		for code, msg := range h.LanguageMessages[l] {
			if code < 400 || code > 599 {
				return fmt.Errorf("message: %d is not a 4xx or 5xx status", code)
			}
			if strings.TrimSpace(msg) == "" {
				return fmt.Errorf("message: the %s message for %d is empty", l, code)
			}
			msgs[code-400] = msg
		}
	}
	return nil
}

// knownLanguage checks a language tag of option opt: well-formed and one
// of the catalogue's languages (built in or added by Translations). It
// returns the canonical tag.
func (h *Handler) knownLanguage(opt, tag string) (string, error) {
	c, err := errorpages.ParseLanguage(tag)
	if err != nil {
		return "", fmt.Errorf("%s: %w", opt, err)
	}
	if !h.catalog.Has(c) {
		return "", fmt.Errorf("%s: %q has no translation: it is not built in (%s) and translations adds no %s.json", opt, tag, strings.Join(h.catalog.Languages(), " "), c)
	}
	return c, nil
}

// offers reports whether the formats option offers f (every format does
// by default).
func (h *Handler) offers(f errorpages.Format) bool {
	if len(h.Formats) == 0 {
		return true
	}
	for _, s := range h.Formats {
		if g, err := errorpages.ParseFormat(s); err == nil && g == f {
			return true
		}
	}
	return false
}

// compileContract compiles the options that shape the site's own error
// contract into rc and h: preset, body templates, problem+json
// extensions, sources, keep_upstream and request_id.
func (h *Handler) compileContract(rc *errorpages.RendererConfig) error {
	if h.Preset != "" {
		p, err := errorpages.ParsePreset(h.Preset)
		if err != nil {
			return fmt.Errorf("preset: %w", err)
		}
		rc.Preset = p
	}
	// A shape for a format the site never sends would do nothing.
	for _, x := range []struct {
		set    bool
		name   string
		format errorpages.Format
	}{
		{rc.Preset != errorpages.PresetErrorPages, "preset " + rc.Preset.String(), errorpages.JSON},
		{h.JSONTemplate != "", "json_template", errorpages.JSON},
		{h.XMLTemplate != "", "xml_template", errorpages.XML},
		{h.TextTemplate != "", "text_template", errorpages.Text},
	} {
		if x.set && !h.offers(x.format) {
			return fmt.Errorf("%s shapes the %s format, which formats (%s) does not offer: it would never be sent; add %s to formats", x.name, x.format, strings.Join(h.Formats, " "), x.format)
		}
	}
	if rc.Preset == errorpages.PresetGoogle && h.localized[errorpages.JSON] && h.JSONTemplate == "" {
		// AIP-193: error.message is a developer-facing text in English; a
		// localized one belongs in a google.rpc.LocalizedMessage detail.
		return fmt.Errorf("localize: json with preset google would put a translated text in error.message, which AIP-193 keeps in English; leave json out of localize (html and text pages still follow the language)")
	}
	h.presetType = nil
	if mt := rc.Preset.MediaType(); mt != "" && h.JSONTemplate == "" {
		h.presetType = []string{mt}
	}
	for _, t := range []struct {
		name, file string
		format     errorpages.Format
		dst        **errorpages.BodyTemplate
	}{
		{"json_template", h.JSONTemplate, errorpages.JSON, &rc.JSONTemplate},
		{"xml_template", h.XMLTemplate, errorpages.XML, &rc.XMLTemplate},
		{"text_template", h.TextTemplate, errorpages.Text, &rc.TextTemplate},
	} {
		if t.file == "" {
			continue
		}
		bt, err := errorpages.LoadBodyTemplate(t.file, t.format)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		*t.dst = bt
	}
	h.problemExt = nil
	for _, name := range slices.Sorted(maps.Keys(h.ProblemExtensions)) {
		value := h.ProblemExtensions[name]
		if err := checkProblemExtension(name, value); err != nil {
			return err
		}
		h.problemExt = append(h.problemExt, problemExtension{name: name, value: value, repl: strings.Contains(value, "{")})
	}
	h.noLocal, h.noUpstream = false, false
	if len(h.Sources) > 0 {
		local, upstream := false, false
		for _, s := range h.Sources {
			switch s {
			case sourceLocal:
				local = true
			case sourceUpstream:
				upstream = true
			default:
				return fmt.Errorf("sources: %q is not local or upstream", s)
			}
		}
		h.noLocal, h.noUpstream = !local, !upstream
	}
	h.keeps = nil
	for _, k := range h.KeepUpstream {
		m, err := parseMediaRange(k)
		if err != nil {
			return err
		}
		h.keeps = append(h.keeps, m)
	}
	return checkRequestIDExpr(h.RequestID)
}

// problemExtension is one ProblemExtensions member; repl: the value
// holds placeholders.
type problemExtension struct {
	name, value string
	repl        bool
}

// checkProblemExtension requires a member name that is safe in JSON and
// XML (RFC 9457 §3.2: a letter, then letters, digits or _) and does not
// shadow a member the problem already has.
func checkProblemExtension(name, value string) error {
	ok := len(name) > 0 && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '_')
	}
	if !ok {
		return fmt.Errorf("problem_extension: %q is not a member name (a letter, then letters, digits or _; at most 64)", name)
	}
	for _, m := range errorpages.ProblemMembers {
		if strings.EqualFold(name, m) {
			return fmt.Errorf("problem_extension: %q would shadow the problem's own %q member", name, m)
		}
	}
	if strings.Count(value, "{") != strings.Count(value, "}") {
		return fmt.Errorf("problem_extension %s: %q has an unclosed placeholder", name, value)
	}
	return nil
}

// checkRequestIDExpr requires request_id to hold a placeholder: it is
// read per request.
func checkRequestIDExpr(expr string) error {
	if expr == "" {
		return nil
	}
	if strings.Count(expr, "{") != strings.Count(expr, "}") || !placeholderRE.MatchString(expr) {
		return fmt.Errorf("request_id: %q is not a placeholder expression like {http.request.header.X-Amzn-Trace-Id} or {http.vars.trace_id}", expr)
	}
	return nil
}

// mediaRange is one keep_upstream range: typ/sub, typ/* (sub "*") or
// typ/*+suffix (sub "*+json"), lower case.
type mediaRange struct {
	typ, sub string
}

func parseMediaRange(s string) (mediaRange, error) {
	typ, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
	valid := ok && mediaToken(typ) && typ != "*"
	if rest, wild := strings.CutPrefix(sub, "*"); valid && wild {
		valid = rest == "" || strings.HasPrefix(rest, "+") && mediaToken(rest[1:])
	} else {
		valid = valid && mediaToken(sub)
	}
	if !valid {
		if typ == "*" {
			return mediaRange{}, fmt.Errorf("keep_upstream: %q would keep every upstream body; name a type (application/problem+json, application/*) or use sources local to leave upstream errors alone", s)
		}
		return mediaRange{}, fmt.Errorf("keep_upstream: %q is not a media type or range (type/subtype, type/* or type/*+suffix, without parameters)", s)
	}
	return mediaRange{typ, sub}, nil
}

func mediaToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&-^_.+", c) >= 0) {
			return false
		}
	}
	return true
}

// Interface guards
var (
	_ caddy.Provisioner  = (*Handler)(nil)
	_ caddy.Validator    = (*Handler)(nil)
	_ caddy.CleanerUpper = (*Handler)(nil)
)
