package validation

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Published documents, vendored compressed in testdata and loaded as
// they are: Twilio's Api v2010 (one JSON file with surrogate pairs in its
// examples) and DigitalOcean's (3,000 YAML files that $ref each other's
// operations, parameters, request bodies and property maps).

// gunzipTo decompresses the gzipped file src into dir/name.
func gunzipTo(t testing.TB, src, dir, name string) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// twilioDoc decompresses Twilio's document into a temporary directory.
func twilioDoc(t testing.TB) string {
	return gunzipTo(t, "testdata/twilio/twilio_api_v2010.json.gz", t.TempDir(), "twilio_api_v2010.json")
}

// digitalOceanDoc extracts DigitalOcean's specification into a temporary
// directory and returns the path of its top file.
func digitalOceanDoc(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	in, err := os.Open("testdata/digitalocean/specification.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
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
		p := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(dir, "specification", "DigitalOcean-public.v2.yaml")
}

func TestTwilioLoads(t *testing.T) {
	s, err := Load(twilioDoc(t), Options{})
	if err != nil {
		t.Fatalf("Twilio's published document does not load: %v", err)
	}
	if n := len(s.Operations()); n != 197 {
		t.Errorf("%d operations, want 197", n)
	}
}

func TestDigitalOceanLoads(t *testing.T) {
	s, err := Load(digitalOceanDoc(t), Options{})
	if err != nil {
		t.Fatalf("DigitalOcean's published document does not load: %v", err)
	}
	t.Logf("%d operations, %d files", len(s.Operations()), len(s.Files()))
}
