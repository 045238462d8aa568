package validation

// The words of a problem: types with their articles, enum and const values,
// numeric limits, format names, and the "did you mean" suggestions for a
// name close to a declared one.

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

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

// valueList renders schema values (enum members) for a hint.
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
