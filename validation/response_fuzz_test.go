package validation

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzMarker is placed in the seeds' bodies and in the header values the
// fuzz target sends: neither document contains it, so a problem whose
// message or hint carries it echoes what the upstream sent.
const fuzzMarker = "qzMRKzq"

// responseDoc30 is a second document for FuzzResponse: OpenAPI 3.0
// (nullable), readOnly and writeOnly in a response, oneOf, a closed
// object (additionalProperties: false), a +json media type, a required
// header and a 2XX range next to an exact code.
const responseDoc30 = `openapi: 3.0.3
info: {title: Items, version: "1"}
components:
  schemas:
    Item:
      type: object
      required: [id, secret, kind]
      additionalProperties: false
      properties:
        id: {type: integer, readOnly: true, minimum: 1}
        secret: {type: string, writeOnly: true}
        note: {type: string, nullable: true, maxLength: 5}
        kind:
          oneOf:
            - {type: string, maxLength: 3}
            - {type: integer, maximum: 9}
        tags: {type: array, items: {type: string}, uniqueItems: true, maxItems: 3}
        labels: {type: array, items: {type: string, maxLength: 4}, maxItems: 2}
paths:
  /items:
    get:
      operationId: listItems
      responses:
        "200":
          description: the items
          headers:
            X-Request-Id: {required: true, schema: {type: string}}
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Item'}}
        2XX:
          description: other successes
          content:
            application/vnd.items+json:
              schema: {type: object, nullable: true, additionalProperties: {type: number, exclusiveMinimum: true, minimum: 0}}
        default:
          description: an error
          content:
            application/problem+json:
              schema: {type: object, required: [title], properties: {title: {type: string}, status: {type: integer}}}
    post:
      operationId: createItem
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Item'}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
            text/plain: {schema: {type: string}}
        "204": {description: none}
`

// fuzzDeclared is what each operation of the two documents declares,
// written out here from the documents (not read from what Load made of
// them): the response keys, the required headers of each, and its media
// ranges. The oracle of FuzzResponse decides from it which response a
// status selects and what the head must look like.
var fuzzDeclared = map[string]map[string]struct {
	required []string
	media    []string
}{
	"createPet": {
		"201": {[]string{"Location"}, []string{"application/json"}},
		"4XX": {nil, []string{"application/problem+json"}},
	},
	"listPets": {
		"200":     {nil, []string{"application/json", "text/csv", "application/xml"}},
		"204":     {nil, nil},
		"default": {nil, []string{"application/json"}},
	},
	"health": nil,
	"listItems": {
		"200":     {[]string{"X-Request-Id"}, []string{"application/json"}},
		"2XX":     {nil, []string{"application/vnd.items+json"}},
		"default": {nil, []string{"application/problem+json"}},
	},
	"createItem": {
		"201": {nil, []string{"application/json", "text/plain"}},
		"204": {nil, nil},
	},
}

// FuzzResponse checks arbitrary upstream answers (a status, a
// Content-Type, a header left out, a body) against every operation of
// two documents. Besides no panic and sane problems (checkResponseResult),
// an oracle that shares nothing with the walker: the response a status
// selects is found from fuzzDeclared; an undeclared status is reported at
// /response/status; a missing required header or an undeclared media
// type at /response/header/…; and for a JSON media type with a schema,
// the body has problems iff parseJSON rejects it (then with parseJSON's
// code) or the jsonschema engine rejects its value against the
// response's compiled schema.
func FuzzResponse(f *testing.F) {
	m := fuzzMarker
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"id":1,"name":"` + m + `"}`))
	zw.Close()
	deep := strings.Repeat("[", 70) + strings.Repeat("]", 70)
	for _, s := range []struct {
		status int
		ct     string
		drop   string
		body   string
	}{
		{200, "application/json", "", `[{"id":1,"name":"` + m + `","tag":"t","age":3}]`},
		{201, "application/json; charset=utf-8", "", `{"id":1,"name":"` + m + `"}`},
		{201, "application/json", "", `{"id":"` + m + `","name":"","tag":"much too long ` + m + `"}`},
		{200, "application/json", "", `{"id":1,"name":"Rex"}`},
		{503, "application/problem+json", "", `{"code":"` + m + `"}`},
		{201, "text/html", "", `<p>` + m + `</p>`},
		{201, "application/json", "Location", `{"id":1,"name":"Rex"}`},
		{201, "application/json", "", `{"id":1,` + m},
		{201, "application/json", "", gz.String()},
		{200, "application/json", "", `[{"id":1e400,"name":"a"},{"id":123456789012345678901234567890,"name":"b"}]`},
		{200, "application/json", "", deep},
		{201, "application/json", "", `{"id":1,"name":"a","name":"` + m + `"}`},
		{201, "application/json", "", "{\"id\":1,\"name\":\"\xff" + m + "\"}"},
		{201, "application/json", "", `{"id":1,"name":"Rex","password":"` + m + `"}`},
		{200, "", "", `[]`},
		{200, "", "", ``},
		{200, "Application/JSON", "", `[]`},
		{200, "text/csv", "", `a,` + m},
		{204, "text/plain", "", m},
		{404, "application/problem+json", "", `{}`},
		{500, "application/json", "", `{"code":1}`},
		{200, "application/json", "", `[{"id":1,"secret":"` + m + `","kind":"abcd","note":null,"tags":["a","a"]}]`},
		{200, "application/json", "X-Request-Id", `[{"id":2,"kind":7,"note":"` + m + `"}]`},
		{201, "application/json", "", `{"id":3,"kind":"ab","labels":["a","b"]}`},
		{201, "application/json", "", `{"id":3,"kind":"ab","labels":["a","b","c"]}`},
		{203, "application/vnd.items+json", "", `{"a":0,"b":1.5,"c":"` + m + `"}`},
		{206, "application/vnd.items+json", "", `null`},
		{418, "application/problem+json", "", `{"title":"` + m + `","status":"x"}`},
		{201, "text/plain", "", m},
		{-1, "", "Content-Type", m},
		{999, "application/json;;", "", `{}`},
		{200, " application/JSON ; charset=utf-8", "", `[]`},
		{201, "APPLICATION/JSON;x=\"y\"", "", `{"id":3,"kind":"ab"}`},
		{299, "application/vnd.items+json; charset=\"utf-8\"", "", `{"k":1}`},
	} {
		f.Add(s.status, s.ct, s.drop, []byte(s.body))
	}
	var ops []*Operation
	for _, doc := range []string{responseDoc, responseDoc30} {
		path := filepath.Join(f.TempDir(), "doc.yaml")
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			f.Fatal(err)
		}
		s, err := Load(path, Options{Responses: true})
		if err != nil {
			f.Fatal(err)
		}
		for _, op := range s.Operations() {
			if _, ok := fuzzDeclared[op.ID]; !ok {
				f.Fatalf("operation %s is not in fuzzDeclared", op.ID)
			}
			ops = append(ops, op)
		}
	}
	if len(ops) != len(fuzzDeclared) {
		f.Fatalf("%d operations, fuzzDeclared has %d", len(ops), len(fuzzDeclared))
	}
	codes := append(ProblemCodes(), responseOnlyCodes...)
	f.Fuzz(func(t *testing.T, status int, ct, drop string, body []byte) {
		h := http.Header{}
		if ct != "" {
			h["Content-Type"] = []string{ct}
		}
		h.Set("Location", "/pets/"+fuzzMarker)
		h.Set("X-Request-Id", fuzzMarker)
		h.Del(drop)
		v, jerr := parseJSON(body, DefaultMaxDepth)
		for _, op := range ops {
			res := op.CheckResponse(status, h, body, 0)
			checkResponseResult(t, op.ID, res, codes)
			want := fuzzExpect(t, op, status, h, len(body))
			got := problems(res)
			var head, bodyProblems []string
			for _, p := range got {
				if strings.HasPrefix(p, "/response/body") {
					bodyProblems = append(bodyProblems, p)
				} else {
					head = append(head, p)
				}
			}
			if !slices.Equal(head, want.head) {
				t.Fatalf("%s %d %q without %q: head problems %q, want %q", op.ID, status, ct, drop, head, want.head)
			}
			if len(want.head) > 0 && len(bodyProblems) > 0 {
				t.Fatalf("%s %d: body problems %q next to head problems %q", op.ID, status, bodyProblems, head)
			}
			switch {
			case want.mt == nil:
				if len(bodyProblems) > 0 {
					t.Fatalf("%s %d %q: the body is checked: %q", op.ID, status, ct, bodyProblems)
				}
			case jerr != nil:
				if len(bodyProblems) != 1 || !strings.HasSuffix(bodyProblems[0], " "+jerr.code) {
					t.Fatalf("%s %d: not JSON (%s at %d), problems %q", op.ID, status, jerr.code, jerr.offset, got)
				}
			default:
				engine := want.mt.schema.Validate(toEngine(&v))
				if (engine != nil) != (len(bodyProblems) > 0) || len(bodyProblems) != len(got) {
					t.Fatalf("%s %d: the engine says %v, CheckResponse %q for %s", op.ID, status, engine, got, body)
				}
			}
		}
	})
}

// fuzzWant is what the oracle expects of a response's head, and the
// media type whose schema decides its body (nil: the body is not read).
type fuzzWant struct {
	head []string
	mt   *mediaType
}

// fuzzExpect decides from fuzzDeclared what CheckResponse must say of a
// response's head. Only the selected response's compiled schema is taken
// from the Operation.
func fuzzExpect(t *testing.T, op *Operation, status int, h http.Header, bodyLen int) fuzzWant {
	t.Helper()
	decl := fuzzDeclared[op.ID]
	if decl == nil {
		return fuzzWant{}
	}
	key := strconv.Itoa(status)
	if _, ok := decl[key]; !ok {
		key = ""
		if status >= 100 && status <= 599 {
			if _, ok := decl[strconv.Itoa(status/100)+"XX"]; ok {
				key = strconv.Itoa(status/100) + "XX"
			}
		}
		if _, ok := decl["default"]; key == "" && ok {
			key = "default"
		}
	}
	if key == "" {
		return fuzzWant{head: []string{"/response/status undeclared_status"}}
	}
	d := decl[key]
	var w fuzzWant
	for _, name := range d.required {
		if len(h[name]) == 0 {
			w.head = append(w.head, "/response/header/"+name+" required")
		}
	}
	if d.media == nil {
		return w
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		// A body sent without a Content-Type is reported there; an
		// empty one conforms.
		if bodyLen > 0 && len(w.head) == 0 {
			w.head = append(w.head, "/response/header/Content-Type media_type")
		}
		return w
	}
	base, _, _ := strings.Cut(ct, ";")
	base = asciiLower(strings.TrimSpace(base))
	if !slices.Contains(d.media, base) {
		w.head = append(w.head, "/response/header/Content-Type media_type")
		return w
	}
	if len(w.head) > 0 || !strings.HasSuffix(base, "/json") && !strings.HasSuffix(base, "+json") {
		return w
	}
	// The compiled schema of the selected response and media type.
	r := op.resp.byCode[status]
	switch {
	case key == "default":
		r = op.resp.def
	case strings.HasSuffix(key, "XX"):
		r = op.resp.ranges[status/100]
	}
	for _, m := range r.media {
		if m.mt.rng == base {
			w.mt = m.mt
		}
	}
	if w.mt == nil || w.mt.schema == nil {
		t.Fatalf("%s %s %s: no compiled schema", op.ID, key, base)
	}
	return w
}

// asciiLower lower-cases ASCII letters only: media types are
// case-insensitive in ASCII (RFC 9110), not under Unicode folding.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// checkResponseResult is checkResult for CheckResponse: a 502 with at
// least one and at most DefaultMaxProblems problems, each under
// /response/status, /response/header/… or /response/body, with a known
// code and a message, and none echoing fuzzMarker.
func checkResponseResult(t *testing.T, what string, res *Result, codes []string) {
	t.Helper()
	if res == nil {
		return
	}
	if len(res.Fields) == 0 || len(res.Fields) > DefaultMaxProblems {
		t.Fatalf("%s: %d problems", what, len(res.Fields))
	}
	if res.Status != http.StatusBadGateway || res.Kind != "invalid" {
		t.Fatalf("%s: result %d %s", what, res.Status, res.Kind)
	}
	for _, f := range res.Fields {
		p := f.Pointer
		if p != "/response/status" && !strings.HasPrefix(p, "/response/header/") && p != "/response/body" && !strings.HasPrefix(p, "/response/body/") {
			t.Fatalf("%s: pointer %q", what, p)
		}
		if !slices.Contains(codes, f.Code) || f.Message == "" {
			t.Fatalf("%s: bad problem %+v", what, f)
		}
		if !utf8.ValidString(f.Field + f.Message + f.Hint + f.Pointer) {
			t.Fatalf("%s: problem is not UTF-8: %+v", what, f)
		}
		if strings.Contains(f.Message+f.Hint, fuzzMarker) {
			t.Fatalf("%s: a value echoed in %+v", what, f)
		}
	}
}
