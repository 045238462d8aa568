package errorpages

import (
	"bytes"
	"encoding/xml"
	"html/template"
	"strings"
	"testing"
	"time"
)

// referencePage renders d with the embedded page's template in d's
// language: what the page was before builtinPage, and what it must stay.
func referencePage(t testing.TB, r *Renderer, d *PageData) string {
	t.Helper()
	d.fill()
	if d.Brand == nil {
		d.Brand = r.brand
	}
	lt, err := r.localizedPage(d.translator())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := lt.Execute(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// fastPage renders d through Render, which takes the prepared page.
func fastPage(t testing.TB, r *Renderer, f Format, d *PageData) string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(&buf, f, d); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// pageBrands: no brand, each member alone and all together, with the
// characters each context escapes.
var pageBrands = []*Brand{
	nil,
	{Name: "Example Shop"},
	{Logo: "/logo.svg"},
	{Name: `Tom & "Jerry's" <Shop> +1`, Logo: "https://cdn.example.com/a b/logo.png?x=1&y='2'", Home: "https://example.com/?a=1&b=2+3", Support: "mailto:help@example.com?subject=Hi there", StatusPage: "https://status.example.com/#top", Color: "#ffcc00"},
	{Name: "Ünïcødé 店", Home: "/home%2Fx%41~", Support: "https://example.com/support/ø", StatusPage: "/status"},
	{Home: "https://example.com/", StatusPage: "https://status.example.com/"},
}

// TestBuiltinPageMatchesTemplate: the prepared page writes the bytes the
// embedded template writes, for every language, brand shape, status
// class and member, with values that need every kind of escaping.
func TestBuiltinPageMatchesTemplate(t *testing.T) {
	cat := Builtin()
	errs := []func() *Error{
		func() *Error { return NewError(404, "") },
		func() *Error {
			e := NewError(400, "")
			e.Type = "validation_failed"
			e.Details = `The request has 3 problems: "<b>" & 'x' + y`
			e.Fields = []Field{
				{Field: "items[0].qty", Message: "must be at least 1", Hint: "use 1 or more"},
				{Pointer: "/body/<script>", Message: "is not allowed here"},
				{Field: "email", Message: "must be a valid email address & <more>"},
			}
			e.More = 7
			e.RequestID = `rid-"1"&<2>`
			e.TraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
			e.Docs = "https://docs.example.com/errors?code=400&lang=en+x#'frag'"
			return e
		},
		func() *Error {
			e := NewError(503, "")
			e.RetryAfter = 90
			e.RequestID = "abc"
			e.Docs = "javascript:alert(1)"
			return e
		},
		func() *Error {
			e := NewError(502, "")
			e.RetryAfter = 7200
			e.Message = "Bad\x00Gateway \xff\xfe invalid"
			e.Details = "line1\nline2\tend"
			return e
		},
		func() *Error {
			e := NewError(500, "")
			e.Refresh = 30
			e.Docs = "/docs/500 page%20x%2"
			return e
		},
	}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, b := range pageBrands {
		r, err := NewRenderer(RendererConfig{Brand: b})
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range cat.Languages() {
			tr := cat.Translator(lang)
			for i, mk := range errs {
				for _, method := range []string{"GET", "POST"} {
					data := func() *PageData {
						d := &PageData{Error: mk(), Method: method, Path: "/a b", URL: "/a%20b?q=1&r='2'", Time: now}
						d.SetTranslator(tr)
						return d
					}
					want := referencePage(t, r, data())
					got := fastPage(t, r, HTML, data())
					if got != want {
						t.Fatalf("brand %+v, %s, error %d, %s: the prepared page differs from the template\n%s", b, lang, i, method, pageDiff(got, want))
					}
				}
			}
		}
	}
}

// pageDiff shows where two pages part.
func pageDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return "got:  …" + got[from:min(len(got), i+80)] + "\nwant: …" + want[from:min(len(want), i+80)]
}

// FuzzBuiltinPage compares the prepared page with the template for
// arbitrary texts in every member a request can set.
func FuzzBuiltinPage(f *testing.F) {
	f.Add(404, "Not Found", "details", "email", "/body/email", "is invalid", "hint", "rid", "tid", "https://docs.example.com/x?a=1&b=2", "/p?q=1", "not_found", 0, "GET", "en")
	f.Add(503, "<b>\x00", "'\"&+", "", "/x", "\xff", "", "", "", "JAVASCRIPT:x", "//evil/", "", 3, "POST", "ar")
	f.Add(500, "", "", "a", "", "", "h", "r", "", "/%zz%41", "", "t", 0, "GET", "de")
	cat := Builtin()
	langs := cat.Languages()
	r, err := NewRenderer(RendererConfig{Brand: pageBrands[3]})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code int, msg, details, field, pointer, fmsg, hint, rid, tid, docs, url, typ string, more int, method, lang string) {
		if code < 400 || code > 599 {
			code = 400 + (code%200+200)%200
		}
		more = max(more%1000, 0)
		tr := cat.Translator(langs[len(lang)%len(langs)])
		data := func() *PageData {
			e := NewError(code, "")
			e.Message, e.Details, e.RequestID, e.TraceID, e.Docs, e.Type, e.More = msg, details, rid, tid, docs, typ, more
			if field != "" || pointer != "" || fmsg != "" {
				e.Fields = []Field{{Field: field, Pointer: pointer, Message: fmsg, Hint: hint}, {Field: hint, Message: details}}
			}
			d := &PageData{Error: e, Method: method, URL: url}
			d.SetTranslator(tr)
			return d
		}
		want := referencePage(t, r, data())
		if got := fastPage(t, r, HTML, data()); got != want {
			t.Fatalf("the prepared page differs from the template\n%s", pageDiff(got, want))
		}
	})
}

// TestBuiltinPageEscapesLikeTemplate: the two escapers are html/template's
// for every byte value, alone and in context.
func TestBuiltinPageEscapesLikeTemplate(t *testing.T) {
	text := template.Must(template.New("").Parse(`<p>{{.}}</p><a href="{{.}}">`))
	var all strings.Builder
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	for _, s := range []string{all.String(), "https://x/" + all.String(), "mailto:a@b", "Data:x", "http:x", "/a:b", "a/b:c", "%41%4", "ﬀ\u2028"} {
		var want bytes.Buffer
		if err := text.Execute(&want, s); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		got.WriteString("<p>")
		escapeHTML(&got, s)
		got.WriteString(`</p><a href="`)
		escapeURLAttr(&got, s)
		got.WriteString(`">`)
		if got.String() != want.String() {
			t.Errorf("%q:\n%s", s, pageDiff(got.String(), want.String()))
		}
	}
}

// TestBuiltinPageCostsLittle: the embedded page allocates nothing per
// request once its language is prepared (the buffer aside).
func TestBuiltinPageAllocations(t *testing.T) {
	r, _ := NewRenderer(RendererConfig{Brand: pageBrands[3]})
	e := sampleError()
	var buf bytes.Buffer
	d := &PageData{Error: e, Method: "GET", URL: "/api/users"}
	r.Render(&buf, HTML, d)
	n := testing.AllocsPerRun(100, func() {
		buf.Reset()
		*d = PageData{Error: e, Method: "GET", URL: "/api/users"}
		r.Render(&buf, HTML, d)
	})
	if n > 0 {
		t.Errorf("the embedded page costs %.0f allocations per render, want 0", n)
	}
}

// xmlReference is the XML format as encoding/xml marshals it: the
// reference the hand-written writeXML is compared with.
type xmlReference struct {
	XMLName    xml.Name      `xml:"error"`
	Code       int           `xml:"code"`
	Type       string        `xml:"type"`
	Message    string        `xml:"message"`
	Details    string        `xml:"details"`
	Fields     *xmlRefFields `xml:"fields,omitempty"`
	RequestID  string        `xml:"request_id,omitempty"`
	TraceID    string        `xml:"trace_id,omitempty"`
	Docs       string        `xml:"docs,omitempty"`
	RetryAfter int           `xml:"retry_after,omitempty"`
}

type xmlRefFields struct {
	More  int     `xml:"more,attr,omitempty"`
	Field []Field `xml:"field"`
}

func xmlMarshaled(t testing.TB, e *Error) string {
	x := xmlReference{Code: e.Code, Type: e.Type, Message: e.Message, Details: e.Details, RequestID: e.RequestID, TraceID: e.TraceID, Docs: e.Docs, RetryAfter: e.RetryAfter}
	if len(e.Fields) > 0 {
		x.Fields = &xmlRefFields{Field: e.Fields, More: e.More}
	}
	b, err := xml.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return xml.Header + string(b)
}

// TestXMLMatchesEncoder: the XML format is byte for byte what
// encoding/xml marshals, with every character class in every member.
func TestXMLMatchesEncoder(t *testing.T) {
	var all strings.Builder
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	all.WriteString("\uFFFD\u2028\U0001F600\uFFFE\uD7FF\ue000")
	weird := all.String()
	for i, e := range []*Error{
		NewError(404, ""),
		sampleError(),
		{Code: 422, Type: weird, Message: weird, Details: weird, RequestID: weird, TraceID: weird, Docs: weird, RetryAfter: 30, More: 2,
			Fields: []Field{{Field: weird, Message: weird, Pointer: weird, Code: weird, Hint: weird}, {}}},
		{Code: 503, Fields: []Field{{Message: "x"}}},
	} {
		var buf bytes.Buffer
		writeXML(&buf, e)
		if want := xmlMarshaled(t, e); buf.String() != want {
			t.Errorf("error %d:\n%s", i, pageDiff(buf.String(), want))
		}
	}
}

// FuzzXML compares writeXML with encoding/xml for arbitrary texts.
func FuzzXML(f *testing.F) {
	f.Add("Bad Request", "d\x00\t<>", "email", "is invalid", "/body/email", "format", "hint", "rid", "", 3, 0)
	f.Add("\xff\xfe", "\uFFFE", "", "", "", "", "", "", "t", 0, 30)
	f.Fuzz(func(t *testing.T, msg, details, field, fmsg, pointer, code, hint, rid, docs string, more, retry int) {
		e := &Error{Code: 400, Type: "bad_request", Message: msg, Details: details, RequestID: rid, Docs: docs, More: more, RetryAfter: retry}
		if field != "" || fmsg != "" {
			e.Fields = []Field{{Field: field, Message: fmsg, Pointer: pointer, Code: code, Hint: hint}}
		}
		var buf bytes.Buffer
		writeXML(&buf, e)
		if want := xmlMarshaled(t, e); buf.String() != want {
			t.Fatalf("%s", pageDiff(buf.String(), want))
		}
		if err := xml.Unmarshal(buf.Bytes(), new(xmlReference)); err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	})
}
