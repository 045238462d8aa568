// Package requestvalidation is the request_validation Caddy handler: it
// checks requests against an OpenAPI 3.0/3.1 document or a JSON Schema
// before they reach the upstream, and answers 400/404/405/413/415 with
// every problem (a location-qualified JSON Pointer, a code and a hint
// each), as an error that error_pages renders in every format. The
// validation itself is the validation package, which has no Caddy import.
package requestvalidation

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/errorpages/caddy-errorpages/validation"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Defaults.
const (
	DefaultMaxBody     = 1 << 20
	DefaultMaxProblems = validation.DefaultMaxProblems
)

// Handler validates requests against an OpenAPI document or a JSON
// Schema.
type Handler struct {
	// `openapi` is the path of an OpenAPI 3.0 or 3.1 document, YAML or
	// JSON, relative to Caddy's working directory. `$ref`s to other local
	// files are relative to the document holding them; nothing is ever
	// fetched over the network. One of `openapi` and `json_schema` is
	// needed.
	OpenAPI string `json:"openapi,omitempty"`

	// `json_schema` is the path of a JSON Schema (2020-12 unless its
	// `$schema` says otherwise) that the JSON body of every request the
	// handler's matcher selects must satisfy. Such requests need a JSON
	// body: none is a 400, another media type a 415.
	JSONSchema string `json:"json_schema,omitempty"`

	// `mode` is `enforce` (reject invalid requests) or `report` (let
	// them pass, log each violation at WARN and count it). Default:
	// enforce.
	Mode string `json:"mode,omitempty"`

	// `operations` sets the mode per operationId
	// (`{"createOrder": "enforce"}`), over `mode` and over the document's
	// `x-request-validation` extension. Default: none.
	Operations map[string]string `json:"operations,omitempty"`

	// `base_path` is removed from the request path before routing.
	// Default: the path of the document's first `servers` URL ("/" for
	// none).
	BasePath string `json:"base_path,omitempty"`

	// `unknown_path` is `reject` (404, with the nearest declared path as
	// a hint) or `pass`, for paths the document does not declare.
	// Default: reject.
	UnknownPath string `json:"unknown_path,omitempty"`

	// `unknown_method` is `reject` (405 with `Allow`) or `pass`, for
	// methods a declared path does not declare. Default: reject.
	UnknownMethod string `json:"unknown_method,omitempty"`

	// `unknown_query` is `allow` or `reject`, for query parameters the
	// operation does not declare. Default: allow.
	UnknownQuery string `json:"unknown_query,omitempty"`

	// `max_body` is the largest request body read, in bytes; a larger
	// one is answered 413 without reading the rest. Default: 1048576
	// (1 MiB).
	MaxBody int64 `json:"max_body,omitempty"`

	// `max_depth` bounds the nesting of JSON bodies (deeper is a 400
	// `too_deep`). Default: 64.
	MaxDepth int `json:"max_depth,omitempty"`

	// `max_problems` caps the problems listed in one answer; the rest
	// are counted in `more` (up to 1,000 problems are counted, then the
	// answer says "more than"). Default: 50.
	MaxProblems int `json:"max_problems,omitempty"`

	// `check_formats` asserts `format` (email, date-time, uuid …) when
	// true or absent; false makes it an annotation. Default: true.
	CheckFormats *bool `json:"check_formats,omitempty"`

	// `read_only` is `reject` or `allow`, for `readOnly` properties in
	// request bodies. Default: reject.
	ReadOnly string `json:"read_only,omitempty"`

	// `security` is `on` or `off`: whether the document's security
	// requirements (`security`, `components.securitySchemes`) are
	// checked. A request to an operation that requires credentials and
	// carries none of the acceptable ones is answered 401 with a
	// `WWW-Authenticate` challenge per acceptable scheme, before its
	// parameters and body are looked at. Only presence is checked: the
	// credentials' validity stays the upstream's or an authentication
	// handler's job. Default: on.
	Security string `json:"security,omitempty"`

	// `realm` is the realm of the 401's `WWW-Authenticate` challenges.
	// Default: the document's `info.title`, else "api".
	Realm string `json:"realm,omitempty"`

	// `body_status` is the status for requests whose only problems are
	// the body's schema violations: 400 or 422. Default: 400.
	BodyStatus int `json:"body_status,omitempty"`

	// `max_files` is the most files the document may reach through `$ref`s;
	// more fails the load. The total size (64 MiB) and value (4 million)
	// budgets apply whatever it is. Default: 10000.
	MaxFiles int `json:"max_files,omitempty"`

	// `unsupported` is `refuse` or `skip`: what a construct the validator
	// cannot check does (a schema for an `application/xml` body, a
	// parameter whose `content` is not JSON). `refuse` fails the load,
	// naming the file, line and JSON Pointer; `skip` leaves only that
	// body media type or parameter unvalidated, logs one WARN line for
	// each at load and sets `caddy_request_validation_unvalidated` for
	// it. Default: refuse.
	Unsupported string `json:"unsupported,omitempty"`

	// `responses` checks the upstream's answers against the responses
	// the matched operation declares: status, Content-Type, required
	// headers and JSON body (see ResponseChecks: `mode`, `sample`,
	// `max_body`, `operations`). Default: not checked.
	Responses *ResponseChecks `json:"responses,omitempty"`

	spec   *validation.Spec
	jsonOp *validation.Operation
	report map[*validation.Operation]bool
	// ops holds what a request needs of its operation, made once: its
	// mode, its placeholder provider (a valid request costs no closure
	// and no map write) and its "valid" counter.
	ops     map[*validation.Operation]*opState
	logger  *zap.Logger
	metrics *metrics
	// fallback is a default error_pages that renders rejections when
	// no error_pages around this handler (and no handle_errors) will.
	fallback caddyhttp.MiddlewareHandler
	// docKey is the compiled document's key in documents.
	docKey string
	// The string options the request path reads, decided once.
	passPath, passMethod, reportRoutes bool
	// Response checks (responses.go): the counter, the report-mode
	// sampling rate and the largest body held.
	respMetric *prometheus.CounterVec
	respSample float64
	respMax    int
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.request_validation",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision loads and compiles the document: nothing is compiled per
// request.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if err := h.setDefaults(); err != nil {
		return err
	}
	d, key, err := h.acquire()
	if err != nil {
		return err
	}
	h.docKey = key
	if err := h.use(d); err != nil {
		return err
	}
	m, err := newMetrics(ctx.GetMetricsRegistry())
	if err != nil {
		return fmt.Errorf("request_validation: metrics: %w", err)
	}
	h.metrics = m
	if err := h.reportSkipped(ctx.GetMetricsRegistry(), d); err != nil {
		return fmt.Errorf("request_validation: metrics: %w", err)
	}
	if err := h.provisionResponses(ctx.GetMetricsRegistry()); err != nil {
		return fmt.Errorf("request_validation: metrics: %w", err)
	}
	return h.provisionFallback(ctx)
}

func (h *Handler) setDefaults() error {
	if h.Mode == "" {
		h.Mode = "enforce"
	}
	if h.UnknownPath == "" {
		h.UnknownPath = "reject"
	}
	if h.UnknownMethod == "" {
		h.UnknownMethod = "reject"
	}
	if h.UnknownQuery == "" {
		h.UnknownQuery = "allow"
	}
	if h.ReadOnly == "" {
		h.ReadOnly = "reject"
	}
	if h.MaxBody == 0 {
		h.MaxBody = DefaultMaxBody
	}
	if h.MaxDepth == 0 {
		h.MaxDepth = validation.DefaultMaxDepth
	}
	if h.MaxProblems == 0 {
		h.MaxProblems = DefaultMaxProblems
	}
	if h.BodyStatus == 0 {
		h.BodyStatus = http.StatusBadRequest
	}
	if h.Security == "" {
		h.Security = "on"
	}
	if h.Unsupported == "" {
		h.Unsupported = "refuse"
	}
	h.passPath, h.passMethod, h.reportRoutes = h.UnknownPath == "pass", h.UnknownMethod == "pass", h.Mode == "report"
	return h.Validate()
}

// Validate checks the configuration.
func (h *Handler) Validate() error {
	switch {
	case h.OpenAPI == "" && h.JSONSchema == "":
		return fmt.Errorf("request_validation: one of openapi and json_schema is required")
	case h.OpenAPI != "" && h.JSONSchema != "":
		return fmt.Errorf("request_validation: openapi and json_schema cannot both be set")
	}
	if err := oneOf("mode", h.Mode, "enforce", "report"); err != nil {
		return err
	}
	for id, m := range h.Operations {
		if err := oneOf("operation "+id, m, "enforce", "report"); err != nil {
			return err
		}
	}
	if h.JSONSchema != "" && len(h.Operations) > 0 {
		return fmt.Errorf("request_validation: operation modes need an openapi document")
	}
	for _, c := range []struct{ name, v string }{{"unknown_path", h.UnknownPath}, {"unknown_method", h.UnknownMethod}} {
		if err := oneOf(c.name, c.v, "reject", "pass"); err != nil {
			return err
		}
	}
	if err := oneOf("unknown_query", h.UnknownQuery, "allow", "reject"); err != nil {
		return err
	}
	if err := oneOf("read_only", h.ReadOnly, "reject", "allow"); err != nil {
		return err
	}
	if h.Security != "" {
		if err := oneOf("security", h.Security, "on", "off"); err != nil {
			return err
		}
	}
	if err := oneOf("unsupported", h.Unsupported, "refuse", "skip"); err != nil {
		return err
	}
	if h.MaxFiles < 0 {
		return fmt.Errorf("request_validation: max_files must be positive")
	}
	if h.MaxBody < 0 {
		return fmt.Errorf("request_validation: max_body must be positive")
	}
	if h.MaxDepth < 0 || h.MaxDepth > 10000 {
		return fmt.Errorf("request_validation: max_depth must be between 1 and 10000")
	}
	if h.MaxProblems < 0 {
		return fmt.Errorf("request_validation: max_problems must be positive")
	}
	if h.BodyStatus != 0 && h.BodyStatus != 400 && h.BodyStatus != 422 {
		return fmt.Errorf("request_validation: body_status must be 400 or 422")
	}
	if h.BasePath != "" && !strings.HasPrefix(h.BasePath, "/") {
		return fmt.Errorf("request_validation: base_path %q must start with /", h.BasePath)
	}
	return h.validateResponses()
}

func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("request_validation: %s must be %s, not %q", name, strings.Join(allowed, " or "), v)
}

func (h *Handler) options() validation.Options {
	return validation.Options{
		SkipFormats:        h.CheckFormats != nil && !*h.CheckFormats,
		AllowReadOnly:      h.ReadOnly == "allow",
		RejectUnknownQuery: h.UnknownQuery == "reject",
		MaxDepth:           h.MaxDepth,
		BasePath:           h.BasePath,
		IgnoreSecurity:     h.Security == "off",
		Realm:              h.Realm,
		MaxFiles:           h.MaxFiles,
		Unsupported:        h.Unsupported,
		Responses:          h.responsesOn(),
	}
}

// Cleanup releases the compiled document (documents.go).
func (h *Handler) Cleanup() error {
	if h.docKey != "" {
		_, err := documents.Delete(h.docKey)
		return err
	}
	return nil
}

// use takes the compiled document and resolves each operation's mode.
func (h *Handler) use(d *document) error {
	if d.op != nil {
		op := d.op
		h.jsonOp = op
		h.report = map[*validation.Operation]bool{op: h.Mode == "report"}
		h.makePlaceholders()
		return nil
	}
	spec := d.spec
	byID := map[string]*validation.Operation{}
	h.report = map[*validation.Operation]bool{}
	for _, op := range spec.Operations() {
		byID[op.ID] = op
		mode := h.Mode
		if op.Mode != "" {
			mode = op.Mode
		}
		h.report[op] = mode == "report"
	}
	ids := make([]string, 0, len(h.Operations))
	for id := range h.Operations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		op, ok := byID[id]
		if !ok {
			return fmt.Errorf("request_validation: operation %q: the document has no such operationId", id)
		}
		h.report[op] = h.Operations[id] == "report"
	}
	h.spec = spec
	h.makePlaceholders()
	return h.useResponses(spec)
}

func (h *Handler) makePlaceholders() {
	h.ops = make(map[*validation.Operation]*opState, len(h.report))
	for op, report := range h.report {
		h.ops[op] = &opState{report: report, placeholders: opPlaceholders{op, report}.get}
	}
}

// Interface guards
var (
	_ caddy.Provisioner  = (*Handler)(nil)
	_ caddy.Validator    = (*Handler)(nil)
	_ caddy.CleanerUpper = (*Handler)(nil)
)
