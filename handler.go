package caddyerrorpages

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Sources of an error, as logged and as the metrics' source label.
const (
	sourceUpstream = "upstream"
	sourceLocal    = "local"
)

// keptBodyHeaders describe a body that no longer stands once it is
// replaced or forwarded as JSON unchanged (upstream_json keep).
var keptBodyHeaders = []string{
	"Content-Range", "Content-Disposition", "Transfer-Encoding", "Etag", "Last-Modified", "Accept-Ranges",
	"Trailer", // trailers announced for the upstream body won't come
}

// entityHeaders are removed from a rewritten response, since they
// describe the body being replaced: the above, plus its type, encoding
// and length.
var entityHeaders = append([]string{"Content-Length", "Content-Encoding", "Content-Type"}, keptBodyHeaders...)

// ServeHTTP passes the request on, holding back error responses of the
// configured statuses and rendering local errors; everything else streams
// through untouched.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) (err error) {
	if h.Catalogue != nil { // catalogue: its pages, even during maintenance
		if done, err := h.serveCatalogue(w, r); done {
			return err
		}
	}
	if h.Maintenance != nil {
		if done, err := h.maintenance(w, r); done {
			return err
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
	f := h.negotiator.Negotiate(r.Header.Get("Accept"))
	tr, vary := h.translator(r, f)
	e := h.newError(code, tr, &ew.err)
	internal := ""
	if he.Err != nil {
		internal = he.Err.Error()
	}
	switch problems := asProblems(he.Err); {
	case problems != nil:
		// A validator's problems are written for clients: they show
		// whatever the details policy.
		switch {
		case problems.Type != "":
			e.Type = problems.Type
		case len(problems.Fields)+problems.More > 0:
			e.Type = errorpages.TypeValidationFailed
		}
		if problems.Message != "" {
			e.Details = problems.Message
		}
		if n := len(problems.Fields) + problems.More; n > 0 && e.Type == "validation_failed" && tr.Lang() != errorpages.SourceLanguage {
			// The validator's summary is a built-in text: in the page's
			// language it is the catalogue's. Its field messages stay as
			// written.
			e.Details = tr.T(errorpages.KeyValidationSummary, "n", strconv.Itoa(n))
		}
		e.Fields, e.More, e.Docs = problems.Fields, problems.More, problems.Docs
		if e.Docs == "" && h.Catalogue != nil { // catalogue: the operation's page
			e.Docs = h.catalogueDocs(r, e, problems.Operation)
		}
	case internal != "" && strings.Contains(he.Trace, "StaticError.ServeHTTP") && h.exposure.Allows(code):
		// Only a message written by the site author for clients (Caddy's
		// `error "<message>" <code>`) may be shown; Go error strings never are.
		if msg := errorpages.PublicMessage(internal); msg != "" {
			e.Details = msg
		}
	}
	rid := h.prepare(r, e)
	err = h.write(w, r, e, f, ew, false, tr, vary)

	level := zapcore.DebugLevel
	if code >= 500 {
		level = zapcore.ErrorLevel
	}
	if c := h.logger.Check(level, "rewrote local error"); c != nil {
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

// asProblems returns the validator's problems err carries, if any; the
// usual cases cost no errors.As (whose target escapes to the heap).
func asProblems(err error) *errorpages.Problems {
	switch e := err.(type) {
	case *errorpages.Problems:
		return e
	case interface{ Unwrap() error }, interface{ Unwrap() []error }:
		var p *errorpages.Problems
		if errors.As(err, &p) {
			return p
		}
	}
	return nil
}

// rewriteUpstream renders a held-back upstream error response.
func (h *Handler) rewriteUpstream(w http.ResponseWriter, r *http.Request, ew *errorWriter) error {
	code := ew.status
	hdr := w.Header()
	ctype := hdr.Get("Content-Type")
	f := h.negotiator.Negotiate(r.Header.Get("Accept"))
	var raw []byte
	if ew.buf != nil {
		raw = ew.buf.Bytes()
	}
	if ew.truncated {
		h.metrics.truncated.Inc()
	}

	if !ew.truncated && len(raw) > 0 && h.keep(f, ctype, r.Header.Get("Accept")) {
		// The upstream's Content-Type and Content-Encoding stand.
		rid := h.requestID(r)
		err := h.send(w, r, reply{code: code, rid: rid, remove: keptBodyHeaders, body: raw, upstream: ew})
		h.logUpstream(code, f, rid, traceID(r), ctype, "kept upstream body", errorpages.Upstream{}, nil)
		h.count(code, f, sourceUpstream)
		return err
	}

	// The body is read only when something will use it: the client (the
	// policy allows upstream text for this status) or a DEBUG log line.
	var body []byte
	var u errorpages.Upstream
	if h.exposure.Allows(code) || h.logger.Core().Enabled(zapcore.DebugLevel) {
		var ok bool
		if body, _, ok = errorpages.Decode(raw, hdr.Get("Content-Encoding"), int(h.MaxBody)); ok {
			u = errorpages.Parse(body, ctype)
		}
	}
	tr, vary := h.translator(r, f)
	e := h.newError(code, tr, &ew.err)
	withheld := h.exposure.Apply(e, u) // upstream text stays as written: never translated
	e.Source = sourceUpstream
	rid := h.prepare(r, e)
	err := h.write(w, r, e, f, ew, true, tr, vary)
	var dropped []byte
	if withheld || len(u.Dropped) > 0 {
		dropped = body
	}
	h.logUpstream(code, f, rid, e.TraceID, ctype, "rewrote upstream error", u, dropped)
	h.count(code, f, sourceUpstream)
	return err
}

// keep reports whether the upstream body (of Content-Type ctype) goes out
// unchanged: upstream_json keep for a JSON body when the client gets
// json, or a keep_upstream range when the client's Accept names the
// body's type (see Handler.KeepUpstream).
func (h *Handler) keep(f errorpages.Format, ctype, accept string) bool {
	if h.keepJSON && f == errorpages.JSON && isJSON(ctype) {
		return true
	}
	if len(h.keeps) == 0 {
		return false
	}
	mt := errorpages.MediaType(ctype)
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok {
		return false
	}
	for _, m := range h.keeps {
		if m.matches(typ, sub) {
			q, by := errorpages.AcceptQuality(accept, mt)
			return q > 0 && by >= errorpages.RangeType
		}
	}
	return false
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

// prepare completes e with what depends on the request: request and
// trace IDs, docs URL, instance, and the source (local unless set). It
// returns the request ID.
func (h *Handler) prepare(r *http.Request, e *errorpages.Error) string {
	if e.Source == "" {
		e.Source = sourceLocal
	}
	e.RequestID = h.requestID(r)
	e.TraceID = traceID(r)
	e.Instance = errorpages.LocalRef(originalURL(r).EscapedPath(), "")
	// The operation's own documentation (a validator's externalDocs) is
	// more specific than the site's docs for the status, so it stays.
	if h.Docs != "" && e.Docs == "" {
		e.Docs = h.docs(r, e.Code)
	}
	if e.Docs == "" && h.Catalogue != nil { // catalogue: the error's page
		e.Docs = h.catalogueDocs(r, e, "")
	}
	return e.RequestID
}

// docs fills the docs URL's placeholders: {code}, then Caddy's, whose
// values are percent-encoded so that the URL stays one URL whatever the
// request holds.
func (h *Handler) docs(r *http.Request, code int) string {
	docs := h.Docs
	if h.docsCode {
		docs = strings.ReplaceAll(docs, "{code}", strconv.Itoa(code))
	}
	if h.docsRepl {
		repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
		if !ok {
			repl = caddy.NewReplacer()
		}
		out, err := repl.ReplaceFunc(docs, func(_ string, v any) (any, error) {
			return escapeURLValue(caddy.ToString(v)), nil
		})
		if err != nil {
			return ""
		}
		docs = out
	}
	return docs
}

// escapeURLValue percent-encodes every byte of s but the unreserved ones
// (RFC 3986 §2.3), so that a value is data wherever it sits in a URL:
// path, query or host.
func escapeURLValue(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// write sends e in format f, its built-in texts in tr's language, with
// the headers every rewrite carries (see send) plus Content-Language (and
// Vary: Accept-Language when vary: the language was negotiated). ew is the
// request's writer, which lends the page data its storage; upstream says
// whether it holds an intercepted upstream response (else the error is
// local).
func (h *Handler) write(w http.ResponseWriter, r *http.Request, e *errorpages.Error, f errorpages.Format, ew *errorWriter, upstream bool, tr errorpages.Translator, vary bool) error {
	var up *errorWriter
	if upstream {
		up = ew
	}
	rep := reply{code: e.Code, rid: e.RequestID, remove: entityHeaders, ctype: contentTypeValues[f], upstream: up, lang: h.langValues[tr.Lang()], varyLang: vary}
	e.RetryAfter = h.retryAfter(w.Header(), e.Code, up == nil)
	switch f {
	case errorpages.HTML:
		rep.policy = h.pagePolicy(e.Code)
	case errorpages.JSON:
		if h.presetType != nil {
			// The preset's own media type for clients that ask for it by name.
			if q, by := errorpages.AcceptQuality(r.Header.Get("Accept"), h.presetType[0]); q > 0 && by == errorpages.RangeExact {
				rep.ctype = h.presetType
			}
		}
	}
	if up != nil && r.Method == http.MethodHead {
		// The upstream's HEAD reply had no body, so the page a GET gets
		// can't be known: send no body and no length.
		return h.send(w, r, rep)
	}
	buf := getBuffer()
	defer putBuffer(buf)
	d := &ew.page
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
	rep.body = buf.Bytes()
	rep.length = true
	return h.send(w, r, rep)
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

// retryAfter returns the seconds a client should wait before retrying
// a response of status code, as shown in its body: the response's
// Retry-After (the upstream's, or maintenance's) for a 429, 502, 503 or
// 504, or, for a local 502, 503 or 504 without one, retry_after, which
// it then sets. 0 when there is none or it does not parse.
func (h *Handler) retryAfter(hdr http.Header, code int, local bool) int {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
	default:
		return 0
	}
	v, ok := hdr["Retry-After"]
	if !ok && local && h.retryValue != nil && code != http.StatusTooManyRequests {
		hdr["Retry-After"] = h.retryValue
		v, ok = h.retryValue, true
	}
	if !ok || len(v) == 0 {
		return 0
	}
	return parseRetryAfter(v[0], time.Now())
}

// parseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): delay
// seconds or an HTTP date, as seconds from now; 0 for a value that does
// not parse or a date already past.
func parseRetryAfter(v string, now time.Time) int {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 || n > 1<<30 {
			return 0
		}
		return n
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return retrySeconds(d)
}

// reply is one rewritten or kept response for send.
type reply struct {
	code int
	rid  string
	// remove lists the headers that described the replaced body.
	remove []string
	// ctype is the Content-Type; nil keeps the upstream's.
	ctype []string
	body  []byte
	// length: send Content-Length (of body; for HEAD, of the GET's body).
	length bool
	// upstream is the intercepted upstream response, nil for a local
	// error: its trailers and fingerprints go.
	upstream *errorWriter
	// policy is the page's Content-Security-Policy (HTML only): nil
	// leaves the header alone.
	policy []string
	// lang is the Content-Language value; nil sends none (a kept
	// upstream body).
	lang []string
	// varyLang adds Accept-Language to Vary.
	varyLang bool
}

// send writes the reply with the headers every rewritten or kept error
// response carries: it removes the listed headers, the pass-through
// header, an upstream's trailers and fingerprints, replaces the page's
// CSP, sets ctype, X-Content-Type-Options: nosniff, Cache-Control
// (cache_control), Vary: Accept, the request ID (request_id_header) and
// Content-Length, and leaves out the body for HEAD.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, rep reply) error {
	hdr := w.Header()
	for _, k := range rep.remove {
		delete(hdr, k)
	}
	delete(hdr, h.passName)
	if up := rep.upstream; up != nil {
		up.dropTrailers(hdr)
		h.dropFingerprints(hdr, up.server)
	}
	if rep.policy != nil {
		setPagePolicy(hdr, rep.policy)
	}
	if rep.ctype != nil {
		hdr["Content-Type"] = rep.ctype
	}
	h.setCommonHeaders(hdr, rep.rid, rep.varyLang)
	if rep.lang != nil {
		hdr["Content-Language"] = rep.lang
	}
	if rep.length || rep.body != nil {
		hdr["Content-Length"] = lengthValue(len(rep.body))
	} else {
		delete(hdr, "Content-Length")
	}
	markRendered(r)
	w.WriteHeader(rep.code)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(rep.body)
	return err
}

// dropFingerprints removes the headers that name the upstream's software
// (FingerprintHeaders) unless keep_headers keeps them. Server goes only
// when it is not the value it had before the request went on: Caddy's own
// stays.
func (h *Handler) dropFingerprints(hdr http.Header, server []string) {
	for _, k := range h.fingerprints {
		v, ok := hdr[k]
		if !ok {
			continue
		}
		if k == "Server" && len(v) == 1 && len(server) == 1 && v[0] == server[0] {
			continue
		}
		delete(hdr, k)
	}
}

// setPagePolicy replaces the Content-Security-Policy of the replaced
// document with the page's own, keeping each frame-ancestors directive
// the old policies had as a policy of its own (every policy is enforced,
// so the framing restriction stays exactly as strict). A report-only
// policy described the replaced document too and goes.
func setPagePolicy(hdr http.Header, policy []string) {
	old := hdr["Content-Security-Policy"]
	delete(hdr, "Content-Security-Policy-Report-Only")
	if len(old) == 0 {
		if len(policy) > 0 {
			hdr["Content-Security-Policy"] = policy
		} else {
			delete(hdr, "Content-Security-Policy")
		}
		return
	}
	vals := append([]string(nil), policy...)
	for _, v := range old {
		for p := range strings.SplitSeq(v, ",") {
			for d := range strings.SplitSeq(p, ";") {
				d = strings.TrimSpace(d)
				name, _, _ := strings.Cut(d, " ")
				if strings.EqualFold(name, "frame-ancestors") {
					vals = append(vals, d)
					break
				}
			}
		}
	}
	if len(vals) == 0 {
		delete(hdr, "Content-Security-Policy")
		return
	}
	hdr["Content-Security-Policy"] = vals
}

// Header values that never change are shared between responses; net/http
// only reads them, and Header.Set/Add replace or copy rather than write.
var (
	nosniffValue      = []string{"nosniff"}
	varyAcceptValue   = []string{"Accept"}
	varyBothValue     = []string{"Accept, Accept-Language"}
	contentTypeValues = func() (v [5][]string) {
		for f := range v {
			v[f] = []string{errorpages.Format(f).ContentType()}
		}
		return v
	}()
)

// lengthValues shares the Content-Length values of bodies up to 16 KiB,
// made on first use: a site's error bodies come in few sizes.
var lengthValues [16 << 10]atomic.Pointer[[]string]

func lengthValue(n int) []string {
	if n >= len(lengthValues) {
		return []string{strconv.Itoa(n)}
	}
	if v := lengthValues[n].Load(); v != nil {
		return *v
	}
	v := []string{strconv.Itoa(n)}
	lengthValues[n].Store(&v)
	return v
}

// varyLang: the response varies by Accept-Language too.
func (h *Handler) setCommonHeaders(hdr http.Header, rid string, varyLang bool) {
	hdr["X-Content-Type-Options"] = nosniffValue
	hdr["Cache-Control"] = h.cacheControlValue
	switch _, had := hdr["Vary"]; {
	case !had && varyLang:
		hdr["Vary"] = varyBothValue
	case !had:
		hdr["Vary"] = varyAcceptValue
	default:
		addVary(hdr, "Accept")
		if varyLang {
			addVary(hdr, "Accept-Language")
		}
	}
	if rid != "" {
		hdr[h.ridName] = []string{rid}
	}
}

// addVary adds token to Vary unless it (or *) is already listed.
func addVary(hdr http.Header, token string) {
	for _, v := range hdr["Vary"] {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.EqualFold(t, token) {
				return
			}
		}
	}
	hdr.Add("Vary", token)
}

// requestID is the incoming request ID (request_id's placeholders, else
// the request_id_header) when valid, else Caddy's UUID for the request.
func (h *Handler) requestID(r *http.Request) string {
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if h.RequestID == "" {
		if v := r.Header.Get(h.ridName); validRequestID(v) {
			return v
		}
	} else if repl != nil {
		if v := repl.ReplaceAll(h.RequestID, ""); validRequestID(v) {
			return v
		}
	}
	if repl != nil {
		if id, ok := repl.GetString("http.request.uuid"); ok {
			return id
		}
	}
	return ""
}

// traceID is the W3C trace ID that Caddy's tracing handler put in the
// request's vars ({http.vars.trace_id}), or "" when tracing is off. Only
// a valid trace ID (32 lower-case hex digits, not all zero) is taken:
// another handler could have set the var to anything.
func traceID(r *http.Request) string {
	v, _ := caddyhttp.GetVar(r.Context(), "trace_id").(string)
	if len(v) != 32 || v == "00000000000000000000000000000000" {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return ""
		}
	}
	return v
}

// originalURL is the URL the client asked for, before any rewrite.
func originalURL(r *http.Request) *url.URL {
	if or, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request); ok && or.URL != nil {
		return or.URL
	}
	return r.URL
}

func isJSON(ctype string) bool {
	mt := errorpages.MediaType(ctype)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
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
