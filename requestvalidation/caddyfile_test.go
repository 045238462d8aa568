package requestvalidation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
)

func TestCaddyfileSubdirectives(t *testing.T) {
	d := caddyfile.NewTestDispenser(`request_validation {
		openapi ` + shopDoc + `
		mode report
		operation createOrder enforce
		operation payOrder enforce
		base_path /api
		unknown_path pass
		unknown_method pass
		unknown_query reject
		max_body 4KiB
		max_depth 32
		max_problems 10
		check_formats off
		read_only allow
		body_status 422
	}`)
	var h Handler
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(h)
	want := `{"openapi":"` + shopDoc + `","mode":"report","operations":{"createOrder":"enforce","payOrder":"enforce"},"base_path":"/api","unknown_path":"pass","unknown_method":"pass","unknown_query":"reject","max_body":4096,"max_depth":32,"max_problems":10,"check_formats":false,"read_only":"allow","body_status":422}`
	if string(got) != want {
		t.Errorf("config\n%s\nwant\n%s", got, want)
	}
	// The JSON loads back into the same handler.
	var back Handler
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(got) {
		t.Errorf("round trip changed the config: %s", again)
	}
}

func TestCaddyfileErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/Gone'}\n"), 0o644)
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"unknown subdirective", "request_validation {\n\topenapi " + shopDoc + "\n\tstrict yes\n}", []string{`unknown subdirective "strict"`, "Testfile:3"}},
		{"bad mode", "request_validation {\n\topenapi " + shopDoc + "\n\tmode shadow\n}", []string{`mode: "shadow" is not one of`, "Testfile:3"}},
		{"bad size", "request_validation {\n\topenapi " + shopDoc + "\n\tmax_body lots\n}", []string{`max_body: "lots" is not a size`}},
		{"bad body status", "request_validation {\n\topenapi " + shopDoc + "\n\tbody_status 418\n}", []string{"body_status: must be 400 or 422"}},
		{"repeated subdirective", "request_validation {\n\topenapi " + shopDoc + "\n\topenapi " + shopDoc + "\n}", []string{"openapi is specified more than once"}},
		{"argument on the directive line", "request_validation " + shopDoc, []string{"unexpected argument"}},
		{"no source", "request_validation {\n\tmode report\n}", []string{"one of openapi and json_schema is required"}},
		{"both sources", "request_validation {\n\topenapi " + shopDoc + "\n\tjson_schema x.json\n}", []string{"cannot both be set"}},
		{"unknown operationId", "request_validation {\n\topenapi " + shopDoc + "\n\toperation createOrdr report\n}", []string{`operation "createOrdr": the document has no such operationId`}},
		{"broken document names its file and line", "request_validation {\n\topenapi " + broken + "\n}", []string{"broken.yaml:9", "#/paths/~1a/post/requestBody/content/application~1json/schema/$ref", "nothing at #/components/schemas/Gone", "Testfile:"}},
		{"missing document", "request_validation {\n\topenapi " + filepath.Join(dir, "nope.yaml") + "\n}", []string{"nope.yaml", "cannot read"}},
		{"subdirective with a block", "request_validation {\n\topenapi " + shopDoc + " {\n\t\tx\n\t}\n}", []string{"openapi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// A broken document fails `caddy adapt` (which does not provision) and
// `caddy validate` of a JSON config (which does).
func TestBrokenDocumentFailsAdaptAndValidate(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "api.yaml")
	os.WriteFile(broken, []byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: string, pattern: '(['}}\n"), 0o644)
	cf := ":9190 {\n\trequest_validation {\n\t\topenapi " + broken + "\n\t}\n\trespond ok\n}\n"
	_, _, err := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}.Adapt([]byte(cf), nil)
	if err == nil || !strings.Contains(err.Error(), "api.yaml:7") || !strings.Contains(err.Error(), "invalid") {
		t.Errorf("adapt: %v", err)
	}
	cfg := `{"apps":{"http":{"servers":{"s":{"listen":[":9191"],"routes":[{"handle":[{"handler":"request_validation","openapi":` + jsonString(broken) + `}]}]}}}}}`
	var c caddy.Config
	if err := json.Unmarshal([]byte(cfg), &c); err != nil {
		t.Fatal(err)
	}
	err = caddy.Validate(&c)
	if err == nil || !strings.Contains(err.Error(), "api.yaml:7") {
		t.Errorf("validate: %v", err)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDirectiveOrder(t *testing.T) {
	cf := ":9192 {\n\treverse_proxy 127.0.0.1:9\n\trespond /x ok\n\trequest_validation {\n\t\topenapi " + shopDoc + "\n\t}\n\tforward_auth 127.0.0.1:9 {\n\t\turi /auth\n\t}\n\tbasic_auth {\n\t\tu $2a$14$vCF60G7mdcr.2myMO3Z6u.c6yRLaHEHQO5C7C/8tgk0/G1j2/hR/K\n\t}\n}\n"
	out, _, err := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}.Adapt([]byte(cf), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	order := []string{`"authentication"`, `"uri":"/auth"`, `"handler":"request_validation"`, `"body":"ok"`, `"handler":"reverse_proxy","upstreams":[{"dial":"127.0.0.1:9"}]}`}
	last := -1
	for _, o := range order {
		i := strings.Index(s, o)
		if i < 0 || i < last {
			t.Fatalf("%s is not after the previous handler in\n%s", o, s)
		}
		last = i
	}
}

// The docs' example document and Caddyfile load as shown, and
// docs/request-validation.md quotes them verbatim.
func TestReadmeExample(t *testing.T) {
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir("testdata/readme"); err != nil {
		t.Fatal(err)
	}
	cf, err := os.ReadFile("Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := (caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}).Adapt(cf, nil); err != nil {
		t.Fatalf("adapt: %v", err)
	}
	doc, _ := os.ReadFile("openapi.yaml")
	page, err := os.ReadFile("../../../docs/request-validation.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"openapi.yaml": doc, "Caddyfile": cf} {
		if !strings.Contains(string(page), string(content)) {
			t.Errorf("docs/request-validation.md does not quote %s as it is", name)
		}
	}
}
