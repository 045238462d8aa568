package validation

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Responses: what an operation declares of its answers, compiled only
// when Options.Responses is set. The document is read a second time for
// them: the request walk rewrites the schemas in place for requests
// (readOnly properties become `false`), so the response schemas are
// walked and compiled in their own context, where readOnly properties
// are allowed and writeOnly ones are not (OpenAPI's rule, mirrored).
// Only JSON media types get their schema compiled; the others are
// checked by Content-Type alone.

// responses is an operation's declared responses.
type responses struct {
	byCode map[int]*response
	ranges [6]*response // 1XX … 5XX by status/100
	def    *response
	// declared lists the keys as written, for the hint.
	declared string
}

// response is one declared response.
type response struct {
	required []string // required header names, canonical
	// media is the declared content, most specific first; nil when the
	// response declares none (its body is not checked).
	media  []*respMedia
	accept string // the declared ranges, for hints
	// noType checks a body sent without a Content-Type.
	noType BodyCheck
}

type respMedia struct {
	mt    *mediaType
	check BodyCheck
}

// BodyCheck is what remains to check of a response once its status and
// headers passed: its body. Made at load, shared by every response.
type BodyCheck struct {
	op *Operation
	ss *schemaSet
	mt *mediaType // nil: the answer has no Content-Type (noType)
}

// HasResponses reports whether the operation's responses were compiled
// (Options.Responses) and it declares at least one.
func (op *Operation) HasResponses() bool { return op.resp != nil }

// responseFor finds the declared response of a status: the exact code,
// else its range (2XX), else default.
func (rs *responses) responseFor(status int) *response {
	if r, ok := rs.byCode[status]; ok {
		return r
	}
	if c := status / 100; c >= 1 && c <= 5 && rs.ranges[c] != nil {
		return rs.ranges[c]
	}
	return rs.def
}

// CheckResponse checks a whole response: CheckResponseHead, then the
// body when it must be read. body is the body as sent, decoded of any
// Content-Encoding. nil when the response conforms.
func (op *Operation) CheckResponse(status int, h http.Header, body []byte, maxProblems int) *Result {
	res, bc := op.CheckResponseHead(status, h, maxProblems)
	if res != nil || bc == nil {
		return res
	}
	return bc.Check(body, maxProblems)
}

// CheckResponseHead checks a response's status (declared exactly, by a
// 2XX-style range or by default), its Content-Type (one the response
// declares, when it declares content) and the headers it declares
// required. It returns the problems (nil when none) or, when the status
// and headers pass and the body must be read to decide, the body's
// check: a JSON media type with a schema, or a response that declares
// content sent without a Content-Type (valid only when empty). Neither:
// the response conforms.
func (op *Operation) CheckResponseHead(status int, h http.Header, maxProblems int) (*Result, *BodyCheck) {
	rs := op.resp
	if rs == nil {
		return nil, nil
	}
	resp := rs.responseFor(status)
	if resp == nil {
		return responseResult([]errorpages.Field{{Pointer: "/response/status", Code: "undeclared_status",
			Message: "is not a status this operation declares", Hint: "declared: " + rs.declared}}, 0, false), nil
	}
	var fields []errorpages.Field
	for _, name := range resp.required {
		if len(h[name]) == 0 {
			fields = append(fields, errorpages.Field{Pointer: "/response/header/" + escapeToken(name), Code: "required",
				Message: "is required by the API description"})
		}
	}
	var bc *BodyCheck
	if resp.media != nil {
		ct := h.Get("Content-Type")
		switch {
		case ct == "":
			bc = &resp.noType
		default:
			m := resp.matchType(ct)
			if m == nil {
				fields = append(fields, errorpages.Field{Pointer: "/response/header/Content-Type", Code: "media_type",
					Message: "is not a media type this response declares", Hint: "declared: " + resp.accept})
			} else if m.check.mt != nil {
				bc = &m.check
			}
		}
	}
	if fields != nil {
		return responseResult(fields, 0, false), nil
	}
	return nil, bc
}

// Check checks a response body against its declared schema. nil when
// it conforms.
func (bc *BodyCheck) Check(body []byte, maxProblems int) *Result {
	if bc.mt == nil {
		if len(body) == 0 {
			return nil
		}
		return responseResult([]errorpages.Field{{Pointer: "/response/header/Content-Type", Code: "media_type",
			Message: "is missing: the response has a body"}}, 0, false)
	}
	c := collector{ss: bc.ss}
	bc.op.checkJSON(bc.mt, body, &c)
	if len(c.fields) == 0 {
		return nil
	}
	fields, more := finish(c.fields, maxProblems)
	for i := range fields {
		fields[i].Pointer = "/response" + fields[i].Pointer
	}
	return responseResult(fields, more, c.over)
}

func responseResult(fields []errorpages.Field, more int, partial bool) *Result {
	return &Result{Status: http.StatusBadGateway, Kind: "invalid", Fields: fields, More: more, Partial: partial}
}

// matchType finds the declared media type of a Content-Type value,
// most specific first. The usual value (application/json, with or
// without a charset) is matched without allocating.
func (r *response) matchType(ct string) *respMedia {
	base, rest, hasParams := strings.Cut(ct, ";")
	base = strings.TrimSpace(base)
	t, sub, ok := strings.Cut(base, "/")
	if !ok {
		return nil
	}
	var params map[string]string
	for _, m := range r.media {
		mt := m.mt
		if mt.typ != "*" && !asciiEqualFold(mt.typ, t) {
			continue
		}
		if mt.sub != "*" && !asciiEqualFold(mt.sub, sub) {
			continue
		}
		if len(mt.params) > 0 {
			if params == nil && hasParams {
				_, params, _ = parseMediaType("x/y;" + rest)
			}
			ok := true
			for k, v := range mt.params {
				if !asciiEqualFold(params[k], v) {
					ok = false
				}
			}
			if !ok {
				continue
			}
		}
		return m
	}
	return nil
}

// asciiEqualFold is strings.EqualFold in ASCII only: media types are
// case-insensitive in ASCII (RFC 9110), and Unicode folding would take
// application/jſon (U+017F, a long s) for application/json.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// buildResponses compiles the declared responses of every operation of
// s, from a second reading of the document at path (see the top of
// this file).
func buildResponses(path string, opts Options, s *Spec, oas30 bool) error {
	ds := newDocSet()
	ds.remotes = opts.remotes
	ds.maxFiles = opts.MaxFiles
	f, err := ds.load(path)
	if err != nil {
		return err
	}
	ss := newSchemaSet(ds, oas30, opts)
	ss.w.response = true
	b := builder{ds: ds, ss: ss, spec: s}
	ss.w.unsupported = b.walkerUnsupported
	root := loc{f, ""}
	var media []*respMedia
	for _, op := range s.ops {
		ol, om, err := b.operationAt(root, op)
		if err != nil {
			return err
		}
		if om == nil {
			continue
		}
		rv, ok := om["responses"]
		if !ok || rv == nil {
			continue
		}
		ss.w.op = op.ID
		rs, err := b.responses(ol.child("responses"), op, &media)
		if err != nil {
			return err
		}
		op.resp = rs
	}
	if err := ss.compileAll(); err != nil {
		return err
	}
	fastForAll(media)
	ds.release()
	return nil
}

// fastForAll compiles the fast validators of the response media types
// with one memo: the schemas many responses share (a published
// document's expanded objects) are built once, not once per response
// (Stripe's responses: 2.9 s of building alone without it). A build
// that meets a keyword the fast validator lacks leaves its media type
// without one and takes back what it added; the nodes of the builds that
// succeeded are complete, so later builds may reuse them.
func fastForAll(media []*respMedia) {
	shared := map[*jsonschema.Schema]*fnode{}
	var added []*jsonschema.Schema
	for _, m := range media {
		if m.mt.schema == nil {
			continue
		}
		added = added[:0]
		b := fastBuilder{done: shared, ok: true, added: &added}
		n := b.build(m.mt.schema)
		if !b.ok {
			for _, s := range added {
				delete(shared, s)
			}
			continue
		}
		m.mt.fast = n
	}
	b := fastBuilder{done: shared}
	b.collapseAliases()
}

// operationAt finds op's Operation object in the document read again.
func (b *builder) operationAt(root loc, op *Operation) (loc, map[string]any, error) {
	doc, _ := root.value().(map[string]any)
	paths, _ := doc["paths"].(map[string]any)
	if _, ok := paths[op.Path]; !ok {
		return loc{}, nil, nil
	}
	pl, _, err := b.ds.deref(root.child("paths", op.Path))
	if err != nil {
		return loc{}, nil, err
	}
	return b.ds.deref(pl.child(strings.ToLower(op.Method)))
}

// responses reads an operation's Responses object.
func (b *builder) responses(l loc, op *Operation, media *[]*respMedia) (*responses, error) {
	m, ok := l.value().(map[string]any)
	if !ok {
		return nil, l.errf("responses must be an object")
	}
	rs := &responses{byCode: map[int]*response{}}
	var keys []string
	for _, key := range sortedKeys(m) {
		if strings.HasPrefix(key, "x-") {
			continue
		}
		rl, rm, err := b.ds.deref(l.child(key))
		if err != nil {
			return nil, err
		}
		r, err := b.response(rl, rm, op, key, media)
		if err != nil {
			return nil, err
		}
		switch {
		case key == "default":
			rs.def = r
		case len(key) == 3 && key[0] >= '1' && key[0] <= '5' && (key[1:] == "XX" || key[1:] == "xx"):
			rs.ranges[key[0]-'0'] = r
		default:
			code, err := strconv.Atoi(key)
			if err != nil || code < 100 || code > 599 || len(key) != 3 {
				return nil, l.child(key).errf("response key %q is not a status code, a range like 2XX or default", key)
			}
			rs.byCode[code] = r
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[j] == "default" && keys[i] != "default" })
	rs.declared = strings.Join(keys, ", ")
	return rs, nil
}

// response reads one Response object: its required headers and its
// content.
func (b *builder) response(l loc, m map[string]any, op *Operation, key string, media *[]*respMedia) (*response, error) {
	r := &response{noType: BodyCheck{op: op, ss: b.ss}}
	if hs, ok := m["headers"].(map[string]any); ok {
		for _, name := range sortedKeys(hs) {
			if strings.EqualFold(name, "Content-Type") {
				continue // OpenAPI: ignored, the content says it
			}
			_, hm, err := b.ds.deref(l.child("headers", name))
			if err != nil {
				return nil, err
			}
			if req, _ := hm["required"].(bool); req {
				r.required = append(r.required, http.CanonicalHeaderKey(name))
			}
		}
	}
	content, ok := m["content"].(map[string]any)
	if !ok || len(content) == 0 {
		return r, nil
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
		rm := &respMedia{mt: mt, check: BodyCheck{op: op, ss: b.ss}}
		// Only a JSON media type's body is read; a wildcard range
		// (*/*, application/*) checks the Content-Type only.
		if _, has := mm["schema"]; has && mt.kind == bodyJSON && mt.typ != "*" && mt.sub != "*" {
			mt.raw = ml.child("schema")
			if err := b.ss.add(mt.raw, &mt.schema); err != nil {
				return nil, err
			}
			rm.check.mt = mt
			*media = append(*media, rm)
		}
		r.media = append(r.media, rm)
		ranges = append(ranges, mt.rng)
	}
	sort.SliceStable(r.media, func(i, j int) bool { return r.media[i].mt.specificity() > r.media[j].mt.specificity() })
	r.accept = strings.Join(ranges, ", ")
	return r, nil
}
