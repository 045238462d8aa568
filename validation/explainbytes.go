package validation

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// explainBody is explain (explain.go) read from the body's bytes instead
// of a parsed tree, so that a rejection costs about what an acceptance
// costs: the objects and arrays explain splits are read in place, each
// member is decided by the walker, and only a member the walker does not
// show valid is parsed, explained as a tree (explainValue, the same
// function, the same problems) and dropped before the next one. It stops
// when the collector is full (MaxCounted problems).
//
// p.b is well-formed (skim said so) and p is rewound. It reports whether
// it found a problem.
func (c *collector) explainBody(p *jsonParser, n *fnode) bool {
	before := len(c.fields)
	p.ws()
	c.explainAt(p, n, nil, 0)
	c.body += len(c.fields) - before
	return len(c.fields) > before || c.over
}

// explainAt explains the value at p.i against n and moves past it
// (unless the collector is full: then p.i is anywhere).
func (c *collector) explainAt(p *jsonParser, n *fnode, path []string, depth int) {
	for i := 0; n.isBareRef() && i < 32; i++ {
		n = n.ref // as explainValue
	}
	ch := p.b[p.i]
	if depth < maxExplainDepth && n.splittable() {
		start := p.i
		switch {
		case ch == '{' && (n.types == 0 || n.types&tObject != 0):
			c.explainObjectAt(p, n, path, depth)
			c.explainPartsAt(p, n, start, path, depth)
			return
		case ch == '[' && (n.types == 0 || n.types&tArray != 0):
			count := 0
			if n.minItems >= 0 || n.maxItems >= 0 {
				count = p.countItems()
			}
			if (n.minItems < 0 || count >= n.minItems) && (n.maxItems < 0 || count <= n.maxItems) {
				c.explainArrayAt(p, n, path, depth)
				c.explainPartsAt(p, n, start, path, depth)
				return
			}
		}
	}
	// The engine explains this value whole. Its memory grows with the
	// value's problems (a few hundred bytes each), which the collector
	// cannot cap inside one call: a value of more than maxEngineValues
	// values is reported as one problem instead.
	if (ch == '{' || ch == '[') && p.countValues(maxEngineValues) > maxEngineValues {
		f := flattener{c: c, prefix: "/body", pre: path}
		f.emit(nil, "", "invalid", "is not valid; it holds more than "+strconv.Itoa(maxEngineValues)+
			" values and its schema checks them together, so its problems are not listed one by one", "")
		p.skip()
		return
	}
	v, err := p.value()
	if err != nil { // skim accepted the text: not expected
		c.add(errorpages.Field{Pointer: "/body", Code: "invalid", Message: "is not valid"}, "")
		return
	}
	c.explainValue(n, &v, path, depth)
	p.releaseValues()
}

// explainPartsAt is explainParts on the value at start, which p.i has
// just moved past: it is read again for each part that the walker does
// not show valid, and p.i is left after it.
func (c *collector) explainPartsAt(p *jsonParser, n *fnode, start int, path []string, depth int) {
	if c.full() || n.ref == nil && n.allOf == nil {
		return
	}
	end, d := p.i, p.depth
	part := func(s *fnode) {
		mark := len(p.keys)
		p.i = start
		if p.walk(s, 0) && !p.bad {
			p.depth = d
			return
		}
		clear(p.keys[mark:])
		p.keys = p.keys[:mark]
		p.i, p.depth, p.bad = start, d, false
		c.explainAt(p, s, path, depth+1)
		p.depth = d
	}
	if n.ref != nil {
		part(n.ref)
	}
	for _, s := range n.allOf {
		if c.full() {
			break
		}
		part(s)
	}
	p.i = end
}

// explainMember explains the value at p.i against s when the walker does
// not show it valid, and moves past it either way. The value is the
// member key of an object, or the item idx (>= 0) of an array: its
// token is only written for a value that fails.
func (c *collector) explainMember(p *jsonParser, s *fnode, path []string, key string, idx int, depth int) {
	if s == nil {
		p.skip()
		return
	}
	start, d, mark := p.i, p.depth, len(p.keys)
	if p.walk(s, 0) && !p.bad {
		return
	}
	clear(p.keys[mark:])
	p.keys = p.keys[:mark]
	p.i, p.depth, p.bad = start, d, false
	if idx >= 0 {
		key = strconv.Itoa(idx)
	}
	c.explainAt(p, s, with(path, key), depth+1)
}

// explainObjectAt is explainObject on the object at p.i.
func (c *collector) explainObjectAt(p *jsonParser, n *fnode, path []string, depth int) {
	f := flattener{c: c, prefix: "/body", pre: path}
	if len(n.required) > 0 {
		loc := c.ss.canon(n.src.Location)
		for _, r := range p.missingKeys(n.required) {
			hint := ""
			if d := c.ss.w.disc[loc]; d != nil && r == d.prop {
				hint = "expected one of: " + strings.Join(d.values, ", ")
			}
			f.emit(nil, r, "required", "is required", hint)
		}
	}
	var names []string
	namesDone := false
	p.depth++
	p.i++ // {
	p.ws()
	for p.b[p.i] != '}' {
		if c.full() {
			return
		}
		k, _ := p.str()
		p.ws()
		p.i++ // :
		p.ws()
		if s, ok := n.prop(k); ok {
			c.explainMember(p, s, path, k, -1, depth)
		} else if n.addFalse {
			if !namesDone {
				names, namesDone = c.ss.propertyNames(n.src.Location), true
			}
			f.emitText(nil, k, "additional_property", "is not allowed here", didYouMean(k, names), "", suggestArgs(k, names))
			p.skip()
		} else {
			c.explainMember(p, n.additional, path, k, -1, depth)
		}
		p.next()
	}
	p.i++ // }
	p.depth--
}

// explainArrayAt explains the failing items of the array at p.i.
func (c *collector) explainArrayAt(p *jsonParser, n *fnode, path []string, depth int) {
	p.depth++
	p.i++ // [
	p.ws()
	for i := 0; p.b[p.i] != ']'; i++ {
		if c.full() {
			return
		}
		c.explainMember(p, n.items, path, "", i, depth)
		p.next()
	}
	p.i++ // ]
	p.depth--
}

// next moves past the white space and comma after a member or item.
func (p *jsonParser) next() {
	p.ws()
	if p.b[p.i] == ',' {
		p.i++
		p.ws()
	}
}

// missingKeys returns the names of required that the object at p.i
// lacks, in required's order, leaving p.i where it is.
func (p *jsonParser) missingKeys(required []string) []string {
	start := p.i
	var small [16]bool
	seen := small[:0]
	if len(required) <= len(small) {
		seen = small[:len(required)]
	} else {
		seen = make([]bool, len(required))
	}
	var index map[string]int // for a long required list
	if len(required) > 16 {
		index = make(map[string]int, len(required))
		for i, r := range required {
			index[r] = i
		}
	}
	p.i++ // {
	p.ws()
	for p.b[p.i] != '}' {
		k, _ := p.str()
		if index != nil {
			if i, ok := index[k]; ok {
				seen[i] = true
			}
		} else {
			for i, r := range required {
				if r == k {
					seen[i] = true
				}
			}
		}
		p.ws()
		p.i++ // :
		p.ws()
		p.skip()
		p.next()
	}
	p.i = start
	var out []string
	for i, r := range required {
		if !seen[i] {
			out = append(out, r)
		}
	}
	return out
}

// maxEngineValues is the most values (objects, arrays, scalars) a value
// the engine explains whole may hold: about 2.5 MiB of engine errors at
// worst.
const maxEngineValues = 4096

// countValues counts the values in the container at p.i (each member or
// item, and each container, is one), up to just past limit, leaving p.i
// where it is.
func (p *jsonParser) countValues(limit int) int {
	start := p.i
	n, depth := 1, 0
	for p.i < len(p.b) && n <= limit {
		switch p.b[p.i] {
		case '"':
			p.skipString()
			continue
		case '{', '[':
			depth++
			n++
		case '}', ']':
			depth--
		case ',':
			n++
		}
		p.i++
		if depth == 0 {
			break
		}
	}
	p.i = start
	return n
}

// countItems counts the items of the array at p.i, leaving p.i where it
// is.
func (p *jsonParser) countItems() int {
	start := p.i
	p.i++ // [
	p.ws()
	n := 0
	for p.b[p.i] != ']' {
		p.skip()
		n++
		p.next()
	}
	p.i = start
	return n
}

// skip moves past the value at p.i, which skim has shown well-formed:
// it only finds where the value ends.
func (p *jsonParser) skip() {
	depth := 0
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '"':
			p.skipString()
			if depth == 0 {
				return
			}
		case '{', '[':
			depth++
			p.i++
		case '}', ']':
			if depth == 0 {
				return // the end of the enclosing container
			}
			depth--
			p.i++
			if depth == 0 {
				return
			}
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return // the end of a scalar
			}
			p.i++
		default:
			p.i++
		}
	}
}

// skipString moves past the string at p.i: to the first quote not
// escaped by an odd run of backslashes.
func (p *jsonParser) skipString() {
	i := p.i + 1
	for {
		q := bytes.IndexByte(p.b[i:], '"')
		if q < 0 {
			p.i = len(p.b)
			return
		}
		i += q
		bs := 0
		for j := i - 1; j > p.i && p.b[j] == '\\'; j-- {
			bs++
		}
		i++
		if bs%2 == 0 {
			p.i = i
			return
		}
	}
}
