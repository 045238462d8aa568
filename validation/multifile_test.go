package validation

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A document split over files as published APIs are (testdata/multifile):
// a path item, an operation, a list of parameters, a Parameter, a
// RequestBody and a properties map kept in files of their own are read as the objects they are, and
// validated; Parameter objects named "type" and "required" in a file of
// parameters are not read as JSON Schema; a $ref inside an example is
// data; a cycle through a property is a linked list.
func TestMultiFileDocument(t *testing.T) {
	s, err := Load("testdata/multifile/api.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ct := "application/json"
	for _, tt := range []struct {
		name string
		r    req
		want []string
	}{
		{"a $ref'd operation: not JSON", req{method: "POST", target: "/things", ct: ct, body: "not json at all"}, []string{"/body invalid_json"}},
		{"a $ref'd operation: no body", req{method: "POST", target: "/things"}, []string{"/body required"}},
		{"a $ref'd properties map", req{method: "POST", target: "/things", ct: ct, body: `{"name":"","tags":[1]}`}, []string{"/body/name min_length", "/body/tags/0 type"}},
		{"additionalProperties beside a $ref'd properties map", req{method: "POST", target: "/things", ct: ct, body: `{"name":"a","colour":"red"}`}, []string{"/body/colour additional_property"}},
		{"a cycle through a property", req{method: "POST", target: "/things", ct: ct, body: `{"name":"a","next":{"name":"b","next":{"name":""}}}`}, []string{"/body/next/next/name min_length"}},
		{"valid", req{method: "POST", target: "/things?dry_run=true", ct: ct, body: `{"name":"a","tags":["x"],"next":{"name":"b"}}`}, nil},
		{"a $ref'd list of parameters", req{method: "POST", target: "/things?dry_run=maybe", ct: ct, body: `{"name":"a"}`}, []string{"/query/dry_run type"}},
		{"a $ref'd path item and path parameter", req{method: "GET", target: "/things/0?required=true"}, []string{"/path/thing_id minimum"}},
		{"a parameter named type in a file of parameters", req{method: "GET", target: "/things/5?type=c&required=true"}, []string{"/query/type enum"}},
		{"a parameter named required", req{method: "GET", target: "/things/5?type=a"}, []string{"/query/required required"}},
		{"valid parameters", req{method: "GET", target: "/things/5?type=a&required=false"}, nil},
	} {
		o := run(t, s, tt.r)
		if o.route != Found {
			t.Errorf("%s: route %v", tt.name, o.route)
			continue
		}
		if got := problems(o.res); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: problems %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A construct the validator cannot check is refused, naming the file,
// line, pointer and reason; with Unsupported "skip" only the parts that
// use it are left unvalidated, and listed.
func TestUnsupportedIsRefusedOrSkipped(t *testing.T) {
	_, err := Load("testdata/unsupported.yaml", Options{})
	want := "testdata/unsupported.yaml:12 (#/paths/~1feeds/post/parameters/0/content/application~1xml/schema): query parameter filter cannot be validated: only a parameter whose content is JSON is parsed, so the schema of its application/xml content cannot be checked (`unsupported skip` loads the document with it unvalidated, logged at WARN)"
	if err == nil || err.Error() != want {
		t.Errorf("default: %v\nwant %s", err, want)
	}
	s, err := Load("testdata/unsupported.yaml", Options{Unsupported: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sk := range s.Skipped() {
		got = append(got, sk.Operation+" | "+sk.Part+" | "+sk.Where)
	}
	wantSkipped := []string{
		"postFeed | query parameter filter | testdata/unsupported.yaml:12 (#/paths/~1feeds/post/parameters/0/content/application~1xml/schema)",
		"postFeed | body application/xml | testdata/unsupported.yaml:18 (#/paths/~1feeds/post/requestBody/content/application~1xml/schema)",
	}
	if !reflect.DeepEqual(got, wantSkipped) {
		t.Errorf("skipped:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantSkipped, "\n"))
	}
	// The JSON body is still validated; the XML one passes unread.
	for _, tt := range []struct {
		r    req
		want []string
	}{
		{req{method: "POST", target: "/feeds", ct: "application/json", body: `{}`}, []string{"/body/title required"}},
		{req{method: "POST", target: "/feeds", ct: "application/xml", body: `<feed/>`}, nil},
		{req{method: "POST", target: "/feeds?filter=<a/>", ct: "application/octet-stream", body: "\x00"}, nil},
	} {
		if got := problems(run(t, s, tt.r).res); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %s: problems %q, want %q", tt.r.ct, tt.r.body, got, tt.want)
		}
	}
}

// An absolute URI that names a schema embedded in the loaded document
// (by its $id) is local, with no remote served: the JSON-Schema-Test-Suite
// case "Location-independent identifier with absolute URI" (ref.json of
// later suite versions than testdata's) through json_schema as users load
// it. A URI that names nothing loaded is still refused as the network.
func TestAbsoluteURIOfAnEmbeddedResourceIsLocal(t *testing.T) {
	schema := `{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$ref": "http://localhost:1234/draft2020-12/bar#foo",
		"$defs": {"A": {"$id": "http://localhost:1234/draft2020-12/bar", "$anchor": "foo", "type": "integer"}}
	}`
	p := filepath.Join(t.TempDir(), "schema.json")
	if err := os.WriteFile(p, []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
	op, err := LoadJSONSchema(p, Options{})
	if err != nil {
		t.Fatalf("does not load: %v", err)
	}
	for body, valid := range map[string]bool{`1`: true, `"a"`: false} {
		res := op.Validate(&Match{}, &Request{Method: "POST", ContentType: "application/json", Body: []byte(body), HasBody: true}, 0)
		if (res == nil) != valid {
			t.Errorf("%s: valid = %v, want %v", body, res == nil, valid)
		}
	}
	p = filepath.Join(t.TempDir(), "net.json")
	if err := os.WriteFile(p, []byte(`{"$ref": "http://localhost:1234/draft2020-12/bar#foo"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadJSONSchema(p, Options{}); err == nil || !strings.Contains(err.Error(), "never the network") {
		t.Errorf("a URI naming nothing loaded: %v", err)
	}
}

// A pattern Go's regular expressions cannot run (a lookahead, valid
// ECMA-262) is refused naming it; with Unsupported "skip" only that
// pattern goes unchecked, and is listed.
func TestLookaheadPatternIsRefusedOrSkipped(t *testing.T) {
	p := filepath.Join(t.TempDir(), "api.yaml")
	doc := `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /users:
    post:
      operationId: createUser
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [password]
              properties:
                password: {type: string, minLength: 8, pattern: '^(?=.*[0-9]).+$'}
`
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p, Options{})
	if err == nil || !strings.Contains(err.Error(), "api.yaml:14 (#/paths/~1users/post/requestBody/content/application~1json/schema/properties/password/pattern): pattern ^(?=.*[0-9]).+$ cannot be validated: it uses `(?=` (lookahead or lookbehind), which Go's regular expressions (RE2) do not have") {
		t.Errorf("default: %v", err)
	}
	s, err := Load(p, Options{Unsupported: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	if sk := s.Skipped(); len(sk) != 1 || sk[0].Operation != "createUser" || sk[0].Part != "pattern ^(?=.*[0-9]).+$" {
		t.Errorf("skipped: %+v", sk)
	}
	for body, want := range map[string][]string{
		`{"password":"abcdefgh"}`: nil,
		`{"password":"abc"}`:      {"/body/password min_length"},
		`{}`:                      {"/body/password required"},
	} {
		got := problems(run(t, s, req{method: "POST", target: "/users", ct: "application/json", body: body}).res)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: problems %q, want %q", body, got, want)
		}
	}
}
