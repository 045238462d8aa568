package validation

// Styles: how a parameter's text is read from the request, by where it is
// (path, query, header, cookie) and its style. Each returns the value
// already coerced (params_coerce.go) and whether the parameter was present
// at all; a value that cannot be read is reported on the collector.

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// queryPair is one decoded query parameter.
type queryPair struct{ key, value string }

// parseQuery decodes a query string into pairs, in order. A pair that is
// not validly encoded is reported and skipped.
func parseQuery(raw string, problems *[]errorpages.Field) []queryPair {
	if raw == "" {
		return nil
	}
	pairs := make([]queryPair, 0, 4)
	bad := false
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		dk, err1 := unescapeQuery(k)
		dv, err2 := unescapeQuery(v)
		if err1 || err2 {
			if !bad {
				bad = true
				*problems = append(*problems, errorpages.Field{Pointer: "/query", Code: "invalid_encoding", Message: "is not validly percent-encoded UTF-8"})
			}
			continue
		}
		pairs = append(pairs, queryPair{dk, dv})
	}
	return pairs
}

// unescapeQuery decodes one key or value of a query or urlencoded form
// (%XX and +); true when it is not validly percent-encoded UTF-8.
func unescapeQuery(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		if !utf8.ValidString(s) {
			return "", true
		}
		return s, false
	}
	u, err := url.QueryUnescape(s)
	if err != nil || !utf8.ValidString(u) {
		return "", true
	}
	return u, false
}

// splitDecode splits a path parameter's text on sep and decodes each
// part; false when a part is not validly percent-encoded UTF-8.
func splitDecode(s, sep string) ([]string, bool) {
	parts := strings.Split(s, sep)
	for i, x := range parts {
		u, err := url.PathUnescape(x)
		if err != nil || !utf8.ValidString(u) {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

// pathValue reads path parameter p from the matched path m, by its style
// (simple, label or matrix); false when the template has no such
// variable in the part of the path that matched.
func (op *Operation) pathValue(p *param, m *Match, c *collector) (any, bool) {
	raw, found := op.pathRaw(p.name, m)
	if !found {
		return nil, false
	}
	if p.contentJSON {
		u, err := url.PathUnescape(raw)
		if err != nil {
			return p.badEncoding(c)
		}
		return p.parseContent(u, c)
	}
	switch p.style {
	case "label":
		return p.labelValue(raw, c)
	case "matrix":
		return p.matrixValue(raw, c)
	default:
		return p.simpleValue(raw, c)
	}
}

// pathRaw is the still-escaped text of the path variable name: a whole
// segment ({id}), or its part of a mixed segment (report.{format}), which
// is matched unescaped and escaped again so that every style decodes its
// own text the same way.
func (op *Operation) pathRaw(name string, m *Match) (string, bool) {
	raw := ""
	found := false
	for i, sg := range op.pathTmpl {
		if i >= m.nseg {
			break
		}
		if sg.isVar() && sg.vars[0] == name {
			raw, found = m.segs[i], true
			break
		}
		if len(sg.parts) > 0 {
			seg, err := url.PathUnescape(m.segs[i])
			if err != nil {
				break
			}
			var buf [4]string
			vals, ok := sg.matchMixed(seg, buf[:0])
			if !ok {
				break
			}
			for j, v := range sg.vars {
				if v == name && j < len(vals) {
					raw, found = url.PathEscape(vals[j]), true
				}
			}
		}
	}
	return raw, found
}

// badEncoding reports that p's text is not validly percent-encoded UTF-8;
// the parameter was present.
func (p *param) badEncoding(c *collector) (any, bool) {
	c.add(errorpages.Field{Pointer: p.ptr, Code: "invalid_encoding", Message: "is not validly percent-encoded UTF-8"}, p.fieldBase())
	return nil, true
}

// styleProblem reports that p's text is not written in its style; the
// parameter was present.
func (p *param) styleProblem(msg string, c *collector) (any, bool) {
	c.add(errorpages.Field{Pointer: p.ptr, Code: "style", Message: msg}, p.fieldBase())
	return nil, true
}

// simpleValue reads a path parameter in simple style: 5, 3,4,5, or an
// object as R,100,G,200 (explode: R=100,G=200).
func (p *param) simpleValue(raw string, c *collector) (any, bool) {
	if p.types.shape() == 0 {
		u, err := url.PathUnescape(raw)
		if err != nil || !utf8.ValidString(u) {
			return p.badEncoding(c)
		}
		return coerce(u, p.types), true
	}
	parts, ok := splitDecode(raw, ",")
	if !ok {
		return p.badEncoding(c)
	}
	v, _ := p.fromParts(parts, p.explode, c)
	return v, true
}

// labelValue reads a path parameter in label style: .5, .3,4,5 (explode:
// .3.4.5), an object as .R,100,G,200 (explode: .R=100.G=200).
func (p *param) labelValue(raw string, c *collector) (any, bool) {
	if !strings.HasPrefix(raw, ".") {
		return p.styleProblem("must start with '.' (label style)", c)
	}
	raw = raw[1:]
	shape := p.types.shape()
	sep := ","
	if p.explode && shape != 0 {
		sep = "."
	}
	parts, ok := splitDecode(raw, sep)
	if !ok {
		return p.badEncoding(c)
	}
	if shape == 0 {
		return coerce(strings.Join(parts, sep), p.types), true
	}
	v, _ := p.fromParts(parts, p.explode, c)
	return v, true
}

// matrixValue reads a path parameter in matrix style: ;id=5,
// ;id=3,4,5 (explode: ;id=3;id=4;id=5), an object as ;color=R,100,G,200
// (explode: ;R=100;G=200). Every item but an exploded object's must be
// named for the parameter, and a primitive is given once.
func (p *param) matrixValue(raw string, c *collector) (any, bool) {
	if !strings.HasPrefix(raw, ";") {
		return p.styleProblem("must start with ';' (matrix style)", c)
	}
	shape := p.types.shape()
	items := strings.Split(raw[1:], ";")
	if p.explode && shape == tObject {
		parts := make([]string, 0, len(items))
		for _, it := range items {
			u, err := url.PathUnescape(it)
			if err != nil {
				return p.badEncoding(c)
			}
			parts = append(parts, u)
		}
		v, _ := p.coerceKV(parts, c)
		return v, true
	}
	var vals []string
	for _, it := range items {
		k, v, _ := strings.Cut(it, "=")
		if k != p.name {
			return p.styleProblem("must be written ;"+p.name+"=… (matrix style)", c)
		}
		if p.explode && shape == tArray {
			u, err := url.PathUnescape(v)
			if err != nil {
				return p.badEncoding(c)
			}
			vals = append(vals, u)
		} else {
			parts, ok := splitDecode(v, ",")
			if !ok {
				return p.badEncoding(c)
			}
			vals = append(vals, parts...)
		}
	}
	if shape == 0 {
		if len(vals) != 1 {
			return p.styleProblem("must be written ;"+p.name+"=… once (matrix style)", c)
		}
		return coerce(vals[0], p.types), true
	}
	v, _ := p.fromParts(vals, false, c)
	return v, true
}

// queryValue reads query parameter p from the decoded pairs q, by its
// style: deepObject (name[key]=v) and an exploded form object (its
// properties as parameters of their own) gather several pairs; the
// others read the pairs named for p: repeated for an exploded array,
// once otherwise, split on the style's separator for an array or object.
func (p *param) queryValue(q []queryPair, c *collector) (any, bool) {
	shape := p.types.shape()
	if p.style == "deepObject" {
		return p.deepObjectValue(q, c)
	}
	if p.style == "form" && p.explode && shape == tObject {
		return p.formObjectValue(q)
	}
	var vals []string
	for _, kv := range q {
		if kv.key == p.name {
			vals = append(vals, kv.value)
		}
	}
	if len(vals) == 0 {
		return nil, false
	}
	if p.contentJSON {
		if len(vals) > 1 {
			return p.duplicate(c)
		}
		return p.parseContent(vals[0], c)
	}
	if shape == tArray && p.explode {
		return p.coerceArray(vals), true
	}
	if len(vals) > 1 {
		return p.duplicate(c)
	}
	if shape == 0 {
		return coerce(vals[0], p.types), true
	}
	sep := ","
	switch p.style {
	case "spaceDelimited":
		sep = " "
	case "pipeDelimited":
		sep = "|"
	}
	v, _ := p.fromParts(strings.Split(vals[0], sep), false, c)
	return v, true
}

// deepObjectValue builds a deepObject parameter from its name[…] pairs
// (brackets.go); a plain name=v gives it a scalar value (Stripe:
// created=N beside created[gte]=N).
func (p *param) deepObjectValue(q []queryPair, c *collector) (any, bool) {
	b := brackets{c: c}
	var v any
	for _, kv := range q {
		if kv.key == p.name {
			v = b.set(v, nil, kv.value, p.types, p.ptr, p.name)
			continue
		}
		if !strings.HasPrefix(kv.key, p.name+"[") {
			continue
		}
		if base, toks, ok := bracketPath(kv.key); ok && base == p.name {
			v = b.set(v, toks, kv.value, p.types, p.ptr, p.name)
		}
	}
	if v == nil {
		return nil, false
	}
	return bracketValue(v), true
}

// formObjectValue builds an exploded form object from the pairs named for
// its properties (all pairs when other properties are allowed); absent
// when none is there.
func (p *param) formObjectValue(q []queryPair) (any, bool) {
	var o map[string]any
	for _, kv := range q {
		t, declared := p.types.props[kv.key]
		if !declared && !p.openProps {
			continue
		}
		if !declared {
			t = p.types.additional
		}
		if o == nil {
			o = map[string]any{}
		}
		o[kv.key] = coerce(kv.value, t)
	}
	if o == nil {
		return nil, false
	}
	return o, true
}

// duplicate reports that p, which takes one value, was given more than
// once; the parameter was present.
func (p *param) duplicate(c *collector) (any, bool) {
	c.add(errorpages.Field{Pointer: p.ptr, Code: "duplicate", Message: "is given more than once"}, p.fieldBase())
	return nil, true
}

// headerValue reads header parameter p (simple style): its values joined
// with commas, split again for an array or object.
func (p *param) headerValue(h http.Header, c *collector) (any, bool) {
	vs := h.Values(p.name)
	if len(vs) == 0 {
		return nil, false
	}
	s := strings.TrimSpace(strings.Join(vs, ","))
	if p.contentJSON {
		return p.parseContent(s, c)
	}
	if p.types.shape() == 0 {
		return coerce(s, p.types), true
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return p.fromParts(parts, p.explode, c)
}

// parseCookies reads the Cookie header(s) leniently: name=value pairs
// separated by ';'.
func parseCookies(h http.Header) []queryPair {
	var out []queryPair
	for _, line := range h.Values("Cookie") {
		for _, part := range strings.Split(line, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			v = strings.Trim(v, `"`)
			out = append(out, queryPair{strings.TrimSpace(k), v})
		}
	}
	return out
}

// cookieValue reads cookie parameter p (form style) from the parsed
// cookies: repeated for an exploded array, once otherwise.
func (p *param) cookieValue(cs []queryPair, c *collector) (any, bool) {
	var vals []string
	for _, kv := range cs {
		if kv.key == p.name {
			u, err := url.QueryUnescape(kv.value)
			if err != nil {
				u = kv.value
			}
			vals = append(vals, u)
		}
	}
	if len(vals) == 0 {
		return nil, false
	}
	if p.contentJSON {
		return p.parseContent(vals[0], c)
	}
	shape := p.types.shape()
	if shape == tArray && p.explode {
		return p.coerceArray(vals), true
	}
	if len(vals) > 1 {
		return p.duplicate(c)
	}
	if shape == 0 {
		return coerce(vals[0], p.types), true
	}
	return p.fromParts(strings.Split(vals[0], ","), false, c)
}

// fieldName builds the name a user recognizes from a base name and
