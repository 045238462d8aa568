package errorpages

import (
	"strconv"
	"strings"
)

// Limits applied to everything taken from an upstream body.
const (
	MaxMessageLen = 500 // characters of a message or field message
	MaxFieldName  = 100 // characters of a field name
	MaxFields     = 50  // entries of the field list
	maxTypeLen    = 64
)

// Upstream is what was understood of an upstream error body.
type Upstream struct {
	// Message is the upstream's human message, cleaned; "" if none.
	Message string
	// Type is the upstream's error code as a snake_case slug; "" if none.
	Type string
	// Fields are the validation problems the upstream reported.
	Fields []Field
	// Dropped lists, for the server log only, what was withheld as
	// internal (stack traces, dumps) and the original text of messages
	// whose internal parts were redacted.
	Dropped []string
}

// setMessage cleans s and keeps it unless it looks internal. It reports
// whether s was kept.
func (u *Upstream) setMessage(s string) bool {
	s = clean(s, MaxMessageLen)
	if s == "" {
		return false
	}
	out, ok := Sanitize(s)
	if !ok {
		u.drop(s)
		return false
	}
	if out != s {
		u.drop(s) // the original, with what was redacted, goes to the log only
	}
	u.Message = out
	return true
}

func (u *Upstream) setType(s string) {
	if i := strings.LastIndexAny(s, "/#"); i >= 0 { // a problem type URI
		s = s[i+1:]
	}
	if !isSlug(s) {
		s = asciiSlug(s)
	}
	if len(s) > maxTypeLen {
		s = s[:maxTypeLen]
	}
	u.Type = s
}

// asciiSlug is slug in one allocation for the usual codes, ASCII words
// joined by "_", "-", "." or spaces ("FST_ERR_VALIDATION",
// "card-declined"); other text goes through slug.
func asciiSlug(s string) string {
	b := make([]byte, 0, len(s))
	under := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z':
			if under && len(b) > 0 {
				b = append(b, '_')
			}
			under = false
			if c <= 'Z' && c >= 'A' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		case c == '_' || c == '-' || c == '.' || c == ' ':
			under = true
		default:
			return slug(s)
		}
	}
	return string(b)
}

// isSlug reports whether s is already what slug would make of it
// ("validation_failed"), so that it needs no copy.
func isSlug(s string) bool {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' && s[i-1] != '_') {
			return false
		}
	}
	return true
}

// maxPointerLen bounds a field's pointer; a longer one is dropped.
const maxPointerLen = 2 * MaxFieldName

// addField keeps a field problem when its name and message are clean and
// nothing in them looks internal. Its pointer is kept when clean, its code
// when it looks like one.
func (u *Upstream) addField(f Field) {
	if len(u.Fields) >= MaxFields {
		return
	}
	field := clean(f.Field, MaxFieldName)
	msg := clean(f.Message, MaxMessageLen)
	if field == "" || msg == "" {
		return
	}
	cleanMsg, okMsg := Sanitize(msg)
	cleanField, okField := Sanitize(field)
	if !okMsg || !okField || cleanField != field {
		u.drop(field + ": " + msg)
		return
	}
	if cleanMsg != msg {
		u.drop(field + ": " + msg)
	}
	// The pointer is made of the name's own segments under a request part,
	// so the gate the name passed covers it (Sanitize would take a pointer
	// for a file path). It is kept only when the name passed whole: a name
	// cut or reflowed by clean would leave part of the pointer unchecked.
	if f.Pointer != "" && (field != f.Field || clean(f.Pointer, maxPointerLen) != f.Pointer) {
		f.Pointer = ""
	}
	f.Field, f.Message = field, cleanMsg
	if !isCode(f.Code) {
		f.Code = ""
	}
	if h := f.Hint; h != "" {
		f.Hint = ""
		if h, ok := Sanitize(clean(h, MaxMessageLen)); ok {
			f.Hint = h
		}
	}
	if u.Fields == nil {
		u.Fields = make([]Field, 0, 4)
	}
	u.Fields = append(u.Fields, f)
}

func (u *Upstream) drop(s string) {
	if len(u.Dropped) < 5 {
		u.Dropped = append(u.Dropped, s)
	}
}

// requestPart names the part of the request that a framework's location
// word refers to, as Field.Pointer spells it: body, query, path, header
// or cookie; "" when unknown.
func requestPart(loc []byte) string {
	switch string(loc) {
	case "body", "payload":
		return "body"
	case "query", "querystring":
		return "query"
	case "params", "path":
		return "path"
	case "headers", "header":
		return "header"
	case "cookies", "cookie":
		return "cookie"
	}
	return ""
}

// dottedField names a property path given as text ("items.0.qty",
// "items[0].qty", "address.city") the way Field names it ("items[0].qty")
// and, when part is known, points at it ("/body/items/0/qty").
func dottedField(path, part string) (name, pointer string) {
	var n, p []byte
	if part != "" {
		p = append(append(p, '/'), part...)
	}
	for start, i := 0, 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' && path[i] != '[' && path[i] != ']' {
			continue
		}
		if seg := path[start:i]; seg != "" {
			n = appendNameSeg(n, seg, isIndex(seg))
			if part != "" {
				p = appendPointerSeg(p, seg)
			}
		}
		start = i + 1
	}
	if string(n) != path {
		// The name is not the upstream's text ("10.0.3.7" reads
		// "[10][0][3][7]"): the text itself must pass the gate too, else
		// it is given back as the name, for addField to withhold.
		if out, ok := Sanitize(clean(path, MaxFieldName)); !ok || out != path {
			return path, ""
		}
	}
	return sameOr(n, path), string(p)
}

// sameOr returns s when b holds the same text, else b as a string: a
// name that needed no change costs no copy.
func sameOr(b []byte, s string) string {
	if string(b) == s {
		return s
	}
	return string(b)
}

// appendNameSeg adds a segment to a field name: ".qty", or "[0]" for an
// index.
func appendNameSeg(name []byte, seg string, index bool) []byte {
	if index {
		name = append(name, '[')
		name = append(name, seg...)
		return append(name, ']')
	}
	if len(name) > 0 {
		name = append(name, '.')
	}
	return append(name, seg...)
}

// appendPointerSeg adds "/seg" to a JSON Pointer, escaped (~0, ~1).
func appendPointerSeg(p []byte, seg string) []byte {
	p = append(p, '/')
	for i := 0; i < len(seg); i++ {
		switch c := seg[i]; c {
		case '~':
			p = append(p, '~', '0')
		case '/':
			p = append(p, '~', '1')
		default:
			p = append(p, c)
		}
	}
	return p
}

// isIndex reports whether a path segment is an array index.
func isIndex(seg string) bool {
	if seg == "" || len(seg) > 9 {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return false
		}
	}
	return true
}

func itoa(i int) string { return strconv.Itoa(i) }
