package caddyerrorpages

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// errBodyLimit is returned to the handler writing an intercepted body once
// max_body bytes have been kept, so that it stops sending the rest.
var errBodyLimit = errors.New("error_pages: upstream error body exceeds max_body; the rest is discarded")

const (
	stateNone      = iota // nothing written yet
	stateStream           // passing through to the client
	stateIntercept        // an error status: headers held, body captured
)

// errorWriter holds back the responses error_pages rewrites and streams
// all others. Unlike caddyhttp.ResponseRecorder, its capture buffer is
// bounded by max_body.
type errorWriter struct {
	http.ResponseWriter
	h         *Handler
	state     uint8
	truncated bool
	status    int
	buf       *bytes.Buffer
	// server is the Server header as it was before the request went on
	// (Caddy's own), told apart from an upstream's.
	server []string
	// trailers marks the trailers announced when the response was held
	// back: how many values each name had then. Values added later came
	// from the trailer section, which belonged to the replaced body.
	trailers []trailerMark
	// err and page are the storage of a rewrite's error and page data,
	// pooled with the writer.
	err  errorpages.Error
	page errorpages.PageData
	// mark announces this writer's handler to the handlers it wraps.
	mark wrapMark
}

// wrapMark is what an error_pages handler puts in the request's vars
// (errorpages.RendererVar) while the handlers after it run: the nested
// error_pages handlers and request_validation read it.
type wrapMark struct {
	h *Handler
	// parent is the mark of the error_pages handler around this one.
	parent *wrapMark
	// rendered: an error_pages handler inside this one rendered the
	// response, which then passes through untouched (the innermost that
	// renders an error owns it).
	rendered bool
}

// RendersLocal reports whether an error of status code returned by a
// wrapped handler will be rendered by this error_pages or one around it.
func (m *wrapMark) RendersLocal(code int) bool {
	for ; m != nil; m = m.parent {
		if !m.h.noLocal && m.h.statuses.Has(code) {
			return true
		}
	}
	return false
}

// String keeps the mark short in a {http.vars.error_pages} placeholder.
func (m *wrapMark) String() string { return "error_pages" }

// enter puts ew's mark in r's vars, its parent the mark found there, and
// returns the parent for leave.
func (ew *errorWriter) enter(r *http.Request) *wrapMark {
	parent, _ := caddyhttp.GetVar(r.Context(), errorpages.RendererVar).(*wrapMark)
	ew.mark = wrapMark{h: ew.h, parent: parent}
	caddyhttp.SetVar(r.Context(), errorpages.RendererVar, &ew.mark)
	return parent
}

// leave restores the mark enter found.
func leave(r *http.Request, parent *wrapMark) {
	if parent == nil {
		caddyhttp.SetVar(r.Context(), errorpages.RendererVar, nil)
		return
	}
	caddyhttp.SetVar(r.Context(), errorpages.RendererVar, parent)
}

type trailerMark struct {
	name string
	n    int
}

var writerPool = sync.Pool{New: func() any { return new(errorWriter) }}

func (h *Handler) getWriter(w http.ResponseWriter) *errorWriter {
	ew := writerPool.Get().(*errorWriter)
	ew.ResponseWriter, ew.h = w, h
	ew.server = w.Header()["Server"]
	return ew
}

func putWriter(ew *errorWriter) {
	if ew.buf != nil {
		putBuffer(ew.buf)
	}
	*ew = errorWriter{}
	writerPool.Put(ew)
}

func (ew *errorWriter) WriteHeader(code int) {
	if ew.state != stateNone {
		return
	}
	if code >= 100 && code <= 199 {
		ew.ResponseWriter.WriteHeader(code)
		if code == http.StatusSwitchingProtocols {
			ew.state = stateStream
		}
		return
	}
	if ew.mark.rendered {
		// An error_pages handler inside this one rendered it.
		ew.state = stateStream
		ew.ResponseWriter.WriteHeader(code)
		return
	}
	hdr := ew.ResponseWriter.Header()
	passthrough := false
	if v, ok := hdr[ew.h.passName]; ok {
		passthrough = ew.h.PassthroughValue == "*" || (len(v) > 0 && equalFold(v[0], ew.h.PassthroughValue))
		if passthrough {
			delete(hdr, ew.h.passName)
		}
	}
	// sources without upstream: upstream responses stream untouched.
	if !passthrough && !ew.h.noUpstream && ew.h.statuses.Has(code) {
		ew.state = stateIntercept
		ew.status = code
		if announced, ok := hdr["Trailer"]; ok {
			ew.markTrailers(hdr, announced)
		}
		return
	}
	ew.state = stateStream
	ew.ResponseWriter.WriteHeader(code)
}

func (ew *errorWriter) Write(p []byte) (int, error) {
	if ew.state == stateNone {
		ew.WriteHeader(http.StatusOK)
	}
	if ew.state == stateStream {
		return ew.ResponseWriter.Write(p)
	}
	if ew.buf == nil {
		ew.buf = getBuffer()
	}
	room := int(ew.h.MaxBody) - ew.buf.Len()
	if len(p) <= room {
		return ew.buf.Write(p)
	}
	ew.buf.Write(p[:room])
	ew.truncated = true
	return room, errBodyLimit
}

// markTrailers notes, for each announced trailer, how many values its
// name has before the body is written. reverse_proxy copies the upstream's
// trailers into the header map after the body (RFC 9110 §6.5.1: they are
// never to be merged into the header section).
func (ew *errorWriter) markTrailers(hdr http.Header, announced []string) {
	for _, v := range announced {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				name = http.CanonicalHeaderKey(name)
				ew.trailers = append(ew.trailers, trailerMark{name, len(hdr[name])})
			}
		}
	}
}

// dropTrailers removes the trailers of the held-back response from the
// header map: announced ones (values added after markTrailers) and
// unannounced ones (http.TrailerPrefix keys). Headers the upstream sent
// as headers stay.
func (ew *errorWriter) dropTrailers(hdr http.Header) {
	for _, m := range ew.trailers {
		switch v := hdr[m.name]; {
		case m.n == 0:
			delete(hdr, m.name)
		case len(v) > m.n:
			hdr[m.name] = v[:m.n:m.n]
		}
	}
	for k := range hdr {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			delete(hdr, k)
		}
	}
}

// ReadFrom keeps sendfile and friends on the pass-through path.
func (ew *errorWriter) ReadFrom(r io.Reader) (int64, error) {
	if ew.state == stateNone {
		ew.WriteHeader(http.StatusOK)
	}
	if ew.state == stateStream {
		if rf, ok := ew.ResponseWriter.(io.ReaderFrom); ok {
			return rf.ReadFrom(r)
		}
		return io.Copy(ew.ResponseWriter, r)
	}
	if ew.buf == nil {
		ew.buf = getBuffer()
	}
	room := ew.h.MaxBody - int64(ew.buf.Len())
	n, err := ew.buf.ReadFrom(io.LimitReader(r, room))
	if err != nil {
		return n, err
	}
	var probe [1]byte
	if m, _ := r.Read(probe[:]); m > 0 {
		ew.truncated = true
		return n, errBodyLimit
	}
	return n, nil
}

// FlushError flushes a streamed response; a held-back one has nothing to
// flush yet.
func (ew *errorWriter) FlushError() error {
	if ew.state == stateNone {
		ew.WriteHeader(http.StatusOK)
	}
	if ew.state == stateIntercept {
		return nil
	}
	return http.NewResponseController(ew.ResponseWriter).Flush()
}

// Flush implements http.Flusher for handlers that type-assert it.
func (ew *errorWriter) Flush() { _ = ew.FlushError() }

// Hijack hands the connection over, e.g. for WebSocket upgrades.
func (ew *errorWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if ew.state == stateIntercept {
		return nil, nil, errors.New("error_pages: cannot hijack an error response being rewritten")
	}
	conn, brw, err := http.NewResponseController(ew.ResponseWriter).Hijack()
	if err == nil {
		ew.state = stateStream
	}
	return conn, brw, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (ew *errorWriter) Unwrap() http.ResponseWriter { return ew.ResponseWriter }

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Interface guards
var (
	_ http.ResponseWriter = (*errorWriter)(nil)
	_ http.Flusher        = (*errorWriter)(nil)
	_ http.Hijacker       = (*errorWriter)(nil)
	_ io.ReaderFrom       = (*errorWriter)(nil)
)
