package validation

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// DefaultMaxProblems caps the problems listed in one answer.
const DefaultMaxProblems = 50

// MaxCounted is how many problems a request's validation finds before it
// stops looking: past it the answer lists the first problems of those
// found and says "more than" (Result.Partial). A rejection's work is
// bounded by this count, not by the size of the body: a body with
// 500,000 wrong items is explained no further than its first MaxCounted.
const MaxCounted = 1000

// collector gathers the problems of one request.
type collector struct {
	ss     *schemaSet
	fields []errorpages.Field
	// body counts the problems found by the body's schema (as opposed
	// to its syntax, its media type or the parameters).
	body int
	// over says problems were dropped: MaxCounted were found already.
	over bool
}

func (c *collector) add(f errorpages.Field, field string) {
	if len(c.fields) >= MaxCounted {
		c.over = true
		return
	}
	f.Field = field
	c.fields = append(c.fields, f)
}

// full reports whether a problem was dropped: the explainers stop as
// soon as one is (not at MaxCounted itself, so that exactly MaxCounted
// problems are counted as such).
func (c *collector) full() bool { return c.over }

// schemaErrors flattens a schema engine error into problems. prefix is
// the location-qualified pointer of the validated value ("/body",
// "/query/filter"); base and brackets build field names.
func (c *collector) schemaErrors(err error, instance any, prefix, base string, brackets bool) {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		c.add(errorpages.Field{Pointer: prefix, Code: "invalid", Message: "is not valid"}, base)
		return
	}
	f := flattener{c: c, instance: instance, prefix: prefix, base: base, brackets: brackets}
	f.walk(ve)
}

type flattener struct {
	c        *collector
	instance any
	prefix   string
	base     string
	brackets bool
	// pre is where the validated value sits below prefix when the engine
	// was given only a part of it (explain): instance locations are
	// relative to that part.
	pre []string
}

func (f *flattener) emit(loc []string, extra string, code, msg, hint string) {
	f.emitText(loc, extra, code, msg, hint, "", nil)
}

// emitText is emit with the message's catalogue key and its arguments,
// for the pages in other languages (errorpages.Field.Key and Args).
func (f *flattener) emitText(loc []string, extra string, code, msg, hint, key string, args map[string]string) {
	toks := loc
	if extra != "" || len(f.pre) > 0 {
		toks = make([]string, 0, len(f.pre)+len(loc)+1)
		toks = append(append(toks, f.pre...), loc...)
		if extra != "" {
			toks = append(toks, extra)
		}
	}
	var ptr strings.Builder
	ptr.WriteString(f.prefix)
	for _, t := range toks {
		ptr.WriteByte('/')
		ptr.WriteString(escapeToken(t))
	}
	f.c.add(errorpages.Field{Pointer: ptr.String(), Code: code, Message: msg, Hint: hint, Key: key, Args: args}, fieldName(f.base, toks, f.brackets))
}

// last is the last token of the full location of at.
func (f *flattener) last(at []string) string {
	if len(at) > 0 {
		return at[len(at)-1]
	}
	return f.pre[len(f.pre)-1]
}

// walk turns the engine's error tree into problems, one per failing
// keyword, each with the code, message, hint and translation key the
// error model documents. Grouping errors (schema, allOf, $ref) are
// walked through; a failed oneOf or anyOf is reported through its
// closest branch (narrow), not every branch's errors; a discriminator's
// missing or unknown value names the allowed ones; a false schema is
// told apart by where it came from (readOnly, unevaluated*).
func (f *flattener) walk(ve *jsonschema.ValidationError) {
	at := ve.InstanceLocation
	switch k := ve.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
		for _, c := range ve.Causes {
			f.walk(c)
		}
	case *kind.OneOf:
		if k.Subschemas != nil {
			f.emit(at, "", "one_of", "matches more than one of the allowed shapes", "")
			return
		}
		f.narrow(ve, "oneOf")
	case *kind.AnyOf:
		f.narrow(ve, "anyOf")
	case *kind.Required:
		d := f.c.ss.w.disc[f.c.ss.canon(ve.SchemaURL)]
		for _, p := range k.Missing {
			hint := ""
			if d != nil && p == d.prop {
				hint = "expected one of: " + strings.Join(d.values, ", ")
			}
			f.emit(at, p, "required", "is required", hint)
		}
	case *kind.DependentRequired:
		for _, p := range k.Missing {
			f.emit(at, p, "required", "is required when `"+k.Prop+"` is given", "")
		}
	case *kind.Dependency:
		for _, p := range k.Missing {
			f.emit(at, p, "required", "is required when `"+k.Prop+"` is given", "")
		}
		for _, c := range ve.Causes {
			f.walk(c)
		}
	case *kind.AdditionalProperties:
		names := f.c.ss.propertyNames(ve.SchemaURL)
		for _, p := range k.Properties {
			f.emitText(at, p, "additional_property", "is not allowed here", didYouMean(p, names), "", suggestArgs(p, names))
		}
	case *kind.FalseSchema:
		u := f.c.ss.canon(ve.SchemaURL)
		switch {
		case f.c.ss.w.readOnly[u] && f.c.ss.w.response:
			f.emit(at, "", "write_only", "is write-only and cannot be in a response", "")
		case f.c.ss.w.readOnly[u]:
			f.emit(at, "", "read_only", "is read-only and cannot be set in a request", "")
		case strings.HasSuffix(u, "/unevaluatedProperties") && len(f.pre)+len(at) > 0:
			parent := strings.TrimSuffix(ve.SchemaURL, "/unevaluatedProperties")
			f.emit(at, "", "additional_property", "is not allowed here", didYouMean(f.last(at), f.c.ss.propertyNames(parent)))
		case strings.HasSuffix(u, "/unevaluatedItems"):
			f.emit(at, "", "additional_item", "is more items than allowed", "")
		default:
			f.emit(at, "", "not_allowed", "is not allowed here", "")
		}
	case *kind.Type:
		f.emitText(at, "", "type", "must be "+typeList(k.Want), "", "problem.type.want", map[string]string{"types": strings.Join(k.Want, ", ")})
	case *kind.Enum:
		if d := f.c.ss.w.disc[f.c.ss.canon(ve.SchemaURL)]; d != nil {
			f.emitText(at, "", "enum", "must be one of the allowed values", "expected one of: "+strings.Join(d.values, ", "), "", map[string]string{"allowed": strings.Join(d.values, ", ")})
			return
		}
		allowed := f.enumHint(ve.SchemaURL, k.Want, at)
		f.emitText(at, "", "enum", "must be one of the allowed values", "allowed: "+allowed, "", map[string]string{"allowed": allowed})
	case *kind.Const:
		if s, ok := shortValue(k.Want); ok {
			f.emitText(at, "", "const", "must be "+s, "", "problem.const.want", map[string]string{"value": s})
		} else {
			f.emit(at, "", "const", "must be the expected value", "")
		}
	case *kind.Format:
		f.emitText(at, "", "format", formatMessage(k.Want), "", "problem.format.want", map[string]string{"format": k.Want})
	case *kind.Minimum:
		f.emitText(at, "", "minimum", "must be at least "+ratString(k.Want), "", "problem.minimum.want", map[string]string{"limit": ratString(k.Want)})
	case *kind.Maximum:
		f.emitText(at, "", "maximum", "must be at most "+ratString(k.Want), "", "problem.maximum.want", map[string]string{"limit": ratString(k.Want)})
	case *kind.ExclusiveMinimum:
		f.emitText(at, "", "minimum", "must be greater than "+ratString(k.Want), "", "problem.minimum.exclusive", map[string]string{"limit": ratString(k.Want)})
	case *kind.ExclusiveMaximum:
		f.emitText(at, "", "maximum", "must be less than "+ratString(k.Want), "", "problem.maximum.exclusive", map[string]string{"limit": ratString(k.Want)})
	case *kind.MultipleOf:
		f.emitText(at, "", "multiple_of", "must be a multiple of "+ratString(k.Want), "", "problem.multiple_of.want", map[string]string{"limit": ratString(k.Want)})
	case *kind.MinLength:
		if k.Want == 1 {
			f.emitText(at, "", "min_length", "must not be empty", "", "problem.not_empty", nil)
		} else {
			f.emitText(at, "", "min_length", fmt.Sprintf("must be at least %d characters long", k.Want), "", "problem.min_length.want", nArgs(k.Want))
		}
	case *kind.MaxLength:
		f.emitText(at, "", "max_length", fmt.Sprintf("must be at most %d characters long", k.Want), "", "problem.max_length.want", nArgs(k.Want))
	case *kind.Pattern:
		f.emitText(at, "", "pattern", "does not have the expected format", "must match the pattern "+k.Want, "problem.pattern", nil)
	case *kind.MinItems:
		if k.Want == 1 {
			f.emitText(at, "", "min_items", "must not be empty", "", "problem.not_empty", nil)
		} else {
			f.emitText(at, "", "min_items", fmt.Sprintf("must have at least %d items", k.Want), "", "problem.min_items.want", nArgs(k.Want))
		}
	case *kind.MaxItems:
		f.emitText(at, "", "max_items", fmt.Sprintf("must have at most %d items", k.Want), "", "problem.max_items.want", nArgs(k.Want))
	case *kind.AdditionalItems:
		f.emit(at, "", "max_items", "has more items than allowed", "")
	case *kind.UniqueItems:
		f.emit(at, strconv.Itoa(k.Duplicates[1]), "unique_items", fmt.Sprintf("repeats item %d; items must be unique", k.Duplicates[0]), "")
	case *kind.MinProperties:
		f.emitText(at, "", "min_properties", fmt.Sprintf("must have at least %d properties", k.Want), "", "problem.min_properties.want", nArgs(k.Want))
	case *kind.MaxProperties:
		f.emitText(at, "", "max_properties", fmt.Sprintf("must have at most %d properties", k.Want), "", "problem.max_properties.want", nArgs(k.Want))
	case *kind.PropertyNames:
		f.emit(at, k.Property, "property_name", "is not an allowed property name", "")
	case *kind.Contains, *kind.MinContains:
		f.emit(at, "", "contains", "does not contain a required item", "")
	case *kind.MaxContains:
		f.emit(at, "", "contains", "contains too many items of one kind", "")
	case *kind.Not:
		f.emit(at, "", "not", "has a value that is not allowed here", "")
	case *kind.ContentEncoding, *kind.ContentMediaType, *kind.ContentSchema:
		f.emit(at, "", "content", "has content that is not valid", "")
	default:
		if len(ve.Causes) > 0 {
			for _, c := range ve.Causes {
				f.walk(c)
			}
			return
		}
		f.emit(at, "", "invalid", "is not valid", "")
	}
}

// narrow reports a failed oneOf/anyOf through the branch that came
// closest, instead of every branch's errors. (A discriminator was turned
// into if/then at load time, so it selects its branch before this.)
func (f *flattener) narrow(ve *jsonschema.ValidationError, kw string) {
	f.closest(ve, kw)
}

// closest reports the branch with the fewest problems, preferring
// branches whose type matched. When every branch rejects the value's
// type, one type problem lists the types allowed.
func (f *flattener) closest(ve *jsonschema.ValidationError, kw string) {
	at := ve.InstanceLocation
	best, bestScore := -1, 0
	var types []string
	allType := true
	for i, c := range ve.Causes {
		leaves := 0
		typeHere := false
		eachLeaf(c, func(l *jsonschema.ValidationError) {
			leaves++
			if t, ok := l.ErrorKind.(*kind.Type); ok && len(l.InstanceLocation) == len(at) {
				typeHere = true
				types = append(types, t.Want...)
			}
		})
		if !typeHere {
			allType = false
		}
		score := leaves
		if typeHere {
			score += 1000
		}
		if best < 0 || score < bestScore {
			best, bestScore = i, score
		}
	}
	if allType && len(types) > 0 {
		f.emit(at, "", "type", "must be "+typeList(dedupe(types)), "")
		return
	}
	if best >= 0 {
		f.walk(ve.Causes[best])
		return
	}
	f.emit(at, "", "one_of", "matches none of the allowed shapes", "")
}

func eachLeaf(ve *jsonschema.ValidationError, fn func(*jsonschema.ValidationError)) {
	if len(ve.Causes) == 0 {
		fn(ve)
		return
	}
	for _, c := range ve.Causes {
		eachLeaf(c, fn)
	}
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func valueAt(v any, toks []string) any {
	for _, t := range toks {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func article(t string) string {
	switch t {
	case "integer", "array", "object":
		return "an " + t
	case "null":
		return "null"
	}
	return "a " + t
}

func typeList(want []string) string {
	ws := append([]string(nil), want...)
	// integer is a number: "a number" covers both.
	if containsString(ws, "number") {
		out := ws[:0]
		for _, w := range ws {
			if w != "integer" {
				out = append(out, w)
			}
		}
		ws = out
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = article(w)
	}
	switch len(parts) {
	case 0:
		return "of another type"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// valueList renders schema values (enum members) for a hint.
// enumHint lists the allowed values of an enum, the ones closest to the
// string that was sent first (an enum of 594 time zones answers
// Europe/Berln with Europe/Berlin, not with its first 20).
func (f *flattener) enumHint(u string, want []any, at []string) string {
	sent, ok := valueAt(f.instance, at).(string)
	if !ok || len(want) < 2 {
		return f.c.ss.enumHint(u, want)
	}
	type near struct {
		v any
		d int
	}
	var close []near
	ls := strings.ToLower(sent)
	for _, w := range want {
		if s, ok := w.(string); ok {
			if d := levenshtein(ls, strings.ToLower(s)); d <= min(3, 1+len(s)/4) {
				close = append(close, near{w, d})
			}
		}
	}
	if len(close) == 0 {
		return f.c.ss.enumHint(u, want)
	}
	sort.SliceStable(close, func(i, j int) bool { return close[i].d < close[j].d })
	close = close[:min(len(close), 3)]
	out := make([]any, 0, len(want))
	for _, n := range close {
		out = append(out, n.v)
	}
	for _, w := range want {
		if !containsValue(out[:len(close)], w) {
			out = append(out, w)
		}
	}
	return valueList(out)
}

func containsValue(vs []any, v any) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func valueList(vs []any) string {
	var parts []string
	total := 0
	for i, v := range vs {
		b, _ := json.Marshal(v)
		s := string(b)
		if str, ok := v.(string); ok && str != "" {
			s = str // the empty string stays "", seen in the list
		}
		if i >= 20 || total+len(s) > 300 {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(vs)-i))
			break
		}
		total += len(s)
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func shortValue(v any) (string, bool) {
	switch v.(type) {
	case map[string]any, []any:
		return "", false
	}
	b, err := json.Marshal(v)
	if err != nil || len(b) > 80 {
		return "", false
	}
	return string(b), true
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(10)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

var formatMessages = map[string]string{
	"email":         "must be a valid email address",
	"idn-email":     "must be a valid email address",
	"date":          "must be a valid date (YYYY-MM-DD)",
	"date-time":     "must be a valid date and time (RFC 3339, e.g. 2024-01-31T09:30:00Z)",
	"time":          "must be a valid time (RFC 3339, e.g. 09:30:00Z)",
	"duration":      "must be a valid ISO 8601 duration (e.g. P3DT4H)",
	"uuid":          "must be a valid UUID",
	"uri":           "must be a valid absolute URI",
	"iri":           "must be a valid absolute IRI",
	"uri-reference": "must be a valid URI reference",
	"hostname":      "must be a valid host name",
	"ipv4":          "must be a valid IPv4 address",
	"ipv6":          "must be a valid IPv6 address",
	"int32":         "must fit in a 32-bit integer",
	"int64":         "must fit in a 64-bit integer",
	"byte":          "must be base64-encoded",
	"regex":         "must be a valid regular expression",
	"json-pointer":  "must be a valid JSON Pointer",
	"semver":        "must be a valid semantic version",
}

func formatMessage(format string) string {
	if m, ok := formatMessages[format]; ok {
		return m
	}
	return "must be a valid " + format
}

// didYouMean suggests the declared name closest to an unknown one.
func didYouMean(name string, declared []string) string {
	if s := closest(name, declared); s != "" {
		return "did you mean `" + s + "`?"
	}
	return ""
}

// closest returns the declared name within a small edit distance of
// name (case-insensitive), "" when none is close.
func closest(name string, declared []string) string {
	best, bestD := "", 0
	ln := strings.ToLower(name)
	for _, d := range declared {
		dist := levenshtein(ln, strings.ToLower(d))
		limit := 1 + len(d)/4
		if limit > 3 {
			limit = 3
		}
		if dist <= limit && (best == "" || dist < bestD || dist == bestD && d < best) {
			best, bestD = d, dist
		}
	}
	return best
}

func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	var rows [2][65]int
	prev, cur := rows[0][:len(b)+1], rows[1][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// locationRank orders problems: path, query, header, cookie, body.
func locationRank(ptr string) int {
	for i, p := range [...]string{"/path", "/query", "/header", "/cookie", "/body"} {
		if strings.HasPrefix(ptr, p) && (len(ptr) == len(p) || ptr[len(p)] == '/') {
			return i
		}
	}
	return 5
}

// comparePointers orders pointers token by token, numbers numerically.
func comparePointers(a, b string) int {
	for {
		x, restA, moreA := strings.Cut(a, "/")
		y, restB, moreB := strings.Cut(b, "/")
		if x != y {
			if isIndex(x) && isIndex(y) && len(x) != len(y) {
				return len(x) - len(y)
			}
			return strings.Compare(x, y)
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = restA, restB
	}
}

// finish sorts by location, removes duplicates and caps the list.
func finish(fields []errorpages.Field, max int) ([]errorpages.Field, int) {
	sort.SliceStable(fields, func(i, j int) bool {
		a, b := fields[i], fields[j]
		if ra, rb := locationRank(a.Pointer), locationRank(b.Pointer); ra != rb {
			return ra < rb
		}
		if c := comparePointers(a.Pointer, b.Pointer); c != 0 {
			return c < 0
		}
		return a.Code < b.Code
	})
	out := fields[:0]
	for _, f := range fields {
		if n := len(out); n > 0 && f.Pointer == out[n-1].Pointer && f.Code == out[n-1].Code && f.Message == out[n-1].Message {
			continue
		}
		out = append(out, f)
	}
	if max <= 0 {
		max = DefaultMaxProblems
	}
	if len(out) > max {
		return out[:max], len(out) - max
	}
	return out, 0
}

// nArgs is the {n} of a message.
func nArgs(n int) map[string]string { return map[string]string{"n": strconv.Itoa(n)} }

// suggestArgs names the declared name closest to name, for a localized
// "did you mean" hint; nil when none is close.
func suggestArgs(name string, declared []string) map[string]string {
	if s := closest(name, declared); s != "" {
		return map[string]string{"suggest": s}
	}
	return nil
}
