package requestvalidation

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

const (
	shopDoc  = "../validation/testdata/shop/openapi.yaml"
	usersDoc = "../validation/testdata/users31.yaml"
)

const validOrder = `{"items":[{"sku":"ABC-123","qty":2,"price":{"amount":9.5,"currency":"EUR"}}],
"shipping":{"line1":"1 Main St","city":"Berlin","country":"DE"},
"payment":{"method":"card","number":"4111111111111111","expiry":"12/29"},"email":"ann@example.com"}`

var orderHeaders = map[string]string{
	"Content-Type":    "application/json",
	"X-Tenant":        "acme",
	"Idempotency-Key": "6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55",
	"Cookie":          "session=abcdefghijklmnopqrstuvwxyz",
}

// testHandler is a provisioned handler with an observed logger and its
// own metrics registry.
type testHandler struct {
	*Handler
	logs *observer.ObservedLogs
	reg  *prometheus.Registry
}

func newTestHandler(t *testing.T, h Handler) testHandler {
	t.Helper()
	if err := h.setDefaults(); err != nil {
		t.Fatal(err)
	}
	d, err := h.compile()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.use(d); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	h.logger = zap.New(core)
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	h.metrics = m
	return testHandler{&h, logs, reg}
}

// upstream records what the next handler received.
type upstream struct {
	called bool
	body   []byte
	header http.Header
	cl     int64
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) error {
	u.called = true
	u.header = r.Header.Clone()
	u.cl = r.ContentLength
	u.body, _ = io.ReadAll(r.Body)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type exchange struct {
	err   error
	he    caddyhttp.HandlerError
	probs *errorpages.Problems
	rec   *httptest.ResponseRecorder
	up    *upstream
	repl  *caddy.Replacer
}

func (e exchange) status() int {
	if e.err == nil {
		return 0
	}
	return e.he.StatusCode
}

func (e exchange) problems() []string {
	if e.probs == nil {
		return nil
	}
	var out []string
	for _, f := range e.probs.Fields {
		out = append(out, f.Pointer+" "+f.Code)
	}
	return out
}

func (th testHandler) do(t *testing.T, method, target string, header map[string]string, body io.Reader) exchange {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	if body == nil {
		r.ContentLength = 0
		r.Body = http.NoBody
	}
	return th.serve(t, r)
}

func (th testHandler) serve(t *testing.T, r *http.Request) exchange {
	t.Helper()
	repl := caddy.NewReplacer()
	r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
	up := &upstream{}
	rec := httptest.NewRecorder()
	err := th.ServeHTTP(rec, r, up)
	e := exchange{err: err, rec: rec, up: up, repl: repl}
	if err != nil {
		if !errors.As(err, &e.he) {
			t.Fatalf("error is not a HandlerError: %v", err)
		}
		errors.As(err, &e.probs)
	}
	return e
}

func TestStatuses(t *testing.T) {
	th := newTestHandler(t, Handler{OpenAPI: shopDoc})
	tests := []struct {
		name   string
		method string
		target string
		header map[string]string
		body   string
		status int
		typ    string
		want   []string
		hdr    [2]string
	}{
		{"valid request passes", "POST", "/api/orders", orderHeaders, validOrder, 0, "", nil, [2]string{}},
		{"unknown path is 404", "GET", "/api/nothing", nil, "", 404, "not_found", nil, [2]string{}},
		{"undeclared method is 405 with Allow", "DELETE", "/api/orders", nil, "", 405, "method_not_allowed", nil, [2]string{"Allow", "GET, HEAD, POST"}},
		{"parameter and body problems together are 400", "POST", "/api/orders?limit=x", withHeader(orderHeaders, "X-Tenant", "A"), strings.Replace(validOrder, `"qty":2`, `"qty":0`, 1), 400, "validation_failed", []string{"/header/X-Tenant pattern", "/body/items/0/qty minimum"}, [2]string{}},
		{"wrong media type is 415 with Accept-Post", "POST", "/api/customers", map[string]string{"Content-Type": "text/plain"}, "hi", 415, "unsupported_media_type", []string{"/body media_type"}, [2]string{"Accept-Post", "application/json, application/x-www-form-urlencoded"}},
		{"missing required body is 400", "POST", "/api/products", map[string]string{"X-Tenant": "acme"}, "", 400, "validation_failed", []string{"/body required"}, [2]string{}},
		{"OPTIONS preflight passes", "OPTIONS", "/api/orders", nil, "", 0, "", nil, [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			e := th.do(t, tt.method, tt.target, tt.header, body)
			if e.status() != tt.status {
				t.Fatalf("status = %d (%v), want %d", e.status(), e.err, tt.status)
			}
			if tt.status == 0 {
				if !e.up.called {
					t.Fatal("valid request did not reach the upstream")
				}
				return
			}
			if e.up.called {
				t.Fatal("rejected request reached the upstream")
			}
			if e.probs == nil || e.probs.Type != tt.typ {
				t.Fatalf("problems = %+v, want type %s", e.probs, tt.typ)
			}
			if got := e.problems(); strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
			if tt.hdr[0] != "" && e.rec.Header().Get(tt.hdr[0]) != tt.hdr[1] {
				t.Errorf("%s = %q, want %q", tt.hdr[0], e.rec.Header().Get(tt.hdr[0]), tt.hdr[1])
			}
		})
	}
}

func withHeader(base map[string]string, kv ...string) map[string]string {
	h := map[string]string{}
	for k, v := range base {
		h[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

func TestUpstreamGetsTheValidatedBytes(t *testing.T) {
	th := newTestHandler(t, Handler{OpenAPI: shopDoc})
	// Odd spacing and escapes: the upstream must see exactly these bytes.
	body := "{ \"items\" : [{\"sku\":\"ABC-123\",\"qty\":2}],\n\"shipping\":{\"line1\":\"1 Main St\",\"city\":\"Berl\\u0069n\",\"country\":\"DE\"},\"payment\":{\"method\":\"voucher\",\"code\":\"ABCDEFGH\"}}  \n"
	for _, chunked := range []bool{false, true} {
		r := httptest.NewRequest("POST", "/api/orders", strings.NewReader(body))
		for k, v := range orderHeaders {
			r.Header.Set(k, v)
		}
		if chunked {
			r.ContentLength = -1
			r.Body = io.NopCloser(io.MultiReader(strings.NewReader(body[:10]), strings.NewReader(body[10:])))
			r.TransferEncoding = []string{"chunked"}
		}
		e := th.serve(t, r)
		if e.err != nil {
			t.Fatalf("chunked=%v: %v %q", chunked, e.err, e.problems())
		}
		if !bytes.Equal(e.up.body, []byte(body)) {
			t.Errorf("chunked=%v: upstream got %q", chunked, e.up.body)
		}
		if e.up.cl != int64(len(body)) || e.up.header.Get("Content-Length") != itoa(len(body)) {
			t.Errorf("chunked=%v: Content-Length %d / %q, want %d", chunked, e.up.cl, e.up.header.Get("Content-Length"), len(body))
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// counter reads caddy_request_validation_total for an operation and result.
func counter(m *metrics, op, result string) float64 {
	var d dto.Metric
	if err := m.total.WithLabelValues(op, result).Write(&d); err != nil {
		return -1
	}
	return d.GetCounter().GetValue()
}

// countingReader counts what was read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestBodyOverMaxBody(t *testing.T) {
	th := newTestHandler(t, Handler{OpenAPI: shopDoc, MaxBody: 1024})
	big := strings.Repeat(" ", 4096) + validOrder
	t.Run("declared length over the limit is 413 without reading", func(t *testing.T) {
		cr := &countingReader{r: strings.NewReader(big)}
		r := httptest.NewRequest("POST", "/api/orders", nil)
		r.Body, r.ContentLength = io.NopCloser(cr), int64(len(big))
		for k, v := range orderHeaders {
			r.Header.Set(k, v)
		}
		e := th.serve(t, r)
		if e.status() != 413 || cr.n != 0 {
			t.Fatalf("status %d after reading %d bytes", e.status(), cr.n)
		}
		if got := e.problems(); len(got) != 1 || got[0] != "/body max_body" {
			t.Errorf("problems = %q", got)
		}
	})
	t.Run("chunked body is 413 as soon as it passes the limit", func(t *testing.T) {
		cr := &countingReader{r: strings.NewReader(strings.Repeat(" ", 1<<20))}
		r := httptest.NewRequest("POST", "/api/orders", nil)
		r.Body, r.ContentLength = io.NopCloser(cr), -1
		for k, v := range orderHeaders {
			r.Header.Set(k, v)
		}
		e := th.serve(t, r)
		if e.status() != 413 || cr.n > 64<<10 {
			t.Fatalf("status %d after reading %d bytes", e.status(), cr.n)
		}
	})
	t.Run("report mode passes an oversized body untouched", func(t *testing.T) {
		rep := newTestHandler(t, Handler{OpenAPI: shopDoc, MaxBody: 1024, Mode: "report"})
		r := httptest.NewRequest("POST", "/api/orders", strings.NewReader(big))
		r.ContentLength = -1
		for k, v := range orderHeaders {
			r.Header.Set(k, v)
		}
		e := rep.serve(t, r)
		if e.err != nil || string(e.up.body) != big {
			t.Fatalf("err %v, upstream got %d bytes", e.err, len(e.up.body))
		}
	})
}

func TestReportMode(t *testing.T) {
	bad := strings.Replace(validOrder, `"qty":2`, `"qty":0`, 1)
	tests := []struct {
		name   string
		h      Handler
		method string
		target string
		body   string
		passed bool
	}{
		{"report mode for the whole document passes", Handler{OpenAPI: shopDoc, Mode: "report"}, "POST", "/api/orders", bad, true},
		{"an operation switched to enforce rejects", Handler{OpenAPI: shopDoc, Mode: "report", Operations: map[string]string{"createOrder": "enforce"}}, "POST", "/api/orders", bad, false},
		{"an operation switched to report passes", Handler{OpenAPI: shopDoc, Operations: map[string]string{"createOrder": "report"}}, "POST", "/api/orders", bad, true},
		{"the document's extension sets report", Handler{OpenAPI: shopDoc}, "POST", "/api/webhooks", `{"url":"not a uri","events":[]}`, true},
		{"config overrides the document's extension", Handler{OpenAPI: shopDoc, Operations: map[string]string{"createWebhook": "enforce"}}, "POST", "/api/webhooks", `{"url":"not a uri","events":[]}`, false},
		{"report mode passes an unknown path", Handler{OpenAPI: shopDoc, Mode: "report"}, "GET", "/api/nothing", "", true},
		{"report mode passes an undeclared method", Handler{OpenAPI: shopDoc, Mode: "report"}, "DELETE", "/api/orders", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := newTestHandler(t, tt.h)
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			e := th.do(t, tt.method, tt.target, orderHeaders, body)
			if e.up.called != tt.passed {
				t.Fatalf("passed = %v (%v), want %v", e.up.called, e.err, tt.passed)
			}
			if !tt.passed {
				return
			}
			warns := th.logs.FilterLevelExact(zapcore.WarnLevel).All()
			if len(warns) != 1 {
				t.Fatalf("%d WARN lines, want 1", len(warns))
			}
			ctx := warns[0].ContextMap()
			if ctx["result"] == "" || ctx["request_id"] == nil {
				t.Errorf("log line lacks result/request_id: %v", ctx)
			}
			if ctx["operation"] != "" && (ctx["codes"] == nil || ctx["problem_pointers"] == nil) {
				t.Errorf("log line lacks codes/pointers: %v", ctx)
			}
			if got := counter(th.metrics, ctx["operation"].(string), "reported"); got != 1 {
				t.Errorf("reported counter = %v", got)
			}
		})
	}
}

// Log lines carry codes and pointers, never the submitted values.
func TestLogsNeverCarryValues(t *testing.T) {
	const secret = "Sk9zZWNyZXQtdG9rZW4"
	for _, mode := range []string{"enforce", "report"} {
		th := newTestHandler(t, Handler{OpenAPI: shopDoc, Mode: mode})
		body := strings.NewReplacer(`"qty":2`, `"qty":"`+secret+`"`, `ann@example.com`, secret).Replace(validOrder)
		th.do(t, "POST", "/api/orders?"+secret+"=1&limit="+secret, withHeader(orderHeaders, "X-Tenant", secret), strings.NewReader(body))
		entries := th.logs.All()
		if len(entries) != 1 {
			t.Fatalf("%s: %d log lines, want 1", mode, len(entries))
		}
		var buf bytes.Buffer
		enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
		out, _ := enc.EncodeEntry(entries[0].Entry, entries[0].Context)
		buf.Write(out.Bytes())
		if strings.Contains(buf.String(), secret) {
			t.Errorf("%s: log line echoes a value: %s", mode, buf.String())
		}
	}
}

func TestRejectionLogAndMetrics(t *testing.T) {
	th := newTestHandler(t, Handler{OpenAPI: shopDoc})
	th.do(t, "POST", "/api/orders", orderHeaders, strings.NewReader(validOrder))
	th.do(t, "POST", "/api/orders", withHeader(orderHeaders, "X-Tenant", "A", "X-Request-ID", "req-42"), strings.NewReader(validOrder))
	th.do(t, "GET", "/api/nope", nil, nil)
	th.do(t, "PUT", "/api/orders", nil, nil)
	th.do(t, "POST", "/api/customers", map[string]string{"Content-Type": "text/plain"}, strings.NewReader("x"))
	for _, c := range []struct {
		op, result string
	}{{"createOrder", "valid"}, {"createOrder", "invalid"}, {"", "not_found"}, {"", "method_not_allowed"}, {"createCustomer", "unsupported_media_type"}} {
		if got := counter(th.metrics, c.op, c.result); got != 1 {
			t.Errorf("caddy_request_validation_total{operation=%q,result=%q} = %v, want 1", c.op, c.result, got)
		}
	}
	lines := th.logs.FilterMessage("request rejected").All()
	if len(lines) != 4 {
		t.Fatalf("%d rejection lines, want 4", len(lines))
	}
	ctx := lines[0].ContextMap()
	if ctx["operation"] != "createOrder" || ctx["request_id"] != "req-42" || ctx["problems"] != int64(1) {
		t.Errorf("rejection line = %v", ctx)
	}
}

func TestPlaceholders(t *testing.T) {
	th := newTestHandler(t, Handler{OpenAPI: shopDoc})
	e := th.do(t, "POST", "/api/orders", withHeader(orderHeaders, "X-Tenant", "A"), strings.NewReader(strings.Replace(validOrder, `"qty":2`, `"qty":0`, 1)))
	want := map[string]string{
		phOperationID:   "createOrder",
		phOperationPath: "/api/orders"[4:],
		phMode:          "enforce",
		phResult:        "invalid",
		phProblemCount:  "2",
		phProblemCodes:  "pattern,minimum",
		phFirstPointer:  "/header/X-Tenant",
		phFirstProblem:  "X-Tenant: does not have the expected format",
	}
	for k, v := range want {
		if got, _ := e.repl.GetString(k); got != v {
			t.Errorf("{%s} = %q, want %q", k, got, v)
		}
	}
	// Caddy's {http.error.message} is the error's text.
	if got := e.he.Err.Error(); got != "2 problems; first: X-Tenant: does not have the expected format" {
		t.Errorf("error message = %q", got)
	}
}

// The result placeholder of each outcome, valid ones included, in both
// modes; the operation's placeholders with it.
func TestResultPlaceholder(t *testing.T) {
	invalid := strings.Replace(validOrder, `"qty":2`, `"qty":0`, 1)
	for _, tt := range []struct {
		mode, body, result, opMode string
	}{
		{"enforce", validOrder, "valid", "enforce"},
		{"enforce", invalid, "invalid", "enforce"},
		{"report", validOrder, "valid", "report"},
		{"report", invalid, "reported", "report"},
	} {
		th := newTestHandler(t, Handler{OpenAPI: shopDoc, Mode: tt.mode})
		e := th.do(t, "POST", "/api/orders", orderHeaders, strings.NewReader(tt.body))
		for k, want := range map[string]string{phResult: tt.result, phMode: tt.opMode, phOperationID: "createOrder"} {
			if got, _ := e.repl.GetString(k); got != want {
				t.Errorf("%s mode, %s body: {%s} = %q, want %q", tt.mode, tt.result, k, got, want)
			}
		}
	}
}

func TestBodyStatus422(t *testing.T) {
	th := newTestHandler(t, Handler{OpenAPI: shopDoc, BodyStatus: 422})
	e := th.do(t, "POST", "/api/orders", orderHeaders, strings.NewReader(strings.Replace(validOrder, `"qty":2`, `"qty":0`, 1)))
	if e.status() != 422 {
		t.Errorf("body schema problems: status %d, want 422", e.status())
	}
	e = th.do(t, "POST", "/api/orders", withHeader(orderHeaders, "X-Tenant", "A"), strings.NewReader(strings.Replace(validOrder, `"qty":2`, `"qty":0`, 1)))
	if e.status() != 400 {
		t.Errorf("header and body problems: status %d, want 400", e.status())
	}
	e = th.do(t, "POST", "/api/orders", orderHeaders, strings.NewReader(`{"a":`))
	if e.status() != 400 {
		t.Errorf("invalid JSON: status %d, want 400", e.status())
	}
}

func TestJSONSchemaHandler(t *testing.T) {
	th := newTestHandler(t, Handler{JSONSchema: "../validation/testdata/signup.schema.json"})
	e := th.do(t, "POST", "/anything", map[string]string{"Content-Type": "application/json"}, strings.NewReader(`{"email":"a@b.co","password":"correct horse"}`))
	if e.err != nil || !e.up.called {
		t.Fatalf("valid body: %v", e.err)
	}
	e = th.do(t, "POST", "/anything", map[string]string{"Content-Type": "application/json"}, strings.NewReader(`{"email":"x"}`))
	if got := e.problems(); e.status() != 400 || strings.Join(got, "; ") != "/body/email format; /body/password required" {
		t.Errorf("status %d problems %q", e.status(), got)
	}
	e = th.do(t, "POST", "/anything", nil, nil)
	if e.status() != 400 {
		t.Errorf("no body: status %d, want 400", e.status())
	}
}

// A body handed on is not reused for another request until it is closed:
// a transport may still be writing it after the handler returned.
func TestBodyBufferNotReusedBeforeClose(t *testing.T) {
	th := newTestHandler(t, Handler{OpenAPI: shopDoc})
	var kept []io.ReadCloser
	keep := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		kept = append(kept, r.Body) // read later, like a transport's write loop
		return nil
	})
	first := strings.Replace(validOrder, "ann@example.com", "first@example.com", 1)
	second := strings.Replace(validOrder, "ann@example.com", "other@example.com", 1)
	for _, body := range []string{first, second} {
		r := httptest.NewRequest("POST", "/api/orders", strings.NewReader(body))
		for k, v := range orderHeaders {
			r.Header.Set(k, v)
		}
		r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
		if err := th.ServeHTTP(httptest.NewRecorder(), r, keep); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []string{first, second} {
		got, _ := io.ReadAll(kept[i])
		kept[i].Close()
		if string(got) != want {
			t.Errorf("body %d changed before it was closed:\n%s", i, got)
		}
	}
	// Once closed, the buffer is reused.
	r := httptest.NewRequest("POST", "/api/orders", strings.NewReader(first))
	for k, v := range orderHeaders {
		r.Header.Set(k, v)
	}
	r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
	th.ServeHTTP(httptest.NewRecorder(), r, keep)
	if got, _ := io.ReadAll(kept[2]); string(got) != first {
		t.Errorf("third body = %s", got)
	}
}

// Each operation counts its own valid requests, every one of them (the
// counter is looked up once, then kept with the operation).
func TestValidCounterPerOperation(t *testing.T) {
	th := newTestHandler(t, Handler{OpenAPI: shopDoc})
	for i := 0; i < 3; i++ {
		th.do(t, "POST", "/api/orders", orderHeaders, strings.NewReader(validOrder))
	}
	th.do(t, "POST", "/api/customers", map[string]string{"Content-Type": "application/json"}, strings.NewReader(`{"name":"Ann","email":"ann@example.com"}`))
	for _, c := range []struct {
		op   string
		want float64
	}{{"createOrder", 3}, {"createCustomer", 1}} {
		if got := counter(th.metrics, c.op, "valid"); got != c.want {
			t.Errorf("caddy_request_validation_total{operation=%q,result=\"valid\"} = %v, want %v", c.op, got, c.want)
		}
	}
}
