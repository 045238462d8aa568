package caddyerrorpages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	"github.com/errorpages/caddy-errorpages/requestvalidation"
)

// docExample is a fenced block of a documentation file.
type docExample struct {
	file, lang, text string
	line             int
}

// docExamples returns the caddyfile and json blocks of README.md and
// docs/*.md.
func docExamples(t *testing.T) []docExample {
	t.Helper()
	files, _ := filepath.Glob("docs/*.md")
	files = append([]string{"README.md"}, files...)
	fence := regexp.MustCompile("(?s)```(caddyfile|json)\n(.*?)```")
	var out []docExample
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fence.FindAllSubmatchIndex(raw, -1) {
			out = append(out, docExample{f, string(raw[m[2]:m[3]]), string(raw[m[4]:m[5]]), 1 + bytes.Count(raw[:m[0]], []byte("\n"))})
		}
	}
	return out
}

// Every Caddyfile example in the docs is a config Caddy adapts (with its
// files in place), and every JSON handler config names only options that
// exist and passes the handler's checks: the docs cannot drift from the
// behaviour. Blocks that show syntax (`[<matcher>]`, `<file>`) are not
// configs and are left out.
func TestDocExamplesLoad(t *testing.T) {
	examples := docExamples(t)
	dir := t.TempDir()
	fixtures := map[string]string{
		"openapi.yaml":         "openapi: 3.1.0\ninfo: {title: Shop, version: '1'}\npaths:\n  /orders:\n    post:\n      operationId: createOrder\n      responses: {'201': {description: created}}\n",
		"errors.json.tmpl":     `{"error":{{json .Message}}}`,
		"i18n/de.json":         `{"status.404.title": "Seite nicht gefunden"}`,
		"templates/error.html": "<!doctype html><title>{{.Code}}</title>",
	}
	for name, body := range fixtures {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
	t.Setenv("MAINTENANCE_TOKEN", "docs-example-token")
	directive := regexp.MustCompile(`^[a-z_]+( |$)`)
	caddyfiles, handlers := 0, 0
	for _, ex := range examples {
		where := ex.file + ":" + strconv.Itoa(ex.line)
		if strings.Contains(ex.text, "<") && strings.Contains(ex.text, ">") && ex.lang == "caddyfile" {
			continue // syntax, not a config
		}
		switch ex.lang {
		case "caddyfile":
			text := strings.ReplaceAll(ex.text, "/etc/caddy/", dir+"/")
			first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(text), "\n", 2)[0])
			if directive.MatchString(first) && !strings.Contains(first, ".") && !strings.HasPrefix(first, "http") {
				text = "http://localhost {\n" + text + "\n}\n" // a directive shown alone
			}
			adapter := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
			if _, _, err := adapter.Adapt([]byte(text), nil); err != nil {
				if strings.Contains(err.Error(), "module not registered: caddy.storage.") {
					t.Logf("%s: names a storage module of another plugin, not in this build: %v", where, err)
					continue
				}
				t.Errorf("%s: the Caddyfile example does not adapt: %v\n%s", where, err, ex.text)
			}
			caddyfiles++
		case "json":
			var probe struct {
				Handler string `json:"handler"`
			}
			if json.Unmarshal([]byte(ex.text), &probe) != nil || probe.Handler == "" {
				continue // a body, a translation file, not a handler config
			}
			if err := loadHandlerExample(probe.Handler, ex.text); err != nil {
				t.Errorf("%s: %v", where, err)
			}
			handlers++
		}
	}
	if caddyfiles < 8 || handlers < 3 {
		t.Fatalf("%d Caddyfile examples and %d JSON handler configs checked: the test sees too little", caddyfiles, handlers)
	}
	// The check sees a wrong option.
	if loadHandlerExample("error_pages", `{"handler":"error_pages","colour":"red"}`) == nil ||
		loadHandlerExample("request_validation", `{"handler":"request_validation","openapi":"openapi.yaml","mode":"strict"}`) == nil {
		t.Fatal("a JSON example with a wrong option passes the check")
	}
}

// loadHandlerExample decodes a JSON handler config refusing unknown
// members, then loads it as `caddy validate` does.
func loadHandlerExample(handler, text string) error {
	var v any
	switch handler {
	case "error_pages":
		v = new(Handler)
	case "request_validation":
		v = new(requestvalidation.Handler)
	default:
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &members); err != nil {
		return err
	}
	delete(members, "handler") // Caddy's module name, not an option
	options, _ := json.Marshal(members)
	dec := json.NewDecoder(bytes.NewReader(options))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the JSON example names an option that does not exist: %w", err)
	}
	cfg := `{"apps":{"http":{"servers":{"docs":{"listen":["127.0.0.1:0"],"routes":[{"handle":[` + text + `]}]}}}}}`
	var c caddy.Config
	if err := json.Unmarshal([]byte(cfg), &c); err != nil {
		return err
	}
	if err := caddy.Validate(&c); err != nil {
		return fmt.Errorf("the JSON example fails to load: %w", err)
	}
	return nil
}
