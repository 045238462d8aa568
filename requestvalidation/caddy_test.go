package requestvalidation_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/errorpages/caddy-errorpages/internal/testports"

	// error_pages, which renders the problems, and (through modules.go)
	// request_validation: the module path brings both handlers.
	_ "github.com/errorpages/caddy-errorpages"
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

// These tests run a real Caddy on ports the OS chose, so that test runs
// do not collide. The configs and URLs keep writing them as admin
// localhost:2989, sites 9180/9181 and https_port 9543: startCaddy and
// startAPI load the config with the chosen ports, and the tester's client
// sends requests for localhost:9180 to the chosen port (see
// internal/testports).
var ports = testports.Free(2989, 9180, 9181, 9543)

// adminPort is the admin API's port in this run.
var adminPort = ports.Port(2989)

const globalOptions = `{
	skip_install_trust
	admin localhost:2989
	http_port 9180
	https_port 9543
	grace_period 1ns
	metrics
	servers {
		# Caddy's default is 16 KiB: larger query strings get its own 431.
		max_header_size 256KiB
	}
}
`

// recorder is the real upstream: it records every request it gets.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	srv  *httptest.Server
}

type recorded struct {
	method, path string
	body         []byte
	header       http.Header
	query        string
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.Path, b, r.Header.Clone(), r.URL.RawQuery})
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) last() (recorded, int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		return recorded{}, 0
	}
	return rec.reqs[len(rec.reqs)-1], len(rec.reqs)
}

func (rec *recorder) addr() string { return strings.TrimPrefix(rec.srv.URL, "http://") }

func abs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func siteConfig(t *testing.T, up *recorder, usersDocPath string) string {
	return globalOptions + fmt.Sprintf(`
http://localhost:9180 {
	error_pages
	request_validation /signup {
		json_schema %[2]s
	}
	handle /api/* {
		request_validation {
			openapi %[3]s
			unknown_query reject
		}
		reverse_proxy %[1]s
	}
	handle /v1/* {
		request_validation {
			openapi %[4]s
			mode report
			operation createUser enforce
		}
		reverse_proxy %[1]s
	}
	handle {
		reverse_proxy %[1]s
	}
}

http://localhost:9181 {
	request_validation {
		openapi %[4]s
	}
	reverse_proxy %[1]s
	handle_errors {
		respond "{err.status_code} [{err.message}] count={http.request_validation.problem_count} first={http.request_validation.first_problem} op={http.request_validation.operation_id}"
	}
}
`, up.addr(), abs(t, "../validation/testdata/signup.schema.json"), abs(t, shopDoc), usersDocPath)
}

func startCaddy(t *testing.T, cfg string) *caddytest.Tester {
	t.Helper()
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: adminPort})
	tester.Client.Transport = ports.Transport()
	tester.InitServer(ports.Config(cfg), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	return tester
}

// startAPI starts Caddy with one site, http://localhost:9180: error_pages,
// request_validation of doc, and a proxy to up. A published document of
// several MB takes seconds to load on a busy machine, more than
// caddytest's 5 s default: the load may take two minutes.
func startAPI(t *testing.T, doc string, up *recorder) *caddytest.Tester {
	t.Helper()
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: adminPort, LoadRequestTimeout: 2 * time.Minute})
	tester.Client.Transport = ports.Transport()
	tester.InitServer(ports.Config(globalOptions+`
http://localhost:9180 {
	error_pages
	request_validation {
		openapi `+doc+`
	}
	reverse_proxy `+up.addr()+`
}
`), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	return tester
}

func send(t *testing.T, tester *caddytest.Tester, method, url string, header map[string]string, body string) (*http.Response, string) {
	t.Helper()
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rb)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := tester.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// badOrder has two problems: a header pattern and a body minimum.
var badOrderHeader = withHeader(orderHeaders, "X-Tenant", "A")
var badOrder = strings.Replace(validOrder, `"qty":2`, `"qty":0`, 1)

func TestCaddyRendersProblemsInEveryFormat(t *testing.T) {
	up := newRecorder(t)
	tester := startCaddy(t, siteConfig(t, up, abs(t, usersDoc)))
	url := "http://localhost:9180/api/orders"

	t.Run("json envelope carries pointer, code and hint", func(t *testing.T) {
		resp, body := send(t, tester, "POST", url, withHeader(badOrderHeader, "Accept", "application/json"), strings.Replace(badOrder, `"email"`, `"emial"`, 1))
		if resp.StatusCode != 400 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var env struct {
			Error struct {
				Code    int    `json:"code"`
				Type    string `json:"type"`
				Details string `json:"details"`
				Docs    string `json:"docs"`
				Fields  []struct {
					Field, Message, Pointer, Code, Hint string
				} `json:"fields"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &env); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		e := env.Error
		if e.Code != 400 || e.Type != "validation_failed" || e.Details != "The request has 3 problems." || e.Docs != "https://docs.example.com/orders#create" {
			t.Errorf("envelope = %+v", e)
		}
		want := []string{
			"X-Tenant|/header/X-Tenant|pattern|does not have the expected format|must match the pattern ^[a-z][a-z0-9-]{2,31}$",
			"emial|/body/emial|additional_property|is not allowed here|did you mean `email`?",
			"items[0].qty|/body/items/0/qty|minimum|must be at least 1",
		}
		var got []string
		for _, f := range e.Fields {
			s := f.Field + "|" + f.Pointer + "|" + f.Code + "|" + f.Message
			if f.Hint != "" {
				s += "|" + f.Hint
			}
			got = append(got, s)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("fields:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if strings.Contains(body, `"hint":""`) || strings.Contains(body, `"pointer":""`) {
			t.Errorf("empty members are not omitted: %s", body)
		}
	})
	t.Run("problem+json errors have RFC 9457 pointers", func(t *testing.T) {
		resp, body := send(t, tester, "POST", url, withHeader(badOrderHeader, "Accept", "application/problem+json"), badOrder)
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 400 || !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("status %d, %s", resp.StatusCode, ct)
		}
		var p struct {
			Status int `json:"status"`
			Errors []struct {
				Detail, Pointer, Code string
			} `json:"errors"`
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Errors) != 2 || p.Errors[1].Pointer != "/body/items/0/qty" || p.Errors[1].Code != "minimum" || p.Errors[1].Detail != "must be at least 1" {
			t.Errorf("errors = %+v", p.Errors)
		}
	})
	t.Run("text lists each problem", func(t *testing.T) {
		resp, body := send(t, tester, "POST", url, withHeader(badOrderHeader, "Accept", "text/plain"), badOrder)
		if resp.StatusCode != 400 || !strings.Contains(body, "400 Bad Request") || !strings.Contains(body, "items[0].qty: must be at least 1") {
			t.Errorf("text body:\n%s", body)
		}
	})
	t.Run("xml has the fields with pointer and code", func(t *testing.T) {
		resp, body := send(t, tester, "POST", url, withHeader(badOrderHeader, "Accept", "application/xml"), badOrder)
		var x struct {
			Type   string `xml:"type"`
			Fields []struct {
				Name    string `xml:"name,attr"`
				Pointer string `xml:"pointer,attr"`
				Code    string `xml:"code,attr"`
				Message string `xml:",chardata"`
			} `xml:"fields>field"`
		}
		if err := xml.Unmarshal([]byte(body), &x); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if resp.StatusCode != 400 || x.Type != "validation_failed" || len(x.Fields) != 2 || x.Fields[1].Pointer != "/body/items/0/qty" || x.Fields[1].Code != "minimum" {
			t.Errorf("xml = %+v\n%s", x, body)
		}
	})
	t.Run("html page lists the problems", func(t *testing.T) {
		resp, body := send(t, tester, "POST", url, withHeader(badOrderHeader, "Accept", "text/html"), badOrder)
		if resp.StatusCode != 400 || !strings.Contains(body, "items[0].qty") || !strings.Contains(body, "must be at least 1") || !strings.Contains(body, "X-Tenant") {
			t.Errorf("html body lacks the problems:\n%s", body)
		}
	})
}

func TestCaddyStatusesAndUpstream(t *testing.T) {
	up := newRecorder(t)
	tester := startCaddy(t, siteConfig(t, up, abs(t, usersDoc)))
	base := "http://localhost:9180"
	json := map[string]string{"Accept": "application/json"}
	tests := []struct {
		name         string
		method, path string
		header       map[string]string
		body         string
		status       int
		contains     []string
		headerName   string
		headerValue  string
		reachesUp    bool
	}{
		{"valid order reaches the upstream", "POST", "/api/orders", orderHeaders, validOrder, 200, []string{`{"ok":true}`}, "", "", true},
		{"unknown path is 404", "GET", "/api/nothing", json, "", 404, []string{`"type":"not_found"`, "no operation at this path"}, "", "", false},
		{"undeclared method is 405 with Allow", "DELETE", "/api/orders", json, "", 405, []string{`"type":"method_not_allowed"`}, "Allow", "GET, HEAD, POST", false},
		{"wrong media type is 415 with Accept-Post", "POST", "/api/customers", map[string]string{"Content-Type": "text/plain", "Accept": "application/json"}, "x", 415, []string{`"code":"media_type"`, `"pointer":"/body"`}, "Accept-Post", "application/json, application/x-www-form-urlencoded", false},
		{"PATCH with a wrong media type lists Accept-Patch", "PATCH", "/api/products/3", map[string]string{"Content-Type": "application/json", "Accept": "application/json"}, `{}`, 415, nil, "Accept-Patch", "application/merge-patch+json", false},
		{"body over max_body is 413", "POST", "/api/orders", withHeader(orderHeaders, "Accept", "application/json"), strings.Repeat(" ", 2<<20) + validOrder, 413, []string{`"code":"max_body"`}, "", "", false},
		{"undeclared query parameter rejected by config", "GET", "/api/products?limt=3", json, "", 400, []string{`"code":"unknown_parameter"`, "did you mean `limit`?"}, "", "", false},
		{"json_schema under a matcher", "POST", "/signup", map[string]string{"Content-Type": "application/json", "Accept": "application/json"}, `{"email":"x","password":"p"}`, 400, []string{`"pointer":"/body/email"`, `"code":"format"`}, "", "", false},
		{"json_schema passes a valid body", "POST", "/signup", map[string]string{"Content-Type": "application/json"}, `{"email":"a@b.co","password":"correct horse"}`, 200, nil, "", "", true},
		{"paths outside the matcher are not validated", "POST", "/elsewhere", map[string]string{"Content-Type": "text/plain"}, "anything", 200, nil, "", "", true},
		{"report mode passes an invalid request", "GET", "/v1/users?limit=0", nil, "", 200, nil, "", "", true},
		{"an operation enforced inside report mode rejects", "POST", "/v1/users", map[string]string{"Content-Type": "application/json", "X-Tenant": "abc", "Accept": "application/json"}, `{"email":"a@b.co","name":"A","age":12}`, 400, []string{`"pointer":"/body/age"`}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, before := up.last()
			resp, body := send(t, tester, tt.method, base+tt.path, tt.header, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("body lacks %q: %s", c, body)
				}
			}
			if tt.headerName != "" && resp.Header.Get(tt.headerName) != tt.headerValue {
				t.Errorf("%s = %q, want %q", tt.headerName, resp.Header.Get(tt.headerName), tt.headerValue)
			}
			last, after := up.last()
			if reached := after > before; reached != tt.reachesUp {
				t.Fatalf("reached upstream = %v, want %v", reached, tt.reachesUp)
			}
			if tt.reachesUp && tt.body != "" && string(last.body) != tt.body {
				t.Errorf("upstream body differs:\n%q\nsent:\n%q", last.body, tt.body)
			}
		})
	}
	// Metrics in Caddy's registry.
	resp, body := send(t, tester, "GET", fmt.Sprintf("http://localhost:%d/metrics", adminPort), nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`caddy_request_validation_total{operation="createOrder",result="valid"} 1`,
		`caddy_request_validation_total{operation="",result="not_found"} 1`,
		`caddy_request_validation_total{operation="listUsers",result="reported"} 1`,
		`caddy_request_validation_total{operation="createOrder",result="too_large"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestCaddyHandleErrorsPlaceholders(t *testing.T) {
	up := newRecorder(t)
	tester := startCaddy(t, siteConfig(t, up, abs(t, usersDoc)))
	_, body := send(t, tester, "POST", "http://localhost:9181/v1/users", map[string]string{"Content-Type": "application/json", "X-Tenant": "abc"}, `{"email":"a@b.co","name":"A","age":12,"role":"root"}`)
	want := "400 [2 problems; first: age: must be at least 18] count=2 first=age: must be at least 18 op=createUser"
	if body != want {
		t.Errorf("handle_errors got:\n%s\nwant:\n%s", body, want)
	}
}

func TestCaddyReloadAppliesAChangedDocument(t *testing.T) {
	up := newRecorder(t)
	dir := t.TempDir()
	doc, err := os.ReadFile(usersDoc)
	if err != nil {
		t.Fatal(err)
	}
	v1 := filepath.Join(dir, "users-v1.yaml")
	v2 := filepath.Join(dir, "users-v2.yaml")
	os.WriteFile(v1, doc, 0o644)
	os.WriteFile(v2, []byte(strings.Replace(string(doc), "minimum: 18", "minimum: 21", 1)), 0o644)
	req := map[string]string{"Content-Type": "application/json", "X-Tenant": "abc"}
	body := `{"email":"a@b.co","name":"A","age":19}`

	tester := startCaddy(t, siteConfig(t, up, v1))
	if resp, b := send(t, tester, "POST", "http://localhost:9181/v1/users", req, body); resp.StatusCode != 200 {
		t.Fatalf("v1: status %d %s", resp.StatusCode, b)
	}
	tester.InitServer(ports.Config(siteConfig(t, up, v2)), "caddyfile")
	if resp, b := send(t, tester, "POST", "http://localhost:9181/v1/users", req, body); resp.StatusCode != 400 || !strings.Contains(b, "must be at least 21") {
		t.Fatalf("v2: status %d %s", resp.StatusCode, b)
	}
}
