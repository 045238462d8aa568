package validation

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// Every code the sources emit is in ProblemCodes (or is one of the
// response check's own, which reach the log only): a Field literal's Code,
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
					if !slices.Contains(listed, m[1]) && !slices.Contains(responseOnlyCodes, m[1]) {
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
	for _, c := range responseOnlyCodes {
		if !found[c] || slices.Contains(listed, c) {
			t.Errorf("response-only code %q: emitted %v, also in ProblemCodes %v", c, found[c], slices.Contains(listed, c))
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
	has := func(id, ptr, code, text string) {
		t.Helper()
		if !hasRule(rules[id], ptr, code, text) {
			t.Errorf("%s: no rule %s %s %q in %+v", id, ptr, code, text, rules[id])
		}
	}
	has("createUser", "/header/X-Tenant", "required", "is required")
	has("createUser", "/header/X-Tenant", "pattern", "must match the pattern ^[a-z]{3,10}$")
	has("createUser", "/body", "required", "is required")
	has("createUser", "/body", "media_type", "must be one of: application/json")
	has("createUser", "/body/email", "required", "is required")
	has("createUser", "/body/email", "format", "must be a valid email address")
	has("createUser", "/body/age", "minimum", "must be at least 18")
	has("createUser", "/body/name", "max_length", "must be at most 50 characters long")
	has("createUser", "/body/role", "enum", "must be one of: admin, member")
	has("createUser", "/body/id", "read_only", "is read-only and cannot be set in a request")
	has("createUser", "/body/name", "min_length", "must not be empty")
	has("createUser", "/body/tags", "max_items", "must have at most 5 items")
	has("createUser", "/body/tags/*", "type", "must be a string")
	has("createUser", "/body/nickname", "type", "must be null or a string")
	has("listUsers", "/query/limit", "maximum", "must be at most 100")
	has("getUser", "/path/id", "minimum", "must be at least 1")
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
	if !hasRule(rules, "/body/name", "type", "must be a string") {
		t.Errorf("no rule for /body/name: %+v", rules)
	}
}

func hasRule(rules []Rule, ptr, code, text string) bool {
	return slices.ContainsFunc(rules, func(r Rule) bool { return r.Pointer == ptr && r.Code == code && r.Text == text })
}

// keywordsDoc has a body field for each schema keyword a rule is made of.
const keywordsDoc = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things:
    post:
      operationId: makeThing
      security: [{bearer: []}]
      parameters:
        - {name: q, in: query, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                code: {type: string, pattern: "^[A-Z]{4}$"}
                kind: {const: box}
                step: {type: number, multipleOf: 0.5, exclusiveMinimum: 0, exclusiveMaximum: 10}
                ids: {type: array, uniqueItems: true, minItems: 2, items: {type: integer}}
                empty: {type: object, additionalProperties: false}
                meta: {type: object, minProperties: 2, maxProperties: 4}
                one: {oneOf: [{type: string}, {type: integer}]}
                any: {anyOf: [{type: string}, {type: integer}]}
                zone: {type: string, enum: [z00, z01, z02, z03, z04, z05, z06, z07, z08, z09, z10, z11, z12, z13, z14, z15, z16, z17, z18, z19, z20, z21, z22]}
                secret: false
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
`

// Every rule has the key of errorpages' texts that states it in other
// languages, with an argument for each of the key's placeholders, and no
// English word in its arguments.
func TestRulesHaveTheirTextKeys(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "things.yaml"), []byte(keywordsDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	var all []Rule
	for _, doc := range []string{filepath.Join(dir, "things.yaml"), "testdata/users31.yaml"} {
		s, err := Load(doc, Options{RejectUnknownQuery: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range s.Operations() {
			all = append(all, op.Rules()...)
		}
	}
	en := errorpages.Builtin().Translator(errorpages.SourceLanguage)
	de := errorpages.Builtin().Translator("de")
	codes := map[string]bool{}
	for _, r := range all {
		codes[r.Code] = true
		if !strings.HasPrefix(r.Key, "problem.") || en.T(r.Key) == r.Key {
			t.Errorf("%s %s %q: key %q is not a text of errorpages", r.Pointer, r.Code, r.Text, r.Key)
			continue
		}
		kv := make([]string, 0, 2*len(r.Args))
		for k, v := range r.Args {
			kv = append(kv, k, v)
		}
		for _, tr := range []errorpages.Translator{en, de} {
			if got := tr.T(r.Key, kv...); strings.ContainsAny(strings.ReplaceAll(got, r.Args["pattern"], ""), "{}") {
				t.Errorf("%s %s: %s leaves a placeholder: %q", r.Pointer, r.Code, tr.Lang(), got)
			}
		}
		for _, v := range r.Args {
			if strings.Contains(v, "more") {
				t.Errorf("%s %s: an English word in %q", r.Pointer, r.Code, v)
			}
		}
	}
	for _, c := range []string{"credentials", "unknown_parameter", "media_type", "invalid_json", "pattern", "const", "multiple_of", "minimum", "maximum",
		"unique_items", "min_items", "additional_property", "min_properties", "max_properties", "one_of", "enum", "not_allowed", "read_only", "format", "type", "required"} {
		if !codes[c] {
			t.Errorf("no rule of code %q: the documents no longer cover it", c)
		}
	}
	if !slices.ContainsFunc(all, func(r Rule) bool { return r.Code == "enum" && strings.HasSuffix(r.Args["values"], "… (+3)") }) {
		t.Errorf("the long enum's values do not end with … (+3)")
	}
}

// A rule and the problem the validator reports when it is broken have
// the same key and arguments: a page states the rule as the error body
// states its violation.
func TestRulesUseTheValidatorsKeys(t *testing.T) {
	s := spec(t, users, Options{})
	o := run(t, s, req{method: "POST", target: "/v1/users", header: map[string]string{"X-Tenant": "acme"}, ct: "application/json",
		body: `{"email":"nope","name":"","age":3,"tags":[1,"a","b","c","d","e"],"nickname":4}`})
	var rules []Rule
	for _, op := range s.Operations() {
		if op.ID == "createUser" {
			rules = op.Rules()
		}
	}
	if o.res == nil {
		t.Fatalf("the request was accepted: %+v", o)
	}
	digits := regexp.MustCompile(`/[0-9]+(/|$)`)
	checked := 0
	for _, f := range o.res.Fields {
		if f.Key == "" || f.Key == "problem.pattern" {
			continue // the validator states a violation, not a rule
		}
		ptr := digits.ReplaceAllString(f.Pointer, "/*$1")
		i := slices.IndexFunc(rules, func(r Rule) bool { return r.Pointer == ptr && r.Code == f.Code })
		if i < 0 {
			t.Errorf("no rule for %s %s", ptr, f.Code)
			continue
		}
		if r := rules[i]; r.Key != f.Key || !maps.Equal(r.Args, f.Args) {
			t.Errorf("%s %s: rule %s %v, validator %s %v", ptr, f.Code, r.Key, r.Args, f.Key, f.Args)
		}
		checked++
	}
	if checked < 5 {
		t.Errorf("%d problems compared: %v", checked, problems(o.res))
	}
}
