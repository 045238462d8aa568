// The request path, step 3 of 5: build the error — its code, type and
// texts in the negotiated language, what a local error or an upstream
// body adds, and what depends on the request (request and trace IDs,
// docs, instance, Retry-After).

package caddyerrorpages

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/errorpages/caddy-errorpages/errorpages"
	"go.uber.org/zap/zapcore"
)

// newError returns the error for code in tr's language, written into e:
// the configured message for that language (else the untagged one, else
// the catalogue's title) and the catalogue's description.
func (h *Handler) newError(code int, tr errorpages.Translator, e *errorpages.Error) *errorpages.Error {
	msg := h.message(code, tr.Lang())
	if msg == "" {
		msg = tr.Title(code)
	}
	*e = errorpages.Error{Code: code, Type: errorpages.TypeSlug(code), Message: msg, Details: tr.Description(code)}
	return e
}

// message is the configured title of code for a page in lang (a
// catalogue tag): the language's own message, else, in the default
// language only, the untagged one, else "". An untagged message is the
// text for the default language: a page in another language gets the
// catalogue's title in that language, so that it is in one language.
func (h *Handler) message(code int, lang string) string {
	if code < 400 || code >= 600 {
		return ""
	}
	if m := h.langMessages[lang]; m != nil && m[code-400] != "" {
		return m[code-400]
	}
	if lang != h.defaultTr.Lang() {
		return ""
	}
	return h.messages[code-400]
}

// localError builds the error for a handler's error he of status code,
// in tr's language, into e: a validator's problems are written for
// clients and always shown; the text of Caddy's `error "<text>" <code>`
// is shown as the details policy allows; Go error strings never are.
func (h *Handler) localError(r *http.Request, he caddyhttp.HandlerError, code int, tr errorpages.Translator, e *errorpages.Error) *errorpages.Error {
	h.newError(code, tr, e)
	switch problems := asProblems(he.Err); {
	case problems != nil:
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
	case he.Err != nil && strings.Contains(he.Trace, "StaticError.ServeHTTP") && h.exposure.Allows(code):
		// Only a message written by the site author for clients (Caddy's
		// `error "<message>" <code>`) may be shown.
		if msg := errorpages.PublicMessage(he.Err.Error()); msg != "" {
			e.Details = msg
		}
	}
	return e
}

// upstreamError builds the error for an upstream response of status code
// whose body (raw, of Content-Type ctype, encoded as hdr says) was held
// back, in tr's language, into e. The body is read only when something
// will use it: the client (the details policy allows upstream text for
// this status) or a DEBUG log line. It returns what was read: the parsed
// upstream error u, the decoded body, and whether the policy withheld
// upstream text. Upstream text stays as written: never translated.
func (h *Handler) upstreamError(code int, raw []byte, hdr http.Header, ctype string, tr errorpages.Translator, e *errorpages.Error) (_ *errorpages.Error, u errorpages.Upstream, body []byte, withheld bool) {
	if h.exposure.Allows(code) || h.logger.Core().Enabled(zapcore.DebugLevel) {
		var ok bool
		if body, _, ok = errorpages.Decode(raw, hdr.Get("Content-Encoding"), int(h.MaxBody)); ok {
			u = errorpages.Parse(body, ctype)
		}
	}
	h.newError(code, tr, e)
	withheld = h.exposure.Apply(e, u)
	e.Source = sourceUpstream
	return e, u, body, withheld
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

// prepare completes e with what depends on the request: request and
// trace IDs, docs URL, instance, the source (local unless set) and the
// seconds to wait before retrying (see retryAfter; hdr is the response's
// header). It returns the request ID.
func (h *Handler) prepare(hdr http.Header, r *http.Request, e *errorpages.Error, local bool) string {
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
	e.RetryAfter = h.retryAfter(hdr, e.Code, local)
	return e.RequestID
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

// validRequestID reports whether an incoming request ID may be reused:
// 1–128 characters of [A-Za-z0-9._:-].
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
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

// originalURL is the URL the client asked for, before any rewrite.
func originalURL(r *http.Request) *url.URL {
	if or, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request); ok && or.URL != nil {
		return or.URL
	}
	return r.URL
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

// retrySeconds rounds d up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	s := math.Ceil(d.Seconds())
	if s < 1 {
		return 1
	}
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(s)
}
