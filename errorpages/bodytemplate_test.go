package errorpages

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBodyTemplateRenders(t *testing.T) {
	rows := []struct {
		name   string
		format Format
		src    string
		want   string
	}{
		{"json with helpers", JSON,
			`{"status":{{.Code}},"kind":{{json .Type}},"detail":{{json .Details}},"invalid":{{json (fieldNames .Fields)}},"rpc":{{json .Status}},"ref":{{json (default .Docs "about:blank")}}}`,
			`{"status":400,"kind":"validation_failed","detail":"He said \"no\" <b>","invalid":["email","age"],"rpc":"INVALID_ARGUMENT","ref":"about:blank"}`},
		{"xml with escaping", XML,
			`<fault code="{{.Code}}"><reason>{{xml .Details}}</reason>{{range .Fields}}<field name="{{xml .Field}}">{{xml .Message}}</field>{{end}}</fault>`,
			`<fault code="400"><reason>He said &#34;no&#34; &lt;b&gt;</reason><field name="email">is invalid</field><field name="age">must be at least 18</field></fault>`},
		{"text with join", Text,
			"{{.Code}} {{upperCode .Type}}: {{join (fieldMessages .Fields) \"; \"}}\n",
			"400 VALIDATION_FAILED: is invalid; must be at least 18\n"},
	}
	e := NewError(400, "")
	e.Type, e.Details = "validation_failed", `He said "no" <b>`
	e.Fields = []Field{{Field: "email", Message: "is invalid"}, {Field: "age", Message: "must be at least 18"}}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			bt, err := ParseBodyTemplate("site/"+row.name, row.src, row.format)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			buf.WriteString("prefix|")
			if err := bt.Execute(&buf, NewBodyData(e, "POST", "api.example.com")); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimPrefix(buf.String(), "prefix|"); got != row.want {
				t.Errorf("got  %s\nwant %s", got, row.want)
			}
		})
	}
}

// A template that cannot render every kind of error correctly fails the
// configuration, naming the file, the line where known, and the sample.
func TestBodyTemplateConfigErrors(t *testing.T) {
	rows := []struct {
		name, src string
		format    Format
		want      []string
	}{
		{"unclosed action", "{\n\"a\": {{.Code}\n}", JSON, []string{"errors.json", ":2:", "bad character"}},
		{"unknown function", `{"a": {{frobnicate .Code}}}`, JSON, []string{"errors.json", "frobnicate"}},
		{"unknown field", "{\n\n\"a\": {{.Nope}}}", JSON, []string{"errors.json", ":3:", "Nope", `sample "local 404 without fields"`}},
		{"naive quoting breaks on quotes", `{"detail":"{{.Details}}"}`, JSON, []string{"errors.json", `sample "upstream 422 with quotes, markup and backslashes"`, "not valid JSON"}},
		{"invalid for 5xx only", `{{if ge .Code 500}}{"a":}{{else}}{"a":1}{{end}}`, JSON, []string{`sample "upstream 502"`, "not valid JSON"}},
		{"invalid only with fields", `{"f":[{{range .Fields}}{{json .Field}}{{end}}]}`, JSON, []string{`sample "validation error with pointers, hints and more"`}},
		{"empty output", `{{if false}}{}{{end}}`, JSON, []string{"output is empty"}},
		{"two JSON values", `{} {}`, JSON, []string{"not valid JSON"}},
		{"xml without escaping", `<e>{{.Details}}</e>`, XML, []string{"errors.json", "well-formed"}},
		{"xml with two roots", `<a/><b/>`, XML, []string{"2 root elements"}},
		{"text with NUL", "{{.Code}}\x00", Text, []string{"NUL"}},
		{"html is not a body template format", `x`, HTML, []string{"json, xml and text"}},
	}
	dir := t.TempDir()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			file := filepath.Join(dir, "errors.json")
			if err := os.WriteFile(file, []byte(row.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadBodyTemplate(file, row.format)
			if err == nil {
				t.Fatalf("loaded; want an error")
			}
			for _, w := range row.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := LoadBodyTemplate(filepath.Join(dir, "missing.json"), JSON); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

// At run time, data the samples did not cover can still break a body:
// Execute then leaves the buffer untouched and reports it, so the caller
// sends its default body.
func TestBodyTemplateRuntimeFallback(t *testing.T) {
	bt, err := ParseBodyTemplate("t.json", `{{if eq .Host "odd.example"}}{"a":{{else}}{"a":1}{{end}}`, JSON)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("kept")
	err = bt.Execute(&buf, NewBodyData(NewError(404, ""), "GET", "odd.example"))
	if err == nil || buf.String() != "kept" {
		t.Fatalf("err = %v, buf = %q", err, buf.String())
	}
	buf.Reset()
	if err := bt.Execute(&buf, NewBodyData(NewError(404, ""), "GET", "fine.example")); err != nil || !json.Valid(buf.Bytes()) {
		t.Fatalf("err = %v, buf = %q", err, buf.String())
	}
}
