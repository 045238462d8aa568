package validation

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// opsDoc writes a document of n operations, each with a path parameter,
// a query parameter and a JSON body of its own that refers to a shared
// schema, as generated APIs are.
func opsDoc(tb testing.TB, n int) string {
	var b strings.Builder
	b.WriteString(docHead + "paths:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  /r%d/items/{id}:\n    post:\n      operationId: op%d\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}\n        - {name: q, in: query, schema: {type: string, maxLength: 20}}\n", i, i)
		fmt.Fprintf(&b, "      requestBody:\n        content:\n          application/json:\n            schema: {type: object, required: [name], properties: {name: {type: string}, n%d: {type: integer}, meta: {$ref: '#/components/schemas/Meta'}}}\n      responses: {'200': {description: ok}}\n", i)
	}
	b.WriteString("components:\n  schemas:\n    Meta: {type: object, properties: {tags: {type: array, items: {type: string}}}}\n")
	dir, err := os.MkdirTemp("", "ops")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	p := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func benchLoadOps(b *testing.B, n int) {
	p := opsDoc(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Load(p, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Operations()) != n {
			b.Fatal(len(s.Operations()))
		}
	}
}

// Loading grows about linearly with the operations.
//
//	go test ./validation -run '^$' -bench 'LoadOps' -benchtime 1x -count 1
func BenchmarkLoadOps5000(b *testing.B)  { benchLoadOps(b, 5000) }
func BenchmarkLoadOps50000(b *testing.B) { benchLoadOps(b, 50000) }

// A request through 10,000 $refs costs what one to the schema itself
// does (the fast validator's aliases point at the end of their chain).
//
//	go test ./validation -run '^$' -bench 'RefChain' -benchmem
func benchRefChain(b *testing.B, depth int) {
	s, err := Load(chainDoc(b, b.TempDir(), depth), Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := req{method: "POST", target: "/a", ct: "application/json", body: `{"name":"a","tags":["x","y"]}`}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if o := run(b, s, r); o.status != 0 {
			b.Fatal(o.status)
		}
	}
}

func BenchmarkRefChainDirect(b *testing.B) { benchRefChain(b, 0) }
func BenchmarkRefChain10000(b *testing.B)  { benchRefChain(b, 10000) }
