package requestvalidation_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// contractDoc declares what the upstream answers to GET /pets/{case}:
// a 200 with a required X-Rate-Limit header and a JSON pet, or an event
// stream; a 404. /other/{case} declares the same 200.
const contractDoc = `openapi: 3.1.0
info: {title: Contract, version: "1"}
components:
  responses:
    Pet:
      description: a pet
      headers:
        X-Rate-Limit: {required: true, schema: {type: integer}}
      content:
        application/json:
          schema:
            type: object
            required: [id, name]
            properties:
              id: {type: integer}
              name: {type: string}
              tag: {type: string, maxLength: 8}
        text/event-stream: {schema: {type: string}}
paths:
  /pets/{case}:
    get:
      operationId: getPet
      parameters: [{name: case, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {$ref: '#/components/responses/Pet'}
        "404": {description: none}
  /other/{case}:
    get:
      operationId: getOther
      parameters: [{name: case, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {$ref: '#/components/responses/Pet'}
`

// upstreamMark is in every body the contract upstream sends: no byte of
// it may reach a client in place of a replaced answer, nor a log line.
const upstreamMark = "UPSTREAM-c0ffee"

const bigSize = 10 << 20

// contractUpstream answers by the last path segment: conforming and
// violating answers.
type contractUpstream struct {
	srv *httptest.Server
	// release lets the event stream end once the client saw its first
	// event.
	release chan struct{}
}

func newContractUpstream(t *testing.T) *contractUpstream {
	up := &contractUpstream{release: make(chan struct{})}
	up.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Upstream-Secret", upstreamMark)
		h.Set("X-Rate-Limit", "10")
		h.Set("Content-Type", "application/json")
		c := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		switch c {
		case "valid":
			io.WriteString(w, `{"id":1,"name":"`+upstreamMark+`"}`)
		case "status":
			w.WriteHeader(201)
			io.WriteString(w, `{"id":1,"name":"`+upstreamMark+`"}`)
		case "ctype":
			h.Set("Content-Type", "text/html")
			io.WriteString(w, `<p>`+upstreamMark+`</p>`)
		case "header":
			h.Del("X-Rate-Limit")
			io.WriteString(w, `{"id":1,"name":"`+upstreamMark+`"}`)
		case "body3":
			io.WriteString(w, `{"id":"`+upstreamMark+`","tag":"`+upstreamMark+`"}`)
		case "gzip3":
			h.Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			io.WriteString(gz, `{"id":"`+upstreamMark+`","tag":"`+upstreamMark+`"}`)
			gz.Close()
		case "long3", "longvalid":
			// Past encode's 512-byte minimum: compressed by Caddy.
			pad := strings.Repeat("p", 600)
			if c == "long3" {
				io.WriteString(w, `{"id":"`+upstreamMark+`","tag":"`+upstreamMark+`","pad":"`+pad+`"}`)
			} else {
				io.WriteString(w, `{"id":1,"name":"`+upstreamMark+`","pad":"`+pad+`"}`)
			}
		case "chunked3":
			// A violating body written in flushed pieces: enforce mode
			// holds the flushes, so no piece reaches the client.
			for _, part := range []string{`{"id":"`, upstreamMark, `","tag":"`, upstreamMark, `"}`} {
				io.WriteString(w, part)
				w.(http.Flusher).Flush()
			}
		case "hints":
			h.Set("Link", "</pets.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			io.WriteString(w, `{"id":"`+upstreamMark+`","tag":"`+upstreamMark+`"}`)
		case "upgrade":
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
			brw.Flush()
			line, _ := brw.ReadString('\n')
			brw.WriteString(line)
			brw.Flush()
		case "chunked":
			// A valid body written in pieces, each flushed (chunked):
			// held until its end, then checked.
			for _, part := range []string{`{"id":1,`, `"name":"`, upstreamMark, `"}`} {
				io.WriteString(w, part)
				w.(http.Flusher).Flush()
			}
		case "big", "bigcl":
			if c == "bigcl" {
				h.Set("Content-Length", strconv.Itoa(bigSize))
			}
			writeBig(w)
		case "sse":
			h.Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: "+upstreamMark+"\n\n")
			w.(http.Flusher).Flush()
			<-up.release
			io.WriteString(w, "data: two\n\n")
		case "notmodified":
			w.WriteHeader(304)
		case "notfound":
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(up.srv.Close)
	return up
}

// writeBig writes bigSize bytes of a JSON string ("aaa…"), 32 KiB at a
// time: an answer past max_body (10 MiB) that is not a pet.
func writeBig(w io.Writer) {
	chunk := bytes.Repeat([]byte("a"), 32<<10)
	w.Write([]byte(`"`))
	n := 1
	for n+len(chunk) < bigSize-1 {
		w.Write(chunk)
		n += len(chunk)
	}
	w.Write(bytes.Repeat([]byte("a"), bigSize-1-n))
	w.Write([]byte(`"`))
}

func bigBody() []byte {
	var b bytes.Buffer
	writeBig(&b)
	return b.Bytes()
}

func (up *contractUpstream) addr() string { return strings.TrimPrefix(up.srv.URL, "http://") }

// contractConfig serves /report/…, /enforce/… and /sampled/… with the
// contract document's responses in those modes, error_pages around.
func contractConfig(t *testing.T, up *contractUpstream, logFile string) (string, string) {
	doc := filepath.Join(t.TempDir(), "contract.yaml")
	if err := os.WriteFile(doc, []byte(contractDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(globalOptions, "\tmetrics\n", "\tmetrics\n\tlog {\n\t\toutput file "+logFile+"\n\t\tformat json\n\t}\n", 1) + `
http://localhost:9180 {
	error_pages
	handle /report/* {
		request_validation {
			openapi ` + doc + `
			base_path /report
			responses report
		}
		reverse_proxy ` + up.addr() + `
	}
	handle /enforce/* {
		request_validation {
			openapi ` + doc + `
			base_path /enforce
			responses enforce {
				max_body 64KiB
			}
			operation_responses getOther off
		}
		reverse_proxy ` + up.addr() + `
	}
	handle /encoded/* {
		encode gzip
		request_validation {
			openapi ` + doc + `
			base_path /encoded
			responses enforce
		}
		reverse_proxy ` + up.addr() + `
	}
	handle /sampled/* {
		request_validation {
			openapi ` + doc + `
			base_path /sampled
			responses report {
				sample 0.5
			}
		}
		reverse_proxy ` + up.addr() + `
	}
}

http://localhost:9181 {
	request_validation {
		openapi ` + doc + `
		responses enforce
	}
	reverse_proxy ` + up.addr() + `
}
`
	return cfg, doc
}

// logLines returns the request_validation log lines about responses.
func responseLogLines(t *testing.T, logFile string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e map[string]any
		if json.Unmarshal(sc.Bytes(), &e) != nil || e["logger"] != "http.handlers.request_validation" {
			continue
		}
		if strings.HasPrefix(fmt.Sprint(e["msg"]), "response violates") {
			out = append(out, e)
		}
		if strings.Contains(sc.Text(), upstreamMark) {
			t.Errorf("a log line of the module holds a value of the upstream's answer: %s", sc.Text())
		}
	}
	return out
}

func metricValue(metrics, series string) int {
	m := regexp.MustCompile(regexp.QuoteMeta(series) + ` (\d+)`).FindStringSubmatch(metrics)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Through a real Caddy and a real upstream: report mode passes every
// answer unchanged and logs each violating one (operation, status,
// request ID, codes and pointers, never a value); enforce mode answers
// 502 upstream_contract_violation, rendered by error_pages, without a
// byte or a header of the upstream's answer and without the problems;
// streams, large bodies, HEAD and 304 go through untouched; sampling
// counts.
func TestCaddyResponses(t *testing.T) {
	up := newContractUpstream(t)
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	cfg, _ := contractConfig(t, up, logFile)
	tester := startCaddy(t, cfg)
	base := "http://localhost:9180"
	big := bigBody()

	violating := []struct {
		c    string
		want []string // "code pointer" in the log line
	}{
		{"status", []string{"undeclared_status /response/status"}},
		{"ctype", []string{"media_type /response/header/Content-Type"}},
		{"header", []string{"required /response/header/X-Rate-Limit"}},
		{"body3", []string{"type /response/body/id", "required /response/body/name", "max_length /response/body/tag"}},
		{"gzip3", []string{"type /response/body/id", "required /response/body/name", "max_length /response/body/tag"}},
		{"chunked3", []string{"type /response/body/id", "required /response/body/name", "max_length /response/body/tag"}},
		{"hints", []string{"type /response/body/id", "required /response/body/name", "max_length /response/body/tag"}},
	}

	t.Run("report passes every answer unchanged and logs the violations", func(t *testing.T) {
		for _, c := range []string{"valid", "chunked", "status", "ctype", "header", "body3"} {
			resp, body := send(t, tester, "GET", base+"/report/pets/"+c, map[string]string{"X-Request-ID": "req-" + c}, "")
			if !strings.Contains(body, upstreamMark) || resp.Header.Get("X-Upstream-Secret") != upstreamMark {
				t.Errorf("%s: the upstream's answer was changed: %d %v %q", c, resp.StatusCode, resp.Header, body)
			}
		}
		lines := responseLogLines(t, logFile)
		byID := map[string]map[string]any{}
		for _, l := range lines {
			byID[fmt.Sprint(l["request_id"])] = l
		}
		for _, v := range violating[:4] {
			l := byID["req-"+v.c]
			if l == nil {
				t.Errorf("%s: no log line", v.c)
				continue
			}
			if l["level"] != "warn" || l["operation"] != "getPet" || l["msg"] != "response violates the API description (report mode: passed)" {
				t.Errorf("%s: %v", v.c, l)
			}
			if got := fmt.Sprint(l["problem_pointers"]); got != fmt.Sprint(v.want) {
				t.Errorf("%s: problem_pointers %s, want %s", v.c, got, v.want)
			}
		}
		if byID["req-status"]["status"] != float64(201) {
			t.Errorf("status in the log: %v", byID["req-status"]["status"])
		}
		if byID["req-valid"] != nil || byID["req-chunked"] != nil {
			t.Errorf("a conforming answer was logged")
		}
	})

	t.Run("enforce answers 502 without the upstream's bytes", func(t *testing.T) {
		for _, v := range violating {
			for _, accept := range []string{"application/json", "text/html"} {
				resp, body := send(t, tester, "GET", base+"/enforce/pets/"+v.c, map[string]string{"Accept": accept, "Accept-Encoding": "gzip"}, "")
				if resp.StatusCode != 502 {
					t.Fatalf("%s %s: status %d: %.300s", v.c, accept, resp.StatusCode, body)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, accept) || !strings.Contains(body, "The upstream&#39;s response does not match the API description.") &&
					!strings.Contains(body, "The upstream's response does not match the API description.") {
					t.Errorf("%s %s: not error_pages' answer in the format asked: %s %.400s", v.c, accept, ct, body)
				}
				if strings.Contains(body, upstreamMark) || strings.Contains(body, "/response/") || strings.Contains(fmt.Sprint(resp.Header), upstreamMark) ||
					resp.Header.Get("X-Rate-Limit") != "" || resp.Header.Get("Content-Encoding") != "" {
					t.Errorf("%s %s: the upstream's answer or the problems leaked: %v %.400s", v.c, accept, resp.Header, body)
				}
				if accept == "application/json" {
					var env struct {
						Error struct {
							Code int    `json:"code"`
							Type string `json:"type"`
						} `json:"error"`
					}
					if err := json.Unmarshal([]byte(body), &env); err != nil || env.Error.Code != 502 || env.Error.Type != "upstream_contract_violation" {
						t.Errorf("%s: JSON %v %s", v.c, err, body)
					}
				}
			}
		}
		// An informational answer goes out at once; the answer after it
		// is the one checked.
		var hints []int
		trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			hints = append(hints, code)
			return nil
		}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", base+"/enforce/pets/hints", nil)
		if resp, err := tester.Client.Do(req); err != nil || resp.StatusCode != 502 || fmt.Sprint(hints) != "[103]" {
			t.Errorf("103 then a violating answer: %v %v, hints %v", resp, err, hints)
		} else {
			resp.Body.Close()
		}
		// Without error_pages around, request_validation renders the 502
		// itself (error_pages' defaults).
		if resp, body := send(t, tester, "GET", "http://localhost:9181/pets/body3", map[string]string{"Accept": "application/json"}, ""); resp.StatusCode != 502 ||
			!strings.Contains(body, `"type":"upstream_contract_violation"`) || strings.Contains(body, upstreamMark) {
			t.Errorf("without error_pages: %d %s", resp.StatusCode, body)
		}
		for _, c := range []string{"valid", "chunked"} {
			if resp, body := send(t, tester, "GET", base+"/enforce/pets/"+c, nil, ""); resp.StatusCode != 200 || !strings.Contains(body, upstreamMark) {
				t.Errorf("%s: a conforming answer: %d %s", c, resp.StatusCode, body)
			}
		}
		// encode is inside request_validation (its directive order): the
		// check decodes what encode compressed.
		for _, tt := range []struct {
			c      string
			status int
		}{{"long3", 502}, {"longvalid", 200}} {
			resp, body := send(t, tester, "GET", base+"/encoded/pets/"+tt.c, map[string]string{"Accept": "application/json", "Accept-Encoding": "gzip"}, "")
			if resp.StatusCode != tt.status {
				t.Fatalf("encoded %s: status %d: %.300s", tt.c, resp.StatusCode, body)
			}
			if tt.status == 200 {
				if resp.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("encoded %s: not compressed: %v", tt.c, resp.Header)
				}
				zr, err := gzip.NewReader(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				plain, _ := io.ReadAll(zr)
				if !strings.Contains(string(plain), upstreamMark) {
					t.Errorf("encoded %s: %q", tt.c, plain)
				}
			} else if strings.Contains(body, upstreamMark) || !strings.Contains(body, "upstream_contract_violation") {
				t.Errorf("encoded %s: %s", tt.c, body)
			}
		}
		// operation_responses getOther off: its answers are not checked.
		if resp, body := send(t, tester, "GET", base+"/enforce/other/body3", nil, ""); resp.StatusCode != 200 || !strings.Contains(body, upstreamMark) {
			t.Errorf("operation off: %d %s", resp.StatusCode, body)
		}
		// A declared 404 without content passes as it is (error_pages
		// then renders it: it sees the answer after the check).
		if resp, body := send(t, tester, "GET", base+"/enforce/pets/notfound", map[string]string{"Accept": "application/json"}, ""); resp.StatusCode != 404 || strings.Contains(body, "upstream_contract_violation") {
			t.Errorf("declared 404: %d %s", resp.StatusCode, body)
		}
		var enforced int
		for _, l := range responseLogLines(t, logFile) {
			if l["msg"] == "response violates the API description (enforce mode: answered 502)" {
				enforced++
			}
		}
		if enforced != 2*len(violating)+3 {
			t.Errorf("%d enforce log lines, want %d", enforced, 2*len(violating)+3)
		}
	})

	t.Run("large bodies, streams, HEAD and 304 go through untouched", func(t *testing.T) {
		for _, mode := range []string{"report", "enforce"} {
			for _, c := range []string{"big", "bigcl"} {
				resp, body := send(t, tester, "GET", base+"/"+mode+"/pets/"+c, nil, "")
				if resp.StatusCode != 200 || body != string(big) {
					t.Errorf("%s %s: status %d, %d bytes (want %d, intact)", mode, c, resp.StatusCode, len(body), len(big))
				}
			}
			if resp, _ := send(t, tester, "HEAD", base+"/"+mode+"/pets/ctype", nil, ""); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html" {
				t.Errorf("%s HEAD: %d %v", mode, resp.StatusCode, resp.Header)
			}
			if resp, _ := send(t, tester, "GET", base+"/"+mode+"/pets/notmodified", nil, ""); resp.StatusCode != 304 {
				t.Errorf("%s 304: %d", mode, resp.StatusCode)
			}
		}
		// An upgrade: the connection is handed over, bytes flow both ways.
		conn, err := ports.Dial(context.Background(), "tcp", "127.0.0.1:9180")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /enforce/pets/upgrade HTTP/1.1\r\nHost: localhost:9180\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		br := bufio.NewReader(conn)
		status, _ := br.ReadString('\n')
		for {
			l, err := br.ReadString('\n')
			if err != nil || l == "\r\n" {
				break
			}
		}
		io.WriteString(conn, "ping "+upstreamMark+"\n")
		echo, _ := br.ReadString('\n')
		if !strings.HasPrefix(status, "HTTP/1.1 101") || echo != "ping "+upstreamMark+"\n" {
			t.Errorf("upgrade: %q, echo %q", status, echo)
		}
		// The event stream's first event arrives while the upstream
		// still holds the stream open: nothing is held back.
		resp, err := tester.Client.Get(base + "/enforce/pets/sse")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		first, err := bufio.NewReader(resp.Body).ReadString('\n')
		close(up.release)
		if err != nil || first != "data: "+upstreamMark+"\n" {
			t.Fatalf("first event %q, %v", first, err)
		}
	})

	t.Run("sampling is decided per request and counted", func(t *testing.T) {
		const n = 200
		for i := 0; i < n; i++ {
			if resp, _ := send(t, tester, "GET", base+"/sampled/pets/body3", nil, ""); resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		}
		_, metrics := send(t, tester, "GET", fmt.Sprintf("http://localhost:%d/metrics", adminPort), nil, "")
		// The three routes share the counter: the sampled route's
		// answers are all body3, counted invalid or sampled_out.
		reportInvalid := 4                     // status, ctype, header, body3 in report mode
		enforceInvalid := 2*len(violating) + 3 // and hints' traced request, the site without error_pages, and encode's
		invalid := metricValue(metrics, `caddy_request_validation_responses_total{operation="getPet",result="invalid"}`) - reportInvalid - enforceInvalid
		out := metricValue(metrics, `caddy_request_validation_responses_total{operation="getPet",result="sampled_out"}`)
		if invalid+out != n || invalid == 0 || out == 0 {
			t.Errorf("sampled: %d checked (invalid), %d sampled out, want %d in all, both some", invalid, out, n)
		}
		for _, want := range []string{
			`caddy_request_validation_responses_total{operation="getPet",result="valid"} 6`,    // valid and chunked in both modes, the declared 404, encode's longvalid
			`caddy_request_validation_responses_total{operation="getPet",result="skipped"} 10`, // big, bigcl, HEAD and 304 in both modes, the upgrade, the event stream
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s:\n%s", want, grepLines(metrics, "responses_total"))
			}
		}
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// bigChecker counts a body and checks it is writeBig's, byte by byte,
// without keeping it.
type bigChecker struct {
	n   int
	bad bool
}

func (c *bigChecker) Write(p []byte) (int, error) {
	for i, b := range p {
		want := byte('a')
		if at := c.n + i; at == 0 || at == bigSize-1 {
			want = '"'
		}
		if b != want {
			c.bad = true
		}
	}
	c.n += len(p)
	return len(p), nil
}

// 200 concurrent 10 MiB answers through response checks with a 64 KiB
// max_body: every client gets its 10 MiB intact, and the heap's peak
// growth stays far below what holding the bodies would take (2 GB):
// under 200 × max_body × 4 + 64 MiB.
func TestCaddyResponsesMemoryIsBounded(t *testing.T) {
	up := newContractUpstream(t)
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	_, doc := contractConfig(t, up, logFile)
	tester := startCaddy(t, globalOptions+`
http://localhost:9180 {
	request_validation {
		openapi `+doc+`
		responses report {
			max_body 64KiB
		}
	}
	reverse_proxy `+up.addr()+`
}
`)
	const clients, limit = 200, 64 << 10
	client := &http.Client{Transport: &http.Transport{DialContext: ports.Dial, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}}
	defer client.CloseIdleConnections()

	stopHeap := heapPeak(func(ms *runtime.MemStats) uint64 { return ms.HeapAlloc })

	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", "http://127.0.0.1:9180/pets/big", nil)
			req.Host = "localhost:9180"
			resp, err := client.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer resp.Body.Close()
			var c bigChecker
			if _, err := io.Copy(&c, resp.Body); err != nil || c.n != bigSize || c.bad || resp.StatusCode != 200 {
				errs <- fmt.Sprintf("status %d, %d bytes, intact %v, %v", resp.StatusCode, c.n, !c.bad, err)
			}
		}()
	}
	wg.Wait()
	_, growth := stopHeap()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	bound := int64(clients*limit*4 + 64<<20)
	t.Logf("peak heap growth %d MiB for %d × %d MiB answers (bound %d MiB)", growth>>20, clients, bigSize>>20, bound>>20)
	if growth > bound {
		t.Errorf("peak heap growth %d MiB, over %d MiB", growth>>20, bound>>20)
	}
	_, metrics := send(t, tester, "GET", fmt.Sprintf("http://localhost:%d/metrics", adminPort), nil, "")
	if got := metricValue(metrics, `caddy_request_validation_responses_total{operation="getPet",result="skipped"}`); got != clients {
		t.Errorf("skipped %d, want %d", got, clients)
	}
}
