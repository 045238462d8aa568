package validation

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"path/filepath"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

const (
	draft2020  = "https://json-schema.org/draft/2020-12/schema"
	oasDialect = "https://spec.openapis.org/oas/3.1/dialect/base"
	oasMeta    = "https://spec.openapis.org/oas/3.1/meta/base"
)

// schemaSet collects the schemas a document uses, walks them (3.0
// translation, readOnly, discriminators) and compiles them all at once
// with one compiler, so shared $refs are compiled once.
type schemaSet struct {
	ds      *docSet
	w       *schemaWalker
	opts    Options
	pending []pendingSchema
	// What the schema engine is given of each file (schemaView), and
	// the root members of each file that lead to a walked schema.
	views  map[*file]any
	needed map[string]map[string]bool
	moved  map[string]bool // files given relocated (relocate)

	// What explaining a rejection looks up by schema URL, kept after its
	// first use (the keys are the compiled schemas' locations: bounded).
	canonURLs sync.Map // schema URL → canonURL(URL)
	propNames sync.Map // schema URL → propertyNames(URL)
	enumHints sync.Map // schema URL → valueList of its enum
}

// canon is canonURL(u), cached.
func (ss *schemaSet) canon(u string) string {
	if c, ok := ss.canonURLs.Load(u); ok {
		return c.(string)
	}
	c := canonURL(u)
	ss.canonURLs.Store(u, c)
	return c
}

// enumHint is valueList(want) for the enum of the schema at u, cached.
func (ss *schemaSet) enumHint(u string, want []any) string {
	if h, ok := ss.enumHints.Load(u); ok {
		return h.(string)
	}
	h := valueList(want)
	ss.enumHints.Store(u, h)
	return h
}

type pendingSchema struct {
	l      loc
	dst    **jsonschema.Schema
	walked int // schemas the walker met for the first time from here
}

func newSchemaSet(ds *docSet, oas30 bool, opts Options) *schemaSet {
	return &schemaSet{ds: ds, w: newSchemaWalker(ds, oas30, opts.AllowReadOnly), opts: opts}
}

// add walks the schema at l now and compiles it into *dst in compileAll.
func (ss *schemaSet) add(l loc, dst **jsonschema.Schema) error {
	before := len(ss.w.visited)
	if err := ss.w.walk(l); err != nil {
		return err
	}
	ss.pending = append(ss.pending, pendingSchema{l, dst, len(ss.w.visited) - before})
	return nil
}

// localLoader serves the documents already read, and reads other local
// files; it never touches the network.
type localLoader struct {
	ds *docSet
	ss *schemaSet // nil: whole files
}

func (ll localLoader) Load(u string) (any, error) {
	switch strings.TrimSuffix(u, "#") {
	case oasDialect:
		return map[string]any{
			"$id": oasDialect, "$schema": draft2020, "$dynamicAnchor": "meta",
			"$vocabulary": map[string]any{
				"https://json-schema.org/draft/2020-12/vocab/core": true, "https://json-schema.org/draft/2020-12/vocab/applicator": true,
				"https://json-schema.org/draft/2020-12/vocab/unevaluated": true, "https://json-schema.org/draft/2020-12/vocab/validation": true,
				"https://json-schema.org/draft/2020-12/vocab/meta-data": true, "https://json-schema.org/draft/2020-12/vocab/format-annotation": true,
				"https://json-schema.org/draft/2020-12/vocab/content": true,
			},
			"allOf": []any{map[string]any{"$ref": draft2020}},
		}, nil
	}
	if p, ok := ll.ds.remoteFile(strings.TrimSuffix(u, "#")); ok {
		f, err := ll.ds.load(p)
		if err != nil {
			return nil, err
		}
		return f.doc, nil
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "file" {
		return nil, fmt.Errorf("%s is not loaded: only local files are read, never the network", u)
	}
	f, err := ll.ds.load(filepath.FromSlash(pu.Path))
	if err != nil {
		return nil, err
	}
	if ll.ss != nil {
		return ll.ss.schemaView(f), nil
	}
	return f.doc, nil
}

// relocatedMember holds, in what the schema engine is given of a file
// whose root members have JSON Schema keywords' names, those members.
const relocatedMember = "x-errorpages-relocated"

// relocate decides, once every schema is walked, what the engine is
// given of each file (schemaView). A file whose root is not a schema
// but whose members that lead to schemas are named as JSON Schema
// keywords (a file of Parameter objects with one named "type"), or
// whose root is a list (of parameters), cannot be given as it is, nor
// cut down: the engine would read that "type" as the keyword, and a
// list as an invalid schema. The engine gets those members one level down, under
// relocatedMember, and every $ref the walker followed into the file is
// rewritten to match; the locations the engine reports are mapped back
// (canonURL, locOf).
func (ss *schemaSet) relocate() {
	ss.needed = map[string]map[string]bool{}
	for key := range ss.w.visited {
		path, ptr, _ := strings.Cut(key, "#")
		if ss.needed[path] == nil {
			ss.needed[path] = map[string]bool{}
		}
		tok, _, _ := strings.Cut(strings.TrimPrefix(ptr, "/"), "/")
		if ptr == "" {
			tok = "" // the root itself
		}
		ss.needed[path][unescapeToken(tok)] = true
	}
	ss.moved = map[string]bool{}
	for path, need := range ss.needed {
		f := ss.ds.files[path]
		if need[""] || f == nil {
			continue
		}
		if _, list := f.doc.([]any); list {
			ss.moved[path] = true // a list is no schema at all
			continue
		}
		if !cutsDown(f.doc) {
			continue
		}
		for k := range need {
			if schemaKeywordNames[k] {
				ss.moved[path] = true
			}
		}
	}
	if len(ss.moved) == 0 {
		return
	}
	for _, r := range ss.w.refs {
		if ss.moved[r.target.f.path] {
			r.m["$ref"] = ss.engineURL(r.target)
		}
	}
}

// engineURL is the URL the schema engine knows the schema at l by.
func (ss *schemaSet) engineURL(l loc) string {
	if ss.moved[l.f.path] {
		return fileURL(l.f.path) + "#" + fragmentEscape("/"+relocatedMember+l.ptr)
	}
	return l.url()
}

// stripRelocated maps a pointer into what the engine was given of a
// relocated file back to the file's own.
func stripRelocated(ptr string) string {
	if rest, ok := strings.CutPrefix(ptr, "/"+relocatedMember); ok && (rest == "" || rest[0] == '/') {
		return rest
	}
	return ptr
}

// schemaKeywordNames are the keywords of JSON Schema (2020-12 and the
// drafts before it) whose values the metaschema checks.
var schemaKeywordNames = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`$id $schema $ref $anchor $dynamicRef $dynamicAnchor $vocabulary $comment $defs $recursiveRef $recursiveAnchor
		id definitions dependencies allOf anyOf oneOf not if then else dependentSchemas prefixItems items contains additionalItems
		properties patternProperties additionalProperties propertyNames unevaluatedItems unevaluatedProperties
		type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern
		maxItems minItems uniqueItems maxContains minContains maxProperties minProperties required dependentRequired
		format contentEncoding contentMediaType contentSchema title description default deprecated readOnly writeOnly examples`) {
		schemaKeywordNames[k] = true
	}
}

// declaresSchema reports whether a file's root says it is a schema
// resource.
func declaresSchema(root map[string]any) bool {
	_, id := root["$id"]
	_, sch := root["$schema"]
	return id || sch
}

// cutsDown reports whether a file's root, not used as a schema, is
// given to the engine cut down (schemaView): it has a member named as
// a JSON Schema keyword, and does not declare itself a schema.
func cutsDown(doc any) bool {
	root, ok := doc.(map[string]any)
	if !ok || declaresSchema(root) {
		return false
	}
	for k := range root {
		if schemaKeywordNames[k] {
			return true
		}
	}
	return false
}

// schemaView is what the schema engine is given of a file. The engine
// takes the root of every file it loads for a schema and checks it
// against the metaschema; the root of a file holding one Parameter or
// RequestBody object (`required: true`), or Parameter objects named
// "type", is not one. When the walker did not use the file's root as a
// schema and the root has members named as JSON Schema keywords, the
// engine gets a copy of the root with only the members that lead to the
// schemas the walker met: nothing it compiles is missing, and a
// Parameter's `required` is not read as JSON Schema's. Other files (an
// OpenAPI document's root has no keyword; a root with $schema or $id is
// a schema resource, whose anchors the engine may follow; a file the
// walker never met) are given whole.
func (ss *schemaSet) schemaView(f *file) any {
	if v, ok := ss.views[f]; ok {
		return v
	}
	var v any = f.doc
	need := ss.needed[f.path]
	if root, ok := f.doc.(map[string]any); ok && need != nil && !need[""] && cutsDown(root) {
		view := make(map[string]any, len(need))
		for k := range need {
			if c, ok := root[k]; ok {
				view[k] = c
			}
		}
		v = view
		if ss.moved[f.path] {
			v = map[string]any{relocatedMember: view}
		}
	} else if _, list := f.doc.([]any); list && ss.moved[f.path] {
		v = map[string]any{relocatedMember: f.doc}
	}
	if ss.views == nil {
		ss.views = map[*file]any{}
	}
	ss.views[f] = v
	return v
}

func (ss *schemaSet) compiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(localLoader{ss.ds, ss})
	if !ss.opts.SkipFormats {
		c.AssertFormat()
	}
	for _, f := range openAPIFormats {
		c.RegisterFormat(f)
	}
	return c
}

// compileBatch is how many new schemas (as the walker counts them) one
// compiler is given. jsonschema v6 copies its record of a file's schemas
// each time it meets a schema of that file it has not processed yet
// (roots.ensureSubschema clones the root), so one compiler for a whole
// document costs the square of its schemas: 50,000 operations took
// 357 s. A new compiler after each batch keeps loading linear; a schema
// the batches share (a component every operation refers to) is then
// compiled once per batch. 256 measured best on generated documents
// (BenchmarkLoadOps5000/50000: 2.5 s and 26 s; 500 pending schemas per
// compiler: 5.1 s and 44 s).
const compileBatch = 256

// responseCompileBatch is compileBatch for response schemas. A
// published document's responses share one large graph of objects
// (Stripe's: 833 response schemas reach 6,790 schemas), which every new
// compiler compiles again: loading Stripe's document with its responses
// took 6.4–7.0 s of CPU with 256 (10 compilers), 2.6–2.8 s with 4096
// and 2.4–2.6 s with one compiler; a document of unrelated schemas
// still gets a new compiler every 4096.
const responseCompileBatch = 4096

func (ss *schemaSet) compileAll() error {
	ss.relocate()
	var c *jsonschema.Compiler
	batch, limit := 0, compileBatch
	if ss.w.response {
		limit = responseCompileBatch
	}
	for _, p := range ss.pending {
		if c == nil || batch >= limit {
			c, batch = ss.compiler(), 0
		}
		batch += p.walked
		sch, err := c.Compile(ss.engineURL(p.l))
		if err != nil {
			return ss.compileError(p.l, err)
		}
		*p.dst = sch
	}
	cc := cycleCheck{ss: ss, state: map[*jsonschema.Schema]uint8{}}
	for _, p := range ss.pending {
		cc.todo = append(cc.todo, *p.dst)
	}
	for len(cc.todo) > 0 {
		next := cc.todo[len(cc.todo)-1]
		cc.todo = cc.todo[:len(cc.todo)-1]
		if err := cc.visit(next); err != nil {
			return err
		}
	}
	// What only walking and compiling needed: requests read the schemas,
	// the discriminators and the readOnly properties, not these.
	ss.pending, ss.views, ss.needed, ss.moved, ss.w.refs = nil, nil, nil, nil, nil
	ss.w.visited = map[string]bool{}
	return nil
}

// cycleCheck finds schemas that refer to themselves at the same place in
// the value: A → B → A through $ref, allOf, anyOf, oneOf, not,
// if/then/else or dependentSchemas, never through properties or items.
// JSON Schema leaves their meaning undefined and the engine rejects
// every value with them, so they are refused at load, naming the cycle.
// A cycle through properties or items (a tree, a linked list) is fine.
type cycleCheck struct {
	ss    *schemaSet
	state map[*jsonschema.Schema]uint8 // 1: on the path, 2: done
	path  []*jsonschema.Schema
	// todo holds the schemas of properties and items, which check
	// other values: each starts a path of its own.
	todo []*jsonschema.Schema
}

// visit follows the schemas s applies to its own value, depth first.
func (cc *cycleCheck) visit(s *jsonschema.Schema) error {
	if s == nil {
		return nil
	}
	switch cc.state[s] {
	case 2:
		return nil
	case 1:
		return cc.cycleError(s)
	}
	cc.state[s] = 1
	cc.path = append(cc.path, s)
	for _, next := range sameInstance(s) {
		if err := cc.visit(next); err != nil {
			return err
		}
	}
	cc.path = cc.path[:len(cc.path)-1]
	cc.state[s] = 2
	for _, next := range s.Properties {
		cc.todo = append(cc.todo, next)
	}
	for _, next := range s.PatternProperties {
		cc.todo = append(cc.todo, next)
	}
	cc.todo = append(cc.todo, s.PrefixItems...)
	for _, next := range []*jsonschema.Schema{s.Items2020, s.Contains, s.PropertyNames, s.UnevaluatedItems, s.UnevaluatedProperties} {
		if next != nil {
			cc.todo = append(cc.todo, next)
		}
	}
	if a, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
		cc.todo = append(cc.todo, a)
	}
	switch it := s.Items.(type) { // drafts before 2020-12
	case *jsonschema.Schema:
		cc.todo = append(cc.todo, it)
	case []*jsonschema.Schema:
		cc.todo = append(cc.todo, it...)
	}
	if a, ok := s.AdditionalItems.(*jsonschema.Schema); ok {
		cc.todo = append(cc.todo, a)
	}
	return nil
}

// sameInstance lists the schemas s applies to the value s checks.
func sameInstance(s *jsonschema.Schema) []*jsonschema.Schema {
	var out []*jsonschema.Schema
	for _, n := range []*jsonschema.Schema{s.Ref, s.Not, s.If, s.Then, s.Else} {
		if n != nil {
			out = append(out, n)
		}
	}
	out = append(out, s.AllOf...)
	out = append(out, s.AnyOf...)
	out = append(out, s.OneOf...)
	for _, k := range sortedKeys(s.DependentSchemas) {
		out = append(out, s.DependentSchemas[k])
	}
	return out
}

// cycleError names the cycle that reached s again, from s.
func (cc *cycleCheck) cycleError(s *jsonschema.Schema) error {
	i := len(cc.path) - 1
	for i > 0 && cc.path[i] != s {
		i--
	}
	cycle := append(cc.path[i:len(cc.path):len(cc.path)], s)
	names := make([]string, len(cycle))
	for j, c := range cycle {
		names[j] = cc.ss.displayURL(c.Location)
	}
	msg := "this schema only refers to itself (" + strings.Join(names, " → ") +
		"): the cycle never reaches a property or an item, so no value can be checked against it"
	if l, ok := cc.ss.locOf(s.Location); ok {
		return l.errf("%s", msg)
	}
	return fmt.Errorf("%s", msg)
}

// compileError turns a schema engine error into a LoadError that names
// the file, line and pointer of the problem.
func (ss *schemaSet) compileError(at loc, err error) error {
	var sve *jsonschema.SchemaValidationError
	var ire *jsonschema.InvalidRegexError
	var lue *jsonschema.LoadURLError
	var le *LoadError
	switch {
	case errors.As(err, &le):
		return le
	case errors.As(err, &ire):
		if l, ok := ss.locOf(ire.URL); ok {
			return l.errf("invalid regular expression %q: %v", ire.Regex, ire.Err)
		}
	case errors.As(err, &sve):
		var ve *jsonschema.ValidationError
		if errors.As(sve.Err, &ve) {
			leaf := firstLeaf(ve)
			if l, ok := ss.locOf(sve.URL); ok {
				for _, tok := range leaf.InstanceLocation {
					l.ptr += "/" + escapeToken(tok)
				}
				// The metaschema's pattern for "pattern" is the regex format.
				return l.errf("invalid schema: %s", englishPrinter.Sprint(leaf.ErrorKind.LocalizedString(englishPrinter)))
			}
		}
	case errors.As(err, &lue):
		msg := lue.Err.Error()
		if errors.As(lue.Err, &le) {
			msg = le.Error()
		}
		return at.errf("cannot load %s: %s", ss.displayURL(lue.URL), msg)
	}
	return at.errf("%s", ss.replaceURLs(err.Error()))
}

var englishPrinter = message.NewPrinter(language.English)

func firstLeaf(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	return ve
}

// locOf maps a schema URL back to a file and pointer.
func (ss *schemaSet) locOf(u string) (loc, bool) {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "file" {
		return loc{}, false
	}
	abs := filepath.FromSlash(pu.Path)
	f, ok := ss.ds.files[abs]
	if !ok {
		return loc{}, false
	}
	return loc{f, stripRelocated(pu.Fragment)}, true
}

func (ss *schemaSet) displayURL(u string) string {
	if l, ok := ss.locOf(u); ok {
		if l.ptr == "" {
			return l.f.name
		}
		return fmt.Sprintf("%s:%d (#%s)", l.f.name, l.f.line(l.ptr), l.ptr)
	}
	return u
}

func (ss *schemaSet) replaceURLs(s string) string {
	for abs, f := range ss.ds.files {
		s = strings.ReplaceAll(s, fileURL(abs), f.name)
	}
	return s
}

// raw returns the schema object at a schema URL, for hints.
func (ss *schemaSet) raw(u string) map[string]any {
	l, ok := ss.locOf(u)
	if !ok {
		return nil
	}
	m, _ := l.value().(map[string]any)
	return m
}

// propertyNames lists the property names a schema object declares,
// through $ref and allOf/anyOf/oneOf, for "did you mean" hints.
func (ss *schemaSet) propertyNames(u string) []string {
	if names, ok := ss.propNames.Load(u); ok {
		return names.([]string) // read only
	}
	names := ss.findPropertyNames(u)
	ss.propNames.Store(u, names)
	return names
}

func (ss *schemaSet) findPropertyNames(u string) []string {
	l, ok := ss.locOf(u)
	if !ok {
		return nil
	}
	var names []string
	seen := map[string]bool{}
	var visit func(l loc, depth int)
	visit = func(l loc, depth int) {
		if depth > 8 {
			return
		}
		m, ok := l.value().(map[string]any)
		if !ok {
			return
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for k := range props {
				if !seen[k] {
					seen[k] = true
					names = append(names, k)
				}
			}
		}
		if ref, ok := m["$ref"].(string); ok && isLocalSchemaRef(ref) {
			if t, err := ss.ds.resolveRef(l, ref); err == nil {
				visit(t, depth+1)
			}
		}
		for _, k := range []string{"allOf", "anyOf", "oneOf"} {
			if list, ok := m[k].([]any); ok {
				for i := range list {
					visit(l.child(k, itoa(i)), depth+1)
				}
			}
		}
	}
	visit(l, 0)
	return names
}

// OpenAPI's own formats: int32/int64 bound the value, byte is base64,
// the others only describe.
var openAPIFormats = []*jsonschema.Format{
	{Name: "int32", Validate: intRange(-1<<31, 1<<31-1)},
	{Name: "int64", Validate: intRange(-1<<63, 1<<63-1)},
	{Name: "float", Validate: func(any) error { return nil }},
	{Name: "double", Validate: func(any) error { return nil }},
	{Name: "password", Validate: func(any) error { return nil }},
	{Name: "binary", Validate: func(any) error { return nil }},
	{Name: "byte", Validate: func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return errors.New("not base64")
		}
		return nil
	}},
}

func intRange(min, max int64) func(any) error {
	lo, hi := big.NewRat(min, 1), big.NewRat(max, 1)
	return func(v any) error {
		n, ok := v.(json.Number)
		if !ok {
			return nil
		}
		r, ok := new(big.Rat).SetString(string(n))
		if !ok {
			return nil
		}
		if r.Cmp(lo) < 0 || r.Cmp(hi) > 0 {
			return errors.New("out of range")
		}
		return nil
	}
}
