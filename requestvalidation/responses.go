package requestvalidation

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/errorpages/caddy-errorpages/errorpages"
	"github.com/errorpages/caddy-errorpages/validation"
)

// forward passes a request request_validation let through on to next,
// checking the answer when the operation's responses are checked.
// Sampling is decided here, before any wrapping: a request sampled out
// costs one random number.
func (h *Handler) forward(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, op *validation.Operation, st *opState) error {
	if st == nil || st.resp == nil || st.resp.mode == respOff || !op.HasResponses() {
		return next.ServeHTTP(w, r)
	}
	rs := st.resp
	if r.Method == http.MethodHead {
		h.countResponse(rs, op.ID, respSkipped)
		return next.ServeHTTP(w, r)
	}
	if rs.mode == respReport && h.respSample < 1 && rand.Float64() >= h.respSample {
		h.countResponse(rs, op.ID, respSampledOut)
		return next.ServeHTTP(w, r)
	}
	rw := respWriterPool.Get().(*respWriter)
	rw.ResponseWriter, rw.h, rw.r, rw.op, rw.rs = w, h, r, op, rs
	if rs.mode == respEnforce {
		// What the headers were before the upstream answered: a replaced
		// answer keeps none of the upstream's.
		rw.before = w.Header().Clone()
	}
	defer rw.release()
	err := next.ServeHTTP(rw, r)
	return rw.finish(err)
}

// The states of a respWriter.
const (
	rwPending   = iota // nothing written yet
	rwPassing          // decided: written through to the client
	rwBuffering        // status held, body collected up to max_body
	rwDropping         // enforce: a violation, the rest is discarded
)

// respWriter holds an upstream's answer until it is checked: the status
// and headers are held, a body up to max_body is collected in a pooled
// buffer, then checked and written out unchanged or (enforce) replaced.
// Past max_body, what was collected is written and the rest streams
// through. Unlike caddyhttp.ResponseRecorder, whose buffer grows with
// the body, its memory is bounded by max_body whatever the upstream
// sends. Headers are the underlying writer's (trailers keep working);
// enforce mode keeps a copy of them as they were before the upstream
// answered, to put back when the answer is replaced.
type respWriter struct {
	caddyhttp.ResponseWriterWrapper
	h      *Handler
	r      *http.Request
	op     *validation.Operation
	rs     *respState
	before http.Header
	state  uint8
	// counted: the response has its metric result (exactly one).
	counted  bool
	hijacked bool
	status   int
	bc       *validation.BodyCheck
	buf      *[]byte // the pooled body buffer while buffering
	n        int
	// violation is the problems of an answer enforce mode replaces.
	violation *validation.Result
}

var respWriterPool = sync.Pool{New: func() any { return new(respWriter) }}

func (rw *respWriter) release() {
	putBuf(rw.buf)
	if rw.hijacked {
		return // the connection may outlive the handler: not reused
	}
	*rw = respWriter{}
	respWriterPool.Put(rw)
}

func (rw *respWriter) count(result int) {
	if !rw.counted {
		rw.counted = true
		rw.h.countResponse(rw.rs, rw.op.ID, result)
	}
}

// pass writes the status through and lets the rest follow.
func (rw *respWriter) pass(status int) {
	rw.state = rwPassing
	rw.ResponseWriter.WriteHeader(status)
}

func (rw *respWriter) WriteHeader(status int) {
	if rw.state != rwPending {
		return
	}
	hdr := rw.ResponseWriter.Header()
	switch {
	case status >= 100 && status <= 199 && status != http.StatusSwitchingProtocols:
		rw.ResponseWriter.WriteHeader(status) // informational: not the answer
		return
	case status == http.StatusSwitchingProtocols, status == http.StatusNotModified, isEventStream(hdr.Get("Content-Type")):
		rw.count(respSkipped)
		rw.pass(status)
		return
	}
	res, bc := rw.op.CheckResponseHead(status, hdr, rw.h.MaxProblems)
	switch {
	case res != nil:
		rw.violate(status, res)
		if rw.state == rwDropping {
			return
		}
		rw.pass(status)
	case bc == nil:
		rw.count(respValid)
		rw.pass(status)
	default:
		if cl := hdr.Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n > int64(rw.h.respMax) {
				rw.count(respSkipped) // too large to hold: not read at all
				rw.pass(status)
				return
			}
		}
		rw.state, rw.status, rw.bc = rwBuffering, status, bc
	}
}

// violate counts and logs a violating answer; enforce mode drops it.
func (rw *respWriter) violate(status int, res *validation.Result) {
	rw.count(respInvalid)
	enforce := rw.rs.mode == respEnforce
	rw.h.logResponse(rw.r, rw.op.ID, status, enforce, res)
	if enforce {
		rw.state, rw.violation = rwDropping, res
	}
}

func isEventStream(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(base), "text/event-stream")
}

func (rw *respWriter) Write(p []byte) (int, error) {
	if rw.state == rwPending {
		rw.WriteHeader(http.StatusOK)
	}
	switch rw.state {
	case rwPassing:
		return rw.ResponseWriter.Write(p)
	case rwDropping:
		return len(p), nil // read to the end, never sent
	}
	if rw.n+len(p) > rw.h.respMax {
		// Past max_body: what was held goes out, the rest streams.
		rw.count(respSkipped)
		if err := rw.spill(); err != nil {
			return 0, err
		}
		return rw.ResponseWriter.Write(p)
	}
	if rw.buf == nil || rw.n+len(p) > len(*rw.buf) {
		size := max(4<<10, 2*(rw.n+len(p)))
		if cl, err := strconv.Atoi(rw.ResponseWriter.Header().Get("Content-Length")); err == nil && cl >= rw.n+len(p) {
			size = cl // the declared length, at most max_body
		}
		bigger := getBuf(min(size, rw.h.respMax))
		*bigger = (*bigger)[:cap(*bigger)]
		if rw.buf != nil {
			copy(*bigger, (*rw.buf)[:rw.n])
			putBuf(rw.buf)
		}
		rw.buf = bigger
	}
	rw.n += copy((*rw.buf)[rw.n:], p)
	return len(p), nil
}

// spill writes the held status and body and passes the rest through.
func (rw *respWriter) spill() error {
	rw.pass(rw.status)
	var err error
	if rw.n > 0 {
		_, err = rw.ResponseWriter.Write((*rw.buf)[:rw.n])
	}
	putBuf(rw.buf)
	rw.buf, rw.n = nil, 0
	return err
}

// ReadFrom copies through Write while the answer is held.
func (rw *respWriter) ReadFrom(src io.Reader) (int64, error) {
	if rw.state == rwPending {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.state == rwPassing {
		return rw.ResponseWriterWrapper.ReadFrom(src)
	}
	return io.Copy(writeOnly{rw}, src)
}

type writeOnly struct{ io.Writer }

// FlushError flushes an answer that is passing through; a held one is
// not flushed (its end decides).
func (rw *respWriter) FlushError() error {
	if rw.state == rwPending {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.state != rwPassing {
		return nil
	}
	//nolint:bodyclose
	return http.NewResponseController(rw.ResponseWriter).Flush()
}

// Hijack hands the connection over (an upgrade): the answer is not
// checked.
func (rw *respWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if rw.state != rwPending && rw.state != rwPassing {
		return nil, nil, fmt.Errorf("request_validation: the response is held for its check; it cannot be hijacked")
	}
	rw.count(respSkipped)
	rw.state, rw.hijacked = rwPassing, true
	//nolint:bodyclose
	return http.NewResponseController(rw.ResponseWriter).Hijack()
}

// finish decides a held answer once the upstream is done with it.
func (rw *respWriter) finish(err error) error {
	switch rw.state {
	case rwPending:
		rw.count(respSkipped) // nothing written: an error, or an empty 200 Go will send
		return err
	case rwDropping:
		return rw.replace(err)
	case rwPassing:
		return err
	}
	// Buffering: the whole body is here.
	if err != nil {
		rw.count(respSkipped)
		if serr := rw.spill(); serr != nil {
			return serr
		}
		return err
	}
	var body []byte
	if rw.buf != nil {
		body = (*rw.buf)[:rw.n]
	}
	if ce := rw.ResponseWriter.Header().Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		decoded, truncated, ok := errorpages.Decode(body, ce, rw.h.respMax)
		if !ok || truncated {
			rw.count(respSkipped) // an unknown coding, or larger than max_body decoded
			return rw.spill()
		}
		body = decoded
	}
	if res := rw.bc.Check(body, rw.h.MaxProblems); res != nil {
		rw.violate(rw.status, res)
		if rw.state == rwDropping {
			return rw.replace(nil)
		}
	} else {
		rw.count(respValid)
	}
	return rw.spill()
}

// replace answers a violating response with the 502 error_pages renders:
// the upstream's headers are put back as they were before it answered,
// its body is dropped, and the problems are in the log only.
func (rw *respWriter) replace(err error) error {
	hdr := rw.ResponseWriter.Header()
	clear(hdr)
	for k, v := range rw.before {
		hdr[k] = v
	}
	if err != nil {
		return err // the upstream failed anyway: its error stands
	}
	return caddyhttp.Error(http.StatusBadGateway, &errorpages.Problems{
		Type:    errorpages.TypeUpstreamContractViolation,
		Message: "The upstream's response does not match the API description.",
	})
}

// logResponse writes the one line a violating response gets: operation,
// status, request ID, problem codes and pointers, never values.
func (h *Handler) logResponse(r *http.Request, opID string, status int, enforce bool, res *validation.Result) {
	msg := "response violates the API description (report mode: passed)"
	if enforce {
		msg = "response violates the API description (enforce mode: answered 502)"
	}
	if c := h.logger.Check(zap.WarnLevel, msg); c != nil {
		fields := append([]zap.Field{
			zap.String("operation", opID),
			zap.String("request_id", requestID(r)),
			zap.String("method", r.Method),
			zap.Int("status", status),
			zap.String("result", resultInvalid),
		}, problemFields(res)...)
		c.Write(fields...)
	}
}

// Interface guards
var (
	_ http.ResponseWriter = (*respWriter)(nil)
	_ http.Hijacker       = (*respWriter)(nil)
	_ io.ReaderFrom       = (*respWriter)(nil)
)
