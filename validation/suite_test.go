package validation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The official JSON-Schema-Test-Suite (testdata/JSON-Schema-Test-Suite,
// see its README for where it came from), run through the path a
// json_schema request body takes: LoadJSONSchema compiles the schema (the
// walker, the engine and the fast validator), Validate decides the body
// (fast path first, the engine when the fast path says no). The remotes
// the tests $ref as http://localhost:1234/ are served from the vendored
// files; nothing touches the network.

const (
	suiteDir    = "testdata/JSON-Schema-Test-Suite"
	suiteRemote = "http://localhost:1234/"
)

// suiteSkips lists the cases that are not run, as "file|group|test"
// ("file|group|*" for a whole group, "file|*" for a whole file), with the
// reason. Every required case runs.
var suiteSkips = map[string]string{}

type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

type suiteCounts struct {
	passed, failed, skipped int
	fast, deferred          int // cases whose schema has a fast validator, or not
}

// runSuiteFile runs every case of one suite file and counts them.
func runSuiteFile(t *testing.T, file string, opts Options, skips map[string]string, n *suiteCounts) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var groups []suiteGroup
	if err := json.Unmarshal(data, &groups); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	remotes, err := filepath.Abs(filepath.Join(suiteDir, "remotes"))
	if err != nil {
		t.Fatal(err)
	}
	opts.remotes = map[string]string{suiteRemote: remotes}
	name := strings.TrimPrefix(filepath.ToSlash(file), suiteDir+"/tests/draft2020-12/")
	if reason, ok := skips[name+"|*"]; ok {
		c := 0
		for _, g := range groups {
			c += len(g.Tests)
		}
		t.Logf("skip %s (%d cases): %s", name, c, reason)
		n.skipped += c
		return
	}
	dir := t.TempDir()
	for gi, g := range groups {
		gkey := name + "|" + g.Description
		if reason, ok := skips[gkey+"|*"]; ok {
			t.Logf("skip %s (%d cases): %s", gkey, len(g.Tests), reason)
			n.skipped += len(g.Tests)
			continue
		}
		path := filepath.Join(dir, "schema"+itoa(gi)+".json")
		if err := os.WriteFile(path, g.Schema, 0o644); err != nil {
			t.Fatal(err)
		}
		op, lerr := LoadJSONSchema(path, opts)
		var mt *mediaType
		if lerr == nil {
			mt = op.body.media[0]
		}
		for _, tc := range g.Tests {
			key := gkey + "|" + tc.Description
			if reason, ok := skips[key]; ok {
				t.Logf("skip %s: %s", key, reason)
				n.skipped++
				continue
			}
			if lerr != nil {
				t.Errorf("%s: schema does not load: %v", key, lerr)
				n.failed++
				continue
			}
			ok := true
			res := op.Validate(&Match{}, &Request{Method: "POST", ContentType: "application/json", Body: tc.Data, HasBody: true}, 0)
			if got := res == nil; got != tc.Valid {
				t.Errorf("%s: valid = %v, want %v; problems %q", key, got, tc.Valid, problems(res))
				ok = false
			} else if res != nil && !res.BodySchemaOnly {
				t.Errorf("%s: rejected for something other than the schema: %q", key, problems(res))
				ok = false
			}
			if mt.fast != nil {
				n.fast++
				// Validate hides a fast path that wrongly says "invalid"
				// (the engine then accepts): check its own answer too.
				v, jerr := parseJSON(tc.Data, 0)
				if jerr != nil {
					t.Errorf("%s: %s", key, jerr.msg)
					ok = false
				} else if got := mt.fast.validJ(&v); got != tc.Valid {
					t.Errorf("%s: fast path says valid = %v, want %v", key, got, tc.Valid)
					ok = false
				}
				if jerr == nil {
					// explain finds what the engine finds on the whole body.
					checkExplain(t, key, op.schemas, mt, &v, tc.Data)
				}
				// The walker decides from the bytes: the same answer.
				if got := walkValid(mt.fast, tc.Data); got != tc.Valid {
					t.Errorf("%s: walker says valid = %v, want %v", key, got, tc.Valid)
					ok = false
				}
			} else {
				n.deferred++
			}
			if ok {
				n.passed++
			} else {
				n.failed++
			}
		}
	}
}

func suiteFiles(t *testing.T, pattern string) []string {
	files, err := filepath.Glob(filepath.Join(suiteDir, "tests/draft2020-12", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no suite files for %s: %v", pattern, err)
	}
	sort.Strings(files)
	return files
}

// TestJSONSchemaTestSuite runs every required draft2020-12 case. Formats
// are annotations there (the suite's format.json expects that), so the
// schemas are compiled with SkipFormats, the check_formats off case.
func TestJSONSchemaTestSuite(t *testing.T) {
	var n suiteCounts
	for _, f := range suiteFiles(t, "*.json") {
		runSuiteFile(t, f, Options{SkipFormats: true}, suiteSkips, &n)
	}
	t.Logf("draft2020-12 required: %d passed, %d failed, %d skipped; fast path on %d, engine alone on %d", n.passed, n.failed, n.skipped, n.fast, n.deferred)
	if n.passed == 0 {
		t.Fatal("no case ran")
	}
}

// suiteFormatSkips lists optional/format cases not run, with the reason.
var suiteFormatSkips = map[string]string{
	"optional/format/idn-hostname.json|*": "jsonschema v6 has no idn-hostname check (IDNA2008, RFC 5890-5893): " +
		"engine and fast path both accept any string, so the 29 invalid names in this file pass",
	"optional/format/idn-email.json|*": "jsonschema v6 has no idn-email check (its domain is an idn-hostname): " +
		"engine and fast path both accept any string, so the 2 invalid addresses in this file pass",
}

// TestJSONSchemaTestSuiteFormats runs the optional format cases with
// formats asserted: check_formats' default.
func TestJSONSchemaTestSuiteFormats(t *testing.T) {
	var n suiteCounts
	for _, f := range suiteFiles(t, "optional/format/*.json") {
		runSuiteFile(t, f, Options{}, suiteFormatSkips, &n)
	}
	t.Logf("draft2020-12 optional/format (asserted): %d passed, %d failed, %d skipped; fast path on %d, engine alone on %d", n.passed, n.failed, n.skipped, n.fast, n.deferred)
	if n.passed == 0 {
		t.Fatal("no case ran")
	}
}

// suiteOptionalSkips lists the other optional cases not run, with the
// reason: patterns are Go regular expressions (RE2, jsonschema v6's
// engine), not ECMA-262 ones, for the engine and the fast path alike.
var suiteOptionalSkips = map[string]string{
	"optional/ecmascript-regex.json|ECMA 262 \\s matches whitespace|*":                                "RE2's \\s is ASCII whitespace only",
	"optional/ecmascript-regex.json|ECMA 262 \\S matches everything but whitespace|*":                 "RE2's \\S is the complement of ASCII whitespace",
	"optional/ecmascript-regex.json|ECMA 262 regex escapes control codes with \\c and lower letter|*": "RE2 has no \\cX escape: the schema fails to load, naming the pattern",
	"optional/ecmascript-regex.json|ECMA 262 regex escapes control codes with \\c and upper letter|*": "RE2 has no \\cX escape: the schema fails to load, naming the pattern",
	"optional/ecmascript-regex.json|\\a is not an ECMA 262 control escape|*":                          "RE2 accepts \\a (bell)",
}

// TestJSONSchemaTestSuiteOptional runs the other optional cases (big
// numbers, float overflow, regex dialect, vocabularies…) with the
// default options.
func TestJSONSchemaTestSuiteOptional(t *testing.T) {
	var n suiteCounts
	for _, f := range suiteFiles(t, "optional/*.json") {
		runSuiteFile(t, f, Options{}, suiteOptionalSkips, &n)
	}
	t.Logf("draft2020-12 optional (not format): %d passed, %d failed, %d skipped; fast path on %d, engine alone on %d", n.passed, n.failed, n.skipped, n.fast, n.deferred)
	if n.passed == 0 {
		t.Fatal("no case ran")
	}
}
