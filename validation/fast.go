package validation

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// fnode is a schema compiled a second time, from the engine's compiled
// form, into a validator that only answers valid or not: no error trees,
// no evaluation tracking, no number formatting. Valid requests (the
// common case) are decided here; a value it rejects goes through the
// engine, which explains every problem. Schemas using keywords it does
// not implement are never given one, so the engine decides alone.
type fnode struct {
	// The fields a scalar's check reads come first, in the first cache
	// lines; walk.apps says whether any applicator is set.
	always, never bool  // boolean schemas
	types         uint8 // tString… bits; 0: any
	walk          walkFlags
	minLen        int
	maxLen        int
	pattern       func(string) bool
	format        func(any) error
	fmtStr        func(string) (valid, sure bool) // nativeFormats' check of format
	enum          []any
	constV        *any

	minimum, maximum, exMin, exMax, multipleOf *bound

	ref        *fnode
	not        *fnode
	allOf      []*fnode
	anyOf      []*fnode
	oneOf      []*fnode
	ifS, thenS *fnode
	elseS      *fnode

	minProps, maxProps int // -1: none
	required           []string
	props              map[string]*fnode
	propList           []propEntry // props, when there are few: searched without hashing
	patternProps       []patternProp
	addFalse           bool
	additional         *fnode
	propertyNames      *fnode
	dependentRequired  map[string][]string
	dependentSchemas   map[string]*fnode

	minItems, maxItems int
	unique             bool
	prefixItems        []*fnode
	items              *fnode
	contains           *fnode
	minContains        int
	maxContains        int

	// src is the engine's schema this node was built from: explain runs
	// the engine on it for one failing value.
	src *jsonschema.Schema
}

// smallProps is how many properties are looked up in a list rather than
// the map.
const smallProps = 12

type propEntry struct {
	name string
	n    *fnode
}

// prop returns the schema of a declared property.
func (n *fnode) prop(k string) (*fnode, bool) {
	if n.propList != nil {
		for i := range n.propList {
			if n.propList[i].name == k {
				return n.propList[i].n, true
			}
		}
		return nil, false
	}
	s, ok := n.props[k]
	return s, ok
}

type patternProp struct {
	re jsonschema.Regexp
	n  *fnode
}

// bound is a numeric limit, exact and as the nearest float64; exact
// says the float64 is the limit itself.
type bound struct {
	r     *big.Rat
	f     float64
	exact bool
}

func newBound(r *big.Rat) *bound {
	if r == nil {
		return nil
	}
	f, exact := r.Float64()
	return &bound{r, f, exact}
}

type fastBuilder struct {
	done map[*jsonschema.Schema]*fnode
	ok   bool
	// added records the schemas this build added to done, when done is
	// shared by several builds (fastForAll); nil otherwise.
	added *[]*jsonschema.Schema
}

// fastFor compiles s into an fnode, or returns nil when s (or a schema
// it reaches) uses a keyword the fast validator does not implement.
func fastFor(s *jsonschema.Schema) *fnode {
	if s == nil {
		return nil
	}
	b := fastBuilder{done: map[*jsonschema.Schema]*fnode{}, ok: true}
	n := b.build(s)
	if !b.ok {
		return nil
	}
	b.collapseAliases()
	return n
}

// collapseAliases points every schema that is only a $ref (an alias)
// at the end of its chain of aliases, so a value costs the same however
// many references lead to its schema: check, the walker and explain
// each take one step instead of one per link (and a chain longer than
// their depth limits is no longer handed to the engine). A cycle of
// aliases, which Load refuses, is left as it is.
func (b *fastBuilder) collapseAliases() {
	for _, n := range b.done {
		if !n.walk.alias || !n.ref.walk.alias {
			continue
		}
		end, steps := n.ref, 0
		for end.walk.alias && steps <= len(b.done) {
			end, steps = end.ref, steps+1
		}
		if end.walk.alias {
			continue // a cycle
		}
		for m := n; m.ref != end; { // every link of this chain
			next := m.ref
			m.ref = end
			m = next
		}
	}
}

// build compiles the engine's schema s into an fnode, once per schema
// (b.done also closes $ref cycles). A schema using a keyword the fast
// validator does not implement, or a draft before 2019-09, clears b.ok:
// the whole schema then gets no fnode and the engine decides alone,
// because a fast answer that differed from the engine's would let a body
// through that the engine refuses (or the reverse).
func (b *fastBuilder) build(s *jsonschema.Schema) *fnode {
	if s == nil {
		return nil
	}
	if n, ok := b.done[s]; ok {
		return n
	}
	n := &fnode{minProps: -1, maxProps: -1, minItems: -1, maxItems: -1, minLen: -1, maxLen: -1, minContains: -1, maxContains: -1, src: s}
	b.done[s] = n
	if b.added != nil {
		*b.added = append(*b.added, s)
	}
	if s.Bool != nil {
		n.always, n.never = *s.Bool, !*s.Bool
		return n
	}
	if s.RecursiveRef != nil || s.DynamicRef != nil || s.UnevaluatedProperties != nil || s.UnevaluatedItems != nil ||
		len(s.Dependencies) > 0 || s.Items != nil || s.AdditionalItems != nil || s.ContentEncoding != nil ||
		s.ContentMediaType != nil || s.ContentSchema != nil || len(s.Extensions) > 0 || s.DraftVersion < 2019 {
		b.ok = false
		return n
	}
	n.ref = b.build(s.Ref)
	if s.Types != nil {
		for _, t := range s.Types.ToStrings() {
			n.types |= typeBits[t]
		}
	}
	if s.Enum != nil {
		n.enum = s.Enum.Values
	}
	n.constV = s.Const
	n.not = b.build(s.Not)
	n.allOf = b.list(s.AllOf)
	n.anyOf = b.list(s.AnyOf)
	n.oneOf = b.list(s.OneOf)
	n.ifS, n.thenS, n.elseS = b.build(s.If), b.build(s.Then), b.build(s.Else)
	if s.Format != nil {
		n.format = s.Format.Validate
		n.fmtStr = nativeFormats[s.Format.Name]
	}
	n.minProps, n.maxProps = intOr(s.MinProperties), intOr(s.MaxProperties)
	n.required = s.Required
	if len(s.Properties) > 0 {
		n.props = make(map[string]*fnode, len(s.Properties))
		for k, v := range s.Properties {
			n.props[k] = b.build(v)
		}
		if len(s.Properties) <= smallProps {
			for _, k := range sortedKeys(s.Properties) {
				n.propList = append(n.propList, propEntry{k, n.props[k]})
			}
		}
	}
	for re, v := range s.PatternProperties {
		n.patternProps = append(n.patternProps, patternProp{re, b.build(v)})
	}
	switch a := s.AdditionalProperties.(type) {
	case bool:
		n.addFalse = !a
	case *jsonschema.Schema:
		n.additional = b.build(a)
	}
	n.propertyNames = b.build(s.PropertyNames)
	if len(s.DependentRequired) > 0 {
		n.dependentRequired = s.DependentRequired // else nil: nothing to range over
	}
	if len(s.DependentSchemas) > 0 {
		n.dependentSchemas = map[string]*fnode{}
		for k, v := range s.DependentSchemas {
			n.dependentSchemas[k] = b.build(v)
		}
	}
	n.minItems, n.maxItems = intOr(s.MinItems), intOr(s.MaxItems)
	n.unique = s.UniqueItems
	n.prefixItems = b.list(s.PrefixItems)
	n.items = b.build(s.Items2020)
	n.contains = b.build(s.Contains)
	n.minContains, n.maxContains = intOr(s.MinContains), intOr(s.MaxContains)
	n.minLen, n.maxLen = intOr(s.MinLength), intOr(s.MaxLength)
	n.pattern = matcher(s.Pattern)
	n.minimum, n.maximum = newBound(s.Minimum), newBound(s.Maximum)
	n.exMin, n.exMax = newBound(s.ExclusiveMinimum), newBound(s.ExclusiveMaximum)
	n.multipleOf = newBound(s.MultipleOf)
	n.setWalkFlags()
	return n
}

func (b *fastBuilder) list(ss []*jsonschema.Schema) []*fnode {
	if len(ss) == 0 {
		return nil
	}
	out := make([]*fnode, len(ss))
	for i, s := range ss {
		out[i] = b.build(s)
	}
	return out
}

func intOr(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

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

func (n *fnode) checkNumber(s string) bool {
	if n.minimum == nil && n.maximum == nil && n.exMin == nil && n.exMax == nil && n.multipleOf == nil {
		return true
	}
	if n.minimum != nil && cmpNumber(s, n.minimum) < 0 {
		return false
	}
	if n.maximum != nil && cmpNumber(s, n.maximum) > 0 {
		return false
	}
	if n.exMin != nil && cmpNumber(s, n.exMin) <= 0 {
		return false
	}
	if n.exMax != nil && cmpNumber(s, n.exMax) >= 0 {
		return false
	}
	if n.multipleOf != nil {
		r, ok := new(big.Rat).SetString(s)
		if !ok || !new(big.Rat).Quo(r, n.multipleOf.r).IsInt() {
			return false
		}
	}
	return true
}

// cmpNumber compares a JSON number with a bound exactly. Rounding to
// float64 is monotonic, so different floats decide; equal ones are
// compared as exact rationals.
func cmpNumber(s string, b *bound) int {
	if i, ok := smallInt(s); ok {
		// Exactly a float64; so is the bound when b.exact.
		f := float64(i)
		switch {
		case f < b.f:
			return -1
		case f > b.f:
			return 1
		case b.exact:
			return 0
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if math.IsInf(f, 0) && !math.IsInf(b.f, 0) {
		// Beyond float64's range, so beyond the bound's: no math/big.
		if f > 0 {
			return 1
		}
		return -1
	}
	if f == 0 && b.f == 0 && b.exact {
		// Against a bound of exactly 0 (the common minimum), a number
		// too small for float64 counts by its sign: no math/big.
		mant := s
		if i := strings.IndexAny(s, "eE"); i >= 0 {
			mant = s[:i]
		}
		if strings.Trim(mant, "-0.") == "" {
			return 0
		}
		if s[0] == '-' {
			return -1
		}
		return 1
	}
	if err == nil {
		switch {
		case f < b.f:
			return -1
		case f > b.f:
			return 1
		case b.exact && isSmallInteger(s):
			return 0 // both exactly this float
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0
	}
	return r.Cmp(b.r)
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

// isInteger reports whether a JSON number text is an integer, without
// math/big: digits D (integer and fraction part, f of them after the
// point) times 10^e is an integer when D is zero or e - f plus D's
// trailing zeros is at least 0.
func isInteger(s string) bool {
	if !strings.ContainsAny(s, ".eE") {
		return true
	}
	mant, exp := strings.TrimPrefix(s, "-"), ""
	if i := strings.IndexAny(mant, "eE"); i >= 0 {
		mant, exp = mant[:i], mant[i+1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	e := 0
	if exp != "" {
		neg := exp[0] == '-'
		exp = strings.TrimLeft(exp, "+-")
		for i := 0; i < len(exp); i++ {
			if e = e*10 + int(exp[i]-'0'); e > 1<<20 {
				r, ok := new(big.Rat).SetString(s) // beyond the parser's limit: exactly, slowly
				return ok && r.IsInt()
			}
		}
		if neg {
			e = -e
		}
	}
	digits := intPart + frac
	tz := len(digits) - len(strings.TrimRight(digits, "0"))
	if tz == len(digits) {
		return true // zero
	}
	return e-len(frac)+tz >= 0
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

func numbersEqual(x, y string) bool {
	if x == y {
		return true
	}
	rx, ok1 := new(big.Rat).SetString(x)
	ry, ok2 := new(big.Rat).SetString(y)
	return ok1 && ok2 && rx.Cmp(ry) == 0
}

// isSmallInteger reports whether s is an integer literal that float64
// holds exactly (at most 15 digits).
func isSmallInteger(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || len(s) > 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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

// smallInt reads an integer literal of at most 15 digits (exactly a
// float64) without strconv.
func smallInt(s string) (int64, bool) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" || len(s) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
