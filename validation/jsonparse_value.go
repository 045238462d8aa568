package validation

// The parsed value, jv: what the parser builds, the fast validator checks
// and explain reads, and its conversions from and to the ordinary values
// the schema engine takes.

import (
	"encoding/json"
)

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
