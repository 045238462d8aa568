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
