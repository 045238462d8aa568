package validation

// Strings, for the parser: read without a copy when they hold no escape,
// decoded when they do, refused with control characters, invalid UTF-8 or
// a lone surrogate escape.

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// str reads a string from the opening quote at p.i without copying it
// when it can: a short ASCII string is scanned inline, a longer one is
// found with a vector search and checked eight bytes at a time
// (plainString); only a string with an escape is decoded into new memory
// (strEscaped). It refuses control characters (RFC 8259 forbids them)
// and invalid UTF-8, which parsers replace or keep as they each see fit.
func (p *jsonParser) str() (string, *jsonError) {
	start := p.i + 1
	// Short plain ASCII strings (most keys and values) are read here.
	for i, end := start, min(len(p.b), start+16); i < end; i++ {
		c := p.b[i]
		if c == '"' {
			p.i = i + 1
			return bytesString(p.b[start:i]), nil
		}
		if c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
			break
		}
	}
	// A longer string: up to the next quote (found with the runtime's
	// vector search), no escape, no control character, valid UTF-8.
	// Anything else is read byte by byte below.
	if q := bytes.IndexByte(p.b[start:], '"'); q >= 0 {
		if s := p.b[start : start+q]; plainString(s) {
			p.i = start + q + 1
			return bytesString(s), nil
		}
	}
	i := start
	ascii := true
	for i < len(p.b) {
		c := p.b[i]
		switch {
		case c == '"':
			s := p.b[start:i]
			if !ascii && !utf8.Valid(s) {
				return "", p.badUTF8(start, i)
			}
			p.i = i + 1
			return bytesString(s), nil
		case c == '\\':
			return p.strEscaped(start)
		case c < 0x20:
			p.i = i
			return "", p.fail("control character in a string")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		i++
	}
	p.i = i
	return "", p.fail("ends inside a string")
}

// plainString reports whether s, the bytes between two quotes, is a
// string's text as it stands: no backslash, no control character (<
// 0x20), valid UTF-8. Eight bytes are tested at a time with the bit
// tricks of "Bit Twiddling Hacks": (x - 0x20…) & ^x & 0x80… is non-zero
// exactly when some byte of x is below 0x20, and (y - 0x01…) & ^y &
// 0x80… when some byte of y is zero (y = x ^ '\\'…: a backslash).
func plainString(s []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var hi uint64 // the high bits seen: non-ASCII bytes
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		y := x ^ (ones * '\\')
		if ((x-ones*0x20)&^x|(y-ones)&^y)&highs != 0 {
			return false
		}
		hi |= x
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '\\' {
			return false
		}
		hi |= uint64(c)
	}
	return hi&highs == 0 || utf8.Valid(s)
}

func (p *jsonParser) badUTF8(from, to int) *jsonError {
	off := from
	for off < to {
		r, n := utf8.DecodeRune(p.b[off:to])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	return &jsonError{code: "invalid_encoding", offset: off, msg: "is not valid UTF-8"}
}

// strEscaped decodes a string that holds an escape, from start (after
// the opening quote). A \u escape of a UTF-16 surrogate must be followed
// by its pair, and a lone surrogate is refused: decoders would turn it
// into U+FFFD or keep it, so the upstream could read another string than
// the one validated.
func (p *jsonParser) strEscaped(start int) (string, *jsonError) {
	buf := make([]byte, 0, 32)
	i := start
	for i < len(p.b) {
		c := p.b[i]
		switch {
		case c == '"':
			p.i = i + 1
			return string(buf), nil
		case c < 0x20:
			p.i = i
			return "", p.fail("control character in a string")
		case c == '\\':
			if i+1 >= len(p.b) {
				p.i = i
				return "", p.fail("ends inside a string")
			}
			e := p.b[i+1]
			if ch, ok := simpleEscape(e); ok {
				buf = append(buf, ch)
				i += 2
				continue
			}
			if e != 'u' {
				p.i = i
				return "", p.fail("invalid escape in a string")
			}
			r, ok := hex4(p.b, i+2)
			if !ok {
				p.i = i
				return "", p.fail("invalid \\u escape")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(p.b) && p.b[i] == '\\' && p.b[i+1] == 'u' {
					r2, ok = hex4(p.b, i+2)
				}
				dec := utf16.DecodeRune(r, r2)
				if !ok || dec == utf8.RuneError {
					return "", &jsonError{code: "invalid_encoding", offset: i - 6, msg: "has a lone UTF-16 surrogate escape"}
				}
				r = dec
				i += 6
			}
			buf = utf8.AppendRune(buf, r)
			continue
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(p.b[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", &jsonError{code: "invalid_encoding", offset: i, msg: "is not valid UTF-8"}
			}
			buf = append(buf, p.b[i:i+n]...)
			i += n
			continue
		}
		buf = append(buf, c)
		i++
	}
	p.i = i
	return "", p.fail("ends inside a string")
}

// simpleEscape is the character a one-letter JSON escape (\n, \", …)
// stands for; false for \u and anything that is not an escape.
func simpleEscape(e byte) (byte, bool) {
	switch e {
	case '"', '\\', '/':
		return e, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// bytesString views b as a string without copying.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
