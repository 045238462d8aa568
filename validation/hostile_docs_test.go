package validation

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The operator's documents: whatever the files are, a load ends, within
// the limits, with the document compiled or an error naming the cause.

// opWithBody is an OpenAPI document whose one operation's body schema is
// the $ref ref.
func opWithBody(ref string) string {
	return docHead + "paths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '" + ref + "'}\n      responses: {'200': {description: ok}}\n"
}

// loadAlloc loads path and reports the bytes allocated meanwhile.
func loadAlloc(path string) (uint64, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Load(path, Options{})
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, err
}

func TestDocumentsThatAreNotRegularFilesAreRefused(t *testing.T) {
	for _, dev := range []string{"/dev/zero", "/dev/urandom"} {
		if _, err := os.Stat(dev); err != nil {
			t.Skipf("%s: %v", dev, err)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the document to load
		want  []string
	}{
		{"the document is a symlink to /dev/zero", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "api.yaml")
			must(t, os.Symlink("/dev/zero", p))
			return p
		}, []string{"api.yaml", "/dev/zero", "a character device, not a regular file"}},
		{"a $ref to a symlink to /dev/urandom", func(t *testing.T, dir string) string {
			must(t, os.Symlink("/dev/urandom", filepath.Join(dir, "schemas.yaml")))
			return write(t, dir, "api.yaml", opWithBody("schemas.yaml#/S"))
		}, []string{"api.yaml:9", "schemas.yaml", "/dev/urandom", "not a regular file"}},
		{"a $ref to /dev/zero itself", func(t *testing.T, dir string) string {
			return write(t, dir, "api.yaml", opWithBody("/dev/zero#/S"))
		}, []string{"api.yaml:9", "/dev/zero", "is a character device, not a regular file"}},
		{"a JSON Schema that is a symlink to /dev/zero, through a symlink", func(t *testing.T, dir string) string {
			must(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero")))
			p := filepath.Join(dir, "api.yaml")
			must(t, os.Symlink(filepath.Join(dir, "zero"), p))
			return p
		}, []string{"api.yaml", "/dev/zero", "not a regular file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.setup(t, t.TempDir())
			alloc, err := loadAlloc(path)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if alloc > 8<<20 {
				t.Errorf("allocated %d MiB refusing it", alloc>>20)
			}
		})
	}
}

func TestDocumentThatIsANamedPipeIsRefusedWithoutBlocking(t *testing.T) {
	for _, asRef := range []bool{false, true} {
		t.Run(fmt.Sprintf("asRef=%v", asRef), func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "schemas.yaml")
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			doc := fifo
			if asRef {
				doc = write(t, dir, "api.yaml", opWithBody("schemas.yaml#/S"))
			}
			done := make(chan error, 1)
			go func() {
				_, err := Load(doc, Options{})
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				// Not a timing assertion: only a blocked Load gets here.
				// Unblock it so that the test ends.
				t.Error("Load is blocked on the named pipe")
				if w, werr := os.OpenFile(fifo, os.O_WRONLY, 0); werr == nil {
					w.Close()
				}
				err = <-done
			}
			if err == nil || !strings.Contains(err.Error(), "schemas.yaml") || !strings.Contains(err.Error(), "a named pipe, not a regular file") {
				t.Errorf("error = %v, want a named pipe refused by name", err)
			}
		})
	}
}

// Eight files of 14 MiB, each within the limit per file, are past the
// limit for all the files of a document.
func TestDocumentFilesHaveATotalSizeLimit(t *testing.T) {
	dir := t.TempDir()
	big := "S:\n  type: string\n  description: " + strings.Repeat("x", 14<<20) + "\n"
	write(t, dir, "part0.yaml", big)
	var b strings.Builder
	b.WriteString(docHead + "paths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              allOf:\n")
	for i := 0; i < 8; i++ {
		if i > 0 { // hard links: eight files, one copy on disk
			must(t, os.Link(filepath.Join(dir, "part0.yaml"), filepath.Join(dir, fmt.Sprintf("part%d.yaml", i))))
		}
		fmt.Fprintf(&b, "                - $ref: 'part%d.yaml#/S'\n", i)
	}
	b.WriteString("      responses: {'200': {description: ok}}\n")
	alloc, err := loadAlloc(write(t, dir, "api.yaml", b.String()))
	if err == nil {
		t.Fatal("Load succeeded")
	}
	for _, w := range []string{"part4.yaml", "past 64 MiB (the limit for all files together"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	// Four files were read and parsed (56 MiB): a few copies of each.
	if alloc > 1<<30 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
}

// Thirty MiB of plain schemas (no aliases) in one file loads; a file
// denser in values than the budget allows is refused by a message that
// says which limit, and aliases by one that says aliases.
func TestDocumentValueLimitsSayWhichLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 30 MiB")
	}
	dir := t.TempDir()
	plain := write(t, dir, "plain.json", plainSchemas(30<<20))
	if _, err := Load(plain, Options{}); err != nil {
		t.Errorf("30 MiB of plain schemas: %v", err)
	}
	dense := write(t, dir, "dense.yaml", opWithBody("#/components/schemas/S")+"components:\n  schemas:\n    S: {enum: ["+strings.Repeat("0,", maxDocNodes)+"0]}\n")
	_, err := Load(dense, Options{})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d values", maxDocNodes)) || strings.Contains(err.Error(), "alias") {
		t.Errorf("dense: error = %v, want the limit on values, not aliases", err)
	}
	laughs := docHead + "paths: {}\nx-a: &a [0,0,0,0,0,0,0,0,0,0]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h"} {
		laughs += "x-" + n + ": &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 10), ",") + "]\n"
		prev = n
	}
	_, err = Load(write(t, dir, "laughs.yaml", laughs), Options{})
	if err == nil || !strings.Contains(err.Error(), "YAML aliases expand to more than") {
		t.Errorf("aliases: error = %v, want the limit on alias expansion", err)
	}
}

// plainSchemas is an OpenAPI document of about size bytes of plain
// schemas (objects of ten string properties), one operation using the
// first.
func plainSchemas(size int) string {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/S0"}}}},"responses":{"200":{"description":"ok"}}}}},"components":{"schemas":{`)
	for i := 0; b.Len() < size-1024; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `"S%d":{"type":"object","required":["f0"],"properties":{`, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"f%d":{"type":"string","maxLength":64}`, j)
		}
		b.WriteString(`}}`)
	}
	b.WriteString(`}}}`)
	return b.String()
}

func write(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A schema that only refers to itself (a cycle that never reaches a
// property or an item) is refused at load, naming the cycle; a cycle
// through properties or items (a tree) is a schema like any other.
func TestSelfReferringSchemasAreRefusedNamingTheCycle(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error; nil: loads
	}{
		{"A → B → A in one file", map[string]string{"api.yaml": opWithBody("#/components/schemas/A") +
			"components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n"},
			[]string{"api.yaml:13 (#/components/schemas/A)", "only refers to itself", "api.yaml:13 (#/components/schemas/A) → api.yaml:14 (#/components/schemas/B) → api.yaml:13 (#/components/schemas/A)"}},
		{"A → A", map[string]string{"api.yaml": opWithBody("#/components/schemas/A") +
			"components:\n  schemas:\n    A: {$ref: '#/components/schemas/A'}\n"},
			[]string{"only refers to itself", "(#/components/schemas/A) → api.yaml:13 (#/components/schemas/A)"}},
		{"across files", map[string]string{"api.yaml": opWithBody("a.yaml#/A"), "a.yaml": "A: {$ref: 'b.yaml#/B'}\n", "b.yaml": "B: {$ref: 'a.yaml#/A'}\n"},
			[]string{"only refers to itself", "a.yaml:1 (#/A) → b.yaml:1 (#/B) → a.yaml:1 (#/A)"}},
		{"through allOf", map[string]string{"api.yaml": opWithBody("#/components/schemas/A") +
			"components:\n  schemas:\n    A: {type: object, allOf: [{$ref: '#/components/schemas/B'}]}\n    B: {allOf: [{required: [x]}, {$ref: '#/components/schemas/A'}]}\n"},
			[]string{"only refers to itself", "(#/components/schemas/A) → ", "(#/components/schemas/B/allOf/1) → "}},
		{"through anyOf and not", map[string]string{"api.yaml": opWithBody("#/components/schemas/A") +
			"components:\n  schemas:\n    A: {anyOf: [{type: string}, {not: {$ref: '#/components/schemas/A'}}]}\n"},
			[]string{"only refers to itself", "(#/components/schemas/A/anyOf/1/not)"}},
		{"in an OpenAPI 3.0 document", map[string]string{"api.yaml": strings.Replace(opWithBody("#/components/schemas/A"), "3.1.0", "3.0.3", 1) +
			"components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n"},
			[]string{"only refers to itself"}},
		{"a tree through properties and items loads", map[string]string{"api.yaml": opWithBody("#/components/schemas/Node") +
			"components:\n  schemas:\n    Node: {allOf: [{$ref: '#/components/schemas/Base'}], properties: {kids: {type: array, items: {$ref: '#/components/schemas/Node'}}, next: {$ref: '#/components/schemas/Node'}}}\n    Base: {type: object, properties: {parent: {$ref: '#/components/schemas/Node'}}}\n"},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			wd, _ := os.Getwd()
			must(t, os.Chdir(dir))
			defer os.Chdir(wd)
			s, err := Load("api.yaml", Options{})
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				o := run(t, s, req{method: "POST", target: "/a", ct: "application/json", body: `{"next":{"kids":[{}]},"parent":{}}`})
				if o.status != 0 {
					t.Errorf("a tree: status %d %q", o.status, problems(o.res))
				}
				return
			}
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	t.Run("a JSON Schema document", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"s.json": `{"$defs":{"A":{"$ref":"#/$defs/B"},"B":{"allOf":[{"$ref":"#/$defs/A"}]}},"$ref":"#/$defs/A"}`})
		_, err := LoadJSONSchema(filepath.Join(dir, "s.json"), Options{})
		if err == nil || !strings.Contains(err.Error(), "only refers to itself") {
			t.Errorf("error = %v", err)
		}
	})
}

// chainDoc is a document whose body schema is reached through depth
// $refs (depth 0: the schema itself).
func chainDoc(t testing.TB, dir string, depth int) string {
	var b strings.Builder
	b.WriteString(opWithBody("#/components/schemas/S0") + "components:\n  schemas:\n")
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "    S%d: {$ref: '#/components/schemas/S%d'}\n", i, i+1)
	}
	fmt.Fprintf(&b, "    S%d: {type: object, required: [name], properties: {name: {type: string, maxLength: 20}, tags: {type: array, items: {$ref: '#/components/schemas/Tag0'}}}}\n", depth)
	b.WriteString("    Tag0: {$ref: '#/components/schemas/Tag1'}\n    Tag1: {$ref: '#/components/schemas/Tag2'}\n    Tag2: {type: string, minLength: 1}\n")
	return write(t, dir, fmt.Sprintf("chain%d.yaml", depth), b.String())
}

// A schema reached through 10,000 $refs loads, and a request to it is
// decided as one to the schema itself: by the walker, with the same
// allocations, valid or not, with the same problems.
func TestRefChainCostsNothingPerLink(t *testing.T) {
	dir := t.TempDir()
	direct, err := Load(chainDoc(t, dir, 0), Options{})
	must(t, err)
	chain, err := Load(chainDoc(t, dir, 10000), Options{})
	must(t, err)
	mt := chain.Operations()[0].body.media[0]
	valid := `{"name":"a","tags":["x","y"]}`
	if mt.fast == nil {
		t.Fatal("no fast validator")
	}
	p := getParser([]byte(valid), DefaultMaxDepth)
	if !p.walkBody(mt.fast) {
		t.Error("the walker did not decide a valid body through the chain")
	}
	putParser(p)
	for _, body := range []string{valid, `{"name":"a","tags":["x",""]}`, `{"tags":[1]}`} {
		r := req{method: "POST", target: "/a", ct: "application/json", body: body}
		od, oc := run(t, direct, r), run(t, chain, r)
		if od.status != oc.status || strings.Join(problems(od.res), ",") != strings.Join(problems(oc.res), ",") {
			t.Errorf("%s: direct %d %q, chain %d %q", body, od.status, problems(od.res), oc.status, problems(oc.res))
		}
		ad := testing.AllocsPerRun(20, func() { run(t, direct, r) })
		ac := testing.AllocsPerRun(20, func() { run(t, chain, r) })
		if ac > ad {
			t.Errorf("%s: %v allocations through the chain, %v direct", body, ac, ad)
		}
	}
}
