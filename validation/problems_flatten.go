package validation

// The engine's errors turned into problems: flattener walks a
// jsonschema.ValidationError tree and emits one problem per failing
// keyword, with its pointer, code, message, hint and translation key (the
// words come from problems_text.go).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

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
