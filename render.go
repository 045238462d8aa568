// The request path, step 4 of 5: render the error in the negotiated
// format (the embedded page, the site's templates, a preset or a body
// template) into a pooled buffer.

package caddyerrorpages

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/errorpages/caddy-errorpages/errorpages"
	"go.uber.org/zap"
)

// render writes the body of e in format f into buf, its built-in texts
// in tr's language. d is the request's storage for the page data (lent by
// its errorWriter). A template that fails is replaced by the built-in
// body, logged at ERROR: never an empty body.
func (h *Handler) render(buf *bytes.Buffer, r *http.Request, e *errorpages.Error, f errorpages.Format, tr errorpages.Translator, d *errorpages.PageData) {
	*d = errorpages.PageData{Error: e, Method: r.Method, Host: r.Host}
	d.SetTranslator(tr)
	if f == errorpages.Problem && (len(h.problemExt) > 0 || h.localized[f]) {
		d.Extensions = h.problemExtensions(r, tr)
	}
	if f == errorpages.HTML {
		d.Time = time.Now()
		ou := originalURL(r)
		d.Path = ou.Path
		d.URL = errorpages.LocalRef(ou.EscapedPath(), ou.RawQuery)
		if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok && !h.renderer.Builtin(e.Code) {
			d.SetPlaceholderFunc(func(name string) string {
				if !h.templateMayRead(name) {
					return ""
				}
				v, _ := repl.GetString(name)
				return v
			})
		}
	}
	if err := h.renderer.Render(buf, f, d); err != nil {
		h.logger.Error("error page template failed; sent the built-in body instead",
			zap.Int("status", e.Code), zap.String("format", f.String()),
			zap.String("request_id", e.RequestID), zap.Error(err))
	}
}

// problemExtensions resolves the problem_extension values for r; a
// placeholder's value is data, JSON-escaped when the body is written.
// A localized problem carries its language first, as a "lang" member
// (RFC 9457 §3.2 allows extension members).
func (h *Handler) problemExtensions(r *http.Request, tr errorpages.Translator) []errorpages.Member {
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	out := make([]errorpages.Member, 0, len(h.problemExt)+1)
	if h.localized[errorpages.Problem] {
		out = append(out, errorpages.Member{Name: "lang", Value: tr.Lang()})
	}
	for _, x := range h.problemExt {
		v := x.value
		if x.repl && repl != nil {
			v = repl.ReplaceAll(v, "")
		}
		out = append(out, errorpages.Member{Name: x.name, Value: v})
	}
	return out
}

// templateMayRead reports whether a template's .Placeholder may read the
// named placeholder: anything about the request, but {env.*}, {file.*}
// and {system.*} only as TemplatePlaceholders allows, since a template
// may pass request data as the name.
func (h *Handler) templateMayRead(name string) bool {
	if !slices.ContainsFunc(outsidePrefixes, func(o string) bool { return strings.HasPrefix(name, o) }) {
		return true
	}
	for _, p := range h.TemplatePlaceholders {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		} else if name == p {
			return true
		}
	}
	return false
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // don't let one huge max_body pin memory in the pool
	}
	bufPool.Put(b)
}
