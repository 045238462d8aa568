package validation

import (
	"sort"
	"strconv"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Bracketed names, as Rack, PHP, qs and Stripe read them, in form bodies
// and deepObject query parameters:
//
//	a[b][c]=v    {"a": {"b": {"c": v}}}, to any depth
//	a[]=v&a[]=w  {"a": [v, w]}
//	a[0]=v       {"a": [v]}: items in the order of their indices
//	a[0][b]=v    {"a": [{"b": v}]}
//	a[][b]=v     appends an object, or (Rack) adds b to the last one
//	             when it has no b yet
//
// The schema decides what a token means: under an array, [] and [N] are
// items; under an object (or a schema that allows any value), [N] is a
// key "N". Each value is coerced to the type its schema gives it at that
// place (numbers, booleans), and stays a string where the schema allows
// one: an empty value is the empty string. A value given twice at one
// place, or both as a value and with brackets, is a "duplicate" problem.

// bracketPath splits a[b][c] into a and [b c]. ok is false for a name
// without well-formed brackets, which is read as it stands.
func bracketPath(name string) (base string, toks []string, ok bool) {
	i := strings.IndexByte(name, '[')
	if i <= 0 || name[len(name)-1] != ']' {
		return name, nil, false
	}
	base, rest := name[:i], name[i:]
	for rest != "" {
		j := strings.IndexByte(rest, ']')
		if rest[0] != '[' || j < 0 || strings.IndexByte(rest[1:j], '[') >= 0 {
			return name, nil, false
		}
		toks = append(toks, rest[1:j])
		rest = rest[j+1:]
	}
	return base, toks, true
}

// bracketArray is an array being built: its items with the index each
// was given (-1: appended with []).
type bracketArray struct {
	items []any
	index []int
}

// brackets builds the values of bracketed names. Problems point below
// prefix ("/body", "/query/created").
type brackets struct {
	c *collector
}

// set puts value at toks below cur (nil, a map, a *bracketArray or a
// scalar already set) and returns the new cur. t is the schema's types
// at cur; ptr and field name cur in problems.
func (b brackets) set(cur any, toks []string, value string, t *typeInfo, ptr, field string) any {
	if len(toks) == 0 {
		if cur != nil {
			b.duplicate(cur, ptr, field)
			return cur
		}
		return coerce(value, t)
	}
	tok := toks[0]
	if tok == "" || isItemIndex(tok) && (t == nil || t.is(tArray)) {
		a, ok := cur.(*bracketArray)
		if !ok {
			if cur != nil {
				b.duplicate(cur, ptr, field)
				return cur
			}
			a = &bracketArray{}
		}
		var it *typeInfo
		if t != nil {
			it = t.items
		}
		pos := -1
		switch {
		case tok != "":
			n, _ := strconv.Atoi(tok)
			for i, x := range a.index {
				if x == n {
					pos = i
				}
			}
			if pos < 0 {
				a.items, a.index = append(a.items, nil), append(a.index, n)
				pos = len(a.items) - 1
			}
		case len(toks) > 1 && len(a.items) > 0 && !hasKey(a.items[len(a.items)-1], toks[1]):
			pos = len(a.items) - 1 // Rack: a[][b]=1&a[][c]=2 is one item
		default:
			a.items, a.index = append(a.items, nil), append(a.index, -1)
			pos = len(a.items) - 1
		}
		a.items[pos] = b.set(a.items[pos], toks[1:], value, it, ptr+"/"+strconv.Itoa(pos), field+"["+tok+"]")
		return a
	}
	m, ok := cur.(map[string]any)
	if !ok {
		if cur != nil {
			b.duplicate(cur, ptr, field)
			return cur
		}
		m = map[string]any{}
	}
	m[tok] = b.set(m[tok], toks[1:], value, t.prop(tok), ptr+"/"+escapeToken(tok), field+"["+tok+"]")
	return m
}

func (b brackets) duplicate(cur any, ptr, field string) {
	msg := "is given more than once"
	switch cur.(type) {
	case map[string]any, *bracketArray:
		msg = "is given both as a value and with brackets"
	}
	b.c.add(errorpages.Field{Pointer: ptr, Code: "duplicate", Message: msg}, field)
}

// isItemIndex reports whether tok is an array index in brackets: up to 5
// digits (a[00]= is item 0, as qs reads it).
func isItemIndex(tok string) bool {
	if tok == "" || len(tok) > 5 {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return false
		}
	}
	return true
}

func hasKey(v any, k string) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return true // not an object: the next item starts
	}
	_, ok = m[k]
	return ok
}

// bracketValue turns the arrays built by set into []any, their items in
// the order of their indices (appended ones after, in order).
func bracketValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = bracketValue(e)
		}
		return x
	case *bracketArray:
		order := make([]int, len(x.items))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(i, j int) bool {
			a, b := x.index[order[i]], x.index[order[j]]
			return a >= 0 && (b < 0 || a < b)
		})
		out := make([]any, len(x.items))
		for i, o := range order {
			out[i] = bracketValue(x.items[o])
		}
		return out
	}
	return v
}
