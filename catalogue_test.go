package caddyerrorpages

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/errorpages/caddy-errorpages/catalogue"
	"github.com/errorpages/caddy-errorpages/errorpages"
)

const catalogueDoc = "testdata/catalogue/openapi.yaml"

// catalogueSite is a site with the catalogue, request_validation on a
// small document, a real upstream, basic_auth, a local 404 and an
// upstream that is down; and a second site in maintenance.
func catalogueSite(t *testing.T) *caddytest.Tester {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/rails":
			w.WriteHeader(422)
			fmt.Fprint(w, `{"errors":{"email":["is invalid"]}}`)
		case "/stripe":
			w.WriteHeader(402)
			fmt.Fprint(w, `{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}`)
		default:
			fmt.Fprint(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(up.Close)
	doc, err := filepath.Abs(catalogueDoc)
	if err != nil {
		t.Fatal(err)
	}
	return startCaddy(t, globalOptions+fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
		brand {
			name Acme
			color "#0a66c2"
		}
		catalogue /errors {
			openapi %[2]s
		}
	}
	basic_auth /private/* {
		demo $2a$14$vCF60G7mdcr.2myMO3Z6u.c6yRLaHEHQO5C7C/8tgk0/G1j2/hR/K
	}
	handle /api/* {
		request_validation {
			openapi %[2]s
		}
		reverse_proxy %[1]s
	}
	handle_path /up/* {
		reverse_proxy %[1]s
	}
	handle /down/* {
		reverse_proxy 127.0.0.1:1
	}
	handle /private/* {
		respond "secret"
	}
	handle {
		error 404
	}
}

http://localhost:9082 {
	error_pages {
		catalogue /errors
		maintenance on
	}
	respond "up"
}
`, up.URL, doc))
}

// Every error a client of the site can get links to its page in the
// catalogue, and the page is there: 200 in HTML and in JSON.
func TestCatalogueEveryDocsURLResolves(t *testing.T) {
	tester := catalogueSite(t)
	const site = "http://localhost:9080"
	rows := []struct {
		name, method, url, body string
		code                    int
		docs                    string
	}{
		{"local 404", "GET", site + "/nothing", "", 404, site + "/errors/not_found"},
		{"405 on the catalogue", "POST", site + "/errors/not_found", "", 405, site + "/errors/method_not_allowed"},
		{"404 under the catalogue", "GET", site + "/errors/nope", "", 404, site + "/errors/not_found"},
		{"upstream 422 with fields", "GET", site + "/up/rails", "", 422, site + "/errors/validation_failed"},
		{"upstream type without a page", "GET", site + "/up/stripe", "", 402, site + "/errors/payment_required"},
		{"502, upstream down", "GET", site + "/down/x", "", 502, site + "/errors/bad_gateway"},
		{"basic_auth 401", "GET", site + "/private/x", "", 401, site + "/errors/unauthorized"},
		{"request_validation 400", "POST", site + "/api/customers", `{"email":"nope","plan":"gold","extra":1}`, 400, site + "/errors/operations/createCustomer"},
		{"request_validation 401", "DELETE", site + "/api/customers/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55", "", 401, site + "/errors/operations/deleteCustomer"},
		{"request_validation 401, externalDocs wins", "GET", site + "/api/customers/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55", "", 401, "https://docs.example.com/customers#get"},
		{"request_validation 405", "PUT", site + "/api/customers", "", 405, site + "/errors/method_not_allowed"},
		{"request_validation 404", "GET", site + "/api/nope", "", 404, site + "/errors/not_found"},
		{"maintenance 503", "GET", "http://localhost:9082/", "", 503, "http://localhost:9082/errors/maintenance"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			for _, accept := range []string{"application/json", "application/problem+json", browserAccept} {
				r := send(t, tester, row.method, row.url, row.body, accept)
				if r.StatusCode != row.code {
					t.Fatalf("%s: status %d, want %d\n%s", accept, r.StatusCode, row.code, r.body)
				}
				var got string
				switch accept {
				case "application/json":
					var env envelope
					if err := json.Unmarshal(r.body, &env); err != nil {
						t.Fatalf("%s: %v\n%s", accept, err, r.body)
					}
					got = env.Error.Docs
				case "application/problem+json":
					var p struct {
						Type string `json:"type"`
					}
					if err := json.Unmarshal(r.body, &p); err != nil {
						t.Fatalf("%s: %v\n%s", accept, err, r.body)
					}
					got = p.Type
				default:
					if !strings.Contains(string(r.body), `href="`+row.docs+`"`) {
						t.Errorf("the HTML page does not link %s:\n%s", row.docs, r.body)
					}
					continue
				}
				if got != row.docs {
					t.Errorf("%s: docs/type %q, want %q", accept, got, row.docs)
				}
			}
			if !strings.HasPrefix(row.docs, "http://localhost") {
				return
			}
			// The page exists, in HTML and in JSON.
			page := get(t, tester, "GET", row.docs, "Accept", browserAccept)
			if page.StatusCode != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(page.body), "<h1>") {
				t.Errorf("GET %s (HTML): %d %s\n%s", row.docs, page.StatusCode, page.Header.Get("Content-Type"), page.body)
			}
			if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'sha256-") {
				t.Errorf("GET %s (HTML): CSP %q", row.docs, csp)
			}
			page = get(t, tester, "GET", row.docs, "Accept", "application/json")
			var p catalogue.Page
			if err := json.Unmarshal(page.body, &p); page.StatusCode != 200 || err != nil || p.URL == "" || !strings.HasSuffix(row.docs, p.URL) {
				t.Errorf("GET %s (JSON): %d %v %+v\n%s", row.docs, page.StatusCode, err, p, page.body)
			}
			if len(p.Examples) == 0 {
				t.Errorf("GET %s (JSON): no example", row.docs)
			}
		})
	}
}

// A problem code's page lists the operations and fields of the document
// that can produce it; an operation's page its rules.
func TestCataloguePagesOfAValidatedAPI(t *testing.T) {
	tester := catalogueSite(t)
	const site = "http://localhost:9080"
	var p catalogue.Page
	r := get(t, tester, "GET", site+"/errors/problems/format", "Accept", "application/json")
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("%v\n%s", err, r.body)
	}
	var uses []string
	for _, u := range p.Uses {
		uses = append(uses, u.Operation+" "+u.Pointer+" "+u.Text)
	}
	want := []string{
		"createCustomer /body/email must be a valid email address",
		"getCustomer /path/id must be a valid UUID",
		"deleteCustomer /path/id must be a valid UUID",
	}
	for _, w := range want {
		if !slices.Contains(uses, w) {
			t.Errorf("format page: %q not among %q", w, uses)
		}
	}
	if len(uses) != len(want) {
		t.Errorf("format page lists %d fields, want %d: %q", len(uses), len(want), uses)
	}
	// The example is the site's own body for this code.
	if len(p.Examples) != 2 || p.Examples[0].ContentType != "application/json" || !strings.Contains(p.Examples[0].Body, `"code":"format"`) ||
		!strings.Contains(p.Examples[0].Body, `"docs":"http://localhost:9080/errors/problems/format"`) || p.Examples[1].ContentType != "application/problem+json" {
		t.Errorf("examples: %+v", p.Examples)
	}
	r = get(t, tester, "GET", site+"/errors/problems/format", "Accept", browserAccept)
	for _, w := range []string{`<a href="/errors/operations/createCustomer"><code dir="ltr">createCustomer</code></a>`, `<code dir="ltr">/body/email</code>`, "must be a valid email address", "· Acme</title>"} {
		if !strings.Contains(string(r.body), w) {
			t.Errorf("format page (HTML) lacks %q", w)
		}
	}
	r = get(t, tester, "GET", site+"/errors/problems/enum", "Accept", "application/json")
	if err := json.Unmarshal(r.body, &p); err != nil || len(p.Uses) != 1 || p.Uses[0].Pointer != "/body/plan" || p.Uses[0].Text != "must be one of: free, pro" {
		t.Errorf("enum page: %v %+v", err, p.Uses)
	}
	r = get(t, tester, "GET", site+"/errors/operations/deleteCustomer", "Accept", "application/json")
	if err := json.Unmarshal(r.body, &p); err != nil || p.Method != "DELETE" || p.Path != "/customers/{id}" {
		t.Fatalf("operation page: %v %+v", err, p)
	}
	for _, w := range []catalogue.RuleLink{
		{Pointer: "/header/Authorization", Code: "credentials", Text: "is required: a Bearer token", URL: "/errors/problems/credentials"},
		{Pointer: "/path/id", Code: "format", Text: "must be a valid UUID", URL: "/errors/problems/format"},
	} {
		if !slices.Contains(p.Rules, w) {
			t.Errorf("deleteCustomer: no rule %+v in %+v", w, p.Rules)
		}
	}
	// The index and the JSON listing of the whole catalogue.
	r = get(t, tester, "GET", site+"/errors/", "Accept", "application/json")
	var x catalogue.Index
	if err := json.Unmarshal(r.body, &x); err != nil || x.Kind != "index" || len(x.Operations) != 3 || len(x.Problems) < 40 || len(x.Types) < 40 {
		t.Errorf("listing: %v %s %d %d %d", err, x.Kind, len(x.Operations), len(x.Problems), len(x.Types))
	}
	r = get(t, tester, "GET", site+"/errors", "Accept", browserAccept)
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `href="/errors/problems/required"`) || r.Header.Get("Content-Language") != "en" {
		t.Errorf("index (HTML): %d %s", r.StatusCode, r.Header.Get("Content-Language"))
	}
	// HEAD: the headers of GET, no body.
	r = get(t, tester, "HEAD", site+"/errors/not_found", "Accept", browserAccept)
	if r.StatusCode != 200 || len(r.body) != 0 || r.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD: %d %q %q", r.StatusCode, r.Header.Get("Content-Length"), r.body)
	}
	// A German visitor gets the page in German, the whole page: the
	// catalogue's texts and the status's title in German, no English
	// catalogue text.
	r = get(t, tester, "GET", site+"/errors/not_found", "Accept", browserAccept, "Accept-Language", "de")
	page := string(r.body)
	if !strings.Contains(page, `<html lang="de"`) || r.Header.Get("Content-Language") != "de" || !strings.Contains(page, "Seite nicht gefunden") ||
		strings.Contains(page, "Error reference") || strings.Contains(page, "What it means") {
		t.Errorf("de visitor: %s\n%s", r.Header.Get("Content-Language"), r.body)
	}
}

func send(t *testing.T, tester *caddytest.Tester, method, url, body, accept string) resp {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := tester.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res, b}
}

// Export writes every page as static files.
func TestCatalogueExport(t *testing.T) {
	h := &Handler{Catalogue: &Catalogue{Base: "/errors", OpenAPI: []string{catalogueDoc}}, ProblemExtensions: map[string]string{"support": "https://acme.example/help"}}
	if err := h.compile(); err != nil {
		t.Fatal(err)
	}
	if err := h.provisionCatalogue(); err != nil {
		t.Fatal(err)
	}
	defer h.cleanupCatalogue()
	dir := t.TempDir()
	n, err := h.ExportCatalogue(dir, "https://api.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * len(h.Catalogue.cat.Names()); n != want {
		t.Errorf("%d files, want %d", n, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "errors", "operations", "createCustomer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p catalogue.Page
	if err := json.Unmarshal(b, &p); err != nil || len(p.Examples) != 2 {
		t.Fatalf("%v %+v", err, p)
	}
	if ex := p.Examples[1].Body; !strings.Contains(ex, `"type":"https://api.example.com/errors/operations/createCustomer"`) || !strings.Contains(ex, `"support":"https://acme.example/help"`) {
		t.Errorf("problem example: %s", ex)
	}
	for _, f := range []string{"index.html", "index.json", "not_found.html", "problems/format.html", "maintenance.json"} {
		if st, err := os.Stat(filepath.Join(dir, "errors", f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := (&Handler{}).ExportCatalogue(dir, ""); err == nil {
		t.Error("export without a catalogue worked")
	}
}

// The catalogue subdirective adapts to its JSON object, which loads, and
// its mistakes stop the adapter with the line.
func TestCatalogueCaddyfile(t *testing.T) {
	out, err := adapt(t, "http://localhost {\n\terror_pages {\n\t\tcatalogue /errors {\n\t\t\topenapi a.yaml\n\t\t\topenapi b.yaml\n\t\t\torigin https://api.example.com\n\t\t}\n\t}\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := `"catalogue":{"base":"/errors","openapi":["a.yaml","b.yaml"],"origin":"https://api.example.com"}`; !strings.Contains(string(out), want) {
		t.Errorf("adapted to %s, want %s", out, want)
	}
	for _, row := range []struct{ block, want string }{
		{"catalogue", "needs exactly one base path"},
		{"catalogue /a /b", "needs exactly one base path"},
		{"catalogue errors", `"errors" is not a path starting with /`},
		{"catalogue /errors {\n\t\t\tbogus x\n\t\t}", `unknown option "bogus"`},
		{"catalogue /errors {\n\t\t\topenapi\n\t\t}", "needs exactly one file"},
		{"catalogue /errors {\n\t\t\torigin https://api.example.com/docs\n\t\t}", "is not a scheme and host"},
		{"catalogue /errors {\n\t\t\torigin ftp://api.example.com\n\t\t}", "is not a scheme and host"},
	} {
		_, err := adapt(t, "http://localhost {\n\terror_pages {\n\t\t"+row.block+"\n\t}\n}\n")
		if err == nil || !strings.Contains(err.Error(), row.want) || !strings.Contains(err.Error(), "Caddyfile:") {
			t.Errorf("%q: %v, want %q with the line", row.block, err, row.want)
		}
	}
	// A document that does not load stops Provision, naming it.
	h := &Handler{Catalogue: &Catalogue{Base: "/errors", OpenAPI: []string{"testdata/catalogue/missing.yaml"}}}
	if err := h.compile(); err != nil {
		t.Fatal(err)
	}
	if err := h.provisionCatalogue(); err == nil || !strings.Contains(err.Error(), "catalogue: openapi testdata/catalogue/missing.yaml") {
		t.Errorf("missing document: %v", err)
	}
}

// Without the catalogue, or with docs set, errors link nothing new.
func TestCatalogueDocsDefaultOnlyWhenOn(t *testing.T) {
	e := &errorpages.Error{Code: 404, Type: "not_found"}
	r := httptest.NewRequest("GET", "http://example.com/x", nil)
	if got := (&Handler{}).catalogueDocs(r, e, ""); got != "" {
		t.Errorf("no catalogue: %q", got)
	}
	h := &Handler{Catalogue: &Catalogue{Base: "/errors"}}
	if err := h.compile(); err != nil {
		t.Fatal(err)
	}
	if err := h.provisionCatalogue(); err != nil {
		t.Fatal(err)
	}
	if got := h.catalogueDocs(r, e, ""); got != "http://example.com/errors/not_found" {
		t.Errorf("catalogue: %q", got)
	}
	// An unknown operation, an unknown type: the status's page.
	if got := h.catalogueDocs(r, &errorpages.Error{Code: 402, Type: "card_error"}, "nope"); got != "http://example.com/errors/payment_required" {
		t.Errorf("fallback: %q", got)
	}
	h.Catalogue.Origin = "https://api.example.com/"
	if err := h.provisionCatalogue(); err != nil { // the config, read at provision
		t.Fatal(err)
	}
	if got := h.catalogueDocs(r, e, ""); got != "https://api.example.com/errors/not_found" {
		t.Errorf("origin: %q", got)
	}
	h.Docs = "https://docs.example.com/{code}"
	if got := h.catalogueDocs(r, e, ""); got != "" {
		t.Errorf("docs set: %q", got)
	}
}

// A page's example is the site's own body: its preset and its messages.
func TestCatalogueExamplesFollowTheSite(t *testing.T) {
	h := &Handler{Catalogue: &Catalogue{Base: "/errors"}, Preset: "jsonapi", Messages: map[int]string{404: "Nothing here"}, Formats: []string{"html", "json"}}
	if err := h.compile(); err != nil {
		t.Fatal(err)
	}
	if err := h.provisionCatalogue(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := h.ExportCatalogue(dir, ""); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "errors", "not_found.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p catalogue.Page
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	// json only (problem+json is not offered), in JSON:API's shape.
	if len(p.Examples) != 1 || p.Examples[0].ContentType != "application/json" ||
		!strings.Contains(p.Examples[0].Body, `"errors":[`) || !strings.Contains(p.Examples[0].Body, `"title":"Nothing here"`) ||
		!strings.Contains(p.Examples[0].Body, `"about":"/errors/not_found"`) {
		t.Errorf("examples: %+v", p.Examples)
	}
}

// An example validation error in a format that follows the language
// says its summary in the page's language, as a real one does: a German
// page's JSON example says "Die Anfrage …", not "The request has …".
func TestCatalogueExampleSummaryInThePageLanguage(t *testing.T) {
	h := &Handler{Catalogue: &Catalogue{Base: "/errors"}, Formats: []string{"json"}, Languages: []string{"en", "de"}, Localize: []string{"json"}}
	if err := h.compile(); err != nil {
		t.Fatal(err)
	}
	if err := h.provisionCatalogue(); err != nil {
		t.Fatal(err)
	}
	x := catalogue.ExampleError{Code: 400, Type: errorpages.TypeValidationFailed, Details: "The request has 1 problem.",
		Fields: []errorpages.Field{{Pointer: "/body/email", Code: "required", Message: "is required"}}}
	de := h.catalog.Translator("de")
	want := de.T(errorpages.KeyValidationSummary, "n", "1")
	if want == "" || strings.Contains(want, "The request") {
		t.Fatalf("no German summary to compare with: %q", want)
	}
	ex := h.catalogueExamples(nil, x, "", de)
	if len(ex) != 1 || !strings.Contains(ex[0].Body, jsonString(want)) || strings.Contains(ex[0].Body, "The request has") {
		t.Errorf("German example: want the summary %q:\n%+v", want, ex)
	}
	en := h.catalogueExamples(nil, x, "", h.sourceTr)
	if len(en) != 1 || !strings.Contains(en[0].Body, "The request has 1 problem.") {
		t.Errorf("English example: %+v", en)
	}
}

// jsonString is s as encoding/json writes it, without the quotes.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
