package requestvalidation

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

const benchPetsDoc = `openapi: 3.1.0
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: the pets
          headers:
            X-Rate-Limit: {required: true, schema: {type: integer}}
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  required: [id, name]
                  properties:
                    id: {type: integer}
                    name: {type: string, maxLength: 64}
                    tag: {type: string}
                    age: {type: integer, minimum: 0}
`

// discardWriter is a client that reads nothing back: its headers are
// reset per request.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkServeHTTPResponses is the handler's whole cost for GET /pets
// answered with a ~1 KiB JSON list by an in-process upstream, with
// responses off and in report mode (every answer checked), valid and
// invalid (report: logged, passed). The ratio off/report is the cost of
// the response check:
//
//	go test ./requestvalidation -run '^$' -bench ServeHTTPResponses -benchmem
func BenchmarkServeHTTPResponses(b *testing.B) {
	path := filepath.Join(b.TempDir(), "pets.yaml")
	if err := os.WriteFile(path, []byte(benchPetsDoc), 0o644); err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("[")
	for i := 0; sb.Len() < 1000; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`{"id":` + strconv.Itoa(i) + `,"name":"pet number ` + strconv.Itoa(i) + `","tag":"dog","age":3}`)
	}
	sb.WriteString("]")
	valid := []byte(sb.String())
	invalid := []byte(strings.Replace(sb.String(), `"age":3`, `"age":-3`, 1))
	for _, tt := range []struct {
		name, mode string
		body       []byte
	}{
		{"off", "", valid},
		{"report-valid", "report", valid},
		{"report-invalid", "report", invalid},
	} {
		b.Run(tt.name, func(b *testing.B) {
			h := Handler{OpenAPI: path}
			if tt.mode != "" {
				h.Responses = &ResponseChecks{Mode: tt.mode}
			}
			th := newTestHandler(&testing.T{}, h)
			if err := th.provisionResponses(th.reg); err != nil {
				b.Fatal(err)
			}
			next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Rate-Limit", "10")
				w.WriteHeader(200)
				_, err := w.Write(tt.body)
				return err
			})
			w := &discardWriter{h: http.Header{}}
			r := httpRequest("GET", "/pets")
			b.SetBytes(int64(len(tt.body)))
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				repl := caddy.NewReplacer()
				rr := r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
				if err := th.ServeHTTP(w, rr, next); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func httpRequest(method, target string) *http.Request {
	r, _ := http.NewRequest(method, "http://localhost"+target, nil)
	return r
}
