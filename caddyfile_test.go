package caddyerrorpages

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"
)

func adapt(t *testing.T, caddyfile string) ([]byte, error) {
	t.Helper()
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), map[string]any{"filename": "Caddyfile"})
	return out, err
}

func TestCaddyfileErrors(t *testing.T) {
	brokenDir := t.TempDir()
	os.WriteFile(filepath.Join(brokenDir, "404.html"), []byte("ok\n{{.Code"), 0o644)
	rows := []struct {
		name, block, want string
	}{
		{"unknown subdirective", "bogus 1", `unknown subdirective "bogus", at Caddyfile:3`},
		{"argument on the directive", "", ""}, // filled below
		{"status not a code", "status 4x0", `status: "4x0" is not a code, class or range`},
		{"status outside 4xx/5xx", "status 302", `only 4xx and 5xx`},
		{"status without args", "status", "status: needs at least one"},
		{"bad range", "status 500-400", "range start is after its end"},
		{"bad format", "formats html yaml", `formats: "yaml" is not a format`},
		{"duplicate format", "formats html html", "listed twice"},
		{"bad default format", "default_format csv", `default_format: "csv" is not a format`},
		{"default format not offered", "formats html json\n\t\tdefault_format xml", "default format xml is not among the offered formats"},
		{"bad size", "max_body lots", `max_body: "lots" is not a size`},
		{"zero size", "max_body 0", "max_body"},
		{"missing templates directory", "templates /nonexistent/dir", "/nonexistent/dir"},
		{"broken template", "templates " + brokenDir, "404.html:2"},
		{"bad details", "details sometimes", `details: "sometimes" is not auto, always or never`},
		{"bad upstream_json", "upstream_json merge", `upstream_json: "merge" is not normalize or keep`},
		{"message bad code", "message 200 OK", `message: "200" is not a 4xx or 5xx`},
		{"message without text", "message 404", "message: needs a status code and a text"},
		{"message twice for a code", "message 404 a\n\t\tmessage 404 b", "404 is given more than once"},
		{"option twice", "details auto\n\t\tdetails never", "details is specified more than once"},
		{"bad passthrough header", "passthrough_header X:Bad", "is not a header name"},
		{"passthrough with three args", "passthrough_header A b c", "passthrough_header: needs a header name"},
		{"bad request id header", `request_id_header "a b"`, "request_id_header"},
		{"docs with two args", "docs a b", "docs: needs exactly one argument"},
		{"brand bad color", "brand {\n\t\t\tcolor red\n\t\t}", `brand color: "red" is not a hex color`},
		{"brand bad url", "brand {\n\t\t\thome javascript:alert(1)\n\t\t}", "brand home"},
		{"brand unknown option", "brand {\n\t\t\tfont serif\n\t\t}", `brand: unknown option "font"`},
		{"cache_control without value", "cache_control", "cache_control: needs a value"},
		{"block after a one-line subdirective", "status 404 {\n\t\t\t5xx\n\t\t}", "status: takes no block"},
		{"docs not an http(s) URL", "docs javascript:alert(1)", `docs: "javascript:alert(1)" must be an http(s) URL or a path starting with /, at Caddyfile:3`},
		{"docs starting with a placeholder", "docs {http.request.uri.query.next}", "must be an http(s) URL"},
		{"docs with an unclosed placeholder", "docs https://docs.example.com/{code", "unclosed placeholder"},
		{"keep_headers without names", "keep_headers", "keep_headers: needs at least one header name, at Caddyfile:3"},
		{"keep_headers of a header kept anyway", "keep_headers Server Set-Cookie", `keep_headers: "Set-Cookie" is not removed anyway`},
		{"template_placeholders without names", "template_placeholders", "template_placeholders: needs at least one"},
		{"template_placeholders of a request placeholder", "template_placeholders http.request.host", `template_placeholders: "http.request.host" is not an env.*, file.* or system.* name or prefix`},
		{"template_placeholders with a wildcard inside", "template_placeholders env.*_KEY", `template_placeholders: "env.*_KEY"`},
		{"unknown preset", "preset hal", `preset: "hal" is not a preset (errorpages, simple, jsonapi, graphql, google), at Caddyfile:3`},
		{"preset without a name", "preset", "preset: needs exactly one argument"},
		{"json_template missing file", "json_template testdata/presets/templates/nope.json.tmpl", "json_template: open testdata/presets/templates/nope.json.tmpl"},
		{"json_template that does not parse names its line", "json_template testdata/presets/templates/unparsable.json.tmpl", "json_template: testdata/presets/templates/unparsable.json.tmpl: template: unparsable.json.tmpl:1:"},
		{"json_template invalid for 5xx only names the sample", "json_template testdata/presets/templates/broken-5xx.json.tmpl",
			`json_template: testdata/presets/templates/broken-5xx.json.tmpl: sample "upstream 502": output is not valid JSON: invalid character '}' looking for beginning of object key string at output line 4, at Caddyfile:3`},
		{"xml_template given a JSON template", "xml_template testdata/presets/templates/errors.json.tmpl", "xml_template: testdata/presets/templates/errors.json.tmpl: sample"},
		{"text_template with two files", "text_template a b", "text_template: needs exactly one argument"},
		{"problem_extension without value", "problem_extension tenant", "problem_extension: needs a member name and a value"},
		{"problem_extension shadowing a standard member", "problem_extension Status 200", `problem_extension: "Status" would shadow the problem's own "status" member, at Caddyfile:3`},
		{"problem_extension shadowing request_id", "problem_extension request_id x", `would shadow the problem's own "request_id" member`},
		{"problem_extension with a name unsafe in JSON", `problem_extension "a\"b" x`, `problem_extension: "a\"b" is not a member name`},
		{"problem_extension given twice", "problem_extension tenant a\n\t\tproblem_extension tenant b", `problem_extension: "tenant" is given more than once, at Caddyfile:4`},
		{"problem_extension with an unclosed placeholder", "problem_extension tenant {http.request.host", "unclosed placeholder"},
		{"unknown source", "sources backend", `sources: "backend" is not local or upstream`},
		{"sources without a source", "sources", "sources: needs local, upstream or both"},
		{"source listed twice", "sources local local", "sources: local is listed twice"},
		{"keep_upstream without a type", "keep_upstream", "keep_upstream: needs at least one media type or range"},
		{"keep_upstream of everything", "keep_upstream */*", `keep_upstream: "*/*" would keep every upstream body`},
		{"keep_upstream with parameters", "keep_upstream application/json;charset=utf-8", `keep_upstream: "application/json;charset=utf-8" is not a media type or range`},
		{"keep_upstream of a half type", "keep_upstream application", `keep_upstream: "application" is not a media type`},
		{"request_id without a placeholder", "request_id X-Amzn-Trace-Id", `request_id: "X-Amzn-Trace-Id" is not a placeholder expression`},
		{"request_id with two args", "request_id {a} {b}", "request_id: needs exactly one argument"},
		{"brand bad status_page", "brand {\n\t\t\tstatus_page javascript:alert(1)\n\t\t}", `brand status_page: "javascript:alert(1)" must be an http(s) URL`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			cf := "http://localhost {\n\terror_pages {\n\t\t" + row.block + "\n\t}\n}\n"
			want := row.want
			if row.name == "argument on the directive" {
				cf = "http://localhost {\n\terror_pages json\n}\n"
				want = `unexpected argument "json"`
			}
			_, err := adapt(t, cf)
			if err == nil {
				t.Fatalf("adapting should fail:\n%s", cf)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if !strings.Contains(err.Error(), "Caddyfile:") {
				t.Errorf("error %q does not name the file and line", err)
			}
		})
	}
}

// TestCaddyfileAdapt compares Caddyfile→JSON against golden files in
// testdata/adapt (Caddyfile, a line of dashes, the JSON), then loads the
// JSON again: provisioning it must succeed unchanged.
func TestCaddyfileAdapt(t *testing.T) {
	files, _ := filepath.Glob("testdata/adapt/*.txt")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.SplitN(string(data), "----------", 2)
			if len(parts) != 2 {
				t.Fatal("no ---------- separator")
			}
			if !caddytest.CompareAdapt(t, file, parts[0], "caddyfile", strings.TrimSpace(parts[1])) {
				t.Fatal("adapted JSON differs from the golden file")
			}
			var cfg caddy.Config
			if err := json.Unmarshal([]byte(parts[1]), &cfg); err != nil {
				t.Fatal(err)
			}
			if err := caddy.Validate(&cfg); err != nil {
				t.Errorf("adapted config does not load again: %v", err)
			}
		})
	}
}

func TestDirectiveOrder(t *testing.T) {
	// error_pages sorts before basic_auth and everything that responds,
	// without an order option.
	out, err := adapt(t, "http://localhost {\n\trespond 404\n\tbasic_auth {\n\t\tu $2a$14$vCF60G7mdcr.2myMO3Z6u.c6yRLaHEHQO5C7C/8tgk0/G1j2/hR/K\n\t}\n\terror_pages\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	ep, ba, re := strings.Index(s, `"error_pages"`), strings.Index(s, `"authentication"`), strings.Index(s, `"static_response"`)
	if ep < 0 || ba < 0 || re < 0 || !(ep < ba && ba < re) {
		t.Errorf("order error_pages=%d basic_auth=%d respond=%d in %s", ep, ba, re, s)
	}
}

func TestExampleCaddyfileAdapts(t *testing.T) {
	src, err := os.ReadFile("Caddyfile.example")
	if err != nil {
		t.Fatal(err)
	}
	out, err := adapt(t, string(src))
	if err != nil {
		t.Fatal(err)
	}
	var cfg caddy.Config
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	if err := caddy.Validate(&cfg); err != nil {
		t.Errorf("Caddyfile.example does not validate: %v", err)
	}
}

// JSON configs get the same checks as the Caddyfile, at provision time.
func TestJSONConfigErrors(t *testing.T) {
	for _, row := range []struct{ handler, want string }{
		{`{"status":["3xx"]}`, "status:"},
		{`{"formats":["yaml"]}`, "formats:"},
		{`{"default_format":"csv"}`, "default_format:"},
		{`{"formats":["html"],"default_format":"json"}`, "not among the offered formats"},
		{`{"details":"sometimes"}`, "details:"},
		{`{"upstream_json":"merge"}`, "upstream_json:"},
		{`{"max_body":-1}`, "max_body:"},
		{`{"messages":{"200":"OK"}}`, "message:"},
		{`{"passthrough_header":"a b"}`, "passthrough_header:"},
		{`{"request_id_header":"x:y"}`, "request_id_header:"},
		{`{"templates":"/nonexistent/dir"}`, "/nonexistent/dir"},
		{`{"brand":{"color":"blue"}}`, "brand color:"},
		{`{"cache_control":"a\r\nSet-Cookie: x"}`, "cache_control:"},
		{`{"docs":"//evil.example/{code}"}`, "docs:"},
		{`{"keep_headers":["Content-Type"]}`, "keep_headers:"},
		{`{"template_placeholders":["http.request.host"]}`, "template_placeholders:"},
		{`{"preset":"hal"}`, "preset:"},
		{`{"json_template":"testdata/presets/templates/broken-5xx.json.tmpl"}`, `json_template: testdata/presets/templates/broken-5xx.json.tmpl: sample "upstream 502"`},
		{`{"text_template":"/nonexistent/t.txt"}`, "text_template:"},
		{`{"problem_extensions":{"title":"x"}}`, `problem_extension: "title" would shadow`},
		{`{"problem_extensions":{"a b":"x"}}`, "is not a member name"},
		{`{"sources":["backend"]}`, "sources:"},
		{`{"keep_upstream":["*/*"]}`, "keep_upstream:"},
		{`{"request_id":"X-Trace"}`, "request_id:"},
		{`{"brand":{"status_page":"ftp://status.example.com"}}`, "brand status_page:"},
	} {
		t.Run(row.handler, func(t *testing.T) {
			cfg := `{"apps":{"http":{"servers":{"s":{"listen":[":0"],"routes":[{"handle":[` +
				strings.TrimSuffix(`{"handler":"error_pages",`+row.handler[1:], "") + `]}]}}}}}`
			var c caddy.Config
			if err := json.Unmarshal([]byte(cfg), &c); err != nil {
				t.Fatal(err)
			}
			err := caddy.Validate(&c)
			if err == nil || !strings.Contains(err.Error(), row.want) {
				t.Errorf("Validate = %v, want an error containing %q", err, row.want)
			}
		})
	}
}

// A JSON config works like the Caddyfile: loaded into the real server.
func TestJSONConfigServes(t *testing.T) {
	tester := startCaddyAs(t, `{
	"admin": {"listen": "localhost:2999"},
	"apps": {
		"pki": {"certificate_authorities": {"local": {"install_trust": false}}},
		"http": {
			"grace_period": 1,
			"servers": {
				"json": {
					"listen": [":9080"],
					"automatic_https": {"disable": true},
					"routes": [{
						"handle": [
							{
								"handler": "error_pages",
								"formats": ["problem", "json"],
								"default_format": "problem",
								"messages": {"404": "Nothing here"},
								"docs": "https://docs.example.com/e/{code}",
								"cache_control": "private, max-age=5"
							},
							{"handler": "error", "error": "No such widget", "status_code": 404}
						]
					}]
				}
			}
		}
	}
}`, "json")
	r := get(t, tester, "GET", "http://localhost:9080/widgets/7")
	var p map[string]any
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("%s", r.body)
	}
	if r.StatusCode != 404 || r.Header.Get("Content-Type") != "application/problem+json" || r.Header.Get("Cache-Control") != "private, max-age=5" {
		t.Errorf("%d %v", r.StatusCode, r.Header)
	}
	if p["title"] != "Nothing here" || p["detail"] != "No such widget" || p["type"] != "https://docs.example.com/e/404" || p["instance"] != "/widgets/7" {
		t.Errorf("problem = %v", p)
	}
}
