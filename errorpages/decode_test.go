package errorpages

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
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
	default:
		t.Fatalf("encodeAll: unknown coding %q", enc)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// encodeChain applies codings in order, as a Content-Encoding list names them.
func encodeChain(t testing.TB, data []byte, codings ...string) []byte {
	for _, c := range codings {
		data = encodeAll(t, c, data)
	}
	return data
}

// nested wraps payload in n layers of gzip or zstd, with one reused
// encoder, and returns the Content-Encoding that lists them.
func nested(t testing.TB, coding string, n int, payload []byte) (string, []byte) {
	data := payload
	var b bytes.Buffer
	gw := gzip.NewWriter(&b)
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if coding == "zstd" {
			data = zw.EncodeAll(data, nil)
			continue
		}
		b.Reset()
		gw.Reset(&b)
		gw.Write(data)
		gw.Close()
		data = bytes.Clone(b.Bytes())
	}
	return strings.TrimSuffix(strings.Repeat(coding+", ", n), ", "), data
}

// bitWriter writes brotli's LSB-first bit stream.
type bitWriter struct {
	buf  []byte
	nbit uint
}

func (w *bitWriter) bits(n uint, v uint64) {
	for i := uint(0); i < n; i++ {
		if w.nbit%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>i&1 != 0 {
			w.buf[len(w.buf)-1] |= 1 << (w.nbit % 8)
		}
		w.nbit++
	}
}

// brotliBomb is a truncated brotli stream that declares a 16 MiB window
// (WBITS 24) and a first, uncompressed meta-block of 16 MiB, then carries
// only payload: a decoder that trusts the header allocates 16 MiB for it.
func brotliBomb(payload []byte) []byte {
	var w bitWriter
	w.bits(1, 1)
	w.bits(3, 7)        // WBITS = 17 + 7 = 24
	w.bits(1, 0)        // ISLAST = 0
	w.bits(2, 2)        // MNIBBLES = 6
	w.bits(24, 1<<24-1) // MLEN - 1: 16 MiB
	w.bits(1, 1)        // ISUNCOMPRESSED
	return append(w.buf, payload...)
}

// zstdBomb is a zstd frame that declares a window of 1<<windowLog and holds
// RLE blocks of 128 KiB each, 4 bytes per block: a 2 KiB body that decodes
// to 64 MiB and makes a decoder that trusts the header allocate the window.
// singleSegment declares the size as Frame_Content_Size instead, which sets
// the window for a single-segment frame.
func zstdBomb(windowLog uint, blocks int, singleSegment bool) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd}
	if singleSegment {
		b = append(b, 2<<6|1<<5) // FCS 4 bytes, single segment
		b = binary.LittleEndian.AppendUint32(b, 1<<windowLog)
	} else {
		b = append(b, 0, byte(windowLog-10)<<3)
	}
	for i := 0; i < blocks; i++ {
		h := uint32(128<<10)<<3 | 1<<1 // RLE block of 128 KiB
		if i == blocks-1 {
			h |= 1
		}
		b = append(b, byte(h), byte(h>>8), byte(h>>16), '{')
	}
	return b
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

// TestDecodeOddLimits: a limit of any value is safe: negative counts as 0,
// huge is capped, nothing panics.
func TestDecodeOddLimits(t *testing.T) {
	body := []byte(`{"message":"x"}`)
	for _, row := range []struct {
		name    string
		limit   int
		wantLen int
	}{
		{"negative limit gives nothing, truncated", -1, 0},
		{"zero limit gives nothing, truncated", 0, 0},
		{"MaxInt limit gives the whole body", math.MaxInt, len(body)},
	} {
		for _, coding := range []string{"", "gzip", "deflate", "br", "zstd", "zstd, br"} {
			t.Run(row.name+", "+coding, func(t *testing.T) {
				data := body
				if coding != "" {
					data = encodeChain(t, body, strings.Split(strings.ReplaceAll(coding, " ", ""), ",")...)
				}
				out, truncated, ok := Decode(data, coding, row.limit)
				if !ok || len(out) != row.wantLen || truncated != (row.wantLen < len(body)) || !bytes.Equal(out, body[:row.wantLen]) {
					t.Errorf("ok=%v truncated=%v out=%q", ok, truncated, out)
				}
			})
		}
	}
}

// allocPerDecode is the most bytes one Decode allocated over a few runs,
// each with empty decoder pools (two GCs empty a sync.Pool): the cost of a
// decode that finds no decoder to reuse.
func allocPerDecode(body []byte, coding string, limit int) uint64 {
	var most uint64
	for i := 0; i < 3; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&before)
		Decode(body, coding, limit)
		runtime.ReadMemStats(&after)
		most = max(most, after.TotalAlloc-before.TotalAlloc)
	}
	return most
}

// TestDecodeCostIsBoundedByLimit: decoding costs about limit whatever the
// body declares (window, meta-block or frame size, number of codings).
func TestDecodeCostIsBoundedByLimit(t *testing.T) {
	const limit = 64 << 10
	const bound = 4*limit + 1<<20
	payload := []byte(`{"message":"bomb"}`)
	gzipList, gzipChain := nested(t, "gzip", 2600, payload)
	for _, row := range []struct {
		name, coding string
		body         []byte
	}{
		{"brotli stream declaring a 16 MiB window and meta-block", "br", brotliBomb(payload)},
		{"zstd frame declaring a 64 MiB window", "zstd", zstdBomb(26, 512, false)},
		{"zstd single-segment frame declaring 64 MiB of content", "zstd", zstdBomb(26, 512, true)},
		{"2600 nested gzip layers", gzipList, gzipChain},
	} {
		t.Run(row.name, func(t *testing.T) {
			got := allocPerDecode(row.body, row.coding, limit)
			t.Logf("%d-byte body: %d bytes allocated per Decode", len(row.body), got)
			if got > bound {
				t.Errorf("%d-byte body allocates %d bytes per Decode, want <= %d (4 x limit + 1 MiB)", len(row.body), got, bound)
			}
		})
	}
}

// TestDecodeCodingList: a Content-Encoding list of up to MaxCodings codings
// is undone from the last; a longer one is refused like a corrupt body.
func TestDecodeCodingList(t *testing.T) {
	const limit = 64 << 10
	body := []byte(`{"message":"layered"}`)
	gzip2600, gzip2600Body := nested(t, "gzip", 2600, body)
	zstd3000, zstd3000Body := nested(t, "zstd", 3000, body)
	gzip4, gzip4Body := nested(t, "gzip", 4, body)
	for _, row := range []struct {
		name, coding string
		body         []byte
		ok           bool
	}{
		{"two codings are undone from the last", "gzip, br", encodeChain(t, body, "gzip", "br"), true},
		{"three codings (MaxCodings) are undone", "zstd, deflate, gzip", encodeChain(t, body, "zstd", "deflate", "gzip"), true},
		{"names are case-insensitive and spaces ignored", " GZIP ,Br ", encodeChain(t, body, "gzip", "br"), true},
		{"identity members do not count", "identity, gzip, identity, br, identity, zstd", encodeChain(t, body, "gzip", "br", "zstd"), true},
		{"four codings are refused", gzip4, gzip4Body, false},
		{"2600 nested gzip layers are refused", gzip2600, gzip2600Body, false},
		{"3000 nested zstd layers are refused", zstd3000, zstd3000Body, false},
		{"inner layers may be longer than limit", "zstd, gzip", encodeChain(t, patterned(limit), "zstd", "gzip"), true},
		{"an unknown member refuses the list", "gzip, compress", encodeAll(t, "gzip", body), false},
	} {
		t.Run(row.name, func(t *testing.T) {
			want := body
			if len(row.body) > limit {
				want = patterned(limit)
			}
			out, _, ok := Decode(row.body, row.coding, limit)
			if ok != row.ok || (ok && !bytes.Equal(out, want)) || (!ok && out != nil) {
				t.Errorf("Decode(%.40q…) = %q, ok=%v; want ok=%v", row.coding, out, ok, row.ok)
			}
		})
	}
}

// patterned is n bytes of random 4 KiB chunks, each chunk drawn again and
// again from a set of 96, so an encoder with a large window finds
// back-references from a few KiB to hundreds of KiB away.
func patterned(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	chunks := make([][]byte, 96)
	for i := range chunks {
		chunks[i] = make([]byte, 4<<10)
		for j := range chunks[i] {
			chunks[i][j] = byte(rng.IntN(256))
		}
	}
	out := make([]byte, 0, n+4<<10)
	for len(out) < n {
		out = append(out, chunks[rng.IntN(len(chunks))]...)
	}
	return out[:n]
}

// TestDecodeBoundedWindowKeepsTheFirstLimitBytes: Decode lowers a declared
// window to what limit needs; the bytes it returns are the first limit
// bytes of the body, exactly, for streams from real encoders that declare
// far larger windows and use them.
func TestDecodeBoundedWindowKeepsTheFirstLimitBytes(t *testing.T) {
	plain := patterned(3 << 20)
	var brBuf bytes.Buffer
	bw := brotli.NewWriterOptions(&brBuf, brotli.WriterOptions{Quality: 5, LGWin: 24})
	bw.Write(plain)
	bw.Close()
	var zBuf bytes.Buffer
	zw, _ := zstd.NewWriter(&zBuf, zstd.WithWindowSize(8<<20), zstd.WithEncoderConcurrency(1))
	zw.Write(plain)
	zw.Close()
	zOneShot, _ := zstd.NewWriter(nil, zstd.WithWindowSize(8<<20))
	streams := []struct {
		name, coding string
		body         []byte
	}{
		{"brotli, WBITS 24", "br", brBuf.Bytes()},
		{"zstd stream, 8 MiB window", "zstd", zBuf.Bytes()},
		{"zstd single segment, 3 MiB content size", "zstd", zOneShot.EncodeAll(plain, nil)},
	}
	for _, s := range streams {
		for _, limit := range []int{1000, 64 << 10, 1<<18 - 16, 1<<18 - 15, 300 << 10, 1 << 20} {
			t.Run(fmt.Sprintf("%s, limit %d", s.name, limit), func(t *testing.T) {
				out, truncated, ok := Decode(s.body, s.coding, limit)
				if !ok || !truncated || !bytes.Equal(out, plain[:limit]) {
					t.Errorf("ok=%v truncated=%v len=%d; first difference at %d", ok, truncated, len(out), firstDiff(out, plain))
				}
			})
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestDecodeRealEncoders: small error bodies as real encoders write them,
// with the windows they declare (2 to 16 MiB for a 42-byte body), decode.
func TestDecodeRealEncoders(t *testing.T) {
	body := []byte(`{"message":"email is not a valid address"}`)
	flushed := func(opts ...zstd.EOption) []byte {
		var b bytes.Buffer
		zw, err := zstd.NewWriter(&b, opts...)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(body)
		zw.Flush() // streamed: the frame header declares the window, no size
		zw.Close()
		return b.Bytes()
	}
	brotliGo := func(lgwin int) []byte {
		var b bytes.Buffer
		bw := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: 11, LGWin: lgwin})
		bw.Write(body)
		bw.Close()
		return b.Bytes()
	}
	for _, row := range []struct {
		name, coding, hex string
		body              []byte
	}{
		{name: "zstd CLI, file (single segment)", coding: "zstd", hex: "28b52ffd242a5101007b226d657373616765223a22656d61696c206973206e6f7420612076616c69642061646472657373227df510b18a"},
		{name: "zstd CLI, stdin (2 MiB window)", coding: "zstd", hex: "28b52ffd04585101007b226d657373616765223a22656d61696c206973206e6f7420612076616c69642061646472657373227df510b18a"},
		{name: "zstd CLI -19, stdin (8 MiB window)", coding: "zstd", hex: "28b52ffd04685101007b226d657373616765223a22656d61696c206973206e6f7420612076616c69642061646472657373227df510b18a"},
		{name: "node zlib.brotliCompressSync (WBITS 22)", coding: "br", hex: "8b14807b226d657373616765223a22656d61696c206973206e6f7420612076616c69642061646472657373227d03"},
		{name: "node zlib.brotliCompressSync, lgwin 24", coding: "br", hex: "8f14807b226d657373616765223a22656d61696c206973206e6f7420612076616c69642061646472657373227d03"},
		{name: "andybalholm/brotli writer, lgwin 24", coding: "br", body: brotliGo(24)},
		{name: "andybalholm/brotli writer, lgwin 22", coding: "br", body: brotliGo(22)},
		{name: "klauspost zstd writer flushed (8 MiB window)", coding: "zstd", body: flushed()},
		{name: "Caddy encode zstd (128 KiB window, flushed)", coding: "zstd", body: flushed(zstd.WithWindowSize(128<<10), zstd.WithZeroFrames(true), zstd.WithEncoderConcurrency(1))},
		{name: "klauspost zstd writer, 64 MiB window, flushed", coding: "zstd", body: flushed(zstd.WithWindowSize(64 << 20))},
	} {
		t.Run(row.name, func(t *testing.T) {
			data := row.body
			if row.hex != "" {
				data, _ = hex.DecodeString(row.hex)
			}
			out, truncated, ok := Decode(data, row.coding, 64<<10)
			if !ok || truncated || !bytes.Equal(out, body) {
				t.Errorf("ok=%v truncated=%v out=%q", ok, truncated, out)
			}
		})
	}
}

// TestDecodeBombs: what the bombs decode to once their declarations are
// bounded: the bytes they really carry, up to limit.
func TestDecodeBombs(t *testing.T) {
	const limit = 64 << 10
	payload := []byte(`{"message":"bomb"}`)
	t.Run("brotli bomb gives its payload", func(t *testing.T) {
		out, _, ok := Decode(brotliBomb(payload), "br", limit)
		if !ok || !bytes.Equal(out, payload) {
			t.Errorf("ok=%v out=%q", ok, out)
		}
	})
	for _, single := range []bool{false, true} {
		t.Run(fmt.Sprintf("zstd bomb (single segment %v) gives limit bytes", single), func(t *testing.T) {
			out, truncated, ok := Decode(zstdBomb(26, 512, single), "zstd", limit)
			if !ok || !truncated || !bytes.Equal(out, bytes.Repeat([]byte("{"), limit)) {
				t.Errorf("ok=%v truncated=%v len=%d", ok, truncated, len(out))
			}
		})
	}
	t.Run("zstd frame past a skippable frame is bounded too", func(t *testing.T) {
		skip := []byte{0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3}
		body := append(skip, zstdBomb(26, 512, false)...)
		if got := allocPerDecode(body, "zstd", limit); got > 4*limit+1<<20 {
			t.Errorf("%d bytes allocated", got)
		}
	})
	t.Run("pooled zstd decoders leave no goroutine behind", func(t *testing.T) {
		before := runtime.NumGoroutine()
		for i := 0; i < 20; i++ {
			Decode(zstdBomb(26, 4, false), "zstd", limit)
		}
		runtime.GC()
		runtime.GC()
		if after := runtime.NumGoroutine(); after > before {
			t.Errorf("goroutines %d -> %d", before, after)
		}
	})
}

// FuzzDecode: any bytes under any coding list: no panic, output bounded,
// no more than MaxCodings codings undone, and a single br or zstd coding
// decodes to what an unbounded decoder gives, as far as both go.
func FuzzDecode(f *testing.F) {
	msg := []byte(`{"message":"x"}`)
	f.Add(encodeAll(f, "gzip", msg), "gzip")
	f.Add(encodeAll(f, "br", msg), "br")
	f.Add(encodeAll(f, "zstd", msg), "zstd")
	f.Add(encodeAll(f, "deflate", msg), "deflate")
	f.Add([]byte("garbage"), "gzip, br")
	f.Add(encodeChain(f, msg, "gzip", "br"), "gzip, br")
	f.Add(encodeChain(f, msg, "gzip", "zstd"), "zstd, gzip")
	f.Add(encodeChain(f, msg, "zstd", "gzip"), "zstd, gzip")
	f.Add(encodeChain(f, msg, "deflate", "br", "zstd"), "deflate, br, zstd")
	f.Add(encodeChain(f, msg, "gzip", "gzip", "gzip", "gzip", "gzip"), "gzip, gzip, gzip, gzip, gzip")
	f.Add(brotliBomb(msg), "br")
	f.Add(zstdBomb(26, 8, false), "zstd")
	f.Add(zstdBomb(26, 8, true), "identity, zstd")
	const limit = 4096
	f.Fuzz(func(t *testing.T, data []byte, enc string) {
		out, truncated, ok := Decode(data, enc, limit)
		if len(out) > limit {
			t.Fatalf("decoded %d bytes, limit %d", len(out), limit)
		}
		if !ok && (out != nil || truncated) {
			t.Fatalf("refused, yet out=%d bytes truncated=%v", len(out), truncated)
		}
		n := 0
		for _, c := range strings.Split(enc, ",") {
			if c := strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				n++
			}
		}
		if ok && n > MaxCodings {
			t.Fatalf("undid %d codings", n)
		}
		if c := strings.ToLower(strings.TrimSpace(enc)); ok && (c == "br" || c == "zstd") {
			ref := referenceDecode(c, data, limit)
			if common := min(len(out), len(ref)); !bytes.Equal(out[:common], ref[:common]) {
				t.Fatalf("differs from the unbounded decoder at byte %d", firstDiff(out, ref))
			}
		}
	})
}

// referenceDecode decodes with the libraries' own defaults (zstd's window
// capped at 64 MiB to keep the fuzzer's memory sane).
func referenceDecode(coding string, data []byte, limit int) []byte {
	var r io.Reader
	if coding == "br" {
		r = brotli.NewReader(bytes.NewReader(data))
	} else {
		zr, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			return nil
		}
		defer zr.Close()
		r = zr
	}
	out, _ := io.ReadAll(io.LimitReader(r, int64(limit)))
	return out
}

func flateWriter(w io.Writer) (io.WriteCloser, error) {
	return flate.NewWriter(w, flate.DefaultCompression)
}

// BenchmarkDecode: a typical compressed error body per coding, the bombs
// and coding chains; -benchmem shows the bytes each costs.
func BenchmarkDecode(b *testing.B) {
	const limit = 64 << 10
	body := []byte(`{"message":"validation failed","code":"validation_failed","errors":[` +
		strings.Repeat(`{"field":"email","message":"Invalid email format"},`, 20) +
		`{"field":"name","message":"is required"}]}`)
	gzipList, gzipChain := nested(b, "gzip", 2600, body)
	for _, row := range []struct {
		name, coding string
		body         []byte
	}{
		{"gzip", "gzip", encodeAll(b, "gzip", body)},
		{"deflate", "deflate", encodeAll(b, "deflate", body)},
		{"br", "br", encodeAll(b, "br", body)},
		{"zstd", "zstd", encodeAll(b, "zstd", body)},
		{"bomb-br", "br", brotliBomb(body)},
		{"bomb-zstd", "zstd", zstdBomb(26, 512, false)},
		{"chain", "zstd, deflate, gzip", encodeChain(b, body, "zstd", "deflate", "gzip")},
		{"chain-2600-gzip", gzipList, gzipChain},
	} {
		b.Run(row.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Decode(row.body, row.coding, limit)
			}
		})
	}
}
