package requestvalidation

import (
	"strconv"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("request_validation", parseCaddyfile)
	// After authentication (basic_auth, forward_auth) and so inside
	// error_pages, which is ordered before basic_auth; before handle,
	// route and the handlers that answer (respond, reverse_proxy,
	// php_fastcgi, file_server).
	httpcaddyfile.RegisterDirectiveOrder("request_validation", httpcaddyfile.After, "forward_auth")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var rv Handler
	err := rv.UnmarshalCaddyfile(h.Dispenser)
	return &rv, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	request_validation [<matcher>] {
//		openapi        <file>
//		json_schema    <file>
//		mode           enforce|report
//		operation      <operationId> enforce|report
//		base_path      <path>
//		unknown_path   reject|pass
//		unknown_method reject|pass
//		unknown_query  allow|reject
//		max_body       <size>
//		max_depth      <n>
//		max_problems   <n>
//		check_formats  on|off
//		read_only      reject|allow
//		body_status    400|422
//		security       on|off
//		realm          <realm>
//		max_files      <n>
//		unsupported    refuse|skip
//		responses      off|report|enforce {
//			sample   <0..1>
//			max_body <size>
//		}
//		operation_responses <operationId> off|report|enforce
//	}
//
// The document is loaded here too, so that `caddy adapt` fails on a
// broken one with its file and line.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() {
		return d.Errf("request_validation: unexpected argument %q; options go in a block", d.Val())
	}
	seen := map[string]bool{}
	for d.NextBlock(0) {
		sub := d.Val()
		if sub != "operation" && sub != "operation_responses" && seen[sub] {
			return d.Errf("request_validation: %s is specified more than once", sub)
		}
		seen[sub] = true
		args := d.RemainingArgs()
		one := func() (string, error) {
			if len(args) != 1 {
				return "", d.Errf("%s: needs exactly one argument", sub)
			}
			return args[0], nil
		}
		choice := func(allowed ...string) (string, error) {
			v, err := one()
			if err != nil {
				return "", err
			}
			for _, a := range allowed {
				if v == a {
					return v, nil
				}
			}
			return "", d.Errf("%s: %q is not one of %v", sub, v, allowed)
		}
		var err error
		switch sub {
		case "openapi":
			h.OpenAPI, err = one()
		case "json_schema":
			h.JSONSchema, err = one()
		case "mode":
			h.Mode, err = choice("enforce", "report")
		case "operation":
			if len(args) != 2 || (args[1] != "enforce" && args[1] != "report") {
				return d.Errf("operation: needs an operationId and enforce or report")
			}
			if _, dup := h.Operations[args[0]]; dup {
				return d.Errf("operation: %s is specified more than once", args[0])
			}
			if h.Operations == nil {
				h.Operations = map[string]string{}
			}
			h.Operations[args[0]] = args[1]
		case "responses":
			err = h.parseResponses(d, args)
		case "operation_responses":
			if len(args) != 2 || respModeName(args[1]) == "" {
				return d.Errf("operation_responses: needs an operationId and off, report or enforce")
			}
			rc := h.responseChecks()
			if _, dup := rc.Operations[args[0]]; dup {
				return d.Errf("operation_responses: %s is specified more than once", args[0])
			}
			if rc.Operations == nil {
				rc.Operations = map[string]string{}
			}
			rc.Operations[args[0]] = args[1]
		case "base_path":
			h.BasePath, err = one()
		case "unknown_path":
			h.UnknownPath, err = choice("reject", "pass")
		case "unknown_method":
			h.UnknownMethod, err = choice("reject", "pass")
		case "unknown_query":
			h.UnknownQuery, err = choice("allow", "reject")
		case "read_only":
			h.ReadOnly, err = choice("reject", "allow")
		case "security":
			h.Security, err = choice("on", "off")
		case "unsupported":
			h.Unsupported, err = choice("refuse", "skip")
		case "realm":
			h.Realm, err = one()
		case "check_formats":
			var v string
			if v, err = choice("on", "off"); err == nil {
				b := v == "on"
				h.CheckFormats = &b
			}
		case "max_body":
			var v string
			if v, err = one(); err == nil {
				n, perr := humanize.ParseBytes(v)
				if perr != nil || n == 0 || n > 1<<40 {
					return d.Errf("max_body: %q is not a size like 64KiB or 1MB", v)
				}
				h.MaxBody = int64(n)
			}
		case "max_depth", "max_problems", "body_status", "max_files":
			var v string
			if v, err = one(); err == nil {
				n, perr := strconv.Atoi(v)
				if perr != nil || n <= 0 {
					return d.Errf("%s: %q is not a positive number", sub, v)
				}
				switch sub {
				case "max_depth":
					h.MaxDepth = n
				case "max_problems":
					h.MaxProblems = n
				case "max_files":
					h.MaxFiles = n
				case "body_status":
					if n != 400 && n != 422 {
						return d.Errf("body_status: must be 400 or 422")
					}
					h.BodyStatus = n
				}
			}
		default:
			return d.Errf("request_validation: unknown subdirective %q", sub)
		}
		if err != nil {
			return err
		}
		if d.NextBlock(1) {
			return d.Errf("%s: takes no block", sub)
		}
	}
	// Check the whole configuration and the document now: `caddy adapt`
	// does not provision modules.
	check := *h
	if err := check.setDefaults(); err != nil {
		return d.Err(err.Error())
	}
	doc, err := check.check()
	if err != nil {
		return d.Err(err.Error())
	}
	if err := check.use(doc); err != nil {
		return d.Err(err.Error())
	}
	return nil
}

// responseChecks returns h.Responses, made on first use.
func (h *Handler) responseChecks() *ResponseChecks {
	if h.Responses == nil {
		h.Responses = &ResponseChecks{}
	}
	return h.Responses
}

func respModeName(s string) string {
	switch s {
	case "off", "report", "enforce":
		return s
	}
	return ""
}

// parseResponses reads `responses off|report|enforce { sample <0..1>
// max_body <size> }`.
func (h *Handler) parseResponses(d *caddyfile.Dispenser, args []string) error {
	if len(args) != 1 || respModeName(args[0]) == "" {
		return d.Errf("responses: needs off, report or enforce")
	}
	rc := h.responseChecks()
	rc.Mode = args[0]
	seen := map[string]bool{}
	for d.NextBlock(1) {
		sub := d.Val()
		if seen[sub] {
			return d.Errf("responses: %s is specified more than once", sub)
		}
		seen[sub] = true
		if !d.NextArg() {
			return d.Errf("responses %s: needs one argument", sub)
		}
		v := d.Val()
		if d.NextArg() {
			return d.Errf("responses %s: needs exactly one argument", sub)
		}
		switch sub {
		case "sample":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				return d.Errf("responses sample: %q is not a fraction between 0 and 1", v)
			}
			rc.Sample = &f
		case "max_body":
			n, err := humanize.ParseBytes(v)
			if err != nil || n == 0 || n > 1<<30 {
				return d.Errf("responses max_body: %q is not a size like 64KiB or 1MB (at most 1GiB)", v)
			}
			rc.MaxBody = int64(n)
		default:
			return d.Errf("responses: unknown subdirective %q (sample, max_body)", sub)
		}
	}
	return nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
