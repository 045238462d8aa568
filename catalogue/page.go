package catalogue

import (
	"strconv"
	"strings"
	"sync"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/validation"
)

// View is what a page needs from the request (or the export) it is
// built for.
type View struct {
	// Lang is the page's language: one of Languages (else English).
	Lang string
	// Tr is the site's translator in Lang: a type's title and
	// description are the site's own texts for its status, a rule's text
	// is its problem's text in errorpages (validation.Rule.Key).
	Tr errorpages.Translator
	// Example renders an example error as the site sends it to API
	// clients, in each of the site's machine formats; nil for none.
	Example func(ExampleError) []Example
}

// ExampleError is the example error of a page, for View.Example to
// render: the site fills in its own title (messages), request ID and
// problem members.
type ExampleError struct {
	Code int
	Type string
	// Details replaces the status's description when not "".
	Details string
	Fields  []errorpages.Field
	// Docs is the page's own URL (a path).
	Docs string
}

// Example is one example body as the site sends it.
type Example struct {
	// ContentType is the body's media type.
	ContentType string `json:"content_type"`
	// Body is the body, exactly as sent.
	Body string `json:"body"`
}

// Page is one page's content: the HTML page shows it, the JSON form is
// it.
type Page struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// URL is the page's path.
	URL  string `json:"url"`
	Lang string `json:"lang"`
	// Title is the type's title, the problem code's summary, the
	// operation's method and path.
	Title string `json:"title"`
	// Statuses are the HTTP statuses an error of the type has.
	Statuses []int `json:"statuses,omitempty"`
	// Meaning says what the error means; Action what a client should do.
	Meaning string `json:"meaning,omitempty"`
	Action  string `json:"action,omitempty"`
	// Method, Path and Docs describe an operation (Docs: its
	// externalDocs).
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	Docs   string `json:"docs,omitempty"`
	// Rules are an operation's checks, each with its problem code's page.
	Rules []RuleLink `json:"rules,omitempty"`
	// Uses are the operations and fields that can produce a problem
	// code; More counts those beyond MaxUses.
	Uses []Use `json:"operations,omitempty"`
	More int   `json:"more,omitempty"`
	// Examples are example bodies as the site sends them.
	Examples []Example `json:"examples,omitempty"`

	// kicker is the HTML page's label above the title.
	kicker string
}

// RuleLink is an operation's rule with its problem code's page.
type RuleLink struct {
	Pointer string `json:"pointer"`
	Code    string `json:"code"`
	Text    string `json:"text"`
	URL     string `json:"url"`
}

// Index is the index page: every page, without examples. Its JSON form
// is the listing of the whole catalogue.
type Index struct {
	Kind       string  `json:"kind"`
	URL        string  `json:"url"`
	Lang       string  `json:"lang"`
	Title      string  `json:"title"`
	Types      []*Page `json:"types"`
	Problems   []*Page `json:"problems"`
	Operations []*Page `json:"operations"`
}

// Page builds the page called name (as Find returns it); nil when there
// is none.
func (c *Catalogue) Page(name string, v View) *Page {
	e := c.byName[name]
	if e == nil {
		return nil
	}
	p := c.page(e, v)
	if v.Example != nil {
		p.Examples = v.Example(c.example(e, v))
	}
	return p
}

// IndexPage builds the index.
func (c *Catalogue) IndexPage(v View) *Index {
	lang := c.lang(v.Lang)
	x := &Index{Kind: KindIndex, URL: c.URL(""), Lang: lang, Title: c.T(lang, "index.title")}
	for _, e := range c.types {
		x.Types = append(x.Types, c.page(e, v))
	}
	for _, e := range c.problems {
		x.Problems = append(x.Problems, c.page(e, v))
	}
	for _, e := range c.operations {
		x.Operations = append(x.Operations, c.page(e, v))
	}
	return x
}

func (c *Catalogue) page(e *entry, v View) *Page {
	lang := c.lang(v.Lang)
	p := &Page{Kind: e.kind, Name: e.name, URL: c.URL(e.rel), Lang: lang}
	switch e.kind {
	case KindType:
		p.Statuses = sortedStatuses(e)
		p.kicker = c.T(lang, "label.error_type")
		code := p.Statuses[0]
		if key := "type." + e.name + ".title"; c.has(key) {
			p.Title, p.Meaning = c.T(lang, key), c.T(lang, "type."+e.name+".meaning")
		} else {
			p.Title, p.Meaning = v.Tr.Title(code), v.Tr.Description(code)
		}
		switch key := "type." + e.name + ".action"; {
		case c.has(key):
			p.Action = c.T(lang, key)
		case code >= 500:
			p.Action = c.T(lang, "type.server.action")
		default:
			p.Action = c.T(lang, "type.client.action")
		}
	case KindProblem:
		p.kicker = c.T(lang, "label.problem_code")
		p.Title = v.Tr.T("problem." + e.name)
		p.Meaning = c.T(lang, "problem."+e.name+".meaning")
		p.Action = c.T(lang, "problem."+e.name+".action")
		p.Uses, p.More = e.uses, e.more
		if lang != SourceLanguage && len(e.uses) > 0 {
			p.Uses = make([]Use, len(e.uses))
			for i, u := range e.uses {
				u.Text = ruleText(e.useRules[i], lang, v.Tr)
				p.Uses[i] = u
			}
		}
	case KindOperation:
		p.kicker = c.T(lang, "label.operation")
		p.Method, p.Path, p.Docs = e.op.Method, e.op.Path, e.op.Docs
		p.Title = e.op.Method + " " + e.op.Path
		p.Rules = make([]RuleLink, 0, len(e.rules))
		for _, r := range e.rules {
			p.Rules = append(p.Rules, RuleLink{Pointer: r.Pointer, Code: r.Code, Text: ruleText(r, lang, v.Tr), URL: c.URL("problems/" + r.Code)})
		}
	}
	return p
}

// example is the error a page shows as an example: a type's own error,
// a validation error with one problem of the code (on the first field
// that can produce it), or the validation error of an operation's first
// rule.
func (c *Catalogue) example(e *entry, v View) ExampleError {
	switch e.kind {
	case KindProblem:
		f := errorpages.Field{Field: "email", Pointer: "/body/email", Code: e.name, Message: english().T("problem." + e.name)}
		if len(e.uses) > 0 {
			f = ruleField(e.useRules[0])
		}
		return validationExample(f, c.URL(e.rel))
	case KindOperation:
		if len(e.rules) == 0 {
			return ExampleError{Code: 404, Type: "not_found", Docs: c.URL(e.rel)}
		}
		// Credentials are checked first; else a field's rule reads best.
		r := e.rules[0]
		if r.Code != "credentials" {
			for _, x := range e.rules {
				if fieldName(x.Pointer) != "" {
					r = x
					break
				}
			}
		}
		f := ruleField(r)
		if r.Code == "credentials" {
			return ExampleError{Code: 401, Type: "unauthorized", Details: "The request lacks the credentials this operation requires.", Fields: []errorpages.Field{f}, Docs: c.URL(e.rel)}
		}
		return validationExample(f, c.URL(e.rel))
	}
	code := sortedStatuses(e)[0]
	x := ExampleError{Code: code, Type: e.name, Docs: c.URL(e.rel)}
	switch e.name {
	case TypeValidationFailed:
		return validationExample(ruleField(validation.Rule{Pointer: "/body/email", Code: "format", Text: "must be a valid email address",
			Key: "problem.format.want", Args: map[string]string{"format": "email"}}), x.Docs)
	case TypeUpstreamContractViolation, TypeMaintenance:
		x.Details = c.T(v.Lang, "type."+e.name+".meaning")
	}
	return x
}

// ruleText is r's text in lang: as written in English, else its
// problem's text in errorpages (the words an error body uses for the
// same problem), never English on a page in another language.
func ruleText(r validation.Rule, lang string, tr errorpages.Translator) string {
	if lang == SourceLanguage {
		return r.Text
	}
	if s, ok := tr.ProblemText(r.Key, r.Args); ok {
		return s
	}
	return tr.T("problem." + r.Code)
}

// ruleField is the problem an example error shows for breaking r: the
// rule's English text, as the machine formats write it, and for the
// formats in the page's language the Key the validator gives that
// problem (the rule's own for the codes in keyedCodes; else none, and
// the code's text is written, as for the validator's problems).
func ruleField(r validation.Rule) errorpages.Field {
	f := errorpages.Field{Field: fieldName(r.Pointer), Pointer: r.Pointer, Code: r.Code, Message: r.Text}
	switch {
	case r.Code == "pattern":
		f.Key = "problem.pattern" // the expression stays in the machine formats
	case keyedCodes[r.Code]:
		f.Key, f.Args = r.Key, r.Args
	}
	return f
}

// keyedCodes are the codes whose problems the validator writes with the
// Key and Args of their rule (validation's TestRulesUseTheValidatorsKeys).
var keyedCodes = map[string]bool{
	"type": true, "const": true, "format": true, "minimum": true, "maximum": true, "multiple_of": true,
	"min_length": true, "max_length": true, "min_items": true, "max_items": true, "min_properties": true, "max_properties": true,
}

// english is the built-in English translator: the example's field
// message is a machine format's text.
var english = sync.OnceValue(func() errorpages.Translator {
	return errorpages.Builtin().Translator(errorpages.SourceLanguage)
})

func validationExample(f errorpages.Field, docs string) ExampleError {
	return ExampleError{Code: 400, Type: TypeValidationFailed, Details: "The request has 1 problem.", Fields: []errorpages.Field{f}, Docs: docs}
}

// fieldName is the name a user recognizes for a pointer: its part after
// the request part, dotted ("/body/items/*/qty" → "items[].qty").
func fieldName(ptr string) string {
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	if len(toks) <= 1 {
		return ""
	}
	var b strings.Builder
	for i, t := range toks[1:] {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		switch {
		case t == "*":
			b.WriteString("[]")
		case isIndex(t):
			b.WriteString("[" + t + "]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(t)
		}
	}
	return b.String()
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}
