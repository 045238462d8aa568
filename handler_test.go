package caddyerrorpages

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func upstreamReply(code int, ctype, body string) caddyhttp.Handler {
	return caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(code)
		_, err := io.WriteString(w, body)
		return err
	})
}

// staticError fails the way Caddy's `error "<message>" <code>` does: its
// trace names StaticError.ServeHTTP.
func staticError(code int, msg string) caddyhttp.Handler {
	return caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		he := caddyhttp.Error(code, errors.New(msg))
		he.Trace = "caddyhttp.StaticError.ServeHTTP (staticerror.go:118)"
		return he
	})
}

func goError(code int, msg string) caddyhttp.Handler {
	return caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return caddyhttp.Error(code, errors.New(msg))
	})
}

func serveJSON(t *testing.T, h *Handler, next caddyhttp.Handler, rid string) (int, envelope, http.Header) {
	t.Helper()
	r, w := preparedRequest("application/json")
	if rid != "" {
		r.Header.Set("X-Request-ID", rid)
	}
	rec := &recordingWriter{discardWriter: discardWriter{h: http.Header{}}}
	if err := h.ServeHTTP(rec, r, next); err != nil {
		t.Fatalf("ServeHTTP: %v", err)
	}
	_ = w
	var e envelope
	if err := json.Unmarshal([]byte(rec.body.String()), &e); err != nil {
		t.Fatalf("not JSON: %q", rec.body.String())
	}
	return rec.status, e, rec.h
}

type recordingWriter struct {
	discardWriter
	body strings.Builder
}

func (r *recordingWriter) Write(p []byte) (int, error) { return r.body.Write(p) }

func TestDetailsPolicy(t *testing.T) {
	const upstream5xx = `{"message":"upstream is restarting"}`
	rows := []struct {
		name    string
		details string
		next    caddyhttp.Handler
		code    int
		want    string // "" = the standard description
	}{
		{"auto shows upstream 4xx text", "auto", upstreamReply(409, "application/json", `{"message":"already exists"}`), 409, "already exists"},
		{"auto hides upstream 5xx text", "auto", upstreamReply(503, "application/json", upstream5xx), 503, ""},
		{"always shows upstream 5xx text", "always", upstreamReply(503, "application/json", upstream5xx), 503, "upstream is restarting"},
		{"never hides upstream 4xx text", "never", upstreamReply(409, "application/json", `{"message":"already exists"}`), 409, ""},
		{"auto shows the error directive's 4xx message", "auto", staticError(410, "Gone for good"), 410, "Gone for good"},
		{"auto hides the error directive's 5xx message", "auto", staticError(500, "maintenance until 5"), 500, ""},
		{"always shows the error directive's 5xx message", "always", staticError(503, "Back at noon"), 503, "Back at noon"},
		{"never hides the error directive's message", "never", staticError(410, "Gone for good"), 410, ""},
		{"a Go error string is never shown, even under always", "always", goError(502, "dial tcp 127.0.0.1:9: connect: connection refused"), 502, ""},
		{"a Go error string is never shown for 4xx", "always", goError(404, "open /srv/www/x: no such file or directory"), 404, ""},
		{"traces stay hidden under always", "always", upstreamReply(500, "text/plain", "panic: boom\n\ngoroutine 1 [running]:"), 500, ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			h := provisioned(t, &Handler{Details: row.details})
			code, e, _ := serveJSON(t, h, row.next, "")
			want := row.want
			if want == "" {
				want = descriptionOf(row.code)
			}
			if code != row.code || e.Error.Details != want {
				t.Errorf("got %d %q, want %d %q", code, e.Error.Details, row.code, want)
			}
		})
	}
}

func TestLogLines(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	h := provisioned(t, &Handler{})
	h.logger = zap.New(core)

	_, e, hdr := serveJSON(t, h, upstreamReply(400, "application/json", `{"message":"bad email","secret":"x"}`), "log-rid-1")
	if e.Error.RequestID != "log-rid-1" || hdr.Get("X-Request-ID") != "log-rid-1" {
		t.Fatalf("request id body %q header %q", e.Error.RequestID, hdr.Get("X-Request-ID"))
	}
	serveJSON(t, h, goError(502, "dial tcp 10.0.0.7:8080: connect: connection refused"), "log-rid-2")
	serveJSON(t, h, upstreamReply(500, "text/plain", "Traceback (most recent call last): x"), "log-rid-3")

	entries := logs.All()
	if len(entries) != 3 {
		t.Fatalf("want one line per rewrite, got %d: %v", len(entries), entries)
	}
	want := []struct {
		level  zapcore.Level
		source string
		rid    string
		status int64
	}{
		{zapcore.DebugLevel, "upstream", "log-rid-1", 400},
		{zapcore.ErrorLevel, "local", "log-rid-2", 502},
		{zapcore.DebugLevel, "upstream", "log-rid-3", 500},
	}
	for i, w := range want {
		ctx := entries[i].ContextMap()
		if entries[i].Level != w.level || ctx["source"] != w.source || ctx["request_id"] != w.rid || ctx["status"] != w.status || ctx["format"] != "json" {
			t.Errorf("line %d: level %s fields %v", i, entries[i].Level, ctx)
		}
	}
	if ctx := entries[1].ContextMap(); !strings.Contains(ctx["error"].(string), "connection refused") {
		t.Errorf("the local 5xx line should carry the internal error: %v", ctx)
	}
	if ctx := entries[0].ContextMap(); ctx["upstream_content_type"] != "application/json" {
		t.Errorf("upstream content type missing: %v", ctx)
	}
	// The withheld 5xx body is logged (DEBUG is on here), truncated.
	if ctx := entries[2].ContextMap(); !strings.Contains(ctx["dropped"].(string), "Traceback") {
		t.Errorf("withheld body not logged: %v", ctx)
	}
}

// With DEBUG off, what was withheld never reaches the log.
func TestWithheldNotLoggedAboveDebug(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	h := provisioned(t, &Handler{})
	h.logger = zap.New(core)
	serveJSON(t, h, upstreamReply(500, "application/json", `{"message":"password=hunter2"}`), "")
	for _, e := range logs.All() {
		for k, v := range e.ContextMap() {
			if s, ok := v.(string); ok && strings.Contains(s, "hunter2") {
				t.Errorf("INFO line carries the withheld body in %s", k)
			}
		}
	}
	if logs.Len() != 0 {
		t.Errorf("upstream rewrites log at DEBUG only; got %d lines at INFO", logs.Len())
	}
}

// http.ResponseController features reach the real writer through
// error_pages (Unwrap, FlushError, Hijack).
func TestResponseControllerReachesRealWriter(t *testing.T) {
	h := provisioned(t, &Handler{})
	errs := make(chan error, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, &caddyhttp.Server{})
		h.ServeHTTP(w, r, caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			rc := http.NewResponseController(w)
			errs <- rc.SetWriteDeadline(time.Now().Add(time.Minute))
			errs <- rc.EnableFullDuplex()
			w.WriteHeader(http.StatusOK)
			errs <- rc.Flush()
			_, _, err := rc.Hijack()
			errs <- err
			return nil
		}))
	}))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err == nil {
		res.Body.Close()
	}
	for _, name := range []string{"SetWriteDeadline", "EnableFullDuplex", "Flush", "Hijack"} {
		if err := <-errs; err != nil {
			t.Errorf("%s through error_pages: %v", name, err)
		}
	}
}

// The FastAPI example in the docs (docs/upstream.md) is what the module
// produces.
func TestReadmeFastAPIExample(t *testing.T) {
	h := provisioned(t, &Handler{})
	body := `{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address: An email address must have an @-sign.","input":"x"},{"type":"missing","loc":["body","age"],"msg":"Field required","input":{}}]}`
	r, _ := preparedRequest("application/json")
	r.Header.Set("X-Request-ID", "rid")
	rec := &recordingWriter{discardWriter: discardWriter{h: http.Header{}}}
	h.ServeHTTP(rec, r, upstreamReply(422, "application/json", body))
	want := `{"error":{"code":422,"type":"validation_failed","message":"Unprocessable Entity","details":"Some of what you sent isn't valid. Correct the highlighted problems and try again.","fields":[{"field":"email","message":"value is not a valid email address: An email address must have an @-sign.","pointer":"/body/email","code":"value_error"},{"field":"age","message":"Field required","pointer":"/body/age","code":"missing"}],"request_id":"rid"}}`
	if got := rec.body.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	doc, err := os.ReadFile("docs/upstream.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), strings.Replace(want, `"rid"`, `"…"`, 1)) {
		t.Error("docs/upstream.md's FastAPI example is out of date")
	}
}

// Handlers that io.Copy their error body use the writer's ReadFrom: the
// body is captured up to max_body there too, and the rest refused.
func TestReadFromIntercept(t *testing.T) {
	copyReply := func(code int, body string) caddyhttp.Handler {
		return caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_, err := io.Copy(w, strings.NewReader(body))
			return err
		})
	}
	h := provisioned(t, &Handler{MaxBody: 64})
	_, e, _ := serveJSON(t, h, copyReply(400, `{"message":"copied in"}`), "")
	if e.Error.Details != "copied in" {
		t.Errorf("ReadFrom capture: %+v", e.Error)
	}
	long := `{"message":"` + strings.Repeat("x", 200) + `"}`
	code, e, _ := serveJSON(t, h, copyReply(400, long), "")
	if code != 400 || e.Error.Details != descriptionOf(400) {
		t.Errorf("a body over max_body gives no details: %d %+v", code, e.Error)
	}
	// Pass-through responses still go to the real writer's ReadFrom.
	r, _ := preparedRequest("")
	rec := &recordingWriter{discardWriter: discardWriter{h: http.Header{}}}
	h.ServeHTTP(rec, r, copyReply(200, long))
	if rec.body.String() != long {
		t.Errorf("200 body changed: %d bytes", rec.body.Len())
	}
}
