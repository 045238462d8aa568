package errorpages

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	_ "embed"
)

//go:embed templates/default.html
var defaultTemplateText string

// defaultTemplate is the embedded page as written, its fixed texts still
// ⟦key⟧ markers: it holds the style sheet and marks the pages that use the
// built-in page; what is executed is its copy in the page's language
// (localizedPage).
var defaultTemplate = template.Must(template.New("default.html").Parse(defaultTemplateText))

// textMarker is a fixed text of the embedded page: ⟦key⟧, or
// ⟦key|name=.Field⟧ for a text whose {name} placeholder is a field of the
// page data; ⟦dir⟧ is the language's direction.
var textMarker = regexp.MustCompile(`⟦([a-z_.0-9]+)(?:\|([a-z_]+)=(\.[A-Za-z]+))?⟧`)

// localizeSource replaces the markers of the embedded page's source with
// tr's texts, HTML-escaped (braces too, so a text can never be read as a
// template action): the page's fixed texts are then constants of its
// template and cost nothing per request.
func localizeSource(src string, tr Translator) string {
	return textMarker.ReplaceAllStringFunc(src, func(m string) string {
		sub := textMarker.FindStringSubmatch(m)
		if sub[1] == "dir" {
			return tr.Dir()
		}
		text := tr.T(sub[1])
		if sub[2] != "" {
			text = Fill(text, sub[2], "\x00")
		}
		text = escapePageText(text)
		if sub[2] != "" {
			text = strings.ReplaceAll(text, "\x00", "{{"+sub[3]+"}}")
		}
		return text
	})
}

// maxLocalizedPages bounds the cache of localized pages: a Renderer sees
// one Translator per language of its site.
const maxLocalizedPages = 256

// localizedPage returns the embedded page in tr's language, parsed once
// per Translator.
func (r *Renderer) localizedPage(tr Translator) (*template.Template, error) {
	key := tr.Page()
	if t, ok := r.localized.Load(key); ok {
		return t.(*template.Template), nil
	}
	t, err := template.New("default.html").Parse(localizeSource(defaultTemplateText, tr))
	if err != nil {
		return nil, err
	}
	if r.nLocalized.Add(1) <= maxLocalizedPages {
		r.localized.Store(key, t)
	}
	return t, nil
}

// builtinPage returns the embedded page in tr's language for the
// Renderer's brand, prepared once per Translator.
func (r *Renderer) builtinPage(tr Translator) *builtinPage {
	key := tr.Page()
	if p, ok := r.builtin.Load(key); ok {
		return p.(*builtinPage)
	}
	p := newBuiltinPage(r.brand, tr)
	if r.nBuiltin.Add(1) <= maxLocalizedPages {
		r.builtin.Store(key, p)
	}
	return p
}

// Renderer renders an Error in every format. Build it once with
// NewRenderer; it is safe for concurrent use.
type Renderer struct {
	brand *Brand
	// policy is the Content-Security-Policy of the embedded page.
	policy string
	// pages[code-400] is the HTML template for a 4xx/5xx status.
	pages [200]*template.Template
	files map[*template.Template]string
	// static marks the site's templates that read only static data
	// (readsOnlyStatic); their output is kept in cache.
	static map[*template.Template]bool
	cache  pageCache
	// preset is the shape of the json format's body.
	preset Preset
	// bodies[f] is the site's own template for format f (json, xml,
	// text), nil for the built-in body.
	bodies [numFormats]*BodyTemplate
	// localized caches the embedded page per language: *PageTexts of
	// the Translator → *template.Template.
	localized  sync.Map
	nLocalized atomic.Int32
	// builtin caches the embedded page's prepared parts per language
	// (builtinPage): *PageTexts → *builtinPage.
	builtin  sync.Map
	nBuiltin atomic.Int32
}

// RendererConfig configures a Renderer.
type RendererConfig struct {
	// Brand fills the default template; nil means no brand.
	Brand *Brand
	// TemplatesDir holds the site's own templates: <code>.html,
	// <class>.html (4xx.html) and error.html. Empty means none.
	TemplatesDir string
	// Preset is the shape of the json format's body; the zero value is
	// the module's own envelope.
	Preset Preset
	// JSONTemplate, XMLTemplate and TextTemplate replace the body of
	// their format (and, for json, the preset); nil keeps the built-in
	// body. Load them with LoadBodyTemplate.
	JSONTemplate, XMLTemplate, TextTemplate *BodyTemplate
}

// NewRenderer validates the brand and parses every template, so that a
// broken template is an error at configuration time, naming file and line.
func NewRenderer(cfg RendererConfig) (*Renderer, error) {
	r := &Renderer{brand: cfg.Brand, files: map[*template.Template]string{}, static: map[*template.Template]bool{}, preset: cfg.Preset}
	if int(cfg.Preset) >= len(presetNames) {
		return nil, fmt.Errorf("preset: %s is not a preset", cfg.Preset)
	}
	for f, bt := range map[Format]*BodyTemplate{JSON: cfg.JSONTemplate, XML: cfg.XMLTemplate, Text: cfg.TextTemplate} {
		if bt != nil && bt.format != f {
			return nil, fmt.Errorf("%s_template: %s is a template for %s", f, bt.file, bt.format)
		}
		r.bodies[f] = bt
	}
	if r.brand == nil {
		r.brand = &Brand{}
	}
	if err := r.brand.Prepare(); err != nil {
		return nil, err
	}
	r.policy = pagePolicy(r.brand)
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
		if readsOnlyStatic(t) {
			r.static[t] = true
		}
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

// pagePolicy is the strictest Content-Security-Policy the embedded page
// works under: nothing but its own <style> (by hash, no 'unsafe-inline'),
// the logo's origin and the data: favicon; no base URL or form target.
func pagePolicy(b *Brand) string {
	img := "data:"
	if b.Logo != "" {
		if strings.HasPrefix(b.Logo, "/") {
			img += " 'self'"
		} else if u, err := url.Parse(b.Logo); err == nil && u.Host != "" {
			img += " " + strings.ToLower(u.Scheme) + "://" + u.Host
		}
	}
	return "default-src 'none'; style-src " + b.cssHash + "; img-src " + img + "; base-uri 'none'; form-action 'none'"
}

// PagePolicy returns the Content-Security-Policy that fits the page
// rendered for code in the HTML format: the embedded page's policy, or ""
// when the site's own template renders it (its needs are unknown).
func (r *Renderer) PagePolicy(code int) string {
	if !r.Builtin(code) {
		return ""
	}
	return r.policy
}

// Builtin reports whether the HTML page for code is the embedded one,
// not the site's own template (which alone reads placeholders).
func (r *Renderer) Builtin(code int) bool {
	return code < 400 || code >= 600 || r.pages[code-400] == defaultTemplate
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
// executing, or a body template's output does not parse, buf receives the
// built-in body of that format instead (a minimal page for HTML) and the
// template error is returned, so the caller can log it: the body is never
// empty or broken.
func (r *Renderer) Render(buf *bytes.Buffer, f Format, d *PageData) error {
	e := d.Error
	if f != HTML {
		bt := r.bodies[f]
		if bt == nil {
			return r.writeBuiltin(buf, f, d)
		}
		bd := NewBodyData(e, d.Method, d.Host)
		bd.tr = d.translator()
		bd.Lang, bd.Dir = bd.tr.Lang(), bd.tr.Dir()
		err := bt.Execute(buf, bd)
		if err == nil {
			return nil
		}
		if berr := r.writeBuiltin(buf, f, d); berr != nil {
			return errors.Join(fmt.Errorf("template %s: %w", bt.file, err), berr)
		}
		return fmt.Errorf("template %s: %w", bt.file, err)
	}
	d.fill()
	if d.Brand == nil {
		d.Brand = r.brand
	}
	t := defaultTemplate
	if e.Code >= 400 && e.Code < 600 {
		t = r.pages[e.Code-400]
	}
	if t == defaultTemplate {
		if d.Brand == r.brand {
			r.builtinPage(d.translator()).write(buf, d)
			return nil
		}
		lt, err := r.localizedPage(d.translator())
		if err != nil {
			writeMinimalHTML(buf, d)
			return err
		}
		t = lt
	}
	key := ""
	if r.static[t] && d.Brand == r.brand {
		key = pageKey(d)
		if page, ok := r.cache.get(t, key); ok {
			buf.Write(page)
			return nil
		}
	}
	start := buf.Len()
	err := t.Execute(buf, d)
	if err == nil {
		if key != "" {
			r.cache.put(t, key, buf.Bytes()[start:])
		}
		return nil
	}
	buf.Truncate(start)
	writeMinimalHTML(buf, d)
	if name := r.files[t]; name != "" {
		return fmt.Errorf("template %s: %w", name, err)
	}
	return err
}

// writeBuiltin appends the built-in body of a non-HTML format: the
// preset's shape for json, problem+json with its extension members, text
// or XML.
func (r *Renderer) writeBuiltin(buf *bytes.Buffer, f Format, d *PageData) error {
	e := d.Error
	switch f {
	case JSON:
		if r.preset != PresetErrorPages {
			return WritePreset(buf, r.preset, e, d.Host)
		}
		writeEnvelope(buf, e)
		return nil
	case Problem:
		writeProblem(buf, e, d.Extensions)
		return nil
	case Text:
		writeText(buf, e, d.translator())
		return nil
	case XML:
		writeXML(buf, e)
		return nil
	}
	return fmt.Errorf("unknown format %s", f)
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

// ProblemMembers are the members of the problem+json body that an
// extension member must not shadow: RFC 9457's and error_pages' own.
var ProblemMembers = []string{"type", "title", "status", "detail", "instance", "request_id", "trace_id", "errors", "more", "lang", "retry_after"}

// writeText writes the text format: every line is one line of valid
// UTF-8 without control characters, whatever the error's texts hold.
// Its labels are in tr's language.
func writeText(buf *bytes.Buffer, e *Error, tr Translator) {
	buf.WriteString(strconv.Itoa(e.Code))
	buf.WriteByte(' ')
	buf.WriteString(oneLine(e.Message))
	buf.WriteByte('\n')
	if e.Details != "" {
		buf.WriteString(oneLine(e.Details))
		buf.WriteByte('\n')
	}
	for _, f := range localizeFields(e.Fields, tr) {
		name := f.Field
		if name == "" {
			name = f.Pointer
		}
		buf.WriteString("- ")
		buf.WriteString(oneLine(name))
		buf.WriteString(": ")
		buf.WriteString(oneLine(f.Message))
		if f.Hint != "" {
			buf.WriteString(" (")
			buf.WriteString(oneLine(hintText(f.Hint)))
			buf.WriteByte(')')
		}
		buf.WriteByte('\n')
	}
	if e.More > 0 {
		buf.WriteString(oneLine(tr.T(KeyMoreProblems, "n", strconv.Itoa(e.More))))
		buf.WriteByte('\n')
	}
	if e.RequestID != "" {
		buf.WriteString(tr.T(KeyTextRequestID))
		buf.WriteString(": ")
		buf.WriteString(oneLine(e.RequestID))
		buf.WriteByte('\n')
	}
	if e.TraceID != "" {
		buf.WriteString(tr.T(KeyTextTraceID))
		buf.WriteString(": ")
		buf.WriteString(oneLine(e.TraceID))
		buf.WriteByte('\n')
	}
	if e.RetryAfter > 0 {
		buf.WriteString(tr.T(KeyTextRetryAfter))
		buf.WriteString(": ")
		buf.WriteString(oneLine(tr.Duration(e.RetryAfter)))
		buf.WriteByte('\n')
	}
	if e.Docs != "" {
		buf.WriteString(tr.T(KeyTextDocs))
		buf.WriteString(": ")
		buf.WriteString(oneLine(e.Docs))
		buf.WriteByte('\n')
	}
}

// oneLine makes s one line of valid UTF-8: invalid bytes become U+FFFD;
// control characters (NUL, CR, LF, the C1 set) and the Unicode line and
// paragraph separators become spaces, and runs of white space one space.
func oneLine(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return oneLineSlow(s)
		}
	}
	return s
}

func oneLineSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if r < 0x20 || r >= 0x7f && r <= 0x9f || r == '\u2028' || r == '\u2029' || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// writeXML writes the XML format: <error> with one element per member
// and <fields> holding a <field> per problem, its name, pointer, code and
// hint as attributes and its message as text. The bytes are those
// encoding/xml marshals for the same document (TestXMLMatchesEncoder),
// written without its reflection.
func writeXML(buf *bytes.Buffer, e *Error) {
	buf.WriteString(xml.Header)
	buf.WriteString("<error><code>")
	writeInt(buf, e.Code)
	buf.WriteString("</code>")
	xmlElement(buf, "type", e.Type)
	xmlElement(buf, "message", e.Message)
	xmlElement(buf, "details", e.Details)
	if len(e.Fields) > 0 {
		buf.WriteString("<fields")
		if e.More != 0 {
			buf.WriteString(` more="`)
			writeInt(buf, e.More)
			buf.WriteByte('"')
		}
		buf.WriteByte('>')
		for i := range e.Fields {
			f := &e.Fields[i]
			buf.WriteString(`<field name="`)
			escapeXML(buf, f.Field)
			buf.WriteByte('"')
			xmlAttr(buf, "pointer", f.Pointer)
			xmlAttr(buf, "code", f.Code)
			xmlAttr(buf, "hint", f.Hint)
			buf.WriteByte('>')
			escapeXML(buf, f.Message)
			buf.WriteString("</field>")
		}
		buf.WriteString("</fields>")
	}
	if e.RequestID != "" {
		xmlElement(buf, "request_id", e.RequestID)
	}
	if e.TraceID != "" {
		xmlElement(buf, "trace_id", e.TraceID)
	}
	if e.Docs != "" {
		xmlElement(buf, "docs", e.Docs)
	}
	if e.RetryAfter != 0 {
		buf.WriteString("<retry_after>")
		writeInt(buf, e.RetryAfter)
		buf.WriteString("</retry_after>")
	}
	buf.WriteString("</error>")
}

func xmlElement(buf *bytes.Buffer, name, text string) {
	buf.WriteByte('<')
	buf.WriteString(name)
	buf.WriteByte('>')
	escapeXML(buf, text)
	buf.WriteString("</")
	buf.WriteString(name)
	buf.WriteByte('>')
}

// xmlAttr writes ` name="value"`, nothing when value is empty.
func xmlAttr(buf *bytes.Buffer, name, value string) {
	if value == "" {
		return
	}
	buf.WriteByte(' ')
	buf.WriteString(name)
	buf.WriteString(`="`)
	escapeXML(buf, value)
	buf.WriteByte('"')
}

// escapeXML is encoding/xml's escaping of text and attribute values:
// quotes, &, angle brackets, tab, newline and carriage return as
// character references; invalid UTF-8 and characters XML cannot hold
// as U+FFFD.
func escapeXML(buf *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		width := 1
		switch {
		case c == '"':
			esc = "&#34;"
		case c == '\'':
			esc = "&#39;"
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '\t':
			esc = "&#x9;"
		case c == '\n':
			esc = "&#xA;"
		case c == '\r':
			esc = "&#xD;"
		case c < 0x20:
			esc = "\uFFFD"
		case c < utf8.RuneSelf:
			i++
			continue
		default:
			r, w := utf8.DecodeRuneInString(s[i:])
			width = w
			if r == utf8.RuneError && w == 1 || !xmlChar(r) {
				esc = "\uFFFD"
				break
			}
			i += w
			continue
		}
		buf.WriteString(s[last:i])
		buf.WriteString(esc)
		i += width
		last = i
	}
	buf.WriteString(s[last:])
}

// xmlChar reports whether XML 1.0 can hold r (its Char production).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// writeMinimalHTML is the page of last resort, used when a template fails.
func writeMinimalHTML(buf *bytes.Buffer, d *PageData) {
	e, tr := d.Error, d.translator()
	title := html.EscapeString(strconv.Itoa(e.Code) + " " + e.Message)
	buf.WriteString(`<!doctype html><html lang="`)
	buf.WriteString(html.EscapeString(tr.Lang()))
	buf.WriteString(`" dir="`)
	buf.WriteString(tr.Dir())
	buf.WriteString(`"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>`)
	buf.WriteString(title)
	buf.WriteString(`</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem"><h1>`)
	buf.WriteString(title)
	buf.WriteString(`</h1><p>`)
	buf.WriteString(html.EscapeString(e.Details))
	buf.WriteString(`</p>`)
	if e.RequestID != "" {
		buf.WriteString(`<p>`)
		buf.WriteString(html.EscapeString(tr.T(KeyRequestID)))
		buf.WriteString(`: <code>`)
		buf.WriteString(html.EscapeString(e.RequestID))
		buf.WriteString(`</code></p>`)
	}
	buf.WriteString(`</body></html>`)
}

// LocalRef returns a relative reference to the request's own address
// that stays on the site: path is the request's escaped path
// (url.URL.EscapedPath), query its raw query ("" for none). The result
// never starts with "//", a network-path reference that browsers resolve
// to another host: "//evil.example/" becomes "/.//evil.example/", which
// resolves to that same path on the same site. Bytes a URI cannot hold
// are percent-encoded; a path that is empty or not absolute gives "/".
func LocalRef(path, query string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/"
	}
	ref := path
	if query != "" {
		ref = path + "?" + query
	}
	if !uriSafe(ref) {
		ref = escapeURI(ref)
	}
	if strings.HasPrefix(ref, "//") {
		ref = "/." + ref
	}
	return ref
}

// uriChars marks the bytes a URI's path and query may hold as they are
// (RFC 3986: unreserved, sub-delims, ":", "@", "/", "?"); "%" is checked
// separately.
var uriChars = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:@/?", byte(c)) >= 0
	}
	return t
}()

func uriSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !uriChars[c] && !(c == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2])) {
			return false
		}
	}
	return true
}

func escapeURI(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if uriChars[c] || c == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
