package validation

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits on the documents themselves (not on requests). A document is
// the file named in the configuration and every file its $refs reach;
// the totals are across all of them.
const (
	maxDocSize    = 32 << 20 // bytes per file
	maxTotalSize  = 64 << 20 // bytes, all files together
	maxDocNodes   = 4000000  // values (objects, arrays, scalars), all files together
	maxAliasNodes = 1000000  // values reached through YAML aliases, all files together
)

// DefaultMaxFiles is how many files a document may reach through $refs
// unless Options.MaxFiles says otherwise. DigitalOcean's published
// document is 2,900 files.
const DefaultMaxFiles = 10000

// LoadError is a problem with a document: the file, the place in it and
// what is wrong.
type LoadError struct {
	// File is the path of the document, as given or as resolved from a $ref.
	File string
	// Line is the 1-based line, 0 when unknown.
	Line int
	// Pointer is the JSON Pointer of the place in the file, "" for the
	// whole file.
	Pointer string
	// Msg says what is wrong.
	Msg string
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Pointer != "" {
		b.WriteString(" (#")
		b.WriteString(e.Pointer)
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// file is one parsed document: its value as JSON data (map[string]any,
// []any, string, json.Number, bool, nil) and the line of every value.
type file struct {
	path string // absolute
	name string // as shown in errors
	doc  any
	// lines maps JSON Pointers to lines, made on first use from src or
	// by reading the file again: only a document being refused needs
	// them, and the text of a file is not kept meanwhile. Dropped once
	// the document is compiled (docSet.release): requests never need
	// them.
	lines  map[string]int
	src    []byte // the file's text, when it is not read from path
	reread bool   // lines can be found again (not yet released)
	isJSON bool
	// remote is the URL the file was served for (Options.remotes), "" for
	// a local file.
	remote string
	// ids maps the absolute URI of every schema resource the file
	// declares with $id (without fragment) to its place; built on first use.
	ids map[string]string
}

// docSet holds every file a document reaches through $refs, loaded once.
type docSet struct {
	files   map[string]*file  // by absolute path
	remotes map[string]string // URL prefix → directory (Options.remotes)
	// maxFiles is the most files the document may reach (Options.MaxFiles).
	maxFiles int
	// What the files read so far used of the document's budgets.
	size, nodes, aliasNodes int
}

// baseURI is the URI a file's references resolve against when no $id
// says otherwise.
func (ds *docSet) baseURI(f *file) string {
	if f.remote != "" {
		return f.remote
	}
	return fileURL(f.path)
}

func (ds *docSet) setRemote(f *file, u string) {
	if f.remote == "" {
		f.remote = u
		f.ids = nil
	}
}

// resource finds the schema resource with the absolute URI u (no
// fragment): a file itself, or a schema inside one that declares it with
// $id. from's file is searched first, then the other files loaded.
func (ds *docSet) resource(from *file, u string) (loc, bool) {
	if ptr, ok := from.resources(ds)[u]; ok {
		return loc{from, ptr}, true
	}
	for _, f := range ds.files {
		if f != from {
			if ptr, ok := f.resources(ds)[u]; ok {
				return loc{f, ptr}, true
			}
		}
	}
	return loc{}, false
}

// resources indexes the $id-declared resources of a file by absolute URI.
func (f *file) resources(ds *docSet) map[string]string {
	if f.ids != nil {
		return f.ids
	}
	f.ids = map[string]string{}
	var visit func(v any, base, ptr string, depth int)
	visit = func(v any, base, ptr string, depth int) {
		if depth > 512 {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["$id"].(string); ok {
				base = resolveURI(base, id)
				if doc, _, _ := strings.Cut(base, "#"); doc != "" {
					if _, taken := f.ids[doc]; !taken {
						f.ids[doc] = ptr
					}
				}
			}
			for k, e := range x {
				visit(e, base, ptr+"/"+escapeToken(k), depth+1)
			}
		case []any:
			for i, e := range x {
				visit(e, base, ptr+"/"+strconv.Itoa(i), depth+1)
			}
		}
	}
	root := ds.baseURI(f)
	f.ids[root] = ""
	visit(f.doc, root, "", 0)
	return f.ids
}

// baseAbove is the base URI in effect at l's parent: the file's, changed
// by every $id on the way down (l's own $id is applied by whoever
// visits l).
func (ds *docSet) baseAbove(l loc) string {
	base := ds.baseURI(l.f)
	v := l.f.doc
	for _, tok := range splitPointer(l.ptr) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["$id"].(string); ok {
				base = resolveURI(base, id)
			}
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return base
			}
			v = x[i]
		default:
			return base
		}
	}
	return base
}

// resolveURI resolves ref against base, without its fragment when ref
// only adds one to an $id; an unparsable ref is returned as it is.
func resolveURI(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// remoteFile returns the local file that serves a remote URL, if any.
func (ds *docSet) remoteFile(u string) (string, bool) {
	for prefix, dir := range ds.remotes {
		if rest, ok := strings.CutPrefix(u, prefix); ok && !strings.Contains(rest, "..") {
			return filepath.Join(dir, filepath.FromSlash(rest)), true
		}
	}
	return "", false
}

// release drops what only loading needs: the line maps and the JSON
// text kept to make them. The values stay: hints read them.
func (ds *docSet) release() {
	for _, f := range ds.files {
		f.lines, f.src, f.reread = nil, nil, false
	}
}

func newDocSet() *docSet { return &docSet{files: map[string]*file{}} }

// load reads and parses the file at path (absolute or relative to the
// working directory), once.
func (ds *docSet) load(path string) (*file, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &LoadError{File: path, Msg: err.Error()}
	}
	if f, ok := ds.files[abs]; ok {
		return f, nil
	}
	if limit := cmp.Or(ds.maxFiles, DefaultMaxFiles); len(ds.files) >= limit {
		return nil, &LoadError{File: path, Msg: fmt.Sprintf("more than %d files reached through $ref (the limit is max_files)", limit)}
	}
	name := path
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
	}
	data, err := ds.read(abs, name)
	if err != nil {
		return nil, err
	}
	f, err := parseDoc(name, data, ds)
	if err != nil {
		return nil, err
	}
	f.path = abs
	f.src = nil // line reads the file again if it must
	ds.files[abs] = f
	return f, nil
}

// read reads the regular file at abs within the size limits. Only a
// regular file is read: a device (/dev/zero), a named pipe or a socket,
// or a symlink to one, is refused before it is opened, and checked again
// on the open file (opened without blocking, so a pipe put in its place
// meanwhile cannot stall the load). The read itself stops at the limit
// whatever the file says its size is.
func (ds *docSet) read(abs, name string) ([]byte, error) {
	st, err := os.Stat(abs)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &LoadError{File: name, Msg: "cannot read: " + pe.Err.Error()}
		}
		return nil, &LoadError{File: name, Msg: err.Error()}
	}
	if err := ds.checkFile(abs, name, st); err != nil {
		return nil, err
	}
	fh, err := os.OpenFile(abs, os.O_RDONLY|openNonBlock, 0)
	if err != nil {
		return nil, &LoadError{File: name, Msg: "cannot read: " + err.Error()}
	}
	defer fh.Close()
	if st, err = fh.Stat(); err != nil {
		return nil, &LoadError{File: name, Msg: "cannot read: " + err.Error()}
	}
	if err := ds.checkFile(abs, name, st); err != nil {
		return nil, err
	}
	limit := int64(min(maxDocSize, maxTotalSize-ds.size))
	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, &LoadError{File: name, Msg: "cannot read: " + err.Error()}
	}
	if err := ds.checkSize(name, int64(len(data))); err != nil {
		return nil, err
	}
	ds.size += len(data)
	return data, nil
}

// checkFile refuses what is not a regular file, or one too large for
// the budgets, naming it.
func (ds *docSet) checkFile(abs, name string, st fs.FileInfo) error {
	if st.IsDir() {
		return &LoadError{File: name, Msg: "is a directory, not a document"}
	}
	if !st.Mode().IsRegular() {
		what := fileKind(st.Mode())
		if target, err := filepath.EvalSymlinks(abs); err == nil && target != abs {
			return &LoadError{File: name, Msg: fmt.Sprintf("leads to %s, %s, not a regular file: only regular files are read", target, what)}
		}
		return &LoadError{File: name, Msg: fmt.Sprintf("is %s, not a regular file: only regular files are read", what)}
	}
	return ds.checkSize(name, st.Size())
}

func (ds *docSet) checkSize(name string, size int64) error {
	if size > maxDocSize {
		return &LoadError{File: name, Msg: fmt.Sprintf("is larger than %d MiB (the limit per file)", maxDocSize>>20)}
	}
	if int64(ds.size)+size > maxTotalSize {
		return &LoadError{File: name, Msg: fmt.Sprintf("brings the files of the document past %d MiB (the limit for all files together: %d files read, %d MiB)",
			maxTotalSize>>20, len(ds.files), ds.size>>20)}
	}
	return nil
}

// fileKind names what a file that is not regular is.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// parseDoc parses a JSON or YAML document keeping line numbers. A file
// whose first character opens an object or an array is JSON: it is read
// as JSON (jsondoc.go); unless its name ends in .json, one that is not
// valid JSON is then read as YAML (flow style: {a: 1}). ds (nil: none)
// holds the budgets of the document the file belongs to.
func parseDoc(name string, data []byte, ds *docSet) (*file, error) {
	if ds == nil {
		ds = newDocSet()
	}
	if looksLikeJSON(data) {
		nodes := ds.nodes
		v, err := parseJSONDoc(name, data, ds)
		if err == nil {
			return &file{name: name, doc: v, src: data, reread: true, isJSON: true}, nil
		}
		if strings.HasSuffix(strings.ToLower(name), ".json") {
			return nil, err
		}
		ds.nodes = nodes
	}
	return parseYAML(name, data, ds)
}

// parseYAML parses a YAML document. Lines are not recorded while
// converting: file.line finds them by reading the text again (yamlLines).
func parseYAML(name string, data []byte, ds *docSet) (*file, error) {
	f := &file{name: name, src: data, reread: true}
	v, err := convertYAML(name, data, ds, nil)
	if err != nil {
		return nil, err
	}
	f.doc = v
	return f, nil
}

// yamlLines returns the line of every value of a YAML document by its
// JSON Pointer; nil when it does not parse.
func yamlLines(data []byte) map[string]int {
	lines := map[string]int{}
	if _, err := convertYAML("", data, newDocSet(), lines); err != nil {
		return nil
	}
	return lines
}

// convertYAML parses data and converts it to JSON data, counting the
// budgets in ds; lines, when not nil, receives the line of every value.
func convertYAML(name string, data []byte, ds *docSet, lines map[string]int) (any, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if _, rest, ok := strings.Cut(msg, "line "); ok {
			n, _, _ := strings.Cut(rest, ":")
			line, _ = strconv.Atoi(n)
		}
		return nil, &LoadError{File: name, Line: line, Msg: "not valid YAML or JSON: " + msg}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &LoadError{File: name, Msg: "is empty"}
	}
	c := converter{name: name, ds: ds, lines: lines}
	return c.convert(root.Content[0], 0)
}

type converter struct {
	name  string
	ds    *docSet        // the budgets
	lines map[string]int // nil: not recorded
	// path is the place being converted: a key or an index per level.
	path []pathTok
	// aliased is the depth of aliases the node being converted is under.
	aliased int
}

func (c *converter) fail(n *yaml.Node, msg string) error {
	return &LoadError{File: c.name, Line: n.Line, Pointer: pointerOf(c.path), Msg: msg}
}

// pointerOf is the JSON Pointer of a path.
func pointerOf(path []pathTok) string {
	var b strings.Builder
	for _, t := range path {
		b.WriteByte('/')
		if t.idx >= 0 {
			b.WriteString(strconv.Itoa(t.idx))
		} else {
			b.WriteString(escapeToken(t.key))
		}
	}
	return b.String()
}

// convert turns a YAML node into the JSON value the rest of the package
// reads (map[string]any, []any, scalars), counting every value against
// the document's budgets (maxDocNodes, and maxAliasNodes for values
// reached through an alias, so that an alias bomb is refused while it
// expands) and recording each pointer's line for errors. It refuses what
// JSON cannot say: non-string keys, merge keys and a key defined twice.
func (c *converter) convert(n *yaml.Node, depth int) (any, error) {
	c.ds.nodes++
	if c.ds.nodes > maxDocNodes {
		return nil, c.fail(n, fmt.Sprintf("the document holds more than %d values (objects, arrays and scalars; the limit for all its files together)", maxDocNodes))
	}
	if c.aliased > 0 {
		c.ds.aliasNodes++
		if c.ds.aliasNodes > maxAliasNodes {
			return nil, c.fail(n, fmt.Sprintf("YAML aliases expand to more than %d values (the limit on alias expansion)", maxAliasNodes))
		}
	}
	if depth > 512 {
		return nil, c.fail(n, "nested too deeply")
	}
	if c.lines != nil {
		if ptr := pointerOf(c.path); c.lines[ptr] == 0 {
			c.lines[ptr] = n.Line
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		c.aliased++
		defer func() { c.aliased-- }()
		return c.convert(n.Alias, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0], depth)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.AliasNode {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, c.fail(k, "mapping keys must be strings")
			}
			if k.Tag == "!!merge" {
				return nil, c.fail(k, "YAML merge keys (<<) are not supported")
			}
			if _, dup := m[k.Value]; dup {
				return nil, c.fail(k, fmt.Sprintf("key %q is defined more than once", k.Value))
			}
			c.path = append(c.path, pathTok{key: k.Value, idx: -1})
			cv, err := c.convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			c.path = c.path[:len(c.path)-1]
			m[k.Value] = cv
		}
		return m, nil
	case yaml.SequenceNode:
		a := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			c.path = append(c.path, pathTok{idx: i})
			cv, err := c.convert(e, depth+1)
			if err != nil {
				return nil, err
			}
			c.path = c.path[:len(c.path)-1]
			a = append(a, cv)
		}
		return a, nil
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	return nil, c.fail(n, "unsupported YAML node")
}

// scalar converts a YAML scalar to its JSON value.
func (c *converter) scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, c.fail(n, err.Error())
		}
		return b, nil
	case "!!int":
		if _, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return json.Number(n.Value), nil
		}
		var i int64
		if err := n.Decode(&i); err != nil {
			// A big integer: keep its digits.
			if isJSONNumber(n.Value) {
				return json.Number(n.Value), nil
			}
			return nil, c.fail(n, "integer out of range")
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case "!!float":
		if isJSONNumber(n.Value) {
			return json.Number(n.Value), nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, c.fail(n, err.Error())
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, c.fail(n, "infinite and NaN numbers are not JSON")
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	default: // !!str, !!timestamp, !!binary and custom tags: the text
		return n.Value, nil
	}
}

func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	var d json.Number
	return json.Unmarshal([]byte(s), &d) == nil && !strings.ContainsAny(s, " \t")
}

// escapeToken escapes a JSON Pointer reference token (RFC 6901).
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapeToken(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// readLimited reads a file already read once, for its lines.
func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, maxDocSize))
}

// lookup returns the value at the JSON Pointer ptr in doc.
func lookup(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	if ptr[0] != '/' {
		return nil, false
	}
	v := doc
	for rest, more := ptr[1:], true; more; {
		var tok string
		tok, rest, more = strings.Cut(rest, "/")
		tok = unescapeToken(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) || (len(tok) > 1 && tok[0] == '0') {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// line returns the line of ptr in f, or of its nearest ancestor; 0 once
// the document is compiled.
func (f *file) line(ptr string) int {
	if f.lines == nil && f.reread {
		src := f.src
		if src == nil {
			src, _ = readLimited(f.path)
		}
		if f.isJSON {
			f.lines = jsonLines(src)
		} else {
			f.lines = yamlLines(src)
		}
		if f.lines == nil {
			f.lines = map[string]int{}
		}
		f.reread = false
	}
	for {
		if l, ok := f.lines[ptr]; ok {
			return l
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return 0
		}
		ptr = ptr[:i]
	}
}

func (f *file) errAt(ptr, format string, args ...any) *LoadError {
	return &LoadError{File: f.name, Line: f.line(ptr), Pointer: ptr, Msg: fmt.Sprintf(format, args...)}
}

// loc is a place in a file: the file and a JSON Pointer into it.
type loc struct {
	f   *file
	ptr string
}

func (l loc) value() any {
	v, _ := lookup(l.f.doc, l.ptr)
	return v
}

func (l loc) child(tokens ...string) loc {
	p := l.ptr
	for _, t := range tokens {
		p += "/" + escapeToken(t)
	}
	return loc{l.f, p}
}

func (l loc) errf(format string, args ...any) *LoadError {
	return l.f.errAt(l.ptr, format, args...)
}

// url is the location as a file URL with a JSON Pointer fragment, the
// form the schema compiler knows it by.
func (l loc) url() string {
	return fileURL(l.f.path) + "#" + fragmentEscape(l.ptr)
}

func fileURL(abs string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return u.String()
}

// fragmentEscape percent-encodes a JSON Pointer for use as a URI fragment.
func fragmentEscape(ptr string) string {
	u := url.URL{Fragment: ptr}
	s := u.String()
	return strings.TrimPrefix(s, "#")
}

// resolveRef resolves a $ref string found at from. Only local files are
// ever read: a ref with a scheme other than file fails.
func (ds *docSet) resolveRef(from loc, ref string) (loc, error) {
	where := from.child("$ref")
	if ref == "" {
		return loc{}, where.errf("$ref is empty")
	}
	u, err := url.Parse(ref)
	if err != nil {
		return loc{}, where.errf("$ref %q is not a valid URI reference", ref)
	}
	if u.Scheme != "" && u.Scheme != "file" {
		return loc{}, where.errf("$ref %q: only local files are loaded, never the network", ref)
	}
	target := from.f
	if u.Path != "" || u.Scheme == "file" {
		p := u.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(from.f.path), filepath.FromSlash(p))
		}
		f, err := ds.load(p)
		if err != nil {
			var le *LoadError
			if errors.As(err, &le) && le.Line == 0 && le.Pointer == "" {
				return loc{}, where.errf("$ref %q: %s %s", ref, le.File, le.Msg)
			}
			return loc{}, err
		}
		target = f
	}
	frag := stripRelocated(u.Fragment)
	if frag != "" && frag[0] != '/' {
		return loc{}, where.errf("$ref %q: only JSON Pointer fragments are supported here", ref)
	}
	if _, ok := lookup(target.doc, frag); !ok {
		return loc{}, where.errf("$ref %q: nothing at #%s in %s", ref, frag, target.name)
	}
	return loc{target, frag}, nil
}

// deref follows $refs from l (an OpenAPI object that may be a Reference
// Object) to the object itself.
func (ds *docSet) deref(l loc) (loc, map[string]any, error) {
	for i := 0; i < 32; i++ {
		m, ok := l.value().(map[string]any)
		if !ok {
			return l, nil, l.errf("must be an object")
		}
		ref, has := m["$ref"]
		if !has {
			return l, m, nil
		}
		s, ok := ref.(string)
		if !ok {
			return l, nil, l.child("$ref").errf("$ref must be a string")
		}
		next, err := ds.resolveRef(l, s)
		if err != nil {
			return l, nil, err
		}
		l = next
	}
	return l, nil, l.errf("$ref chain is longer than 32 or circular")
}

func itoa(i int) string { return strconv.Itoa(i) }
