package errorpages

import (
	"bytes"
	"html"
	"strconv"
	"strings"
)

// The embedded page, rendered without html/template: templates/default.html
// is the page as designed and the reference that tests compare with
// (TestBuiltinPageMatchesTemplate, FuzzBuiltinPage); builtinPage writes
// the same bytes from parts prepared once per brand and language, so a
// request pays only for escaping its own values — message, details,
// fields, IDs, links — instead of the template's reflection.
//
// The escaping is html/template's own for the contexts the page puts
// values in: text, <title> and quoted attributes (escapeHTML) and URL
// attributes (escapeURLAttr).

// builtinPage is the embedded page for one brand and one language: every
// fixed part already localized and escaped.
type builtinPage struct {
	// head runs from the doctype to the lang attribute's value; dir
	// from the end of that value to the optional refresh <meta>;
	// title to the <title>'s text.
	head, dir, title string
	// titleBrand ends the title (" · Name", escaped) and opens the page
	// through the header and the code's <p>.
	titleBrand, body string
	// errorCode is page.error_code split around its {code}.
	errorCode []string
	// pleaseCheck, requestID, traceID: the section labels.
	pleaseCheck, requestID, traceID string
	// moreProblems is page.more_problems split around its {n}.
	moreProblems []string
	// nav opens the navigation through the Home link; tryAgain is the
	// label of the Try again link; status the 5xx status page link;
	// support the support link with the newline before and after it;
	// documentation the docs link's label.
	nav, tryAgain, status, support, documentation string
	// footer opens the footer up to the error code text.
	footer string
}

// pageText is the fixed text key in tr's language as localizeSource puts
// it in the template: HTML-escaped, braces as character references.
func pageText(tr Translator, key string) string {
	return escapePageText(tr.T(key))
}

// escapePageText escapes a fixed text of the page: HTML-escaped, and
// braces as character references, so that in the template a text can
// never be read as an action.
func escapePageText(s string) string {
	return braceEscaper.Replace(html.EscapeString(s))
}

var braceEscaper = strings.NewReplacer("{", "&#123;", "}", "&#125;")

// pageTextParts is pageText for a text with a {name} placeholder, split
// around its occurrences: the value goes between the parts.
func pageTextParts(tr Translator, key, name string) []string {
	return strings.Split(escapePageText(Fill(tr.T(key), name, "\x00")), "\x00")
}

func newBuiltinPage(b *Brand, tr Translator) *builtinPage {
	p := &builtinPage{
		head:          "<!doctype html>\n<html lang=\"",
		dir:           "\" dir=\"" + tr.Dir() + "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<meta name=\"robots\" content=\"noindex\">\n",
		title:         "<meta name=\"color-scheme\" content=\"light dark\">\n<link rel=\"icon\" href=\"data:,\">\n<title>",
		errorCode:     pageTextParts(tr, KeyErrorCode, "code"),
		pleaseCheck:   pageText(tr, KeyPleaseCheck),
		requestID:     pageText(tr, KeyRequestID),
		traceID:       pageText(tr, KeyTraceID),
		moreProblems:  pageTextParts(tr, KeyMoreProblems, "n"),
		tryAgain:      pageText(tr, KeyTryAgain),
		documentation: pageText(tr, KeyDocumentation),
	}
	var s strings.Builder
	if b.Name != "" {
		s.WriteString(" · ")
		s.WriteString(escapeHTMLString(b.Name))
	}
	s.WriteString("</title>\n<style>")
	s.WriteString(string(b.css))
	s.WriteString("</style>\n</head>\n<body>\n")
	if b.Name != "" || b.Logo != "" {
		s.WriteString("<header>")
		if b.Home != "" {
			s.WriteString(`<a href="` + escapeURLAttrString(b.Home) + `">`)
		} else {
			s.WriteString("<span>")
		}
		if b.Logo != "" {
			alt := pageText(tr, KeyHomeAlt)
			if b.Name != "" {
				alt = escapeHTMLString(b.Name)
			}
			s.WriteString(`<img src="` + escapeURLAttrString(b.Logo) + `" alt="` + alt + `">`)
		}
		if b.Name != "" && b.Logo == "" {
			s.WriteString(`<i class="mark" aria-hidden="true"></i>` + escapeHTMLString(b.Name))
		}
		if b.Home != "" {
			s.WriteString("</a>")
		} else {
			s.WriteString("</span>")
		}
		s.WriteString("</header>")
	}
	s.WriteString("\n<main>\n<p class=\"code\" aria-hidden=\"true\">")
	p.titleBrand = s.String()

	home := "/"
	if b.Home != "" {
		home = escapeURLAttrString(b.Home)
	}
	p.nav = "<nav aria-label=\"" + pageText(tr, KeyNextSteps) + "\">\n<a class=\"primary\" href=\"" + home + "\">" + pageText(tr, KeyHome) + "</a>\n"
	if b.StatusPage != "" {
		p.status = `<a href="` + escapeURLAttrString(b.StatusPage) + `">` + pageText(tr, KeySystemStatus) + "</a>"
	}
	p.support = "\n"
	if b.Support != "" {
		p.support += `<a href="` + escapeURLAttrString(b.Support) + `">` + pageText(tr, KeyContactSupport) + "</a>"
	}
	p.support += "\n"
	p.footer = "</nav>\n</main>\n<footer>"
	if b.Name != "" {
		p.footer += escapeHTMLString(b.Name) + " · "
	}
	return p
}

// write appends the page for d, whose fill has run, to buf.
func (p *builtinPage) write(buf *bytes.Buffer, d *PageData) {
	var num [20]byte
	code := strconv.AppendInt(num[:0], int64(d.Code), 10)
	buf.WriteString(p.head)
	escapeHTML(buf, d.Lang)
	buf.WriteString(p.dir)
	if d.Refresh != 0 {
		buf.WriteString(`<meta http-equiv="refresh" content="`)
		writeInt(buf, d.Refresh)
		buf.WriteString("\">\n")
	}
	buf.WriteString(p.title)
	buf.Write(code)
	buf.WriteByte(' ')
	escapeHTML(buf, d.Message)
	buf.WriteString(p.titleBrand)
	buf.Write(code)
	buf.WriteString("</p>\n<h1><span class=\"sr\">")
	writeParts(buf, p.errorCode, code)
	buf.WriteString(": </span>")
	escapeHTML(buf, d.Message)
	buf.WriteString("</h1>\n")
	if d.Details != "" {
		buf.WriteString("<p>")
		escapeHTML(buf, d.Details)
		buf.WriteString("</p>")
	}
	buf.WriteByte('\n')
	if d.Retry != "" {
		buf.WriteString(`<p class="retry" role="status">`)
		escapeHTML(buf, d.Retry)
		buf.WriteString("</p>")
	}
	buf.WriteByte('\n')
	if len(d.Fields) > 0 {
		buf.WriteString("<h2>")
		buf.WriteString(p.pleaseCheck)
		buf.WriteString("</h2>\n<ul>")
		for i := range d.Fields {
			f := &d.Fields[i]
			buf.WriteString("<li><strong>")
			if f.Field != "" {
				escapeHTML(buf, f.Field)
			} else {
				escapeHTML(buf, f.Pointer)
			}
			buf.WriteString("</strong> <span>")
			escapeHTML(buf, f.Message)
			buf.WriteString("</span>")
			if f.Hint != "" {
				buf.WriteString("<small>")
				writeHintHTML(buf, f.Hint)
				buf.WriteString("</small>")
			}
			buf.WriteString("</li>")
		}
		buf.WriteString("</ul>\n")
		if d.More != 0 {
			buf.WriteString(`<p class="more">`)
			var n [20]byte
			writeParts(buf, p.moreProblems, strconv.AppendInt(n[:0], int64(d.More), 10))
			buf.WriteString("</p>")
		}
	}
	buf.WriteByte('\n')
	if d.RequestID != "" {
		buf.WriteString(`<p class="rid">`)
		buf.WriteString(p.requestID)
		buf.WriteString(`<br><code dir="ltr">`)
		escapeHTML(buf, d.RequestID)
		buf.WriteString("</code></p>")
	}
	if d.TraceID != "" {
		buf.WriteString(`<p class="rid">`)
		buf.WriteString(p.traceID)
		buf.WriteString(`<br><code dir="ltr">`)
		escapeHTML(buf, d.TraceID)
		buf.WriteString("</code></p>")
	}
	buf.WriteByte('\n')
	buf.WriteString(p.nav)
	if d.Code >= 500 {
		if d.Method == "GET" {
			buf.WriteString(`<a href="`)
			escapeURLAttr(buf, d.URL)
			buf.WriteString(`">`)
			buf.WriteString(p.tryAgain)
			buf.WriteString("</a>")
		}
		buf.WriteString(p.status)
	}
	buf.WriteString(p.support)
	if d.Docs != "" {
		buf.WriteString(`<a href="`)
		escapeURLAttr(buf, d.Docs)
		buf.WriteString(`">`)
		buf.WriteString(p.documentation)
		buf.WriteString("</a>")
	}
	buf.WriteByte('\n')
	buf.WriteString(p.footer)
	writeParts(buf, p.errorCode, code)
	if d.Type != "" {
		buf.WriteString(" · ")
		escapeHTML(buf, d.Type)
	}
	buf.WriteString("</footer>\n</body>\n</html>\n\n")
}

// writeParts writes parts with v between each two.
func writeParts(buf *bytes.Buffer, parts []string, v []byte) {
	for i, s := range parts {
		if i > 0 {
			buf.Write(v)
		}
		buf.WriteString(s)
	}
}

// htmlEscapes is html/template's escaping of a string in text, RCDATA and
// quoted attribute values: NUL becomes U+FFFD; quotes, &, + and angle
// brackets character references. Every other byte, invalid UTF-8
// included, stays as it is.
var htmlEscapes = [256]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// escapeHTML appends s escaped as html/template escapes a string in text
// or a quoted attribute.
func escapeHTML(buf *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if r := htmlEscapes[s[i]]; r != "" {
			buf.WriteString(s[last:i])
			buf.WriteString(r)
			last = i + 1
		}
	}
	buf.WriteString(s[last:])
}

func escapeHTMLString(s string) string {
	var b bytes.Buffer
	escapeHTML(&b, s)
	return b.String()
}

// escapeURLAttr appends s as html/template writes a value at the start
// of a URL attribute (href, src): a URL whose scheme is not http, https
// or mailto becomes "#ZgotmplZ"; bytes a URL cannot hold are
// percent-encoded (lower-case hex, valid escapes kept); then the HTML
// escaping of attributes.
func escapeURLAttr(buf *bytes.Buffer, s string) {
	if !safeURL(s) {
		buf.WriteString("#ZgotmplZ")
		return
	}
	const hex = "0123456789abcdef"
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var esc string
		switch {
		case urlKeeps[c]:
			continue
		case c == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]):
			continue
		case c == '&':
			esc = "&amp;"
		case c == '+':
			esc = "&#43;"
		}
		buf.WriteString(s[last:i])
		if esc != "" {
			buf.WriteString(esc)
		} else {
			buf.WriteByte('%')
			buf.WriteByte(hex[c>>4])
			buf.WriteByte(hex[c&15])
		}
		last = i + 1
	}
	buf.WriteString(s[last:])
}

func escapeURLAttrString(s string) string {
	var b bytes.Buffer
	escapeURLAttr(&b, s)
	return b.String()
}

// urlKeeps marks the bytes html/template's URL normalizer leaves as they
// are and the attribute escaper too: unreserved characters and the
// reserved ones but & and + (which become character references).
var urlKeeps = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!#$*,/:;=?@[]", byte(c)) >= 0
	}
	return t
}()

// safeURL is html/template's test: a URL with a scheme must be http,
// https or mailto.
func safeURL(s string) bool {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") {
		return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
	}
	return true
}
