package validation

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// stylesDoc declares one operation per path style and shape, and query
// and cookie parameters in each style, with schemas that tell a coerced
// value from a string.
const stylesDoc = `openapi: 3.1.0
info: {title: styles, version: "1"}
components:
  schemas:
    ints: {type: array, items: {type: integer}, maxItems: 3}
    rgb:
      type: object
      properties: {R: {type: integer}, G: {type: integer}}
      additionalProperties: false
paths:
  /simple/{n}/{ids}/{color}/{xcolor}:
    get:
      parameters:
        - {name: n, in: path, required: true, schema: {type: integer}}
        - {name: ids, in: path, required: true, schema: {$ref: '#/components/schemas/ints'}}
        - {name: color, in: path, required: true, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: xcolor, in: path, required: true, explode: true, schema: {$ref: '#/components/schemas/rgb'}}
      responses: {"200": {description: ok}}
  /label/{n}/{ids}/{xids}/{xcolor}:
    get:
      parameters:
        - {name: n, in: path, required: true, style: label, schema: {type: integer}}
        - {name: ids, in: path, required: true, style: label, schema: {$ref: '#/components/schemas/ints'}}
        - {name: xids, in: path, required: true, style: label, explode: true, schema: {$ref: '#/components/schemas/ints'}}
        - {name: xcolor, in: path, required: true, style: label, explode: true, schema: {$ref: '#/components/schemas/rgb'}}
      responses: {"200": {description: ok}}
  /matrix/{n}/{ids}/{xids}/{color}/{xcolor}:
    get:
      parameters:
        - {name: n, in: path, required: true, style: matrix, schema: {type: integer}}
        - {name: ids, in: path, required: true, style: matrix, schema: {$ref: '#/components/schemas/ints'}}
        - {name: xids, in: path, required: true, style: matrix, explode: true, schema: {$ref: '#/components/schemas/ints'}}
        - {name: color, in: path, required: true, style: matrix, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: xcolor, in: path, required: true, style: matrix, explode: true, schema: {$ref: '#/components/schemas/rgb'}}
      responses: {"200": {description: ok}}
  /report.{format}/{doc}:
    get:
      parameters:
        - {name: format, in: path, required: true, schema: {enum: [csv, json]}}
        - name: doc
          in: path
          required: true
          content: {application/json: {schema: {type: object, required: [a], properties: {a: {type: integer}}}}}
      responses: {"200": {description: ok}}
  /query:
    get:
      parameters:
        - {name: color, in: query, explode: true, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: pipes, in: query, style: pipeDelimited, explode: false, schema: {$ref: '#/components/schemas/ints'}}
        - {name: spaces, in: query, style: spaceDelimited, explode: false, schema: {$ref: '#/components/schemas/ints'}}
        - {name: deep, in: query, style: deepObject, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: one, in: query, schema: {type: integer}}
        - {name: many, in: query, schema: {$ref: '#/components/schemas/ints'}}
        - {name: session, in: cookie, schema: {type: integer}}
      responses: {"200": {description: ok}}
`

// TestParameterStyles reads each parameter style and shape from a
// request: a valid value passes, a value the style cannot read is a
// style or encoding problem, and a value read but coerced to the wrong
// type is reported at the member that is wrong.
func TestParameterStyles(t *testing.T) {
	file := filepath.Join(t.TempDir(), "styles.yaml")
	if err := os.WriteFile(file, []byte(stylesDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		target string
		cookie string
		want   []string
	}{
		{"simple: each shape", "/simple/5/3,4,5/R,100,G,200/R=1,G=2", "", nil},
		{"simple: an array item of the wrong type", "/simple/5/3,x,5/R,1,G,2/R=1,G=2", "", []string{"/path/ids/1 type"}},
		{"simple: an object of name,value pairs needs pairs", "/simple/5/3/R,1,G/R=1", "", []string{"/path/color style"}},
		{"simple: exploded object needs name=value", "/simple/5/3/R,1/R1", "", []string{"/path/xcolor style"}},
		{"simple: not valid UTF-8", "/simple/%ff/3/R,1/R=1", "", []string{"/path/n invalid_encoding"}},
		{"simple: an undeclared property", "/simple/5/3/B,1/R=1", "", []string{"/path/color/B additional_property"}},
		{"label: each shape", "/label/.5/.3,4,5/.3.4.5/.R=1.G=2", "", nil},
		{"label: no dot", "/label/5/.3/.3/.R=1", "", []string{"/path/n style"}},
		{"label: exploded array items coerced", "/label/.5/.3/.3.x/.R=1", "", []string{"/path/xids/1 type"}},
		{"matrix: each shape", "/matrix/;n=5/;ids=3,4/;xids=3;xids=4/;color=R,1,G,2/;R=1;G=2", "", nil},
		{"matrix: no semicolon", "/matrix/n=5/;ids=3/;xids=3/;color=R,1/;R=1", "", []string{"/path/n style"}},
		{"matrix: another name", "/matrix/;m=5/;ids=3/;xids=3/;color=R,1/;R=1", "", []string{"/path/n style"}},
		{"matrix: a primitive given twice", "/matrix/;n=5;n=6/;ids=3/;xids=3/;color=R,1/;R=1", "", []string{"/path/n style"}},
		{"matrix: too many items", "/matrix/;n=5/;ids=1,2,3,4/;xids=3;xids=4;xids=5;xids=6/;color=R,1/;R=1", "", []string{"/path/ids max_items", "/path/xids max_items"}},
		{"matrix: exploded object values coerced", "/matrix/;n=5/;ids=3/;xids=3/;color=R,1/;R=x", "", []string{"/path/xcolor/R type"}},
		{"mixed segment and JSON content", "/report.csv/%7B%22a%22%3A1%7D", "", nil},
		{"mixed segment: a value outside the enum", "/report.pdf/%7B%22a%22%3A1%7D", "", []string{"/path/format enum"}},
		{"JSON content of the wrong type", "/report.csv/%7B%22a%22%3A%22x%22%7D", "", []string{"/path/doc/a type"}},
		{"query: each style", "/query?R=1&G=2&pipes=1|2&spaces=1%202&deep[R]=3&one=1&many=1&many=2", "session=5", nil},
		{"query: exploded form object coerced", "/query?R=x", "", []string{"/query/color/R type"}},
		{"query: pipe items coerced", "/query?pipes=1|x", "", []string{"/query/pipes/1 type"}},
		{"query: space items coerced", "/query?spaces=1+x", "", []string{"/query/spaces/1 type"}},
		{"query: deepObject member coerced", "/query?deep[G]=x", "", []string{"/query/deep/G type"}},
		{"query: a primitive twice", "/query?one=1&one=2", "", []string{"/query/one duplicate"}},
		{"cookie: twice", "/query", "session=1; session=2", []string{"/cookie/session duplicate"}},
		{"cookie: coerced", "/query", "session=x", []string{"/cookie/session type"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := req{method: "GET", target: c.target}
			if c.cookie != "" {
				r.header = map[string]string{"Cookie": c.cookie}
			}
			o := run(t, s, r)
			if o.route != Found {
				t.Fatalf("%s: route %v", c.target, o.route)
			}
			if got := problems(o.res); !slices.Equal(got, c.want) {
				t.Errorf("%s: problems %q, want %q", c.target, got, c.want)
			}
		})
	}
}
