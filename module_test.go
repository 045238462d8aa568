package caddyerrorpages

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

// startCaddy loads the Caddyfile cfg into the in-process Caddy that
// caddytest runs, on this run's ports (see ports).
func startCaddy(t *testing.T, cfg string) *caddytest.Tester {
	t.Helper()
	return startCaddyAs(t, cfg, "caddyfile")
}

// startCaddyAs is startCaddy for a config of any type ("json", an
// adapter's name).
func startCaddyAs(t *testing.T, cfg, typ string) *caddytest.Tester {
	t.Helper()
	tester := caddytest.NewTester(t)
	tester.Client.Transport = ports.Transport()
	tester.InitServer(ports.Config(cfg), typ)
	if t.Failed() {
		t.FailNow()
	}
	return tester
}

const globalOptions = `{
	skip_install_trust
	admin localhost:2999
	http_port 9080
	https_port 9443
	grace_period 1ns
	metrics
}
`

// siteConfig is the Caddyfile shared by the integration tests.
func siteConfig(up *fakeUpstream, root string) string {
	return globalOptions + fmt.Sprintf(`
http://localhost:9080 {
	error_pages {
		docs https://docs.example.com/errors/{code}
	}
	handle_path /up/* {
		reverse_proxy %[1]s
	}
	handle_path /static/* {
		root * %[2]s
		file_server
	}
	handle /down {
		reverse_proxy 127.0.0.1:1
	}
	handle_path /limited/* {
		request_body {
			max_size 10
		}
		reverse_proxy %[1]s
	}
	handle /admin {
		basic_auth {
			demo $2a$14$vCF60G7mdcr.2myMO3Z6u.c6yRLaHEHQO5C7C/8tgk0/G1j2/hR/K
		}
		respond "admin area"
	}
	handle /fa/* {
		forward_auth %[1]s {
			uri /auth
		}
		respond "protected"
	}
	handle_path /enc/* {
		encode {
			gzip
			minimum_length 1
		}
		reverse_proxy %[1]s
	}
	handle /conflict {
		error "This item is out of stock." 409
	}
	handle /internal {
		error "connect to database at 10.1.2.3:5432 failed: password authentication failed" 500
	}
	handle /plain-internal-4xx {
		error "open /srv/www/secret.txt:12: permission denied" 403
	}
	handle {
		respond "home" 200
	}
}

http://narrow.localhost:9080 {
	error_pages {
		status 5xx
	}
	handle /local404 {
		error 404
	}
	reverse_proxy %[1]s
}

http://keep.localhost:9080 {
	error_pages {
		upstream_json keep
		request_id_header X-Trace
	}
	reverse_proxy %[1]s
}
`, up.addr(), root)
}

type resp struct {
	*http.Response
	body []byte
}

func get(t *testing.T, tester *caddytest.Tester, method, url string, hdr ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	// Keep Go's transport from adding Accept-Encoding and decoding for us.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	res, err := tester.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp{res, body}
}

type envelope struct {
	Error struct {
		Code      int    `json:"code"`
		Type      string `json:"type"`
		Message   string `json:"message"`
		Details   string `json:"details"`
		Fields    []struct{ Field, Message string }
		RequestID string `json:"request_id"`
		Docs      string `json:"docs"`
	} `json:"error"`
}

func decodeEnvelope(t *testing.T, b []byte) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("body is not the JSON envelope: %v\n%s", err, b)
	}
	return e
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestIntegration(t *testing.T) {
	up := newFakeUpstream(t)
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "index.txt"), []byte("static file"), 0o644)
	tester := startCaddy(t, siteConfig(up, root))
	base := "http://localhost:9080"

	t.Run("upstream errors rewritten per Accept", func(t *testing.T) {
		type check func(t *testing.T, code int, r resp)
		isJSON := func(t *testing.T, code int, r resp) {
			e := decodeEnvelope(t, r.body)
			if e.Error.Code != code || e.Error.Message != http.StatusText(code) {
				t.Errorf("envelope code/message = %d %q", e.Error.Code, e.Error.Message)
			}
			if e.Error.Docs != fmt.Sprintf("https://docs.example.com/errors/%d", code) {
				t.Errorf("docs = %q", e.Error.Docs)
			}
			if code < 500 && (e.Error.Details != "email is not a valid address" || len(e.Error.Fields) != 1) {
				t.Errorf("4xx should show upstream details and fields: %s", r.body)
			}
			if code >= 500 && (strings.Contains(string(r.body), "email") || e.Error.Type != "internal_server_error" && e.Error.Type != "service_unavailable") {
				t.Errorf("5xx must hide upstream details: %s", r.body)
			}
		}
		isHTML := func(t *testing.T, code int, r resp) {
			s := string(r.body)
			if !strings.HasPrefix(s, "<!doctype html>") || !strings.Contains(s, fmt.Sprintf("<title>%d %s", code, http.StatusText(code))) {
				t.Errorf("not the HTML page: %.200s", s)
			}
		}
		isProblem := func(t *testing.T, code int, r resp) {
			var p map[string]any
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatalf("problem body: %v", err)
			}
			if p["status"] != float64(code) || p["title"] != http.StatusText(code) || p["instance"] != fmt.Sprintf("/up/status/%d", code) {
				t.Errorf("problem = %v", p)
			}
		}
		isText := func(t *testing.T, code int, r resp) {
			if first, _, _ := strings.Cut(string(r.body), "\n"); first != fmt.Sprintf("%d %s", code, http.StatusText(code)) {
				t.Errorf("text first line = %q", first)
			}
			if !strings.Contains(string(r.body), "Request ID: ") {
				t.Errorf("text has no request ID: %q", r.body)
			}
		}
		isXML := func(t *testing.T, code int, r resp) {
			var x struct {
				XMLName xml.Name `xml:"error"`
				Code    int      `xml:"code"`
			}
			if err := xml.Unmarshal(r.body, &x); err != nil || x.Code != code {
				t.Errorf("xml: %v %d\n%s", err, x.Code, r.body)
			}
		}
		rows := []struct {
			name, accept, ctype string
			check               check
		}{
			{"browser Accept renders HTML", browserAccept, "text/html; charset=utf-8", isHTML},
			{"application/json gets the envelope", "application/json", "application/json", isJSON},
			{"axios Accept gets json", "application/json, text/plain, */*", "application/json", isJSON},
			{"problem+json gets RFC 9457", "application/problem+json", "application/problem+json", isProblem},
			{"text/plain gets text", "text/plain", "text/plain; charset=utf-8", isText},
			{"application/xml gets xml", "application/xml", "application/xml; charset=utf-8", isXML},
			{"absent Accept gets the default", "", "application/json", isJSON},
			{"*/* gets the default", "*/*", "application/json", isJSON},
			{"image/png gets the default, not 406", "image/png", "application/json", isJSON},
		}
		for _, code := range []int{400, 401, 404, 429, 500, 503} {
			for _, row := range rows {
				t.Run(fmt.Sprintf("%d %s", code, row.name), func(t *testing.T) {
					hdr := []string{}
					if row.accept != "" {
						hdr = append(hdr, "Accept", row.accept)
					}
					r := get(t, tester, "GET", fmt.Sprintf("%s/up/status/%d", base, code), hdr...)
					if r.StatusCode != code {
						t.Fatalf("status = %d, want %d", r.StatusCode, code)
					}
					if ct := r.Header.Get("Content-Type"); ct != row.ctype {
						t.Errorf("Content-Type = %q, want %q", ct, row.ctype)
					}
					// html and text are localized by default: they vary by
					// Accept-Language too.
					wantVary := "Accept"
					if strings.HasPrefix(row.ctype, "text/") {
						wantVary = "Accept, Accept-Language"
					}
					if r.Header.Get("Vary") != wantVary || r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" {
						t.Errorf("headers = %v", r.Header)
					}
					if cl := r.Header.Get("Content-Length"); cl != fmt.Sprint(len(r.body)) {
						t.Errorf("Content-Length %s for %d bytes", cl, len(r.body))
					}
					row.check(t, code, r)
				})
			}
		}
	})

	t.Run("q-value edge cases through the server", func(t *testing.T) {
		for _, row := range []struct{ accept, ctype string }{
			{"text/html;q=0.5, application/json;q=0.9", "application/json"},
			{"application/json;q=0, text/html", "text/html; charset=utf-8"},
			{"application/json;q=0", "application/json"}, // nothing acceptable: default_format, never 406
			{"text/*", "text/html; charset=utf-8"},
			{"text/*, text/plain;q=1", "text/plain; charset=utf-8"},
			{"application/vnd.api+json", "application/json"},
			{"application/xml;q=abc, text/plain;q=0.1", "text/plain; charset=utf-8"},
			{"application/xml;q=2, text/plain;q=0.1", "text/plain; charset=utf-8"},
			{"TEXT/PLAIN", "text/plain; charset=utf-8"},
			{",,;;garbage,,", "application/json"},
			{"image/png, */*;q=0.1", "application/json"},
			{"*/*;q=0", "application/json"},
		} {
			r := get(t, tester, "GET", base+"/up/status/400", "Accept", row.accept)
			if r.StatusCode != 400 || r.Header.Get("Content-Type") != row.ctype {
				t.Errorf("Accept %q: %d %q, want 400 %q", row.accept, r.StatusCode, r.Header.Get("Content-Type"), row.ctype)
			}
		}
	})

	t.Run("successful responses pass through byte for byte", func(t *testing.T) {
		r := get(t, tester, "GET", base+"/up/ok", "Accept", "text/html")
		if r.StatusCode != 200 || string(r.body) != `{"ok":true}` || r.Header.Get("Vary") != "" {
			t.Errorf("200: %d %q %v", r.StatusCode, r.body, r.Header)
		}
		r = get(t, tester, "GET", base+"/up/nocontent")
		if r.StatusCode != 204 || len(r.body) != 0 {
			t.Errorf("204: %d %q", r.StatusCode, r.body)
		}
		r = get(t, tester, "GET", base+"/up/notmodified")
		if r.StatusCode != 304 || len(r.body) != 0 || r.Header.Get("Etag") != `"abc"` {
			t.Errorf("304: %d %q %v", r.StatusCode, r.body, r.Header)
		}
		r = get(t, tester, "GET", base+"/up/big")
		if r.StatusCode != 200 || !bytes.Equal(r.body, bigBody()) {
			t.Errorf("1 MiB body changed: %d, %d bytes", r.StatusCode, len(r.body))
		}
		r = get(t, tester, "GET", base+"/static/index.txt")
		if r.StatusCode != 200 || string(r.body) != "static file" {
			t.Errorf("file_server 200: %d %q", r.StatusCode, r.body)
		}
	})

	t.Run("server-sent events arrive before the upstream finishes", func(t *testing.T) {
		req, _ := http.NewRequest("GET", base+"/up/sse", nil)
		res, err := tester.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		got := make(chan string, 1)
		go func() {
			ev, _ := readSSE(bufio.NewReader(res.Body))
			got <- ev
		}()
		select {
		case ev := <-got:
			if ev != "data: first\n" {
				t.Errorf("first event = %q", ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the first event did not arrive while the upstream held the stream open")
		}
		up.release()
	})

	t.Run("an upgraded connection works through it", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", ports.URL("127.0.0.1:9080"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprint(conn, "GET /up/ws HTTP/1.1\r\nHost: localhost:9080\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("status = %d", res.StatusCode)
		}
		fmt.Fprint(conn, "hello\n")
		line, err := br.ReadString('\n')
		if err != nil || line != "echo: hello\n" {
			t.Errorf("echo = %q, %v", line, err)
		}
	})

	t.Run("local errors", func(t *testing.T) {
		rows := []struct {
			name, method, path string
			hdr                []string
			code               int
			details            string // "" means the standard description
			mustNotContain     string
		}{
			{"error directive message written for clients", "GET", "/conflict", nil, 409, "This item is out of stock.", ""},
			{"error directive 5xx message stays hidden", "GET", "/internal", nil, 500, "", "10.1.2.3"},
			{"file path in a 4xx message is never shown", "GET", "/plain-internal-4xx", nil, 403, "", "/srv/www"},
			{"file_server 404", "GET", "/static/missing.txt", nil, 404, "", root},
			{"reverse_proxy 502 when the upstream is down", "GET", "/down", nil, 502, "", "dial"},
			{"basic_auth 401", "GET", "/admin", nil, 401, "", ""},
			{"forward_auth denial", "GET", "/fa/x", nil, 401, "The access token expired", ""},
		}
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				r := get(t, tester, row.method, base+row.path, append([]string{"Accept", "application/json"}, row.hdr...)...)
				if r.StatusCode != row.code {
					t.Fatalf("status = %d, want %d: %s", r.StatusCode, row.code, r.body)
				}
				e := decodeEnvelope(t, r.body)
				want := row.details
				if want == "" {
					want = descriptionOf(row.code)
				}
				if e.Error.Details != want {
					t.Errorf("details = %q, want %q", e.Error.Details, want)
				}
				if row.mustNotContain != "" && strings.Contains(string(r.body), row.mustNotContain) {
					t.Errorf("body leaks %q: %s", row.mustNotContain, r.body)
				}
				if !uuidRE.MatchString(e.Error.RequestID) || r.Header.Get("X-Request-Id") != e.Error.RequestID {
					t.Errorf("request id %q / header %q", e.Error.RequestID, r.Header.Get("X-Request-Id"))
				}
			})
		}
		t.Run("request_body 413", func(t *testing.T) {
			req, _ := http.NewRequest("POST", base+"/limited/status/200", strings.NewReader(strings.Repeat("a", 1000)))
			req.Header.Set("Accept", "text/plain")
			res, err := tester.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 413 || !strings.HasPrefix(string(b), "413 Request Entity Too Large\n") {
				t.Errorf("413: %d %q", res.StatusCode, b)
			}
		})
		t.Run("basic_auth keeps WWW-Authenticate", func(t *testing.T) {
			r := get(t, tester, "GET", base+"/admin", "Accept", browserAccept)
			if r.Header.Get("Www-Authenticate") == "" || !strings.Contains(string(r.body), "<title>401 Unauthorized") {
				t.Errorf("401 page: %v %.100s", r.Header, r.body)
			}
		})
		t.Run("forward_auth passes good tokens", func(t *testing.T) {
			r := get(t, tester, "GET", base+"/fa/x", "Authorization", "Bearer good")
			if r.StatusCode != 200 || string(r.body) != "protected" {
				t.Errorf("%d %q", r.StatusCode, r.body)
			}
		})
	})

	t.Run("header keep and remove rules", func(t *testing.T) {
		r := get(t, tester, "GET", base+"/up/headers", "Accept", "application/json")
		if r.StatusCode != 429 {
			t.Fatalf("status %d", r.StatusCode)
		}
		for k, want := range map[string]string{
			"Set-Cookie":                  "session=abc; Path=/",
			"Access-Control-Allow-Origin": "https://app.example.com",
			"Www-Authenticate":            `Bearer realm="api"`,
			"Retry-After":                 "120",
			"Allow":                       "GET, POST",
			"Location":                    "/elsewhere",
			"X-Custom":                    "kept",
			"Content-Language":            "en",
			"Content-Type":                "application/json",
			"X-Content-Type-Options":      "nosniff",
			"Cache-Control":               "no-store",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		for _, k := range []string{"Etag", "Last-Modified", "Content-Disposition", "Accept-Ranges", "Content-Encoding", "Content-Range"} {
			if v := r.Header.Get(k); v != "" {
				t.Errorf("%s should be removed, is %q", k, v)
			}
		}
		if v := r.Header.Values("Vary"); strings.Join(v, ",") != "Origin,Accept" {
			t.Errorf("Vary = %q, want Origin merged with Accept", v)
		}
	})

	t.Run("HEAD gets the headers and no body", func(t *testing.T) {
		g := get(t, tester, "GET", base+"/static/missing", "X-Request-ID", "fixed-id-1")
		h := get(t, tester, "HEAD", base+"/static/missing", "X-Request-ID", "fixed-id-1")
		if h.StatusCode != 404 || len(h.body) != 0 {
			t.Errorf("HEAD: %d %q", h.StatusCode, h.body)
		}
		if h.Header.Get("Content-Length") != fmt.Sprint(len(g.body)) || h.Header.Get("Content-Type") != g.Header.Get("Content-Type") {
			t.Errorf("HEAD headers %v vs GET length %d", h.Header, len(g.body))
		}
		u := get(t, tester, "HEAD", base+"/up/status/400")
		if u.StatusCode != 400 || len(u.body) != 0 || u.Header.Get("Content-Type") != "application/json" {
			t.Errorf("upstream HEAD: %d %q %v", u.StatusCode, u.body, u.Header)
		}
	})

	t.Run("status narrows what is rewritten", func(t *testing.T) {
		nb := "http://narrow.localhost:9080"
		r := get(t, tester, "GET", nb+"/status/400", "Accept", "text/html")
		if r.StatusCode != 400 || string(r.body) != validationBody {
			t.Errorf("400 outside the set should pass untouched: %q", r.body)
		}
		r = get(t, tester, "GET", nb+"/status/503", "Accept", "application/json")
		if e := decodeEnvelope(t, r.body); r.StatusCode != 503 || e.Error.Code != 503 {
			t.Errorf("503 should be rewritten: %s", r.body)
		}
		r = get(t, tester, "GET", nb+"/local404")
		if r.StatusCode != 404 || len(r.body) != 0 {
			t.Errorf("local 404 outside the set is left to Caddy: %d %q", r.StatusCode, r.body)
		}
	})

	t.Run("pass-through header", func(t *testing.T) {
		r := get(t, tester, "GET", base+"/up/passthrough", "Accept", "text/html")
		if r.StatusCode != 400 || string(r.body) != `{"raw":true}` {
			t.Errorf("passthrough body: %d %q", r.StatusCode, r.body)
		}
		if r.Header.Get("X-Error-Pages") != "" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("passthrough headers: %v", r.Header)
		}
	})

	t.Run("request ID accepted or replaced", func(t *testing.T) {
		for _, row := range []struct{ in, want string }{
			{"abc-123.def:ghi_J", "abc-123.def:ghi_J"},
			{strings.Repeat("a", 128), strings.Repeat("a", 128)},
			{strings.Repeat("a", 129), ""},
			{"has space", ""},
			{"<script>", ""},
			{"", ""},
		} {
			r := get(t, tester, "GET", base+"/up/status/400", "Accept", "application/json", "X-Request-ID", row.in)
			e := decodeEnvelope(t, r.body)
			got := e.Error.RequestID
			if row.want != "" && got != row.want || row.want == "" && !uuidRE.MatchString(got) {
				t.Errorf("request id for %q = %q", row.in, got)
			}
			if r.Header.Get("X-Request-Id") != got {
				t.Errorf("header %q != body %q", r.Header.Get("X-Request-Id"), got)
			}
		}
	})

	t.Run("encoded upstream bodies are decoded", func(t *testing.T) {
		r := get(t, tester, "GET", base+"/up/gzip", "Accept", "application/json")
		if e := decodeEnvelope(t, r.body); e.Error.Details != "email is not a valid address" || len(e.Error.Fields) != 1 {
			t.Errorf("gzip upstream: %s", r.body)
		}
		r = get(t, tester, "GET", base+"/enc/status/400", "Accept", "application/json", "Accept-Encoding", "gzip")
		if r.Header.Get("Content-Encoding") != "" {
			t.Errorf("rewritten body should go out uncompressed, got %q", r.Header.Get("Content-Encoding"))
		}
		if e := decodeEnvelope(t, r.body); e.Error.Details != "email is not a valid address" {
			t.Errorf("encode inside error_pages: %s", r.body)
		}
		r = get(t, tester, "GET", base+"/enc/ok", "Accept-Encoding", "gzip")
		if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("encode still compresses successes: %d %v", r.StatusCode, r.Header)
		}
	})

	t.Run("an upstream body cut off mid-way still gets an answer", func(t *testing.T) {
		r := get(t, tester, "GET", base+"/up/cut", "Accept", "application/json")
		e := decodeEnvelope(t, r.body)
		if r.StatusCode != 400 || e.Error.Code != 400 || e.Error.Details != descriptionOf(400) {
			t.Errorf("cut-off upstream: %d %s", r.StatusCode, r.body)
		}
	})

	t.Run("upstream_json keep forwards upstream JSON", func(t *testing.T) {
		kb := "http://keep.localhost:9080"
		r := get(t, tester, "GET", kb+"/status/400", "Accept", "application/json", "X-Trace", "trace-1")
		if string(r.body) != validationBody || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("keep: %q %v", r.body, r.Header)
		}
		if r.Header.Get("Vary") != "Accept" || r.Header.Get("X-Trace") != "trace-1" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("keep headers: %v", r.Header)
		}
		r = get(t, tester, "GET", kb+"/status/400", "Accept", "text/html")
		if !strings.HasPrefix(string(r.body), "<!doctype html>") {
			t.Errorf("keep only applies to JSON clients: %.80s", r.body)
		}
	})
}

func descriptionOf(code int) string {
	return strings.TrimSpace(descriptions(code))
}
