package validation

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// DefaultMaxDepth is how deeply JSON bodies may nest by default.
const DefaultMaxDepth = 64

// jsonError is why a body is not acceptable JSON.
type jsonError struct {
	code   string // invalid_json, duplicate_key, too_deep, invalid_encoding, number_range
	offset int    // byte offset of the problem
	msg    string
	ptr    string // instance pointer (duplicate_key), else ""
}

// jsonParser parses a JSON text strictly: the result is what any
// conforming parser would read, so that the upstream cannot see a value
// other than the one validated. Duplicate object keys, invalid UTF-8,
// lone surrogates and nesting beyond maxDepth are rejected.
// Values: object, []any, string, json.Number, bool, nil; toEngine turns
// objects into maps for the schema engine.
//
// Strings without escapes and numbers share the input's memory (no copy):
// the caller must not modify the input while it uses the value. Request
// bodies are never modified, and values never outlive validation (problem
// messages never quote them).
type jsonParser struct {
	b        []byte
	i        int
	depth    int
	maxDepth int
	// path holds the keys and indices down to the value being parsed,
	// only read when reporting a duplicate key.
	path []pathTok
	// Scratch stacks: a container's members and items are gathered here
	// and copied out once, at their exact size.
	mstack []jmember
	astack []jmember
	keys   []string // the walker's undeclared object keys (walk.go)
	// arena holds the members and items of the parsed containers: each
	// container's list is carved out of the current chunk, so a body
	// costs a few chunk allocations (none once the parser is reused)
	// instead of one per object and array.
	arena  []jmember
	chunks [][]jmember // kept for reuse by a pooled parser
	used   int         // chunks handed out in this parse
	pooled bool        // from getParser: containers come from the arena
	bad    bool        // a walk met text the parser rejects, or gave up
	// discard makes parse check the text without keeping any value
	// (skim): containers come back empty, so a body's syntax costs no
	// more memory than its widest object's keys.
	discard bool
}

const (
	arenaChunk = 256 // members per chunk (16 KiB)
	keptChunks = 4   // chunks a pooled parser keeps
)

// alloc returns n members from the arena, to be filled by the caller.
func (p *jsonParser) alloc(n int) []jmember {
	if !p.pooled || n > arenaChunk/4 {
		return make([]jmember, n) // a large container gets its own
	}
	if len(p.arena)+n > cap(p.arena) {
		p.nextChunk()
	}
	l := len(p.arena)
	p.arena = p.arena[:l+n]
	return p.arena[l : l+n : l+n]
}

// nextChunk moves the arena to an empty chunk: a kept one when the
// parser is reused, else a new one. p.chunks[:p.used] are the chunks
// handed out, each with its length as used (the current one's is
// len(p.arena)).
func (p *jsonParser) nextChunk() {
	if p.used > 0 {
		p.chunks[p.used-1] = p.arena
	}
	if p.used < len(p.chunks) {
		p.arena = p.chunks[p.used][:0]
	} else {
		p.arena = make([]jmember, 0, arenaChunk)
		p.chunks = append(p.chunks, p.arena)
	}
	p.used++
}

var parserPool = sync.Pool{New: func() any { return new(jsonParser) }}

// getParser returns a pooled parser for b; putParser gives it back once
// nothing uses the values it parsed.
func getParser(b []byte, maxDepth int) *jsonParser {
	p := parserPool.Get().(*jsonParser)
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	p.b, p.i, p.depth, p.maxDepth, p.pooled = b, 0, 0, maxDepth, true
	return p
}

func putParser(p *jsonParser) {
	// Drop every reference into the body (strings share its memory):
	// the used part of each chunk, the stacks (their entries past len
	// are already cleared when popped) and the key path.
	if p.used > 0 {
		p.chunks[p.used-1] = p.arena
	}
	for i := 0; i < p.used; i++ {
		clear(p.chunks[i])
		p.chunks[i] = p.chunks[i][:0]
	}
	if len(p.chunks) > keptChunks {
		clear(p.chunks[keptChunks:])
		p.chunks = p.chunks[:keptChunks] // a huge body's chunks are not kept
	}
	p.used, p.arena = 0, nil
	clear(p.path[:cap(p.path)])
	clear(p.mstack)
	clear(p.astack)
	clear(p.keys)
	p.path, p.mstack, p.astack, p.keys = p.path[:0], p.mstack[:0], p.astack[:0], p.keys[:0]
	// A huge body's stacks are not kept either: a pooled parser holds
	// at most a few hundred KiB whatever it parsed.
	if cap(p.mstack) > keptStack {
		p.mstack = nil
	}
	if cap(p.astack) > keptStack {
		p.astack = nil
	}
	if cap(p.keys) > keptStack {
		p.keys = nil
	}
	if cap(p.path) > keptStack {
		p.path = nil
	}
	p.b, p.bad, p.discard = nil, false, false
	parserPool.Put(p)
}

// keptStack is the most entries a pooled parser keeps in each stack.
const keptStack = 4096

// releaseValues makes the arena's chunks free for the next values: the
// values parsed so far must no longer be used. explainAt parses failing
// members one at a time and drops each once explained, so a rejection
// holds one member's tree at a time, not the body's.
func (p *jsonParser) releaseValues() {
	if !p.pooled || p.used == 0 {
		return
	}
	p.chunks[p.used-1] = p.arena
	for i := 0; i < p.used; i++ {
		clear(p.chunks[i])
		p.chunks[i] = p.chunks[i][:0]
	}
	if len(p.chunks) > keptChunks {
		clear(p.chunks[keptChunks:])
		p.chunks = p.chunks[:keptChunks]
	}
	p.used, p.arena = 0, nil
}

// skim checks that p.b is a JSON text parse accepts, without building
// its value, and returns parse's error for it: the same code, offset,
// message and pointer.
func (p *jsonParser) skim() *jsonError {
	p.discard = true
	_, err := p.parse()
	p.discard = false
	return err
}

type pathTok struct {
	key string
	idx int // -1 for an object key
}

func parseJSON(b []byte, maxDepth int) (jv, *jsonError) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	p := jsonParser{b: b, maxDepth: maxDepth}
	return p.parse()
}

// parse parses p.b, set with its maxDepth by the caller.
func (p *jsonParser) parse() (jv, *jsonError) {
	b := p.b
	// A UTF-8 byte order mark is not allowed (RFC 8259 §8.1).
	p.ws()
	if p.i == len(b) {
		return jv{}, &jsonError{code: "invalid_json", offset: p.i, msg: "is empty"}
	}
	v, err := p.value()
	if err != nil {
		return jv{}, err
	}
	p.ws()
	if p.i != len(b) {
		return jv{}, p.fail("unexpected data after the JSON value")
	}
	return v, nil
}

func (p *jsonParser) fail(msg string) *jsonError {
	return &jsonError{code: "invalid_json", offset: p.i, msg: msg}
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (jv, *jsonError) {
	if p.i >= len(p.b) {
		return jv{}, p.fail("ends too early")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		return jv{k: jString, s: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", jTrue)
	case c == 'f':
		return p.literal("false", jFalse)
	case c == 'n':
		return p.literal("null", jNull)
	default:
		if c >= utf8.RuneSelf {
			if r, _ := utf8.DecodeRune(p.b[p.i:]); r == utf8.RuneError {
				return jv{}, &jsonError{code: "invalid_encoding", offset: p.i, msg: "is not valid UTF-8"}
			}
		}
		return jv{}, p.fail("unexpected character")
	}
}

func (p *jsonParser) literal(word string, k jkind) (jv, *jsonError) {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return jv{}, p.fail("unexpected character")
	}
	p.i += len(word)
	return jv{k: k}, nil
}

func (p *jsonParser) enter() *jsonError {
	p.depth++
	if p.depth > p.maxDepth {
		return &jsonError{code: "too_deep", offset: p.i, msg: "nests deeper than " + strconv.Itoa(p.maxDepth) + " levels"}
	}
	return nil
}

// object parses an object's members onto the scratch stack and copies
// them out once at their size (nothing kept under discard). It refuses a
// duplicate key, which conforming parsers read differently (first or
// last wins), so the upstream could see a value other than the one
// validated: small objects look the key up among the members read so
// far, and past 16 members a set takes over to keep a wide object
// linear.
func (p *jsonParser) object() (jv, *jsonError) {
	if err := p.enter(); err != nil {
		return jv{}, err
	}
	p.i++ // {
	mark := len(p.mstack)
	var seen map[string]struct{} // only for large objects
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.depth--
		return jv{k: jObject, kids: []jmember{}}, nil
	}
	for {
		p.ws()
		if p.i >= len(p.b) {
			return jv{}, p.fail("ends inside an object")
		}
		if p.b[p.i] != '"' {
			return jv{}, p.fail("expected a property name in double quotes")
		}
		keyAt := p.i
		key, err := p.str()
		if err != nil {
			return jv{}, err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return jv{}, p.fail("expected ':' after a property name")
		}
		p.i++
		p.ws()
		p.path = append(p.path, pathTok{key: key, idx: -1})
		dup := false
		if seen != nil {
			_, dup = seen[key]
			seen[key] = struct{}{}
		} else {
			m := p.mstack[mark:]
			_, dup = getMember(m, key)
			if len(m) == 16 {
				seen = make(map[string]struct{}, 32)
				for _, mb := range m {
					seen[mb.k] = struct{}{}
				}
				seen[key] = struct{}{}
			}
		}
		if dup {
			return jv{}, &jsonError{code: "duplicate_key", offset: keyAt, msg: "appears more than once in the object", ptr: p.pointer()}
		}
		v, err := p.value()
		if err != nil {
			return jv{}, err
		}
		p.path = p.path[:len(p.path)-1]
		p.mstack = append(p.mstack, jmember{key, v})
		p.ws()
		if p.i >= len(p.b) {
			return jv{}, p.fail("ends inside an object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			p.depth--
			if p.discard {
				clear(p.mstack[mark:])
				p.mstack = p.mstack[:mark]
				return jv{k: jObject}, nil
			}
			m := p.alloc(len(p.mstack) - mark)
			copy(m, p.mstack[mark:])
			clear(p.mstack[mark:])
			p.mstack = p.mstack[:mark]
			return jv{k: jObject, kids: m}, nil
		default:
			return jv{}, p.fail("expected ',' or '}'")
		}
	}
}

// array parses an array's items onto the scratch stack and copies them
// out once at their size (nothing kept under discard), keeping the index
// in the path for a duplicate key found inside an item.
func (p *jsonParser) array() (jv, *jsonError) {
	if err := p.enter(); err != nil {
		return jv{}, err
	}
	p.i++ // [
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		p.depth--
		return jv{k: jArray, kids: []jmember{}}, nil
	}
	mark := len(p.astack)
	p.path = append(p.path, pathTok{idx: 0})
	for n := 0; ; n++ {
		p.ws()
		p.path[len(p.path)-1].idx = n
		v, err := p.value()
		if err != nil {
			return jv{}, err
		}
		if !p.discard {
			p.astack = append(p.astack, jmember{v: v})
		}
		p.ws()
		if p.i >= len(p.b) {
			return jv{}, p.fail("ends inside an array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			p.depth--
			p.path = p.path[:len(p.path)-1]
			if p.discard {
				return jv{k: jArray}, nil
			}
			a := p.alloc(len(p.astack) - mark)
			copy(a, p.astack[mark:])
			clear(p.astack[mark:])
			p.astack = p.astack[:mark]
			return jv{k: jArray, kids: a}, nil
		default:
			return jv{}, p.fail("expected ',' or ']'")
		}
	}
}

func (p *jsonParser) pointer() string {
	s := ""
	for _, t := range p.path {
		if t.idx >= 0 {
			s += "/" + strconv.Itoa(t.idx)
		} else {
			s += "/" + escapeToken(t.key)
		}
	}
	return s
}

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
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
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
			default:
				p.i = i
				return "", p.fail("invalid escape in a string")
			}
			i += 2
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

// number reads a JSON number by RFC 8259's grammar and keeps its text
// (no conversion: the schema checks compare it exactly). A number with
// more than maxDigits digits or an exponent beyond maxExponent is
// refused with number_range, so that no body can make one check cost
// milliseconds.
func (p *jsonParser) number() (jv, *jsonError) {
	start := p.i
	i := p.i
	if p.b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(p.b) && p.b[i] >= '0' && p.b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	mantissa := 1
	if i < len(p.b) && p.b[i] == '0' {
		i++
	} else if mantissa = digits(); mantissa == 0 {
		p.i = i
		return jv{}, p.fail("invalid number")
	}
	if i < len(p.b) && p.b[i] == '.' {
		i++
		n := digits()
		if n == 0 {
			p.i = i
			return jv{}, p.fail("invalid number")
		}
		mantissa += n
	}
	exp := 0
	if i < len(p.b) && (p.b[i] == 'e' || p.b[i] == 'E') {
		i++
		if i < len(p.b) && (p.b[i] == '+' || p.b[i] == '-') {
			i++
		}
		from := i
		if digits() == 0 {
			p.i = i
			return jv{}, p.fail("invalid number")
		}
		for _, c := range p.b[from:i] {
			if exp = exp*10 + int(c-'0'); exp > maxExponent {
				break
			}
		}
	}
	if mantissa > maxDigits || exp > maxExponent {
		// Checking such a number exactly (math/big) would cost
		// milliseconds each, and the schema engine cannot read one
		// beyond 1e1000000: a limit keeps every body's cost bounded.
		p.i = start
		return jv{}, &jsonError{code: "number_range", offset: start, msg: "has a number with more than " +
			strconv.Itoa(maxDigits) + " digits or an exponent beyond ±" + strconv.Itoa(maxExponent)}
	}
	p.i = i
	return jv{k: jNumber, s: bytesString(p.b[start:i])}, nil
}

// The largest numbers the parser reads: digits before the exponent, and
// the exponent's magnitude.
const (
	maxDigits   = 1000
	maxExponent = 999
)

// bytesString views b as a string without copying.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// jv is a parsed JSON value: its kind, the text of a string or number
// (sharing the input's bytes), an object's members in order (keys
// unique) or an array's items. Building it allocates only per object and
// array, and the fast validator walks it without type switches on
// interfaces; the schema engine gets ordinary values (toEngine) only when
// a failure must be explained.
type jv struct {
	k    jkind
	s    string
	kids []jmember // object members, or array items (with empty keys)
}

type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNumber
	jString
	jObject
	jArray
)

type jmember struct {
	k string
	v jv
}

func getMember(m []jmember, k string) (*jv, bool) {
	for i := range m {
		if m[i].k == k {
			return &m[i].v, true
		}
	}
	return nil, false
}

// toEngine converts a parsed value into map[string]any, []any, string,
// json.Number, bool and nil.
func toEngine(v *jv) any {
	switch v.k {
	case jObject:
		m := make(map[string]any, len(v.kids))
		for i := range v.kids {
			m[v.kids[i].k] = toEngine(&v.kids[i].v)
		}
		return m
	case jArray:
		a := make([]any, len(v.kids))
		for i := range v.kids {
			a[i] = toEngine(&v.kids[i].v)
		}
		return a
	case jString:
		return v.s
	case jNumber:
		return json.Number(v.s)
	case jTrue:
		return true
	case jFalse:
		return false
	}
	return nil
}

// fromAny converts an ordinary value (coerced parameters, form fields)
// into a jv for the fast validator.
func fromAny(v any) jv {
	switch x := v.(type) {
	case map[string]any:
		m := make([]jmember, 0, len(x))
		for k, e := range x {
			m = append(m, jmember{k, fromAny(e)})
		}
		return jv{k: jObject, kids: m}
	case []any:
		a := make([]jmember, len(x))
		for i, e := range x {
			a[i].v = fromAny(e)
		}
		return jv{k: jArray, kids: a}
	case string:
		return jv{k: jString, s: x}
	case json.Number:
		return jv{k: jNumber, s: string(x)}
	case bool:
		if x {
			return jv{k: jTrue}
		}
		return jv{k: jFalse}
	case nil:
		return jv{}
	}
	return jv{k: jString, s: "\x00unsupported"} // never produced here
}
