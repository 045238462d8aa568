package validation

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const docHead = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"

func TestLoadErrorsNameFileAndPlace(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error
	}{
		{"YAML syntax error gives the line", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    get: [unclosed\n"},
			[]string{"api.yaml:", "not valid YAML or JSON"}},
		{"dangling $ref in the same file", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/Nope'}\n"},
			[]string{"api.yaml:9", "#/paths/~1a/post/requestBody/content/application~1json/schema/$ref", `nothing at #/components/schemas/Nope`}},
		{"dangling $ref to another file", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    get:\n      parameters:\n        - $ref: 'missing.yaml#/P'\n"},
			[]string{"api.yaml:7", "missing.yaml", "cannot read"}},
		{"$ref to a pointer missing in another file", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    get:\n      parameters:\n        - $ref: 'common.yaml#/P'\n", "common.yaml": "Q: {}\n"},
			[]string{"api.yaml:7", "nothing at #/P in common.yaml"}},
		{"invalid regular expression", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    get:\n      parameters:\n        - name: q\n          in: query\n          schema:\n            type: string\n            pattern: '(['\n"},
			[]string{"api.yaml:11", "pattern", "invalid"}},
		{"network $ref is refused", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: 'https://example.com/s.json'}\n"},
			[]string{"api.yaml:9", "never the network"}},
		{"undeclared path parameter", map[string]string{"api.yaml": docHead + "paths:\n  /a/{id}:\n    get: {responses: {'200': {description: ok}}}\n"},
			[]string{"api.yaml:5", "path parameter {id} of /a/{id} is not declared"}},
		{"Swagger 2.0", map[string]string{"api.yaml": "swagger: '2.0'\ninfo: {title: t, version: '1'}\n"},
			[]string{"api.yaml:1", "Swagger 2.0 is not supported"}},
		{"unsupported OpenAPI version", map[string]string{"api.yaml": "openapi: 4.0.0\n"},
			[]string{"api.yaml:1", "OpenAPI 4.0.0 is not supported"}},
		{"style not allowed for the location", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: h, in: header, style: form, schema: {type: string}}\n"},
			[]string{"api.yaml:7", `style "form" is not allowed for a header parameter`}},
		{"schema keyword of the wrong type", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    get:\n      parameters:\n        - name: q\n          in: query\n          schema:\n            type: string\n            minLength: -1\n"},
			[]string{"api.yaml:11", "minLength", "invalid schema"}},
		{"duplicate YAML key", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    get: {}\n    get: {}\n"},
			[]string{"api.yaml:", "get"}},
		{"discriminator mapping to a schema not in oneOf", map[string]string{"api.yaml": docHead + "paths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/P'}\ncomponents:\n  schemas:\n    A: {type: object}\n    B: {type: object}\n    P:\n      oneOf: [{$ref: '#/components/schemas/A'}]\n      discriminator: {propertyName: k, mapping: {b: '#/components/schemas/B'}}\n"},
			[]string{"api.yaml:16", `mapping "b" names a schema that is not in oneOf`}},
		{"server variable without a default", map[string]string{"api.yaml": docHead + "servers: [{url: '/{v}', variables: {v: {enum: [a]}}}]\npaths: {}\n"},
			[]string{"api.yaml:3", "server variable {v} has no default"}},
		{"missing document", map[string]string{}, []string{"api.yaml", "cannot read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			wd, _ := os.Getwd()
			if err := os.Chdir(dir); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			_, err := Load("api.yaml", Options{})
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestRefsAcrossFilesAndFormats(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"api.json":     `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"sub/schemas.yaml#/Thing"}}}},"responses":{"200":{"description":"ok"}}}}}}`,
		"sub.keep":     "",
		"schemas.yaml": "",
	})
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "schemas.yaml"), []byte("Thing:\n  type: object\n  properties:\n    n: {$ref: 'more.yaml#/N'}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "sub", "more.yaml"), []byte("N: {type: integer, maximum: 3}\n"), 0o644)
	s, err := Load(filepath.Join(dir, "api.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := run(t, s, req{method: "POST", target: "/a", ct: "application/json", body: `{"n":4}`})
	if got := problems(o.res); len(got) != 1 || got[0] != "/body/n maximum" {
		t.Errorf("problems = %q", got)
	}
}

// genSpec writes a document with n operations on distinct paths.
func genSpec(t testing.TB, n int) string {
	var b strings.Builder
	b.WriteString(docHead + "paths:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  /r%d/items/{id}:\n    get:\n      operationId: op%d\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n      responses: {'200': {description: ok}}\n", i, i)
	}
	dir := t.TempDir()
	if tb, ok := t.(*testing.B); ok {
		dir, _ = os.MkdirTemp("", "route")
		tb.Cleanup(func() { os.RemoveAll(dir) })
	}
	p := filepath.Join(dir, "api.yaml")
	os.WriteFile(p, []byte(b.String()), 0o644)
	return p
}

func benchRoute(b *testing.B, n int) {
	s, err := Load(genSpec(b, n), Options{})
	if err != nil {
		b.Fatal(err)
	}
	paths := []string{"/r0/items/1", fmt.Sprintf("/r%d/items/2", n-1), fmt.Sprintf("/r%d/items/3", n/2)}
	var m Match
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Route("GET", paths[i%3], &m)
		if m.Result != Found {
			b.Fatal(m.Result)
		}
	}
}

func BenchmarkRoute5(b *testing.B)   { benchRoute(b, 5) }
func BenchmarkRoute500(b *testing.B) { benchRoute(b, 500) }

// typicalOrder is a ~1 KiB valid order body.
var typicalOrder = `{"items":[{"sku":"ABC-123","qty":2,"price":{"amount":9.5,"currency":"EUR"}},{"sku":"HAT-0042","qty":1,"price":{"amount":19.99,"currency":"EUR"}},{"sku":"SOCK-7","qty":5,"price":{"amount":3,"currency":"EUR"}},{"sku":"BAG-2024","qty":1,"price":{"amount":49,"currency":"EUR"}}],` +
	`"shipping":{"line1":"Friedrichstrasse 123, Hinterhaus, 3. OG","city":"Berlin","postcode":"10117","country":"DE"},` +
	`"payment":{"method":"card","number":"4111111111111111","expiry":"12/29"},"email":"ann.example@example.com",` +
	`"note":"Please leave the parcel with the neighbours on the ground floor if nobody answers the door. Thank you very much for the quick delivery last time, it was great. The hat is a present so please do not include the invoice in the parcel; send it by email instead. If any item is out of stock, ship the rest now and the remainder later."}`

func BenchmarkValidate(b *testing.B) {
	s := spec(b, shop, Options{})
	var m Match
	s.Route("POST", "/api/orders", &m)
	h := make(map[string][]string)
	for k, v := range orderHeaders {
		h[k] = []string{v}
	}
	r := &Request{Method: "POST", Header: h, ContentType: "application/json", Body: []byte(typicalOrder), HasBody: true}
	if res := m.Op.Validate(&m, r, 0); res != nil {
		b.Fatal(problems(res))
	}
	b.SetBytes(int64(len(typicalOrder)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Op.Validate(&m, r, 0)
	}
}

// BenchmarkValidateInvalid rejects a body with 5 problems.
func BenchmarkValidateInvalid(b *testing.B) {
	s := spec(b, shop, Options{})
	var m Match
	s.Route("POST", "/api/orders", &m)
	h := make(map[string][]string)
	for k, v := range orderHeaders {
		h[k] = []string{v}
	}
	body := strings.NewReplacer(`"qty":2`, `"qty":0`, `"city":"Berlin"`, `"city":""`, `"country":"DE"`, `"country":"XX"`, `ann.example@example.com`, `nope`, `"note"`, `"nots"`).Replace(typicalOrder)
	r := &Request{Method: "POST", Header: h, ContentType: "application/json", Body: []byte(body), HasBody: true}
	if res := m.Op.Validate(&m, r, 0); res == nil || len(res.Fields) != 5 {
		b.Fatal(problems(res))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Op.Validate(&m, r, 0)
	}
}

func TestOneOfWithoutDiscriminatorReportsTheClosestBranch(t *testing.T) {
	dir := writeFiles(t, map[string]string{"api.yaml": docHead + `paths:
  /contact:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                via:
                  oneOf:
                    - {type: object, additionalProperties: false, required: [email], properties: {email: {type: string, format: email}}}
                    - {type: object, additionalProperties: false, required: [phone], properties: {phone: {type: string, pattern: "^[+][0-9]{6,15}$"}}}
                id:
                  anyOf: [{type: string}, {type: integer}]
`})
	s, err := Load(filepath.Join(dir, "api.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		body string
		want string
		msg  string
	}{
		{`{"via":{"email":"nope"}}`, "/body/via/email format", "must be a valid email address"},
		{`{"via":{"phone":"12"}}`, "/body/via/phone pattern", "does not have the expected format"},
		{`{"id":true}`, "/body/id type", "must be a string or an integer"},
	}
	for _, tt := range tests {
		o := run(t, s, req{method: "POST", target: "/contact", ct: "application/json", body: tt.body})
		got := problems(o.res)
		if len(got) != 1 || got[0] != tt.want || o.res.Fields[0].Message != tt.msg {
			t.Errorf("%s: problems %q (%+v), want [%s] %q", tt.body, got, o.res, tt.want, tt.msg)
		}
	}
}

// A JSON Schema that names its parts with $id (embedded resources, a
// URN) resolves its $refs against them, as JSON Schema says, instead of
// looking for files of those names; a reference nothing declares still
// fails the load, naming it.
func TestJSONSchemaRefsResolveAgainstID(t *testing.T) {
	const order = `{"$id":"https://example.com/schemas/order.json","type":"object","required":["ship"],
"properties":{"ship":{"$ref":"address.json"},"bill":{"$ref":"urn:example:address#/properties/city"}},
"$defs":{"a":{"$id":"address.json","type":"object","required":["city"],"properties":{"city":{"$ref":"#/$defs/city"}},"$defs":{"city":{"type":"string","minLength":2}}},
"b":{"$id":"urn:example:address","properties":{"city":{"type":"string","maxLength":3}}}}}`
	tests := []struct {
		name, schema, body string
		wantLoad           string // substring of the load error; "" loads
		want               []string
	}{
		{"valid", order, `{"ship":{"city":"Berlin"},"bill":"Ulm"}`, "", nil},
		{"$ref to an embedded $id, then # inside it", order, `{"ship":{"city":"B"}}`, "", []string{"/body/ship/city min_length"}},
		{"$ref to a URN and a pointer inside it", order, `{"ship":{"city":"Bonn"},"bill":"Berlin"}`, "", []string{"/body/bill max_length"}},
		{"dangling $ref under an $id", `{"$id":"https://example.com/x.json","$ref":"nowhere.json"}`, "", "", nil},
	}
	tests[3].wantLoad = "nowhere.json"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"order.json": tt.schema})
			op, err := LoadJSONSchema(filepath.Join(dir, "order.json"), Options{})
			if tt.wantLoad != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantLoad) {
					t.Fatalf("load error = %v, want one naming %q", err, tt.wantLoad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if op.body.media[0].fast == nil {
				t.Error("no fast validator")
			}
			res := op.Validate(&Match{}, &Request{Method: "POST", ContentType: "application/json", Body: []byte(tt.body), HasBody: true}, 0)
			if got := problems(res); strings.Join(got, ";") != strings.Join(tt.want, ";") {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
		})
	}
}
