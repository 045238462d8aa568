package validation

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Options change how documents are compiled and requests checked.
type Options struct {
	// SkipFormats makes "format" an annotation instead of an assertion.
	// Default: formats are asserted (format: email is checked).
	SkipFormats bool
	// AllowReadOnly accepts readOnly properties in request bodies.
	// Default: rejected with code read_only.
	AllowReadOnly bool
	// RejectUnknownQuery rejects query parameters the operation does not
	// declare. Default: allowed.
	RejectUnknownQuery bool
	// MaxDepth bounds JSON nesting. Default: DefaultMaxDepth (64).
	MaxDepth int
	// BasePath is removed from request paths before routing. "" takes
	// the path of the document's first servers URL; "/" means none.
	BasePath string
	// ModeExtension is the operation extension that sets its mode
	// ("enforce" or "report"). Default: x-request-validation.
	ModeExtension string
	// IgnoreSecurity leaves the document's security requirements
	// unchecked. Default: an operation that requires credentials rejects
	// a request without them (401).
	IgnoreSecurity bool
	// Realm is the realm of the 401's WWW-Authenticate challenges.
	// Default: the document's info.title, else "api".
	Realm string
	// Responses compiles the operations' declared responses for
	// Operation.CheckResponse (response.go); the document is read a
	// second time for them. Default: off (requests only).
	Responses bool

	// MaxFiles is the most files a document may reach through $refs.
	// Default: DefaultMaxFiles (10,000).
	MaxFiles int
	// Unsupported is what a construct this validator cannot check does
	// to the document: "" or "refuse" fails the load naming it; "skip"
	// leaves the operation or parameter that uses it unvalidated and
	// lists it in Spec.Skipped.
	Unsupported string

	// remotes serves schema URLs under a prefix (key) from a local
	// directory (value), for tests of $refs to absolute URLs; the
	// network is never used.
	remotes map[string]string
}

// DefaultModeExtension is the OpenAPI extension that sets an operation's
// mode.
const DefaultModeExtension = "x-request-validation"

// Spec is a compiled OpenAPI document: routes and operations.
type Spec struct {
	// Version is the document's openapi version, e.g. "3.1.0".
	Version string
	// BasePath is the prefix removed before routing, "" for none.
	BasePath string

	ops     []*Operation
	skipped []Skipped
	router  *router
	opts    Options
	schemas *schemaSet

	// The declared path templates split into segments, made on the first
	// 404 that asks for a hint (hints.go).
	templatesOnce sync.Once
	templates     []pathTemplate
}

// Operations lists the document's operations in path, method order.
func (s *Spec) Operations() []*Operation { return s.ops }

// Operation is one method on one path template, compiled.
type Operation struct {
	// ID is the operationId, or "METHOD /path" when the document gives
	// none.
	ID string
	// Method is the upper-case HTTP method.
	Method string
	// Path is the path template as the document writes it.
	Path string
	// Docs is the operation's externalDocs URL, "" for none.
	Docs string
	// Mode is the document's mode for the operation (its extension):
	// "enforce", "report" or "" when the document does not say.
	Mode string

	params    []*param
	pathTmpl  []segment
	declared  map[string]bool // query names, including exploded object properties
	openQuery bool            // an exploded free-form object takes any key
	body      *requestBody
	opts      *Options
	schemas   *schemaSet
	security  []requirement // alternatives; none: public (security.go)
	realm     string
	resp      *responses // nil: not compiled or none declared (response.go)
}

type requestBody struct {
	required bool
	media    []*mediaType
	// accept lists the media ranges for Accept-Post/Accept-Patch.
	accept string
}

type mediaType struct {
	rng      string // as written, lower-cased
	typ, sub string // "*" for wildcards
	params   map[string]string
	kind     bodyKind
	anyJSON  bool               // json_schema mode: any JSON media type
	schema   *jsonschema.Schema // nil: not validated
	fast     *fnode             // nil: the engine decides alone
	types    *typeInfo
	raw      loc
	encoding map[string]*encoding
}

type bodyKind int

const (
	bodyOther bodyKind = iota
	bodyJSON
	bodyForm
	bodyMultipart
)

type encoding struct {
	contentTypes []string // media ranges a part may have
	style        string
	styled       bool // style was given (else "form", and brackets nest)
	explode      bool
	headers      []*param
}

// HasBody reports whether the operation declares a request body.
func (op *Operation) HasBody() bool { return op.body != nil }

// BodyRequired reports whether the declared request body is required.
func (op *Operation) BodyRequired() bool { return op.body != nil && op.body.required }

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Load reads an OpenAPI 3.0 or 3.1 document (YAML or JSON) and the local
// files its $refs reach, and compiles it. Errors name the file, the line
// and the JSON Pointer of the problem.
func Load(path string, opts Options) (*Spec, error) {
	if opts.ModeExtension == "" {
		opts.ModeExtension = DefaultModeExtension
	}
	ds := newDocSet()
	ds.remotes = opts.remotes
	ds.maxFiles = opts.MaxFiles
	f, err := ds.load(path)
	if err != nil {
		return nil, err
	}
	root := loc{f, ""}
	doc, ok := f.doc.(map[string]any)
	if !ok {
		return nil, root.errf("an OpenAPI document must be an object")
	}
	version, _ := doc["openapi"].(string)
	switch {
	case version == "" && doc["swagger"] != nil:
		return nil, root.child("swagger").errf("Swagger 2.0 is not supported: convert the document to OpenAPI 3")
	case version == "":
		return nil, root.errf("not an OpenAPI document: the openapi member is missing")
	case strings.HasPrefix(version, "3.0."), version == "3.0":
	case strings.HasPrefix(version, "3.1."), version == "3.1":
	default:
		return nil, root.child("openapi").errf("OpenAPI %s is not supported (3.0 and 3.1 are)", version)
	}
	oas30 := strings.HasPrefix(version, "3.0")
	if d, ok := doc["jsonSchemaDialect"].(string); ok && !oas30 {
		if d != draft2020 && d != oasDialect {
			return nil, root.child("jsonSchemaDialect").errf("jsonSchemaDialect %q is not supported (JSON Schema 2020-12 and the OpenAPI 3.1 dialect are)", d)
		}
	}
	s := &Spec{Version: version, opts: opts}
	if s.BasePath, err = basePath(root, opts.BasePath); err != nil {
		return nil, err
	}
	ss := newSchemaSet(ds, oas30, opts)
	s.schemas = ss
	b := builder{ds: ds, ss: ss, spec: s}
	ss.w.unsupported = b.walkerUnsupported
	if err := b.documentSecurity(root); err != nil {
		return nil, err
	}
	if err := b.paths(root); err != nil {
		return nil, err
	}
	if err := ss.compileAll(); err != nil {
		return nil, err
	}
	for _, op := range s.ops {
		op.prepareFast()
	}
	if opts.Responses {
		if err := buildResponses(path, opts, s, oas30); err != nil {
			return nil, err
		}
	}
	if s.router, err = newRouter(s.ops); err != nil {
		return nil, root.child("paths").errf("%v", err)
	}
	ds.release()
	return s, nil
}

// basePath is the configured prefix or the path of the first servers URL
// with its variables at their defaults.
func basePath(root loc, configured string) (string, error) {
	if configured != "" {
		if configured == "/" {
			return "", nil
		}
		if !strings.HasPrefix(configured, "/") {
			return "", fmt.Errorf("base path %q must start with /", configured)
		}
		return strings.TrimSuffix(configured, "/"), nil
	}
	doc := root.value().(map[string]any)
	servers, ok := doc["servers"].([]any)
	if !ok || len(servers) == 0 {
		return "", nil
	}
	sl := root.child("servers", "0")
	srv, ok := servers[0].(map[string]any)
	if !ok {
		return "", sl.errf("a server must be an object")
	}
	raw, _ := srv["url"].(string)
	vars, _ := srv["variables"].(map[string]any)
	var err error
	raw = templateVar.ReplaceAllStringFunc(raw, func(m string) string {
		name := m[1 : len(m)-1]
		v, _ := vars[name].(map[string]any)
		def, ok := v["default"].(string)
		if !ok {
			err = sl.child("url").errf("server variable {%s} has no default", name)
		}
		return def
	})
	if err != nil {
		return "", err
	}
	u, perr := url.Parse(raw)
	if perr != nil {
		return "", sl.child("url").errf("server url is not a URL: %v", perr)
	}
	return strings.TrimSuffix(u.Path, "/"), nil
}

var templateVar = regexp.MustCompile(`\{[^{}]*\}`)

// builder turns the document's paths into operations.
type builder struct {
	ds   *docSet
	ss   *schemaSet
	spec *Spec
	// The document's security schemes and requirements (security.go).
	schemes  map[string]*securityScheme
	security []requirement
	realm    string
}

// paths builds an operation for each method of each path item, in the
// order of the templates (sorted, so that loading is deterministic),
// with the path item's parameters as the operations' common ones.
func (b *builder) paths(root loc) error {
	doc := root.value().(map[string]any)
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		if doc["paths"] != nil {
			return root.child("paths").errf("paths must be an object")
		}
		return nil
	}
	for _, tmpl := range sortedKeys(paths) {
		pl := root.child("paths", tmpl)
		if !strings.HasPrefix(tmpl, "/") {
			return pl.errf("path %q must start with /", tmpl)
		}
		segs, err := parseTemplate(tmpl)
		if err != nil {
			return pl.errf("%v", err)
		}
		pl, item, err := b.ds.deref(pl)
		if err != nil {
			return err
		}
		b.ss.w.op = tmpl
		cl, cv, err := b.listAt(pl.child("parameters"), item["parameters"])
		if err != nil {
			return err
		}
		common, err := b.params(cl, cv, nil)
		if err != nil {
			return err
		}
		for _, m := range methods {
			if _, ok := item[m]; !ok {
				continue
			}
			op, err := b.operation(pl.child(m), tmpl, segs, strings.ToUpper(m), common)
			if err != nil {
				return err
			}
			b.spec.ops = append(b.spec.ops, op)
		}
	}
	return nil
}

// operation builds one operation: its security, ID (method and template
// when there is no operationId), mode override, parameters and body. It
// refuses a template variable that is not a declared path parameter and
// a path parameter that is not in the template, and lists the query
// names the operation knows (an exploded form object's properties
// included) for reject_unknown_query.
func (b *builder) operation(ol loc, tmpl string, segs []segment, method string, common []*param) (*Operation, error) {
	// An operation may be a $ref to one kept elsewhere (in another file).
	ol, om, err := b.ds.deref(ol)
	if err != nil {
		return nil, err
	}
	op := &Operation{Method: method, Path: tmpl, pathTmpl: segs, opts: &b.spec.opts, schemas: b.ss}
	if err := b.operationSecurity(op, ol); err != nil {
		return nil, err
	}
	op.ID, _ = om["operationId"].(string)
	if op.ID == "" {
		op.ID = method + " " + tmpl
	}
	b.ss.w.op = op.ID
	if ed, ok := om["externalDocs"].(map[string]any); ok {
		op.Docs, _ = ed["url"].(string)
	}
	if m, ok := om[b.spec.opts.ModeExtension]; ok {
		s, _ := m.(string)
		if s != "enforce" && s != "report" {
			return nil, ol.child(b.spec.opts.ModeExtension).errf("%s must be enforce or report", b.spec.opts.ModeExtension)
		}
		op.Mode = s
	}
	pl, pv, err := b.listAt(ol.child("parameters"), om["parameters"])
	if err != nil {
		return nil, err
	}
	params, err := b.params(pl, pv, common)
	if err != nil {
		return nil, err
	}
	op.params = params
	if err := b.contentParams(op); err != nil {
		return nil, err
	}
	// Every template variable must be a declared path parameter.
	for _, sg := range segs {
		for _, name := range sg.vars {
			found := false
			for _, p := range params {
				if p.in == inPath && p.name == name {
					found = true
				}
			}
			if !found {
				return nil, ol.errf("path parameter {%s} of %s is not declared", name, tmpl)
			}
		}
	}
	for _, p := range params {
		if p.in == inPath && !templateHas(segs, p.name) {
			return nil, p.where.errf("path parameter %q is not in the path %s", p.name, tmpl)
		}
	}
	op.declared = map[string]bool{}
	for _, p := range params {
		if p.in != inQuery {
			continue
		}
		op.declared[p.name] = true
		if p.style == "form" && p.explode && p.props != nil {
			for _, name := range p.props {
				op.declared[name] = true
			}
			if p.openProps {
				op.openQuery = true
			}
		}
	}
	if rb, ok := om["requestBody"]; ok && rb != nil {
		if op.body, err = b.requestBody(ol.child("requestBody"), op.ID); err != nil {
			return nil, err
		}
	}
	return op, nil
}

// listAt follows a $ref that stands for a whole list (`parameters:
// {$ref: common.yml#/parameters}`), as OpenAPI tools resolve it.
func (b *builder) listAt(l loc, v any) (loc, any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return l, v, nil
	}
	if _, ok := m["$ref"].(string); !ok {
		return l, v, nil
	}
	t, err := b.ss.w.derefValue(l)
	if err != nil {
		return l, nil, err
	}
	return t, t.value(), nil
}

func templateHas(segs []segment, name string) bool {
	for _, s := range segs {
		for _, v := range s.vars {
			if v == name {
				return true
			}
		}
	}
	return false
}

// requestBody builds a body's media types, most specific first (exact,
// type/*, */*), as a request's Content-Type is matched against them. A
// schema that constrains a media type the package cannot read
// (application/xml) refuses the document, or with `unsupported skip` is
// listed as unvalidated: never silently ignored.
func (b *builder) requestBody(l loc, opID string) (*requestBody, error) {
	l, m, err := b.ds.deref(l)
	if err != nil {
		return nil, err
	}
	rb := &requestBody{}
	rb.required, _ = m["required"].(bool)
	content, ok := m["content"].(map[string]any)
	if !ok || len(content) == 0 {
		return nil, l.errf("requestBody needs a content object with at least one media type")
	}
	var ranges []string
	for _, rng := range sortedKeys(content) {
		ml := l.child("content", rng)
		mt, err := parseRange(rng)
		if err != nil {
			return nil, ml.errf("%v", err)
		}
		mm, ok := content[rng].(map[string]any)
		if !ok {
			return nil, ml.errf("a media type must be an object")
		}
		if _, ok := mm["schema"]; ok && mt.kind == bodyOther && mt.typ != "*" && mt.sub != "*" && b.constrains(ml.child("schema")) {
			// Only JSON, form and multipart bodies are read: a schema
			// for another media type (application/xml) cannot be
			// checked.
			if err := b.unsupported(ml.child("schema"), opID, "body "+rng, "only JSON, form and multipart bodies are read, so its schema cannot be checked"); err != nil {
				return nil, err
			}
		} else if _, ok := mm["schema"]; ok {
			sl := ml.child("schema")
			mt.raw = sl
			if err := b.ss.add(sl, &mt.schema); err != nil {
				return nil, err
			}
			mt.types = b.ss.typeInfo(sl, 0)
		}
		if enc, ok := mm["encoding"].(map[string]any); ok {
			mt.encoding = map[string]*encoding{}
			for _, name := range sortedKeys(enc) {
				e, err := b.encoding(ml.child("encoding", name), mt.kind)
				if err != nil {
					return nil, err
				}
				mt.encoding[name] = e
			}
		}
		rb.media = append(rb.media, mt)
		ranges = append(ranges, mt.rng)
	}
	// Most specific ranges first: exact types, then type/*, then */*.
	sort.SliceStable(rb.media, func(i, j int) bool { return rb.media[i].specificity() > rb.media[j].specificity() })
	rb.accept = strings.Join(ranges, ", ")
	return rb, nil
}

// encoding builds a form or multipart property's encoding: the content
// types allowed for a part, its style and explode (form, explode by
// default), and for multipart the part's own headers, compiled as header
// parameters (Content-Type is described by contentType instead).
func (b *builder) encoding(l loc, kind bodyKind) (*encoding, error) {
	m, ok := l.value().(map[string]any)
	if !ok {
		return nil, l.errf("an encoding must be an object")
	}
	e := &encoding{style: "form", explode: true}
	if ct, ok := m["contentType"].(string); ok {
		for _, r := range strings.Split(ct, ",") {
			r = strings.ToLower(strings.TrimSpace(r))
			if _, err := parseRange(r); err != nil {
				return nil, l.child("contentType").errf("%v", err)
			}
			e.contentTypes = append(e.contentTypes, r)
		}
	}
	if s, ok := m["style"].(string); ok {
		switch s {
		case "form", "spaceDelimited", "pipeDelimited", "deepObject":
			e.style, e.styled = s, true
			e.explode = s == "form"
		default:
			return nil, l.child("style").errf("style %q is not allowed in an encoding", s)
		}
	}
	if x, ok := m["explode"].(bool); ok {
		e.explode = x
	}
	if hs, ok := m["headers"].(map[string]any); ok && kind == bodyMultipart {
		for _, name := range sortedKeys(hs) {
			if strings.EqualFold(name, "Content-Type") {
				continue // described by contentType
			}
			hl, hm, err := b.ds.deref(l.child("headers", name))
			if err != nil {
				return nil, err
			}
			p, err := b.param(hl, hm, name, inHeader)
			if err != nil {
				return nil, err
			}
			e.headers = append(e.headers, p)
		}
	}
	return e, nil
}

// parseRange parses a requestBody media range ("application/json",
// "image/*", "*/*", with optional parameters).
func parseRange(rng string) (*mediaType, error) {
	r := strings.ToLower(strings.TrimSpace(rng))
	base, params, _ := strings.Cut(r, ";")
	typ, sub, ok := strings.Cut(strings.TrimSpace(base), "/")
	if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") || strings.ContainsAny(typ+sub, " \t/") {
		return nil, fmt.Errorf("%q is not a media range", rng)
	}
	mt := &mediaType{rng: r, typ: typ, sub: sub}
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok {
			if mt.params == nil {
				mt.params = map[string]string{}
			}
			mt.params[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	switch {
	case sub == "json" || strings.HasSuffix(sub, "+json"):
		mt.kind = bodyJSON
	case typ == "application" && sub == "x-www-form-urlencoded":
		mt.kind = bodyForm
	case typ == "multipart" && sub == "form-data":
		mt.kind = bodyMultipart
	}
	return mt, nil
}

func (mt *mediaType) specificity() int {
	switch {
	case mt.typ == "*":
		return 0
	case mt.sub == "*":
		return 1
	case len(mt.params) > 0:
		return 3
	}
	return 2
}

// LoadJSONSchema reads a JSON Schema (2020-12 unless its $schema says
// otherwise) for JSON request bodies and returns an operation that
// requires a JSON body valid against it.
func LoadJSONSchema(path string, opts Options) (*Operation, error) {
	ds := newDocSet()
	ds.remotes = opts.remotes
	ds.maxFiles = opts.MaxFiles
	f, err := ds.load(path)
	if err != nil {
		return nil, err
	}
	ss := newSchemaSet(ds, false, opts)
	root := loc{f, ""}
	mt := &mediaType{rng: "application/json", typ: "application", sub: "json", kind: bodyJSON, anyJSON: true, raw: root}
	if err := ss.add(root, &mt.schema); err != nil {
		return nil, err
	}
	mt.types = ss.typeInfo(root, 0)
	if err := ss.compileAll(); err != nil {
		return nil, err
	}
	op := &Operation{ID: "json_schema", Mode: "", opts: &opts, schemas: ss,
		body: &requestBody{required: true, media: []*mediaType{mt}, accept: "application/json"}}
	op.prepareFast()
	ds.release()
	return op, nil
}

// prepareFast compiles the fast validators of the operation's schemas.
func (op *Operation) prepareFast() {
	for _, p := range op.params {
		p.fast = fastFor(p.schema)
	}
	if op.body != nil {
		for _, mt := range op.body.media {
			mt.fast = fastFor(mt.schema)
		}
	}
}
