package caddyerrorpages

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Issue 18: every config does what it says. Each test loads the config
// of the issue into the real server.

// Nested error_pages: the innermost one that renders an error owns it;
// the outer one passes the rendered response through untouched.
func TestNestedErrorPagesInnermostOwns(t *testing.T) {
	tester := startCaddy(t, globalOptions+`
http://localhost:9080 {
	error_pages {
		brand {
			name Outer
		}
		message 409 "Outer conflict"
	}
	handle /docs/* {
		error_pages {
			brand {
				name Inner
			}
		}
		error 404
	}
	handle /narrow/* {
		error_pages {
			status 5xx
			brand {
				name Inner
			}
		}
		error 409
	}
	handle /up/* {
		error_pages {
			brand {
				name Inner
			}
		}
		respond "upstream said no" 403
	}
}
`)
	rows := []struct {
		name, path, accept string
		code               int
		want, notWant      []string
	}{
		{"browser gets the inner page", "/docs/x", browserAccept, 404,
			[]string{"<title>404 Not Found · Inner"}, []string{"Outer"}},
		{"text is rendered once", "/docs/x", "text/plain", 404,
			[]string{"404 Not Found\n"}, nil},
		{"upstream error rendered by the inner one", "/up/x", browserAccept, 403,
			[]string{"· Inner"}, []string{"Outer"}},
		{"a status the inner one leaves goes to the outer one", "/narrow/x", browserAccept, 409,
			[]string{"Outer conflict", "· Outer"}, []string{"Inner"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := get(t, tester, "GET", "http://localhost:9080"+row.path, "Accept", row.accept)
			body := string(r.body)
			if r.StatusCode != row.code {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, row.code, body)
			}
			for _, w := range row.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, w := range row.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body has %q:\n%s", w, body)
				}
			}
			if n := strings.Count(body, "404 Not Found"); row.accept == "text/plain" && n != 1 {
				t.Errorf("the text body says 404 Not Found %d times:\n%s", n, body)
			}
		})
	}
	// A JSON answer carries no page policy of an inner HTML render.
	r := get(t, tester, "GET", "http://localhost:9080/docs/x", "Accept", "application/json")
	if csp := r.Header.Get("Content-Security-Policy"); csp != "" {
		t.Errorf("JSON answer has Content-Security-Policy %q", csp)
	}
	if e := decodeEnvelope(t, r.body); e.Error.Code != 404 || e.Error.Message != "Not Found" {
		t.Errorf("envelope = %+v", e)
	}
}

// request_validation without error_pages around it answers a rejected
// request by itself, with error_pages' defaults; with handle_errors the
// error routes decide, as before.
func TestRequestValidationAloneAnswersWithABody(t *testing.T) {
	tester := startCaddy(t, globalOptions+`
http://alone.localhost:9080 {
	request_validation {
		openapi testdata/presets/shop.openapi.yaml
	}
	respond "created" 201
}

http://narrow.localhost:9080 {
	error_pages {
		status 5xx
	}
	request_validation {
		openapi testdata/presets/shop.openapi.yaml
	}
	respond "created" 201
}

http://errors.localhost:9080 {
	request_validation {
		openapi testdata/presets/shop.openapi.yaml
	}
	respond "created" 201
	handle_errors {
		respond "handled {err.status_code}"
	}
}
`)
	send := func(t *testing.T, host, accept string) resp {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+host+":9080/orders?limit=abc", strings.NewReader(`{"email":"not-an-email","role":"owner","items":[{"qty":0}]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", accept)
		req.Header.Set("X-Request-ID", "rv-alone")
		res, err := tester.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return resp{res, body}
	}
	for _, host := range []string{"alone.localhost", "narrow.localhost"} {
		t.Run(host+" json", func(t *testing.T) {
			r := send(t, host, "application/json")
			if r.StatusCode != 400 || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Request-ID") != "rv-alone" {
				t.Fatalf("%d %v\n%s", r.StatusCode, r.Header, r.body)
			}
			e := decodeEnvelope(t, r.body)
			if e.Error.Code != 400 || e.Error.Type != "validation_failed" || len(e.Error.Fields) == 0 || e.Error.RequestID != "rv-alone" || !strings.HasPrefix(e.Error.Details, "The request has ") {
				t.Errorf("envelope = %+v", e)
			}
		})
		t.Run(host+" problem", func(t *testing.T) {
			r := send(t, host, "application/problem+json")
			if r.StatusCode != 400 || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %v\n%s", r.StatusCode, r.Header, r.body)
			}
			var p struct {
				Status int
				Errors []struct{ Detail, Pointer string }
			}
			if err := json.Unmarshal(r.body, &p); err != nil || p.Status != 400 || len(p.Errors) == 0 {
				t.Errorf("problem = %+v (%v)\n%s", p, err, r.body)
			}
		})
	}
	t.Run("unknown path", func(t *testing.T) {
		r := get(t, tester, "GET", "http://alone.localhost:9080/nowhere", "Accept", "application/json")
		if e := decodeEnvelope(t, r.body); r.StatusCode != 404 || e.Error.Code != 404 {
			t.Errorf("%d %s", r.StatusCode, r.body)
		}
	})
	t.Run("handle_errors still decides", func(t *testing.T) {
		r := send(t, "errors.localhost", "application/json")
		if r.StatusCode != 400 || string(r.body) != "handled 400" {
			t.Errorf("%d %q", r.StatusCode, r.body)
		}
	})
}

// An error_pages that can never see a response (after the handler that
// answers, in a route) is reported at load with its route; one in its
// right place is not.
func TestErrorPagesAfterTheAnswerWarnsAtLoad(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	tester := startCaddy(t, strings.Replace(globalOptions, "metrics\n", "metrics\n\tlog {\n\t\toutput file "+logFile+"\n\t\tlevel WARN\n\t}\n", 1)+`
http://localhost:9080 {
	route /api/* {
		reverse_proxy 127.0.0.1:1
		error_pages
	}
	route /first/* {
		error_pages
		respond "no" 404
	}
	handle /docs/* {
		respond "gone" 410
	}
}
`)
	r := get(t, tester, "GET", "http://localhost:9080/api/x", "Accept", "application/json")
	if r.StatusCode != 502 || len(r.body) != 0 {
		t.Fatalf("the config does not do what the test expects: %d %q", r.StatusCode, r.body)
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	var warns []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "error_pages can never see a response") {
			warns = append(warns, line)
		}
	}
	if len(warns) != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", len(warns), b)
	}
	for _, want := range []string{`"level":"warn"`, "after reverse_proxy", "host localhost > path /api/*", "reverse_proxy; error_pages", "put error_pages first"} {
		if !strings.Contains(warns[0], want) {
			t.Errorf("warning lacks %q: %s", want, warns[0])
		}
	}
}

// The author's own text of `error "<text>" <code>` shows the same at the
// top level and inside handle_errors.
func TestAuthorsTextInHandleErrors(t *testing.T) {
	tester := startCaddy(t, globalOptions+`
http://top.localhost:9080 {
	error_pages
	error "This product is no longer sold." 410
}

http://errors.localhost:9080 {
	error "This product is no longer sold." 410
	handle_errors {
		error_pages
	}
}

http://errors410.localhost:9080 {
	error "This product is no longer sold." 410
	handle_errors 410 {
		error_pages
	}
}
`)
	for _, host := range []string{"top", "errors", "errors410"} {
		for _, accept := range []string{"application/json", browserAccept} {
			t.Run(host+" "+accept[:9], func(t *testing.T) {
				r := get(t, tester, "GET", "http://"+host+".localhost:9080/old-product", "Accept", accept)
				if r.StatusCode != 410 || !strings.Contains(string(r.body), "This product is no longer sold.") {
					t.Errorf("%d, the author's text is missing:\n%s", r.StatusCode, r.body)
				}
			})
		}
	}
}

// A Caddyfile error points at the line of the option at fault, not at
// the end of its block; an unquoted color says why it has no value.
func TestCaddyfileErrorsPointAtTheirLine(t *testing.T) {
	for _, row := range []struct {
		name, block string
		want        []string
	}{
		{"bad color in brand", `		brand {
			name Shop
			color "#12345"
			home /
		}`, []string{"brand color:", "Caddyfile:5"}},
		{"unquoted color", `		brand {
			name Shop
			color #0a66c2
		}`, []string{"brand color: needs a value", `a bare # starts a comment: quote it, color "#0a66c2"`, "Caddyfile:5"}},
		{"bad logo URL", `		brand {
			logo javascript:alert(1)
			name Shop
		}`, []string{"brand logo", "Caddyfile:4"}},
		{"missing templates directory", `		templates /no/such/dir
		details auto`, []string{"templates", "Caddyfile:3"}},
		{"maintenance until", `		maintenance {
			until tomorrow
			message "Back soon."
		}`, []string{`maintenance: until: "tomorrow"`, "Caddyfile:4"}},
		{"maintenance allow", `		maintenance {
			message "Back soon."
			allow 300.1.1.1/8
		}`, []string{"maintenance: allow:", "Caddyfile:5"}},
		{"default language not offered", `		languages en de
		default_language fr
		details auto`, []string{`default language "fr"`, "Caddyfile:3"}},
	} {
		t.Run(row.name, func(t *testing.T) {
			cfg := "http://localhost:9080 {\n\terror_pages {\n" + row.block + "\n\t}\n}\n"
			_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "Caddyfile"})
			if err == nil {
				t.Fatalf("adapted without an error:\n%s", cfg)
			}
			for _, w := range row.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}

// Caddyfile.example is caddy fmt-clean: caddy run logs no "Caddyfile
// input is not formatted" for it.
func TestExampleCaddyfileIsFormatted(t *testing.T) {
	b, err := os.ReadFile("Caddyfile.example")
	if err != nil {
		t.Fatal(err)
	}
	if w, diff := caddyfile.FormattingDifference("Caddyfile.example", b); diff {
		t.Errorf("Caddyfile.example:%d is not formatted as caddy fmt would (caddy fmt --diff Caddyfile.example)", w.Line)
	}
}

// message never reads a user's unquoted word as a language tag: the
// language form needs the text quoted, and the ambiguous form is refused
// with the fix.
func TestMessageLanguageIsUnambiguous(t *testing.T) {
	adapt := func(line string) (string, error) {
		cfg := "http://localhost:9080 {\n\terror_pages {\n\t\t" + line + "\n\t}\n}\n"
		out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "Caddyfile"})
		return string(out), err
	}
	for _, row := range []struct {
		line string
		want string // in the JSON, or in the error when err
		err  bool
	}{
		{`message 404 Nicht da`, `message 404 "Nicht da"`, true},
		{`message 404 Nicht da`, `message 404 "Nicht" da`, true},
		{`message 404 Weg de`, `Caddyfile:3`, true},
		{`message 404 "Nicht da"`, `"messages":{"404":"Nicht da"}`, false},
		{`message 404 "Nicht" da`, `"language_messages":{"da":{"404":"Nicht"}}`, false},
		{`message 404 "Seite nicht gefunden" de`, `"language_messages":{"de":{"404":"Seite nicht gefunden"}}`, false},
		{`message 404 Nothing on this shelf`, `"messages":{"404":"Nothing on this shelf"}`, false},
		{`message 404 "Nicht da" d@`, `"d@" is not a language tag`, true},
	} {
		t.Run(row.line, func(t *testing.T) {
			out, err := adapt(row.line)
			switch {
			case row.err && err == nil:
				t.Fatalf("adapted: %s", out)
			case row.err && !strings.Contains(err.Error(), row.want):
				t.Errorf("error lacks %q: %v", row.want, err)
			case !row.err && err != nil:
				t.Fatal(err)
			case !row.err && !strings.Contains(out, row.want):
				t.Errorf("JSON lacks %s: %s", row.want, out)
			}
		})
	}
	// The languages config of docs/languages.md loads and serves each language.
	tester := startCaddy(t, globalOptions+`
http://localhost:9080 {
	error_pages {
		message 404 "Nothing here"
		message 404 "Hier ist nichts" de
	}
	error 404
}
`)
	// An untagged message is the default language's (English): French
	// visitors get the built-in French title, never the English text.
	for lang, want := range map[string]string{"de": "Hier ist nichts", "fr": "Page introuvable", "en": "Nothing here"} {
		r := get(t, tester, "GET", "http://localhost:9080/x", "Accept", browserAccept, "Accept-Language", lang)
		if !strings.Contains(string(r.body), want) {
			t.Errorf("Accept-Language %s: no %q in\n%s", lang, want, r.body)
		}
	}
}

// preset google keeps AIP-193's English error.message: localizing the
// json format with it is refused at load, in the Caddyfile and in JSON.
func TestPresetGoogleRefusesLocalizedJSON(t *testing.T) {
	cfg := "http://localhost:9080 {\n\terror_pages {\n\t\tpreset google\n\t\tlocalize html json\n\t}\n}\n"
	_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "Caddyfile"})
	if err == nil || !strings.Contains(err.Error(), "which AIP-193 keeps in English") || !strings.Contains(err.Error(), "Caddyfile:4") {
		t.Errorf("Caddyfile: %v", err)
	}
	var c caddy.Config
	raw := `{"apps":{"http":{"servers":{"s":{"listen":[":0"],"routes":[{"handle":[{"handler":"error_pages","preset":"google","localize":["json"]}]}]}}}}}`
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	if err := caddy.Validate(&c); err == nil || !strings.Contains(err.Error(), "AIP-193") {
		t.Errorf("JSON: %v", err)
	}
	// Without json in localize, the preset loads, and the API body stays
	// in English for a German client.
	tester := startCaddy(t, globalOptions+`
http://localhost:9080 {
	error_pages {
		preset google
		localize html text
	}
	error 404
}
`)
	r := get(t, tester, "GET", "http://localhost:9080/x", "Accept", "application/json", "Accept-Language", "de")
	var g struct {
		Error struct{ Message, Status string }
	}
	if err := json.Unmarshal(r.body, &g); err != nil || g.Error.Status != "NOT_FOUND" || g.Error.Message != descriptions(404) {
		t.Errorf("%v %s", err, r.body)
	}
}

// A preset or body template for a format the site does not offer would
// never be sent: refused at load, at its line.
func TestShapeOfAFormatNotOfferedIsRefused(t *testing.T) {
	for _, row := range []struct{ block, want string }{
		{"formats html problem\n\t\tpreset jsonapi", "preset jsonapi shapes the json format, which formats (html problem) does not offer"},
		{"formats json\n\t\tpreset google", ""},
		{"formats html json\n\t\ttext_template testdata/presets/templates/errors.txt.tmpl", "text_template shapes the text format"},
	} {
		cfg := "http://localhost:9080 {\n\terror_pages {\n\t\t" + row.block + "\n\t}\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "Caddyfile"})
		switch {
		case row.want == "" && err != nil:
			t.Errorf("%q: %v", row.block, err)
		case row.want != "" && (err == nil || !strings.Contains(err.Error(), row.want) || !strings.Contains(err.Error(), "Caddyfile:4")):
			t.Errorf("%q: %v, want %q at Caddyfile:4", row.block, err, row.want)
		}
	}
}
