package errorpagescmd_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/errorpages/caddy-errorpages/cmd/errorpagescmd"
	"github.com/errorpages/caddy-errorpages/internal/testports"
)

// ports: Caddy's ports for the tests that start one, chosen by the OS
// (the configs write 9080 and admin 2999 as names for them).
var ports = testports.Free(9080, 2999)

func init() { caddytest.Default.AdminPort = ports.Port(2999) }

const globalOptions = `{
	skip_install_trust
	admin localhost:2999
	http_port 9080
	grace_period 1ns
}
`

// schemaDoc is the API the real bodies come from: a body request_validation
// checks, and an answer it checks against its declared shape.
const schemaDoc = `openapi: 3.1.0
info: {title: Schema bodies, version: "1"}
paths:
  /api/users:
    post:
      operationId: createUser
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email]
              properties:
                email: {type: string, format: email}
                age: {type: integer, minimum: 0}
      responses:
        "201": {description: created}
        "400": {description: the upstream's own validation error}
  /api/pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: the pets
          content:
            application/json:
              schema:
                type: array
                items: {type: object, required: [id], properties: {id: {type: integer}}}
`

// The schema caddy error-pages schema prints for a site describes the
// bodies a real Caddy sends for it, for every preset, in JSON and
// problem+json: an upstream 400 with fields (express-validator's shape),
// a local 404, a 502 (upstream down), request_validation's 400 and a 502
// upstream_contract_violation (responses enforce).
func TestSchemaDescribesRealBodies(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/users":
			w.WriteHeader(400)
			io.WriteString(w, `{"errors":[{"type":"field","value":"x","msg":"Invalid value","path":"name","location":"body"}]}`)
		case "/api/pets":
			io.WriteString(w, `[{"id":"one"},{"name":"no id"}]`) // two problems: the contract is broken
		}
	}))
	defer up.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	doc := filepath.Join(dir, "openapi.yaml")
	os.WriteFile(doc, []byte(schemaDoc), 0o644)

	for _, preset := range []string{"", "simple", "jsonapi", "graphql", "google"} {
		t.Run("preset "+preset, func(t *testing.T) {
			opt := ""
			if preset != "" {
				opt = "\t\tpreset " + preset + "\n"
			}
			site := fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
%s		problem_extension api_version 2024-06-01
	}
	handle /api/* {
		request_validation {
			openapi %s
			responses enforce
		}
		reverse_proxy %s
	}
	handle /down {
		reverse_proxy %s
	}
	handle {
		error 404
	}
}
`, opt, doc, up.Listener.Addr(), down)
			cfg := filepath.Join(t.TempDir(), "Caddyfile")
			os.WriteFile(cfg, []byte(site), 0o644)
			g, err := errorpagescmd.LoadGallery(cfg, "caddyfile")
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			printed, err := g.Schemas(false)
			if err != nil {
				t.Fatal(err)
			}
			var bySite map[string]map[string]any
			if err := json.Unmarshal(printed, &bySite); err != nil || len(bySite) != 1 {
				t.Fatalf("schemas: %v, %d sites", err, len(bySite))
			}
			schemas := map[string]*jsonschema.Schema{}
			for _, byType := range bySite {
				for mt, s := range byType {
					raw, _ := json.Marshal(s)
					parsed, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
					c := jsonschema.NewCompiler()
					c.AddResource("s.json", parsed)
					if schemas[mt], err = c.Compile("s.json"); err != nil {
						t.Fatalf("%s: %v", mt, err)
					}
				}
			}

			tester := caddytest.NewTester(t)
			tester.Client.Transport = ports.Transport()
			tester.InitServer(ports.Config(globalOptions+site), "caddyfile")
			if t.Failed() {
				t.FailNow()
			}
			for _, tc := range []struct {
				name, method, path, body string
				status                   int
				typ                      string
			}{
				{"upstream 400 with fields", "POST", "/api/users", `{"email":"a@example.com"}`, 400, ""},
				{"local 404", "GET", "/nothing", "", 404, ""},
				{"502, upstream down", "GET", "/down", "", 502, ""},
				{"request_validation 400", "POST", "/api/users", `{"email":"nope","age":-1}`, 400, "validation_failed"},
				{"contract violation", "GET", "/api/pets", "", 502, "upstream_contract_violation"},
			} {
				for mt, sch := range schemas {
					req, _ := http.NewRequest(tc.method, "http://localhost:9080"+tc.path, strings.NewReader(tc.body))
					req.Header.Set("Accept", mt)
					if tc.body != "" {
						req.Header.Set("Content-Type", "application/json")
					}
					res, err := tester.Client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), mt) {
						t.Errorf("%s (%s): %d %s, want %d\n%s", tc.name, mt, res.StatusCode, res.Header.Get("Content-Type"), tc.status, body)
						continue
					}
					// The envelope and the simple shape name the type (the
					// other shapes carry it only as a docs URL, or not).
					if tc.typ != "" && mt == "application/json" && (preset == "" || preset == "simple") && !strings.Contains(string(body), `"`+tc.typ+`"`) {
						t.Errorf("%s (%s): the body does not carry %s:\n%s", tc.name, mt, tc.typ, body)
					}
					v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
					if err != nil {
						t.Fatalf("%s (%s): not JSON: %s", tc.name, mt, body)
					}
					if err := sch.Validate(v); err != nil {
						t.Errorf("%s (%s): the body does not fit the printed schema: %v\n%s", tc.name, mt, err, body)
					}
				}
			}
		})
	}
}
