package caddyerrorpages

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeUpstream is the API behind reverse_proxy in the integration tests.
type fakeUpstream struct {
	*httptest.Server
	sseRelease chan struct{}
	once       sync.Once
	// hugeRelease lets /huge go on past its first 2 MiB.
	hugeRelease chan struct{}
	hugeWritten chan int64
}

const validationBody = `{"message":"email is not a valid address","code":"validation_failed","errors":[{"field":"email","message":"Invalid email format"}]}`

func newFakeUpstream(t *testing.T) *fakeUpstream {
	u := &fakeUpstream{sseRelease: make(chan struct{}), hugeRelease: make(chan struct{}), hugeWritten: make(chan int64, 1)}
	mux := http.NewServeMux()
	// /status/{code}: a JSON validation error with that status.
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, validationBody)
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Set-Cookie", "session=abc; Path=/")
		h.Set("Access-Control-Allow-Origin", "https://app.example.com")
		h.Set("Www-Authenticate", `Bearer realm="api"`)
		h.Set("Retry-After", "120")
		h.Set("Allow", "GET, POST")
		h.Set("Location", "/elsewhere")
		h.Set("X-Custom", "kept")
		h.Set("Etag", `"v1"`)
		h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		h.Set("Content-Disposition", "attachment; filename=err.json")
		h.Set("Accept-Ranges", "bytes")
		h.Set("Content-Language", "en")
		h.Set("Vary", "Origin")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"message":"slow down"}`)
	})
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/notmodified", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Etag", `"abc"`)
		w.WriteHeader(http.StatusNotModified)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(bigBody())
	})
	mux.HandleFunc("/passthrough", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Error-Pages", "passthrough")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"raw":true}`)
	})
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		io.WriteString(zw, validationBody)
		zw.Close()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write(b.Bytes())
	})
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-u.sseRelease:
		case <-time.After(10 * time.Second):
		}
		io.WriteString(w, "data: second\n\n")
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "upgrade required", http.StatusUpgradeRequired)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, err := brw.ReadString('\n')
		if err != nil {
			return
		}
		brw.WriteString("echo: " + line)
		brw.Flush()
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		// A 64 MiB error body. After 2 MiB it waits until the test has its
		// answer: a module that read the whole body first would never answer.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		n, _ := io.WriteString(w, `{"message":"too big","padding":"`)
		written := int64(n)
		defer func() {
			select {
			case u.hugeWritten <- written:
			default: // only the first report is read
			}
		}()
		for i := 0; i < 1024; i++ {
			if i == 32 {
				w.(http.Flusher).Flush()
				select {
				case <-u.hugeRelease:
				case <-time.After(20 * time.Second):
				}
			}
			m, err := w.Write(chunk)
			written += int64(m)
			if err != nil {
				return
			}
		}
		io.WriteString(w, `"}`)
	})
	mux.HandleFunc("/raw/", func(w http.ResponseWriter, r *http.Request) {
		// /raw/…?code=&type=&body=: any status, content type and body.
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		if ct := r.URL.Query().Get("type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(code)
		io.WriteString(w, r.URL.Query().Get("body"))
	})
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		// Promises 1000 bytes, sends 20, then drops the connection.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"message":"partial`)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("/slowerr", func(w http.ResponseWriter, r *http.Request) {
		// An error body that trickles and never ends, until the peer leaves.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		for {
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		// forward_auth's auth service: deny with its own body.
		if r.Header.Get("Authorization") == "Bearer good" {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Www-Authenticate", `Bearer error="invalid_token"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid_token","error_description":"The access token expired"}`)
	})
	mux.HandleFunc("/trailers", func(w http.ResponseWriter, r *http.Request) {
		// A chunked 400 announcing trailers named like headers that matter.
		// Set-Cookie is also a real header, which must stay.
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Trailer", "Set-Cookie, Location")
		h.Set("Set-Cookie", "real=1; Path=/")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"message":"bad input"}`)
		w.(http.Flusher).Flush()
		h.Set("Set-Cookie", "from-trailer=1; Path=/")
		h.Set("Location", "https://evil.example/")
		if r.URL.Query().Has("unannounced") {
			h.Set(http.TrailerPrefix+"X-Unannounced", "from-trailer")
		}
	})
	mux.HandleFunc("/express", func(w http.ResponseWriter, r *http.Request) {
		// Express's default error handler, with the fingerprints of other
		// frameworks beside X-Powered-By.
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self' https://app.example.com")
		h.Set("Content-Security-Policy-Report-Only", "default-src 'none'; report-uri /csp")
		h.Set("X-Powered-By", "Express")
		h.Set("Server", "Werkzeug/2.2.2 Python/3.11.2")
		h.Set("X-AspNet-Version", "4.0.30319")
		h.Set("X-AspNetMvc-Version", "5.2")
		h.Set("X-Runtime", "0.012")
		h.Set("X-Debug-Token", "a1b2c3")
		h.Set("X-Debug-Token-Link", "https://api.internal/_profiler/a1b2c3")
		h.Set("X-Custom", "kept")
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<!DOCTYPE html><html><body><pre>Cannot GET "+html.EscapeString(r.URL.Path)+"</pre></body></html>")
	})
	u.Server = httptest.NewServer(mux)
	t.Cleanup(func() { u.release(); u.Server.Close() })
	return u
}

func (u *fakeUpstream) release() { u.once.Do(func() { close(u.sseRelease) }) }

func (u *fakeUpstream) addr() string { return strings.TrimPrefix(u.URL, "http://") }

var bigBodyOnce = sync.OnceValue(func() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(i*7 + i/256)
	}
	return b
})

func bigBody() []byte { return bigBodyOnce() }

// readSSE reads one server-sent event.
func readSSE(r *bufio.Reader) (string, error) {
	var out strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return out.String(), err
		}
		if line == "\n" {
			return out.String(), nil
		}
		out.WriteString(line)
	}
}

var _ = fmt.Sprintf
