// Package publisheddocs unpacks the public OpenAPI documents vendored
// under validation/testdata (Stripe's, Twilio's and DigitalOcean's, each
// with its licence and source commit) into a test's temporary directory,
// for the tests of every package that loads them.
package publisheddocs

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testdata is validation/testdata, found from this file's own place.
func testdata(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("publisheddocs: no source path")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "validation", "testdata")
}

// Stripe returns the path of Stripe's openapi/spec3.json (4.2 MB, 417
// operations), unpacked into a temporary directory.
func Stripe(t testing.TB) string {
	return gunzip(t, filepath.Join(testdata(t), "stripe", "spec3.json.gz"), "spec3.json")
}

// Twilio returns the path of Twilio's twilio_api_v2010.json.
func Twilio(t testing.TB) string {
	return gunzip(t, filepath.Join(testdata(t), "twilio", "twilio_api_v2010.json.gz"), "twilio_api_v2010.json")
}

// DigitalOcean returns the path of the top file of DigitalOcean's
// specification/ (about 3,000 YAML files that $ref each other).
func DigitalOcean(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	tr := tar.NewReader(gzipReader(t, filepath.Join(testdata(t), "digitalocean", "specification.tar.gz")))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Clean(h.Name)
		if strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			t.Fatalf("archive entry %q leaves the directory", h.Name)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, p, tr)
	}
	return filepath.Join(dir, "specification", "DigitalOcean-public.v2.yaml")
}

func gunzip(t testing.TB, src, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	write(t, path, gzipReader(t, src))
	return path
}

func gzipReader(t testing.TB, src string) io.Reader {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

func write(t testing.TB, path string, r io.Reader) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, r); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
