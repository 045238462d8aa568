package catalogue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/validation"
)

// Every language file has exactly the keys of en.json: adding a language
// is adding one complete file.
func TestEveryLanguageHasEveryKey(t *testing.T) {
	en := texts[SourceLanguage]
	if len(en) == 0 {
		t.Fatal("no en.json")
	}
	for lang, m := range texts {
		for k := range en {
			if strings.TrimSpace(m[k]) == "" {
				t.Errorf("%s.json: no text for %q", lang, k)
			}
		}
		for k := range m {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json: %q is not a key of en.json", lang, k)
			}
		}
		for _, p := range placeholderProblems(en, m) {
			t.Errorf("%s.json: %s", lang, p)
		}
	}
}

var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// placeholderProblems lists the texts of m whose {placeholders} are not
// exactly those of the English text: a dropped one loses a value (the
// count of "… and {n} more"), an added one is never filled.
func placeholderProblems(en, m map[string]string) []string {
	names := func(s string) []string {
		var out []string
		for _, x := range placeholderRE.FindAllStringSubmatch(s, -1) {
			out = append(out, x[1])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	var out []string
	for k, text := range m {
		ref, ok := en[k]
		if !ok {
			continue
		}
		if got, want := names(text), names(ref); !slices.Equal(got, want) {
			out = append(out, fmt.Sprintf("%s: placeholders %v, want %v as in %q", k, got, want, ref))
		}
		if strings.Count(text, "{") != strings.Count(text, "}") {
			out = append(out, fmt.Sprintf("%s: unbalanced braces in %q", k, text))
		}
	}
	slices.Sort(out)
	return out
}

// The placeholder check finds a translation that drops, renames or adds
// a placeholder, and passes one that moves it.
func TestPlaceholderProblems(t *testing.T) {
	en := map[string]string{"label.more": "… and {n} more", "label.example_intro": "What a client of this site receives ({type}):", "index.title": "Error reference"}
	for _, row := range []struct {
		m    map[string]string
		want int
	}{
		{map[string]string{"label.more": "{n} weitere", "label.example_intro": "Was ein Client erhält ({type}):", "index.title": "Fehler"}, 0},
		{map[string]string{"label.more": "… und weitere"}, 1},
		{map[string]string{"label.more": "… und {m} weitere"}, 1},
		{map[string]string{"index.title": "Fehler {n}"}, 1},
		{map[string]string{"label.example_intro": "Was ein Client erhält ({type):"}, 2},
	} {
		if got := placeholderProblems(en, row.m); len(got) != row.want {
			t.Errorf("%v: %d problems %q, want %d", row.m, len(got), got, row.want)
		}
	}
}

// withLanguage adds the catalogue's texts in lang for the test: each
// English text replaced by a marker with the same placeholders, so that
// any English text left on a page is seen.
func withLanguage(t testing.TB, lang string) {
	t.Helper()
	old, had := texts[lang]
	m := map[string]string{}
	for k, v := range texts[SourceLanguage] {
		m[k] = "⟦" + lang + ":" + k + "⟧"
		for _, p := range placeholderRE.FindAllString(v, -1) {
			m[k] += " " + p
		}
	}
	texts[lang] = m
	t.Cleanup(func() {
		if had {
			texts[lang] = old
		} else {
			delete(texts, lang)
		}
	})
}

// Every problem code validation can emit has its meaning and action.
func TestEveryProblemCodeHasItsTexts(t *testing.T) {
	for _, code := range validation.ProblemCodes() {
		for _, k := range []string{"problem." + code + ".meaning", "problem." + code + ".action"} {
			if _, ok := texts[SourceLanguage][k]; !ok {
				t.Errorf("en.json has no %q", k)
			}
		}
	}
}

func testCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	spec, err := validation.Load("../validation/testdata/users31.yaml", validation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Base: "/errors", Statuses: errorpages.AllErrors(), Specs: []*validation.Spec{spec}, Brand: &errorpages.Brand{Name: "Acme", Color: "#0a66c2"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func view() View {
	return View{Lang: "en", Tr: errorpages.Builtin().Translator("en"), Example: func(e ExampleError) []Example {
		b, _ := json.Marshal(map[string]any{"code": e.Code, "type": e.Type, "docs": e.Docs, "fields": e.Fields})
		return []Example{{ContentType: "application/json", Body: string(b)}}
	}}
}

func TestFind(t *testing.T) {
	c := testCatalogue(t)
	for _, row := range []struct {
		path, name string
		ok, found  bool
	}{
		{"/errors", "", true, true},
		{"/errors/", "", true, true},
		{"/errors/not_found", "not_found", true, true},
		{"/errors/bad_gateway", "bad_gateway", true, true},
		{"/errors/client_error", "client_error", true, true},
		{"/errors/validation_failed", "validation_failed", true, true},
		{"/errors/upstream_contract_violation", "upstream_contract_violation", true, true},
		{"/errors/maintenance", "maintenance", true, true},
		{"/errors/problems/required", "problems/required", true, true},
		{"/errors/operations/createUser", "operations/createUser", true, true},
		{"/errors/operations/nope", "operations/nope", true, false},
		{"/errors/nope", "nope", true, false},
		{"/errorsx", "", false, false},
		{"/other", "", false, false},
	} {
		name, ok, found := c.Find(row.path)
		if name != row.name || ok != row.ok || found != row.found {
			t.Errorf("Find(%q) = %q %v %v, want %q %v %v", row.path, name, ok, found, row.name, row.ok, row.found)
		}
	}
}

// A problem code's page lists the operations and fields of the document
// that can produce it, from the compiled document.
func TestProblemPageListsOperationsAndFields(t *testing.T) {
	c := testCatalogue(t)
	p := c.Page("problems/format", view())
	want := Use{Operation: "createUser", Method: "POST", Path: "/users", Pointer: "/body/email", Text: "must be a valid email address", URL: "/errors/operations/createUser"}
	if !slices.Contains(p.Uses, want) {
		t.Errorf("format: no %+v in %+v", want, p.Uses)
	}
	p = c.Page("problems/minimum", view())
	var ops []string
	for _, u := range p.Uses {
		ops = append(ops, u.Operation+" "+u.Pointer)
	}
	for _, w := range []string{"listUsers /query/limit", "createUser /body/age", "getUser /path/id", "deleteUser /path/id"} {
		if !slices.Contains(ops, w) {
			t.Errorf("minimum: %q not among %q", w, ops)
		}
	}
	// The example shows the first field that can produce the code.
	if len(p.Examples) != 1 || !strings.Contains(p.Examples[0].Body, `"code":"minimum"`) || !strings.Contains(p.Examples[0].Body, `"docs":"/errors/problems/minimum"`) {
		t.Errorf("example: %+v", p.Examples)
	}
	var b bytes.Buffer
	if err := c.WriteHTML(&b, p, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`<html lang="en" dir="ltr">`, "<h1><code dir=\"ltr\">minimum</code></h1>", `href="/errors/operations/listUsers"`, "<code dir=\"ltr\">/query/limit</code>", "· Acme</title>"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	if strings.Contains(b.String(), "must be at most 100") {
		t.Error("the minimum page lists a maximum rule")
	}
}

func TestOperationPageListsItsRules(t *testing.T) {
	c := testCatalogue(t)
	p := c.Page("operations/createUser", view())
	if p.Method != "POST" || p.Path != "/users" || p.Docs != "https://docs.example.com/users#create" {
		t.Errorf("operation: %+v", p)
	}
	want := RuleLink{Pointer: "/body/email", Code: "format", Text: "must be a valid email address", URL: "/errors/problems/format"}
	if !slices.Contains(p.Rules, want) {
		t.Errorf("no %+v in %+v", want, p.Rules)
	}
	// The example is a field's rule, not the body's as a whole.
	if len(p.Examples) != 1 || !strings.Contains(p.Examples[0].Body, `"pointer":"/header/X-Tenant"`) {
		t.Errorf("example: %+v", p.Examples)
	}
	var b bytes.Buffer
	if err := c.WriteJSON(&b, p, nil); err != nil {
		t.Fatal(err)
	}
	var back Page
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.Kind != KindOperation || len(back.Rules) != len(p.Rules) {
		t.Errorf("JSON: %v %+v", err, back)
	}
}

func TestTypePages(t *testing.T) {
	c := testCatalogue(t)
	for name, want := range map[string][]int{"not_found": {404}, "bad_gateway": {502}, "validation_failed": {400}, "maintenance": {503}} {
		p := c.Page(name, view())
		if p == nil || !slices.Equal(p.Statuses, want) || p.Title == "" || p.Meaning == "" || p.Action == "" {
			t.Errorf("%s: %+v", name, p)
		}
	}
	if p := c.Page("bad_gateway", view()); !strings.Contains(p.Action, "retry") {
		t.Errorf("a 5xx's action: %q", p.Action)
	}
	// Statuses the site does not render have no page.
	var some errorpages.StatusSet
	some.Add("404")
	c2, err := New(Config{Base: "/errors/", Statuses: some})
	if err != nil {
		t.Fatal(err)
	}
	if c2.TypeURL("not_found") != "/errors/not_found" || c2.TypeURL("bad_gateway") != "" || c2.TypeURL("maintenance") == "" {
		t.Errorf("TypeURL: %q %q", c2.TypeURL("not_found"), c2.TypeURL("bad_gateway"))
	}
}

// A page is in one language: English when the catalogue has not the
// visitor's.
func TestPageLanguage(t *testing.T) {
	c := testCatalogue(t)
	v := view()
	v.Lang = "xx"
	if p := c.Page("not_found", v); p.Lang != "en" {
		t.Errorf("lang %q", p.Lang)
	}
	if x := c.IndexPage(v); x.Lang != "en" || len(x.Types) == 0 || len(x.Problems) != len(validation.ProblemCodes()) || len(x.Operations) != 5 {
		t.Errorf("index: %s %d %d %d", x.Lang, len(x.Types), len(x.Problems), len(x.Operations))
	}
}

func TestBadBase(t *testing.T) {
	for _, b := range []string{"", "errors", "/err ors", "/errors/{x}"} {
		if _, err := New(Config{Base: b}); err == nil {
			t.Errorf("base %q accepted", b)
		}
	}
}

// Export writes every page as HTML and JSON, and the index and listing.
func TestExportWritesEveryPage(t *testing.T) {
	c := testCatalogue(t)
	dir := t.TempDir()
	n, err := c.Export(dir, view())
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * len(c.Names()); n != want {
		t.Errorf("%d files, want %d", n, want)
	}
	for _, f := range []string{"index.html", "index.json", "not_found.html", "not_found.json", "problems/required.html", "operations/createUser.json", "maintenance.html"} {
		b, err := os.ReadFile(filepath.Join(dir, "errors", f))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var x Index
	b, _ := os.ReadFile(filepath.Join(dir, "errors", "index.json"))
	if err := json.Unmarshal(b, &x); err != nil || x.Kind != KindIndex || len(x.Operations) != 5 {
		t.Errorf("listing: %v %+v", err, x)
	}
	if got := fileName("operations/GET /a/../b"); got != "operations/GET__a_.._b" {
		t.Errorf("fileName: %q", got)
	}
}

// A page in another language has its rules in that language: each rule
// in the words errorpages gives its problem in that language, with the
// format, limit or values filled in; no English rule text or catalogue
// text is left on any page, HTML or JSON.
func TestPagesInOneLanguage(t *testing.T) {
	withLanguage(t, "de")
	c := testCatalogue(t)
	de := errorpages.Builtin().Translator("de")
	v := view()
	v.Lang, v.Tr = "de", de
	var examples []ExampleError
	v.Example = func(e ExampleError) []Example {
		examples = append(examples, e)
		return nil
	}

	p := c.Page("operations/createUser", v)
	for _, want := range []RuleLink{
		{"/body/email", "format", de.T("problem.format.want", "format", "email"), "/errors/problems/format"},
		{"/body/age", "minimum", de.T("problem.minimum.want", "limit", "18"), "/errors/problems/minimum"},
		{"/body/name", "max_length", de.T("problem.max_length.want", "n", "50"), "/errors/problems/max_length"},
		{"/body/role", "enum", de.T("problem.hint.allowed", "values", "admin, member"), "/errors/problems/enum"},
		{"/header/X-Tenant", "pattern", de.T("problem.pattern.want", "pattern", "^[a-z]{3,10}$"), "/errors/problems/pattern"},
		{"/body/tags/*", "type", de.T("problem.type.want", "types", "string"), "/errors/problems/type"},
	} {
		if !slices.Contains(p.Rules, want) {
			t.Errorf("no %+v in %+v", want, p.Rules)
		}
	}
	if want := "muss dem Format email entsprechen"; !slices.ContainsFunc(p.Rules, func(r RuleLink) bool { return r.Text == want }) {
		t.Errorf("no rule reads %q", want)
	}
	// An example carries the key the validator gives its problem, for
	// the formats that follow the page's language (a pattern's: without
	// the expression).
	examples = nil
	if c.Page("problems/pattern", v); len(examples) != 1 || len(examples[0].Fields) != 1 || examples[0].Fields[0].Key != "problem.pattern" {
		t.Errorf("pattern example: %+v", examples)
	}
	examples = nil
	if p := c.Page("problems/format", v); len(examples) != 1 || examples[0].Fields[0].Key != "problem.format.want" || examples[0].Fields[0].Args["format"] != "email" ||
		!slices.Contains(p.Uses, Use{Operation: "createUser", Method: "POST", Path: "/users", Pointer: "/body/email", Text: "muss dem Format email entsprechen", URL: "/errors/operations/createUser"}) {
		t.Errorf("format: %+v, example %+v", p.Uses, examples)
	}

	// No English left: the rules' own texts, the problems' English
	// texts, the catalogue's English texts. Examples are bodies as the
	// site sends them (English in its machine formats): not looked at.
	var english []string
	for _, e := range c.operations {
		for _, r := range e.rules {
			english = append(english, r.Text)
		}
	}
	for _, code := range validation.ProblemCodes() {
		english = append(english, errorpages.Builtin().Lookup("en", "problem."+code))
	}
	for _, text := range texts[SourceLanguage] {
		for _, part := range placeholderRE.Split(text, -1) {
			if len(strings.TrimSpace(part)) > 3 {
				english = append(english, strings.TrimSpace(part))
			}
		}
	}
	pre := regexp.MustCompile(`(?s)<style>.*?</style>|<pre.*?</pre>`)
	for _, name := range c.Names() {
		var h, j bytes.Buffer
		if name == "" {
			x := c.IndexPage(v)
			if err := c.WriteHTML(&h, nil, x); err != nil {
				t.Fatal(err)
			}
			j.Write(c.Listing(v))
		} else {
			p := c.Page(name, v)
			if err := c.WriteHTML(&h, p, nil); err != nil {
				t.Fatal(err)
			}
			if err := c.WriteJSON(&j, p, nil); err != nil {
				t.Fatal(err)
			}
		}
		page := pre.ReplaceAllString(h.String(), "")
		if !strings.Contains(page, `<html lang="de"`) {
			t.Errorf("%s: not in German", name)
		}
		for _, en := range english {
			if !strings.Contains(en, " ") {
				en = ">" + en + "<" // a label, not a word of a German text ("Operation")
			}
			for what, body := range map[string]string{"HTML": page, "JSON": j.String()} {
				if strings.Contains(body, en) || strings.Contains(body, template.HTMLEscapeString(en)) {
					t.Errorf("%s (%s): English %q", name, what, en)
				}
			}
		}
	}
}
