package validation

import (
	"encoding/json"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

type paramIn int

const (
	inPath paramIn = iota
	inQuery
	inHeader
	inCookie
)

var inNames = [...]string{"path", "query", "header", "cookie"}

func (in paramIn) String() string { return inNames[in] }

// param is one compiled parameter.
type param struct {
	name     string
	hkey     string // name as http.Header keys it (header parameters)
	in       paramIn
	required bool
	style    string
	explode  bool
	// contentJSON: the parameter uses content application/json instead
	// of a schema and style.
	contentJSON bool
	schema      *jsonschema.Schema
	fast        *fnode
	types       *typeInfo
	props       []string // object parameters: declared property names
	openProps   bool     // object parameters: other properties allowed
	where       loc
	ptr         string // "/query/limit"
}

// typeInfo is what coercion needs to know of a schema: the JSON types it
// accepts, and those of its items and properties.
type typeInfo struct {
	types      uint8
	items      *typeInfo
	props      map[string]*typeInfo
	additional *typeInfo
	// isBinary: a string holding file content (format binary, or
	// contentMediaType / contentEncoding in 3.1).
	isBinary bool
	// minLength and maxLength of the string (file sizes); maxLength -1
	// when unbounded.
	minLength, maxLength int
}

const (
	tString uint8 = 1 << iota
	tInteger
	tNumber
	tBoolean
	tArray
	tObject
	tNull
)

var typeBits = map[string]uint8{"string": tString, "integer": tInteger, "number": tNumber, "boolean": tBoolean, "array": tArray, "object": tObject, "null": tNull}

func (t *typeInfo) is(bit uint8) bool { return t != nil && t.types&bit != 0 }

// shape is how a parameter is serialized: a primitive, an array or an
// object.
func (t *typeInfo) shape() uint8 {
	switch {
	case t.is(tArray) && !t.is(tObject):
		return tArray
	case t.is(tObject) && !t.is(tArray):
		return tObject
	}
	return 0
}

// typeInfo reads the types of the schema at l, through $ref, allOf,
// anyOf and oneOf.
func (ss *schemaSet) typeInfo(l loc, depth int) *typeInfo {
	t := &typeInfo{maxLength: -1}
	if depth > 16 {
		return t
	}
	l = ss.pastRefs(l)
	m, ok := l.value().(map[string]any)
	if !ok {
		return t
	}
	switch ty := m["type"].(type) {
	case string:
		t.types |= typeBits[ty]
	case []any:
		for _, x := range ty {
			if s, ok := x.(string); ok {
				t.types |= typeBits[s]
			}
		}
	}
	if f, _ := m["format"].(string); f == "binary" {
		t.isBinary = true
	}
	if _, ok := m["contentMediaType"]; ok {
		t.isBinary = true
	}
	if _, ok := m["contentEncoding"]; ok {
		t.isBinary = true
	}
	if n, ok := intValue(m["maxLength"]); ok {
		t.maxLength = n
	}
	if n, ok := intValue(m["minLength"]); ok {
		t.minLength = n
	}
	if t.types == 0 {
		if _, ok := m["properties"]; ok {
			t.types |= tObject
		}
		if _, ok := m["items"]; ok {
			t.types |= tArray
		}
	}
	merge := func(o *typeInfo) {
		t.types |= o.types
		t.isBinary = t.isBinary || o.isBinary
		if t.maxLength < 0 {
			t.maxLength = o.maxLength
		}
		if t.minLength == 0 {
			t.minLength = o.minLength
		}
		if t.items == nil {
			t.items = o.items
		}
		if t.additional == nil {
			t.additional = o.additional
		}
		for k, v := range o.props {
			if t.props == nil {
				t.props = map[string]*typeInfo{}
			}
			if _, ok := t.props[k]; !ok {
				t.props[k] = v
			}
		}
	}
	if ref, ok := m["$ref"].(string); ok && isLocalSchemaRef(ref) {
		if target, err := ss.ds.resolveRef(l, ref); err == nil {
			merge(ss.typeInfo(target, depth+1))
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := m[k].([]any); ok {
			for i := range list {
				merge(ss.typeInfo(l.child(k, itoa(i)), depth+1))
			}
		}
	}
	if _, ok := m["items"].(map[string]any); ok {
		t.items = ss.typeInfo(l.child("items"), depth+1)
	}
	if props, ok := m["properties"].(map[string]any); ok {
		if t.props == nil {
			t.props = map[string]*typeInfo{}
		}
		for k := range props {
			t.props[k] = ss.typeInfo(l.child("properties", k), depth+1)
		}
	}
	switch ap := m["additionalProperties"].(type) {
	case map[string]any:
		t.additional = ss.typeInfo(l.child("additionalProperties"), depth+1)
	case bool:
		if ap {
			t.additional = &typeInfo{}
		}
	case nil:
		if t.is(tObject) {
			t.additional = &typeInfo{}
		}
	}
	return t
}

// params builds the parameters at l (a list), merged over common ones
// (path-level parameters that the operation may override).
func (b *builder) params(l loc, v any, common []*param) ([]*param, error) {
	out := append([]*param(nil), common...)
	if v == nil {
		return out, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, l.errf("parameters must be a list")
	}
	seen := map[string]bool{}
	for i := range list {
		pl, pm, err := b.ds.deref(l.child(itoa(i)))
		if err != nil {
			return nil, err
		}
		name, _ := pm["name"].(string)
		inStr, _ := pm["in"].(string)
		if name == "" {
			return nil, pl.errf("a parameter needs a name")
		}
		in := -1
		for j, n := range inNames {
			if n == inStr {
				in = j
			}
		}
		if in < 0 {
			return nil, pl.child("in").errf("in must be path, query, header or cookie")
		}
		key := inStr + "\x00" + name
		if paramIn(in) == inHeader {
			key = inStr + "\x00" + http.CanonicalHeaderKey(name)
		}
		if seen[key] {
			return nil, pl.errf("parameter %q in %s is declared twice", name, inStr)
		}
		seen[key] = true
		if paramIn(in) == inHeader {
			switch http.CanonicalHeaderKey(name) {
			case "Accept", "Content-Type", "Authorization":
				continue // ignored, as OpenAPI specifies
			}
		}
		p, err := b.param(pl, pm, name, paramIn(in))
		if err != nil {
			return nil, err
		}
		// An operation's parameter replaces a path-level one.
		replaced := false
		for j, c := range out {
			if c.in == p.in && (c.name == p.name || (p.in == inHeader && strings.EqualFold(c.name, p.name))) {
				out[j] = p
				replaced = true
			}
		}
		if !replaced {
			out = append(out, p)
		}
	}
	return out, nil
}

var defaultStyle = [...]string{"simple", "form", "simple", "form"}

var allowedStyles = [...][]string{
	inPath:   {"simple", "label", "matrix"},
	inQuery:  {"form", "spaceDelimited", "pipeDelimited", "deepObject"},
	inHeader: {"simple"},
	inCookie: {"form"},
}

func (b *builder) param(pl loc, pm map[string]any, name string, in paramIn) (*param, error) {
	p := &param{name: name, hkey: textproto.CanonicalMIMEHeaderKey(name), in: in, where: pl, ptr: "/" + in.String() + "/" + escapeToken(name)}
	p.required, _ = pm["required"].(bool)
	if in == inPath && !p.required {
		return nil, pl.child("required").errf("path parameter %q must have required: true", name)
	}
	p.style = defaultStyle[in]
	if s, ok := pm["style"].(string); ok {
		if !containsString(allowedStyles[in], s) {
			return nil, pl.child("style").errf("style %q is not allowed for a %s parameter (allowed: %s)", s, in, strings.Join(allowedStyles[in], ", "))
		}
		p.style = s
	}
	p.explode = p.style == "form"
	if x, ok := pm["explode"].(bool); ok {
		p.explode = x
	}
	_, hasSchema := pm["schema"]
	content, hasContent := pm["content"].(map[string]any)
	switch {
	case hasSchema && hasContent:
		return nil, pl.errf("a parameter has schema or content, not both")
	case hasSchema:
		sl := pl.child("schema")
		if err := b.ss.add(sl, &p.schema); err != nil {
			return nil, err
		}
		p.types = b.ss.typeInfo(sl, 0)
	case hasContent:
		if len(content) != 1 {
			return nil, pl.child("content").errf("a parameter's content must have exactly one media type")
		}
		for mt := range content {
			cl := pl.child("content", mt)
			r, err := parseRange(mt)
			if err != nil {
				return nil, cl.errf("%v", err)
			}
			p.contentJSON = r.kind == bodyJSON
			if cm, ok := content[mt].(map[string]any); ok {
				if _, ok := cm["schema"]; ok && p.contentJSON {
					if err := b.ss.add(cl.child("schema"), &p.schema); err != nil {
						return nil, err
					}
				}
			}
		}
	default:
		return nil, pl.errf("a parameter needs a schema or a content")
	}
	if (p.style == "spaceDelimited" || p.style == "pipeDelimited") && p.types.shape() == 0 {
		return nil, pl.child("style").errf("%s applies to array or object parameters", p.style)
	}
	if p.types.shape() == tObject {
		for k := range p.types.props {
			p.props = append(p.props, k)
		}
		p.openProps = p.types.additional != nil
	}
	return p, nil
}

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

// coerceJ is coerce giving the fast validator's value (the same value,
// without boxing it).
func coerceJ(s string, t *typeInfo) jv {
	str := jv{k: jString, s: s}
	if t == nil || t.types == 0 || t.types == tString {
		return str
	}
	if (t.is(tInteger) || t.is(tNumber)) && isJSONNumberText(s) {
		return jv{k: jNumber, s: s}
	}
	if t.is(tBoolean) {
		switch s {
		case "true":
			return jv{k: jTrue}
		case "false":
			return jv{k: jFalse}
		}
	}
	if t.is(tNull) && s == "null" && !t.is(tString) {
		return jv{k: jNull}
	}
	return str
}

// coerce turns a parameter's text into the JSON value its schema
// expects: numbers, booleans; text that does not convert stays a string
// so that the schema reports the type.
func coerce(s string, t *typeInfo) any {
	if t == nil || t.types == 0 || t.types == tString {
		return s
	}
	if t.is(tInteger) || t.is(tNumber) {
		if isJSONNumberText(s) {
			return json.Number(s)
		}
	}
	if t.is(tBoolean) {
		switch s {
		case "true":
			return true
		case "false":
			return false
		}
	}
	if t.is(tNull) && s == "null" && !t.is(tString) {
		return nil
	}
	return s
}

// isJSONNumberText reports whether s is a JSON number.
func isJSONNumberText(s string) bool {
	if s == "" {
		return false
	}
	p := jsonParser{b: []byte(s)}
	_, err := p.number()
	return err == nil && p.i == len(s)
}

func (p *param) coerceArray(parts []string) any {
	var it *typeInfo
	if p.types != nil {
		it = p.types.items
	}
	a := make([]any, len(parts))
	for i, s := range parts {
		a[i] = coerce(s, it)
	}
	return a
}

func (p *param) propType(k string) *typeInfo {
	if p.types == nil {
		return nil
	}
	if t, ok := p.types.props[k]; ok {
		return t
	}
	return p.types.additional
}

// coercePairs builds an object from "k,v,k,v" parts.
func (p *param) coercePairs(parts []string, c *collector) (any, bool) {
	if len(parts)%2 != 0 {
		c.add(errorpages.Field{Pointer: p.ptr, Code: "style", Message: "must be a list of name,value pairs"}, p.fieldBase())
		return nil, false
	}
	o := make(map[string]any, len(parts)/2)
	for i := 0; i < len(parts); i += 2 {
		o[parts[i]] = coerce(parts[i+1], p.propType(parts[i]))
	}
	return o, true
}

// coerceKV builds an object from "k=v" parts.
func (p *param) coerceKV(parts []string, c *collector) (any, bool) {
	o := make(map[string]any, len(parts))
	for _, kv := range parts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			c.add(errorpages.Field{Pointer: p.ptr, Code: "style", Message: "must be a list of name=value pairs"}, p.fieldBase())
			return nil, false
		}
		o[k] = coerce(v, p.propType(k))
	}
	return o, true
}

// fromParts builds the value from already split, decoded parts, for
// styles whose object form is pairs (explode false) or k=v (explode true).
func (p *param) fromParts(parts []string, explode bool, c *collector) (any, bool) {
	switch p.types.shape() {
	case tArray:
		return p.coerceArray(parts), true
	case tObject:
		if explode {
			return p.coerceKV(parts, c)
		}
		return p.coercePairs(parts, c)
	}
	return coerce(strings.Join(parts, ","), p.types), true
}

func (p *param) parseContent(s string, c *collector) (any, bool) {
	if !p.contentJSON {
		return s, true
	}
	j, jerr := parseJSON([]byte(s), op0MaxDepth)
	if jerr != nil {
		ptr := p.ptr
		if jerr.ptr != "" {
			ptr += jerr.ptr
		}
		c.add(errorpages.Field{Pointer: ptr, Code: jerr.code, Message: "is not valid JSON: " + jerr.msg}, p.fieldBase())
		return nil, true
	}
	return toEngine(&j), true
}

const op0MaxDepth = DefaultMaxDepth

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

func (op *Operation) pathValue(p *param, m *Match, c *collector) (any, bool) {
	raw := ""
	found := false
	for i, sg := range op.pathTmpl {
		if i >= m.nseg {
			break
		}
		if sg.isVar() && sg.vars[0] == p.name {
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
			for j, name := range sg.vars {
				if name == p.name && j < len(vals) {
					raw, found = url.PathEscape(vals[j]), true
				}
			}
		}
	}
	if !found {
		return nil, false
	}
	bad := func() (any, bool) {
		c.add(errorpages.Field{Pointer: p.ptr, Code: "invalid_encoding", Message: "is not validly percent-encoded UTF-8"}, p.fieldBase())
		return nil, true
	}
	styleErr := func(msg string) (any, bool) {
		c.add(errorpages.Field{Pointer: p.ptr, Code: "style", Message: msg}, p.fieldBase())
		return nil, true
	}
	if p.contentJSON {
		u, err := url.PathUnescape(raw)
		if err != nil {
			return bad()
		}
		return p.parseContent(u, c)
	}
	shape := p.types.shape()
	switch p.style {
	case "label":
		if !strings.HasPrefix(raw, ".") {
			return styleErr("must start with '.' (label style)")
		}
		raw = raw[1:]
		sep := ","
		if p.explode && shape != 0 {
			sep = "."
		}
		parts, ok := splitDecode(raw, sep)
		if !ok {
			return bad()
		}
		if shape == 0 {
			return coerce(strings.Join(parts, sep), p.types), true
		}
		v, _ := p.fromParts(parts, p.explode, c)
		return v, true
	case "matrix":
		if !strings.HasPrefix(raw, ";") {
			return styleErr("must start with ';' (matrix style)")
		}
		items := strings.Split(raw[1:], ";")
		if p.explode && shape == tObject {
			parts := make([]string, 0, len(items))
			for _, it := range items {
				u, err := url.PathUnescape(it)
				if err != nil {
					return bad()
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
				return styleErr("must be written ;" + p.name + "=… (matrix style)")
			}
			if p.explode && shape == tArray {
				u, err := url.PathUnescape(v)
				if err != nil {
					return bad()
				}
				vals = append(vals, u)
			} else {
				parts, ok := splitDecode(v, ",")
				if !ok {
					return bad()
				}
				vals = append(vals, parts...)
			}
		}
		if shape == 0 {
			if len(vals) != 1 {
				return styleErr("must be written ;" + p.name + "=… once (matrix style)")
			}
			return coerce(vals[0], p.types), true
		}
		v, _ := p.fromParts(vals, false, c)
		return v, true
	default: // simple
		if shape == 0 {
			u, err := url.PathUnescape(raw)
			if err != nil || !utf8.ValidString(u) {
				return bad()
			}
			return coerce(u, p.types), true
		}
		parts, ok := splitDecode(raw, ",")
		if !ok {
			return bad()
		}
		v, _ := p.fromParts(parts, p.explode, c)
		return v, true
	}
}

func (p *param) queryValue(q []queryPair, c *collector) (any, bool) {
	shape := p.types.shape()
	if p.style == "deepObject" {
		// name[…] builds the value (brackets.go); a plain name=v gives it
		// a scalar value (Stripe: created=N beside created[gte]=N).
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
	if p.style == "form" && p.explode && shape == tObject {
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
			c.add(errorpages.Field{Pointer: p.ptr, Code: "duplicate", Message: "is given more than once"}, p.fieldBase())
			return nil, true
		}
		return p.parseContent(vals[0], c)
	}
	if shape == tArray && p.explode {
		return p.coerceArray(vals), true
	}
	if len(vals) > 1 {
		c.add(errorpages.Field{Pointer: p.ptr, Code: "duplicate", Message: "is given more than once"}, p.fieldBase())
		return nil, true
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
		c.add(errorpages.Field{Pointer: p.ptr, Code: "duplicate", Message: "is given more than once"}, p.fieldBase())
		return nil, true
	}
	if shape == 0 {
		return coerce(vals[0], p.types), true
	}
	return p.fromParts(strings.Split(vals[0], ","), false, c)
}

// fieldName builds the name a user recognizes from a base name and
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

func intValue(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(string(n))
	return i, err == nil
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

// pastRefs follows a chain of schemas that are only a $ref to where it
// ends, without the depth bound of typeInfo's recursion: a parameter
// reached through 2,000 $refs is coerced as its schema says. (A chain
// that loops is refused once the document is compiled; here it stops
// where it comes back.)
func (ss *schemaSet) pastRefs(l loc) loc {
	var seen map[string]bool
	for i := 0; i < 1<<20; i++ {
		if i >= 16 { // a long chain: watch for a loop
			if seen == nil {
				seen = map[string]bool{}
			}
			u := l.url()
			if seen[u] {
				return l
			}
			seen[u] = true
		}
		m, ok := l.value().(map[string]any)
		if !ok || len(m) != 1 {
			return l
		}
		ref, ok := m["$ref"].(string)
		if !ok || !isLocalSchemaRef(ref) {
			return l
		}
		target, err := ss.ds.resolveRef(l, ref)
		if err != nil {
			return l
		}
		l = target
	}
	return l
}
