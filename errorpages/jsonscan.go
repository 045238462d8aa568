package errorpages

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader for upstream error bodies. Parse first checks the
// whole body once (jsonValid: iterative, no allocation, a depth limit),
// then walks it in place: objects and arrays are read member by member in
// the upstream's order, values are spans into the body, and a string is
// unescaped (and copied) only when Parse uses it. Each walk level skips the
// values it does not read, and Parse reads a bounded number of levels, so
// the work is linear in the body. encoding/json's map[string]any costs an
// allocation per value and loses the members' order.

// maxJSONDepth bounds the nesting of a body Parse reads. Deeper bodies are
// treated like invalid JSON; checking costs no recursion at any depth.
const maxJSONDepth = 1024

// jval is a value's span in the body: b[s:e]. The zero jval is "absent".
type jval struct{ s, e int }

func (v jval) ok() bool { return v.e > v.s }

// jsonDoc is a body that jsonValid accepted.
type jsonDoc []byte

// kind returns the first byte of v ('{', '[', '"', 't', 'f', 'n' or a
// number's first byte), or 0 when v is absent.
func (d jsonDoc) kind(v jval) byte {
	if !v.ok() || v.s >= len(d) {
		return 0
	}
	return d[v.s]
}

// rawString returns a string value's bytes between the quotes, still
// escaped.
func (d jsonDoc) rawString(v jval) []byte {
	if d.kind(v) != '"' || v.e-v.s < 2 || v.e > len(d) {
		return nil
	}
	return d[v.s+1 : v.e-1]
}

// str returns a string value unescaped, as valid UTF-8 (invalid bytes and
// lone surrogates become U+FFFD); "" when v is not a string.
func (d jsonDoc) str(v jval) string {
	return unescapeJSON(d.rawString(v))
}

// keyBytes returns an object key for comparison: its raw bytes, or its
// unescaped bytes when it holds an escape (the rare case that allocates).
func (d jsonDoc) keyBytes(k jval) []byte {
	raw := d.rawString(k)
	if bytes.IndexByte(raw, '\\') >= 0 {
		return []byte(unescapeJSON(raw))
	}
	return raw
}

// number returns a number value's text in the form Parse names array
// indexes with ("0", "12"; "1e1" → "10"); "" when v is not a number.
func (d jsonDoc) number(v jval) string {
	c := d.kind(v)
	if c != '-' && (c < '0' || c > '9') {
		return ""
	}
	raw := d[v.s:v.e]
	plain := true
	for _, c := range raw {
		if c < '0' || c > '9' {
			plain = false
			break
		}
	}
	if plain && len(raw) < 19 {
		return string(raw)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return string(raw)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// members iterates over an object's members; elements over an array's.
func (d jsonDoc) members(v jval) jsonIter {
	if d.kind(v) != '{' {
		return jsonIter{d: d, i: len(d)}
	}
	return jsonIter{d: d, i: v.s + 1}
}

func (d jsonDoc) elements(v jval) jsonIter {
	if d.kind(v) != '[' {
		return jsonIter{d: d, i: len(d)}
	}
	return jsonIter{d: d, i: v.s + 1}
}

// jsonIter walks the members or elements of one container.
type jsonIter struct {
	d jsonDoc
	i int
}

// next returns the next object member.
func (it *jsonIter) next() (key, val jval, ok bool) {
	d := it.d
	i := skipWS(d, it.i)
	if i < len(d) && d[i] == ',' {
		i = skipWS(d, i+1)
	}
	if i >= len(d) || d[i] != '"' {
		it.i = len(d)
		return jval{}, jval{}, false
	}
	ke, _ := jsonStringEnd(d, i)
	if ke < 0 {
		it.i = len(d)
		return jval{}, jval{}, false
	}
	key = jval{i, ke}
	i = skipWS(d, ke)
	if i >= len(d) || d[i] != ':' {
		it.i = len(d)
		return jval{}, jval{}, false
	}
	i = skipWS(d, i+1)
	if i >= len(d) {
		it.i = len(d)
		return jval{}, jval{}, false
	}
	val = jval{i, jsonSkip(d, i)}
	it.i = val.e
	return key, val, true
}

// nextElem returns the next array element.
func (it *jsonIter) nextElem() (val jval, ok bool) {
	d := it.d
	i := skipWS(d, it.i)
	if i < len(d) && d[i] == ',' {
		i = skipWS(d, i+1)
	}
	if i >= len(d) || d[i] == ']' || d[i] == '}' {
		it.i = len(d)
		return jval{}, false
	}
	val = jval{i, jsonSkip(d, i)}
	it.i = val.e
	return val, val.ok()
}

// jsonSkip returns the end of the value that starts at i in a valid body.
func jsonSkip(d []byte, i int) int {
	if i >= len(d) {
		return len(d)
	}
	switch d[i] {
	case '"':
		if e, _ := jsonStringEnd(d, i); e > 0 {
			return e
		}
		return len(d)
	case '{', '[':
		depth := 0
		for i < len(d) {
			switch d[i] {
			case '"':
				e, _ := jsonStringEnd(d, i)
				if e < 0 {
					return len(d)
				}
				i = e
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(d)
	}
	for i < len(d) && scalarByte[d[i]] {
		i++
	}
	return i
}

// scalarByte marks the bytes of numbers and of true, false and null.
var scalarByte = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eEtruefalsn") {
		t[c] = true
	}
	return t
}()

// plainStringByte marks the string bytes that need no attention: not a
// quote, a backslash, a control character or a non-ASCII byte.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func skipWS(d []byte, i int) int {
	for i < len(d) {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// jsonStringEnd returns the index after the string that starts with the
// quote at i, or -1 when it is not a valid JSON string. plain reports that
// the string has no escape and only ASCII.
func jsonStringEnd(d []byte, i int) (end int, plain bool) {
	plain = true
	i++
	for i < len(d) {
		c := d[i]
		if plainStringByte[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			return i + 1, plain
		case c == '\\':
			plain = false
			if i+1 >= len(d) {
				return -1, false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					return -1, false
				}
				i += 6
			default:
				return -1, false
			}
		case c < 0x20:
			return -1, false
		default: // non-ASCII: any bytes; unescapeJSON replaces invalid UTF-8
			plain = false
			i++
		}
	}
	return -1, false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// jsonNumberEnd returns the index after the number that starts at i, or
// -1 when there is no valid JSON number there.
func jsonNumberEnd(d []byte, i int) int {
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i)
	default:
		return -1
	}
	if i < len(d) && d[i] == '.' {
		j := digits(d, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(d, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digits(d []byte, i int) int {
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i
}

// jsonKeyValue expects `"key" :` at i and returns where the member's value
// starts, or -1.
func jsonKeyValue(d []byte, i int) int {
	if i >= len(d) || d[i] != '"' {
		return -1
	}
	e, _ := jsonStringEnd(d, i)
	if e < 0 {
		return -1
	}
	i = skipWS(d, e)
	if i >= len(d) || d[i] != ':' {
		return -1
	}
	return skipWS(d, i+1)
}

// jsonValid reports whether d is exactly one JSON value (RFC 8259) nested
// at most maxJSONDepth deep. It runs in one pass with a fixed-size stack of
// bits (object or array per level) and allocates nothing.
func jsonValid(d []byte) bool {
	var stack [maxJSONDepth / 64]uint64 // bit set: object
	depth := 0
	i := skipWS(d, 0)
	for {
		// A value starts at i.
		if i >= len(d) {
			return false
		}
		switch c := d[i]; c {
		case '{', '[':
			if depth == maxJSONDepth {
				return false
			}
			obj := c == '{'
			if obj {
				stack[depth>>6] |= 1 << (depth & 63)
			} else {
				stack[depth>>6] &^= 1 << (depth & 63)
			}
			depth++
			i = skipWS(d, i+1)
			if i < len(d) && (obj && d[i] == '}' || !obj && d[i] == ']') {
				depth--
				i++
				break // an empty container is a complete value
			}
			if obj {
				if i = jsonKeyValue(d, i); i < 0 {
					return false
				}
			}
			continue
		case '"':
			if i, _ = jsonStringEnd(d, i); i < 0 {
				return false
			}
		case 't':
			if !bytes.HasPrefix(d[i:], []byte("true")) {
				return false
			}
			i += 4
		case 'f':
			if !bytes.HasPrefix(d[i:], []byte("false")) {
				return false
			}
			i += 5
		case 'n':
			if !bytes.HasPrefix(d[i:], []byte("null")) {
				return false
			}
			i += 4
		default:
			if i = jsonNumberEnd(d, i); i < 0 {
				return false
			}
		}
		// After a complete value: close containers, or go on to the next
		// element or member.
		for {
			i = skipWS(d, i)
			if depth == 0 {
				return i == len(d)
			}
			if i >= len(d) {
				return false
			}
			obj := stack[(depth-1)>>6]&(1<<((depth-1)&63)) != 0
			c := d[i]
			if c == ',' {
				i = skipWS(d, i+1)
				if obj {
					if i = jsonKeyValue(d, i); i < 0 {
						return false
					}
				}
				break
			}
			if obj && c == '}' || !obj && c == ']' {
				depth--
				i++
				continue
			}
			return false
		}
	}
}

// unescapeJSON decodes the inside of a JSON string. The result is valid
// UTF-8: each invalid byte and each lone surrogate becomes U+FFFD, as in
// encoding/json. Plain strings are copied once.
func unescapeJSON(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw)
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			switch e := raw[i+1]; e {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, n := unicodeEscape(raw[i:])
				b.WriteRune(r)
				i += n
				continue
			default: // " \ /
				b.WriteByte(e)
			}
			i += 2
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			b.WriteRune(r) // RuneError for an invalid byte
			i += n
		}
	}
	return b.String()
}

// unicodeEscape decodes \uXXXX (and a following low surrogate) at the
// start of s, returning the rune and the bytes used.
func unicodeEscape(s []byte) (rune, int) {
	if len(s) < 6 || !isHex4(s[2:6]) {
		return utf8.RuneError, 2
	}
	r := rune(hex4(s[2:6]))
	if !utf16.IsSurrogate(r) {
		return r, 6
	}
	if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' && isHex4(s[8:12]) {
		if dec := utf16.DecodeRune(r, rune(hex4(s[8:12]))); dec != utf8.RuneError {
			return dec, 12
		}
	}
	return utf8.RuneError, 6
}

func hex4(b []byte) int {
	n := 0
	for _, c := range b[:4] {
		n <<= 4
		switch {
		case c >= '0' && c <= '9':
			n |= int(c - '0')
		case c >= 'a' && c <= 'f':
			n |= int(c - 'a' + 10)
		default:
			n |= int(c - 'A' + 10)
		}
	}
	return n
}
