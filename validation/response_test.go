package validation

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// responseDoc declares responses by exact code, by range and by default,
// with a required header, JSON, text and XML content, and one schema
// (Pet) shared by a request and the responses: its readOnly id is
// required in responses and not allowed in requests, its writeOnly
// password the other way round.
const responseDoc = `openapi: 3.1.0
info: {title: Pets, version: "1"}
components:
  schemas:
    Pet:
      type: object
      required: [id, name, password]
      additionalProperties: false
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, minLength: 1}
        tag: {type: string, maxLength: 8}
        age: {type: integer, minimum: 0}
        password: {type: string, writeOnly: true}
    Error:
      type: object
      required: [code]
      properties: {code: {type: string}}
  responses:
    Problem:
      description: a problem
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Error'}
paths:
  /pets:
    post:
      operationId: createPet
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
      responses:
        "201":
          description: created
          headers:
            Location: {required: true, schema: {type: string}}
            X-Optional: {schema: {type: string}}
            Content-Type: {required: true, schema: {type: string}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
        4XX: {$ref: '#/components/responses/Problem'}
    get:
      operationId: listPets
      responses:
        "200":
          description: the pets
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
            text/csv: {schema: {type: string}}
            application/xml: {schema: {type: object, required: [x]}}
        "204": {description: none}
        default:
          description: an error
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Error'}
  /health:
    get:
      operationId: health
`

func responseSpec(t testing.TB, responses bool) *Spec {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "pets.yaml")
	if err := os.WriteFile(path, []byte(responseDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path, Options{Responses: responses})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func opByID(t testing.TB, s *Spec, id string) *Operation {
	t.Helper()
	for _, op := range s.Operations() {
		if op.ID == id {
			return op
		}
	}
	t.Fatalf("no operation %s", id)
	return nil
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestCheckResponse(t *testing.T) {
	s := responseSpec(t, true)
	create, list := opByID(t, s, "createPet"), opByID(t, s, "listPets")
	json := hdr("Content-Type", "application/json; charset=utf-8", "Location", "/pets/1")
	tests := []struct {
		name   string
		op     *Operation
		status int
		h      http.Header
		body   string
		want   []string
	}{
		{"valid, readOnly id present", create, 201, json, `{"id":1,"name":"Rex"}`, nil},
		{"an undeclared status", create, 200, json, `{"id":1,"name":"Rex"}`, []string{"/response/status undeclared_status"}},
		{"a range: 404 is 4XX", create, 404, hdr("Content-Type", "application/problem+json"), `{"code":"nope"}`, nil},
		{"a range's body is checked", create, 409, hdr("Content-Type", "application/problem+json"), `{}`, []string{"/response/body/code required"}},
		{"5XX is not declared for createPet", create, 503, hdr("Content-Type", "application/problem+json"), `{"code":"x"}`, []string{"/response/status undeclared_status"}},
		{"default takes what is not declared", list, 500, hdr("Content-Type", "application/json"), `{"code":"x"}`, nil},
		{"default's body is checked", list, 502, hdr("Content-Type", "application/json"), `{"code":1}`, []string{"/response/body/code type"}},
		{"a wrong Content-Type", create, 201, hdr("Content-Type", "text/html", "Location", "/x"), `<p>`, []string{"/response/header/Content-Type media_type"}},
		{"a missing required header", create, 201, hdr("Content-Type", "application/json"), `{"id":1,"name":"Rex"}`, []string{"/response/header/Location required"}},
		{"both, in order", create, 201, hdr("Content-Type", "text/plain"), `x`, []string{"/response/header/Location required", "/response/header/Content-Type media_type"}},
		{"a body with 3 problems", create, 201, json, `{"id":"1","name":"","tag":"much too long"}`,
			[]string{"/response/body/id type", "/response/body/name min_length", "/response/body/tag max_length"}},
		{"writeOnly is not allowed in a response", create, 201, json, `{"id":1,"name":"Rex","password":"x"}`, []string{"/response/body/password write_only"}},
		{"readOnly is required in a response", create, 201, json, `{"name":"Rex"}`, []string{"/response/body/id required"}},
		{"not JSON", create, 201, json, `{"id":1,`, []string{"/response/body invalid_json"}},
		{"an array of items", list, 200, hdr("Content-Type", "application/json"), `[{"id":1,"name":"a"},{"id":2,"name":"b","age":-1}]`, []string{"/response/body/1/age minimum"}},
		{"text content: the type only", list, 200, hdr("Content-Type", "text/csv"), `a,b`, nil},
		{"xml content: the type only", list, 200, hdr("Content-Type", "application/xml"), `<a/>`, nil},
		{"no content declared: nothing of the body", list, 204, hdr("Content-Type", "text/plain"), `anything`, nil},
		{"no Content-Type and no body", list, 200, hdr(), ``, nil},
		{"no Content-Type with a body", list, 200, hdr(), `[]`, []string{"/response/header/Content-Type media_type"}},
		{"media types match without case", list, 200, hdr("Content-Type", "Application/JSON"), `[]`, nil},
		{"no responses declared: nothing checked", opByID(t, s, "health"), 418, hdr(), `x`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.op.CheckResponse(tt.status, tt.h, []byte(tt.body), 0)
			got := problems(res)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("problems %q, want %q", got, tt.want)
			}
			if res != nil && (res.Status != http.StatusBadGateway || res.Kind != "invalid") {
				t.Errorf("result %d %s", res.Status, res.Kind)
			}
			if res != nil {
				for _, f := range res.Fields {
					if strings.Contains(f.Message+f.Hint, "Rex") || strings.Contains(f.Message+f.Hint, "much too long") {
						t.Errorf("a value in %+v", f)
					}
				}
			}
		})
	}
	if opByID(t, s, "health").HasResponses() {
		t.Error("health declares no responses")
	}
	// The undeclared status names what is declared.
	res := create.CheckResponse(200, json, nil, 0)
	if h := res.Fields[0].Hint; h != "declared: 201, 4XX" {
		t.Errorf("hint %q", h)
	}
	res = list.CheckResponse(200, hdr("Content-Type", "image/png"), nil, 0)
	if h := res.Fields[0].Hint; h != "declared: application/json, application/xml, text/csv" {
		t.Errorf("hint %q", h)
	}
}

// The request side is unchanged by the responses' compile: the shared
// Pet schema still refuses a readOnly id in a request and requires the
// writeOnly password.
func TestResponsesLeaveRequestsAlone(t *testing.T) {
	for _, on := range []bool{false, true} {
		s := responseSpec(t, on)
		var m Match
		s.Route("POST", "/pets", &m)
		res := m.Op.Validate(&m, &Request{Method: "POST", Header: http.Header{}, ContentType: "application/json",
			Body: []byte(`{"id":1,"name":"Rex"}`), HasBody: true}, 0)
		want := []string{"/body/id read_only", "/body/password required"}
		if got := problems(res); !reflect.DeepEqual(got, want) {
			t.Errorf("responses %v: %q, want %q", on, got, want)
		}
		if m.Op.HasResponses() != on {
			t.Errorf("responses %v: HasResponses %v", on, m.Op.HasResponses())
		}
	}
}

func TestResponseDocumentErrors(t *testing.T) {
	for _, tt := range []struct{ responses, want string }{
		{`{"20": {description: x}}`, `response key "20" is not a status code`},
		{`{"2XY": {description: x}}`, `response key "2XY" is not a status code`},
		{`{"200": {description: x, content: {"json": {}}}}`, `"json" is not a media range`},
		{`{"200": {$ref: '#/nowhere'}}`, `nothing at #/nowhere`},
		{`[]`, `responses must be an object`},
	} {
		doc := "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: " + tt.responses + "\n"
		path := filepath.Join(t.TempDir(), "doc.yaml")
		os.WriteFile(path, []byte(doc), 0o644)
		if _, err := Load(path, Options{}); err != nil {
			t.Fatalf("%s: without responses the document loads: %v", tt.responses, err)
		}
		_, err := Load(path, Options{Responses: true})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "doc.yaml:") {
			t.Errorf("%s: %v, want %q with the file and line", tt.responses, err, tt.want)
		}
	}
}

// A valid response costs the same allocations whatever its number of
// members: the walker decides it from the bytes.
func TestValidResponseAllocationsDoNotGrow(t *testing.T) {
	s := responseSpec(t, true)
	list := opByID(t, s, "listPets")
	h := hdr("Content-Type", "application/json; charset=utf-8")
	allocs := func(n int) float64 {
		body := petList(n)
		if res := list.CheckResponse(200, h, body, 0); res != nil {
			t.Fatalf("%d pets: %q", n, problems(res))
		}
		return testing.AllocsPerRun(50, func() { list.CheckResponse(200, h, body, 0) })
	}
	small, large := allocs(10), allocs(1000)
	if small != large || small > 0 {
		t.Errorf("allocations: %v for 10 pets, %v for 1000; want 0 for both", small, large)
	}
}

func petList(n int) []byte {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"id":` + strconv.Itoa(i) + `,"name":"pet number ` + strconv.Itoa(i) + `","tag":"t","age":3}`)
	}
	b.WriteString("]")
	return []byte(b.String())
}

// OpenAPI 3.0 response schemas are translated like request schemas
// (nullable, exclusiveMinimum as a boolean), and a pattern Go cannot run
// follows Unsupported.
func TestCheckResponseOpenAPI30(t *testing.T) {
	doc := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  note: {type: string, nullable: true}
                  n: {type: integer, minimum: 0, exclusiveMinimum: true}
                  code: {type: string, pattern: '^(?!x)'}
`
	path := filepath.Join(t.TempDir(), "a30.yaml")
	os.WriteFile(path, []byte(doc), 0o644)
	if _, err := Load(path, Options{Responses: true}); err == nil || !strings.Contains(err.Error(), "lookahead") {
		t.Fatalf("a lookahead in a response schema: %v", err)
	}
	s, err := Load(path, Options{Responses: true, Unsupported: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	if sk := s.Skipped(); len(sk) != 1 || sk[0].Operation != "getA" || !strings.Contains(sk[0].Where, "responses") {
		t.Errorf("skipped %+v", sk)
	}
	op := opByID(t, s, "getA")
	h := hdr("Content-Type", "application/json")
	if res := op.CheckResponse(200, h, []byte(`{"note":null,"n":1,"code":"xyz"}`), 0); res != nil {
		t.Errorf("valid: %q", problems(res))
	}
	if got := problems(op.CheckResponse(200, h, []byte(`{"note":1,"n":0}`), 0)); !reflect.DeepEqual(got, []string{"/response/body/n minimum", "/response/body/note type"}) {
		t.Errorf("invalid: %q", got)
	}
}
