package validation

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Result is why a request was rejected.
type Result struct {
	// Status is the HTTP status to answer: 400 or 415.
	Status int
	// Kind is the metric result: "invalid" or "unsupported_media_type".
	Kind string
	// Fields lists the problems, sorted by location and capped.
	Fields []errorpages.Field
	// More counts the problems beyond Fields.
	More int
	// Partial reports that validation stopped after MaxCounted problems:
	// the request has more than len(Fields)+More.
	Partial bool
	// BodySchemaOnly reports that every problem was found by the body's
	// schema (a well-formed body with wrong content): the 422 case.
	BodySchemaOnly bool
	// HeaderName and HeaderValue are a header the answer carries:
	// Accept-Post or Accept-Patch listing the accepted media types.
	HeaderName, HeaderValue string
	// Challenges are the WWW-Authenticate challenges of a 401, one
	// header line each.
	Challenges []string
}

// Codes returns the distinct problem codes, in order of appearance.
func (r *Result) Codes() []string {
	var out []string
	for _, f := range r.Fields {
		if !containsString(out, f.Code) {
			out = append(out, f.Code)
		}
	}
	return out
}

// Validate checks a routed request: its parameters and its body. It
// returns nil when the request is valid.
func (op *Operation) Validate(m *Match, req *Request, maxProblems int) *Result {
	if res := op.CheckSecurity(req); res != nil {
		return res // nothing else is looked at without credentials
	}
	return op.CheckRequest(m, req, maxProblems)
}

// CheckRequest is Validate without the credentials: the parameters and
// the body, for a caller that ran CheckSecurity first (request_validation
// does, before it reads the body).
func (op *Operation) CheckRequest(m *Match, req *Request, maxProblems int) *Result {
	c := collector{ss: op.schemas}
	op.checkParams(m, req, &c)
	status := http.StatusBadRequest
	var hdrName, hdrValue string
	if op.body != nil {
		if unsupported := op.checkBody(req, &c); unsupported {
			status = http.StatusUnsupportedMediaType
			switch req.Method {
			case http.MethodPost:
				hdrName = "Accept-Post"
			case http.MethodPatch:
				hdrName = "Accept-Patch"
			}
			if hdrName != "" {
				hdrValue = op.body.accept
			}
		}
	}
	if len(c.fields) == 0 {
		return nil
	}
	r := &Result{Status: status, Kind: "invalid", HeaderName: hdrName, HeaderValue: hdrValue}
	if status == http.StatusUnsupportedMediaType {
		r.Kind = "unsupported_media_type"
	}
	r.BodySchemaOnly = c.body == len(c.fields)
	r.Partial = c.over
	r.Fields, r.More = finish(c.fields, maxProblems)
	return r
}

// checkBody validates the request body against the operation's
// requestBody. It reports whether the media type is unsupported (415).
func (op *Operation) checkBody(req *Request, c *collector) bool {
	rb := op.body
	if !req.HasBody || len(req.Body) == 0 {
		if rb.required {
			c.add(errorpages.Field{Pointer: "/body", Code: "required", Message: "is required: this operation needs a request body"}, "")
		}
		return false
	}
	if req.ContentType == "" {
		c.add(errorpages.Field{Pointer: "/body", Code: "media_type", Message: "has no Content-Type", Hint: "send one of: " + rb.accept}, "")
		return true
	}
	typ, params, err := parseMediaType(req.ContentType)
	if err != nil {
		c.add(errorpages.Field{Pointer: "/body", Code: "media_type", Message: "has a Content-Type that cannot be parsed", Hint: "send one of: " + rb.accept}, "")
		return true
	}
	mt := rb.match(typ, params)
	if mt == nil {
		c.add(errorpages.Field{Pointer: "/body", Code: "media_type", Message: "has a media type this operation does not accept", Hint: "send one of: " + rb.accept}, "")
		return true
	}
	kind := mt.kind
	if mt.typ == "*" || mt.sub == "*" {
		// A wildcard range: validate by what the request says it is.
		if r, err := parseRange(typ); err == nil {
			kind = r.kind
		}
	}
	if cs, ok := params["charset"]; ok && (kind == bodyJSON || kind == bodyForm) {
		// ASCII case only: under Unicode folding "uſ-aſcii" would be us-ascii.
		if !asciiEqualFold(cs, "utf-8") && !asciiEqualFold(cs, "utf8") && !asciiEqualFold(cs, "us-ascii") {
			c.add(errorpages.Field{Pointer: "/body", Code: "charset", Message: "has a charset other than UTF-8", Hint: "send UTF-8 with charset=utf-8 or no charset"}, "")
			return true
		}
	}
	switch kind {
	case bodyJSON:
		op.checkJSON(mt, req.Body, c)
	case bodyForm:
		op.checkForm(mt, req.Body, c)
	case bodyMultipart:
		op.checkMultipart(mt, params["boundary"], req.Body, c)
	}
	return false
}

// match returns the most specific declared media range that the
// request's media type falls in.
func (rb *requestBody) match(typ string, params map[string]string) *mediaType {
	t, sub, _ := strings.Cut(typ, "/")
	for _, mt := range rb.media { // most specific first
		if mt.anyJSON {
			if sub == "json" || strings.HasSuffix(sub, "+json") {
				return mt
			}
			continue
		}
		if mt.typ != "*" && mt.typ != t {
			continue
		}
		if mt.sub != "*" && mt.sub != sub {
			continue
		}
		ok := true
		for k, v := range mt.params {
			if !asciiEqualFold(params[k], v) {
				ok = false
			}
		}
		if ok {
			return mt
		}
	}
	return nil
}

// checkJSON decides a JSON body the cheapest way that can: the walker
// on its bytes (a valid body ends there), then for a rejected one the
// syntax check and the explanation of its failing members only; the
// parsed tree and the engine on the whole body only when the walker gave
// up or the schema has no fast form. Each step gives the same answer as
// the engine (the differential tests hold them to it).
func (op *Operation) checkJSON(mt *mediaType, body []byte, c *collector) {
	p := getParser(body, op.opts.MaxDepth)
	defer putParser(p)
	// A body the walker shows valid is decided without building its
	// value.
	if mt.schema == nil || mt.fast != nil {
		if p.walkBody(mt.fast) {
			return
		}
		p.rewind()
	}
	// Any other is read for its syntax, still without building it, then
	// explained from its bytes: only the members that fail are parsed,
	// one at a time (explainbytes.go). A rejection's memory is the
	// body's widest object's keys plus one failing member, not a tree of
	// the whole body.
	if mt.schema == nil || mt.fast != nil {
		// The walker without a schema is the quickest syntax check; skim
		// says why it failed.
		if !p.walkBody(nil) {
			p.rewind()
			if jerr := p.skim(); jerr != nil {
				c.jsonProblem(jerr)
				return
			}
		}
		if mt.schema == nil {
			return
		}
		p.rewind()
		if c.explainBody(p, mt.fast) {
			return
		}
		p.rewind()
	}
	// Nothing found that way (the walker gave up where the fast
	// validator decides), or the schema has no fast form: the tree, the
	// fast validator, then the engine on the whole body.
	v, jerr := p.parse()
	if jerr != nil {
		c.jsonProblem(jerr)
		return
	}
	if mt.fast != nil && mt.fast.validJ(&v) {
		return
	}
	ev := toEngine(&v)
	if err := mt.schema.Validate(ev); err != nil {
		before := len(c.fields)
		c.schemaErrors(err, ev, "/body", "", false)
		c.body += len(c.fields) - before
	}
}

// jsonProblem reports why a body is not acceptable JSON.
func (c *collector) jsonProblem(jerr *jsonError) {
	f := errorpages.Field{Pointer: "/body" + jerr.ptr, Code: jerr.code}
	switch jerr.code {
	case "duplicate_key":
		f.Message = "appears more than once in its object"
		f.Hint = "send each property once: parsers disagree on which value wins"
		c.add(f, fieldName("", splitPointer(jerr.ptr), false))
		return
	case "too_deep":
		f.Message = jerr.msg
	case "number_range":
		f.Message = jerr.msg + " (at byte " + strconv.Itoa(jerr.offset) + ")"
		f.Hint = "send numbers of at most " + strconv.Itoa(maxDigits) + " digits, exponent within ±" + strconv.Itoa(maxExponent)
	case "invalid_encoding":
		f.Message = jerr.msg + " (at byte " + strconv.Itoa(jerr.offset) + ")"
	default:
		f.Message = "is not valid JSON: " + jerr.msg + " at byte " + strconv.Itoa(jerr.offset)
	}
	c.add(f, "")
}

func splitPointer(p string) []string {
	if p == "" {
		return nil
	}
	toks := strings.Split(p[1:], "/")
	for i, t := range toks {
		toks[i] = unescapeToken(t)
	}
	return toks
}

// parseMediaType is mime.ParseMediaType without its map for the common
// Content-Type without parameters ("application/json").
func parseMediaType(v string) (string, map[string]string, error) {
	if strings.IndexByte(v, ';') >= 0 {
		return mime.ParseMediaType(v)
	}
	typ := strings.TrimSpace(strings.ToLower(v))
	t, sub, ok := strings.Cut(typ, "/")
	if !ok || !isToken(t) || !isToken(sub) {
		return mime.ParseMediaType(v) // its error
	}
	return typ, nil, nil
}

// isToken reports whether s is a non-empty RFC 2045 token, as mime reads it.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}
