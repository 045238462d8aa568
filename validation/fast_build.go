package validation

// Building the fast validator, at load: the engine's compiled schema read a
// second time into an fnode (fast.go), or no fnode when it uses a keyword
// the fast validator does not implement.

import (
	"github.com/santhosh-tekuri/jsonschema/v6"
)

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
