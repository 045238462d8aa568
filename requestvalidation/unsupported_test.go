package requestvalidation

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// A construct the validator cannot check fails the load by default,
// naming file, line, pointer and reason; with `unsupported skip` the
// document loads, and each part left unvalidated is one WARN line at
// load and a caddy_request_validation_unvalidated series.
func TestUnsupportedSkipIsLoggedAndCounted(t *testing.T) {
	doc := "../validation/testdata/unsupported.yaml"
	h := Handler{OpenAPI: doc}
	if err := h.setDefaults(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.compile(); err == nil || !strings.Contains(err.Error(), "unsupported.yaml:12 (#/paths/~1feeds/post/parameters/0/content/application~1xml/schema): query parameter filter cannot be validated") {
		t.Errorf("default: %v", err)
	}
	th := newTestHandler(t, Handler{OpenAPI: doc, Unsupported: "skip"})
	d, err := th.compile()
	if err != nil {
		t.Fatal(err)
	}
	if err := th.reportSkipped(th.reg, d); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range th.logs.All() {
		f := e.ContextMap()
		got = append(got, e.Level.String()+" "+f["operation"].(string)+" "+f["part"].(string)+" "+f["where"].(string))
	}
	want := []string{
		"warn postFeed query parameter filter ../validation/testdata/unsupported.yaml:12 (#/paths/~1feeds/post/parameters/0/content/application~1xml/schema)",
		"warn postFeed body application/xml ../validation/testdata/unsupported.yaml:18 (#/paths/~1feeds/post/requestBody/content/application~1xml/schema)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	families, err := th.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range families {
		if f.GetName() == "caddy_request_validation_unvalidated" {
			n = len(f.GetMetric())
		}
	}
	if n != 2 {
		t.Errorf("%d unvalidated series, want 2", n)
	}
}

// unsupported and max_files in the Caddyfile and in JSON.
func TestUnsupportedAndMaxFilesOptions(t *testing.T) {
	for _, tt := range []struct{ block, err string }{
		{"openapi ../validation/testdata/unsupported.yaml\nunsupported skip", ""},
		{"openapi ../validation/testdata/unsupported.yaml\nunsupported refuse", "cannot be validated"},
		{"openapi ../validation/testdata/unsupported.yaml\nunsupported maybe", `unsupported: "maybe" is not one of [refuse skip]`},
		{"openapi ../validation/testdata/multifile/api.yaml\nmax_files 20", ""},
		{"openapi ../validation/testdata/multifile/api.yaml\nmax_files 3", "more than 3 files reached through $ref (the limit is max_files)"},
		{"openapi ../validation/testdata/multifile/api.yaml\nmax_files none", `max_files: "none" is not a positive number`},
	} {
		var h Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("request_validation {\n" + tt.block + "\n}"))
		if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%q: %v, want %q", tt.block, err, tt.err)
		}
	}
	h := Handler{OpenAPI: "x.yaml", Unsupported: "ignore"}
	if err := h.setDefaults(); err == nil || !strings.Contains(err.Error(), `unsupported must be refuse or skip, not "ignore"`) {
		t.Errorf("JSON unsupported ignore: %v", err)
	}
}
