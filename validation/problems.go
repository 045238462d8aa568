package validation

// A request's problems: gathered by a collector, up to MaxCounted, then
// ordered by location, deduplicated and capped (finish). One file each:
//
//	problems.go          the collector and the final list
//	problems_flatten.go  the engine's error tree turned into problems
//	problems_text.go     their messages and hints

import (
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

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
