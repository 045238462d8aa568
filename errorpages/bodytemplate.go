package errorpages

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"unicode/utf8"
)

// BodyTemplate is a site's own template for the json, xml or text body
// (json_template, xml_template, text_template). It is a Go text/template
// over BodyData with the helpers of BodyFuncs. Load checks it by
// rendering samples of every kind of error and parsing the output, so a
// template that can produce a broken body fails the configuration, not a
// request.
type BodyTemplate struct {
	t      *template.Template
	format Format
	file   string
}

// BodyData is what a body template sees.
type BodyData struct {
	// Code is the HTTP status; Type its machine-readable slug.
	Code int
	Type string
	// Message is the short public title; Details the explanation.
	Message string
	Details string
	// Fields are the field problems (Field, Message, Pointer, Code, Hint);
	// More counts those not listed.
	Fields []Field
	More   int
	// RequestID, TraceID and Docs as in the error model; Instance is the
	// request path.
	RequestID string
	TraceID   string
	Docs      string
	Instance  string
	// Source is "local" (Caddy produced the error) or "upstream".
	Source string
	// Method and Host of the request.
	Method string
	Host   string
	// Status is the google.rpc.Code name of Code (INVALID_ARGUMENT, …).
	Status string
	// Lang is the language of the built-in texts (Message, Details and
	// what .T returns) as a BCP 47 tag; Dir is "rtl" or "ltr" for it.
	Lang string
	Dir  string

	tr Translator
}

// T returns the built-in text for key in the body's language, its
// {placeholders} filled from name, value pairs: {{.T "text.request_id"}}.
// An unknown key is returned as is.
func (d *BodyData) T(key string, kv ...string) string {
	if d.tr.t == nil {
		return sourceTranslator().T(key, kv...)
	}
	return d.tr.T(key, kv...)
}

// NewBodyData fills BodyData from e and the request's method and host.
func NewBodyData(e *Error, method, host string) *BodyData {
	return &BodyData{
		Code: e.Code, Type: e.Type, Message: e.Message, Details: e.Details,
		Fields: e.Fields, More: e.More, RequestID: e.RequestID, TraceID: e.TraceID,
		Docs: e.Docs, Instance: e.Instance, Source: e.Source,
		Method: method, Host: host, Status: GRPCStatus(e.Code),
	}
}

// BodyFuncs are the helpers a body template can call:
//
//	json   any value encoded as JSON: {"detail": {{json .Details}}}
//	xml    a string escaped for XML text and attributes
//	join   strings joined with a separator: {{join (fieldNames .Fields) ", "}}
//	fieldNames, fieldMessages   the names or messages of a field list
//	upper, lower                case
//	upperCode   a slug as UPPER_SNAKE_CASE (validation_failed → VALIDATION_FAILED)
//	default     the first non-empty of its arguments: {{default .Docs "about:blank"}}
var BodyFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		var b bytes.Buffer
		if err := encodeJSON(&b, v); err != nil {
			return "", err
		}
		return b.String(), nil
	},
	"xml": func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	},
	"join":  func(list []string, sep string) string { return strings.Join(list, sep) },
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"fieldNames": func(fs []Field) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = f.Field
		}
		return out
	},
	"fieldMessages": func(fs []Field) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = f.Message
		}
		return out
	},
	"upperCode": upperCode,
	"default": func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	},
}

// LoadBodyTemplate reads and checks the template in file for format f
// (JSON, XML or Text). The error names the file, the template line where
// one is known, and the sample whose output was broken.
func LoadBodyTemplate(file string, f Format) (*BodyTemplate, error) {
	if f != JSON && f != XML && f != Text {
		return nil, fmt.Errorf("%s: body templates are for json, xml and text, not %s", file, f)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseBodyTemplate(file, string(src), f)
}

// ParseBodyTemplate is LoadBodyTemplate for a template already read;
// file names it in errors.
func ParseBodyTemplate(file, src string, f Format) (*BodyTemplate, error) {
	t, err := template.New(filepath.Base(file)).Funcs(BodyFuncs).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	bt := &BodyTemplate{t: t, format: f, file: file}
	for _, s := range bodySamples() {
		var buf bytes.Buffer
		if err := bt.Execute(&buf, s.data); err != nil {
			return nil, fmt.Errorf("%s: sample %q: %w", file, s.name, err)
		}
	}
	return bt, nil
}

// File is the template's file name.
func (bt *BodyTemplate) File() string { return bt.file }

// Execute appends the body for d to buf and checks it: valid JSON, a
// well-formed XML document, or valid UTF-8 text without NUL. On any
// failure buf is left as it was and the error says what was wrong, so the
// caller can send its default body instead.
func (bt *BodyTemplate) Execute(buf *bytes.Buffer, d *BodyData) error {
	start := buf.Len()
	if err := bt.t.Execute(buf, d); err != nil {
		buf.Truncate(start)
		return err
	}
	if err := checkBody(bt.format, buf.Bytes()[start:]); err != nil {
		buf.Truncate(start)
		return err
	}
	return nil
}

func checkBody(f Format, out []byte) error {
	if len(bytes.TrimSpace(out)) == 0 {
		return fmt.Errorf("output is empty")
	}
	switch f {
	case JSON:
		if err := json.Unmarshal(out, new(json.RawMessage)); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return fmt.Errorf("output is not valid JSON: %v at output line %d", se, lineOf(out, int(se.Offset)))
			}
			return fmt.Errorf("output is not valid JSON: %v", err)
		}
	case XML:
		d := xml.NewDecoder(bytes.NewReader(out))
		roots, depth := 0, 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("output is not well-formed XML: %v", err)
			}
			switch tok.(type) {
			case xml.StartElement:
				if depth == 0 {
					roots++
				}
				depth++
			case xml.EndElement:
				depth--
			case xml.CharData:
				if depth == 0 && len(bytes.TrimSpace(tok.(xml.CharData))) > 0 {
					return fmt.Errorf("output is not well-formed XML: text outside the root element")
				}
			}
		}
		if roots != 1 {
			return fmt.Errorf("output is not an XML document: %d root elements", roots)
		}
	case Text:
		if !utf8.Valid(out) {
			return fmt.Errorf("output is not valid UTF-8")
		}
		if bytes.IndexByte(out, 0) >= 0 {
			return fmt.Errorf("output contains a NUL byte")
		}
	}
	return nil
}

func lineOf(b []byte, offset int) int {
	if offset > len(b) {
		offset = len(b)
	}
	return bytes.Count(b[:offset], []byte("\n")) + 1
}

type bodySample struct {
	name string
	data *BodyData
}

// bodySamples are the kinds of error a body template must render
// correctly: with and without fields, 4xx and 5xx, local and upstream,
// validation problems with pointers and hints, and text that breaks naive
// quoting.
func bodySamples() []bodySample {
	mk := func(code int, source string, fields []Field, more int) *BodyData {
		e := NewError(code, "")
		e.Source, e.Fields, e.More = source, fields, more
		e.RequestID, e.Instance = "f3c9a1d2-0000-4000-8000-000000000000", "/orders"
		return NewBodyData(e, "POST", "api.example.com")
	}
	validation := mk(400, "local", []Field{
		{Field: "items[0].qty", Message: "must be at least 1", Pointer: "/body/items/0/qty", Code: "minimum"},
		{Field: "role", Message: "must be one of the allowed values", Pointer: "/body/role", Code: "enum", Hint: "allowed: admin, member"},
	}, 3)
	validation.Type, validation.Details = "validation_failed", "Problems in the request: 5"
	validation.Docs, validation.TraceID = "https://docs.example.com/api#createOrder", "4bf92f3577b34da6a3ce929d0e0e4736"
	hostile := mk(422, "upstream", []Field{{Field: `na"me`, Message: `must not contain <, >, & or "quotes"`, Hint: `\ back\slash`}}, 0)
	hostile.Details = `He said "no" <b>&amp;</b> \ 'single' ]]> ünïcödé ✓ 😀`
	hostile.Type = "unprocessable_entity"
	return []bodySample{
		{"local 404 without fields", mk(404, "local", nil, 0)},
		{"upstream 400 with fields", mk(400, "upstream", []Field{{Field: "email", Message: "Invalid email format"}}, 0)},
		{"upstream 502", mk(502, "upstream", nil, 0)},
		{"local 500", mk(500, "local", nil, 0)},
		{"validation error with pointers, hints and more", validation},
		{"upstream 422 with quotes, markup and backslashes", hostile},
	}
}
