package errorpages

import (
	"bytes"
	"strings"
)

// Parse recognizes the error dialects of common frameworks and APIs
// (problem+json, Stripe, Google, express-validator, Spring Boot, JSON:API,
// Rails, Laravel, ASP.NET Core, Django REST framework, FastAPI, NestJS,
// hapi, Fastify, Go's http.Error) in body, which has the given
// Content-Type. It never fails: anything it doesn't understand gives an
// empty Upstream.
//
// JSON is read in place (jsonscan.go), in one pass per object, keeping the
// upstream's order of fields; its cost is linear in the body. Of duplicate
// keys the last wins, as in JavaScript's JSON.parse and Go's encoding/json;
// a field given twice in a field map keeps its first place. A body that is
// not valid JSON, or nests deeper than 1024 levels, is not understood
// (text/plain gives its first line).
func Parse(body []byte, contentType string) Upstream {
	var u Upstream
	mt := MediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return u
	case mt == "text/html" || mt == "application/xhtml+xml":
		return u
	case mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		((mt == "" || mt == "text/plain") && (trimmed[0] == '{' || trimmed[0] == '[')):
		if !jsonValid(trimmed) {
			if mt == "text/plain" {
				u.setMessage(firstLine(trimmed))
			}
			return u
		}
		d := jsonDoc(trimmed)
		root := jval{0, len(trimmed)}
		switch trimmed[0] {
		case '{':
			u.fromObject(d, root, 0)
		case '[':
			u.fromList(d, root)
		}
	case mt == "text/plain" || mt == "":
		if looksLikeMarkup(trimmed) {
			return u
		}
		u.setMessage(firstLine(trimmed))
	}
	return u
}

// errObject holds the members of an error object that Parse reads, found
// in one pass over the object (the last of duplicate keys wins).
type errObject struct {
	message, msg, errorDescription, detail, description, title jval
	err                                                        jval
	code, errorCode, errorCodeCamel, reason, status, typ       jval
	errors, fields, invalidParams, param, details, validation  jval
}

func readErrObject(d jsonDoc, v jval) (o errObject) {
	it := d.members(v)
	for k, val, ok := it.next(); ok; k, val, ok = it.next() {
		switch string(d.keyBytes(k)) {
		case "message":
			o.message = val
		case "msg":
			o.msg = val
		case "error_description":
			o.errorDescription = val
		case "detail":
			o.detail = val
		case "description":
			o.description = val
		case "title":
			o.title = val
		case "error":
			o.err = val
		case "code":
			o.code = val
		case "error_code":
			o.errorCode = val
		case "errorCode":
			o.errorCodeCamel = val
		case "reason":
			o.reason = val
		case "status":
			o.status = val
		case "type":
			o.typ = val
		case "errors":
			o.errors = val
		case "fields":
			o.fields = val
		case "invalid-params": // RFC 7807's example extension
			o.invalidParams = val
		case "param":
			o.param = val
		case "details":
			o.details = val
		case "validation":
			o.validation = val
		}
	}
	return o
}

func (u *Upstream) fromObject(d jsonDoc, v jval, depth int) {
	if depth > 3 {
		return
	}
	o := readErrObject(d, v)
	// NestJS's ValidationPipe sends its list of problems as "message".
	if d.kind(o.message) == '[' {
		u.fromMessageList(d, o.message)
	}
	// Message: the most explicit human text first.
	for _, m := range [...]jval{o.message, o.msg, o.errorDescription, o.detail, o.description, o.title} {
		if d.kind(m) != '"' {
			continue
		}
		if s := d.str(m); strings.TrimSpace(s) != "" && u.setMessage(s) {
			break
		}
	}
	// "error": a string (message or code) or a nested object.
	switch d.kind(o.err) {
	case '"':
		if raw := d.rawString(o.err); isCode(string(raw)) {
			u.setType(d.str(o.err))
		} else if u.Message == "" && !isReasonPhrase(raw) {
			u.setMessage(d.str(o.err))
		}
	case '{':
		u.fromObject(d, o.err, depth+1)
	}
	// Type: an explicit code.
	for _, t := range [...]jval{o.code, o.errorCode, o.errorCodeCamel, o.reason, o.status, o.typ} {
		if u.Type != "" {
			break
		}
		if d.kind(t) == '"' {
			if s := d.str(t); isCodeOrURI(s) {
				u.setType(s)
			}
		}
	}
	// Fields.
	switch d.kind(o.errors) {
	case '[':
		u.fromList(d, o.errors)
	case '{':
		u.fromFieldMap(d, o.errors, nil, 0)
	}
	if d.kind(o.fields) == '[' {
		u.fromList(d, o.fields)
	}
	if d.kind(o.invalidParams) == '[' {
		u.fromList(d, o.invalidParams)
	}
	if d.kind(o.param) == '"' && u.Message != "" && len(u.Fields) == 0 { // Stripe
		u.addField(Field{Field: d.str(o.param), Message: u.Message})
	}
	if d.kind(o.detail) == '[' { // FastAPI / pydantic
		u.fromList(d, o.detail)
	}
	if d.kind(o.details) == '[' { // Google: BadRequest.fieldViolations
		it := d.elements(o.details)
		for e, ok := it.nextElem(); ok; e, ok = it.nextElem() {
			mi := d.members(e)
			for k, val, ok := mi.next(); ok; k, val, ok = mi.next() {
				if string(d.keyBytes(k)) == "fieldViolations" && d.kind(val) == '[' {
					u.fromList(d, val)
				}
			}
		}
	}
	if len(u.Fields) == 0 && d.kind(o.validation) == '{' && d.kind(o.message) == '"' { // hapi + joi
		u.fromJoi(d, o.validation, d.str(o.message))
	}
	if len(u.Fields) == 0 && d.kind(o.message) == '"' { // Fastify
		if string(d.rawString(o.code)) == "FST_ERR_VALIDATION" || isFastifyMessage(d.rawString(o.message), true) {
			u.fromFastify(d.str(o.message))
		}
	}
	// Django REST Framework: {"email": ["Enter a valid email address."]}.
	if u.Message == "" && len(u.Fields) == 0 && d.isFieldMap(v, 0) {
		u.fromFieldMap(d, v, nil, 0)
	}
}

// fromList reads a list of error objects (or strings).
func (u *Upstream) fromList(d jsonDoc, list jval) {
	it := d.elements(list)
	for v, ok := it.nextElem(); ok; v, ok = it.nextElem() {
		switch d.kind(v) {
		case '"':
			if u.Message == "" {
				u.setMessage(d.str(v))
			}
		case '{':
			u.fromItem(d, v)
		}
	}
}

// errItem holds the members of one entry of an error list.
type errItem struct {
	field, param, path, pointer, name, property, propertyPath jval
	source, loc, location                                     jval
	message, msg, detail, defaultMessage, description, reason jval
	title, code, typ                                          jval
}

func readErrItem(d jsonDoc, v jval) (o errItem) {
	it := d.members(v)
	for k, val, ok := it.next(); ok; k, val, ok = it.next() {
		switch string(d.keyBytes(k)) {
		case "field":
			o.field = val
		case "param":
			o.param = val
		case "path":
			o.path = val
		case "pointer":
			o.pointer = val
		case "name":
			o.name = val
		case "property":
			o.property = val
		case "propertyPath":
			o.propertyPath = val
		case "source":
			o.source = val
		case "loc":
			o.loc = val
		case "location":
			o.location = val
		case "message":
			o.message = val
		case "msg":
			o.msg = val
		case "detail":
			o.detail = val
		case "defaultMessage":
			o.defaultMessage = val
		case "description":
			o.description = val
		case "reason":
			o.reason = val
		case "title":
			o.title = val
		case "code":
			o.code = val
		case "type":
			o.typ = val
		}
	}
	return o
}

// fromItem reads one entry of an error list: a field problem when it names
// a field, else a message and a code.
func (u *Upstream) fromItem(d jsonDoc, v jval) {
	it := readErrItem(d, v)
	msgVal := firstString(d, it.message, it.msg, it.detail, it.defaultMessage, it.description, it.reason, it.title)
	names := [...]jval{it.field, it.param, it.path, it.pointer, it.name, it.property, it.propertyPath, it.source, it.loc}
	named := false
	for _, n := range names {
		if k := d.kind(n); k == '"' && n.e-n.s > 2 || k == '[' || k == '{' {
			named = true
			break
		}
	}
	if named && len(u.Fields) >= MaxFields {
		return // the list is full; the rest is only skipped over
	}
	var f Field
	if named {
		f = itemField(d, &it)
	}
	if f.Field == "" {
		if u.Message == "" && msgVal.ok() {
			u.setMessage(d.str(msgVal))
		}
		if u.Type == "" {
			if c := d.str(firstString(d, it.code, it.typ, it.reason)); isCode(c) {
				u.setType(c)
			}
		}
		return
	}
	f.Message = "is invalid"
	if msgVal.ok() {
		f.Message = d.str(msgVal)
	}
	// The problem's code: "code", Google's "reason", pydantic's "type".
	switch {
	case d.kind(it.code) == '"':
		f.Code = d.str(it.code)
	case d.kind(it.reason) == '"' && it.reason != msgVal:
		f.Code = d.str(it.reason)
	case d.kind(it.typ) == '"' && it.loc.ok():
		f.Code = d.str(it.typ)
	}
	u.addField(f)
}

// itemField finds a field's name, and its pointer where the upstream
// gives the request part: field, param, path, pointer, name, property,
// propertyPath (with express-validator's location), source.pointer
// (JSON:API) or loc (pydantic).
func itemField(d jsonDoc, it *errItem) Field {
	for _, v := range [...]jval{it.field, it.param, it.path, it.pointer, it.name, it.property, it.propertyPath} {
		switch d.kind(v) {
		case '"':
			s := d.str(v)
			if s == "" {
				continue
			}
			if strings.HasPrefix(s, "#/") || strings.HasPrefix(s, "/") {
				// A JSON Pointer (problem+json's "#/age") points into the
				// request content: the body.
				return Field{Field: pointerToField(s), Pointer: bodyPointer(s)}
			}
			if part := requestPart(d.rawString(it.location)); part != "" { // express-validator
				name, ptr := dottedField(s, part)
				return Field{Field: name, Pointer: ptr}
			}
			return Field{Field: s}
		case '[':
			if s := joinPath(d, v); s != "" {
				return Field{Field: s}
			}
		}
	}
	if d.kind(it.source) == '{' { // JSON:API
		var ptr, param jval
		mi := d.members(it.source)
		for k, val, ok := mi.next(); ok; k, val, ok = mi.next() {
			switch string(d.keyBytes(k)) {
			case "pointer":
				ptr = val
			case "parameter":
				param = val
			}
		}
		if d.kind(ptr) == '"' {
			p := d.str(ptr)
			return Field{Field: pointerToField(p), Pointer: bodyPointer(p)}
		}
		if d.kind(param) == '"' {
			p := d.str(param)
			return Field{Field: p, Pointer: "/query" + string(appendPointerSeg(nil, p))}
		}
	}
	if d.kind(it.loc) == '[' { // pydantic: ["body", "items", 0, "qty"]
		return locField(d, it.loc)
	}
	return Field{}
}

// locField names a pydantic loc. Its first element is the part of the
// request ("body", "query", "path", "header", "cookie"), not the field.
func locField(d jsonDoc, loc jval) Field {
	it := d.elements(loc)
	first, ok := it.nextElem()
	if !ok {
		return Field{}
	}
	part := ""
	switch string(d.rawString(first)) {
	case "body":
		part = "body"
	case "query":
		part = "query"
	case "path":
		part = "path"
	case "header":
		part = "header"
	case "cookie":
		part = "cookie"
	}
	if part == "" {
		return Field{Field: joinPath(d, loc)}
	}
	var name, ptr []byte
	ptr = append(append(ptr, '/'), part...)
	n := 0
	for v, ok := it.nextElem(); ok; v, ok = it.nextElem() {
		n++
		switch d.kind(v) {
		case '"':
			s := d.str(v)
			name = appendNameSeg(name, s, false)
			ptr = appendPointerSeg(ptr, s)
		default:
			if s := d.number(v); s != "" {
				name = appendNameSeg(name, s, true)
				ptr = appendPointerSeg(ptr, s)
			}
		}
	}
	if n == 0 { // ["body"]: the whole part
		return Field{Field: part, Pointer: string(ptr)}
	}
	return Field{Field: string(name), Pointer: string(ptr)}
}

// joinPath names a path given as a list: ["items", 0, "qty"] →
// "items[0].qty".
func joinPath(d jsonDoc, list jval) string {
	var name []byte
	it := d.elements(list)
	for v, ok := it.nextElem(); ok; v, ok = it.nextElem() {
		switch d.kind(v) {
		case '"':
			name = appendNameSeg(name, d.str(v), false)
		default:
			if s := d.number(v); s != "" {
				name = appendNameSeg(name, s, true)
			}
		}
	}
	return string(name)
}

// pointerToField turns a JSON Pointer ("/data/attributes/email",
// "#/items/0/name") into a field name ("email", "items[0].name").
func pointerToField(p string) string {
	p = strings.TrimPrefix(p, "#")
	if !strings.HasPrefix(p, "/") {
		return p
	}
	p = p[1:]
	// JSON:API puts attributes under /data/attributes/.
	if rest, ok := strings.CutPrefix(p, "data/attributes/"); ok && rest != "" {
		p = rest
	}
	var name []byte
	for seg := range strings.SplitSeq(p, "/") {
		if strings.Contains(seg, "~") {
			seg = pointerUnescaper.Replace(seg)
		}
		name = appendNameSeg(name, seg, isIndex(seg))
	}
	return string(name)
}

var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// bodyPointer qualifies a pointer into the request content ("#/age",
// "/age") with the body: "/body/age".
func bodyPointer(p string) string {
	return "/body" + strings.TrimPrefix(p, "#")
}

// firstString returns the first of vs that is a string with more than
// white space in it.
func firstString(d jsonDoc, vs ...jval) jval {
	for _, v := range vs {
		if raw := d.rawString(v); len(bytes.TrimSpace(raw)) > 0 {
			return v
		}
	}
	return jval{}
}

// isCode reports whether s looks like a machine error code
// ("validation_failed", "INVALID_ARGUMENT", "card-declined").
func isCode(s string) bool {
	if s == "" || len(s) > maxTypeLen {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.':
		default:
			return false
		}
	}
	return letter
}

func isCodeOrURI(s string) bool {
	if s == "about:blank" {
		return false
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "urn:") {
		i := strings.LastIndexAny(s, "/#:")
		return i >= 0 && isCode(s[i+1:]) && !isRFCSection(s)
	}
	return isCode(s)
}

// isRFCSection spots ASP.NET's default problem types, which link to an RFC
// section rather than naming an error.
func isRFCSection(s string) bool {
	return strings.Contains(s, "tools.ietf.org/html/rfc") || strings.Contains(s, "datatracker.ietf.org/doc/html/rfc")
}

// isReasonPhrase reports whether s is a standard reason phrase ("Bad
// Request"), in any case.
func isReasonPhrase(s []byte) bool {
	var buf [40]byte
	if len(s) > len(buf) {
		return false
	}
	lower := buf[:len(s)]
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return reasonPhrases[string(lower)]
}

var reasonPhrases = func() map[string]bool {
	m := map[string]bool{}
	for code := range statusDescriptions {
		m[strings.ToLower(ReasonPhrase(code))] = true
	}
	return m
}()

func firstLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func looksLikeMarkup(b []byte) bool {
	return len(b) > 0 && b[0] == '<'
}

// MediaType returns the lower-case media type of a Content-Type value,
// without parameters ("application/json; charset=utf-8" → "application/json").
func MediaType(contentType string) string {
	if i := strings.IndexByte(contentType, ';'); i >= 0 {
		contentType = contentType[:i]
	}
	contentType = strings.TrimSpace(contentType)
	for i := 0; i < len(contentType); i++ {
		if c := contentType[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(contentType)
		}
	}
	return contentType
}
