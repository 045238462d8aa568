package errorpages

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"io"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func encodeAll(t testing.TB, enc string, data []byte) []byte {
	var b bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate":
		w = zlib.NewWriter(&b)
	case "br":
		w = brotli.NewWriter(&b)
	case "zstd":
		zw, err := zstd.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func TestDecode(t *testing.T) {
	body := []byte(`{"message":"compressed hello"}`)
	for _, enc := range []string{"gzip", "deflate", "br", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			out, truncated, ok := Decode(encodeAll(t, enc, body), enc, 1<<10)
			if !ok || truncated || !bytes.Equal(out, body) {
				t.Errorf("%s: ok=%v truncated=%v out=%q", enc, ok, truncated, out)
			}
		})
	}
	t.Run("raw deflate", func(t *testing.T) {
		var b bytes.Buffer
		fw, _ := flateWriter(&b)
		fw.Write(body)
		fw.Close()
		if out, _, ok := Decode(b.Bytes(), "deflate", 1<<10); !ok || !bytes.Equal(out, body) {
			t.Errorf("raw deflate: %v %q", ok, out)
		}
	})
	t.Run("stacked codings", func(t *testing.T) {
		data := encodeAll(t, "br", encodeAll(t, "gzip", body))
		if out, _, ok := Decode(data, "gzip, br", 1<<10); !ok || !bytes.Equal(out, body) {
			t.Errorf("gzip, br: %v %q", ok, out)
		}
	})
	t.Run("decompression bomb is bounded", func(t *testing.T) {
		bomb := encodeAll(t, "gzip", bytes.Repeat([]byte("a"), 10<<20))
		out, truncated, ok := Decode(bomb, "gzip", 64<<10)
		if !ok || !truncated || len(out) != 64<<10 {
			t.Errorf("bomb: ok=%v truncated=%v len=%d", ok, truncated, len(out))
		}
	})
	for _, row := range []struct{ name, enc, body string }{
		{"corrupt gzip", "gzip", "not gzip at all"},
		{"mislabelled br", "br", `{"message":"plain"}`},
		{"corrupt zstd", "zstd", "\x28\xb5\x2f\xfdgarbage"},
		{"unknown coding", "compress", "x"},
	} {
		t.Run(row.name, func(t *testing.T) {
			out, _, ok := Decode([]byte(row.body), row.enc, 1<<10)
			if ok {
				if u := Parse(out, "application/json"); u.Message != "" {
					t.Errorf("%s gave details %q", row.name, u.Message)
				}
			}
		})
	}
}

// FuzzDecode: any bytes under any coding: no panic, output bounded.
func FuzzDecode(f *testing.F) {
	f.Add(encodeAll(f, "gzip", []byte(`{"message":"x"}`)), "gzip")
	f.Add(encodeAll(f, "br", []byte(`{"message":"x"}`)), "br")
	f.Add(encodeAll(f, "zstd", []byte(`{"message":"x"}`)), "zstd")
	f.Add(encodeAll(f, "deflate", []byte(`{"message":"x"}`)), "deflate")
	f.Add([]byte("garbage"), "gzip, br")
	f.Fuzz(func(t *testing.T, data []byte, enc string) {
		out, _, _ := Decode(data, enc, 4096)
		if len(out) > 4096 {
			t.Fatalf("decoded %d bytes, limit 4096", len(out))
		}
	})
}

func flateWriter(w io.Writer) (io.WriteCloser, error) {
	return flate.NewWriter(w, flate.DefaultCompression)
}
