package validation

import (
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// explain finds the problems of a JSON body the fast validator rejected,
// running the engine only on the values that fail. Where a schema is
// nothing but an object's properties, required and additionalProperties
// (or an array's items and item counts), and the value has that type,
// those keywords are checked here, exactly as the engine reports them,
// and the engine is given each failing member alone, against its own
// subschema: the same errors, at the same places, as from the engine on
// the whole body, without validating (and building values for) the
// members that are fine. Anything else, at any depth, goes to the engine
// whole. n is never nil (the body's fnode).
// It reports whether it found a problem.
func (c *collector) explain(n *fnode, v *jv) bool {
	before := len(c.fields)
	c.explainValue(n, v, nil, 0)
	c.body += len(c.fields) - before
	return len(c.fields) > before
}

// maxExplainDepth bounds the recursion; deeper values go to the engine.
const maxExplainDepth = 64

func (c *collector) explainValue(n *fnode, v *jv, path []string, depth int) {
	for i := 0; n.isBareRef() && i < 32; i++ {
		n = n.ref // the engine passes through a bare $ref: its target's errors, unchanged
	}
	if depth < maxExplainDepth && n.splittable() && (n.types == 0 || typeMatches(n.types, v)) {
		switch v.k {
		case jObject:
			c.explainObject(n, v.kids, path, depth)
			c.explainParts(n, v, path, depth)
			return
		case jArray:
			if (n.minItems < 0 || len(v.kids) >= n.minItems) && (n.maxItems < 0 || len(v.kids) <= n.maxItems) {
				for i := range v.kids {
					if c.full() {
						return
					}
					if !n.items.check(&v.kids[i].v, 0) {
						c.explainValue(n.items, &v.kids[i].v, with(path, strconv.Itoa(i)), depth+1)
					}
				}
				c.explainParts(n, v, path, depth)
				return
			}
		}
	}
	ev := toEngine(v)
	if err := n.src.Validate(ev); err != nil {
		ve, ok := err.(*jsonschema.ValidationError)
		if !ok {
			c.add(errorpages.Field{Pointer: "/body", Code: "invalid", Message: "is not valid"}, "")
			return
		}
		f := flattener{c: c, instance: ev, prefix: "/body", pre: path}
		f.walk(ve)
	}
}

// explainParts explains v against the schemas n applies to the same
// value besides its own keywords: its $ref and each allOf member. The
// engine reports their errors as causes of n's, which the flattener
// walks through: the union, as here.
func (c *collector) explainParts(n *fnode, v *jv, path []string, depth int) {
	if n.ref != nil && !c.full() && !n.ref.check(v, 0) {
		c.explainValue(n.ref, v, path, depth+1)
	}
	for _, s := range n.allOf {
		if c.full() {
			return
		}
		if !s.check(v, 0) {
			c.explainValue(s, v, path, depth+1)
		}
	}
}

func (c *collector) explainObject(n *fnode, o []jmember, path []string, depth int) {
	f := flattener{c: c, prefix: "/body", pre: path}
	loc := c.ss.canon(n.src.Location)
	for _, r := range n.required {
		if _, ok := getMember(o, r); !ok {
			hint := ""
			if d := c.ss.w.disc[loc]; d != nil && r == d.prop {
				hint = "expected one of: " + strings.Join(d.values, ", ")
			}
			f.emit(nil, r, "required", "is required", hint)
		}
	}
	var names []string
	namesDone := false
	for i := range o {
		if c.full() {
			return
		}
		k, val := o[i].k, &o[i].v
		if s, ok := n.prop(k); ok {
			if !s.check(val, 0) {
				c.explainValue(s, val, with(path, k), depth+1)
			}
			continue
		}
		switch {
		case n.addFalse:
			if !namesDone {
				names, namesDone = c.ss.propertyNames(n.src.Location), true
			}
			f.emitText(nil, k, "additional_property", "is not allowed here", didYouMean(k, names), "", suggestArgs(k, names))
		case n.additional != nil && !n.additional.check(val, 0):
			c.explainValue(n.additional, val, with(path, k), depth+1)
		}
	}
}

// with returns path and tok in a new slice (path is shared by siblings).
func with(path []string, tok string) []string {
	out := make([]string, len(path)+1)
	copy(out, path)
	out[len(path)] = tok
	return out
}

// isBareRef reports whether the schema is only a $ref.
func (n *fnode) isBareRef() bool {
	return n.ref != nil && n.src != nil && n.src.Bool == nil && n.types == 0 && n.splittable() && n.allOf == nil &&
		n.required == nil && n.props == nil && !n.addFalse && n.additional == nil &&
		n.minItems < 0 && n.maxItems < 0 && n.items == nil
}

// splittable reports whether the schema has no keyword but type,
// properties, required, additionalProperties, items, minItems and
// maxItems, which explain checks itself, and $ref and allOf, whose
// schemas it explains in turn (explainParts). (Keywords the fast
// validator does not implement never get an fnode.)
func (n *fnode) splittable() bool {
	return n.src != nil && n.src.Bool == nil && !n.always && !n.never &&
		n.enum == nil && n.constV == nil && n.format == nil && n.pattern == nil && n.minLen < 0 && n.maxLen < 0 &&
		n.minimum == nil && n.maximum == nil && n.exMin == nil && n.exMax == nil && n.multipleOf == nil &&
		n.not == nil && n.anyOf == nil && n.oneOf == nil && n.ifS == nil && n.thenS == nil && n.elseS == nil &&
		n.minProps < 0 && n.maxProps < 0 && n.patternProps == nil && n.propertyNames == nil &&
		n.dependentRequired == nil && n.dependentSchemas == nil &&
		!n.unique && n.prefixItems == nil && n.contains == nil
}
