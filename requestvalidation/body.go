package requestvalidation

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// Request bodies are read into pooled buffers in power-of-two size
// classes from 4 KiB, so a busy gateway reuses memory instead of making
// the garbage collector chase a fresh max_body-sized slice per request.
const (
	minClassBits = 12 // 4 KiB
	numClasses   = 18 // up to 512 MiB
)

var bodyPools [numClasses]sync.Pool

func sizeClass(n int) int {
	if n <= 1<<minClassBits {
		return 0
	}
	return bits.Len(uint(n-1)) - minClassBits
}

// getBuf returns a buffer of length n from the pool of its class.
func getBuf(n int) *[]byte {
	c := sizeClass(n)
	if c >= numClasses {
		b := make([]byte, n)
		return &b
	}
	if p, ok := bodyPools[c].Get().(*[]byte); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]byte, n, 1<<(c+minClassBits))
	return &b
}

// putBuf returns a buffer to its pool; nothing may use it afterwards.
func putBuf(p *[]byte) {
	if p == nil {
		return
	}
	c := sizeClass(cap(*p))
	if c < numClasses && cap(*p) == 1<<(c+minClassBits) {
		bodyPools[c].Put(p)
	}
}

// pooledBody is the request body handed on: the validated bytes (and, in
// report mode, the unread rest). Its buffer goes back to the pool when
// the body is closed: http.RoundTripper closes request bodies when it is
// done with them, possibly after the handler returned.
type pooledBody struct {
	io.Reader
	br   bytes.Reader // the validated bytes (Reader, unless rest follows)
	rest io.Closer    // the original body when part of it was not read
	buf  *[]byte
	once sync.Once
}

func (b *pooledBody) Close() error {
	var err error
	b.once.Do(func() {
		if b.rest != nil {
			err = b.rest.Close()
		}
		putBuf(b.buf)
		b.buf = nil
	})
	return err
}

func newPooledBody(buf *[]byte, n int, rest io.ReadCloser) *pooledBody {
	b := &pooledBody{buf: buf}
	b.br.Reset((*buf)[:n])
	b.Reader = &b.br
	if rest != nil {
		b.Reader, b.rest = io.MultiReader(&b.br, rest), rest
	}
	return b
}

// readBody reads the body into a pooled buffer, up to MaxBody. A declared
// Content-Length over the limit, or a chunked body passing it, is too
// large: the rest is not read. The caller owns buf (putBuf or a
// pooledBody) unless err is set.
func (h *Handler) readBody(r *http.Request) (buf *[]byte, n int, tooLarge bool, err error) {
	if r.ContentLength > h.MaxBody {
		return nil, 0, true, nil
	}
	if r.ContentLength > 0 {
		buf = getBuf(int(r.ContentLength))
		k, err := io.ReadFull(r.Body, *buf)
		if err != nil {
			putBuf(buf)
			return nil, 0, false, readErr(err, k)
		}
		return buf, k, false, nil
	}
	// Unknown length: read up to MaxBody+1, growing by size class.
	limit := int(h.MaxBody) + 1
	size := min(32<<10, limit)
	buf = getBuf(size)
	for {
		k, err := io.ReadFull(r.Body, (*buf)[n:])
		n += k
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return buf, n, false, nil
		}
		if err != nil {
			putBuf(buf)
			return nil, 0, false, readErr(err, n)
		}
		if n >= limit {
			return buf, n, true, nil
		}
		bigger := getBuf(min(2*len(*buf), limit))
		copy(*bigger, (*buf)[:n])
		putBuf(buf)
		buf = bigger
	}
}

func readErr(err error, n int) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		// request_body's max_size: Caddy answers 413 for it.
		return caddyhttp.Error(http.StatusRequestEntityTooLarge, err)
	}
	return fmt.Errorf("after %d bytes: %w", n, err)
}
