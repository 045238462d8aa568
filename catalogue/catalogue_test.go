package catalogue

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
	}
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
