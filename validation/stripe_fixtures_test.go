package validation

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/errorpages/caddy-errorpages/internal/publisheddocs"
)

// Stripe's own example objects (openapi/fixtures3.json of the same
// commit as its document, vendored unmodified) are what its API answers
// with: every GET whose 200 response is one of those objects accepts
// the fixture as its answer, checked against the document's response
// schemas as published.
func TestStripeFixturesAreValidResponses(t *testing.T) {
	path := publisheddocs.Stripe(t)
	s, err := Load(path, Options{Responses: true})
	if err != nil {
		t.Fatal(err)
	}
	fixtures := stripeFixtures(t)

	// Which GET answers which object: the document's own 200 $refs.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	hdr := http.Header{"Content-Type": {"application/json"}}
	checked, ops := map[string]bool{}, 0
	for _, p := range paths {
		get, ok := doc.Paths[p]["get"]
		if !ok {
			continue
		}
		ref := get.Responses["200"].Content["application/json"].Schema.Ref
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		fixture, ok := fixtures[name]
		if ref == "" || !ok {
			continue
		}
		target := strings.NewReplacer("{", "", "}", "").Replace(p) // any segment does
		var m Match
		s.Route("GET", target, &m)
		if m.Op == nil {
			t.Errorf("GET %s routes to no operation (%v)", target, m.Result)
			continue
		}
		if res := m.Op.CheckResponse(200, hdr, fixture, 0); res != nil {
			t.Errorf("GET %s (%s): Stripe's %s fixture is refused: %+v", p, m.Op.ID, name, res.Fields)
		}
		checked[name] = true
		ops++
		// The check is not vacuous: the same object with its "object"
		// member a number is refused there.
		if name == "customer" {
			var obj map[string]any
			json.Unmarshal(fixture, &obj)
			obj["object"] = 42
			bad, _ := json.Marshal(obj)
			res := m.Op.CheckResponse(200, hdr, bad, 0)
			if res == nil || len(res.Fields) == 0 || !strings.HasPrefix(res.Fields[0].Pointer, "/response/body") {
				t.Errorf("GET %s: a customer whose object member is 42 passes: %+v", p, res)
			}
		}
	}
	t.Logf("%d GET operations' answers checked with %d of %d fixtures", ops, len(checked), len(fixtures))
	if len(checked) < 40 {
		t.Fatalf("only %d fixtures matched a GET operation's 200: the test sees too little", len(checked))
	}
}

// stripeFixtures reads the vendored fixtures3.json: resource name →
// its example object.
func stripeFixtures(t *testing.T) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/stripe/fixtures3.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Resources map[string]json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for k, v := range fx.Resources {
		out[k] = v
	}
	return out
}
