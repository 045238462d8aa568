package validation

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// engineFormats returns jsonschema v6's check of each native format, as
// our compiler sets it up.
func engineFormats(tb testing.TB) map[string]func(any) error {
	tb.Helper()
	dir := tb.TempDir()
	out := map[string]func(any) error{}
	for name := range nativeFormats {
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(`{"format":"`+name+`"}`), 0o644); err != nil {
			tb.Fatal(err)
		}
		op, err := LoadJSONSchema(path, Options{})
		if err != nil {
			tb.Fatal(err)
		}
		s := op.body.media[0].schema
		if s.Format == nil || s.Format.Name != name {
			tb.Fatalf("%s: the engine has no such format", name)
		}
		out[name] = s.Format.Validate
		if f := op.body.media[0].fast; f == nil || f.fmtStr == nil {
			tb.Fatalf("%s: the fast validator does not use the native check", name)
		}
	}
	return out
}

var formatSamples = []string{
	"", "a", "6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55", "6F1C2A4E-8A47-4C8E-9D7E-2F0B7C1E3A55", "6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a5",
	"6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a5g", "6f1c2a4e8a47-4c8e-9d7e-2f0b7c1e3a55-", "6f1c2a4e-8a47-4c8e-9d7e2-f0b7c1e3a55", "6f1c2a4é-8a47-4c8e-9d7e-2f0b7c1e3a5",
	"ann@example.com", "ann.example@example.com", "@example.com", "ann@", "ann@.com", "ann@example.com.", "ann@example..com",
	".ann@x.io", "ann.@x.io", "a..n@x.io", `"a b"@x.io`, `"a"b"@x.io`, `"a\b"@x.io`, `"@x.io`, `""@x.io`, "a+b/c=d?e^f_`{|}~!#$%&'*@x.io",
	"a b@x.io", "ann@-x.io", "ann@x-.io", "ann@x_y.io", "ann@[127.0.0.1]", "ann@[IPv6:::1]", "ann@[300.0.0.1]", "ann@[", "ann@]",
	"ännä@x.io", "ann@exämple.com", "a@b@c.de", strings.Repeat("a", 64) + "@x.io", strings.Repeat("a", 65) + "@x.io",
	"ann@" + strings.Repeat("a", 63) + ".io", "ann@" + strings.Repeat("a", 64) + ".io", "ann@" + strings.Repeat("abcd.", 50) + "io",
	strings.Repeat("a.", 126) + "b", strings.Repeat("a.", 127), strings.Repeat("a.", 126) + "bc", "example.com", "example.com.", ".", "..", "a..b",
	"-a.com", "a-.com", "a-b.com", "xn--bcher-kva.example", "a_b.com", "\xff.com", "ann@\xff.com",
}

// TestNativeFormatsMatchTheEngine: every sample, every native format.
func TestNativeFormatsMatchTheEngine(t *testing.T) {
	engine := engineFormats(t)
	for name, native := range nativeFormats {
		for _, s := range formatSamples {
			got, sure := native(s)
			if want := engine[name](s) == nil; sure && got != want {
				t.Errorf("%s %q: native says %v, the engine %v", name, s, got, want)
			}
		}
	}
	// The bracketed domains are left to the engine.
	if _, sure := emailFormat("ann@[127.0.0.1]"); sure {
		t.Error("emailFormat decides a bracketed domain")
	}
}

// FuzzNativeFormats: arbitrary strings, every native format.
func FuzzNativeFormats(f *testing.F) {
	for _, s := range formatSamples {
		f.Add(s)
	}
	engine := engineFormats(f)
	f.Fuzz(func(t *testing.T, s string) {
		for name, native := range nativeFormats {
			got, sure := native(s)
			if want := engine[name](s) == nil; sure && got != want {
				t.Fatalf("%s %q: native says %v, the engine %v", name, s, got, want)
			}
		}
	})
}
