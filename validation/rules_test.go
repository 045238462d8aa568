package validation

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// Every code the sources emit is in ProblemCodes: a Field literal's Code,
// a JSON syntax error's code, or the code argument of the schema
// flattener's emit/emitText, in this package and in request_validation.
func TestProblemCodesListed(t *testing.T) {
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`\b[Cc]ode: *"([a-z_]+)"`),
		regexp.MustCompile(`\bemit(?:Text)?\([^,()]+(?:\([^()]*\))?, *[^,()]+(?:\([^()]*\))?, *"([a-z_]+)"`),
	}
	listed := ProblemCodes()
	found := map[string]bool{}
	for _, dir := range []string{".", "../requestvalidation"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if filepath.Ext(f) != ".go" || regexp.MustCompile(`_test\.go$`).MatchString(f) {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range patterns {
				for _, m := range re.FindAllStringSubmatch(string(src), -1) {
					found[m[1]] = true
					if !slices.Contains(listed, m[1]) {
						t.Errorf("%s emits code %q, which ProblemCodes does not list", f, m[1])
					}
				}
			}
		}
	}
	// The scan itself works: it finds codes of each kind of emitter.
	for _, c := range []string{"required", "additional_property", "invalid_json", "not_found", "media_type", "minimum"} {
		if !found[c] {
			t.Errorf("the scan did not find %q: the patterns no longer match the sources", c)
		}
	}
	seen := map[string]bool{}
	for _, c := range listed {
		if seen[c] {
			t.Errorf("%q is listed twice", c)
		}
		seen[c] = true
	}
}

func TestOperationRules(t *testing.T) {
	spec, err := Load("testdata/users31.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string][]Rule{}
	for _, op := range spec.Operations() {
		rules[op.ID] = op.Rules()
	}
	has := func(id string, want Rule) {
		t.Helper()
		if !slices.Contains(rules[id], want) {
			t.Errorf("%s: no rule %+v in %+v", id, want, rules[id])
		}
	}
	has("createUser", Rule{"/header/X-Tenant", "required", "is required"})
	has("createUser", Rule{"/header/X-Tenant", "pattern", "must match the pattern ^[a-z]{3,10}$"})
	has("createUser", Rule{"/body", "required", "is required"})
	has("createUser", Rule{"/body", "media_type", "must be one of: application/json"})
	has("createUser", Rule{"/body/email", "required", "is required"})
	has("createUser", Rule{"/body/email", "format", "must be a valid email address"})
	has("createUser", Rule{"/body/age", "minimum", "must be at least 18"})
	has("createUser", Rule{"/body/name", "max_length", "must be at most 50 characters long"})
	has("createUser", Rule{"/body/role", "enum", "must be one of: admin, member"})
	has("createUser", Rule{"/body/id", "read_only", "is read-only and cannot be set in a request"})
	has("createUser", Rule{"/body/name", "min_length", "must not be empty"})
	has("createUser", Rule{"/body/tags", "max_items", "must have at most 5 items"})
	has("createUser", Rule{"/body/tags/*", "type", "must be a string"})
	has("createUser", Rule{"/body/nickname", "type", "must be null or a string"})
	has("listUsers", Rule{"/query/limit", "maximum", "must be at most 100"})
	has("getUser", Rule{"/path/id", "minimum", "must be at least 1"})
	for _, r := range rules["createUser"] {
		if r.Code == "additional_property" && r.Pointer == "/body" {
			return
		}
	}
	t.Errorf("createUser: no additional_property rule on /body: %+v", rules["createUser"])
}

// A recursive schema ends: the walk stops at a schema already being
// walked, and the list is bounded.
func TestOperationRulesRecursive(t *testing.T) {
	dir := t.TempDir()
	doc := `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /tree:
    post:
      operationId: plant
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Node"}
      responses: {"200": {description: ok}}
components:
  schemas:
    Node:
      type: object
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
`
	if err := os.WriteFile(filepath.Join(dir, "tree.yaml"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	spec, err := Load(filepath.Join(dir, "tree.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules := spec.Operations()[0].Rules()
	if len(rules) == 0 || len(rules) > maxRules {
		t.Fatalf("%d rules", len(rules))
	}
	if !slices.Contains(rules, Rule{"/body/name", "type", "must be a string"}) {
		t.Errorf("no rule for /body/name: %+v", rules)
	}
}
