package validation

// The walker decides a JSON body straight from its bytes: it reads the
// text with the strict parser's own scanner (str, number, literal, the
// duplicate-key and depth rules) and checks each value against the fast
// validator's schema as it passes, without building the value. It only
// ever answers "valid" or "not shown valid": on any syntax problem, any
// failing keyword or any doubt it says false, and the caller parses the
// body and explains (fast path, then the engine), exactly as before.
//
// Scalars are checked by fnode.check itself. Objects and arrays have
// their own keywords (type, required, properties, items, bounds…)
// checked while the walker passes their members (walk_containers.go);
// applicators ($ref, allOf, anyOf, oneOf, not, if/then/else: walk, here)
// and several schemas for one member (properties + patternProperties)
// walk the same bytes again, once per schema. Keywords that compare
// whole values (uniqueItems, an enum or const holding an object or array,
// contains, dependentSchemas) parse that value with the same parser and
// hand it to fnode.check.
//
// Keys: a key the schema declares (up to smallProps of them, looked up
// in propList) is remembered as a bit of a mask, for the duplicate check
// and required; any other key goes on p.keys for the object's lifetime.

// walkFlags are set on each fnode at build time for the walker.
type walkFlags struct {
	alias   bool   // only a $ref: the walker goes straight to its target
	own     bool   // keywords of its own on objects or arrays
	apps    bool   // applicators: ref, allOf, anyOf, oneOf, not, if
	hybrid  bool   // a composite value is parsed and checked as a tree
	reqMask uint64 // the required properties, as propList bits
	reqAll  bool   // every required property is in propList
}

func (n *fnode) setWalkFlags() {
	n.walk.own = n.types != 0 || n.enum != nil || n.constV != nil ||
		n.minProps >= 0 || n.maxProps >= 0 || len(n.required) > 0 || n.props != nil || len(n.patternProps) > 0 ||
		n.addFalse || n.additional != nil || n.propertyNames != nil || len(n.dependentRequired) > 0 ||
		n.minItems >= 0 || n.maxItems >= 0 || len(n.prefixItems) > 0 || n.items != nil
	n.walk.apps = n.ref != nil || n.not != nil || len(n.allOf) > 0 || len(n.anyOf) > 0 || len(n.oneOf) > 0 || n.ifS != nil
	n.walk.hybrid = n.unique || n.contains != nil || len(n.dependentSchemas) > 0 || composite(n.enum...) ||
		n.constV != nil && composite(*n.constV)
	// A value that several schemas look at (an OpenAPI discriminator
	// compiles to allOf: [enum, if/then…]) is read once into a tree and
	// checked there, rather than read again for each.
	passes := len(n.allOf) + len(n.anyOf) + len(n.oneOf)
	if n.walk.own {
		passes++
	}
	if n.ref != nil {
		passes++
	}
	if n.not != nil {
		passes++
	}
	if n.ifS != nil {
		passes += 2
	}
	if passes >= 3 {
		n.walk.hybrid = true
	}
	n.walk.alias = n.ref != nil && !n.walk.own && !n.walk.hybrid && passes == 1 && !n.always && !n.never && n.format == nil &&
		n.minLen < 0 && n.maxLen < 0 && n.pattern == nil &&
		n.minimum == nil && n.maximum == nil && n.exMin == nil && n.exMax == nil && n.multipleOf == nil
	n.walk.reqAll = n.propList != nil
	for _, r := range n.required {
		if i := n.propIndex(r); i >= 0 {
			n.walk.reqMask |= 1 << i
		} else {
			n.walk.reqAll = false
		}
	}
}

// propIndex is the index of a declared property in propList, or -1.
func (n *fnode) propIndex(k string) int {
	for i := range n.propList {
		if n.propList[i].name == k {
			return i
		}
	}
	return -1
}

// composite reports whether one of vs is an object or an array.
func composite(vs ...any) bool {
	for _, v := range vs {
		switch v.(type) {
		case map[string]any, []any:
			return true
		}
	}
	return false
}

// walkBody reports whether p.b is a JSON text the parser accepts whose
// value n accepts (nil n: any value). After a false answer the parser
// is rewound before it parses.
func (p *jsonParser) walkBody(n *fnode) bool {
	p.ws()
	if p.i == len(p.b) || !p.walk(n, 0) || p.bad {
		return false
	}
	p.ws()
	return p.i == len(p.b)
}

// rewind readies the parser to parse p.b from the start after a walk.
func (p *jsonParser) rewind() {
	p.i, p.depth, p.bad = 0, 0, false
	clear(p.mstack)
	clear(p.astack)
	clear(p.path)
	clear(p.keys)
	p.mstack, p.astack, p.path, p.keys = p.mstack[:0], p.astack[:0], p.path[:0], p.keys[:0]
}

// walk checks the value at p.i against n (nil: any value) and moves past
// it. It returns false as soon as the value fails, leaving the parser
// inside it; p.bad says the text itself was not acceptable (or the walk
// gave up), which no applicator may turn into a success.
func (p *jsonParser) walk(n *fnode, sd int) bool {
	for n != nil && n.walk.alias {
		n, sd = n.ref, sd+1 // fnode.check's answer for an alias is its target's
		if sd > 256 {
			p.bad = true // a cycle of $refs: the engine decides
			return false
		}
	}
	if p.i >= len(p.b) {
		p.bad = true
		return false
	}
	c := p.b[p.i]
	if c != '{' && c != '[' {
		v, err := p.value() // a scalar: nothing allocated
		if err != nil {
			p.bad = true
			return false
		}
		return n.check(&v, sd)
	}
	if n == nil || n.always {
		return p.walkNode(nil, c, sd)
	}
	if n.never {
		return false
	}
	if sd > 256 {
		p.bad = true // fnode.check gives up here too: the engine decides
		return false
	}
	if n.walk.hybrid {
		v, err := p.value()
		if err != nil {
			p.bad = true
			return false
		}
		return n.check(&v, sd)
	}
	// n's own keywords are checked in one pass; each applicator walks
	// the same bytes again. The first pass that succeeds proves the text
	// well-formed and tells where the value ends.
	start, depth, end := p.i, p.depth, -1
	if n.walk.own {
		if !p.walkNode(n, c, sd) {
			return false
		}
		end = p.i
	}
	if n.walk.apps {
		if n.ref != nil && !p.sub(n.ref, start, &end, depth, sd) {
			return false
		}
		for _, s := range n.allOf {
			if !p.sub(s, start, &end, depth, sd) {
				return false
			}
		}
		if n.not != nil && p.sub(n.not, start, &end, depth, sd) {
			return false
		}
		if len(n.anyOf) > 0 {
			found := false
			for _, s := range n.anyOf {
				if p.sub(s, start, &end, depth, sd) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		if len(n.oneOf) > 0 {
			matched := 0
			for _, s := range n.oneOf {
				if p.sub(s, start, &end, depth, sd) {
					if matched++; matched > 1 {
						return false
					}
				}
			}
			if matched != 1 {
				return false
			}
		}
		if n.ifS != nil {
			if p.sub(n.ifS, start, &end, depth, sd) {
				if n.thenS != nil && !p.sub(n.thenS, start, &end, depth, sd) {
					return false
				}
			} else if n.elseS != nil && !p.sub(n.elseS, start, &end, depth, sd) {
				return false
			}
		}
	}
	if end < 0 {
		// No pass went through the whole value (no keyword, only not,
		// or a failed if): walk it for its syntax alone.
		p.i, p.depth = start, depth
		if !p.walkNode(nil, c, sd) {
			return false
		}
		end = p.i
	}
	p.i, p.depth = end, depth
	return !p.bad
}

// sub checks the value at start against s and, when it passes and *end
// is not known yet, records where the value ends. The parser is left
// anywhere inside the value: the caller moves it to *end once all the
// value's schemas are checked.
func (p *jsonParser) sub(s *fnode, start int, end *int, depth, sd int) bool {
	mark := len(p.keys)
	p.i, p.depth = start, depth
	ok := p.walk(s, sd+1)
	if ok && *end < 0 {
		*end = p.i
	}
	clear(p.keys[mark:])
	p.keys = p.keys[:mark]
	p.depth = depth
	return ok
}

func (p *jsonParser) walkNode(n *fnode, c byte, sd int) bool {
	if c == '{' {
		return p.walkObject(n, sd)
	}
	return p.walkArray(n, sd)
}
