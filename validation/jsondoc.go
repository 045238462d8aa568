package validation

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A document written in JSON is read as JSON (RFC 8259), not through the
// YAML parser: every escape JSON has (surrogate pairs such as
// "\ud83d\udc4d" included) means what it means in JSON, the budgets are
// counted while reading, and no intermediate tree is built. Lines are not
// recorded while reading: an error names the line where it is found, and
// the line of a JSON Pointer is found by reading the file again
// (jsonLines), which only a document being refused needs.

// jsonReader reads one JSON document into map[string]any, []any, string,
// json.Number, bool and nil.
type jsonReader struct {
	data []byte
	pos  int
	line int
	name string
	ds   *docSet // the budgets; nil: none
	// path is the place being read, for errors: an object's key or an
	// array's index per level.
	path []pathTok
	// lines, when not nil, receives the line of every value's pointer.
	lines map[string]int
	// strs interns keys and short strings: a large document repeats
	// "type", "string", "description" thousands of times.
	strs map[string]string
}

// looksLikeJSON reports whether data is meant as JSON: its first
// character (after a byte order mark and white space) opens an object or
// an array.
func looksLikeJSON(data []byte) bool {
	data = skipBOM(data)
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

func skipBOM(data []byte) []byte {
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		return data[3:]
	}
	return data
}

// parseJSONDoc reads data as one JSON value.
func parseJSONDoc(name string, data []byte, ds *docSet) (any, error) {
	r := &jsonReader{data: skipBOM(data), line: 1, name: name, ds: ds, strs: map[string]string{}}
	return r.document()
}

// jsonLines returns the line of every value of a JSON document by its
// JSON Pointer; nil when it does not parse.
func jsonLines(data []byte) map[string]int {
	r := &jsonReader{data: skipBOM(data), line: 1, lines: map[string]int{}}
	if _, err := r.document(); err != nil {
		return nil
	}
	return r.lines
}

func (r *jsonReader) document() (any, error) {
	r.space()
	v, err := r.value(0)
	if err != nil {
		return nil, err
	}
	r.space()
	if r.pos < len(r.data) {
		return nil, r.fail("unexpected %s after the document's value", r.what())
	}
	return v, nil
}

// pointer is the JSON Pointer of the place being read.
func (r *jsonReader) pointer() string { return pointerOf(r.path) }

func (r *jsonReader) fail(format string, args ...any) error {
	return &LoadError{File: r.name, Line: r.line, Pointer: r.pointer(), Msg: "not valid JSON: " + fmt.Sprintf(format, args...)}
}

// what names the character at the reading position, for errors.
func (r *jsonReader) what() string {
	if r.pos >= len(r.data) {
		return "end of file"
	}
	c, _ := utf8.DecodeRune(r.data[r.pos:])
	return fmt.Sprintf("character %q", c)
}

func (r *jsonReader) space() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case '\n':
			r.line++
		case ' ', '\t', '\r':
		default:
			return
		}
		r.pos++
	}
}

func (r *jsonReader) value(depth int) (any, error) {
	if r.ds != nil {
		r.ds.nodes++
		if r.ds.nodes > maxDocNodes {
			return nil, r.fail("the document holds more than %d values (objects, arrays and scalars; the limit for all its files together)", maxDocNodes)
		}
	}
	if depth > 512 {
		return nil, &LoadError{File: r.name, Line: r.line, Pointer: r.pointer(), Msg: "nested too deeply"}
	}
	if r.lines != nil {
		if p := r.pointer(); r.lines[p] == 0 {
			r.lines[p] = r.line
		}
	}
	if r.pos >= len(r.data) {
		return nil, r.fail("unexpected end of file")
	}
	switch c := r.data[r.pos]; c {
	case '{':
		return r.object(depth)
	case '[':
		return r.array(depth)
	case '"':
		return r.str(true)
	case 't':
		return r.literal("true", true)
	case 'f':
		return r.literal("false", false)
	case 'n':
		return r.literal("null", nil)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return r.number()
		}
		return nil, r.fail("unexpected %s", r.what())
	}
}

func (r *jsonReader) literal(word string, v any) (any, error) {
	if !strings.HasPrefix(string(r.data[r.pos:min(len(r.data), r.pos+len(word))]), word) {
		return nil, r.fail("unexpected %s", r.what())
	}
	r.pos += len(word)
	return v, nil
}

// object reads a JSON object of a document into a map, keeping the path
// to each member for errors. A key defined twice is refused, as the YAML
// reader refuses it: tools disagree on which of the two counts, so the
// document would not mean one thing.
func (r *jsonReader) object(depth int) (any, error) {
	r.pos++ // {
	m := map[string]any{}
	r.space()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
		return m, nil
	}
	for {
		r.space()
		if r.pos >= len(r.data) || r.data[r.pos] != '"' {
			return nil, r.fail("unexpected %s where a member name is expected", r.what())
		}
		k, err := r.str(false)
		if err != nil {
			return nil, err
		}
		r.space()
		if r.pos >= len(r.data) || r.data[r.pos] != ':' {
			return nil, r.fail("unexpected %s after the member name %q", r.what(), k)
		}
		r.pos++
		r.space()
		r.path = append(r.path, pathTok{key: k, idx: -1})
		if _, dup := m[k]; dup {
			return nil, r.fail("key %q is defined more than once", k)
		}
		v, err := r.value(depth + 1)
		if err != nil {
			return nil, err
		}
		r.path = r.path[:len(r.path)-1]
		m[k] = v
		r.space()
		if r.pos < len(r.data) && r.data[r.pos] == ',' {
			r.pos++
			continue
		}
		if r.pos < len(r.data) && r.data[r.pos] == '}' {
			r.pos++
			return m, nil
		}
		return nil, r.fail("unexpected %s in an object", r.what())
	}
}

func (r *jsonReader) array(depth int) (any, error) {
	r.pos++ // [
	a := []any{}
	r.space()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return a, nil
	}
	r.path = append(r.path, pathTok{})
	for i := 0; ; i++ {
		r.space()
		r.path[len(r.path)-1].idx = i
		v, err := r.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		r.space()
		if r.pos < len(r.data) && r.data[r.pos] == ',' {
			r.pos++
			continue
		}
		if r.pos < len(r.data) && r.data[r.pos] == ']' {
			r.pos++
			r.path = r.path[:len(r.path)-1]
			return a, nil
		}
		return nil, r.fail("unexpected %s in an array", r.what())
	}
}

// str reads a string; value says it is a value, not a key: a key is
// always interned, a value only when short.
func (r *jsonReader) str(value bool) (string, error) {
	start := r.pos + 1
	i := start
	for i < len(r.data) {
		c := r.data[i]
		if c == '"' {
			raw := r.data[start:i]
			r.pos = i + 1
			if !utf8.Valid(raw) {
				return "", r.fail("a string is not valid UTF-8")
			}
			return r.intern(raw, value), nil
		}
		if c == '\\' {
			return r.escapedStr(start, value)
		}
		if c < 0x20 {
			r.pos = i
			return "", r.fail("a control character (%#02x) in a string: write it as an escape", c)
		}
		i++
	}
	r.pos = len(r.data)
	return "", r.fail("a string is not closed")
}

func (r *jsonReader) intern(b []byte, value bool) string {
	if value && len(b) > 40 || r.strs == nil {
		return string(b)
	}
	if s, ok := r.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	r.strs[s] = s
	return s
}

// escapedStr reads a string holding escapes, from start (after the
// opening quote).
func (r *jsonReader) escapedStr(start int, value bool) (string, error) {
	buf := make([]byte, 0, 64)
	i := start
	for i < len(r.data) {
		c := r.data[i]
		switch {
		case c == '"':
			r.pos = i + 1
			if !utf8.Valid(buf) {
				return "", r.fail("a string is not valid UTF-8")
			}
			return r.intern(buf, value), nil
		case c < 0x20:
			r.pos = i
			return "", r.fail("a control character (%#02x) in a string: write it as an escape", c)
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(r.data) {
			break
		}
		e := r.data[i+1]
		i += 2
		if ch, ok := simpleEscape(e); ok {
			buf = append(buf, ch)
			continue
		}
		switch e {
		case 'u':
			r1, ok := hex4(r.data, i)
			if !ok {
				r.pos = i
				return "", r.fail(`\u must be followed by four hexadecimal digits`)
			}
			i += 4
			if utf16.IsSurrogate(r1) {
				// A pair makes one character; a lone half is U+FFFD, as
				// encoding/json reads it.
				if r2, ok := hex4(r.data, i+2); ok && i+1 < len(r.data) && r.data[i] == '\\' && r.data[i+1] == 'u' {
					if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
						buf = utf8.AppendRune(buf, dec)
						i += 6
						continue
					}
				}
				r1 = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r1)
		default:
			r.pos = i - 1
			return "", r.fail(`\%c is not a JSON escape`, e)
		}
	}
	r.pos = len(r.data)
	return "", r.fail("a string is not closed")
}

// number reads a number as JSON writes it (RFC 8259 §6), kept as text.
func (r *jsonReader) number() (any, error) {
	d, start := r.data, r.pos
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		r.pos = i
		return nil, r.fail("a number needs a digit here, not %s", r.what())
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			r.pos = i
			return nil, r.fail("a number needs a digit after its decimal point")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			r.pos = i
			return nil, r.fail("a number needs a digit in its exponent")
		}
	}
	r.pos = i
	return json.Number(r.intern(d[start:i], true)), nil
}
