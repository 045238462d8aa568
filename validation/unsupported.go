package validation

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// What this validator cannot check, and what it does about it. A
// document that uses such a construct is refused, naming the file, the
// line, the JSON Pointer and the reason, unless Options.Unsupported is
// "skip": then only the affected media type or parameter is left
// unvalidated, and it is listed in Spec.Skipped for the caller to log
// and count. Nothing is ever left unvalidated silently.

// Skipped is a part of an operation that is not validated because it
// uses a construct this validator cannot check (Options.Unsupported
// "skip").
type Skipped struct {
	// Operation is the operationId, or "METHOD /path".
	Operation string
	// Part is what is not validated: "body application/xml",
	// "query parameter filter".
	Part string
	// Where is the file, line and JSON Pointer of the construct.
	Where string
	// Reason says what the validator cannot check.
	Reason string
}

// Skipped lists what is not validated (Options.Unsupported "skip"), in
// document order.
func (s *Spec) Skipped() []Skipped { return s.skipped }

// unsupported refuses the construct at l, or with Unsupported "skip"
// records it and returns nil (the caller leaves the part unvalidated).
func (b *builder) unsupported(l loc, op, part, reason string) error {
	if b.spec.opts.Unsupported != "skip" {
		return l.errf("%s cannot be validated: %s (`unsupported skip` loads the document with it unvalidated, logged at WARN)", part, reason)
	}
	where := l.errf("").Error()
	b.spec.skipped = append(b.spec.skipped, Skipped{Operation: op, Part: part, Where: strings.TrimSuffix(where, ": "), Reason: reason})
	return nil
}

// annotationKeywords only describe a value: a schema of these alone
// (type string, format binary …) asks nothing of a body that is not
// read as JSON or a form.
var annotationKeywords = map[string]bool{
	"type": true, "format": true, "title": true, "description": true, "example": true, "examples": true,
	"deprecated": true, "externalDocs": true, "xml": true, "nullable": true, "readOnly": true, "writeOnly": true,
	"contentMediaType": true, "contentEncoding": true, "$comment": true, "default": true,
}

// constrains reports whether the schema at l asks something of a value
// that is not read as JSON: a keyword other than annotations, or a type
// other than string. A $ref is followed.
func (b *builder) constrains(l loc) bool {
	t, err := b.ds.derefSchema(l)
	if err != nil {
		return true
	}
	m, ok := t.value().(map[string]any)
	if !ok {
		return t.value() == false
	}
	for k, v := range m {
		if strings.HasPrefix(k, "x-") {
			continue
		}
		if !annotationKeywords[k] {
			return true
		}
		if k == "type" && v != "string" {
			return true
		}
	}
	return false
}

// derefSchema follows a schema's $ref chain (files and JSON Pointers).
func (ds *docSet) derefSchema(l loc) (loc, error) {
	for i := 0; i < 32; i++ {
		m, ok := l.value().(map[string]any)
		if !ok {
			return l, nil
		}
		ref, ok := m["$ref"].(string)
		if !ok || !isLocalSchemaRef(ref) {
			return l, nil
		}
		next, err := ds.resolveRef(l, ref)
		if err != nil {
			return l, err
		}
		l = next
	}
	return l, fmt.Errorf("$ref chain is longer than 32 or circular")
}

// contentParams finds the parameters of op described by a content of a
// media type other than JSON with a schema: their value is not parsed,
// so the schema cannot be checked.
func (b *builder) contentParams(op *Operation) error {
	for _, p := range op.params {
		pm, _ := p.where.value().(map[string]any)
		content, _ := pm["content"].(map[string]any)
		if p.contentJSON || len(content) != 1 {
			continue
		}
		for rng, c := range content {
			cm, _ := c.(map[string]any)
			if _, ok := cm["schema"]; !ok || !b.constrains(p.where.child("content", rng, "schema")) {
				continue
			}
			part := fmt.Sprintf("%s parameter %s", p.in, p.name)
			if err := b.unsupported(p.where.child("content", rng, "schema"), op.ID, part, "only a parameter whose content is JSON is parsed, so the schema of its "+rng+" content cannot be checked"); err != nil {
				return err
			}
		}
	}
	return nil
}

// walkerUnsupported is the walker's unsupported.
func (b *builder) walkerUnsupported(l loc, op, part, reason string) error {
	return b.unsupported(l, op, part, reason)
}

// patterns finds the regular expressions Go's engine (RE2, which the
// schema engine and the fast path use) cannot run although ECMA-262
// can: lookahead, lookbehind, backreferences. A `pattern` with one is
// refused, or with Unsupported "skip" removed from the schema (only it
// goes unchecked, for every operation sharing the schema); a
// `patternProperties` name with one is always refused (without it, the
// names it covers would fall to additionalProperties).
func (w *schemaWalker) patterns(l loc, m map[string]any) error {
	if p, ok := m["pattern"].(string); ok {
		if reason := re2Unsupported(p); reason != "" {
			pl := l.child("pattern")
			if w.unsupported == nil {
				return pl.errf("pattern cannot be validated: %s", reason)
			}
			if err := w.unsupported(pl, w.op, "pattern "+p, reason); err != nil {
				return err
			}
			delete(m, "pattern")
		}
	}
	if pp, ok := m["patternProperties"].(map[string]any); ok {
		for _, k := range sortedKeys(pp) {
			if reason := re2Unsupported(k); reason != "" {
				return l.child("patternProperties", k).errf("patternProperties %q cannot be validated: %s", k, reason)
			}
		}
	}
	return nil
}

// re2Unsupported says why Go's regular expressions cannot run p when
// it uses an ECMA-262 construct they lack; "" when they can (or when p
// is invalid anyway: the schema engine refuses it as such).
func re2Unsupported(p string) string {
	_, err := regexp.Compile(p)
	var se *syntax.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code {
	case syntax.ErrInvalidPerlOp:
		return fmt.Sprintf("it uses `%s` (lookahead or lookbehind), which Go's regular expressions (RE2) do not have", se.Expr)
	case syntax.ErrInvalidEscape:
		return fmt.Sprintf("it uses the escape `%s` (a backreference?), which Go's regular expressions (RE2) do not have", se.Expr)
	}
	return ""
}
