package validation

// Checking the parameters of a request: each declared parameter read
// (params_style.go), coerced (params_coerce.go) and checked against its
// schema, unknown query parameters refused when asked; and the names
// problems are reported under.

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Request is the part of an HTTP request that is validated.
type Request struct {
	// Method is the request method.
	Method string
	// RawQuery is the URL's query string, without '?'.
	RawQuery string
	// Header holds the request headers (Cookie included).
	Header http.Header
	// ContentType is the Content-Type header, "" when absent.
	ContentType string
	// Body is the request body, read completely; nil when there is none.
	Body []byte
	// HasBody reports whether the request carries a body (possibly
	// empty: Content-Length: 0 is no body).
	HasBody bool
	// ClientCertificate reports that the client presented a TLS
	// certificate (a mutualTLS security scheme).
	ClientCertificate bool
}

// checkParams validates every parameter; problems are appended.
func (op *Operation) checkParams(m *Match, req *Request, c *collector) {
	var query []queryPair
	queryRefused := false
	if req.RawQuery != "" {
		if strings.Count(req.RawQuery, "&")+1 > MaxFields {
			c.add(tooManyFields("/query"), "")
			queryRefused = true // its parameters are not looked at
		} else {
			query = parseQuery(req.RawQuery, &c.fields)
		}
	}
	var cookies []queryPair
	cookiesParsed := false
	for _, p := range op.params {
		if p.quickValid(req.Header) {
			continue
		}
		var v any
		var present bool
		before := len(c.fields)
		switch p.in {
		case inPath:
			v, present = op.pathValue(p, m, c)
		case inQuery:
			if queryRefused {
				continue
			}
			v, present = p.queryValue(query, c)
		case inHeader:
			v, present = p.headerValue(req.Header, c)
		case inCookie:
			if !cookiesParsed {
				cookies = parseCookies(req.Header)
				cookiesParsed = true
			}
			v, present = p.cookieValue(cookies, c)
		}
		if !present {
			if p.required {
				c.add(errorpages.Field{Pointer: p.ptr, Code: "required", Message: "is required"}, p.fieldBase())
			}
			continue
		}
		if len(c.fields) > before {
			continue // the value could not be read; that is reported
		}
		if p.schema != nil && (p.fast == nil || !p.fast.valid(v)) {
			if err := p.engineSchema().Validate(v); err != nil {
				c.schemaErrors(err, v, p.ptr, p.fieldBase(), p.style == "deepObject")
			}
		}
	}
	if op.opts.RejectUnknownQuery && !op.openQuery {
		for _, q := range query {
			name := q.key
			if i := strings.IndexByte(name, '['); i > 0 {
				name = name[:i]
			}
			if !op.declared[name] {
				f := errorpages.Field{Pointer: "/query/" + escapeToken(q.key), Code: "unknown_parameter", Message: "is not a parameter of this operation"}
				if s := closest(q.key, declaredList(op.declared)); s != "" {
					f.Hint = "did you mean `" + s + "`?"
					f.Args = map[string]string{"suggest": s}
				}
				c.add(f, q.key)
			}
		}
	}
}

func declaredList(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (p *param) fieldBase() string { return p.name }

// quickValid reports whether a header or cookie parameter of a scalar
// type is present once and valid by the fast validator, read without
// allocating; false sends it down the general path, which finds the
// same value (or the problem) and reports.
func (p *param) quickValid(h http.Header) bool {
	if p.fast == nil || p.contentJSON || p.types.shape() != 0 {
		return false
	}
	var s string
	switch p.in {
	case inHeader:
		vs := h[p.hkey] // h.Values(p.name), its key made once
		if len(vs) != 1 {
			return false
		}
		s = strings.TrimSpace(vs[0])
	case inCookie:
		n := 0
		for _, line := range h["Cookie"] {
			for rest := line; rest != ""; {
				var part string
				part, rest, _ = strings.Cut(rest, ";")
				k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
				if strings.TrimSpace(k) == p.name {
					s = strings.Trim(v, `"`)
					n++
				}
			}
		}
		if n != 1 || strings.ContainsAny(s, "%+") {
			return false // absent, repeated or escaped: the general path
		}
	default:
		return false
	}
	j := coerceJ(s, p.types)
	return p.fast.validJ(&j)
}

// engineSchema is the schema the engine explains a parameter with: past
// the $refs that only lead to another schema (the fast validator points
// them at the end of their chain), so that explaining a parameter does
// not walk a chain of 10,000 references.
func (p *param) engineSchema() *jsonschema.Schema {
	n := p.fast
	if n == nil {
		return p.schema
	}
	for i := 0; n.isBareRef() && i < 32; i++ {
		n = n.ref
	}
	return n.src
}

// JSON Pointer tokens: items[0].qty, filter[color] (bracketed objects
// for deepObject), metadata["a b"].
func fieldName(base string, tokens []string, brackets bool) string {
	var b strings.Builder
	b.WriteString(base)
	for _, t := range tokens {
		switch {
		case isIndex(t):
			b.WriteString("[")
			b.WriteString(t)
			b.WriteString("]")
		case brackets:
			b.WriteString("[")
			b.WriteString(t)
			b.WriteString("]")
		case isIdent(t):
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(t)
		default:
			b.WriteString("[")
			b.WriteString(strconv.Quote(t))
			b.WriteString("]")
		}
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
