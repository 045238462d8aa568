package errorpagescmd_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	_ "github.com/errorpages/caddy-errorpages"
	"github.com/errorpages/caddy-errorpages/cmd/errorpagescmd"
	"github.com/errorpages/caddy-errorpages/errorpages"
)

// caddy error-pages schema prints, for each preset, a schema that every
// JSON body the configured handler writes fits: the json format of every
// status and the maintenance page, and problem+json with the configured
// extension members; --openapi gives the same schemas as components.
func TestSchemaCommandDescribesTheSitesBodies(t *testing.T) {
	for _, preset := range []string{"", "simple", "jsonapi", "graphql", "google"} {
		t.Run("preset "+preset, func(t *testing.T) {
			opt := ""
			if preset != "" {
				opt = "\t\tpreset " + preset + "\n"
			}
			cfg := filepath.Join(t.TempDir(), "Caddyfile")
			os.WriteFile(cfg, []byte("http://api.localhost {\n\terror_pages {\n"+opt+"\t\tproblem_extension api_version 2024-06-01\n\t}\n\trespond \"ok\"\n}\n"), 0o644)
			g, err := errorpagescmd.LoadGallery(cfg, "caddyfile")
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			out, err := g.Schemas(false)
			if err != nil {
				t.Fatal(err)
			}
			var bySite map[string]map[string]any
			if err := json.Unmarshal(out, &bySite); err != nil {
				t.Fatal(err)
			}
			schemas := bySite["api.localhost"]
			if len(schemas) != 2 {
				t.Fatalf("schemas for %v, want the json format's and problem+json's", len(schemas))
			}
			compiled := map[errorpages.Format]*jsonschema.Schema{}
			for mt, doc := range schemas {
				raw, _ := json.Marshal(doc)
				parsed, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
				c := jsonschema.NewCompiler()
				c.AddResource("s.json", parsed)
				sch, err := c.Compile("s.json")
				if err != nil {
					t.Fatalf("%s: %v", mt, err)
				}
				f := errorpages.JSON
				if mt == "application/problem+json" {
					f = errorpages.Problem
				}
				compiled[f] = sch
			}
			s := g.Sites()[0]
			n := 0
			for _, p := range s.Pages() {
				sch := compiled[p.Format]
				if sch == nil {
					continue
				}
				_, body, err := s.Render(p, false, "")
				if err != nil {
					t.Fatal(err)
				}
				v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s: not JSON: %s", p.File, body)
				}
				if err := sch.Validate(v); err != nil {
					t.Errorf("%s does not fit its schema: %v\n%s", p.File, err, body)
				}
				n++
			}
			if n < 20 {
				t.Fatalf("only %d bodies checked", n)
			}
			openapi, err := g.Schemas(true)
			if err != nil {
				t.Fatal(err)
			}
			var frag struct {
				Components struct {
					Schemas map[string]map[string]any `json:"schemas"`
				} `json:"components"`
			}
			if err := json.Unmarshal(openapi, &frag); err != nil || len(frag.Components.Schemas) != 2 || frag.Components.Schemas["ProblemDetails"]["properties"] == nil {
				t.Fatalf("openapi fragment: %v %s", err, openapi)
			}
		})
	}
}
