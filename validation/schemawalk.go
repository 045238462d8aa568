package validation

import (
	"net/url"
	"path"
	"sort"
	"strings"
)

// discriminator is an OpenAPI discriminator on a schema with oneOf or
// anyOf: the property that names the branch and the branch each value
// selects.
type discriminator struct {
	prop   string
	values []string       // sorted, for hints
	branch map[string]int // value → index in oneOf/anyOf
}

// schemaWalker visits every schema an operation uses, following $refs
// across files, before anything is compiled. It translates OpenAPI 3.0
// schemas into JSON Schema 2020-12, turns readOnly properties into
// "not allowed in a request", and collects discriminators.
type schemaWalker struct {
	ds            *docSet
	oas30         bool
	allowReadOnly bool
	// response: the schemas of responses, where writeOnly properties are
	// the ones not allowed (response.go), recorded in readOnly.
	response bool
	visited  map[string]bool
	// disc maps the schemas generated for a discriminator (its
	// required+enum check) to it, for hints.
	disc     map[string]*discriminator
	readOnly map[string]bool // property schema URLs
	// refs lists the $refs to files and JSON Pointers the walker
	// followed, for schemaSet.relocate.
	refs []refSite
	// op names the operation being built, for what is left unvalidated.
	op string
	// unsupported refuses a construct or records it as skipped (the
	// builder's); nil: refused.
	unsupported func(l loc, op, part, reason string) error
}

// refSite is a schema object holding a $ref, and where it leads.
type refSite struct {
	m      map[string]any
	target loc
}

func newSchemaWalker(ds *docSet, oas30, allowReadOnly bool) *schemaWalker {
	return &schemaWalker{
		ds: ds, oas30: oas30, allowReadOnly: allowReadOnly,
		visited: map[string]bool{}, disc: map[string]*discriminator{}, readOnly: map[string]bool{},
	}
}

// Keywords whose value is a schema, a list of schemas or a map of schemas.
var (
	schemaKeywords    = []string{"additionalProperties", "not", "if", "then", "else", "unevaluatedProperties", "unevaluatedItems", "contains", "propertyNames", "contentSchema", "items", "additionalItems"}
	schemaListKeyword = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
	schemaMapKeywords = []string{"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"}
)

// isLocalSchemaRef reports whether a schema $ref is one the walker can
// follow (a file and a JSON Pointer) rather than an anchor or a $id-based
// reference that the schema engine resolves.
func isLocalSchemaRef(ref string) bool {
	u, err := url.Parse(ref)
	if err != nil {
		return true // reported by resolveRef
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		return false
	}
	return u.Fragment == "" || strings.HasPrefix(u.Fragment, "/")
}

// walk visits the schema at l, the root of a walk: its base URI is its
// file's (a schema inside it that declares $id changes that).
func (w *schemaWalker) walk(l loc) error {
	return w.walkIn(l, w.ds.baseURI(l.f))
}

// walkIn visits the schema at l, whose $refs resolve against base.
func (w *schemaWalker) walkIn(l loc, base string) error {
	key := l.f.path + "#" + l.ptr
	if w.visited[key] {
		return nil
	}
	w.visited[key] = true
	v := l.value()
	if _, ok := v.(bool); ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return l.errf("a schema must be an object")
	}
	if id, ok := m["$id"].(string); ok && !w.oas30 {
		base = resolveURI(base, id)
	}
	if ref, has := m["$ref"]; has {
		s, ok := ref.(string)
		if !ok {
			return l.child("$ref").errf("$ref must be a string")
		}
		if w.oas30 {
			// OpenAPI 3.0: a Reference Object's other members are ignored.
			for k := range m {
				if k != "$ref" {
					delete(m, k)
				}
			}
		}
		if target, tbase, found, err := w.resolveInScope(l, base, s); err != nil {
			return err
		} else if found {
			w.refs = append(w.refs, refSite{m, target})
			if err := w.walkIn(target, tbase); err != nil {
				return err
			}
		} else if base != w.ds.baseURI(l.f) {
			// Inside a resource with its own $id, a reference the walker
			// cannot place (an anchor, a URI it does not know) is left to
			// the schema engine, which resolves it or fails the load.
		} else if isLocalSchemaRef(s) {
			target, err := w.ds.resolveRef(l, s)
			if err != nil {
				return err
			}
			w.refs = append(w.refs, refSite{m, target})
			if err := w.walk(target); err != nil {
				return err
			}
		} else if u, _ := url.Parse(s); u != nil && (u.Scheme == "http" || u.Scheme == "https") && !isMetaURL(s) && !w.isRemote(s) && !w.isLoaded(l, base, s) {
			return l.child("$ref").errf("$ref %q: only local files are loaded, never the network", s)
		}
	}
	if w.oas30 {
		if err := w.translate30(l, m); err != nil {
			return err
		}
	}
	if err := w.patterns(l, m); err != nil {
		return err
	}
	if err := w.readOnlyProps(l, m); err != nil {
		return err
	}
	if err := w.discriminator(l, m); err != nil {
		return err
	}
	for _, k := range schemaKeywords {
		switch c := m[k].(type) {
		case map[string]any, bool:
			if err := w.walkIn(l.child(k), base); err != nil {
				return err
			}
		case []any: // draft-04 style tuple items
			for i := range c {
				if err := w.walkIn(l.child(k, itoa(i)), base); err != nil {
					return err
				}
			}
		case nil:
		default:
			return l.child(k).errf("%s must be a schema", k)
		}
	}
	for _, k := range schemaListKeyword {
		if err := w.inlineRef(l, m, k); err != nil {
			return err
		}
		if c, ok := m[k]; ok {
			list, ok := c.([]any)
			if !ok {
				return l.child(k).errf("%s must be a list of schemas", k)
			}
			for i := range list {
				if err := w.walkIn(l.child(k, itoa(i)), base); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range schemaMapKeywords {
		if err := w.inlineRef(l, m, k); err != nil {
			return err
		}
		if c, ok := m[k]; ok {
			mm, ok := c.(map[string]any)
			if !ok {
				return l.child(k).errf("%s must be an object of schemas", k)
			}
			for _, name := range sortedKeys(mm) {
				if err := w.walkIn(l.child(k, name), base); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// inlineRef resolves a keyword whose whole map or list of schemas is a
// JSON Reference (`properties: {$ref: props.yml}`, `allOf: {$ref:
// list.yml}`), as OpenAPI tools resolve every $ref: the keyword becomes
// the referenced map or list, each schema in it a $ref to its place, so
// that every schema keeps one location (and is translated once). Members
// beside the $ref are kept over the referenced ones. A member named $ref
// of a properties map holds a schema (an object or a boolean), never a
// string: a string is a reference.
func (w *schemaWalker) inlineRef(l loc, m map[string]any, k string) error {
	c, ok := m[k].(map[string]any)
	if !ok {
		return nil
	}
	if _, ok := c["$ref"].(string); !ok {
		return nil
	}
	kl := l.child(k)
	target, err := w.derefValue(kl)
	if err != nil {
		return err
	}
	switch tv := target.value().(type) {
	case map[string]any:
		if containsString(schemaListKeyword, k) {
			return kl.errf("%s must be a list of schemas: its $ref leads to an object", k)
		}
		out := make(map[string]any, len(tv)+len(c))
		for name := range tv {
			site := map[string]any{"$ref": target.child(name).url()}
			w.refs = append(w.refs, refSite{site, target.child(name)})
			out[name] = site
		}
		for name, v := range c {
			if name != "$ref" {
				out[name] = v
			}
		}
		m[k] = out
	case []any:
		if !containsString(schemaListKeyword, k) || len(c) > 1 {
			return kl.errf("%s must be an object of schemas: its $ref leads to a list", k)
		}
		out := make([]any, len(tv))
		for i := range tv {
			site := map[string]any{"$ref": target.child(itoa(i)).url()}
			w.refs = append(w.refs, refSite{site, target.child(itoa(i))})
			out[i] = site
		}
		m[k] = out
	default:
		return kl.child("$ref").errf("%s: the $ref leads to neither an object nor a list", k)
	}
	return nil
}

// derefValue follows the $refs of the map at l to what they lead to:
// an object without $ref, or a list.
func (w *schemaWalker) derefValue(l loc) (loc, error) {
	for i := 0; i < 32; i++ {
		m, ok := l.value().(map[string]any)
		if !ok {
			return l, nil
		}
		ref, has := m["$ref"].(string)
		if !has {
			return l, nil
		}
		next, err := w.ds.resolveRef(l, ref)
		if err != nil {
			return l, err
		}
		l = next
	}
	return l, l.errf("$ref chain is longer than 32 or circular")
}

// translate30 rewrites an OpenAPI 3.0 schema object into its JSON Schema
// 2020-12 equivalent, in place.
func (w *schemaWalker) translate30(l loc, m map[string]any) error {
	for _, pair := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
		ex, bound := pair[0], pair[1]
		switch b := m[ex].(type) {
		case bool:
			if b {
				limit, ok := m[bound]
				if !ok {
					return l.child(ex).errf("%s: true needs %s", ex, bound)
				}
				m[ex] = limit
				delete(m, bound)
			} else {
				delete(m, ex)
			}
		case nil:
		default:
			return l.child(ex).errf("%s must be a boolean in OpenAPI 3.0", ex)
		}
	}
	if n, has := m["nullable"]; has {
		b, ok := n.(bool)
		if !ok {
			return l.child("nullable").errf("nullable must be a boolean")
		}
		delete(m, "nullable")
		if !b {
			return nil
		}
		switch t := m["type"].(type) {
		case string:
			m["type"] = []any{t, "null"}
			if e, ok := m["enum"].([]any); ok && !containsNil(e) {
				m["enum"] = append(e, nil)
			}
		case nil:
			// No type: null is already allowed unless a composition
			// forbids it; let null through the composition too.
			comp := false
			for _, k := range []string{"allOf", "anyOf", "oneOf"} {
				if _, ok := m[k]; ok {
					comp = true
				}
			}
			if comp {
				inner := map[string]any{}
				for k, v := range m {
					inner[k] = v
					delete(m, k)
				}
				m["anyOf"] = []any{map[string]any{"type": "null"}, inner}
			}
		default:
			return l.child("type").errf("type must be a string in OpenAPI 3.0")
		}
	}
	return nil
}

func containsNil(a []any) bool {
	for _, v := range a {
		if v == nil {
			return true
		}
	}
	return false
}

// hasFlag reports whether the property schema at l sets the boolean
// keyword kw (readOnly, writeOnly), on itself or on the schema its $ref
// points to.
func (w *schemaWalker) hasFlag(l loc, kw string) bool {
	for i := 0; i < 16; i++ {
		m, ok := l.value().(map[string]any)
		if !ok {
			return false
		}
		if v, ok := m[kw].(bool); ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok || !isLocalSchemaRef(ref) {
			return false
		}
		next, err := w.ds.resolveRef(l, ref)
		if err != nil {
			return false
		}
		l = next
	}
	return false
}

// readOnlyProps applies OpenAPI's rule that readOnly properties belong to
// responses and writeOnly ones to requests. In a request, readOnly
// properties are not required and (unless allowed) not accepted; in a
// response (w.response), the same for writeOnly ones, always refused
// (code write_only). The refused ones are recorded in w.readOnly, which
// means "not allowed here" in either context.
func (w *schemaWalker) readOnlyProps(l loc, m map[string]any) error {
	kw, refuse := "readOnly", !w.allowReadOnly
	if w.response {
		kw, refuse = "writeOnly", true
	}
	props, ok := m["properties"].(map[string]any)
	if !ok {
		return nil
	}
	var flagged []string
	for name := range props {
		if w.hasFlag(l.child("properties", name), kw) {
			flagged = append(flagged, name)
		}
	}
	if len(flagged) == 0 {
		return nil
	}
	if req, ok := m["required"].([]any); ok {
		kept := req[:0:0]
		for _, r := range req {
			if s, ok := r.(string); !ok || !containsString(flagged, s) {
				kept = append(kept, r)
			}
		}
		m["required"] = kept
	}
	if !refuse {
		return nil
	}
	for _, name := range flagged {
		props[name] = false
		w.readOnly[canonURL(l.child("properties", name).url())] = true
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// discriminator records the discriminator of a oneOf/anyOf schema.
func (w *schemaWalker) discriminator(l loc, m map[string]any) error {
	dm, ok := m["discriminator"].(map[string]any)
	if !ok {
		return nil
	}
	prop, _ := dm["propertyName"].(string)
	if prop == "" {
		return l.child("discriminator").errf("discriminator needs a propertyName")
	}
	kw := "oneOf"
	branches, ok := m["oneOf"].([]any)
	if !ok {
		kw = "anyOf"
		branches, ok = m["anyOf"].([]any)
	}
	if !ok {
		return nil // allOf-style inheritance: nothing to narrow
	}
	d := &discriminator{prop: prop, branch: map[string]int{}}
	// Each branch's resolved location, to match the mapping against.
	where := map[string]int{}
	for i, b := range branches {
		bm, ok := b.(map[string]any)
		if !ok {
			continue
		}
		ref, ok := bm["$ref"].(string)
		if !ok {
			continue
		}
		if t, err := w.ds.resolveRef(l.child(kw, itoa(i)), ref); err == nil {
			where[t.f.path+"#"+t.ptr] = i
			// The implicit value is the schema's name.
			name := path.Base(t.ptr)
			if _, taken := d.branch[unescapeToken(name)]; !taken {
				d.branch[unescapeToken(name)] = i
			}
		}
	}
	if mapping, ok := dm["mapping"].(map[string]any); ok {
		// An explicit mapping replaces the implicit names.
		d.branch = map[string]int{}
		for _, value := range sortedKeys(mapping) {
			ref, ok := mapping[value].(string)
			if !ok {
				return l.child("discriminator", "mapping", value).errf("a mapping value must be a string")
			}
			if !strings.ContainsAny(ref, "/#") {
				ref = "#/components/schemas/" + ref
			}
			t, err := w.ds.resolveRef(l.child("discriminator", "mapping", value), ref)
			if err != nil {
				return err
			}
			i, ok := where[t.f.path+"#"+t.ptr]
			if !ok {
				return l.child("discriminator", "mapping", value).errf("mapping %q names a schema that is not in %s", value, kw)
			}
			d.branch[value] = i
		}
	}
	for v := range d.branch {
		d.values = append(d.values, v)
	}
	sort.Strings(d.values)
	if len(d.values) == 0 {
		return l.child("discriminator").errf("discriminator has no mapping and no $ref branches to name the values")
	}
	// The discriminator selects the branch (OpenAPI's semantics): replace
	// oneOf/anyOf with "the property is required and one of the values"
	// and one if/then per value, so a value is checked against its own
	// branch only.
	delete(m, kw)
	all, _ := m["allOf"].([]any)
	base := len(all)
	enum := make([]any, len(d.values))
	for i, v := range d.values {
		enum[i] = v
	}
	all = append(all, map[string]any{"required": []any{prop}, "properties": map[string]any{prop: map[string]any{"enum": enum}}})
	for _, v := range d.values {
		all = append(all, map[string]any{
			"if":   map[string]any{"required": []any{prop}, "properties": map[string]any{prop: map[string]any{"const": v}}},
			"then": branches[d.branch[v]],
		})
	}
	m["allOf"] = all
	w.disc[canonURL(l.child("allOf", itoa(base)).url())] = d
	w.disc[canonURL(l.child("allOf", itoa(base), "properties", prop).url())] = d
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// canonURL is a schema URL in one canonical form (decoded fragment), so
// that locations from the walker and from the schema engine compare equal.
func canonURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	frag := stripRelocated(u.Fragment)
	u.Fragment, u.RawFragment = "", ""
	return u.String() + "#" + frag
}

// resolveInScope finds the schema a $ref names when the document
// itself holds it under a $id (an embedded resource, a URN, a JSON
// Pointer inside the nearest $id) or when it is a served remote. It
// returns the target, its base URI, and whether it was found.
func (w *schemaWalker) resolveInScope(l loc, base, ref string) (loc, string, bool, error) {
	abs := resolveURI(base, ref)
	doc, frag, _ := strings.Cut(abs, "#")
	if frag != "" {
		f, err := url.PathUnescape(frag)
		if err != nil {
			return loc{}, "", false, nil
		}
		frag = f
	}
	if frag != "" && frag[0] != '/' {
		return loc{}, "", false, nil // an anchor: the engine resolves it
	}
	if r, ok := w.ds.resource(l.f, doc); ok {
		t := loc{r.f, r.ptr + frag}
		if _, ok := lookup(t.f.doc, t.ptr); !ok {
			return loc{}, "", false, l.child("$ref").errf("$ref %q: nothing at #%s in %s", ref, frag, doc)
		}
		return t, w.ds.baseAbove(t), true, nil
	}
	if p, ok := w.ds.remoteFile(doc); ok {
		f, err := w.ds.load(p)
		if err != nil {
			return loc{}, "", false, l.child("$ref").errf("$ref %q: %v", ref, err)
		}
		w.ds.setRemote(f, doc)
		return w.resolveInScope(l, base, ref)
	}
	return loc{}, "", false, nil
}

// isLoaded reports whether the absolute URI a $ref names (an anchor in
// it, say) is a resource of the documents loaded: a schema embedded
// with that $id. Such a reference is local; the engine resolves it.
func (w *schemaWalker) isLoaded(l loc, base, ref string) bool {
	doc, _, _ := strings.Cut(resolveURI(base, ref), "#")
	_, ok := w.ds.resource(l.f, doc)
	return ok
}

func (w *schemaWalker) isRemote(s string) bool {
	_, ok := w.ds.remoteFile(s)
	return ok
}

func isMetaURL(s string) bool {
	return strings.HasPrefix(s, "https://json-schema.org/") || strings.HasPrefix(s, "http://json-schema.org/") ||
		strings.HasPrefix(s, "https://spec.openapis.org/oas/3.1/")
}
