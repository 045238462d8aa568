package caddyerrorpages

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// frameworkFixture is one recorded exchange with a real framework's default
// error handling (errorpages/testdata/frameworks/capture.sh writes them).
type frameworkFixture struct {
	Framework string `json:"framework"`
	Version   string `json:"version"`
	Request   struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"request"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func loadFrameworkFixtures(t *testing.T) map[string]*frameworkFixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("errorpages", "testdata", "frameworks", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no framework fixtures: %v", err)
	}
	out := map[string]*frameworkFixture{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f frameworkFixture
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = &f
	}
	return out
}

// hopByHop are connection headers of the recorded exchange that belong to
// the framework's connection, not to the response the proxy forwards.
var hopByHop = map[string]bool{"Connection": true, "Keep-Alive": true, "Transfer-Encoding": true}

// replayUpstream answers /<fixture name> with that fixture's exact status,
// headers and body, as the framework sent them.
func replayUpstream(t *testing.T, fixtures map[string]*frameworkFixture) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := fixtures[strings.TrimPrefix(r.URL.Path, "/")]
		if f == nil {
			http.Error(w, "no such fixture", http.StatusTeapot)
			return
		}
		io.Copy(io.Discard, r.Body)
		for k, v := range f.Headers {
			if !hopByHop[http.CanonicalHeaderKey(k)] {
				w.Header().Set(k, v)
			}
		}
		w.WriteHeader(f.Status)
		io.WriteString(w, f.Body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// upstreamFingerprints are the response headers that name the framework or
// its server; none of them may reach the client on a rewritten response.
var upstreamFingerprints = []string{"Express", "uvicorn", "Werkzeug", "WSGIServer", "CPython"}

// TestFrameworkFixturesThroughCaddy replays the real frameworks' default
// error output (issue 8) behind reverse_proxy with a bare error_pages: the
// rewritten responses carry none of the upstream's fingerprints (items 13
// and 14: X-Powered-By, its Server value), an HTML page does not carry the
// upstream's Content-Security-Policy: default-src 'none' (which would block
// the page's own inline style), and JSON clients get the upstream's fields
// in the upstream's order.
func TestFrameworkFixturesThroughCaddy(t *testing.T) {
	// fields are "field: message" in the order the upstream reported them;
	// details is checked where the upstream gave a message that error_pages
	// shows (4xx); 5xx always get the standard description.
	rows := []struct {
		fixture string
		details string
		fields  []string
	}{
		{fixture: "express-500-thrown"},
		{fixture: "express-500-thrown-production"},
		{fixture: "express-404-route"},
		{fixture: "express-400-json-message", details: "Invalid email or password"},
		{fixture: "express-validator-400-body", fields: []string{"email: Invalid value", "age: must be at least 18", "address.city: Invalid value"}},
		{fixture: "express-validator-400-query", fields: []string{"limit: Invalid value"}},
		{fixture: "fastify-400-format", details: `body/email must match format "email"`, fields: []string{`email: must match format "email"`}},
		{fixture: "fastify-400-minimum", details: "body/age must be >= 18", fields: []string{"age: must be >= 18"}},
		{fixture: "fastify-400-required", details: "body must have required property 'email'", fields: []string{"email: must have required property 'email'"}},
		{fixture: "fastify-400-querystring", details: "querystring/limit must be integer", fields: []string{"limit: must be integer"}},
		{fixture: "fastify-404-route", details: "Route GET:/nope not found"},
		{fixture: "nestjs-400-validation", fields: []string{"email: must be an email", "age: must not be less than 18", "address.city: should not be empty"}},
		{fixture: "nestjs-404-not-found-exception", details: "User 42 not found"},
		{fixture: "nestjs-404-route", details: "Cannot GET /nope"},
		{fixture: "hapi-400-validation-default", details: "Invalid request payload input"},
		{fixture: "hapi-400-validation-rethrow", details: `"email" must be a valid email`, fields: []string{"email: must be a valid email"}},
		{fixture: "hapi-400-validation-all", fields: []string{"email: must be a valid email", "age: must be greater than or equal to 18"}},
		{fixture: "hapi-400-query", details: `"limit" must be a number`, fields: []string{"limit: must be a number"}},
		{fixture: "hapi-404-route"},
		{fixture: "fastapi-422-body", fields: []string{
			"email: value is not a valid email address",
			"name: ensure this value has at least 1 characters",
			"age: ensure this value is greater than or equal to 18",
			"items[1].sku: ensure this value has at least 3 characters",
			"items[1].qty: ensure this value is greater than or equal to 1",
		}},
		{fixture: "fastapi-422-query", fields: []string{"limit: value is not a valid integer"}},
		{fixture: "fastapi-404-http-exception", details: "Item not found"},
		{fixture: "fastapi-404-route"},
		{fixture: "fastapi-500-unhandled"},
		{fixture: "drf-400-fields", fields: []string{"email: Enter a valid email address.", "age: Ensure this value is greater than or equal to 18."}},
		{fixture: "drf-400-nested", fields: []string{"address.city: This field may not be blank.", "address.zip: This value does not match the required pattern."}},
		{fixture: "drf-400-non-field", details: "Passwords do not match."},
		{fixture: "drf-404-detail", details: "Not found."},
		{fixture: "flask-400-abort-html"},
		{fixture: "flask-404-route"},
		{fixture: "flask-500-unhandled"},
		{fixture: "flask-400-jsonify", details: "Invalid email or password"},
	}

	fixtures := loadFrameworkFixtures(t)
	up := replayUpstream(t, fixtures)
	tester := startCaddy(t, globalOptions+`
http://localhost:9080 {
	error_pages
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}
`)

	send := func(t *testing.T, f *frameworkFixture, name, accept string) resp {
		t.Helper()
		req, err := http.NewRequest(f.Request.Method, "http://localhost:9080/"+name, strings.NewReader(f.Request.Body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range f.Request.Headers {
			req.Header.Set(k, v)
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Encoding", "identity")
		res, err := tester.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp{res, body}
	}
	noFingerprints := func(t *testing.T, r resp) {
		t.Helper()
		if v := r.Header.Values("X-Powered-By"); len(v) > 0 {
			t.Errorf("X-Powered-By = %q reached the client", v)
		}
		for _, v := range r.Header.Values("Server") {
			for _, fp := range upstreamFingerprints {
				if strings.Contains(v, fp) {
					t.Errorf("upstream Server %q reached the client", v)
				}
			}
		}
	}

	covered := map[string]bool{}
	for _, row := range rows {
		covered[row.fixture] = true
		f := fixtures[row.fixture]
		if f == nil {
			t.Errorf("no fixture errorpages/testdata/frameworks/%s.json", row.fixture)
			continue
		}
		t.Run(row.fixture+" to a browser", func(t *testing.T) {
			r := send(t, f, row.fixture, browserAccept)
			if r.StatusCode != f.Status {
				t.Errorf("status = %d, want the upstream's %d", r.StatusCode, f.Status)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.HasPrefix(strings.ToLower(string(r.body)), "<!doctype html>") {
				t.Fatalf("not the rewritten HTML page: %s\n%.200s", ct, r.body)
			}
			noFingerprints(t, r)
			for _, csp := range r.Header.Values("Content-Security-Policy") {
				if strings.TrimSpace(csp) == "default-src 'none'" || !strings.Contains(csp, "style-src") {
					t.Errorf("Content-Security-Policy %q does not fit the page (its inline style would be blocked)", csp)
				}
			}
		})
		t.Run(row.fixture+" to a JSON client", func(t *testing.T) {
			r := send(t, f, row.fixture, "application/json")
			if r.StatusCode != f.Status {
				t.Errorf("status = %d, want the upstream's %d", r.StatusCode, f.Status)
			}
			noFingerprints(t, r)
			e := decodeEnvelope(t, r.body)
			if e.Error.Code != f.Status {
				t.Errorf("code = %d, want %d", e.Error.Code, f.Status)
			}
			var got []string
			for _, fl := range e.Error.Fields {
				got = append(got, fl.Field+": "+fl.Message)
			}
			if !reflect.DeepEqual(got, row.fields) {
				t.Errorf("fields:\n got  %q\n want %q", got, row.fields)
			}
			switch {
			case f.Status >= 500:
				if want := errorpages.Description(f.Status); e.Error.Details != want {
					t.Errorf("5xx details = %q, want the standard %q", e.Error.Details, want)
				}
			case row.details != "":
				if e.Error.Details != row.details {
					t.Errorf("details = %q, want the upstream's %q", e.Error.Details, row.details)
				}
			}
			for _, bad := range []string{"/work/", "node_modules", "10.0.3.", "s3cret", "ECONNREFUSED"} {
				if strings.Contains(string(r.body), bad) {
					t.Errorf("body carries the upstream's internal %q: %s", bad, r.body)
				}
			}
			if allow, ok := f.Headers["Allow"]; ok && r.Header.Get("Allow") != allow {
				t.Errorf("Allow = %q, want the upstream's %q kept", r.Header.Get("Allow"), allow)
			}
		})
	}
	var missing []string
	for name := range fixtures {
		if !covered[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("fixtures without a row: %v", missing)
	}
}
