package errorpages

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Decode undoes a Content-Encoding (gzip, x-gzip, deflate, br, zstd,
// identity, or a comma-separated list of them) and returns at most limit
// decoded bytes. ok is false for an unknown or corrupt encoding.
// truncated reports that the decoded body was longer than limit.
func Decode(body []byte, contentEncoding string, limit int) (out []byte, truncated, ok bool) {
	contentEncoding = strings.TrimSpace(contentEncoding)
	if contentEncoding == "" || strings.EqualFold(contentEncoding, "identity") {
		if len(body) > limit {
			return body[:limit], true, true
		}
		return body, false, true
	}
	codings := strings.Split(contentEncoding, ",")
	data := body
	// Codings are listed in the order they were applied: undo from the end.
	for i := len(codings) - 1; i >= 0; i-- {
		var r io.Reader
		var closer func()
		switch strings.ToLower(strings.TrimSpace(codings[i])) {
		case "", "identity":
			continue
		case "gzip", "x-gzip":
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, false, false
			}
			r = zr
		case "deflate":
			// RFC 9110's deflate is zlib-wrapped; some servers send raw.
			if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
				r = zr
			} else {
				r = flate.NewReader(bytes.NewReader(data))
			}
		case "br":
			r = brotli.NewReader(bytes.NewReader(data))
		case "zstd":
			zr, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(64<<20))
			if err != nil {
				return nil, false, false
			}
			r, closer = zr, zr.Close
		default:
			return nil, false, false
		}
		decoded, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
		if closer != nil {
			closer()
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return nil, false, false
		}
		if err == io.ErrUnexpectedEOF && len(decoded) == 0 {
			return nil, false, false
		}
		data = decoded
	}
	if len(data) > limit {
		return data[:limit], true, true
	}
	return data, false, true
}
