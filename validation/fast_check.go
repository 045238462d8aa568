package validation

// Checking a value with the fast validator, per request: fnode.check and
// the keywords of objects, arrays and strings, and JSON equality for enum,
// const and uniqueItems. Numbers are compared in fast_number.go.

import (
	"encoding/json"
	"unicode/utf8"
)

// valid reports whether an ordinary value (coerced parameters, form
// fields) satisfies the schema.
func (n *fnode) valid(v any) bool {
	j := fromAny(v)
	return n.check(&j, 0)
}

// validJ reports whether a parsed value satisfies the schema.
func (n *fnode) validJ(v *jv) bool { return n.check(v, 0) }

// check decides whether v satisfies n, in the engine's order of
// keywords but stopping at the first failure: it only answers yes or no,
// so it builds no error and reads the applicators (walk.apps) only for
// schemas that have any. Past depth 256 it answers no, which sends the
// value to the engine to decide and explain.
func (n *fnode) check(v *jv, depth int) bool {
	if n == nil {
		return true
	}
	if depth > 256 {
		return false // the engine decides (and finds the cycle)
	}
	if n.always {
		return true
	}
	if n.never {
		return false
	}
	if n.types != 0 && !typeMatches(n.types, v) {
		return false
	}
	if n.enum != nil {
		found := false
		for _, e := range n.enum {
			if equalJA(v, e) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if n.constV != nil && !equalJA(v, *n.constV) {
		return false
	}
	if n.format != nil {
		switch v.k {
		case jString:
			if !n.stringFormat(v.s) {
				return false
			}
		case jNumber:
			if n.format(json.Number(v.s)) != nil {
				return false
			}
		}
	}
	switch v.k {
	case jObject:
		if !n.checkMembers(v.kids, depth) {
			return false
		}
	case jArray:
		if !n.checkArray(v.kids, depth) {
			return false
		}
	case jString:
		if (n.minLen > 0 || n.maxLen >= 0) && !lengthWithin(v.s, n.minLen, n.maxLen) {
			return false
		}
		if n.pattern != nil && !n.pattern(v.s) {
			return false
		}
	case jNumber:
		if !n.checkNumber(v.s) {
			return false
		}
	}
	if !n.walk.apps {
		return true
	}
	if n.ref != nil && !n.ref.check(v, depth+1) {
		return false
	}
	if n.not != nil && n.not.check(v, depth+1) {
		return false
	}
	for _, s := range n.allOf {
		if !s.check(v, depth+1) {
			return false
		}
	}
	if n.anyOf != nil {
		ok := false
		for _, s := range n.anyOf {
			if s.check(v, depth+1) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if n.oneOf != nil {
		matched := 0
		for _, s := range n.oneOf {
			if s.check(v, depth+1) {
				matched++
			}
		}
		if matched != 1 {
			return false
		}
	}
	if n.ifS != nil {
		if n.ifS.check(v, depth+1) {
			if n.thenS != nil && !n.thenS.check(v, depth+1) {
				return false
			}
		} else if n.elseS != nil && !n.elseS.check(v, depth+1) {
			return false
		}
	}
	return true
}

// stringFormat checks a string's format: natively when nativeFormats
// decides, else with the engine's check.
func (n *fnode) stringFormat(s string) bool {
	if n.fmtStr != nil {
		if ok, sure := n.fmtStr(s); sure {
			return ok
		}
	}
	return n.format(s) == nil
}

// checkMembers decides an object's keywords: property counts, required
// and dependentRequired names, dependentSchemas, then each member
// against properties, patternProperties (a member may match several) and
// additionalProperties for a member matched by neither, as JSON Schema
// defines them. An object with none of the per-member keywords is
// decided without looking at its members.
func (n *fnode) checkMembers(o []jmember, depth int) bool {
	if n.minProps >= 0 && len(o) < n.minProps || n.maxProps >= 0 && len(o) > n.maxProps {
		return false
	}
	for _, r := range n.required {
		if _, ok := getMember(o, r); !ok {
			return false
		}
	}
	for k, dep := range n.dependentRequired {
		if _, ok := getMember(o, k); ok {
			for _, d := range dep {
				if _, ok := getMember(o, d); !ok {
					return false
				}
			}
		}
	}
	if len(n.dependentSchemas) > 0 {
		self := jv{k: jObject, kids: o}
		for k, s := range n.dependentSchemas {
			if _, ok := getMember(o, k); ok && !s.check(&self, depth+1) {
				return false
			}
		}
	}
	if n.props == nil && n.patternProps == nil && !n.addFalse && n.additional == nil && n.propertyNames == nil {
		return true
	}
	for i := range o {
		k, v := o[i].k, &o[i].v
		if n.propertyNames != nil {
			name := jv{k: jString, s: k}
			if !n.propertyNames.check(&name, depth+1) {
				return false
			}
		}
		matched := false
		if s, ok := n.prop(k); ok {
			matched = true
			if !s.check(v, depth+1) {
				return false
			}
		}
		for _, pp := range n.patternProps {
			if pp.re.MatchString(k) {
				matched = true
				if !pp.n.check(v, depth+1) {
					return false
				}
			}
		}
		if !matched {
			if n.addFalse {
				return false
			}
			if n.additional != nil && !n.additional.check(v, depth+1) {
				return false
			}
		}
	}
	return true
}

// checkArray decides an array's keywords: item counts, prefixItems then
// items for the rest, uniqueItems (pairwise, by JSON equality: 1 and
// 1.0 are the same item) and contains with minContains (1 when absent)
// and maxContains.
func (n *fnode) checkArray(a []jmember, depth int) bool {
	if n.minItems >= 0 && len(a) < n.minItems || n.maxItems >= 0 && len(a) > n.maxItems {
		return false
	}
	for i, s := range n.prefixItems {
		if i < len(a) && !s.check(&a[i].v, depth+1) {
			return false
		}
	}
	if n.items != nil {
		for i := len(n.prefixItems); i < len(a); i++ {
			if !n.items.check(&a[i].v, depth+1) {
				return false
			}
		}
	}
	if n.unique {
		for i := 1; i < len(a); i++ {
			for j := 0; j < i; j++ {
				if equalJJ(&a[i].v, &a[j].v) {
					return false
				}
			}
		}
	}
	if n.contains != nil {
		c := 0
		for i := range a {
			if n.contains.check(&a[i].v, depth+1) {
				c++
			}
		}
		min := n.minContains
		if min < 0 {
			min = 1
		}
		if c < min || n.maxContains >= 0 && c > n.maxContains {
			return false
		}
	}
	return true
}

func typeMatches(types uint8, v *jv) bool {
	switch v.k {
	case jNull:
		return types&tNull != 0
	case jTrue, jFalse:
		return types&tBoolean != 0
	case jString:
		return types&tString != 0
	case jObject:
		return types&tObject != 0
	case jArray:
		return types&tArray != 0
	case jNumber:
		if types&tNumber != 0 {
			return true
		}
		return types&tInteger != 0 && isInteger(v.s)
	}
	return false
}

// equalJA is JSON equality between a parsed value and a schema value:
// numbers by value, objects by members.
func equalJA(v *jv, a any) bool {
	switch x := a.(type) {
	case nil:
		return v.k == jNull
	case bool:
		return x && v.k == jTrue || !x && v.k == jFalse
	case string:
		return v.k == jString && v.s == x
	case json.Number:
		return v.k == jNumber && numbersEqual(v.s, string(x))
	case []any:
		if v.k != jArray || len(v.kids) != len(x) {
			return false
		}
		for i := range x {
			if !equalJA(&v.kids[i].v, x[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		if v.k != jObject || len(v.kids) != len(x) {
			return false
		}
		for i := range v.kids {
			e, ok := x[v.kids[i].k]
			if !ok || !equalJA(&v.kids[i].v, e) {
				return false
			}
		}
		return true
	}
	return false
}

// equalJJ is JSON equality between two parsed values.
func equalJJ(a, b *jv) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case jString:
		return a.s == b.s
	case jNumber:
		return numbersEqual(a.s, b.s)
	case jArray:
		if len(a.kids) != len(b.kids) {
			return false
		}
		for i := range a.kids {
			if !equalJJ(&a.kids[i].v, &b.kids[i].v) {
				return false
			}
		}
		return true
	case jObject:
		if len(a.kids) != len(b.kids) {
			return false
		}
		for i := range a.kids {
			w, ok := getMember(b.kids, a.kids[i].k)
			if !ok || !equalJJ(&a.kids[i].v, w) {
				return false
			}
		}
		return true
	}
	return true // null, true, false: the kind says it all
}

// lengthWithin reports whether s has min to max characters (-1: no
// bound), counting them only when the byte length does not decide: a
// character is 1 to 4 bytes.
func lengthWithin(s string, min, max int) bool {
	b := len(s)
	if min > 0 && b < min || max >= 0 && b > 4*max {
		return false
	}
	if (min <= 0 || b >= 4*min) && (max < 0 || b <= max) {
		return true
	}
	l := utf8.RuneCountInString(s)
	return (min <= 0 || l >= min) && (max < 0 || l <= max)
}
