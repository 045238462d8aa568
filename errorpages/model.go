package errorpages

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"
)

// Field is one field-level validation problem.
type Field struct {
	// Field is the name a user recognizes: "email", "items[0].qty".
	Field string `json:"field" xml:"name,attr"`
	// Message says what is wrong, written for the API's developers.
	Message string `json:"message" xml:",chardata"`
	// Pointer is a JSON Pointer qualified by the request part it is in
	// ("/body/items/0/qty", "/query/limit", "/header/X-Tenant"); "" when
	// the upstream gave none.
	Pointer string `json:"pointer,omitempty" xml:"pointer,attr,omitempty"`
	// Code is a machine-readable problem code ("required", "format",
	// "minimum"); "" when unknown.
	Code string `json:"code,omitempty" xml:"code,attr,omitempty"`
	// Hint helps correct the problem (allowed values, "did you mean
	// email?"); "" when none. A name between backticks is code: the HTML
	// page shows it in <code>, the text format in quotes.
	Hint string `json:"hint,omitempty" xml:"hint,attr,omitempty"`

	// Key and Args let the localized formats (HTML, text) write Message
	// in the page's language: Key is the catalogue key of the message
	// ("problem.minimum.want"), Args its placeholders ({"limit": "1"});
	// Args may also hold "suggest" (the name a "did you mean" hint
	// proposes) and "allowed" (an enum's allowed values). Without Key, a
	// built-in Code still gets its generic text ("problem.<code>"). The
	// machine formats (JSON, problem+json, XML) never show them.
	Key  string            `json:"-" xml:"-"`
	Args map[string]string `json:"-" xml:"-"`
}

// Error is the one description of an error that every format renders:
// the members of the JSON envelope, problem+json, the text and XML
// bodies and the HTML page all come from it.
type Error struct {
	// Code is the HTTP status.
	Code int
	// Type is a machine-readable snake_case slug.
	Type string
	// Message is the short public title.
	Message string
	// Details is the human explanation.
	Details string
	// Fields lists validation problems; may be empty.
	Fields []Field
	// RequestID identifies the request in logs.
	RequestID string
	// Docs is a documentation URL; empty when not configured.
	Docs string
	// Instance is the request path (problem+json "instance").
	Instance string
	// More counts field problems beyond Fields that were not listed.
	More int
	// TraceID is the W3C trace ID of the request when tracing is on.
	TraceID string
	// Source is where the error came from: "local" (Caddy produced it) or
	// "upstream" (a response from the handler chain).
	Source string
	// Refresh is the number of seconds after which the HTML page reloads
	// itself (a meta refresh), e.g. when a maintenance window should be
	// over; 0 for never.
	Refresh int
	// RetryAfter is the seconds after which the client may try again —
	// the response's Retry-After, for a 429 or 503 — 0 when not known.
	RetryAfter int

	// zone is the time zone of the times a page writes (Zone); nil: UTC.
	zone *time.Location
}

// NewError returns the standard error for code: reason phrase as message
// (or the given override), its slug as type and the end-user description
// as details.
func NewError(code int, message string) *Error {
	if message == "" {
		message = ReasonPhrase(code)
	}
	return &Error{Code: code, Type: TypeSlug(code), Message: message, Details: Description(code)}
}

// PageData is what an HTML template sees: the error's data as direct
// fields (.Code, .Message, .Details, .Type, .Fields, .More, .RequestID,
// .TraceID, .Docs), the brand and the request. Set Error; Render fills the rest.
type PageData struct {
	// Error is the error being rendered.
	Error *Error

	Code      int
	Type      string
	Message   string
	Details   string
	Fields    []Field
	More      int
	RequestID string
	// TraceID is the W3C trace ID when Caddy's tracing is on, else "".
	TraceID string
	Docs    string
	// Refresh is the seconds after which the page reloads itself
	// (<meta http-equiv="refresh">); 0 for never.
	Refresh int

	Brand  *Brand
	Method string
	Host   string
	// Path is the path the client asked for, decoded, for display.
	Path string
	// URL is the address the client asked for as a link that stays on
	// the site: the escaped path and the query, never a network-path
	// reference ("//host/…"). Use it, not Path, in href attributes.
	// Empty means "/".
	URL  string
	Time time.Time
	// Lang is the page language (the html lang attribute); Dir is "rtl"
	// for a right-to-left language, else "ltr" (the dir attribute). Both
	// come from the translator when not set.
	Lang string
	Dir  string
	// RetryAfter is the seconds after which the client may try again
	// (the response's Retry-After), 0 when unknown; Retry says so in the
	// page's language: in how long ("in 0:30") for a wait of at most
	// RetryCountdownMax, when ("after 2026-03-01 14:00 UTC") otherwise.
	RetryAfter int
	Retry      string
	// L are the page's fixed texts in its language ({{.L.Home}}, …).
	L *PageTexts

	// Extensions are the extra members of the problem+json body
	// (problem_extension), values already resolved for the request.
	Extensions []Member

	replace func(string) string
	tr      Translator
}

// SetTranslator sets the language of the page's built-in texts: .T, .Lang
// and .Dir follow it. Without one the page is in English.
func (d *PageData) SetTranslator(tr Translator) { d.tr = tr }

// T returns the built-in text for key in the page's language, its
// {placeholders} filled from name, value pairs: {{.T "page.home"}},
// {{.T "page.error_code" "code" "404"}}. An unknown key is returned as is.
func (d *PageData) T(key string, kv ...string) string { return d.translator().T(key, kv...) }

func (d *PageData) translator() Translator {
	if d.tr.t == nil {
		return sourceTranslator()
	}
	return d.tr
}

// sourceTranslator is the built-in English translator.
var sourceTranslator = sync.OnceValue(func() Translator {
	c, _ := builtin()
	return c.Translator(SourceLanguage)
})

// fill copies the error's data into the direct fields: templates read
// direct fields much faster than fields promoted from an embedded struct.
func (d *PageData) fill() {
	e := d.Error
	d.Code, d.Type, d.Message, d.Details = e.Code, e.Type, e.Message, e.Details
	d.Fields, d.More, d.RequestID, d.TraceID, d.Docs = e.Fields, e.More, e.RequestID, e.TraceID, e.Docs
	d.Refresh, d.RetryAfter = e.Refresh, e.RetryAfter
	tr := d.translator()
	d.Fields = localizeFields(d.Fields, tr)
	switch {
	case d.Lang == "":
		d.Lang, d.Dir = tr.Lang(), tr.Dir()
	case d.Dir == "" && d.Lang == tr.Lang():
		d.Dir = tr.Dir()
	case d.Dir == "":
		d.Dir = Dir(d.Lang)
	}
	d.L = tr.Page()
	if d.URL == "" {
		d.URL = "/"
	}
	d.Retry = ""
	if d.RetryAfter > 0 {
		if d.RetryAfter <= RetryCountdownMax {
			d.Retry = tr.T(KeyRetryIn, "countdown", tr.Duration(d.RetryAfter))
			if d.Refresh == 0 && (d.Method == "GET" || d.Method == "") {
				// The page reloads itself once the wait is over.
				d.Refresh = d.RetryAfter
			}
		} else {
			now := d.Time
			if now.IsZero() {
				now = time.Now()
			}
			zone := e.zone
			if zone == nil {
				zone = time.UTC
			}
			at := now.In(zone).Add(time.Duration(d.RetryAfter) * time.Second).Truncate(time.Minute).Add(time.Minute)
			d.Retry = tr.T(KeyRetryAt, "time", FormatTime(tr.Lang(), at))
		}
	}
}

// RetryCountdownMax is the longest wait, in seconds, that the HTML page
// shows as a countdown and reloads itself after; a longer one is shown as
// a time.
const RetryCountdownMax = 300

// SetPlaceholderFunc sets the function behind .Placeholder. It decides
// which placeholders a template may read: in Caddy, error_pages gives
// templates no {env.*}, {file.*} or {system.*} unless the config allows
// them, since a template may pass request data as the name.
func (d *PageData) SetPlaceholderFunc(f func(string) string) { d.replace = f }

// Placeholder returns the value of a server placeholder, for example
// {{.Placeholder "http.request.header.User-Agent"}} in Caddy. Unknown
// placeholders, and those the server does not let templates read, give "".
func (d *PageData) Placeholder(name string) string {
	if d.replace == nil {
		return ""
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "{"), "}")
	return d.replace(name)
}

// Member is one extra member of a JSON body: a name and a string value.
type Member struct {
	Name  string
	Value string
}

// Brand fills the embedded HTML page: error_pages' `brand` option. Every
// member is optional; the links are checked when the config loads.
type Brand struct {
	// `name` is the site's or company's name, shown in the page's
	// header and footer and at the end of its title. Default: none.
	Name string `json:"name,omitempty"`
	// `logo` is the URL of an image shown beside `name` in the header: an
	// http(s) URL or a path on the site. Default: none.
	Logo string `json:"logo,omitempty"`
	// `color` is the accent color, a hex color like #0a66c2, for links,
	// buttons and decoration; it is darkened (lightened in dark mode)
	// where text needs more contrast. Default: #2457c5.
	Color string `json:"color,omitempty"`
	// `home` is the URL of the site's home page, the page's main action.
	// Default: / (the site's root).
	Home string `json:"home,omitempty"`
	// `support` is a support URL or mailto: address, shown as a "Contact
	// support" action. Default: none.
	Support string `json:"support,omitempty"`
	// `status_page` is the URL of the service's status page, shown as a
	// "System status" action on 5xx pages. Default: none.
	StatusPage string `json:"status_page,omitempty"`

	// Computed by Prepare, for templates. Base is Color itself (or the
	// default) as #rrggbb, for decoration where contrast does not matter:
	// the card's top stripe and the logo mark. Accent is the color for
	// text and buttons in light mode (darkened to AA against white when
	// needed), OnAccent the text color on it; AccentDark and OnAccentDark
	// are the same for dark mode.
	Base         string `json:"-"`
	Accent       string `json:"-"`
	OnAccent     string `json:"-"`
	AccentDark   string `json:"-"`
	OnAccentDark string `json:"-"`
	// SupportIsMail reports whether Support is a mailto: address.
	SupportIsMail bool `json:"-"`

	// css is the default page's style sheet for this brand, cssHash its
	// CSP hash source ('sha256-…'); computed by Prepare.
	css     template.CSS
	cssHash string
}

// CSS is the embedded page's style sheet for this brand, the whole text
// of its <style> element; Prepare computes it.
func (b *Brand) CSS() template.CSS { return b.css }

// DefaultAccent is the accent color when none is configured.
const DefaultAccent = "#2457c5"

// Prepare validates the brand and precomputes its colors.
func (b *Brand) Prepare() error {
	color := b.Color
	if color == "" {
		color = DefaultAccent
	}
	rgb, err := parseHexColor(color)
	if err != nil {
		return fmt.Errorf("brand color: %w", err)
	}
	for name, u := range map[string]string{"logo": b.Logo, "home": b.Home, "support": b.Support, "status_page": b.StatusPage} {
		if err := checkURL(name, u); err != nil {
			return err
		}
	}
	// In dark mode the accent is lightened until it has 4.5:1 against the
	// dark page background, so links and focus rings stay readable.
	dark := rgb
	for i := 0; i < 20 && contrast(dark.luminance(), darkBG.luminance()) < 4.5; i++ {
		dark = dark.mix(rgbColor{255, 255, 255}, 0.15)
	}
	b.AccentDark = dark.hex()
	b.OnAccentDark = dark.contrastText()
	// Light mode: darken until 4.5:1 against white for link text.
	light := rgb
	for i := 0; i < 20 && contrast(light.luminance(), 1) < 4.5; i++ {
		light = light.mix(rgbColor{0, 0, 0}, 0.15)
	}
	b.Accent = light.hex()
	b.OnAccent = light.contrastText()
	b.Base = rgb.hex()
	var css bytes.Buffer
	if err := defaultTemplate.ExecuteTemplate(&css, "style", b); err != nil {
		return fmt.Errorf("brand: %w", err)
	}
	sum := sha256.Sum256(css.Bytes())
	b.css = template.CSS(css.String())
	b.cssHash = "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	b.SupportIsMail = strings.HasPrefix(strings.ToLower(b.Support), "mailto:")
	return nil
}

// RendererVar is the name of the request variable (Caddy's vars) under
// which an error_pages handler announces itself to the handlers it wraps.
// Its value has a method RendersLocal(code int) bool that says whether an
// error of that status, returned by a wrapped handler, will be rendered;
// a handler that finds none (request_validation) renders its own.
const RendererVar = "error_pages"

// Problems is an error whose field problems are written for the client:
// the request_validation handler returns it (inside a Caddy HandlerError)
// and error_pages renders its members instead of the status's defaults.
type Problems struct {
	// Type is the machine-readable slug, e.g. "validation_failed".
	Type string
	// Message is a public summary, e.g. "The request has 2 problems."
	Message string
	// Fields lists the problems, sorted and capped.
	Fields []Field
	// More counts the problems beyond Fields that were not listed.
	More int
	// Docs is a documentation URL for the operation; "" for none.
	Docs string
	// Operation is the ID of the operation the request was checked
	// against; "" for none (error_pages' catalogue links its page).
	Operation string
}

// Error summarizes the problems in one line (what Caddy's own
// {http.error.message} shows when error_pages is not used).
func (p *Problems) Error() string {
	n := len(p.Fields) + p.More
	if n == 0 {
		return p.Message
	}
	first := p.Fields[0]
	where := first.Field
	if where == "" {
		where = first.Pointer
	}
	s := fmt.Sprintf("%d problem", n)
	if n > 1 {
		s += "s"
	}
	if where != "" {
		return s + "; first: " + where + ": " + first.Message
	}
	return s + "; first: " + first.Message
}
