package errorpages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Preset names a shape of the JSON body. Every preset carries the whole
// error model: code, type, message, details, fields with their pointer,
// code and hint, the count of unlisted problems, request and trace IDs,
// and docs.
type Preset uint8

// The presets.
const (
	// PresetErrorPages is the module's own envelope (contract §4), the default.
	PresetErrorPages Preset = iota
	// PresetSimple is a flat shape: {"error":"validation_failed","message":…,"fields":[…]}.
	PresetSimple
	// PresetJSONAPI is a JSON:API document of error objects.
	PresetJSONAPI
	// PresetGraphQL is a GraphQL response with errors and no data (a
	// request error).
	PresetGraphQL
	// PresetGoogle is Google's AIP-193 error with google.rpc details.
	PresetGoogle
)

var presetNames = [...]string{"errorpages", "simple", "jsonapi", "graphql", "google"}

func (p Preset) String() string {
	if int(p) < len(presetNames) {
		return presetNames[p]
	}
	return "preset(" + strconv.Itoa(int(p)) + ")"
}

// ParsePreset parses a preset name.
func ParsePreset(s string) (Preset, error) {
	for i, n := range presetNames {
		if strings.EqualFold(s, n) {
			return Preset(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not a preset (%s)", s, strings.Join(presetNames[:], ", "))
}

// JSONAPIMediaType is the media type of JSON:API documents.
const JSONAPIMediaType = "application/vnd.api+json"

// GraphQLResponseMediaType is the media type of GraphQL-over-HTTP
// responses.
const GraphQLResponseMediaType = "application/graphql-response+json"

// MediaType is the preset's own media type, which a client that names it
// in Accept gets as the Content-Type (JSON:API's, GraphQL-over-HTTP's);
// "" when the preset has none beyond application/json.
func (p Preset) MediaType() string {
	switch p {
	case PresetJSONAPI:
		return JSONAPIMediaType
	case PresetGraphQL:
		return GraphQLResponseMediaType
	}
	return ""
}

// WritePreset appends e in the shape of preset p to buf. host is the
// request's host, used where a shape names the service (AIP-193's
// ErrorInfo.domain). PresetErrorPages is rendered by the Renderer.
func WritePreset(buf *bytes.Buffer, p Preset, e *Error, host string) error {
	switch p {
	case PresetSimple:
		return encodeJSON(buf, simpleOf(e))
	case PresetJSONAPI:
		return encodeJSON(buf, jsonAPIOf(e))
	case PresetGraphQL:
		return encodeJSON(buf, graphQLOf(e))
	case PresetGoogle:
		return encodeJSON(buf, googleOf(e, host))
	}
	return fmt.Errorf("preset %s is rendered by the Renderer", p)
}

// encodeJSON writes v as compact JSON without HTML escaping: the body is
// served as JSON with nosniff, never as markup.
func encodeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's trailing newline
	return nil
}

// simple

type simpleBody struct {
	Error     string  `json:"error"`
	Status    int     `json:"status"`
	Message   string  `json:"message"`
	Title     string  `json:"title"`
	Fields    []Field `json:"fields,omitempty"`
	More      int     `json:"more,omitempty"`
	Docs      string  `json:"docs,omitempty"`
	RequestID string  `json:"request_id,omitempty"`
	TraceID   string  `json:"trace_id,omitempty"`
	// RetryAfter is the seconds to wait before retrying (429, 503).
	RetryAfter int `json:"retry_after,omitempty"`
}

func simpleOf(e *Error) simpleBody {
	return simpleBody{
		Error: e.Type, Status: e.Code, Message: e.Details, Title: e.Message,
		Fields: e.Fields, More: e.More, Docs: e.Docs, RequestID: e.RequestID, TraceID: e.TraceID,
		RetryAfter: e.RetryAfter,
	}
}

// JSON:API (https://jsonapi.org/format/#error-objects)

type jsonAPIDoc struct {
	Errors []jsonAPIError `json:"errors"`
	Meta   *jsonAPIMeta   `json:"meta,omitempty"`
}

type jsonAPIMeta struct {
	RequestID  string `json:"request_id,omitempty"`
	TraceID    string `json:"trace_id,omitempty"`
	More       int    `json:"more,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"`
}

type jsonAPIError struct {
	Status string          `json:"status"`
	Code   string          `json:"code"`
	Title  string          `json:"title"`
	Detail string          `json:"detail"`
	Source *jsonAPISource  `json:"source,omitempty"`
	Links  *jsonAPILinks   `json:"links,omitempty"`
	Meta   *jsonAPIErrMeta `json:"meta,omitempty"`
}

type jsonAPISource struct {
	// Pointer is nil when the source is no pointer; "" points at the
	// whole request document.
	Pointer   *string `json:"pointer,omitempty"`
	Parameter string  `json:"parameter,omitempty"`
	Header    string  `json:"header,omitempty"`
}

type jsonAPILinks struct {
	About string `json:"about"`
}

type jsonAPIErrMeta struct {
	Field   string `json:"field,omitempty"`
	Pointer string `json:"pointer,omitempty"`
	Hint    string `json:"hint,omitempty"`
}

// jsonAPIOf gives one error object per field problem, or one for the
// error itself when there are none.
func jsonAPIOf(e *Error) jsonAPIDoc {
	status := strconv.Itoa(e.Code)
	var links *jsonAPILinks
	if e.Docs != "" {
		links = &jsonAPILinks{About: e.Docs}
	}
	doc := jsonAPIDoc{}
	if e.RequestID != "" || e.TraceID != "" || e.More > 0 || e.RetryAfter > 0 {
		doc.Meta = &jsonAPIMeta{RequestID: e.RequestID, TraceID: e.TraceID, More: e.More, RetryAfter: e.RetryAfter}
	}
	if len(e.Fields) == 0 {
		doc.Errors = []jsonAPIError{{Status: status, Code: e.Type, Title: e.Message, Detail: e.Details, Links: links}}
		return doc
	}
	doc.Errors = make([]jsonAPIError, len(e.Fields))
	for i, f := range e.Fields {
		code := f.Code
		if code == "" {
			code = e.Type
		}
		o := jsonAPIError{Status: status, Code: code, Title: e.Message, Detail: f.Message, Links: links}
		meta := &jsonAPIErrMeta{Field: f.Field, Hint: f.Hint}
		if src, ok := jsonAPISourceOf(f); ok {
			o.Source = src
			if src.Pointer != nil && missingMember(f) {
				// The member is not in the document: the source is
				// the object that lacks it, and meta keeps where the
				// member belongs.
				meta.Pointer = f.Pointer
			}
		} else {
			meta.Pointer = f.Pointer
		}
		if *meta != (jsonAPIErrMeta{}) {
			o.Meta = meta
		}
		doc.Errors[i] = o
	}
	return doc
}

// jsonAPISourceOf maps a field's location-qualified pointer to a JSON:API
// source: /body/… points into the request document, /query/x names a
// parameter, /header/X a header. Path and cookie problems have no JSON:API
// source.
//
// JSON:API 1.1 (https://jsonapi.org/format/1.1/#error-objects): source.pointer
// "MUST point to a value in the request document that exists". A member
// that is missing does not exist, so its problem points at the object that
// lacks it: "is required" at /body/items/0/qty has the pointer /items/0,
// at /body/email the pointer "" (the whole document).
func jsonAPISourceOf(f Field) (*jsonAPISource, bool) {
	part, rest := splitPointer(f.Pointer)
	switch part {
	case "body":
		if rest == "" {
			return nil, false // the document as a whole
		}
		if missingMember(f) {
			rest = rest[:strings.LastIndexByte(rest, '/')]
		}
		return &jsonAPISource{Pointer: &rest}, true
	case "query":
		if name := firstSegment(rest); name != "" {
			return &jsonAPISource{Parameter: name}, true
		}
	case "header":
		if name := firstSegment(rest); name != "" {
			return &jsonAPISource{Header: name}, true
		}
	}
	return nil, false
}

// missingMember reports whether f is about a member the request lacks:
// the validator's and Ajv's code "required", pydantic's "missing" and
// "value_error.missing", or, for upstreams that give no code, a message
// that says so ("is required", "Field required", "must have required
// property 'email'", "This field is missing."). Taking a problem about a
// present value for a missing one only points at its parent, which exists
// too.
func missingMember(f Field) bool {
	switch f.Code {
	case "required", "missing", "value_error.missing":
		return true
	case "":
		m := strings.ToLower(f.Message)
		return strings.Contains(m, "required") || strings.Contains(m, "missing")
	}
	return false
}

// splitPointer splits "/body/items/0" into "body" and "/items/0".
func splitPointer(ptr string) (part, rest string) {
	if !strings.HasPrefix(ptr, "/") {
		return "", ""
	}
	ptr = ptr[1:]
	if i := strings.IndexByte(ptr, '/'); i >= 0 {
		return ptr[:i], ptr[i:]
	}
	return ptr, ""
}

// firstSegment returns the first reference token of a pointer, unescaped.
func firstSegment(rest string) string {
	rest = strings.TrimPrefix(rest, "/")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return pointerUnescaper.Replace(rest)
}

// GraphQL (https://spec.graphql.org/October2021/#sec-Errors)

// graphQLDoc is a response to a request that failed before execution
// began, so it has no "data" entry (GraphQL §7.1.2: "If an error was
// raised before execution begins, the data entry should not be present").
// GraphQL-over-HTTP ties a response without data to a 4xx or 5xx status,
// and "data": null to a 2xx.
type graphQLDoc struct {
	Errors []graphQLError `json:"errors"`
}

type graphQLError struct {
	Message    string            `json:"message"`
	Extensions graphQLExtensions `json:"extensions"`
}

type graphQLExtensions struct {
	Code      string      `json:"code"`
	Type      string      `json:"type"`
	Title     string      `json:"title"`
	HTTP      graphQLHTTP `json:"http"`
	Fields    []Field     `json:"fields,omitempty"`
	More      int         `json:"more,omitempty"`
	RequestID string      `json:"request_id,omitempty"`
	TraceID   string      `json:"trace_id,omitempty"`
	Docs      string      `json:"docs,omitempty"`
	// RetryAfter is the seconds to wait before retrying (429, 503).
	RetryAfter int `json:"retry_after,omitempty"`
}

type graphQLHTTP struct {
	Status int `json:"status"`
}

// graphQLOf gives one error whose message is the details; the field
// problems travel in its extensions, so clients that show
// errors[0].message show something useful.
func graphQLOf(e *Error) graphQLDoc {
	return graphQLDoc{Errors: []graphQLError{{
		Message: e.Details,
		Extensions: graphQLExtensions{
			Code: upperCode(e.Type), Type: e.Type, Title: e.Message, HTTP: graphQLHTTP{Status: e.Code},
			Fields: e.Fields, More: e.More, RequestID: e.RequestID, TraceID: e.TraceID, Docs: e.Docs,
			RetryAfter: e.RetryAfter,
		},
	}}}
}

// Google AIP-193 (https://google.aip.dev/193)

type googleDoc struct {
	Error googleError `json:"error"`
}

type googleError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Details []any  `json:"details"`
}

type googleErrorInfo struct {
	Type     string            `json:"@type"`
	Reason   string            `json:"reason"`
	Domain   string            `json:"domain"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

type googleBadRequest struct {
	Type            string                 `json:"@type"`
	FieldViolations []googleFieldViolation `json:"fieldViolations"`
}

type googleFieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
	Reason      string `json:"reason,omitempty"`
}

type googleRequestInfo struct {
	Type        string `json:"@type"`
	RequestID   string `json:"requestId"`
	ServingData string `json:"servingData,omitempty"`
}

type googleRetryInfo struct {
	Type       string `json:"@type"`
	RetryDelay string `json:"retryDelay"`
}

type googleHelp struct {
	Type  string           `json:"@type"`
	Links []googleHelpLink `json:"links"`
}

type googleHelpLink struct {
	Description string `json:"description"`
	URL         string `json:"url"`
}

const googleTypePrefix = "type.googleapis.com/google.rpc."

func googleOf(e *Error, host string) googleDoc {
	g := googleError{Code: e.Code, Message: e.Details, Status: GRPCStatus(e.Code)}
	info := googleErrorInfo{Type: googleTypePrefix + "ErrorInfo", Reason: upperCode(e.Type), Domain: domainOf(host), Metadata: googleMetadata(e)}
	g.Details = append(g.Details, info)
	if len(e.Fields) > 0 {
		br := googleBadRequest{Type: googleTypePrefix + "BadRequest", FieldViolations: make([]googleFieldViolation, len(e.Fields))}
		for i, f := range e.Fields {
			desc := f.Message
			if f.Hint != "" {
				desc += " (" + f.Hint + ")"
			}
			field := f.Field
			if field == "" {
				field = f.Pointer
			}
			br.FieldViolations[i] = googleFieldViolation{Field: field, Description: desc, Reason: upperCode(f.Code)}
		}
		g.Details = append(g.Details, br)
	}
	if e.RequestID != "" {
		g.Details = append(g.Details, googleRequestInfo{Type: googleTypePrefix + "RequestInfo", RequestID: e.RequestID, ServingData: e.TraceID})
	}
	if e.RetryAfter > 0 {
		// google.rpc.RetryInfo; its retryDelay is a Duration in JSON form.
		g.Details = append(g.Details, googleRetryInfo{Type: googleTypePrefix + "RetryInfo", RetryDelay: strconv.Itoa(e.RetryAfter) + "s"})
	}
	if e.Docs != "" {
		g.Details = append(g.Details, googleHelp{Type: googleTypePrefix + "Help", Links: []googleHelpLink{{Description: "Documentation", URL: e.Docs}}})
	}
	return googleDoc{Error: g}
}

// googleMetadata is ErrorInfo.metadata. AIP-193: "Dynamic variables
// present in the error message must be present in the metadata". The
// variables a message can hold are the count of problems (the
// validator's "The request has 6 problems.") and the names of the fields
// it is about (an upstream's "email is not a valid address"): the count is
// problemCount, the fields it names field, field2, … in the order of the
// field list; moreFieldViolations counts those not listed in BadRequest.
// nil when there is none, so the member is omitted.
func googleMetadata(e *Error) map[string]string {
	var md map[string]string
	set := func(k, v string) {
		if md == nil {
			md = make(map[string]string, 2)
		}
		md[k] = v
	}
	if n := len(e.Fields) + e.More; n > 0 {
		set("problemCount", strconv.Itoa(n))
	}
	if e.More > 0 {
		set("moreFieldViolations", strconv.Itoa(e.More))
	}
	named := 0
	for i, f := range e.Fields {
		if f.Field == "" || !mentions(e.Details, f.Field) || slicesContainField(e.Fields[:i], f.Field) {
			continue
		}
		named++
		key := "field"
		if named > 1 {
			key += strconv.Itoa(named)
		}
		set(key, f.Field)
	}
	return md
}

// mentions reports whether msg holds name as a word of its own: not
// inside a longer name ("age" is not in "page" or "age_group").
func mentions(msg, name string) bool {
	for i := 0; ; {
		j := strings.Index(msg[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !isNameByte(msg[start-1])) && (end == len(msg) || !isNameByte(msg[end])) {
			return true
		}
		i = start + 1
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func slicesContainField(fs []Field, name string) bool {
	for _, f := range fs {
		if f.Field == name {
			return true
		}
	}
	return false
}

// GRPCStatus maps an HTTP status to the name of the google.rpc.Code that
// Google's HTTP↔RPC mapping gives it (google/rpc/code.proto). Statuses
// that mapping does not name: 422 is INVALID_ARGUMENT, since code.proto
// gives that code to "arguments that are problematic regardless of the
// state of the system" and 422 is content that cannot be processed as
// sent; 502 is UNAVAILABLE, as gRPC's HTTP-to-gRPC status mapping gives
// it (doc/http-grpc-status-mapping.md), the code for a transient failure
// that a retry may cure.
func GRPCStatus(code int) string {
	switch code {
	case 400, 422:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 409:
		return "ABORTED"
	case 416:
		return "OUT_OF_RANGE"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 499:
		return "CANCELLED"
	case 501:
		return "UNIMPLEMENTED"
	case 502, 503:
		return "UNAVAILABLE"
	case 504:
		return "DEADLINE_EXCEEDED"
	}
	switch {
	case code >= 200 && code < 300:
		return "OK"
	case code >= 400 && code < 500:
		return "FAILED_PRECONDITION"
	case code >= 500 && code < 600:
		return "INTERNAL"
	}
	return "UNKNOWN"
}

// upperCode turns a slug ("validation_failed", "card-declined") into an
// UPPER_SNAKE_CASE reason as AIP-193 wants: [A-Z][A-Z0-9_]+[A-Z0-9], at
// most 63 characters. "" stays "".
func upperCode(s string) string {
	if s == "" {
		return ""
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 63; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b = append(b, c)
		default:
			if len(b) > 0 && b[len(b)-1] != '_' {
				b = append(b, '_')
			}
		}
	}
	for len(b) > 0 && (b[0] < 'A' || b[0] > 'Z') {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == '_' {
		b = b[:len(b)-1]
	}
	if len(b) < 2 {
		return "ERROR"
	}
	return string(b)
}

// domainOf is the host without its port, AIP-193's ErrorInfo.domain.
func domainOf(host string) string {
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasPrefix(host, "[") {
		host = h
	} else if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[1:i]
		}
	}
	if host == "" {
		return "localhost"
	}
	return strings.ToLower(host)
}
