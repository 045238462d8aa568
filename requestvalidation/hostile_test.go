package requestvalidation_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// endless yields n bytes of b repeated, without holding them.
type endless struct {
	b []byte
	n int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && e.n > 0 {
		c := copy(p[k:], e.b)
		if int64(c) > e.n {
			c = int(e.n)
		}
		k += c
		e.n -= int64(c)
	}
	return k, nil
}

// Hostile input gets a clear 4xx, never a panic, with memory bounded by
// the limits (max_body 1 MiB by default).
func TestCaddyHostileInput(t *testing.T) {
	up := newRecorder(t)
	tester := startCaddy(t, siteConfig(t, up, abs(t, usersDoc)))
	const hundredMB = 100 << 20
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	longQuery := "cursor=" + strings.Repeat("x", 64<<10)
	manyParams := strings.TrimSuffix(strings.Repeat("zz=1&", 64<<10/5), "&") // 13,107
	someParams := strings.TrimSuffix(strings.Repeat("zz=1&", 9000), "&")
	boundaryless := "--XYZ\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nabc\r\n--XYZ--\r\n"
	tests := []struct {
		name     string
		method   string
		path     string
		ct       string
		body     func() io.Reader
		length   int64 // -1: chunked
		status   int
		code     string
		maxAlloc uint64 // bytes allocated by the whole process during the exchange
	}{
		{"100 MB body with Content-Length", "POST", "/api/orders", "application/json", func() io.Reader { return &endless{[]byte(`{"a":1}     `), hundredMB} }, hundredMB, 413, "max_body", 16 << 20},
		{"100 MB chunked body", "POST", "/api/orders", "application/json", func() io.Reader { return &endless{[]byte(`{"a":1}     `), hundredMB} }, -1, 413, "max_body", 16 << 20},
		{"10k-deep JSON", "POST", "/api/orders", "application/json", func() io.Reader { return strings.NewReader(deep) }, int64(len(deep)), 400, "too_deep", 8 << 20},
		{"duplicate keys", "POST", "/api/orders/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55/items", "application/json", func() io.Reader { return strings.NewReader(`{"sku":"ABCD","qty":1,"qty":50}`) }, 0, 400, "duplicate_key", 8 << 20},
		{"invalid UTF-8", "POST", "/api/orders/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55/items", "application/json", func() io.Reader { return strings.NewReader("{\"sku\":\"AB\xc3\x28CD\",\"qty\":1}") }, 0, 400, "invalid_encoding", 8 << 20},
		{"64 KiB query value", "GET", "/api/products?" + longQuery, "", nil, 0, 400, "max_length", 8 << 20},
		{"64 KiB of query parameters: more than Go's 10,000", "GET", "/api/products?" + manyParams, "", nil, 0, 400, "too_many_fields", 8 << 20},
		{"9,000 undeclared query parameters", "GET", "/api/products?" + someParams, "", nil, 0, 400, "unknown_parameter", 32 << 20},
		{"wrong charset", "POST", "/api/orders/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55/items", "application/json; charset=shift_jis", func() io.Reader { return strings.NewReader(`{"sku":"ABCD","qty":1}`) }, 0, 415, "charset", 8 << 20},
		{"multipart without a boundary", "POST", "/api/products/1/images", "multipart/form-data", func() io.Reader { return strings.NewReader(boundaryless) }, 0, 400, "multipart", 8 << 20},
		{"unparseable Content-Type", "POST", "/api/orders/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55/items", "application/json; ===", func() io.Reader { return strings.NewReader(`{}`) }, 0, 415, "media_type", 8 << 20},
		{"NUL bytes in JSON", "POST", "/api/orders/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55/items", "application/json", func() io.Reader { return strings.NewReader("{\"sku\":\"A\x00\"}") }, 0, 400, "invalid_json", 8 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != nil {
				body = tt.body()
			}
			req, err := http.NewRequest(tt.method, "http://localhost:9180"+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.length != 0 {
				req.ContentLength = tt.length
			}
			if tt.length < 0 {
				req.TransferEncoding = []string{"chunked"}
			}
			if tt.ct != "" {
				req.Header.Set("Content-Type", tt.ct)
			}
			req.Header.Set("Accept", "application/json")
			for k, v := range orderHeaders {
				if k != "Content-Type" {
					req.Header.Set(k, v)
				}
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			resp, err := tester.Client.Do(req)
			if err != nil {
				t.Fatalf("request failed: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			runtime.ReadMemStats(&after)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tt.status, b)
			}
			var env struct {
				Error struct {
					Fields []struct{ Code string } `json:"fields"`
					More   int                     `json:"more"`
				} `json:"error"`
			}
			if err := json.Unmarshal(b, &env); err != nil {
				t.Fatalf("not JSON: %v: %.300s", err, b)
			}
			if len(env.Error.Fields) == 0 || env.Error.Fields[0].Code != tt.code || len(env.Error.Fields) > 50 {
				t.Errorf("fields = %+v, want first code %s", env.Error.Fields, tt.code)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tt.maxAlloc {
				t.Errorf("allocated %d MiB during the exchange, bound %d MiB", alloc>>20, tt.maxAlloc>>20)
			}
		})
	}
	// Still serving.
	if resp, _ := send(t, tester, "POST", "http://localhost:9180/api/orders", orderHeaders, validOrder); resp.StatusCode != 200 {
		t.Fatalf("after the hostile input: status %d", resp.StatusCode)
	}
}

// hostileArrayDoc declares one operation a hostile client aims at: a
// body whose member is an array of strings.
const hostileArrayDoc = `openapi: 3.1.0
info: {title: hostile, version: "1"}
paths:
  /tags:
    post:
      operationId: tag
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                tags: {type: array, items: {type: string}}
      responses: {"200": {description: ok}}
`

// Issue 23's first row: 16 clients at once send 1 MB bodies of 500,000
// wrong-type items. Each gets its 400 with the first 50 problems and
// "more than"; the heap in use grows by at most 16 × 4 × max_body while
// they are answered (before: +290 MiB for one, past 3 GiB for 16).
func TestCaddyConcurrentManyProblemBodies(t *testing.T) {
	up := newRecorder(t)
	doc := t.TempDir() + "/hostile.yaml"
	if err := os.WriteFile(doc, []byte(hostileArrayDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	tester := startAPI(t, doc, up)
	const clients, maxBody = 16, 1 << 20
	body := []byte(`{"tags":[` + strings.TrimSuffix(strings.Repeat("1,", 500000), ",") + `]}`)
	if len(body) > maxBody {
		t.Fatalf("the body (%d bytes) must fit max_body", len(body))
	}
	stopHeap := heapPeak(func(ms *runtime.MemStats) uint64 { return ms.HeapInuse })
	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", "http://localhost:9180/tags", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			resp, err := tester.Client.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var env struct {
				Error struct {
					Details string            `json:"details"`
					Fields  []json.RawMessage `json:"fields"`
					More    int               `json:"more"`
				} `json:"error"`
			}
			if resp.StatusCode != 400 || json.Unmarshal(b, &env) != nil || len(env.Error.Fields) != 50 ||
				env.Error.Details != "The request has more than 1000 problems." {
				errs <- fmt.Sprintf("status %d: %.300s", resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	base, growth := stopHeap()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	t.Logf("heap in use: %d MiB before, peak growth %d MiB for %d clients", base>>20, growth>>20, clients)
	if bound := int64(clients * 4 * maxBody); growth > bound {
		t.Fatalf("the heap in use grew by %d MiB, more than %d × 4 × max_body = %d MiB", growth>>20, clients, bound>>20)
	}
	if _, n := up.last(); n != 0 {
		t.Fatalf("%d hostile requests reached the upstream", n)
	}
}
