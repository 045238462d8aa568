package requestvalidation

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/validation"
)

// Placeholders set on every validated request.
const (
	phOperationID   = "http.request_validation.operation_id"
	phOperationPath = "http.request_validation.operation_path"
	phMode          = "http.request_validation.mode"
	phResult        = "http.request_validation.result"
	phProblemCount  = "http.request_validation.problem_count"
	phProblemCodes  = "http.request_validation.problem_codes"
	phFirstPointer  = "http.request_validation.first_pointer"
	phFirstProblem  = "http.request_validation.first_problem"
)

var matchPool = sync.Pool{New: func() any { return new(validation.Match) }}

// serve validates the request and passes it on, or answers with the
// problems as an error for error_pages (or handle_errors) to render
// (ServeHTTP renders it when neither will). It reads top to bottom:
// route, credentials, body, validate; every refusal goes through refuse.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	m := matchPool.Get().(*validation.Match)
	defer matchPool.Put(m)
	op := h.jsonOp
	if h.spec != nil {
		h.spec.Route(r.Method, r.URL.EscapedPath(), m)
		switch m.Result {
		case validation.Skip:
			return next.ServeHTTP(w, r)
		case validation.NotFound, validation.MethodNotAllowed:
			res := h.routeProblem(r, m)
			if res == nil {
				return next.ServeHTTP(w, r) // unknown_path / unknown_method pass
			}
			return h.refuse(w, r, next, repl, nil, res, h.reportRoutes)
		}
		op = m.Op
	}
	st := h.ops[op]
	if st == nil {
		st = &opState{report: h.report[op]} // not made at provision: cannot happen
		st.placeholders = opPlaceholders{op, st.report}.get
	}
	report := st.report
	if repl != nil {
		// The operation's placeholders are read lazily: nothing is
		// formatted unless a later handler or log line asks. The result
		// reads "valid" unless a static value (set below for every other
		// result) overrides it: Caddy asks static values first.
		repl.Map(st.placeholders)
	}

	vr := validation.Request{Method: r.Method, RawQuery: r.URL.RawQuery, Header: r.Header, ContentType: r.Header.Get("Content-Type"),
		ClientCertificate: r.TLS != nil && len(r.TLS.PeerCertificates) > 0}
	// Credentials first: a request without them learns nothing of the
	// parameters or the body, whose bytes are not even read.
	security := op.CheckSecurity(&vr)
	if security != nil && !report {
		return h.refuse(w, r, next, repl, op, security, false)
	}
	var buf *[]byte // the pooled body buffer, while this handler owns it
	if op.HasBody() && hasBody(r) {
		b, n, tooLarge, err := h.readBody(r)
		if err != nil {
			var he caddyhttp.HandlerError
			if errors.As(err, &he) {
				return he
			}
			return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("request_validation: reading the body: %w", err))
		}
		if tooLarge {
			if report && b != nil {
				r.Body = newPooledBody(b, n, r.Body) // what was read, then the rest
			} else {
				putBuf(b)
			}
			return h.refuse(w, r, next, repl, op, &validation.Result{Status: http.StatusRequestEntityTooLarge, Kind: resultTooLarge,
				Fields: []errorpages.Field{{Pointer: "/body", Code: "max_body", Message: "is larger than " + sizeText(h.MaxBody)}}}, report)
		}
		buf = b
		vr.Body, vr.HasBody = (*b)[:n], true
		// The upstream receives exactly the bytes that were validated.
		if r.ContentLength != int64(n) || r.Header.Get("Content-Length") == "" {
			r.ContentLength = int64(n)
			r.TransferEncoding = nil
			r.Header.Set("Content-Length", strconv.Itoa(n))
		}
	}

	res := security // in report mode, missing credentials are what is reported
	if res == nil {
		res = op.CheckRequest(m, &vr, h.MaxProblems)
	}
	if res == nil || report {
		if buf != nil {
			r.Body = newPooledBody(buf, len(vr.Body), nil)
		}
		if res == nil {
			st.countValid(h.metrics, op.ID)
			return h.forward(w, r, next, op, st) // result: "valid" from the provider
		}
		return h.refuse(w, r, next, repl, op, res, true)
	}
	// Rejected: the problems hold no part of the body (values are never
	// quoted, names are copied), so the buffer can be reused.
	putBuf(buf)
	return h.refuse(w, r, next, repl, op, res, false)
}

// routeProblem is the 404 or 405 of a request the document has no
// operation for, or nil when unknown_path / unknown_method let it pass.
func (h *Handler) routeProblem(r *http.Request, m *validation.Match) *validation.Result {
	if m.Result == validation.MethodNotAllowed {
		if h.passMethod {
			return nil
		}
		return &validation.Result{Status: http.StatusMethodNotAllowed, Kind: resultMethodNotAllowed, HeaderName: "Allow", HeaderValue: m.Allow}
	}
	if h.passPath {
		return nil
	}
	res := &validation.Result{Status: http.StatusNotFound, Kind: resultNotFound}
	if hint := h.spec.NotFoundHint(r.Method, r.URL.EscapedPath()); hint != "" {
		res.Fields = []errorpages.Field{{Pointer: "/path", Code: "not_found", Message: "matches no operation of the API", Hint: hint}}
	}
	return res
}

// refuse handles a request the document does not allow (op is nil for a
// path or method it has no operation for): its placeholders, the metrics
// and one log line (pointers and codes, never a value); then, in report
// mode, it passes the request on, else it returns the error error_pages
// renders.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, repl *caddy.Replacer, op *validation.Operation, res *validation.Result, report bool) error {
	id, docs := "", ""
	if op != nil {
		id, docs = op.ID, op.Docs
		h.metrics.problems.count(id, res.Fields)
	}
	setProblemPlaceholders(repl, res)
	if report {
		h.metrics.count(id, resultReported)
		setPlaceholder(repl, phResult, resultReported)
		h.logReport(r, id, res.Kind, res)
		if op != nil {
			return h.forward(w, r, next, op, h.ops[op])
		}
		return next.ServeHTTP(w, r)
	}
	h.metrics.count(id, res.Kind)
	setPlaceholder(repl, phResult, res.Kind)
	status := res.Status
	if status == http.StatusBadRequest && res.BodySchemaOnly && h.BodyStatus == http.StatusUnprocessableEntity {
		status = http.StatusUnprocessableEntity
	}
	if res.HeaderName != "" {
		w.Header().Set(res.HeaderName, res.HeaderValue)
	}
	for _, ch := range res.Challenges {
		w.Header().Add("WWW-Authenticate", ch)
	}
	h.logReject(r, id, status, res.Kind, res)
	typ := "validation_failed"
	if status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
		typ = errorpages.TypeSlug(status)
	}
	return caddyhttp.Error(status, &errorpages.Problems{
		Type:    typ,
		Message: h.summary(r, res),
		Fields:  res.Fields,
		More:    res.More,
		Docs:    docs,
		// catalogue: error_pages links the operation's page
		Operation: id,
	})
}

// hasBody reports whether the request carries a body.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// summary is the one-line message of a refusal.
func (h *Handler) summary(r *http.Request, res *validation.Result) string {
	n := len(res.Fields) + res.More
	switch res.Status {
	case http.StatusNotFound:
		return "The API has no operation at this path."
	case http.StatusMethodNotAllowed:
		return "This path does not accept " + r.Method + "; it accepts " + res.HeaderValue + "."
	case http.StatusRequestEntityTooLarge:
		return "The request body is larger than " + sizeText(h.MaxBody) + "."
	case http.StatusUnsupportedMediaType:
		return "The request body's media type is not accepted here."
	case http.StatusUnauthorized:
		return "The request lacks the credentials this operation requires."
	}
	if res.Partial {
		return "The request has more than " + strconv.Itoa(n) + " problems."
	}
	if n == 1 {
		return "The request has 1 problem."
	}
	return "The request has " + strconv.Itoa(n) + " problems."
}

// opPlaceholders provides the matched operation's placeholders.
type opPlaceholders struct {
	op     *validation.Operation
	report bool
}

func (p opPlaceholders) get(key string) (any, bool) {
	switch key {
	case phOperationID:
		return p.op.ID, true
	case phOperationPath:
		return p.op.Path, true
	case phMode:
		if p.report {
			return "report", true
		}
		return "enforce", true
	case phResult:
		return resultValid, true
	}
	return nil, false
}

func setPlaceholder(repl *caddy.Replacer, k string, v any) {
	if repl != nil {
		repl.Set(k, v)
	}
}

// setProblemPlaceholders gives handle_errors and log lines the count, the
// codes and the first problem.
func setProblemPlaceholders(repl *caddy.Replacer, res *validation.Result) {
	if repl == nil {
		return
	}
	repl.Set(phProblemCount, len(res.Fields)+res.More)
	repl.Set(phProblemCodes, strings.Join(res.Codes(), ","))
	if len(res.Fields) > 0 {
		f := res.Fields[0]
		repl.Set(phFirstPointer, f.Pointer)
		where := f.Field
		if where == "" {
			where = f.Pointer
		}
		repl.Set(phFirstProblem, where+": "+f.Message)
	}
}

// requestID is the client's X-Request-ID when it looks like one, else
// Caddy's request UUID.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 128 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == "" {
		return id
	}
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		return repl.ReplaceAll("{http.request.uuid}", "")
	}
	return ""
}

func problemFields(res *validation.Result) []zap.Field {
	if res == nil {
		return nil
	}
	ptrs := make([]string, len(res.Fields))
	for i, f := range res.Fields {
		ptrs[i] = f.Code + " " + f.Pointer
	}
	return []zap.Field{
		zap.Int("problems", len(res.Fields)+res.More),
		zap.Strings("codes", res.Codes()),
		zap.Strings("problem_pointers", ptrs),
	}
}

// logReject writes the one line a rejection gets: operation, request ID,
// problem count and codes, never values.
func (h *Handler) logReject(r *http.Request, opID string, status int, result string, res *validation.Result) {
	if c := h.logger.Check(zap.InfoLevel, "request rejected"); c != nil {
		fields := append([]zap.Field{
			zap.String("operation", opID),
			zap.String("request_id", requestID(r)),
			zap.String("method", r.Method),
			zap.Int("status", status),
			zap.String("result", result),
		}, problemFields(res)...)
		c.Write(fields...)
	}
}

// logReport logs a violation that report mode let pass, at WARN.
func (h *Handler) logReport(r *http.Request, opID string, result string, res *validation.Result) {
	if c := h.logger.Check(zap.WarnLevel, "request violates the API description (report mode: passed)"); c != nil {
		fields := append([]zap.Field{
			zap.String("operation", opID),
			zap.String("request_id", requestID(r)),
			zap.String("method", r.Method),
			zap.String("result", result),
		}, problemFields(res)...)
		c.Write(fields...)
	}
}

// Interface guards
var _ caddyhttp.MiddlewareHandler = (*Handler)(nil)
