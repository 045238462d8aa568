package requestvalidation

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2"

	"github.com/errorpages/caddy-errorpages/validation"
)

// Compiled documents are shared by what they were compiled from: the
// directive (openapi or json_schema), the path, the options that change
// the compiled form, and the size, modification time and inode of every
// file the document was read from. So:
//
//   - a reload whose documents did not change compiles nothing: Caddy
//     provisions the new config while the old one still holds them
//     (caddy.UsagePool, as Caddy's reverse proxy keeps its hosts);
//   - several handlers on one document share one compiled form;
//   - the document the Caddyfile adapter compiled to check it is handed
//     to the Provision that follows in the same process (`caddy run` with
//     a Caddyfile read it twice before).
var documents = caddy.NewUsagePool()

// document is one compiled document: an OpenAPI spec, or the operation of
// a JSON Schema.
type document struct {
	spec *validation.Spec
	op   *validation.Operation
}

func (*document) Destruct() error { return nil }

func (d *document) files() []string {
	if d.spec != nil {
		return d.spec.Files()
	}
	return d.op.Files()
}

var (
	// lastFiles remembers, by directive, path and options, the files the
	// last compilation read: their stamps make the key of the next.
	lastFiles sync.Map // string → []string
	// adapted holds the documents the Caddyfile adapter compiled, by
	// key, until a Provision takes them (at most maxAdapted).
	adaptedMu sync.Mutex
	adapted   = map[string]*document{}
)

const maxAdapted = 16

// source is what a document is compiled from, without the files' stamps.
func (h *Handler) source() string {
	kind, path := "openapi", h.OpenAPI
	if h.JSONSchema != "" {
		kind, path = "json_schema", h.JSONSchema
	}
	return fmt.Sprintf("%s|%s|%+v", kind, path, h.options())
}

// documentKey is source plus the stamps of the files the last compilation
// of it read (or of its path, before the first).
func (h *Handler) documentKey() string {
	src := h.source()
	files := []string{h.OpenAPI + h.JSONSchema}
	if abs, err := filepath.Abs(files[0]); err == nil {
		// As the compiled document lists it: a one-file document's key
		// is then the same before and after its first compilation.
		files[0] = abs
	}
	if f, ok := lastFiles.Load(src); ok {
		files = f.([]string)
	}
	var b strings.Builder
	b.WriteString(src)
	for _, f := range files {
		b.WriteString("|")
		b.WriteString(stamp(f))
	}
	return b.String()
}

// stamp identifies a file's content as far as the file system tells it.
func stamp(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return path + ":missing"
	}
	return fmt.Sprintf("%s:%d:%d", path, st.Size(), st.ModTime().UnixNano())
}

// compile loads the document now.
func (h *Handler) compile() (*document, error) {
	if h.JSONSchema != "" {
		op, err := validation.LoadJSONSchema(h.JSONSchema, h.options())
		if err != nil {
			return nil, fmt.Errorf("request_validation: json_schema: %w", err)
		}
		return &document{op: op}, nil
	}
	spec, err := validation.Load(h.OpenAPI, h.options())
	if err != nil {
		return nil, fmt.Errorf("request_validation: openapi: %w", err)
	}
	return &document{spec: spec}, nil
}

// compileFresh compiles the document and records the files it read.
// Compiling a large document makes several times its compiled size in
// garbage; that memory is handed back to the system at once, so that the
// process's RSS after a load stays near what the compiled form keeps
// (Go's heap goal would otherwise hold about twice the live heap). This
// happens once per document per config load, never per request.
func (h *Handler) compileFresh() (*document, error) {
	d, err := h.compile()
	if err != nil {
		return nil, err
	}
	lastFiles.Store(h.source(), d.files())
	debug.FreeOSMemory()
	return d, nil
}

// acquire returns the compiled document for h, shared, and the key to
// release it with on cleanup.
func (h *Handler) acquire() (*document, string, error) {
	key := h.documentKey()
	v, _, err := documents.LoadOrNew(key, func() (caddy.Destructor, error) {
		adaptedMu.Lock()
		d := adapted[key]
		delete(adapted, key)
		adaptedMu.Unlock()
		if d != nil {
			return d, nil
		}
		return h.compileFresh()
	})
	if err != nil {
		return nil, "", err
	}
	return v.(*document), key, nil
}

// check compiles the document for the Caddyfile adapter, which cannot
// provision, and keeps it for the Provision that may follow.
func (h *Handler) check() (*document, error) {
	d, err := h.compileFresh()
	if err != nil {
		return nil, err
	}
	key := h.documentKey()
	adaptedMu.Lock()
	if len(adapted) >= maxAdapted {
		clear(adapted)
	}
	adapted[key] = d
	adaptedMu.Unlock()
	return d, nil
}
