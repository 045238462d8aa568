package errorpages

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"html/template"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "embed"
)

//go:embed templates/default.html
var defaultTemplateText string

var defaultTemplate = template.Must(template.New("default.html").Parse(defaultTemplateText))

// Renderer renders an Error in every format. Build it once with
// NewRenderer; it is safe for concurrent use.
type Renderer struct {
	brand *Brand
	// pages[code-400] is the HTML template for a 4xx/5xx status.
	pages [200]*template.Template
	files map[*template.Template]string
}

// RendererConfig configures a Renderer.
type RendererConfig struct {
	// Brand fills the default template; nil means no brand.
	Brand *Brand
	// TemplatesDir holds the site's own templates: <code>.html,
	// <class>.html (4xx.html) and error.html. Empty means none.
	TemplatesDir string
}

// NewRenderer validates the brand and parses every template, so that a
// broken template is an error at configuration time, naming file and line.
func NewRenderer(cfg RendererConfig) (*Renderer, error) {
	r := &Renderer{brand: cfg.Brand, files: map[*template.Template]string{}}
	if r.brand == nil {
		r.brand = &Brand{}
	}
	if err := r.brand.Prepare(); err != nil {
		return nil, err
	}
	for i := range r.pages {
		r.pages[i] = defaultTemplate
	}
	if cfg.TemplatesDir == "" {
		return r, nil
	}
	st, err := os.Stat(cfg.TemplatesDir)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("templates: %s is not a directory", cfg.TemplatesDir)
	}
	parsed := map[string]*template.Template{}
	names := []string{"error.html"}
	for c := 4; c <= 5; c++ {
		names = append(names, strconv.Itoa(c)+"xx.html")
	}
	for code := 400; code < 600; code++ {
		names = append(names, strconv.Itoa(code)+".html")
	}
	for _, name := range names {
		path := filepath.Join(cfg.TemplatesDir, name)
		src, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		t, err := template.New(name).Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("templates: parsing %s: %w", path, err)
		}
		// Execute once against sample data: html/template reports
		// escaping errors (e.g. {{.}} inside an unquoted attribute) only
		// at first execution, and those should fail the config too.
		if err := t.Execute(new(bytes.Buffer), samplePage()); err != nil && isEscapeError(err) {
			return nil, fmt.Errorf("templates: %s: %w", path, err)
		}
		parsed[name] = t
		r.files[t] = path
	}
	if len(parsed) == 0 {
		return nil, fmt.Errorf("templates: %s has no error.html, 4xx.html, 5xx.html or <code>.html", cfg.TemplatesDir)
	}
	for code := 400; code < 600; code++ {
		for _, name := range []string{strconv.Itoa(code) + ".html", strconv.Itoa(code/100) + "xx.html", "error.html"} {
			if t, ok := parsed[name]; ok {
				r.pages[code-400] = t
				break
			}
		}
	}
	return r, nil
}

func isEscapeError(err error) bool {
	var e *template.Error
	return errors.As(err, &e)
}

func samplePage() *PageData {
	e := NewError(400, "")
	e.Fields = []Field{{Field: "email", Message: "is invalid"}}
	e.RequestID = "sample"
	b := &Brand{}
	b.Prepare()
	d := &PageData{Error: e, Brand: b, Method: "GET", Host: "example.com", Path: "/", Lang: "en"}
	d.fill()
	return d
}

// Render appends the body for format f to buf. When a template fails while
// executing, buf receives a minimal built-in page instead and the template
// error is returned, so the caller can log it: the body is never empty.
func (r *Renderer) Render(buf *bytes.Buffer, f Format, d *PageData) error {
	e := d.Error
	switch f {
	case JSON:
		return writeJSON(buf, jsonEnvelope{Error: jsonError{
			Code: e.Code, Type: e.Type, Message: e.Message, Details: e.Details,
			Fields: e.Fields, RequestID: e.RequestID, Docs: e.Docs,
		}})
	case Problem:
		return writeJSON(buf, problemOf(e))
	case Text:
		writeText(buf, e)
		return nil
	case XML:
		return writeXML(buf, e)
	}
	d.fill()
	if d.Brand == nil {
		d.Brand = r.brand
	}
	if d.Lang == "" {
		d.Lang = "en"
	}
	t := defaultTemplate
	if e.Code >= 400 && e.Code < 600 {
		t = r.pages[e.Code-400]
	}
	start := buf.Len()
	err := t.Execute(buf, d)
	if err == nil {
		return nil
	}
	buf.Truncate(start)
	writeMinimalHTML(buf, d.Error)
	if name := r.files[t]; name != "" {
		return fmt.Errorf("template %s: %w", name, err)
	}
	return err
}

type jsonEnvelope struct {
	Error jsonError `json:"error"`
}

type jsonError struct {
	Code      int     `json:"code"`
	Type      string  `json:"type"`
	Message   string  `json:"message"`
	Details   string  `json:"details"`
	Fields    []Field `json:"fields,omitempty"`
	RequestID string  `json:"request_id"`
	Docs      string  `json:"docs,omitempty"`
}

type problemDoc struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id"`
	Errors    []problemError `json:"errors,omitempty"`
}

type problemError struct {
	Detail  string `json:"detail"`
	Pointer string `json:"pointer"`
}

func problemOf(e *Error) problemDoc {
	p := problemDoc{Type: e.Docs, Title: e.Message, Status: e.Code, Detail: e.Details, Instance: e.Instance, RequestID: e.RequestID}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if len(e.Fields) > 0 {
		p.Errors = make([]problemError, len(e.Fields))
		for i, f := range e.Fields {
			p.Errors[i] = problemError{Detail: f.Message, Pointer: FieldPointer(f.Field)}
		}
	}
	return p
}

// FieldPointer turns a field name ("address.city", "items[0].name") into
// a JSON Pointer fragment ("#/address/city", "#/items/0/name").
func FieldPointer(field string) string {
	var b strings.Builder
	b.Grow(len(field) + 4)
	b.WriteString("#")
	for seg := range strings.SplitSeq(bracketReplacer.Replace(field), ".") {
		if seg == "" {
			continue
		}
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(seg))
	}
	return b.String()
}

var (
	bracketReplacer = strings.NewReplacer("[", ".", "]", "")
	pointerEscaper  = strings.NewReplacer("~", "~0", "/", "~1")
)

func writeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's trailing newline
	return nil
}

func writeText(buf *bytes.Buffer, e *Error) {
	buf.WriteString(strconv.Itoa(e.Code))
	buf.WriteByte(' ')
	buf.WriteString(oneLine(e.Message))
	buf.WriteByte('\n')
	if e.Details != "" {
		buf.WriteString(oneLine(e.Details))
		buf.WriteByte('\n')
	}
	for _, f := range e.Fields {
		buf.WriteString("- ")
		buf.WriteString(oneLine(f.Field))
		buf.WriteString(": ")
		buf.WriteString(oneLine(f.Message))
		buf.WriteByte('\n')
	}
	if e.RequestID != "" {
		buf.WriteString("Request ID: ")
		buf.WriteString(e.RequestID)
		buf.WriteByte('\n')
	}
	if e.Docs != "" {
		buf.WriteString("Docs: ")
		buf.WriteString(e.Docs)
		buf.WriteByte('\n')
	}
}

func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

type xmlError struct {
	XMLName   xml.Name   `xml:"error"`
	Code      int        `xml:"code"`
	Type      string     `xml:"type"`
	Message   string     `xml:"message"`
	Details   string     `xml:"details"`
	Fields    *xmlFields `xml:"fields,omitempty"`
	RequestID string     `xml:"request_id"`
	Docs      string     `xml:"docs,omitempty"`
}

type xmlFields struct {
	Field []Field `xml:"field"`
}

func writeXML(buf *bytes.Buffer, e *Error) error {
	x := xmlError{Code: e.Code, Type: e.Type, Message: e.Message, Details: e.Details, RequestID: e.RequestID, Docs: e.Docs}
	if len(e.Fields) > 0 {
		x.Fields = &xmlFields{Field: e.Fields}
	}
	buf.WriteString(xml.Header)
	return xml.NewEncoder(buf).Encode(x)
}

// writeMinimalHTML is the page of last resort, used when a template fails.
func writeMinimalHTML(buf *bytes.Buffer, e *Error) {
	title := html.EscapeString(strconv.Itoa(e.Code) + " " + e.Message)
	buf.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>`)
	buf.WriteString(title)
	buf.WriteString(`</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem"><h1>`)
	buf.WriteString(title)
	buf.WriteString(`</h1><p>`)
	buf.WriteString(html.EscapeString(e.Details))
	buf.WriteString(`</p>`)
	if e.RequestID != "" {
		buf.WriteString(`<p>Request ID: <code>`)
		buf.WriteString(html.EscapeString(e.RequestID))
		buf.WriteString(`</code></p>`)
	}
	buf.WriteString(`</body></html>`)
}
