package errorpages

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// The module's own JSON envelope and problem+json, written by hand: the
// bytes are those encoding/json (without HTML escaping) writes for the
// same documents — TestJSONMatchesEncoder and FuzzJSONBodies compare the
// two — at a fraction of its cost, since every member name and
// punctuation is a constant.

// writeEnvelope writes {"error":{…}}, the json format's built-in body.
func writeEnvelope(buf *bytes.Buffer, e *Error) {
	buf.WriteString(`{"error":{"code":`)
	writeInt(buf, e.Code)
	buf.WriteString(`,"type":`)
	writeJSONString(buf, e.Type)
	buf.WriteString(`,"message":`)
	writeJSONString(buf, e.Message)
	buf.WriteString(`,"details":`)
	writeJSONString(buf, e.Details)
	if len(e.Fields) > 0 {
		buf.WriteString(`,"fields":[`)
		for i := range e.Fields {
			f := &e.Fields[i]
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(`{"field":`)
			writeJSONString(buf, f.Field)
			buf.WriteString(`,"message":`)
			writeJSONString(buf, f.Message)
			jsonMember(buf, `,"pointer":`, f.Pointer)
			jsonMember(buf, `,"code":`, f.Code)
			jsonMember(buf, `,"hint":`, f.Hint)
			buf.WriteByte('}')
		}
		buf.WriteByte(']')
	}
	if e.More != 0 {
		buf.WriteString(`,"more":`)
		writeInt(buf, e.More)
	}
	jsonMember(buf, `,"request_id":`, e.RequestID)
	jsonMember(buf, `,"trace_id":`, e.TraceID)
	jsonMember(buf, `,"docs":`, e.Docs)
	if e.RetryAfter != 0 {
		buf.WriteString(`,"retry_after":`)
		writeInt(buf, e.RetryAfter)
	}
	buf.WriteString("}}")
}

// writeProblem writes the problem+json body (RFC 9457) with the
// extension members appended after the standard ones, in the order given.
// A field problem's pointer is its own, else the one its field name
// gives (FieldPointer); the field name is then listed only beside a
// pointer of its own.
func writeProblem(buf *bytes.Buffer, e *Error, ext []Member) {
	buf.WriteString(`{"type":`)
	if e.Docs != "" {
		writeJSONString(buf, e.Docs)
	} else {
		buf.WriteString(`"about:blank"`)
	}
	buf.WriteString(`,"title":`)
	writeJSONString(buf, e.Message)
	buf.WriteString(`,"status":`)
	writeInt(buf, e.Code)
	buf.WriteString(`,"detail":`)
	writeJSONString(buf, e.Details)
	jsonMember(buf, `,"instance":`, e.Instance)
	jsonMember(buf, `,"request_id":`, e.RequestID)
	jsonMember(buf, `,"trace_id":`, e.TraceID)
	if len(e.Fields) > 0 {
		buf.WriteString(`,"errors":[`)
		for i := range e.Fields {
			f := &e.Fields[i]
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(`{"detail":`)
			writeJSONString(buf, f.Message)
			buf.WriteString(`,"pointer":`)
			if f.Pointer == "" {
				writeJSONString(buf, FieldPointer(f.Field))
			} else {
				writeJSONString(buf, f.Pointer)
				jsonMember(buf, `,"field":`, f.Field)
			}
			jsonMember(buf, `,"code":`, f.Code)
			jsonMember(buf, `,"hint":`, f.Hint)
			buf.WriteByte('}')
		}
		buf.WriteByte(']')
	}
	if e.More != 0 {
		buf.WriteString(`,"more":`)
		writeInt(buf, e.More)
	}
	if e.RetryAfter != 0 {
		buf.WriteString(`,"retry_after":`)
		writeInt(buf, e.RetryAfter)
	}
	for _, m := range ext {
		buf.WriteByte(',')
		writeJSONString(buf, m.Name)
		buf.WriteByte(':')
		writeJSONString(buf, m.Value)
	}
	buf.WriteByte('}')
}

// jsonMember writes the member (name is `,"name":`) unless value is
// empty: encoding/json's omitempty.
func jsonMember(buf *bytes.Buffer, name, value string) {
	if value != "" {
		buf.WriteString(name)
		writeJSONString(buf, value)
	}
}

func writeInt(buf *bytes.Buffer, n int) {
	var num [20]byte
	buf.Write(strconv.AppendInt(num[:0], int64(n), 10))
}

// jsonSafe marks the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// writeJSONString writes s as a JSON string the way encoding/json does
// without HTML escaping: quote, backslash and control characters escaped
// (\b \f \n \r \t or \u00XX), invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped.
func writeJSONString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			buf.WriteString(s[start:i])
			switch b {
			case '\\', '"':
				buf.WriteByte('\\')
				buf.WriteByte(b)
			case '\b':
				buf.WriteString(`\b`)
			case '\f':
				buf.WriteString(`\f`)
			case '\n':
				buf.WriteString(`\n`)
			case '\r':
				buf.WriteString(`\r`)
			case '\t':
				buf.WriteString(`\t`)
			default:
				buf.WriteString(`\u00`)
				buf.WriteByte(hex[b>>4])
				buf.WriteByte(hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			buf.WriteString(s[start:i])
			buf.WriteString(`\ufffd`)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			buf.WriteString(s[start:i])
			buf.WriteString(`\u202`)
			buf.WriteByte(hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}
