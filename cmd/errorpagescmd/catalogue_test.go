package errorpagescmd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/errorpages/caddy-errorpages/cmd/errorpagescmd"
)

// caddy error-pages export writes a site's error catalogue too, at its
// base path under the site's directory: the index and the JSON listing,
// a page per type, problem code and operation, in HTML and JSON; a site
// without a catalogue gets none.
func TestCommandExportWritesTheCatalogue(t *testing.T) {
	doc, err := filepath.Abs("../../testdata/catalogue/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "Caddyfile")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`{
	admin off
}

http://api.localhost {
	error_pages {
		catalogue /docs/errors {
			openapi %s
			origin https://api.example.com
		}
	}
	respond 404
}

http://plain.localhost {
	error_pages
	respond 404
}
`, doc)), 0o644)
	g, err := errorpagescmd.LoadGallery(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	out := t.TempDir()
	files, err := g.Export(out)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(out, "api.localhost", "docs", "errors")
	for _, name := range []string{"index.html", "index.json", "not_found.html", "not_found.json", "validation_failed.html",
		"upstream_contract_violation.json", "problems/required.html", "problems/format.json",
		"operations/createCustomer.html", "operations/createCustomer.json"} {
		p := filepath.Join(base, filepath.FromSlash(name))
		if _, err := os.Stat(p); err != nil {
			t.Errorf("catalogue page %s: %v", name, err)
		}
		if !slices.Contains(files, p) {
			t.Errorf("%s written but not counted among the files", name)
		}
	}
	b, err := os.ReadFile(filepath.Join(base, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var listing map[string]any
	if err := json.Unmarshal(b, &listing); err != nil {
		t.Fatalf("the listing is not JSON: %v\n%.300s", err, b)
	}
	if !strings.Contains(string(b), `"/docs/errors/operations/createCustomer"`) {
		t.Errorf("the listing lacks the document's operations at the base path:\n%.600s", b)
	}
	// The examples link their page on the site's origin, as a client of
	// the site sees them.
	page, err := os.ReadFile(filepath.Join(base, "not_found.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "https://api.example.com/docs/errors/not_found") {
		t.Errorf("the not_found page's example does not link https://api.example.com/docs/errors/not_found:\n%.2000s", page)
	}
	if _, err := os.Stat(filepath.Join(out, "plain.localhost", "docs")); err == nil {
		t.Error("a site without a catalogue got catalogue pages")
	}
}
