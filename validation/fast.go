package validation

// The fast validator: a schema compiled a second time, into a validator
// that only answers valid or not (doc.go says why). One file each:
//
//	fast.go         the compiled node, fnode, and its parts
//	fast_build.go   building it from the engine's schema, at load
//	fast_check.go   checking a value against it, per request
//	fast_number.go  comparing numbers exactly, for fast_check.go
//
// The walker (walk.go) reads the same fnode to check a body's bytes.

import (
	"math/big"

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
