package validation

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Multipart limits, beyond the body's own max_body bound.
const (
	maxParts       = 1000
	maxPartHeaders = 16 << 10
)

// formValues is the decoded fields of a form body by name, in order.
type formValues struct {
	names  []string
	values map[string][]string
	files  map[string]bool // names whose parts are files
	// skip names fields already reported (wrong part type): present, but
	// not checked again by the schema.
	skip map[string]bool
}

func (fv *formValues) add(name, value string) {
	if fv.values == nil {
		fv.values = map[string][]string{}
	}
	if _, ok := fv.values[name]; !ok {
		fv.names = append(fv.names, name)
	}
	fv.values[name] = append(fv.values[name], value)
}

// MaxFields is the most fields a query string or a form body may have:
// the limit Go's net/url applies to ParseQuery (strings.Count of '&',
// plus one), so that no Go upstream reads a request this module let
// through differently. Decoding a field costs a few hundred bytes, so
// the limit, not the body's size, bounds what a form costs.
const MaxFields = 10000

// tooManyFields is the problem of a query or form over MaxFields.
func tooManyFields(pointer string) errorpages.Field {
	return errorpages.Field{Pointer: pointer, Code: "too_many_fields", Message: "has more than " + strconv.Itoa(MaxFields) + " fields",
		Hint: "send at most " + strconv.Itoa(MaxFields) + " fields"}
}

// checkForm validates an application/x-www-form-urlencoded body.
func (op *Operation) checkForm(mt *mediaType, body []byte, c *collector) {
	if bytes.Count(body, []byte{'&'})+1 > MaxFields {
		c.add(tooManyFields("/body"), "")
		return
	}
	var fv formValues
	raw := string(body)
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		dk, e1 := unescapeQuery(k)
		dv, e2 := unescapeQuery(v)
		if e1 || e2 {
			c.add(errorpages.Field{Pointer: "/body", Code: "invalid_encoding", Message: "is not validly percent-encoded UTF-8"}, "")
			return
		}
		fv.add(dk, dv)
	}
	op.checkFormValues(mt, &fv, c)
}

// checkFormValues coerces form fields per the schema and the encoding
// object, then validates them as one object. Bracketed names
// (shipping[address][city], items[0][price], tags[]) build nested
// objects and arrays (brackets.go), unless the property's encoding gives
// it a style other than deepObject, or the schema declares the name as it
// stands.
func (op *Operation) checkFormValues(mt *mediaType, fv *formValues, c *collector) {
	obj := make(map[string]any, len(fv.names))
	nested := map[string]bool{} // the properties built from brackets
	b := brackets{c: c}
	for _, name := range fv.names {
		if _, declared := mt.types.props[name]; declared || fv.files[name] || fv.skip[name] {
			continue
		}
		base, toks, ok := bracketPath(name)
		if !ok {
			continue
		}
		if enc := mt.encoding[base]; enc != nil && enc.style != "deepObject" && enc.styled {
			continue
		}
		for _, v := range fv.values[name] {
			obj[base] = b.set(obj[base], toks, v, mt.types.prop(base), "/body/"+escapeToken(base), base)
		}
		nested[base] = true
	}
	for base := range nested {
		obj[base] = bracketValue(obj[base])
	}
	for _, name := range fv.names {
		if _, ok := obj[name]; ok && nested[name] {
			c.add(errorpages.Field{Pointer: "/body/" + escapeToken(name), Code: "duplicate", Message: "is given both as a value and with brackets"}, name)
			continue
		}
		if _, declared := mt.types.props[name]; !declared && !fv.files[name] && !fv.skip[name] {
			if base, _, ok := bracketPath(name); ok && nested[base] {
				continue
			}
		}
		vals := fv.values[name]
		pt := mt.types.prop(name)
		enc := mt.encoding[name]
		style, explode := "form", true
		if enc != nil {
			style, explode = enc.style, enc.explode
		}
		if fv.files[name] || fv.skip[name] {
			if pt.shape() == tArray {
				a := make([]any, len(vals))
				for i := range a {
					a[i] = filePlaceholder
				}
				obj[name] = a
			} else {
				obj[name] = filePlaceholder
			}
			continue
		}
		switch pt.shape() {
		case tArray:
			if explode || len(vals) > 1 {
				a := make([]any, len(vals))
				for i, v := range vals {
					a[i] = coerce(v, pt.items)
				}
				obj[name] = a
			} else {
				sep := ","
				switch style {
				case "spaceDelimited":
					sep = " "
				case "pipeDelimited":
					sep = "|"
				}
				parts := strings.Split(vals[0], sep)
				a := make([]any, len(parts))
				for i, v := range parts {
					a[i] = coerce(v, pt.items)
				}
				obj[name] = a
			}
		case tObject:
			// An object part is JSON unless its encoding says otherwise,
			// or it is not an object and the schema allows a string (an
			// empty value unsets an object in Stripe's API).
			if pt.is(tString) && !strings.HasPrefix(vals[0], "{") {
				obj[name] = vals[0]
				continue
			}
			v, jerr := parseJSON([]byte(vals[0]), op.opts.MaxDepth)
			if jerr != nil {
				c.add(errorpages.Field{Pointer: "/body/" + escapeToken(name) + jerr.ptr, Code: jerr.code, Message: "is not valid JSON: " + jerr.msg}, name)
				continue
			}
			obj[name] = toEngine(&v)
		default:
			if len(vals) > 1 {
				c.add(errorpages.Field{Pointer: "/body/" + escapeToken(name), Code: "duplicate", Message: "is given more than once"}, name)
				if fv.skip == nil {
					fv.skip = map[string]bool{}
				}
				fv.skip[name] = true
			}
			obj[name] = coerce(vals[0], pt)
		}
	}
	if mt.schema == nil || mt.fast != nil && mt.fast.valid(obj) {
		return
	}
	before, body := len(c.fields), c.body
	// As for JSON, the engine explains only the fields that fail, in
	// the order of their names, and stops at MaxCounted problems; where
	// that finds nothing, it explains the whole object.
	explained := false
	if mt.fast != nil {
		j := sortedObject(obj)
		explained = c.explain(mt.fast, &j)
	}
	if !explained {
		if err := mt.schema.Validate(obj); err != nil {
			c.schemaErrors(err, obj, "/body", "", false)
		}
	}
	// A file's content is checked by type and size, not by the string
	// keywords its placeholder would fail.
	kept := c.fields[:before]
	for _, f := range c.fields[before:] {
		if isFileProblem(f, fv.files) || underSkipped(f, fv.skip) {
			continue
		}
		kept = append(kept, f)
	}
	c.fields = kept
	c.body = body + len(c.fields) - before
}

// sortedObject is fromAny of a form's fields with its members sorted by
// name: the order in which problems are sorted, so that a collector
// that fills up keeps the first problems of the answer.
func sortedObject(obj map[string]any) jv {
	m := make([]jmember, 0, len(obj))
	for _, k := range sortedKeys(obj) {
		m = append(m, jmember{k, fromAny(obj[k])})
	}
	return jv{k: jObject, kids: m}
}

// filePlaceholder stands for a file part's content in the validated
// object: files are checked by content type and size instead.
const filePlaceholder = "\x00file"

func isFileProblem(f errorpages.Field, files map[string]bool) bool {
	switch f.Code {
	case "min_length", "max_length", "pattern", "format", "enum", "const", "content":
	default:
		return false
	}
	toks := splitPointer(strings.TrimPrefix(f.Pointer, "/body"))
	return len(toks) > 0 && files[toks[0]]
}

func (t *typeInfo) prop(name string) *typeInfo {
	if t == nil {
		return nil
	}
	if p, ok := t.props[name]; ok {
		return p
	}
	return t.additional
}

// checkMultipart validates a multipart/form-data body: each part by name,
// file parts by content type and size.
func (op *Operation) checkMultipart(mt *mediaType, boundary string, body []byte, c *collector) {
	if boundary == "" {
		c.add(errorpages.Field{Pointer: "/body", Code: "multipart", Message: "has no boundary in its Content-Type", Hint: "send Content-Type: multipart/form-data; boundary=…"}, "")
		return
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	fv := formValues{files: map[string]bool{}}
	sizes := map[string][]int{}
	for n := 0; ; n++ {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || n >= maxParts {
			c.add(errorpages.Field{Pointer: "/body", Code: "multipart", Message: "is not a well-formed multipart body"}, "")
			return
		}
		name := part.FormName()
		if name == "" {
			c.add(errorpages.Field{Pointer: "/body", Code: "multipart", Message: "has a part without a form-data name"}, "")
			return
		}
		data, err := io.ReadAll(part)
		if err != nil {
			c.add(errorpages.Field{Pointer: "/body", Code: "multipart", Message: "is not a well-formed multipart body"}, "")
			return
		}
		ptr := "/body/" + escapeToken(name)
		isFile := part.FileName() != "" || mt.types.prop(name).binary()
		if enc := mt.encoding[name]; enc != nil && len(enc.contentTypes) > 0 {
			ct := part.Header.Get("Content-Type")
			if !partTypeAllowed(ct, isFile, enc.contentTypes) {
				c.add(errorpages.Field{Pointer: ptr, Code: "media_type", Message: "has a content type this field does not accept", Hint: "send one of: " + strings.Join(enc.contentTypes, ", ")}, name)
				c.body++
				if fv.skip == nil {
					fv.skip = map[string]bool{}
				}
				fv.skip[name] = true
				fv.add(name, "")
				continue
			}
		}
		if isFile {
			fv.files[name] = true
			sizes[name] = append(sizes[name], len(data))
			fv.add(name, "")
			continue
		}
		if !utf8.Valid(data) {
			c.add(errorpages.Field{Pointer: ptr, Code: "invalid_encoding", Message: "is not valid UTF-8"}, name)
			continue
		}
		fv.add(name, string(data))
	}
	// File sizes against the property's maxLength/minLength (bytes).
	for name, ss := range sizes {
		t := mt.types.prop(name)
		if t.shape() == tArray {
			t = t.items
		}
		if t == nil {
			continue
		}
		for i, n := range ss {
			ptr := "/body/" + escapeToken(name)
			field := name
			if len(ss) > 1 || mt.types.prop(name).shape() == tArray {
				ptr += "/" + itoa(i)
				field += "[" + itoa(i) + "]"
			}
			if t.maxLength >= 0 && n > t.maxLength {
				c.add(errorpages.Field{Pointer: ptr, Code: "max_size", Message: "is larger than " + sizeText(t.maxLength)}, field)
				c.body++
			}
			if t.minLength > 0 && n < t.minLength {
				c.add(errorpages.Field{Pointer: ptr, Code: "min_size", Message: "is smaller than " + sizeText(t.minLength)}, field)
				c.body++
			}
		}
	}
	op.checkFormValues(mt, &fv, c)
}

func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}

// partTypeAllowed checks a part's Content-Type against an encoding's
// media ranges. A part without one is text/plain, or
// application/octet-stream for a file (RFC 7578 §4.4).
func partTypeAllowed(ct string, isFile bool, ranges []string) bool {
	typ := "text/plain"
	if isFile {
		typ = "application/octet-stream"
	}
	if ct != "" {
		t, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return false
		}
		typ = t
	}
	t, sub, _ := strings.Cut(typ, "/")
	for _, r := range ranges {
		rb, _, _ := strings.Cut(r, ";")
		rt, rs, _ := strings.Cut(strings.TrimSpace(rb), "/")
		if (rt == "*" || rt == t) && (rs == "*" || rs == sub) {
			return true
		}
	}
	return false
}

func (t *typeInfo) binary() bool { return t != nil && t.isBinary }

func underSkipped(f errorpages.Field, skip map[string]bool) bool {
	if len(skip) == 0 {
		return false
	}
	toks := splitPointer(strings.TrimPrefix(f.Pointer, "/body"))
	return len(toks) > 0 && skip[toks[0]]
}
