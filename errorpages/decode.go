package errorpages

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// MaxCodings is how many content codings Decode undoes for one body. Real
// servers stack at most two; a longer Content-Encoding list is treated as
// a corrupt body (no details), since each layer costs a decoder.
const MaxCodings = 3

// Decoding an upstream body costs about limit, whatever its encoding
// declares. The decoders would otherwise allocate what the stream's header
// asks for: a brotli window and meta-block of 16 MiB from a 22-byte body,
// a zstd window of 64 MiB or more from a 2 KiB one. Only the first limit
// bytes of output are ever read, and no valid back-reference within them
// reaches further back than what was already produced, so Decode lowers a
// declared window to one just large enough for limit bytes (brotliWindow,
// zstdWindow) before decoding; the first limit bytes come out unchanged.
// Decoder state (a ring buffer of that window; zstd's block buffers, about
// 1 MiB in all; brotli's Huffman tables, up to 2.6 MiB when a hostile
// stream declares 256 trees of each kind) is pooled, and at most GOMAXPROCS bodies are
// decoded at once (decoding is CPU-bound on bytes in memory, so more would
// not finish sooner), so the decoders' memory does not grow with the
// number of concurrent error responses.
var decodeSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// maxDecodeLimit caps limit, so that limit+1 and the windows derived from
// it stay representable; no error body comes near it.
const maxDecodeLimit = 1 << 30

type coding uint8

const (
	codingIdentity coding = iota
	codingGzip
	codingDeflate
	codingBrotli
	codingZstd
)

// parseCoding names one Content-Encoding list member.
func parseCoding(s string) (coding, bool) {
	switch {
	case s == "", strings.EqualFold(s, "identity"):
		return codingIdentity, true
	case strings.EqualFold(s, "gzip"), strings.EqualFold(s, "x-gzip"):
		return codingGzip, true
	case strings.EqualFold(s, "deflate"):
		return codingDeflate, true
	case strings.EqualFold(s, "br"):
		return codingBrotli, true
	case strings.EqualFold(s, "zstd"):
		return codingZstd, true
	}
	return 0, false
}

// Decode undoes a Content-Encoding (gzip, x-gzip, deflate, br, zstd,
// identity, or a comma-separated list of at most MaxCodings of them) and
// returns at most limit decoded bytes (a negative limit counts as 0, one
// above 1 GiB as 1 GiB). ok is false for an unknown or
// corrupt encoding, or a list longer than MaxCodings. truncated reports
// that the decoded body was longer than limit. Memory and time are about
// limit and linear in len(body), whatever the body declares.
func Decode(body []byte, contentEncoding string, limit int) (out []byte, truncated, ok bool) {
	limit = min(max(limit, 0), maxDecodeLimit)
	var codings [MaxCodings]coding
	n := 0
	for rest := contentEncoding; rest != ""; {
		tok := rest
		if i := strings.IndexByte(rest, ','); i >= 0 {
			tok, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		c, known := parseCoding(strings.TrimSpace(tok))
		if !known {
			return nil, false, false
		}
		if c == codingIdentity {
			continue
		}
		if n == MaxCodings {
			return nil, false, false
		}
		codings[n] = c
		n++
	}
	data := body
	if n > 0 {
		decodeSlots <- struct{}{}
		defer func() { <-decodeSlots }()
	}
	// Codings are listed in the order they were applied: undo from the end.
	for i := n - 1; i >= 0; i-- {
		// An inner layer is compressed data: limit+1 bytes of output may
		// take a little more than that (stored blocks, headers).
		layerLimit := limit
		if i > 0 {
			layerLimit += limit>>10 + 1<<10
		}
		decoded, err := decodeOne(codings[i], data, layerLimit)
		if len(decoded) <= layerLimit && err != nil && (err != io.ErrUnexpectedEOF || len(decoded) == 0) {
			// A body cut short (max_body) still gives what it holds;
			// anything else is corrupt. Past limit, what follows is
			// never read, so it cannot spoil what was.
			return nil, false, false
		}
		data = decoded
	}
	if len(data) > limit {
		return data[:limit], true, true
	}
	return data, false, true
}

// decodeOne undoes one coding, reading at most limit+1 bytes of output.
func decodeOne(c coding, data []byte, limit int) ([]byte, error) {
	switch c {
	case codingGzip:
		return decodeGzip(data, limit)
	case codingDeflate:
		return decodeDeflate(data, limit)
	case codingBrotli:
		return decodeBrotli(data, limit)
	case codingZstd:
		return decodeZstd(data, limit)
	}
	return data, nil
}

// readUpTo reads r until EOF or n bytes, growing its buffer by doubling
// from a size guessed from the input: at most 2n bytes allocated.
func readUpTo(r io.Reader, n, inputLen int) ([]byte, error) {
	buf := make([]byte, 0, min(n, max(512, 4*inputLen)))
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= n {
				return buf, nil
			}
			grown := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

var gzipReaders sync.Pool // *gzip.Reader

func decodeGzip(data []byte, limit int) ([]byte, error) {
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(data))
	} else {
		err = zr.Reset(bytes.NewReader(data))
	}
	if err != nil {
		return nil, err
	}
	out, err := readUpTo(zr, limit+1, len(data))
	zr.Reset(bytes.NewReader(nil)) // drop the body; the error is io.EOF
	gzipReaders.Put(zr)
	return out, err
}

var zlibReaders, flateReaders sync.Pool // zlib and flate io.ReadClosers

// decodeDeflate reads RFC 9110's deflate, which is zlib-wrapped; some
// servers send raw deflate, read when the zlib header is not there.
func decodeDeflate(data []byte, limit int) ([]byte, error) {
	zr, _ := zlibReaders.Get().(io.ReadCloser)
	var err error
	if zr == nil {
		zr, err = zlib.NewReader(bytes.NewReader(data))
	} else {
		err = zr.(zlib.Resetter).Reset(bytes.NewReader(data), nil)
	}
	if err == nil {
		out, err := readUpTo(zr, limit+1, len(data))
		zr.(zlib.Resetter).Reset(bytes.NewReader(nil), nil) // drop the body
		zlibReaders.Put(zr)
		return out, err
	}
	if zr != nil {
		zlibReaders.Put(zr)
	}
	fr, _ := flateReaders.Get().(io.ReadCloser)
	if fr == nil {
		fr = flate.NewReader(bytes.NewReader(data))
	} else {
		fr.(flate.Resetter).Reset(bytes.NewReader(data), nil)
	}
	out, err := readUpTo(fr, limit+1, len(data))
	fr.(flate.Resetter).Reset(bytes.NewReader(nil), nil)
	flateReaders.Put(fr)
	return out, err
}

// brotliWindow is the window, as WBITS, that decodes the first limit+1
// bytes of any brotli stream exactly as its declared window would: a
// distance at output position p is a back-reference when it is at most
// min(p, 1<<WBITS-16), so for p <= limit, 1<<WBITS-16 >= limit suffices.
// 18 is the smallest WBITS whose code takes the 4 bits that the large
// windows (18..24) take, so the header can be rewritten in place; 16, 17
// and 10..15 are already small. Past 1<<WBITS-16, where the two windows
// part, a distance the stream meant as a back-reference reads as a
// dictionary reference; should that one be invalid, the decoder fails
// before handing out the bytes it holds, and a body longer than limit
// gives no details. That takes a copy longer than 24 bytes of the body's
// first 16 bytes from 256 KiB on: not seen from an encoder, which takes
// the nearest match.
func brotliWindow(limit int) uint {
	w := uint(18)
	for w < 24 && 1<<w-16 < limit {
		w++
	}
	return w
}

// boundBrotliWindow returns data with its declared WBITS lowered to
// brotliWindow(limit) when it declared more, copying data if so. The
// ring buffer the decoder allocates is then at most 1<<brotliWindow(limit).
// WBITS 18..24 is coded as bit 1, then 3 bits n != 0, WBITS = 17+n
// (RFC 7932 §9.1); other codes stand for 17 or less, or a large window,
// which the reader refuses.
func boundBrotliWindow(data []byte, limit int) []byte {
	if len(data) == 0 || data[0]&1 == 0 {
		return data
	}
	n := data[0] >> 1 & 7
	w := brotliWindow(limit)
	if n == 0 || 17+uint(n) <= w {
		return data
	}
	bounded := bytes.Clone(data)
	bounded[0] = bounded[0]&^0x0e | byte(w-17)<<1
	return bounded
}

var brotliReaders sync.Pool // *brotli.Reader

func decodeBrotli(data []byte, limit int) ([]byte, error) {
	src := bytes.NewReader(boundBrotliWindow(data, limit))
	br, _ := brotliReaders.Get().(*brotli.Reader)
	if br == nil {
		br = brotli.NewReader(src)
	} else {
		br.Reset(src)
	}
	out, err := readUpTo(br, limit+1, len(data))
	br.Reset(nil)
	brotliReaders.Put(br)
	return out, err
}

// zstdMaxBlock is zstd's largest block (RFC 8878 §3.1.1.2.4): the decoder
// works a whole block at a time.
const zstdMaxBlock = 128 << 10

// zstdWindow is the window (in bytes, and as a Window_Descriptor byte) that
// decodes the first limit+1 bytes of any zstd frame exactly as its declared
// window would. Decoding stops within the block that holds byte limit,
// which ends before limit+zstdMaxBlock; a valid offset never reaches before
// the frame's start, so a window of limit+zstdMaxBlock covers every offset
// in the blocks decoded, and keeps blocks of the maximum size valid.
func zstdWindow(limit int) (size uint64, descriptor byte) {
	need := uint64(limit) + zstdMaxBlock
	for exp := uint64(0); exp < 32; exp++ {
		base := uint64(1) << (10 + exp)
		for mantissa := uint64(0); mantissa < 8; mantissa++ {
			if size := base + base/8*mantissa; size >= need {
				return size, byte(exp<<3 | mantissa)
			}
		}
	}
	return zstd.MaxWindowSize, 0
}

const (
	zstdMagic         = 0xFD2FB528
	zstdSkippableMask = 0xFFFFFFF0
	zstdSkippable     = 0x184D2A50
)

// boundZstdWindows returns data with every frame that declares a window
// (or, single-segment, a content size) above window rewritten to declare
// window, copying data if any changes. It walks frames and block headers
// only (RFC 8878 §3.1), linear in len(data); where the structure ends
// early or is not zstd, the rest is left to the decoder to refuse.
func boundZstdWindows(data []byte, window uint64, descriptor byte) []byte {
	var out []byte // nil until a frame needs rewriting
	copied := 0
	pos := 0
	for pos+8 <= len(data) {
		magic := binary.LittleEndian.Uint32(data[pos:])
		if magic&zstdSkippableMask == zstdSkippable {
			size := uint64(binary.LittleEndian.Uint32(data[pos+4:]))
			if size > uint64(len(data)-pos-8) {
				break
			}
			pos += 8 + int(size)
			continue
		}
		if magic != zstdMagic {
			break
		}
		fhd := data[pos+4]
		single := fhd&0x20 != 0
		fcsLen := [4]int{0, 2, 4, 8}[fhd>>6]
		if fcsLen == 0 && single {
			fcsLen = 1
		}
		dictLen := [4]int{0, 1, 2, 4}[fhd&3]
		hdrLen := 5 + dictLen + fcsLen
		if !single {
			hdrLen++
		}
		if pos+hdrLen > len(data) {
			break
		}
		var declared uint64
		if single {
			fcs := data[pos+5+dictLen : pos+hdrLen]
			for i := len(fcs) - 1; i >= 0; i-- {
				declared = declared<<8 | uint64(fcs[i])
			}
			if fcsLen == 2 {
				declared += 256
			}
		} else {
			wd := data[pos+5]
			base := uint64(1) << (10 + wd>>3)
			declared = base + base/8*uint64(wd&7)
		}
		if declared > window {
			out = append(out, data[copied:pos+4]...)
			if single {
				// Not single-segment any more: the content size stays
				// (fcsLen is 2..8 here, whose field length does not
				// depend on the flag) and a window descriptor follows the
				// frame header descriptor.
				out = append(out, fhd&^0x20, descriptor)
				out = append(out, data[pos+5:pos+hdrLen]...)
			} else {
				out = append(out, fhd, descriptor)
				out = append(out, data[pos+6:pos+hdrLen]...)
			}
			copied = pos + hdrLen
		}
		pos += hdrLen
		for last := false; !last; {
			if pos+3 > len(data) {
				pos = len(data)
				break
			}
			bh := uint32(data[pos]) | uint32(data[pos+1])<<8 | uint32(data[pos+2])<<16
			last = bh&1 != 0
			pos += 3
			switch bh >> 1 & 3 {
			case 0, 2: // raw, compressed
				pos += int(bh >> 3)
			case 1: // RLE
				pos++
			default: // reserved: corrupt, the decoder says so
				pos = len(data)
				last = true
			}
		}
		if fhd&0x04 != 0 {
			pos += 4 // content checksum
		}
	}
	if out == nil {
		return data
	}
	return append(out, data[copied:]...)
}

// zstdDecoder is a pooled decoder and the window it was set up for.
type zstdDecoder struct {
	*zstd.Decoder
	window uint64
}

var zstdDecoders sync.Pool // *zstdDecoder

var errNoDecoder = errors.New("errorpages: zstd decoder unavailable")

func decodeZstd(data []byte, limit int) ([]byte, error) {
	window, descriptor := zstdWindow(limit)
	src := bytes.NewReader(boundZstdWindows(data, window, descriptor))
	// The bound window is also the decoder's limit: a frame the walk above
	// did not reach (past a corrupt block) and that declares more is
	// refused, not allocated.
	limits := []zstd.DOption{zstd.WithDecoderMaxWindow(window), zstd.WithDecoderMaxMemory(window)}
	d, _ := zstdDecoders.Get().(*zstdDecoder)
	var err error
	switch {
	case d == nil:
		var zd *zstd.Decoder
		zd, err = zstd.NewReader(src, append(limits, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))...)
		d = &zstdDecoder{zd, window}
	case d.window != window:
		err, d.window = d.ResetWithOptions(src, limits...), window
	default:
		err = d.Reset(src)
	}
	if err != nil || d.Decoder == nil {
		return nil, errors.Join(errNoDecoder, err)
	}
	out, err := readUpTo(d, limit+1, len(data))
	d.Reset(nil)
	zstdDecoders.Put(d)
	return out, err
}
