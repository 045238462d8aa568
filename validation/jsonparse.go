package validation

// The strict JSON parser: a body is read as any conforming parser would
// read it, and refused where parsers would read it differently. One file
// each:
//
//	jsonparse.go         the parser: values, objects, arrays, and skim
//	                     (the syntax alone, no value kept)
//	jsonparse_string.go  strings and their escapes
//	jsonparse_number.go  numbers
//	jsonparse_value.go   the parsed value, jv, and its conversions
//	jsonparse_pool.go    pooled parsers and the arena of their values
//
// The walker (walk.go) reads a body with the same scanner.

import (
	"strconv"
	"unicode/utf8"
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
