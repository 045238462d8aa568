package validation

// Parameters, compiled: what the document declares for each parameter of
// an operation (where it is, its style, its schema and the types coercion
// needs). At request time a parameter goes through three steps, one file
// each:
//
//	params_style.go   read its text from the request, by location and
//	                  style (simple, label, matrix, form, spaceDelimited,
//	                  pipeDelimited, deepObject)
//	params_coerce.go  turn that text into the JSON value its schema
//	                  expects (numbers, booleans, arrays, objects)
//	params_check.go   check every parameter of a request: presence, then
//	                  the value against its schema

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
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

// param compiles one declared parameter: its style (the location's
// default, or one OpenAPI allows there) and explode, and either a schema
// (with the types coercion needs) or a content with one media type (a
// JSON one is parsed and checked against its schema; any other is only
// checked for presence). It
// refuses what cannot be read unambiguously: a path parameter that is not
// required, schema and content together, and spaceDelimited or
// pipeDelimited for a primitive.
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
