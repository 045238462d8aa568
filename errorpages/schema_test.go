package errorpages

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaBodies are errors of every kind a site produces: an upstream
// validation error with fields, a local 404, a 502, request_validation's
// 400 (problems with codes and hints, more than listed), a 503 with a
// wait, a 500 with a trace ID, a 401.
func schemaBodies() map[string]*Error {
	fields := []Field{
		{Field: "email", Message: "must be an email address", Pointer: "/body/email", Code: "format"},
		{Field: "items[0].qty", Message: "must be at least 1", Pointer: "/body/items/0/qty", Code: "minimum", Hint: "send 1 or more"},
		{Field: "name", Message: "is required"},
		{Field: "X-Tenant", Message: "is required", Pointer: "/header/X-Tenant", Code: "required"},
		{Field: "limit", Message: "must be an integer", Pointer: "/query/limit", Code: "type"},
	}
	upstream := NewError(400, "")
	upstream.Fields, upstream.RequestID, upstream.Docs, upstream.Source = fields[:3], "req-1", "https://docs.example.com/errors/400", "upstream"
	rv := NewError(400, "")
	rv.Type, rv.Details, rv.Fields, rv.More, rv.RequestID = "validation_failed", "The request has 57 problems.", fields, 52, "req-2"
	busy := NewError(503, "")
	busy.RetryAfter, busy.RequestID = 30, "req-3"
	crash := NewError(500, "")
	crash.TraceID, crash.RequestID = "4bf92f3577b34da6a3ce929d0e0e4736", "req-4"
	unauth := NewError(401, "")
	unauth.Fields = []Field{{Field: "Authorization", Message: "is required: a Bearer token", Pointer: "/header/Authorization", Code: "credentials"}}
	return map[string]*Error{
		"upstream 400 with fields": upstream, "local 404": NewError(404, ""), "502": NewError(502, ""),
		"request_validation 400": rv, "503 with a wait": busy, "500 with a trace": crash, "401": unauth,
	}
}

// The schema `caddy error-pages schema` prints for each preset and JSON
// format describes every body the renderer writes for it: bodies of every
// kind validate, and the schema is closed, so a member the renderer
// stopped writing, or a new one, fails here.
func TestBodySchemasDescribeEveryBody(t *testing.T) {
	ext := []Member{{Name: "api_version", Value: "2024-06-01"}, {Name: "lang", Value: "de"}}
	for _, tc := range []struct {
		f Format
		p Preset
	}{{JSON, PresetErrorPages}, {JSON, PresetSimple}, {JSON, PresetJSONAPI}, {JSON, PresetGraphQL}, {JSON, PresetGoogle}, {Problem, PresetErrorPages}} {
		name := tc.f.String() + "/" + tc.p.String()
		doc := BodySchema(tc.f, tc.p, []string{"api_version", "lang"})
		raw, _ := json.Marshal(doc)
		c := jsonschema.NewCompiler()
		parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("schema.json", parsed); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("schema.json")
		if err != nil {
			t.Fatalf("%s: the schema does not compile: %v", name, err)
		}
		r, err := NewRenderer(RendererConfig{Preset: tc.p})
		if err != nil {
			t.Fatal(err)
		}
		for kind, e := range schemaBodies() {
			var buf bytes.Buffer
			d := &PageData{Error: e, Method: "POST", Host: "api.example.com", Lang: "en"}
			if tc.f == Problem {
				d.Extensions = ext
			}
			if err := r.Render(&buf, tc.f, d); err != nil {
				t.Fatal(err)
			}
			body, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%s %s: not JSON: %v\n%s", name, kind, err, buf.Bytes())
			}
			if err := sch.Validate(body); err != nil {
				t.Errorf("%s %s: the body does not fit the schema: %v\n%s", name, kind, err, buf.Bytes())
			}
			// A member the schema does not know is refused.
			var m map[string]any
			json.Unmarshal(buf.Bytes(), &m)
			m["surprise"] = true
			if sch.Validate(m) == nil {
				t.Errorf("%s: the schema is not closed", name)
			}
		}
		if !strings.Contains(string(raw), JSONSchemaDialect) {
			t.Errorf("%s: no $schema", name)
		}
	}
	if BodySchema(HTML, PresetErrorPages, nil) != nil {
		t.Error("HTML has a JSON Schema")
	}
}
