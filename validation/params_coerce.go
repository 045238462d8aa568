package validation

// Coercion: a parameter's text (or a form field's) turned into the JSON
// value its schema expects, so that "10" checks against type: integer.
// typeInfo is what the schema says, read once at load; coerce and its
// relatives apply it to each value. Text that does not convert stays a
// string, and the schema then reports the type.

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

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

func intValue(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(string(n))
	return i, err == nil
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
