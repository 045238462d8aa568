// The request path. Following r through ServeHTTP enters one file per
// step, in order:
//
//  1. handler.go: the maintenance check (package maintenance), then the
//     request goes on through an errorWriter (writer.go), which holds back
//     the error responses to rewrite and streams everything else;
//  2. negotiate.go: the format and the language the client gets;
//  3. error.go: build the error;
//  4. render.go: render it in that format;
//  5. respond.go: write the response.
//
// What Provision prepares for them is in module.go.

package caddyerrorpages

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/maintenance"
)

// Sources of an error, as logged and as the metrics' source label.
const (
	sourceUpstream = "upstream"
	sourceLocal    = "local"
)

// ServeHTTP passes the request on, holding back error responses of the
// configured statuses and rendering local errors; everything else streams
// through untouched.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) (err error) {
	if h.Catalogue != nil { // catalogue: its pages, even during maintenance
		if done, err := h.serveCatalogue(w, r); done {
			return err
		}
	}
	if h.maint != nil {
		if a, on := h.maint.Check(r); on {
			return h.serveMaintenance(w, r, a)
		}
	}
	ew := h.getWriter(w)
	defer putWriter(ew)
	defer leave(r, ew.enter(r))
	defer func() {
		// reverse_proxy aborts with http.ErrAbortHandler when its body copy
		// fails: because errBodyLimit cut the body at max_body, or because
		// the upstream dropped the connection mid-body. Nothing has reached
		// the client yet, so answer it instead of dropping the connection.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler && ew.state == stateIntercept {
				err = h.rewriteUpstream(w, r, ew)
				return
			}
			panic(v)
		}
	}()

	err = next.ServeHTTP(ew, r)

	switch ew.state {
	case stateIntercept:
		if e := emptyErrorRoute(r, ew); e != nil {
			return h.rewriteLocal(w, r, e, ew)
		}
		// An error from next after it started an intercepted response
		// (a cut body, a failed copy) doesn't change what we answer.
		return h.rewriteUpstream(w, r, ew)
	case stateNone:
		if err == nil {
			// Inside handle_errors, the error being handled is in the context.
			if e, ok := r.Context().Value(caddyhttp.ErrorCtxKey).(error); ok && e != nil {
				err = e
			} else {
				return nil
			}
		}
		return h.rewriteLocal(w, r, err, ew)
	}
	return err
}

// serveMaintenance writes the 503 maintenance answer a in the negotiated
// format, with Retry-After.
func (h *Handler) serveMaintenance(w http.ResponseWriter, r *http.Request, a maintenance.Answer) error {
	ew := h.getWriter(w) // lends the error and page data their storage
	defer putWriter(ew)
	f, tr, vary := h.negotiate(r)
	w.Header()["Retry-After"] = []string{strconv.Itoa(a.Wait)}
	e := errorpages.NewMaintenanceError(tr, a.Message, a.Until, a.Wait)
	rid := h.prepare(w.Header(), r, e, true)
	buf := getBuffer()
	defer putBuffer(buf)
	h.render(buf, r, e, f, tr, &ew.page)
	err := h.respondError(w, r, e, f, tr, vary, nil, buf.Bytes())
	if c := h.logger.Check(zapcore.DebugLevel, "answered in maintenance"); c != nil {
		c.Write(zap.String("name", a.Name), zap.String("format", f.String()), zap.String("request_id", rid), zap.Int("retry_after", a.Wait))
	}
	return err
}

// emptyErrorRoute returns the error being handled when r is in
// handle_errors and the response held back is only its status, without
// a body: what Caddy's error route writes at its end
// (caddyhttp's errorEmptyHandler) when nothing after error_pages answers.
// That error is rendered as the local error it is, so that it reads the
// same as at the top level (the author's text of `error "<text>" <code>`
// included). nil otherwise.
func emptyErrorRoute(r *http.Request, ew *errorWriter) error {
	if ew.buf != nil && ew.buf.Len() > 0 {
		return nil
	}
	e, ok := r.Context().Value(caddyhttp.ErrorCtxKey).(error)
	if !ok || e == nil {
		return nil
	}
	code := http.StatusInternalServerError
	var he caddyhttp.HandlerError
	if errors.As(e, &he) && he.StatusCode != 0 {
		code = he.StatusCode
	}
	if code != ew.status {
		return nil
	}
	return e
}

// rewriteLocal renders an error returned by a handler; ew, which saw
// nothing written, lends its storage for the error and the page data.
func (h *Handler) rewriteLocal(w http.ResponseWriter, r *http.Request, err error, ew *errorWriter) error {
	if h.noLocal {
		return err // sources leaves local errors to Caddy's own handling
	}
	he, ok := err.(caddyhttp.HandlerError) // the usual case, without errors.As's reflection
	if !ok && !errors.As(err, &he) {
		he = caddyhttp.Error(http.StatusInternalServerError, err)
	}
	code := he.StatusCode
	if code == 0 {
		code = http.StatusInternalServerError
	}
	if !h.statuses.Has(code) {
		return err // not ours to render: Caddy's own error handling applies
	}
	f, tr, vary := h.negotiate(r)
	e := h.localError(r, he, code, tr, &ew.err)
	rid := h.prepare(w.Header(), r, e, true)
	buf := getBuffer()
	defer putBuffer(buf)
	h.render(buf, r, e, f, tr, &ew.page)
	err = h.respondError(w, r, e, f, tr, vary, nil, buf.Bytes())

	level := zapcore.DebugLevel
	if code >= 500 {
		level = zapcore.ErrorLevel
	}
	if c := h.logger.Check(level, "rewrote local error"); c != nil {
		internal := ""
		if he.Err != nil {
			internal = he.Err.Error()
		}
		fields := []zap.Field{
			zap.Int("status", code),
			zap.String("source", sourceLocal),
			zap.String("format", f.String()),
			zap.String("request_id", rid),
			zap.String("error", excerpt(internal)),
			zap.String("error_id", he.ID),
			zap.String("trace", he.Trace),
		}
		if e.TraceID != "" {
			fields = append(fields, zap.String("trace_id", e.TraceID))
		}
		c.Write(fields...)
	}
	h.count(code, f, sourceLocal)
	return err
}

// rewriteUpstream renders a held-back upstream error response.
func (h *Handler) rewriteUpstream(w http.ResponseWriter, r *http.Request, ew *errorWriter) error {
	code := ew.status
	hdr := w.Header()
	ctype := hdr.Get("Content-Type")
	var raw []byte
	if ew.buf != nil {
		raw = ew.buf.Bytes()
	}
	if ew.truncated {
		h.metrics.truncated.Inc()
	}
	f, tr, vary := h.negotiate(r)

	if !ew.truncated && len(raw) > 0 && h.keep(f, ctype, r.Header.Get("Accept")) {
		// The upstream's Content-Type and Content-Encoding stand.
		rid := h.requestID(r)
		err := h.send(w, r, reply{code: code, rid: rid, remove: keptBodyHeaders, body: raw, upstream: ew})
		h.logUpstream(code, f, rid, traceID(r), ctype, "kept upstream body", errorpages.Upstream{}, nil)
		h.count(code, f, sourceUpstream)
		return err
	}

	e, u, body, withheld := h.upstreamError(code, raw, hdr, ctype, tr, &ew.err)
	rid := h.prepare(hdr, r, e, false)
	var err error
	if r.Method == http.MethodHead {
		// The upstream's HEAD reply had no body, so the page a GET gets
		// can't be known: send no body and no length.
		err = h.respondError(w, r, e, f, tr, vary, ew, nil)
	} else {
		buf := getBuffer()
		defer putBuffer(buf)
		h.render(buf, r, e, f, tr, &ew.page)
		err = h.respondError(w, r, e, f, tr, vary, ew, buf.Bytes())
	}
	var dropped []byte
	if withheld || len(u.Dropped) > 0 {
		dropped = body
	}
	h.logUpstream(code, f, rid, e.TraceID, ctype, "rewrote upstream error", u, dropped)
	h.count(code, f, sourceUpstream)
	return err
}

// logUpstream writes the DEBUG line of an upstream rewrite. Upstream 5xx
// are DEBUG too: they are the upstream's errors, already in Caddy's access
// log by status, and what was withheld may only go into DEBUG lines.
func (h *Handler) logUpstream(code int, f errorpages.Format, rid, tid, ctype, msg string, u errorpages.Upstream, dropped []byte) {
	c := h.logger.Check(zapcore.DebugLevel, msg)
	if c == nil {
		return
	}
	fields := []zap.Field{
		zap.Int("status", code),
		zap.String("source", sourceUpstream),
		zap.String("format", f.String()),
		zap.String("request_id", rid),
		zap.String("upstream_content_type", ctype),
	}
	if tid != "" {
		fields = append(fields, zap.String("trace_id", tid))
	}
	if len(dropped) > 0 {
		fields = append(fields, zap.String("dropped", excerpt(string(dropped))))
	}
	if len(u.Dropped) > 0 {
		fields = append(fields, zap.Strings("internal", u.Dropped))
	}
	c.Write(fields...)
}

func (h *Handler) count(code int, f errorpages.Format, source string) {
	h.metrics.rewrite(code, f, source).Inc()
}

// excerpt bounds what goes into a log line.
func excerpt(s string) string {
	const max = 1024
	if len(s) > max {
		return strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// Interface guards
var _ caddyhttp.MiddlewareHandler = (*Handler)(nil)
