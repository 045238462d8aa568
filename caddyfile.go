package caddyerrorpages

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"
	"golang.org/x/net/http/httpguts"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/maintenance"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("error_pages", parseCaddyfile)
	// Before basic_auth (whose deprecated name "basicauth" sits just before
	// it): error_pages then wraps basic_auth, forward_auth, encode and
	// every handler that responds, so their errors and written denials
	// reach it.
	httpcaddyfile.RegisterDirectiveOrder("error_pages", httpcaddyfile.Before, "basicauth")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var ep Handler
	err := ep.UnmarshalCaddyfile(h.Dispenser)
	return &ep, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	error_pages [<matcher>] {
//		status         <code|class|range>...
//		formats        <format>...
//		default_format <format>
//		templates      <dir>
//		brand {
//			name    <text>
//			logo    <url>
//			color   <hex color>
//			home    <url>
//			support <url or mailto:>
//			status_page <url>
//		}
//		docs           <url>
//		message        <code> <text>
//		message        <code> "<text>" <language>
//		details        auto|always|never
//		upstream_json  normalize|keep
//		max_body       <size>
//		passthrough_header <name> [<value>]
//		request_id_header  <name>
//		cache_control  <value>
//		preset         errorpages|simple|jsonapi|graphql|google
//		json_template  <file>
//		xml_template   <file>
//		text_template  <file>
//		problem_extension <name> <value>
//		sources        local|upstream...
//		keep_upstream  <media-range>...
//		request_id     <placeholder>
//		keep_headers   <name>...
//		template_placeholders <name|prefix*>...
//		default_language <language>
//		languages      <language>...
//		localize       html|text|json|problem|xml...
//		translations   <dir>
//		retry_after    <duration>
//		maintenance [on|off] { ... }  // see maintenance.Parse
//		catalogue <base path> { ... } // see parseCatalogue
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() {
		return d.Errf("error_pages: unexpected argument %q; options go in a block", d.Val())
	}
	// lines remembers where each subdirective starts, so that what the
	// final check finds is reported there, not at the block's end.
	lines := map[string]int{}
	for d.NextBlock(0) {
		sub := d.Val()
		if _, seen := lines[sub]; seen && sub != "message" && sub != "problem_extension" {
			return d.Errf("error_pages: %s is specified more than once", sub)
		}
		if _, seen := lines[sub]; !seen {
			lines[sub] = d.Line()
		}
		var err error
		switch sub {
		case "status":
			err = h.parseStatus(d)
		case "formats":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("formats: needs at least one of html, json, problem, text, xml")
			}
			for _, a := range args {
				if _, e := errorpages.ParseFormat(a); e != nil {
					return d.Errf("formats: %v", e)
				}
			}
			h.Formats = args
		case "default_format":
			h.DefaultFormat, err = oneArg(d, sub)
			if err == nil {
				if _, e := errorpages.ParseFormat(h.DefaultFormat); e != nil {
					return d.Errf("default_format: %v", e)
				}
			}
		case "templates":
			h.Templates, err = oneArg(d, sub)
		case "brand":
			err = h.parseBrand(d)
		case "docs":
			h.Docs, err = oneArg(d, sub)
			if err == nil {
				if e := checkDocs(h.Docs); e != nil {
					return d.Errf("%v", e)
				}
			}
		case "message":
			err = h.parseMessage(d)
		case "details":
			h.Details, err = oneArg(d, sub)
			if err == nil {
				if _, e := errorpages.ParseExposure(h.Details); e != nil {
					return d.Errf("details: %v", e)
				}
			}
		case "upstream_json":
			h.UpstreamJSON, err = oneArg(d, sub)
			if err == nil && h.UpstreamJSON != "normalize" && h.UpstreamJSON != "keep" {
				return d.Errf("upstream_json: %q is not normalize or keep", h.UpstreamJSON)
			}
		case "max_body":
			var s string
			if s, err = oneArg(d, sub); err == nil {
				n, e := humanize.ParseBytes(s)
				if e != nil || n == 0 || n > 1<<30 {
					return d.Errf("max_body: %q is not a size between 1B and 1GiB (like 64KiB or 1MB)", s)
				}
				h.MaxBody = int64(n)
			}
		case "passthrough_header":
			args := d.RemainingArgs()
			if len(args) < 1 || len(args) > 2 {
				return d.Errf("passthrough_header: needs a header name and optionally a value")
			}
			if !httpguts.ValidHeaderFieldName(args[0]) {
				return d.Errf("passthrough_header: %q is not a header name", args[0])
			}
			h.PassthroughHeader = args[0]
			if len(args) == 2 {
				h.PassthroughValue = args[1]
			}
		case "request_id_header":
			h.RequestIDHeader, err = oneArg(d, sub)
			if err == nil && !httpguts.ValidHeaderFieldName(h.RequestIDHeader) {
				return d.Errf("request_id_header: %q is not a header name", h.RequestIDHeader)
			}
		case "cache_control":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("cache_control: needs a value")
			}
			h.CacheControl = strings.Join(args, " ")
		case "preset":
			h.Preset, err = oneArg(d, sub)
			if err == nil {
				if _, e := errorpages.ParsePreset(h.Preset); e != nil {
					return d.Errf("preset: %v", e)
				}
			}
		case "json_template", "xml_template", "text_template":
			var file string
			if file, err = oneArg(d, sub); err == nil {
				f, _ := errorpages.ParseFormat(strings.TrimSuffix(sub, "_template"))
				if _, e := errorpages.LoadBodyTemplate(file, f); e != nil {
					return d.Errf("%s: %v", sub, e)
				}
				switch f {
				case errorpages.JSON:
					h.JSONTemplate = file
				case errorpages.XML:
					h.XMLTemplate = file
				default:
					h.TextTemplate = file
				}
			}
		case "problem_extension":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("problem_extension: needs a member name and a value")
			}
			if e := checkProblemExtension(args[0], args[1]); e != nil {
				return d.Errf("%v", e)
			}
			if _, dup := h.ProblemExtensions[args[0]]; dup {
				return d.Errf("problem_extension: %q is given more than once", args[0])
			}
			if h.ProblemExtensions == nil {
				h.ProblemExtensions = map[string]string{}
			}
			h.ProblemExtensions[args[0]] = args[1]
		case "sources":
			args := d.RemainingArgs()
			if len(args) == 0 || len(args) > 2 {
				return d.Errf("sources: needs local, upstream or both")
			}
			for _, a := range args {
				if a != sourceLocal && a != sourceUpstream {
					return d.Errf("sources: %q is not local or upstream", a)
				}
			}
			if len(args) == 2 && args[0] == args[1] {
				return d.Errf("sources: %s is listed twice", args[0])
			}
			h.Sources = args
		case "keep_upstream":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("keep_upstream: needs at least one media type or range")
			}
			for _, a := range args {
				if _, e := parseMediaRange(a); e != nil {
					return d.Errf("%v", e)
				}
			}
			h.KeepUpstream = args
		case "request_id":
			h.RequestID, err = oneArg(d, sub)
			if err == nil {
				if e := checkRequestIDExpr(h.RequestID); e != nil {
					return d.Errf("%v", e)
				}
			}
		case "keep_headers":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("keep_headers: needs at least one header name")
			}
			for _, a := range args {
				if e := checkKeepHeader(a); e != nil {
					return d.Errf("%v", e)
				}
			}
			h.KeepHeaders = args
		case "maintenance":
			h.Maintenance, err = maintenance.Parse(d)
		case "catalogue": // catalogue:
			h.Catalogue, err = parseCatalogue(d)
		case "default_language":
			if h.DefaultLanguage, err = oneArg(d, sub); err == nil {
				if _, e := errorpages.ParseLanguage(h.DefaultLanguage); e != nil {
					return d.Errf("default_language: %v", e)
				}
			}
		case "languages":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("languages: needs at least one language tag")
			}
			for _, a := range args {
				if _, e := errorpages.ParseLanguage(a); e != nil {
					return d.Errf("languages: %v", e)
				}
			}
			h.Languages = args
		case "localize":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("localize: needs at least one of html, text, json, problem, xml")
			}
			for _, a := range args {
				if _, e := errorpages.ParseFormat(a); e != nil {
					return d.Errf("localize: %v", e)
				}
			}
			h.Localize = args
		case "translations":
			h.Translations, err = oneArg(d, sub)
		case "retry_after":
			var s string
			if s, err = oneArg(d, sub); err == nil {
				dur, e := caddy.ParseDuration(s)
				if e != nil || dur <= 0 {
					return d.Errf("retry_after: %q is not a positive duration (like 30s or 5m)", s)
				}
				h.RetryAfter = caddy.Duration(dur)
			}
		case "template_placeholders":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("template_placeholders: needs at least one placeholder name or prefix*")
			}
			for _, a := range args {
				if e := checkTemplatePlaceholder(a); e != nil {
					return d.Errf("%v", e)
				}
			}
			h.TemplatePlaceholders = args
		default:
			return d.Errf("error_pages: unknown subdirective %q", sub)
		}
		if err != nil {
			return err
		}
		if sub != "brand" && d.NextBlock(1) {
			return d.Errf("%s: takes no block", sub)
		}
	}
	// Check the whole configuration the way Provision will, without
	// writing its defaults into the adapted JSON.
	check := *h
	if err := check.compile(); err != nil {
		if line, ok := lines[subdirectiveOf(err.Error())]; ok {
			return fmt.Errorf("error_pages: %w, at %s:%d", err, d.File(), line)
		}
		return d.Errf("error_pages: %v", err)
	}
	return nil
}

// subdirectiveOf is the subdirective an error message of compile starts
// with ("brand color: …" → brand).
func subdirectiveOf(msg string) string {
	end := strings.IndexFunc(msg, func(c rune) bool { return !(c >= 'a' && c <= 'z' || c == '_') })
	if end < 0 {
		return msg
	}
	return msg[:end]
}

func oneArg(d *caddyfile.Dispenser, sub string) (string, error) {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return "", d.Errf("%s: needs exactly one argument, got %d", sub, len(args))
	}
	return args[0], nil
}

func (h *Handler) parseStatus(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.Errf("status: needs at least one code, class or range")
	}
	var set errorpages.StatusSet
	for _, a := range args {
		if err := set.Add(a); err != nil {
			return d.Errf("status: %v", err)
		}
	}
	h.Status = args
	return nil
}

// parseMessage reads message <code> <text> and message <code> "<text>"
// <language>. A language follows only a quoted text: an unquoted word
// after the text could be either (message 404 Nicht da), so that form is
// refused with both readings spelled out. An unquoted text of several
// words whose last word is no language tag (message 404 Nothing here)
// is one text, as it always was.
func (h *Handler) parseMessage(d *caddyfile.Dispenser) error {
	var args []string
	textQuoted := false
	for d.NextArg() {
		if len(args) == 1 {
			textQuoted = d.ValRaw() != d.Val()
		}
		args = append(args, d.Val())
	}
	if len(args) < 2 {
		return d.Errf("message: needs a status code and a text")
	}
	code, err := strconv.Atoi(args[0])
	if err != nil || code < 400 || code > 599 {
		return d.Errf("message: %q is not a 4xx or 5xx status code", args[0])
	}
	last := args[len(args)-1]
	_, tagErr := errorpages.ParseLanguage(last)
	switch {
	case len(args) == 3 && textQuoted:
		if tagErr != nil {
			return d.Errf("message: %q is not a language tag: after a quoted text comes only a language (message %d \"<text>\" de); %v", last, code, tagErr)
		}
		return h.addLanguageMessage(d, code, args[1], last)
	case len(args) == 3 && tagErr == nil:
		return d.Errf("message: is %q a language or part of the text? Quote the text: message %d \"%s %s\" for one text, or message %d \"%s\" %s for a message in %s", last, code, args[1], last, code, args[1], last, last)
	case len(args) > 3 && textQuoted:
		return d.Errf("message: too many arguments after the quoted text; a message is message %d \"<text>\" [<language>]", code)
	}
	if h.Messages == nil {
		h.Messages = map[int]string{}
	}
	if _, dup := h.Messages[code]; dup {
		return d.Errf("message: %d is given more than once", code)
	}
	h.Messages[code] = strings.Join(args[1:], " ")
	return nil
}

func (h *Handler) addLanguageMessage(d *caddyfile.Dispenser, code int, text, tag string) error {
	lang, _ := errorpages.ParseLanguage(tag)
	if _, dup := h.LanguageMessages[lang][code]; dup {
		return d.Errf("message: %d is given more than once for %s", code, lang)
	}
	if h.LanguageMessages == nil {
		h.LanguageMessages = map[string]map[int]string{}
	}
	if h.LanguageMessages[lang] == nil {
		h.LanguageMessages[lang] = map[int]string{}
	}
	h.LanguageMessages[lang][code] = text
	return nil
}

func (h *Handler) parseBrand(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.Errf("brand: takes a block, not arguments")
	}
	b := &errorpages.Brand{}
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		if seen[key] {
			return d.Errf("brand: %s is specified more than once", key)
		}
		seen[key] = true
		args := d.RemainingArgs()
		if len(args) == 0 && key == "color" {
			return d.Errf(`brand color: needs a value; a bare # starts a comment: quote it, color "#0a66c2"`)
		}
		if len(args) == 0 {
			return d.Errf("brand %s: needs a value", key)
		}
		val := strings.Join(args, " ")
		if key != "name" && len(args) != 1 {
			return d.Errf("brand %s: needs exactly one argument", key)
		}
		// Each value is checked on its own line, so an error points there.
		var one errorpages.Brand
		switch key {
		case "logo":
			one.Logo = val
		case "color":
			one.Color = val
		case "home":
			one.Home = val
		case "support":
			one.Support = val
		case "status_page":
			one.StatusPage = val
		}
		if err := one.Prepare(); err != nil {
			return d.Errf("%v", err)
		}
		switch key {
		case "name":
			b.Name = val
		case "logo":
			b.Logo = val
		case "color":
			b.Color = val
		case "home":
			b.Home = val
		case "support":
			b.Support = val
		case "status_page":
			b.StatusPage = val
		default:
			return d.Errf("brand: unknown option %q (want name, logo, color, home, support or status_page)", key)
		}
	}
	check := *b
	if err := check.Prepare(); err != nil {
		return d.Errf("%v", err)
	}
	h.Brand = b
	return nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
