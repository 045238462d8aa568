package caddyerrorpages

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

var updateGoldens = flag.Bool("update", false, "rewrite the golden files in testdata/presets")

func init() {
	// Caddy's tracing handler exports spans over OTLP by default; there is
	// no collector here, and trace IDs are made locally anyway.
	if os.Getenv("OTEL_TRACES_EXPORTER") == "" {
		os.Setenv("OTEL_TRACES_EXPORTER", "none")
	}
	caddy.RegisterModule(testProblems{})
	httpcaddyfile.RegisterHandlerDirective("test_problems", func(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
		h.Next()
		return testProblems{}, nil
	})
}

// testProblems fails every request the way the request_validation
// handler does: a 400 carrying errorpages.Problems with location-qualified
// pointers, codes and hints.
type testProblems struct{}

func (testProblems) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.handlers.test_problems", New: func() caddy.Module { return new(testProblems) }}
}

func (testProblems) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	return caddyhttp.Error(http.StatusBadRequest, &errorpages.Problems{
		Type: "validation_failed", Message: validationProblems.Message,
		Fields: validationProblems.Fields, More: validationProblems.More,
		Docs: "https://api.example.com/docs#createOrder",
	})
}

var validationProblems = &errorpages.Problems{
	Message: "The request has 6 problems.",
	Fields: []errorpages.Field{
		{Field: "items[0].qty", Message: "must be at least 1", Pointer: "/body/items/0/qty", Code: "minimum"},
		{Field: "role", Message: "must be one of the allowed values", Pointer: "/body/role", Code: "enum", Hint: "allowed: admin, member"},
		{Field: "limit", Message: "must be an integer", Pointer: "/query/limit", Code: "type"},
		{Field: "X-Tenant", Message: "is required", Pointer: "/header/X-Tenant", Code: "required"},
		{Field: "id", Message: "must be a UUID", Pointer: "/path/id", Code: "format"},
	},
	More: 1,
}

const (
	fieldsBody  = `{"message":"email is not a valid address","code":"validation_failed","errors":[{"field":"email","message":"Invalid email format"},{"field":"age","message":"must be at least 18"}]}`
	problemBody = `{"type":"https://api.example.com/probs/out-of-stock","title":"Out of stock","status":409,"detail":"Item 12 is out of stock.","instance":"/orders/7"}`
)

// newContractUpstream is the API behind reverse_proxy in these tests.
func newContractUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	reply := func(code int, ctype, body string, hdr ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.WriteHeader(code)
			io.WriteString(w, body)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/fields", reply(400, "application/json", fieldsBody))
	mux.Handle("/bad-gateway", reply(502, "application/json", `{"message":"connect to db at 10.0.0.5:5432 failed"}`))
	mux.Handle("/problem", reply(409, "application/problem+json", problemBody, "X-Powered-By", "Flask", "Server", "gunicorn"))
	mux.Handle("/json", reply(422, "application/json", `{"message":"name is taken"}`))
	mux.Handle("/html", reply(500, "text/html; charset=utf-8", `<h1>Internal Server Error</h1>`))
	mux.Handle("/conflict", reply(409, "application/json", `{"message":"name \"x\" is taken"}`))
	mux.HandleFunc("/gzproblem", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(409)
		zw := gzip.NewWriter(w)
		io.WriteString(zw, problemBody)
		zw.Close()
	})
	// A 500 whose body is a stack trace, and recorded validation errors
	// of real frameworks that give no error code of their own (Express,
	// FastAPI) and one that reports a missing member (Fastify).
	mux.Handle("/trace", reply(500, "application/json", traceBody))
	fixtures := loadFrameworkFixtures(t)
	for route, name := range map[string]string{"/express": "express-validator-400-body", "/fastapi": "fastapi-422-body", "/fastify-required": "fastify-400-required"} {
		f, ctype := fixtures[name], ""
		for k, v := range f.Headers {
			if strings.EqualFold(k, "Content-Type") {
				ctype = v
			}
		}
		mux.Handle(route, reply(f.Status, ctype, f.Body))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

const traceBody = `{"message":"Traceback (most recent call last):\n  File \"/srv/app/orders.py\", line 42, in create\n    db.insert(order)\nKeyError: 'sku'"}`

// fixtureRequest is the request a framework fixture recorded, sent again
// so that a preset's pointers can be checked against the document the
// client sent.
func fixtureRequest(name string) string {
	b, err := os.ReadFile(filepath.Join("errorpages", "testdata", "frameworks", name+".json"))
	if err != nil {
		panic(err)
	}
	var f frameworkFixture
	if err := json.Unmarshal(b, &f); err != nil {
		panic(err)
	}
	return f.Request.Body
}

// wantError is what a body must carry, member by member.
type wantError struct {
	code                  int
	typ, message, details string
	fields                []errorpages.Field
	more                  int
	requestID, docs, grpc string
	// document is the request body the client sent ("" for none): the
	// one JSON:API's source.pointer points into.
	document string
}

var presetNames = []string{"errorpages", "simple", "jsonapi", "graphql", "google"}

// presetCases: a local 404 (file_server), upstream validation errors (with
// the upstream's own code, Express's and FastAPI's without one, Fastify's
// missing member), an upstream 500 with a trace and 502s (their text
// withheld), a local 502 (no upstream answers), a validation error with
// locations, and the real request_validation's 400 for a request with
// problems in the body (a missing member among them), the query and a
// header. A case with a document POSTs it as JSON.
var presetCases = []struct {
	name, path string
	want       wantError
}{
	{"local-404", "/static/missing.txt", wantError{code: 404, typ: "not_found", message: "Not Found", details: errorpages.Description(404), grpc: "NOT_FOUND"}},
	{"upstream-400-fields", "/up/fields", wantError{code: 400, typ: "validation_failed", message: "Bad Request", details: "email is not a valid address",
		fields: []errorpages.Field{{Field: "email", Message: "Invalid email format"}, {Field: "age", Message: "must be at least 18"}}, grpc: "INVALID_ARGUMENT"}},
	{"upstream-400-express", "/up/express", wantError{code: 400, typ: "validation_failed", message: "Bad Request", details: errorpages.Description(400),
		fields: []errorpages.Field{
			{Field: "email", Message: "Invalid value", Pointer: "/body/email"},
			{Field: "age", Message: "must be at least 18", Pointer: "/body/age"},
			{Field: "address.city", Message: "Invalid value", Pointer: "/body/address/city"},
		}, grpc: "INVALID_ARGUMENT", document: fixtureRequest("express-validator-400-body")}},
	{"upstream-422-fastapi", "/up/fastapi", wantError{code: 422, typ: "validation_failed", message: "Unprocessable Entity", details: errorpages.Description(422),
		fields: []errorpages.Field{
			{Field: "email", Message: "value is not a valid email address", Pointer: "/body/email", Code: "value_error.email"},
			{Field: "name", Message: "ensure this value has at least 1 characters", Pointer: "/body/name", Code: "value_error.any_str.min_length"},
			{Field: "age", Message: "ensure this value is greater than or equal to 18", Pointer: "/body/age", Code: "value_error.number.not_ge"},
			{Field: "items[1].sku", Message: "ensure this value has at least 3 characters", Pointer: "/body/items/1/sku", Code: "value_error.any_str.min_length"},
			{Field: "items[1].qty", Message: "ensure this value is greater than or equal to 1", Pointer: "/body/items/1/qty", Code: "value_error.number.not_ge"},
		}, grpc: "INVALID_ARGUMENT", document: fixtureRequest("fastapi-422-body")}},
	{"upstream-400-fastify-required", "/up/fastify-required", wantError{code: 400, typ: "fst_err_validation", message: "Bad Request", details: "body must have required property 'email'",
		fields: []errorpages.Field{
			{Field: "email", Message: "must have required property 'email'", Pointer: "/body/email"},
		}, grpc: "INVALID_ARGUMENT", document: fixtureRequest("fastify-400-required")}},
	{"upstream-500-trace", "/up/trace", wantError{code: 500, typ: "internal_server_error", message: "Internal Server Error", details: errorpages.Description(500), grpc: "INTERNAL"}},
	{"upstream-502", "/up/bad-gateway", wantError{code: 502, typ: "bad_gateway", message: "Bad Gateway", details: errorpages.Description(502), grpc: "UNAVAILABLE"}},
	{"local-502", "/down/orders", wantError{code: 502, typ: "bad_gateway", message: "Bad Gateway", details: errorpages.Description(502), grpc: "UNAVAILABLE"}},
	{"validation", "/validate", wantError{code: 400, typ: "validation_failed", message: "Bad Request", details: validationProblems.Message,
		fields: validationProblems.Fields, more: validationProblems.More, grpc: "INVALID_ARGUMENT",
		docs: "https://api.example.com/docs#createOrder", document: `{"items":[{"qty":0}],"role":"owner"}`}},
	{"request-validation", "/rv/orders?limit=abc", wantError{code: 400, typ: "validation_failed", message: "Bad Request", details: "The request has 6 problems.",
		fields: []errorpages.Field{
			{Field: "limit", Message: "must be an integer", Pointer: "/query/limit", Code: "type"},
			{Field: "X-Tenant", Message: "is required", Pointer: "/header/X-Tenant", Code: "required"},
			{Field: "email", Message: "is required", Pointer: "/body/email", Code: "required"},
			{Field: "items[0].qty", Message: "must be at least 1", Pointer: "/body/items/0/qty", Code: "minimum"},
			{Field: "items[1].qty", Message: "is required", Pointer: "/body/items/1/qty", Code: "required"},
			{Field: "role", Message: "must be one of the allowed values", Pointer: "/body/role", Code: "enum", Hint: "allowed: admin, member"},
		}, grpc: "INVALID_ARGUMENT", document: `{"role":"owner","items":[{"qty":0},{}]}`}},
}

func presetSites(up *httptest.Server, root, down string) string {
	var b strings.Builder
	b.WriteString(globalOptions)
	for _, p := range presetNames {
		fmt.Fprintf(&b, `
http://%[1]s.localhost:9080 {
	error_pages {
		preset %[1]s
		docs https://docs.example.com/errors/{code}
		brand {
			status_page https://status.example.com/
		}
	}
	handle_path /static/* {
		root * %[2]s
		file_server
	}
	handle_path /up/* {
		reverse_proxy %[3]s
	}
	route /validate {
		test_problems
	}
	handle_path /rv/* {
		request_validation {
			openapi testdata/presets/shop.openapi.yaml
		}
		reverse_proxy %[3]s
	}
	handle_path /down/* {
		reverse_proxy %[4]s
	}
}
`, p, root, strings.TrimPrefix(up.URL, "http://"), down)
	}
	return b.String()
}

// Every preset × every kind of error through a real Caddy: the body is
// byte for byte the golden file, and member by member what the spec the
// preset follows asks for.
func TestPresetGoldens(t *testing.T) {
	up := newContractUpstream(t)
	tester := startCaddy(t, presetSites(up, t.TempDir(), closedAddr(t)))
	for _, p := range presetNames {
		for _, c := range presetCases {
			t.Run(p+"/"+c.name, func(t *testing.T) {
				rid := "golden-" + c.name
				r := sendDocument(t, tester, "http://"+p+".localhost:9080"+c.path, c.want.document, "Accept", "application/json", "X-Request-ID", rid)
				if r.StatusCode != c.want.code || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Request-ID") != rid {
					t.Fatalf("%d %q %q: %s", r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("X-Request-ID"), r.body)
				}
				golden := filepath.Join("testdata", "presets", p, c.name+".json")
				if *updateGoldens {
					os.MkdirAll(filepath.Dir(golden), 0o755)
					os.WriteFile(golden, append(r.body, '\n'), 0o644)
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(r.body, bytes.TrimSuffix(want, []byte("\n"))) {
					t.Errorf("body differs from %s\n got %s\nwant %s", golden, r.body, want)
				}
				w := c.want
				w.requestID = rid
				if w.docs == "" {
					// the site's docs for the status; a validator's
					// operation docs (set in the case) win over them
					w.docs = fmt.Sprintf("https://docs.example.com/errors/%d", w.code)
				}
				m := decodeJSON(t, r.body)
				presetCheckers[p](t, m, w)
			})
		}
	}

	t.Run("jsonapi is served as application/vnd.api+json to clients that ask for it", func(t *testing.T) {
		jsonAPIBody := ""
		for _, row := range []struct{ accept, ctype string }{
			{"application/vnd.api+json", "application/vnd.api+json"},
			{"application/vnd.api+json, application/json;q=0.5", "application/vnd.api+json"},
			{"application/json", "application/json"},
			{"*/*", "application/json"},
			{"", "application/json"},
			{"application/vnd.api+json;q=0, application/json", "application/json"},
		} {
			r := get(t, tester, "GET", "http://jsonapi.localhost:9080/up/fields", "Accept", row.accept, "X-Request-ID", "ct")
			if r.Header.Get("Content-Type") != row.ctype {
				t.Errorf("Accept %q: Content-Type %q, want %q", row.accept, r.Header.Get("Content-Type"), row.ctype)
			}
			if jsonAPIBody == "" {
				jsonAPIBody = string(r.body)
			} else if string(r.body) != jsonAPIBody {
				t.Errorf("Accept %q: another body %s", row.accept, r.body)
			}
		}
		r := get(t, tester, "GET", "http://simple.localhost:9080/up/fields", "Accept", "application/vnd.api+json")
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("another preset answers a JSON:API client with %q", r.Header.Get("Content-Type"))
		}
	})

	t.Run("graphql is served as application/graphql-response+json to clients that ask for it", func(t *testing.T) {
		for _, row := range []struct{ accept, ctype string }{
			{"application/graphql-response+json", "application/graphql-response+json"},
			{"application/graphql-response+json, application/json;q=0.9", "application/graphql-response+json"},
			{"application/json", "application/json"},
			{"", "application/json"},
		} {
			r := get(t, tester, "GET", "http://graphql.localhost:9080/up/fields", "Accept", row.accept)
			if r.StatusCode != 400 || r.Header.Get("Content-Type") != row.ctype {
				t.Errorf("Accept %q: %d, Content-Type %q, want %q", row.accept, r.StatusCode, r.Header.Get("Content-Type"), row.ctype)
			}
			if m := decodeJSON(t, r.body); m["data"] != nil || strings.Contains(string(r.body), `"data"`) {
				t.Errorf("Accept %q: a request error with a data entry: %s", row.accept, r.body)
			}
		}
		r := get(t, tester, "GET", "http://jsonapi.localhost:9080/up/fields", "Accept", "application/graphql-response+json")
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("another preset answers a GraphQL client with %q", r.Header.Get("Content-Type"))
		}
	})

	t.Run("status_page is an action on 5xx pages only", func(t *testing.T) {
		const link = `<a href="https://status.example.com/">System status</a>`
		if r := get(t, tester, "GET", "http://errorpages.localhost:9080/up/bad-gateway", "Accept", browserAccept); r.StatusCode != 502 || !strings.Contains(string(r.body), link) {
			t.Errorf("502 page lacks the status link:\n%s", r.body)
		}
		if r := get(t, tester, "GET", "http://errorpages.localhost:9080/static/missing.txt", "Accept", browserAccept); r.StatusCode != 404 || strings.Contains(string(r.body), "System status") {
			t.Errorf("404 page has a status link:\n%s", r.body)
		}
	})
}

// closedAddr is a local address where nothing listens: a reverse_proxy to
// it fails to dial at once, Caddy's local 502.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// sendDocument GETs url, or POSTs document as JSON when there is one.
func sendDocument(t *testing.T, tester *caddytest.Tester, url, document string, hdr ...string) resp {
	t.Helper()
	if document == "" {
		return get(t, tester, "GET", url, hdr...)
	}
	req, err := http.NewRequest("POST", url, strings.NewReader(document))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := tester.Client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res, body}
}

// resolvePointer reports whether the JSON Pointer ptr (RFC 6901) names a
// value that exists in the JSON document doc.
func resolvePointer(doc, ptr string) bool {
	var v any
	if json.Unmarshal([]byte(doc), &v) != nil {
		return false
	}
	if ptr == "" {
		return true
	}
	if !strings.HasPrefix(ptr, "/") {
		return false
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) || tok != strconv.Itoa(i) {
				return false
			}
			v = x[i]
		default:
			return false
		}
	}
	return true
}

// dynamicValues are the values in a message that the request can change:
// its numbers and the names of the fields it mentions.
func dynamicValues(w wantError) []string {
	out := regexp.MustCompile(`[0-9]+`).FindAllString(w.details, -1)
	for _, f := range w.fields {
		if f.Field != "" && regexp.MustCompile(`(^|[^A-Za-z0-9_])`+regexp.QuoteMeta(f.Field)+`($|[^A-Za-z0-9_])`).MatchString(w.details) {
			out = append(out, f.Field)
		}
	}
	return out
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	return m
}

func jstr(v any) string { s, _ := v.(string); return s }

func jnum(v any) int {
	n, _ := v.(json.Number)
	i, _ := n.Int64()
	return int(i)
}

func jobj(v any) map[string]any { m, _ := v.(map[string]any); return m }

func jarr(v any) []any { a, _ := v.([]any); return a }

// onlyKeys fails unless every key of m is allowed.
func onlyKeys(t *testing.T, where string, m map[string]any, allowed ...string) {
	t.Helper()
	for k := range m {
		if !contains2(allowed, k) {
			t.Errorf("%s: member %q is not allowed here", where, k)
		}
	}
}

var upperRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]+[A-Z0-9]$`)

// checkFields compares a list of field objects with the wanted fields,
// member by member (names are those of the error model).
func checkFields(t *testing.T, got []any, want []errorpages.Field) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d fields, want %d: %v", len(got), len(want), got)
	}
	for i, g := range got {
		f, w := jobj(g), want[i]
		if jstr(f["field"]) != w.Field || jstr(f["message"]) != w.Message || jstr(f["pointer"]) != w.Pointer || jstr(f["code"]) != w.Code || jstr(f["hint"]) != w.Hint {
			t.Errorf("field %d = %v, want %+v", i, f, w)
		}
	}
}

var presetCheckers = map[string]func(*testing.T, map[string]any, wantError){
	// The module's envelope (contract §4).
	"errorpages": func(t *testing.T, m map[string]any, w wantError) {
		onlyKeys(t, "top level", m, "error")
		e := jobj(m["error"])
		onlyKeys(t, "error", e, "code", "type", "message", "details", "fields", "more", "request_id", "trace_id", "docs")
		if jnum(e["code"]) != w.code || jstr(e["type"]) != w.typ || jstr(e["message"]) != w.message || jstr(e["details"]) != w.details ||
			jstr(e["request_id"]) != w.requestID || jstr(e["docs"]) != w.docs || jnum(e["more"]) != w.more {
			t.Errorf("envelope = %v, want %+v", e, w)
		}
		checkFields(t, jarr(e["fields"]), w.fields)
	},
	// The flat validation shape: {"error":"validation_failed","fields":[…],
	// "docs":…} for a validation error, whatever its status (400, 422),
	// when the upstream gave no code of its own (w.typ says so).
	"simple": func(t *testing.T, m map[string]any, w wantError) {
		onlyKeys(t, "top level", m, "error", "status", "message", "title", "fields", "more", "docs", "request_id", "trace_id")
		if jstr(m["error"]) != w.typ || jnum(m["status"]) != w.code || jstr(m["message"]) != w.details || jstr(m["title"]) != w.message ||
			jstr(m["request_id"]) != w.requestID || jstr(m["docs"]) != w.docs || jnum(m["more"]) != w.more {
			t.Errorf("simple = %v, want %+v", m, w)
		}
		checkFields(t, jarr(m["fields"]), w.fields)
	},
	// JSON:API error objects (https://jsonapi.org/format/#error-objects):
	// an error document has errors and maybe meta, jsonapi, links, never
	// data; each object only id, links, status (a string), code, title,
	// detail, source (pointer into the request document, parameter,
	// header) and meta.
	"jsonapi": func(t *testing.T, m map[string]any, w wantError) {
		onlyKeys(t, "document", m, "errors", "meta", "jsonapi", "links")
		if meta := jobj(m["meta"]); jstr(meta["request_id"]) != w.requestID || jnum(meta["more"]) != w.more {
			t.Errorf("meta = %v", meta)
		}
		errs := jarr(m["errors"])
		n := max(len(w.fields), 1)
		if len(errs) != n {
			t.Fatalf("%d error objects, want %d", len(errs), n)
		}
		for i, x := range errs {
			o := jobj(x)
			onlyKeys(t, "error object", o, "id", "links", "status", "code", "title", "detail", "source", "meta")
			if s, ok := o["status"].(string); !ok || s != fmt.Sprint(w.code) {
				t.Errorf("status = %#v, want the string %q", o["status"], fmt.Sprint(w.code))
			}
			if jstr(o["title"]) != w.message || jstr(jobj(o["links"])["about"]) != w.docs {
				t.Errorf("title/links = %v", o)
			}
			if len(w.fields) == 0 {
				if jstr(o["code"]) != w.typ || jstr(o["detail"]) != w.details || o["source"] != nil {
					t.Errorf("error object = %v", o)
				}
				continue
			}
			f := w.fields[i]
			code := f.Code
			if code == "" {
				code = w.typ
			}
			if jstr(o["code"]) != code || jstr(o["detail"]) != f.Message {
				t.Errorf("error object %d = %v, want %+v", i, o, f)
			}
			src, meta := jobj(o["source"]), jobj(o["meta"])
			switch {
			case strings.HasPrefix(f.Pointer, "/body/"):
				// JSON:API 1.1, source.pointer: "a JSON Pointer [RFC6901] to
				// the value in the request document that caused the error
				// [...] This MUST point to a value in the request document
				// that exists". A missing member's problem points at the
				// object that lacks it; meta keeps where the member goes.
				ptr, ok := src["pointer"].(string)
				want := strings.TrimPrefix(f.Pointer, "/body")
				if w.document != "" && !resolvePointer(w.document, want) {
					want = want[:strings.LastIndexByte(want, '/')]
					if jstr(meta["pointer"]) != f.Pointer {
						t.Errorf("meta = %v; the missing member's place %s is lost", meta, f.Pointer)
					}
				}
				if !ok || ptr != want || len(src) != 1 {
					t.Errorf("source = %v for %s, want the pointer %q", src, f.Pointer, want)
				}
				if w.document != "" && !resolvePointer(w.document, ptr) {
					t.Errorf("source.pointer %q points at nothing in the request document %s", ptr, w.document)
				}
			case strings.HasPrefix(f.Pointer, "/query/"):
				if jstr(src["parameter"]) != strings.TrimPrefix(f.Pointer, "/query/") || len(src) != 1 {
					t.Errorf("source = %v for %s", src, f.Pointer)
				}
			case strings.HasPrefix(f.Pointer, "/header/"):
				if jstr(src["header"]) != strings.TrimPrefix(f.Pointer, "/header/") || len(src) != 1 {
					t.Errorf("source = %v for %s", src, f.Pointer)
				}
			default:
				if src != nil || jstr(meta["pointer"]) != f.Pointer {
					t.Errorf("source = %v, meta = %v for %q", src, meta, f.Pointer)
				}
			}
			if jstr(meta["field"]) != f.Field || jstr(meta["hint"]) != f.Hint {
				t.Errorf("meta = %v, want field %q hint %q", meta, f.Field, f.Hint)
			}
		}
	},
	// GraphQL's response format (https://spec.graphql.org/October2021/#sec-Response-Format):
	// errors, each with a message and extensions, and no data: an error
	// raised before execution began (GraphQL §7.1.2; GraphQL-over-HTTP
	// ties "data": null to a 2xx status).
	"graphql": func(t *testing.T, m map[string]any, w wantError) {
		onlyKeys(t, "response", m, "errors")
		if d, ok := m["data"]; ok {
			t.Errorf("data = %v is present; a request error has none", d)
		}
		errs := jarr(m["errors"])
		if len(errs) != 1 {
			t.Fatalf("errors = %v", errs)
		}
		o := jobj(errs[0])
		onlyKeys(t, "error", o, "message", "locations", "path", "extensions")
		x := jobj(o["extensions"])
		if jstr(o["message"]) != w.details || !upperRE.MatchString(jstr(x["code"])) || jstr(x["code"]) != strings.ToUpper(w.typ) || jstr(x["type"]) != w.typ ||
			jstr(x["title"]) != w.message || jnum(jobj(x["http"])["status"]) != w.code || jstr(x["request_id"]) != w.requestID || jstr(x["docs"]) != w.docs || jnum(x["more"]) != w.more {
			t.Errorf("error = %v, want %+v", o, w)
		}
		checkFields(t, jarr(x["fields"]), w.fields)
	},
	// AIP-193 (https://google.aip.dev/193): error.code, message, status
	// (the google.rpc.Code name), details with @type'd messages. The
	// status: google/rpc/code.proto's INVALID_ARGUMENT "indicates
	// arguments that are problematic regardless of the state of the
	// system" (400, 422), and gRPC's HTTP-to-gRPC status mapping gives 502
	// UNAVAILABLE (w.grpc says so). ErrorInfo.metadata: "Dynamic variables
	// present in the error message must be present in the metadata".
	"google": func(t *testing.T, m map[string]any, w wantError) {
		onlyKeys(t, "top level", m, "error")
		g := jobj(m["error"])
		onlyKeys(t, "error", g, "code", "message", "status", "details")
		if jnum(g["code"]) != w.code || jstr(g["message"]) != w.details || jstr(g["status"]) != w.grpc {
			t.Errorf("error = %v, want %d %q %s", g, w.code, w.details, w.grpc)
		}
		byType := map[string]map[string]any{}
		for _, d := range jarr(g["details"]) {
			byType[strings.TrimPrefix(jstr(jobj(d)["@type"]), "type.googleapis.com/google.rpc.")] = jobj(d)
		}
		info := byType["ErrorInfo"]
		if jstr(info["reason"]) != strings.ToUpper(w.typ) || jstr(info["domain"]) != "google.localhost" {
			t.Errorf("ErrorInfo = %v", info)
		}
		md := jobj(info["metadata"])
		for _, v := range dynamicValues(w) {
			found := false
			for _, x := range md {
				found = found || jstr(x) == v
			}
			if !found {
				t.Errorf("ErrorInfo.metadata %v lacks %q of the message %q", md, v, w.details)
			}
		}
		for k := range md {
			if !regexp.MustCompile(`^[a-z][a-zA-Z0-9-_]+$`).MatchString(k) || len(k) > 64 {
				t.Errorf("metadata key %q is not [a-z][a-zA-Z0-9-_]+ of at most 64 characters", k)
			}
		}
		if ri := byType["RequestInfo"]; jstr(ri["requestId"]) != w.requestID {
			t.Errorf("RequestInfo = %v", ri)
		}
		if links := jarr(byType["Help"]["links"]); len(links) != 1 || jstr(jobj(links[0])["url"]) != w.docs {
			t.Errorf("Help = %v", byType["Help"])
		}
		br := byType["BadRequest"]
		if len(w.fields) == 0 {
			if br != nil {
				t.Errorf("BadRequest without fields: %v", br)
			}
			return
		}
		fv := jarr(br["fieldViolations"])
		if len(fv) != len(w.fields) {
			t.Fatalf("fieldViolations = %v", fv)
		}
		for i, v := range fv {
			o, f := jobj(v), w.fields[i]
			onlyKeys(t, "fieldViolation", o, "field", "description", "reason", "localizedMessage")
			desc := f.Message
			if f.Hint != "" {
				desc += " (" + f.Hint + ")"
			}
			// FieldViolation.reason is UPPER_SNAKE_CASE like ErrorInfo.reason.
			reason := strings.Trim(regexp.MustCompile(`[^A-Z0-9]+`).ReplaceAllString(strings.ToUpper(f.Code), "_"), "_")
			if jstr(o["field"]) != f.Field || jstr(o["description"]) != desc || jstr(o["reason"]) != reason || reason != "" && !upperRE.MatchString(reason) {
				t.Errorf("fieldViolation %d = %v, want %+v", i, o, f)
			}
		}
	},
}

// sources and keep_upstream through a real Caddy with a real upstream;
// upstream_json keep as before.
func TestSourcesAndKeepUpstream(t *testing.T) {
	up := newContractUpstream(t)
	upAddr := strings.TrimPrefix(up.URL, "http://")
	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://localonly.localhost:9080 {
	error_pages {
		sources local
	}
	handle /missing {
		error 404
	}
	reverse_proxy %[1]s
}
http://upstreamonly.localhost:9080 {
	error_pages {
		sources upstream
	}
	handle /missing {
		error 404
	}
	reverse_proxy %[1]s
	handle_errors {
		respond "caddy's own handle_errors: {err.status_code}" 404
	}
}
http://keepproblem.localhost:9080 {
	error_pages {
		keep_upstream application/problem+json
	}
	reverse_proxy %[1]s
}
http://keeplegacy.localhost:9080 {
	error_pages {
		upstream_json keep
	}
	reverse_proxy %[1]s
}
`, upAddr))

	t.Run("sources local: upstream errors stream through untouched, local ones are rewritten", func(t *testing.T) {
		r := get(t, tester, "GET", "http://localonly.localhost:9080/fields", "Accept", "application/json")
		if r.StatusCode != 400 || string(r.body) != fieldsBody || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%d %q %s", r.StatusCode, r.Header.Get("Content-Type"), r.body)
		}
		if r.Header.Get("X-Content-Type-Options") != "" || r.Header.Get("X-Request-ID") != "" || strings.Contains(r.Header.Get("Vary"), "Accept") {
			t.Errorf("an untouched response got error_pages' headers: %v", r.Header)
		}
		r = get(t, tester, "GET", "http://localonly.localhost:9080/missing", "Accept", "application/json")
		if e := decodeEnvelope(t, r.body); r.StatusCode != 404 || e.Error.Type != "not_found" {
			t.Errorf("%d %s", r.StatusCode, r.body)
		}
	})
	t.Run("sources upstream: local errors go to Caddy's own handle_errors", func(t *testing.T) {
		r := get(t, tester, "GET", "http://upstreamonly.localhost:9080/missing", "Accept", "application/json")
		if r.StatusCode != 404 || string(r.body) != "caddy's own handle_errors: 404" {
			t.Errorf("%d %s", r.StatusCode, r.body)
		}
		r = get(t, tester, "GET", "http://upstreamonly.localhost:9080/fields", "Accept", "application/json")
		if e := decodeEnvelope(t, r.body); r.StatusCode != 400 || e.Error.Details != "email is not a valid address" {
			t.Errorf("%d %s", r.StatusCode, r.body)
		}
	})

	const kept, rewritten, page = "kept", "rewritten", "page"
	rows := []struct {
		name, host, path, accept, want string
	}{
		{"problem+json kept for a client that names it", "keepproblem", "/problem", "application/problem+json", kept},
		{"problem+json kept for a JSON client (+json suffix)", "keepproblem", "/problem", "application/json, text/plain, */*", kept},
		{"problem+json kept for application/*", "keepproblem", "/problem", "application/*", kept},
		{"problem+json rewritten for */* only", "keepproblem", "/problem", "*/*", rewritten},
		{"problem+json rewritten without Accept", "keepproblem", "/problem", "", rewritten},
		{"problem+json rewritten when Accept refuses it with q=0", "keepproblem", "/problem", "application/problem+json;q=0, application/json", rewritten},
		{"a browser gets the page, not the upstream's JSON", "keepproblem", "/problem", browserAccept, page},
		{"application/json is not in the list: rewritten", "keepproblem", "/json", "application/json", rewritten},
		{"an upstream HTML page is not in the list: rewritten", "keepproblem", "/html", "text/html", page},
		{"upstream_json keep: JSON kept without Accept, as before", "keeplegacy", "/json", "", kept},
		{"upstream_json keep: JSON kept for a JSON client", "keeplegacy", "/json", "application/json", kept},
		{"upstream_json keep: problem+json kept for a JSON client", "keeplegacy", "/problem", "application/json", kept},
		{"upstream_json keep: a problem+json client gets error_pages' problem", "keeplegacy", "/problem", "application/problem+json", rewritten},
		{"upstream_json keep: a browser gets the page", "keeplegacy", "/json", browserAccept, page},
	}
	upstreamBodies := map[string]string{"/problem": problemBody, "/json": `{"message":"name is taken"}`}
	upstreamTypes := map[string]string{"/problem": "application/problem+json", "/json": "application/json"}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := get(t, tester, "GET", "http://"+row.host+".localhost:9080"+row.path, "Accept", row.accept, "X-Request-ID", "keep-1")
			if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("X-Request-ID") != "keep-1" ||
				!strings.Contains(r.Header.Get("Vary"), "Accept") || r.Header.Get("X-Powered-By") != "" || r.Header.Get("Server") == "gunicorn" {
				t.Errorf("headers: %v", r.Header)
			}
			ctype := r.Header.Get("Content-Type")
			switch row.want {
			case kept:
				if string(r.body) != upstreamBodies[row.path] || ctype != upstreamTypes[row.path] {
					t.Errorf("not kept: %q %s", ctype, r.body)
				}
			case rewritten:
				if string(r.body) == upstreamBodies[row.path] || !strings.HasPrefix(ctype, "application/") || !strings.Contains(string(r.body), `"keep-1"`) {
					t.Errorf("not rewritten: %q %s", ctype, r.body)
				}
			case page:
				if !strings.HasPrefix(ctype, "text/html") || !strings.Contains(string(r.body), "<!doctype html>") {
					t.Errorf("not the page: %q %s", ctype, r.body)
				}
			}
		})
	}
	t.Run("a kept body keeps its Content-Encoding", func(t *testing.T) {
		r := get(t, tester, "GET", "http://keepproblem.localhost:9080/gzproblem", "Accept", "application/problem+json", "Accept-Encoding", "gzip")
		zr, err := gzip.NewReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("%v: %v %q", err, r.Header, r.body)
		}
		plain, _ := io.ReadAll(zr)
		if r.Header.Get("Content-Encoding") != "gzip" || string(plain) != problemBody {
			t.Errorf("%v %s", r.Header, plain)
		}
	})
}

// Trace correlation with Caddy's tracing handler on (the W3C trace ID in
// every format, for local and upstream errors) and off (no trace ID
// anywhere); request_id from placeholders; problem+json extensions.
func TestTraceCorrelation(t *testing.T) {
	up := newContractUpstream(t)
	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://traced.localhost:9080 {
	tracing
	error_pages
	handle /missing {
		error 404
	}
	reverse_proxy %[1]s
}
http://untraced.localhost:9080 {
	error_pages
	handle /missing {
		error 404
	}
	reverse_proxy %[1]s
}
http://traceid.localhost:9080 {
	tracing
	error_pages {
		request_id {http.vars.trace_id}
	}
	error 404
}
http://amzn.localhost:9080 {
	error_pages {
		request_id {http.request.header.X-Amzn-Trace-Id}
	}
	error 404
}
http://ext.localhost:9080 {
	error_pages {
		problem_extension tenant {http.request.header.X-Tenant}
		problem_extension api_version 2024-06-01
	}
	error 404
}
`, strings.TrimPrefix(up.URL, "http://")))

	const tid = "4bf92f3577b34da6a3ce929d0e0e4736"
	const traceparent = "00-" + tid + "-00f067aa0ba902b7-01"
	formats := []struct{ accept, with string }{
		{"application/json", `"request_id":"rid-1","trace_id":"` + tid + `"`},
		{"application/problem+json", `"request_id":"rid-1","trace_id":"` + tid + `"`},
		{"text/plain", "Request ID: rid-1\nTrace ID: " + tid + "\n"},
		{"application/xml", "<request_id>rid-1</request_id><trace_id>" + tid + "</trace_id>"},
		{"text/html", `<p class="rid">Trace ID<br><code dir="ltr">` + tid + `</code></p>`},
	}
	for _, path := range []string{"/missing", "/fields"} {
		for _, f := range formats {
			t.Run("tracing on: "+path+" as "+f.accept, func(t *testing.T) {
				r := get(t, tester, "GET", "http://traced.localhost:9080"+path, "Accept", f.accept, "X-Request-ID", "rid-1", "Traceparent", traceparent)
				if r.StatusCode < 400 || !strings.Contains(string(r.body), f.with) {
					t.Errorf("%d: lacks %q:\n%s", r.StatusCode, f.with, r.body)
				}
			})
			t.Run("tracing off: "+path+" as "+f.accept, func(t *testing.T) {
				r := get(t, tester, "GET", "http://untraced.localhost:9080"+path, "Accept", f.accept, "X-Request-ID", "rid-1", "Traceparent", traceparent)
				if r.StatusCode < 400 || strings.Contains(strings.ToLower(string(r.body)), "trace") {
					t.Errorf("%d: a trace ID without tracing:\n%s", r.StatusCode, r.body)
				}
			})
		}
	}
	t.Run("a trace started here gets a fresh ID per request", func(t *testing.T) {
		re := regexp.MustCompile(`"trace_id":"([0-9a-f]{32})"`)
		a := re.FindSubmatch(get(t, tester, "GET", "http://traced.localhost:9080/missing", "Accept", "application/json").body)
		b := re.FindSubmatch(get(t, tester, "GET", "http://traced.localhost:9080/missing", "Accept", "application/json").body)
		if a == nil || b == nil || bytes.Equal(a[1], b[1]) {
			t.Errorf("trace IDs %q %q", a, b)
		}
	})
	t.Run("request_id {http.vars.trace_id}: the trace ID is the request ID", func(t *testing.T) {
		r := get(t, tester, "GET", "http://traceid.localhost:9080/x", "Accept", "application/json", "X-Request-ID", "ignored", "Traceparent", traceparent)
		if e := decodeEnvelope(t, r.body); e.Error.RequestID != tid || r.Header.Get("X-Request-ID") != tid {
			t.Errorf("request ID %q, header %q", e.Error.RequestID, r.Header.Get("X-Request-ID"))
		}
	})
	for _, row := range []struct{ name, header, want string }{
		{"a valid value is the request ID", "Self-1-67891233-abcdef012345678912345678", "Self-1-67891233-abcdef012345678912345678"},
		{"a value with characters outside [A-Za-z0-9._:-] gives Caddy's UUID", "Root=1-67891233-abcdef012345678912345678", ""},
		{"a value over 128 characters gives Caddy's UUID", strings.Repeat("a", 129), ""},
		{"no value gives Caddy's UUID, not request_id_header's", "", ""},
	} {
		t.Run("request_id from a header placeholder: "+row.name, func(t *testing.T) {
			hdr := []string{"Accept", "application/json", "X-Request-ID", "from-request-id-header"}
			if row.header != "" {
				hdr = append(hdr, "X-Amzn-Trace-Id", row.header)
			}
			r := get(t, tester, "GET", "http://amzn.localhost:9080/x", hdr...)
			e := decodeEnvelope(t, r.body)
			if e.Error.RequestID != r.Header.Get("X-Request-ID") {
				t.Errorf("body %q, header %q", e.Error.RequestID, r.Header.Get("X-Request-ID"))
			}
			if row.want != "" && e.Error.RequestID != row.want || row.want == "" && !uuidRE.MatchString(e.Error.RequestID) {
				t.Errorf("request ID %q, want %q", e.Error.RequestID, row.want)
			}
		})
	}
	t.Run("problem_extension members, placeholders JSON-escaped", func(t *testing.T) {
		r := get(t, tester, "GET", "http://ext.localhost:9080/x", "Accept", "application/problem+json", "X-Request-ID", "ext-1", "X-Tenant", `acme "corp" \ <b>`)
		want := `"request_id":"ext-1","api_version":"2024-06-01","tenant":"acme \"corp\" \\ <b>"}`
		if r.Header.Get("Content-Type") != "application/problem+json" || !strings.HasSuffix(string(r.body), want) {
			t.Errorf("%q\n got %s\nwant …%s", r.Header.Get("Content-Type"), r.body, want)
		}
		if m := decodeJSON(t, r.body); jstr(m["tenant"]) != `acme "corp" \ <b>` || jnum(m["status"]) != 404 {
			t.Errorf("%v", m)
		}
		if r := get(t, tester, "GET", "http://ext.localhost:9080/x", "Accept", "application/json"); strings.Contains(string(r.body), "tenant") {
			t.Errorf("extensions in the json envelope: %s", r.body)
		}
	})
}

// The trace ID is in the log line of every rewrite when tracing set it,
// and only a real W3C trace ID is taken from the var.
func TestTraceIDInLogLines(t *testing.T) {
	const tid = "4bf92f3577b34da6a3ce929d0e0e4736"
	for _, row := range []struct {
		name, v, want string
	}{
		{"tracing on", tid, tid},
		{"tracing off", "", ""},
		{"a var that is not a trace ID", `"><script>`, ""},
		{"the invalid all-zero trace ID", strings.Repeat("0", 32), ""},
	} {
		t.Run(row.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			h := provisioned(t, &Handler{})
			h.logger = zap.New(core)
			for _, next := range []caddyhttp.Handler{goError(502, "dial tcp: refused"), upstreamReply(400, "application/json", fieldsBody)} {
				r, _ := preparedRequest("application/json")
				if row.v != "" {
					caddyhttp.SetVar(r.Context(), "trace_id", row.v)
				}
				rec := &recordingWriter{discardWriter: discardWriter{h: http.Header{}}}
				if err := h.ServeHTTP(rec, r, next); err != nil {
					t.Fatal(err)
				}
				if got := jstr(jobj(decodeJSON(t, []byte(rec.body.String()))["error"])["trace_id"]); got != row.want {
					t.Errorf("body trace_id %q, want %q", got, row.want)
				}
			}
			entries := logs.All()
			if len(entries) != 2 {
				t.Fatalf("%d log lines", len(entries))
			}
			for _, e := range entries {
				got, ok := e.ContextMap()["trace_id"]
				if row.want == "" && ok || row.want != "" && got != row.want {
					t.Errorf("%q: trace_id %v (present %v), want %q", e.Message, got, ok, row.want)
				}
			}
		})
	}
}

// json_template, xml_template and text_template through a real Caddy;
// a template that breaks at run time sends the built-in body.
func TestBodyTemplatesThroughCaddy(t *testing.T) {
	up := newContractUpstream(t)
	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://tpl.localhost:9080 {
	error_pages {
		preset google
		json_template testdata/presets/templates/errors.json.tmpl
		xml_template testdata/presets/templates/errors.xml.tmpl
		text_template testdata/presets/templates/errors.txt.tmpl
	}
	handle /missing {
		error 404
	}
	reverse_proxy %[1]s
}
http://fallback.localhost:9080 {
	error_pages {
		json_template testdata/presets/templates/quotes-409.json.tmpl
	}
	reverse_proxy %[1]s
}
`, strings.TrimPrefix(up.URL, "http://")))
	rows := []struct{ name, path, accept, ctype, want string }{
		{"json, upstream 400 with fields", "/fields", "application/json", "application/json", `{
  "status": 400,
  "error": {
    "code": "VALIDATION_FAILED",
    "message": "email is not a valid address",
    "invalid_params": [{"name": "email", "reason": "Invalid email format"}, {"name": "age", "reason": "must be at least 18"}]
  },
  "request_id": "tpl-1"
}
`},
		{"json, local 404", "/missing", "application/json", "application/json", `{
  "status": 404,
  "error": {
    "code": "NOT_FOUND",
    "message": "` + errorpages.Description(404) + `"
  },
  "request_id": "tpl-1"
}
`},
		{"xml", "/fields", "application/xml", "application/xml; charset=utf-8",
			`<fault code="400" type="validation_failed"><reason>email is not a valid address</reason><param name="email">Invalid email format</param><param name="age">must be at least 18</param><request-id>tpl-1</request-id></fault>` + "\n"},
		{"text", "/fields", "text/plain", "text/plain; charset=utf-8", "400 VALIDATION_FAILED: email is not a valid address\n  email: Invalid email format\n  age: must be at least 18\nref tpl-1\n"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := get(t, tester, "GET", "http://tpl.localhost:9080"+row.path, "Accept", row.accept, "X-Request-ID", "tpl-1")
			if r.Header.Get("Content-Type") != row.ctype || string(r.body) != row.want {
				t.Errorf("%q\n got %s\nwant %s", r.Header.Get("Content-Type"), r.body, row.want)
			}
		})
	}
	t.Run("problem+json has no template: the built-in body", func(t *testing.T) {
		r := get(t, tester, "GET", "http://tpl.localhost:9080/fields", "Accept", "application/problem+json")
		if m := decodeJSON(t, r.body); jnum(m["status"]) != 400 || jstr(m["detail"]) != "email is not a valid address" {
			t.Errorf("%s", r.body)
		}
	})
	t.Run("a template that breaks at run time sends the built-in body", func(t *testing.T) {
		r := get(t, tester, "GET", "http://fallback.localhost:9080/conflict", "Accept", "application/json", "X-Request-ID", "fb-1")
		e := decodeEnvelope(t, r.body)
		if r.StatusCode != 409 || r.Header.Get("Content-Type") != "application/json" || e.Error.Code != 409 || e.Error.Details != `name "x" is taken` || e.Error.RequestID != "fb-1" {
			t.Errorf("%d %q %s", r.StatusCode, r.Header.Get("Content-Type"), r.body)
		}
		r = get(t, tester, "GET", "http://fallback.localhost:9080/json", "Accept", "application/json")
		if m := decodeJSON(t, r.body); r.StatusCode != 422 || jstr(m["message"]) != "name is taken" {
			t.Errorf("the template's own body otherwise: %d %s", r.StatusCode, r.body)
		}
	})
}

// At run time, a body template whose output breaks is replaced by the
// built-in body (the preset's, for json) and one ERROR line names the file.
func TestBodyTemplateRuntimeFallbackLogs(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	h := provisioned(t, &Handler{JSONTemplate: "testdata/presets/templates/quotes-409.json.tmpl", Preset: "simple"})
	h.logger = zap.New(core)
	r, _ := preparedRequest("application/json")
	r.Header.Set("X-Request-ID", "fb-2")
	rec := &recordingWriter{discardWriter: discardWriter{h: http.Header{}}}
	if err := h.ServeHTTP(rec, r, upstreamReply(409, "application/json", `{"message":"name \"x\" is taken"}`)); err != nil {
		t.Fatal(err)
	}
	want := `{"error":"conflict","status":409,"message":"name \"x\" is taken","title":"Conflict","request_id":"fb-2"}`
	if rec.status != 409 || rec.body.String() != want {
		t.Errorf("%d\n got %s\nwant %s", rec.status, rec.body.String(), want)
	}
	errs := logs.FilterLevelExact(zapcore.ErrorLevel).All()
	if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0].ContextMap()), "quotes-409.json.tmpl") || errs[0].ContextMap()["request_id"] != "fb-2" {
		t.Errorf("ERROR lines: %+v", errs)
	}
}

// A validation error from the real request_validation handler, with
// problems in the body, the query and a header, in every preset: the
// module's envelope gives the error model, and each preset must carry it
// member by member as its spec asks.
func TestPresetsWithRequestValidation(t *testing.T) {
	var b strings.Builder
	b.WriteString(globalOptions)
	for _, p := range presetNames {
		fmt.Fprintf(&b, `
http://%[1]s.localhost:9080 {
	error_pages {
		preset %[1]s
		docs https://docs.example.com/errors/{code}
	}
	request_validation {
		openapi testdata/presets/shop.openapi.yaml
	}
	respond "created" 201
}
`, p)
	}
	tester := startCaddy(t, b.String())
	send := func(t *testing.T, preset string) resp {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+preset+".localhost:9080/orders?limit=abc", strings.NewReader(`{"email":"not-an-email","role":"owner","items":[{"qty":0}]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Request-ID", "rv-1")
		res, err := tester.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return resp{res, body}
	}
	r := send(t, "errorpages")
	var env struct {
		Error struct {
			Code                                    int
			Type, Message, Details, RequestID, Docs string
			Fields                                  []errorpages.Field
			More                                    int
		}
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	var m map[string]any
	json.Unmarshal(r.body, &m)
	e := jobj(m["error"])
	env.Error.RequestID, env.Error.Docs = jstr(e["request_id"]), jstr(e["docs"])
	parts := map[string]bool{}
	for _, f := range env.Error.Fields {
		part, _, _ := strings.Cut(strings.TrimPrefix(f.Pointer, "/"), "/")
		parts[part] = true
	}
	if env.Error.Code != 400 || env.Error.Type != "validation_failed" || !parts["body"] || !parts["query"] || !parts["header"] {
		t.Fatalf("the validator's error lacks problems in the body, query and header: %s", r.body)
	}
	w := wantError{code: env.Error.Code, typ: env.Error.Type, message: env.Error.Message, details: env.Error.Details,
		fields: env.Error.Fields, more: env.Error.More, requestID: "rv-1", docs: "https://docs.example.com/errors/400", grpc: "INVALID_ARGUMENT",
		document: `{"email":"not-an-email","role":"owner","items":[{"qty":0}]}`}
	for _, p := range presetNames {
		t.Run(p, func(t *testing.T) {
			r := send(t, p)
			if r.StatusCode != 400 {
				t.Fatalf("%d %s", r.StatusCode, r.body)
			}
			presetCheckers[p](t, decodeJSON(t, r.body), w)
		})
	}
}

// Field problems from an upstream that gives no error code of its own
// (Express's 400, FastAPI's 422) make the type validation_failed in every
// format that shows a type, as the validator's own 400 does; an
// upstream's code still wins (Fastify's FST_ERR_VALIDATION).
func TestFieldProblemsWithoutCodeAreValidationFailed(t *testing.T) {
	up := newContractUpstream(t)
	tester := startCaddy(t, globalOptions+fmt.Sprintf(`
http://localhost:9080 {
	error_pages
	reverse_proxy %s
}
`, strings.TrimPrefix(up.URL, "http://")))
	for _, row := range []struct{ path, fixture, typ string }{
		{"/express", "express-validator-400-body", "validation_failed"},
		{"/fastapi", "fastapi-422-body", "validation_failed"},
		{"/fastify-required", "fastify-400-required", "fst_err_validation"},
	} {
		for _, f := range []struct{ accept, want string }{
			{"application/json", `"type":"` + row.typ + `"`},
			{"application/xml", "<type>" + row.typ + "</type>"},
			{browserAccept, " · " + row.typ + "</footer>"},
		} {
			r := sendDocument(t, tester, "http://localhost:9080"+row.path, fixtureRequest(row.fixture), "Accept", f.accept)
			if r.StatusCode < 400 || !strings.Contains(string(r.body), f.want) {
				t.Errorf("%s, Accept %.20s: %d, no %s in\n%s", row.path, f.accept, r.StatusCode, f.want, r.body)
			}
		}
	}
}

// A validation error's docs is its operation's externalDocs; error_pages'
// own docs fills in for operations without one (docs/request-validation.md).
func TestOperationDocsWinAndSiteDocsFillIn(t *testing.T) {
	tester := startCaddy(t, globalOptions+`
http://localhost:9080 {
	error_pages {
		docs https://docs.example.com/errors/{code}
	}
	request_validation {
		openapi testdata/presets/docs.openapi.yaml
	}
	respond "created" 201
}
`)
	for path, want := range map[string]string{
		"/documented":   "https://api.example.com/docs#documented",
		"/undocumented": "https://docs.example.com/errors/400",
	} {
		r := sendDocument(t, tester, "http://localhost:9080"+path, `{}`, "Accept", "application/json")
		if m := decodeJSON(t, r.body); r.StatusCode != 400 || jstr(jobj(m["error"])["docs"]) != want {
			t.Errorf("%s: %d, docs %q, want %q: %s", path, r.StatusCode, jstr(jobj(m["error"])["docs"]), want, r.body)
		}
	}
}
