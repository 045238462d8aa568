package validation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A JSON document is read as JSON: every escape, surrogate pairs
// included, means what encoding/json reads; numbers keep their text.
func TestJSONDocumentReadsAsEncodingJSON(t *testing.T) {
	for _, src := range []string{
		`{"thumbs":"\ud83d\udc4d","lone":"\ud83d","esc":"\"\\\/\b\f\n\r\t\u00e9","n":[0,-1.5e+3,12345678901234567890,1E2],"t":true,"f":false,"z":null,"o":{},"a":[]}`,
		"\ufeff [ {\"k\" : \"ü\"} ]",
	} {
		got, err := parseJSONDoc("x.json", []byte(src), nil)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		var want any
		d := json.NewDecoder(strings.NewReader(strings.TrimPrefix(src, "\ufeff")))
		d.UseNumber()
		if err := d.Decode(&want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", src, got, want)
		}
	}
}

// A document that is not valid JSON is refused naming its line and the
// pointer of the value being read; the line of any pointer of a valid
// one is found on demand.
func TestJSONDocumentErrorsNameLineAndPointer(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"{\n \"a\": {\n  \"b\": [1,\n   2,\n   x]}}", `x.json:5 (#/a/b/2): not valid JSON: unexpected character 'x'`},
		{"{\"a\": 1,\n \"a\": 2}", `x.json:2 (#/a): not valid JSON: key "a" is defined more than once`},
		{"{\"a\": 01}", `x.json:1: not valid JSON: unexpected character '1' in an object`},
		{"{\"a\": \"\\x\"}", `x.json:1 (#/a): not valid JSON: \x is not a JSON escape`},
		{"{\"a\": \"tab\there\"}", `x.json:1 (#/a): not valid JSON: a control character (0x09) in a string: write it as an escape`},
		{"{\"a\": 1} {}", `x.json:1: not valid JSON: unexpected character '{' after the document's value`},
		{"{\"a\": ", `x.json:1 (#/a): not valid JSON: unexpected end of file`},
	} {
		_, err := parseDoc("x.json", []byte(tt.src), nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: got %v\nwant %s", tt.src, err, tt.want)
		}
	}
	f, err := parseDoc("x.json", []byte("{\n \"a\": {\n  \"b\": [1,\n   2]},\n \"c\": true\n}"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for ptr, line := range map[string]int{"": 1, "/a": 2, "/a/b": 3, "/a/b/1": 4, "/c": 5, "/c/nothing": 5} {
		if got := f.line(ptr); got != line {
			t.Errorf("line of %q = %d, want %d", ptr, got, line)
		}
	}
}

// A YAML file in flow style that is not JSON is still read as YAML; a
// .json file is only JSON.
func TestFlowYAMLIsStillYAML(t *testing.T) {
	dir := t.TempDir()
	y := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(y, []byte("{openapi: 3.1.0, info: {title: t, version: '1'}, paths: {}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(y, Options{}); err != nil {
		t.Errorf("flow-style YAML: %v", err)
	}
	j := filepath.Join(dir, "a.json")
	if err := os.WriteFile(j, []byte("{openapi: 3.1.0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(j, Options{}); err == nil || !strings.Contains(err.Error(), "a.json:1: not valid JSON") {
		t.Errorf("YAML in a .json file: %v", err)
	}
}

// A problem found after reading (not a syntax error) in a JSON document
// names its line too: the file is read again for it.
func TestJSONDocumentProblemNamesItsLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "api.json")
	doc := `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/a/{id}": {
      "get": {
        "parameters": [
          {"name": "id", "in": "path", "schema": {"type": "string"}}
        ]
      }
    }
  }
}`
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p, Options{})
	if err == nil || !strings.Contains(err.Error(), "api.json:8 (#/paths/~1a~1{id}/get/parameters/0/required): path parameter \"id\" must have required: true") {
		t.Errorf("got %v", err)
	}
}
