package validation

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// problemCodes is every problem code a Field of this package (and of the
// request_validation handler over it) can carry. TestProblemCodesListed
// scans the sources for codes emitted but not listed.
var problemCodes = []string{
	// the request as a whole
	"not_found", "credentials", "unknown_parameter", "style", "invalid_encoding", "duplicate",
	// the body's envelope
	"media_type", "charset", "max_body", "invalid_json", "duplicate_key", "too_deep", "number_range",
	"multipart", "too_many_fields", "max_size", "min_size",
	// the schema
	"required", "type", "format", "enum", "const", "minimum", "maximum", "multiple_of",
	"min_length", "max_length", "pattern", "min_items", "max_items", "unique_items",
	"min_properties", "max_properties", "additional_property", "additional_item",
	"property_name", "read_only", "not_allowed", "one_of", "contains", "not", "content", "invalid",
}

// ProblemCodes returns every problem code a validation problem can carry
// ("required", "format", …), in a fixed order: the request as a whole,
// the body's envelope, then the schema's keywords.
func ProblemCodes() []string { return slices.Clone(problemCodes) }

// responseOnlyCodes are the codes only the check of an upstream's
// response gives (CheckResponse): they go to the log, never to a client
// (a violating response is a 502 upstream_contract_violation without
// its problems), so no client-facing list carries them.
var responseOnlyCodes = []string{"undeclared_status", "write_only"}

// Rule is one check an operation makes: where, the problem code a
// violation gets, and the rule in words ("must be a valid email
// address").
type Rule struct {
	// Pointer is where the rule applies, qualified by the request part
	// ("/body/email", "/query/limit"); array items are written "*"
	// ("/body/items/*/qty").
	Pointer string `json:"pointer"`
	// Code is the problem code a violation carries.
	Code string `json:"code"`
	// Text states the rule in English.
	Text string `json:"text"`
	// Key is the text of errorpages' catalogue that states the rule in
	// another language ("problem.format.want"): the key the validator
	// gives the same problem (errorpages.Field.Key), or a "problem.*"
	// key written for rules; its {placeholders} are filled from Args
	// ({"format": "email"}). Neither is in the JSON: Text is the rule
	// for machines.
	Key  string            `json:"-"`
	Args map[string]string `json:"-"`
}

// Limits of Rules: a document's schemas can be large (Stripe's) or
// recursive; an operation's list stays readable and bounded.
const (
	maxRuleDepth = 8
	maxRules     = 400
)

// Rules lists the checks the operation makes on a request, from its
// compiled form: credentials, each parameter, the body's media types and
// each body field's schema keywords (required, type, format, enum,
// minimum/maximum, minLength/maxLength, pattern, additionalProperties
// false, …). Nested schemas are followed 8 levels deep; the list holds at
// most 400 rules.
func (op *Operation) Rules() []Rule {
	rc := ruleCollector{op: op, seen: map[ruleID]bool{}}
	for _, alt := range op.security {
		for _, s := range alt {
			// In other languages, "is required" (the kind of credential
			// is in English only).
			f := missingCredential(s, len(op.security) > 1)
			rc.add(f.Pointer, "credentials", f.Message, "problem.required", nil)
		}
	}
	for _, p := range op.params {
		if p.required {
			rc.add(p.ptr, "required", "is required", "problem.required", nil)
		}
		rc.schema(p.schema, p.ptr, 0)
	}
	if op.opts != nil && op.opts.RejectUnknownQuery && !op.openQuery {
		rc.add("/query", "unknown_parameter", "takes only the declared parameters", "problem.unknown_parameter.want", nil)
	}
	if b := op.body; b != nil {
		if b.required {
			rc.add("/body", "required", "is required", "problem.required", nil)
		}
		rc.add("/body", "media_type", "must be one of: "+b.accept, "problem.hint.allowed", map[string]string{"values": b.accept})
		for _, mt := range b.media {
			if mt.kind == bodyJSON {
				rc.add("/body", "invalid_json", "must be well-formed JSON", "problem.invalid_json.want", nil)
			}
			rc.schema(mt.schema, "/body", 0)
		}
	}
	return rc.rules
}

type ruleCollector struct {
	op    *Operation
	rules []Rule
	seen  map[ruleID]bool
	// path holds the schemas being walked, against $ref cycles.
	path []*jsonschema.Schema
}

// ruleID is what makes a rule distinct: its Key and Args follow from
// its text.
type ruleID struct{ ptr, code, text string }

func (rc *ruleCollector) add(ptr, code, text, key string, args map[string]string) {
	id := ruleID{ptr, code, text}
	if len(rc.rules) >= maxRules || rc.seen[id] {
		return
	}
	rc.seen[id] = true
	rc.rules = append(rc.rules, Rule{Pointer: ptr, Code: code, Text: text, Key: key, Args: args})
}

func (rc *ruleCollector) schema(s *jsonschema.Schema, ptr string, depth int) {
	if s == nil || depth > maxRuleDepth || len(rc.rules) >= maxRules || slices.Contains(rc.path, s) {
		return
	}
	rc.path = append(rc.path, s)
	defer func() { rc.path = rc.path[:len(rc.path)-1] }()
	if s.Bool != nil {
		if !*s.Bool {
			if rc.op.schemas != nil && rc.op.schemas.w != nil && rc.op.schemas.w.readOnly[rc.op.schemas.canon(s.Location)] {
				rc.add(ptr, "read_only", "is read-only and cannot be set in a request", "problem.read_only", nil)
			} else {
				rc.add(ptr, "not_allowed", "is not allowed", "problem.not_allowed", nil)
			}
		}
		return
	}
	rc.schema(s.Ref, ptr, depth)
	for _, a := range s.AllOf {
		rc.schema(a, ptr, depth)
	}
	rc.keywords(s, ptr)
	switch {
	case len(s.OneOf) > 0:
		rc.add(ptr, "one_of", fmt.Sprintf("must match exactly one of %d shapes", len(s.OneOf)), "problem.one_of.want", nil)
	case len(s.AnyOf) > 0:
		rc.add(ptr, "one_of", fmt.Sprintf("must match one of %d shapes", len(s.AnyOf)), "problem.one_of.any", nil)
	}
	for _, name := range s.Required {
		rc.add(ptr+"/"+escapeToken(name), "required", "is required", "problem.required", nil)
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	if closed(s.AdditionalProperties) && len(s.PatternProperties) == 0 {
		// In other languages: the names allowed, or "at most 0
		// properties".
		if len(names) > 0 {
			list := strings.Join(names, ", ")
			rc.add(ptr, "additional_property", "allows no properties but "+list, "problem.hint.allowed", map[string]string{"values": list})
		} else {
			rc.add(ptr, "additional_property", "allows no properties", "problem.max_properties.want", map[string]string{"n": "0"})
		}
	}
	for _, name := range names {
		rc.schema(s.Properties[name], ptr+"/"+escapeToken(name), depth+1)
	}
	if items, ok := s.Items.(*jsonschema.Schema); ok {
		rc.schema(items, ptr+"/*", depth+1)
	}
	rc.schema(s.Items2020, ptr+"/*", depth+1)
}

// closed reports whether additionalProperties is false.
func closed(ap any) bool {
	switch v := ap.(type) {
	case bool:
		return !v
	case *jsonschema.Schema:
		return v != nil && v.Bool != nil && !*v.Bool
	}
	return false
}

// keywords adds the rules of s's own assertions on a value.
func (rc *ruleCollector) keywords(s *jsonschema.Schema, ptr string) {
	// The keys and arguments are those the validator gives the same
	// problem (problems.go), so that a rule reads in another language as
	// its violation does.
	if s.Types != nil && !s.Types.IsEmpty() {
		types := s.Types.ToStrings()
		rc.add(ptr, "type", "must be "+typeList(types), "problem.type.want", map[string]string{"types": strings.Join(types, ", ")})
	}
	if s.Enum != nil {
		rc.add(ptr, "enum", "must be one of: "+valueList(s.Enum.Values), "problem.hint.allowed", map[string]string{"values": neutralValueList(s.Enum.Values)})
	}
	if s.Const != nil {
		if v, ok := shortValue(*s.Const); ok {
			rc.add(ptr, "const", "must be "+v, "problem.const.want", map[string]string{"value": v})
		}
	}
	if s.Format != nil && (rc.op.opts == nil || !rc.op.opts.SkipFormats) {
		rc.add(ptr, "format", formatMessage(s.Format.Name), "problem.format.want", map[string]string{"format": s.Format.Name})
	}
	for _, n := range []struct {
		code, text, key string
		set             bool
		v               string
	}{
		{"minimum", "must be at least ", "problem.minimum.want", s.Minimum != nil, ratString(s.Minimum)},
		{"minimum", "must be greater than ", "problem.minimum.exclusive", s.ExclusiveMinimum != nil, ratString(s.ExclusiveMinimum)},
		{"maximum", "must be at most ", "problem.maximum.want", s.Maximum != nil, ratString(s.Maximum)},
		{"maximum", "must be less than ", "problem.maximum.exclusive", s.ExclusiveMaximum != nil, ratString(s.ExclusiveMaximum)},
		{"multiple_of", "must be a multiple of ", "problem.multiple_of.want", s.MultipleOf != nil, ratString(s.MultipleOf)},
	} {
		if n.set {
			rc.add(ptr, n.code, n.text+n.v, n.key, map[string]string{"limit": n.v})
		}
	}
	for _, n := range []struct {
		code, format string
		v            *int
	}{
		{"min_length", "must be at least %d characters long", s.MinLength},
		{"max_length", "must be at most %d characters long", s.MaxLength},
		{"min_items", "must have at least %d items", s.MinItems},
		{"max_items", "must have at most %d items", s.MaxItems},
		{"min_properties", "must have at least %d properties", s.MinProperties},
		{"max_properties", "must have at most %d properties", s.MaxProperties},
	} {
		switch {
		case n.v == nil || *n.v == 0 && strings.HasPrefix(n.code, "min"):
		case *n.v == 1 && (n.code == "min_length" || n.code == "min_items"):
			rc.add(ptr, n.code, "must not be empty", "problem.not_empty", nil)
		default:
			rc.add(ptr, n.code, fmt.Sprintf(n.format, *n.v), "problem."+n.code+".want", nArgs(*n.v))
		}
	}
	if s.Pattern != nil {
		rc.add(ptr, "pattern", "must match the pattern "+s.Pattern.String(), "problem.pattern.want", map[string]string{"pattern": s.Pattern.String()})
	}
	if s.UniqueItems {
		rc.add(ptr, "unique_items", "must hold unique items", "problem.unique_items.want", nil)
	}
}

// neutralValueList is valueList for a text in any language: the values
// it leaves out are counted as "… (+12)", without English words.
func neutralValueList(vs []any) string {
	list := valueList(vs)
	n := 0 // the values valueList wrote, found again by their length
	for i, v := range vs {
		b, _ := json.Marshal(v)
		s := string(b)
		if str, ok := v.(string); ok && str != "" {
			s = str
		}
		if i >= 20 || n+len(s) > 300 {
			return strings.TrimSuffix(list, fmt.Sprintf("… (%d more)", len(vs)-i)) + fmt.Sprintf("… (+%d)", len(vs)-i)
		}
		n += len(s)
	}
	return list
}
