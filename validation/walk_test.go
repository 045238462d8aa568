package validation

import (
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// walkValid runs the walker on body with a pooled parser, as checkJSON
// does.
func walkValid(n *fnode, body []byte) bool {
	p := getParser(body, DefaultMaxDepth)
	defer putParser(p)
	return p.walkBody(n)
}

// walkSchemas exercise every keyword the walker handles itself or hands
// to the tree: declared and undeclared keys, patternProperties,
// propertyNames, the map of a large object, bounds, dependent keywords,
// applicators, recursion, boolean schemas, whole-value comparisons.
var walkSchemas = []string{
	`{"type":"object","additionalProperties":false,"required":["id","tags"],"minProperties":2,"maxProperties":5,
	  "properties":{"id":{"type":"integer","minimum":1},"tags":{"type":"array","items":{"type":"string","pattern":"^[a-z]{1,8}$"},"maxItems":3},
	    "meta":{"type":["object","null"]},"ok":true,"no":false},
	  "patternProperties":{"^x-":{"type":"string"}},"propertyNames":{"maxLength":6},
	  "dependentRequired":{"meta":["ok"]}}`,
	`{"type":"object","required":["p1","p13"],"additionalProperties":{"type":"integer"},
	  "properties":{"p1":{"type":"string"},"p2":{},"p3":{},"p4":{},"p5":{},"p6":{},"p7":{},"p8":{},"p9":{},"p10":{},"p11":{},"p12":{},"p13":{"enum":[1,"a",null]},"p14":{"const":[1,{"a":2}]}}}`,
	`{"type":"array","prefixItems":[{"type":"integer"},{"type":"string"}],"items":{"type":"object","properties":{"k":{"type":"boolean"}}},
	  "minItems":1,"maxItems":6}`,
	`{"type":"array","uniqueItems":true,"contains":{"type":"number","multipleOf":0.5},"minContains":1,"maxContains":2}`,
	`{"anyOf":[{"type":"object","required":["a"]},{"type":"array","minItems":2}],"not":{"type":"object","required":["z"]},
	  "allOf":[{"$ref":"#/$defs/small"}],"$defs":{"small":{"maxProperties":3,"maxItems":3}}}`,
	`{"oneOf":[{"type":"object","properties":{"kind":{"const":"a"},"n":{"type":"integer"}},"required":["kind"],"additionalProperties":false},
	          {"type":"object","properties":{"kind":{"const":"b"}},"required":["kind"]},
	          {"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}]}`,
	`{"if":{"type":"object","required":["card"]},"then":{"required":["cvc"]},"else":{"not":{"type":"array"}}}`,
	`{"$ref":"#/$defs/node","$defs":{"node":{"type":"object","required":["v"],"properties":{"v":{"type":"number","exclusiveMaximum":100},
	   "kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"additionalProperties":false}}}`,
	`{"enum":[{"a":1},[1,2],"x",3],"dependentSchemas":{"a":{"properties":{"a":{"minimum":1}}}}}`,
	`{"type":"object","dependentSchemas":{"a":{"required":["b"]}},"properties":{"s":{"type":"string","minLength":2,"maxLength":4,"format":"email"}}}`,
	`{"type":"object","patternProperties":{"^a":{"type":"integer"},"b$":{"minimum":3}},"additionalProperties":false}`,
	`{"properties":{"a":{"properties":{"b":{"properties":{"c":{"type":"string"}}}}}},"items":{"items":{"type":"integer"}}}`,
	// Two passes each: walked twice, not read into a tree.
	`{"anyOf":[{"type":"object","required":["a"]},{"type":"array","minItems":2}]}`,
	`{"oneOf":[{"type":"object","properties":{"kind":{"const":"a"}},"required":["kind"]},{"required":["n"]}]}`,
	`{"type":["object","array"],"not":{"required":["z"]}}`,
	`{"if":{"required":["card"]},"then":{"required":["cvc"]}}`,
	`{"if":{"type":"array"},"else":{"maxProperties":1}}`,
	`{"$ref":"#/$defs/o","properties":{"a":{"type":"integer"}},"$defs":{"o":{"type":"object","maxProperties":2}}}`,
	`{"allOf":[{"properties":{"kind":{"enum":["a","b"]}}},{"properties":{"n":{"type":"integer"}}}]}`,
	`{"not":{"type":"object"}}`,
	// $ref aliases, and a $ref beside keywords that are not an alias.
	`{"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/b"},"b":{"type":"array","items":{"$ref":"#/$defs/c"}},"c":{"$ref":"#/$defs/d"},"d":{"type":"integer"}}}`,
	`{"$ref":"#/$defs/arr","uniqueItems":true,"$defs":{"arr":{"type":"array"}}}`,
	`{"$ref":"#/$defs/s","format":"email","$defs":{"s":{"type":["string","array"]}}}`,
	`{"$ref":"#/$defs/s","maxLength":3,"$defs":{"s":{"type":["string","array"]}}}`,
	`{"$ref":"#/$defs/s","pattern":"^a","$defs":{"s":{"type":["string","array"]}}}`,
	`{"$ref":"#/$defs/n","maximum":5,"$defs":{"n":{"type":["number","array"]}}}`,
}

var walkBodies = []string{
	`{"id":1,"tags":["a","b"]}`, `{"id":1,"tags":["a","b"],"meta":null,"ok":1}`, `{"id":1,"tags":["a"],"meta":{}}`,
	`{"id":0,"tags":[]}`, `{"id":1,"tags":[],"x-a":"s"}`, `{"id":1,"tags":[],"x-a":2}`, `{"id":1,"tags":[],"no":1}`,
	`{"id":1,"tags":[],"longname":1}`, `{"id":1,"id":1,"tags":[]}`, `{"id":1,"tags":[],"\u0069d":2}`, `{"\u0069d":1,"tags":["abc"]}`,
	`{"p1":"a","p13":1}`, `{"p1":"a","p13":2}`, `{"p1":"a","p13":null,"q":3}`, `{"p1":"a","p13":"a","q":"3"}`,
	`{"p1":"a","p13":1,"p14":[1,{"a":2}]}`, `{"p1":"a","p13":1,"p14":[1,{"a":3}]}`, `{"p1":"a","p13":1,"q":1,"q":2}`,
	`[1,"a",{"k":true}]`, `[1,2]`, `["a"]`, `[]`, `[1,"a",{"k":1}]`, `[1,"a",{},{},{},{},{}]`,
	`[1.5,2,"a"]`, `[1.5,1.5]`, `[0.5,1.0,1.5]`, `[1,2,3]`, `[true,false,0.5]`,
	`{"a":1}`, `{"a":1,"z":1}`, `[1,2]`, `[1,2,3,4]`, `{"a":1,"b":2,"c":3,"d":4}`, `[1]`, `"s"`,
	`{"kind":"a","n":1}`, `{"kind":"b","n":1}`, `{"kind":"a","m":1}`, `{"n":1}`, `{"kind":"c"}`,
	`{"card":1,"cvc":2}`, `{"card":1}`, `[1]`, `{"x":1}`, `null`,
	`{"v":1,"kids":[{"v":2},{"v":3,"kids":[{"v":99.5}]}]}`, `{"v":1,"kids":[{"v":100}]}`, `{"v":1,"kids":[{"w":1}]}`,
	`{"a":1}`, `{"a":0}`, `[1,2]`, `"x"`, `3`, `3.0`, `{"a":1,"b":2}`,
	`{"s":"a@b.c"}`, `{"s":"nope"}`, `{"a":1,"b":1}`, `{"a":1}`, `{"s":"a@bcdef"}`,
	`{"a1":1,"xb":5}`, `{"ab":5}`, `{"ab":2}`, `{"c":1}`, `{"a":"x"}`,
	`{"a":{"b":{"c":1}}}`, `{"a":{"b":{"c":"1"}}}`, `[[1,2],[3,"4"]]`, `[[1],[2]]`,
	`{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":1`, `[1 2]`, `"\ud800"`, "{\"a\":\"\xff\"}", `{"a":[[[[[[]]]]]]}`, ` `, ``,
	`[1,1]`, `[1,2,"a"]`, `"abcd"`, `"a@b.co"`, `"b@c.de"`, `4`, `6`, `[6]`,
	`{"id":1,"tags":["a"]} x`, `{"id":1,"tags":["a","\u0062"]}`, "{\"id\":1,\"tags\":[\"a\tb\"]}",
}

func loadWalkSchemas(tb testing.TB) []*mediaType {
	tb.Helper()
	dir := tb.TempDir()
	var out []*mediaType
	for i, s := range walkSchemas {
		path := filepath.Join(dir, "s"+itoa(i)+".json")
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			tb.Fatal(err)
		}
		op, err := LoadJSONSchema(path, Options{})
		if err != nil {
			tb.Fatalf("schema %d: %v", i, err)
		}
		mt := op.body.media[0]
		if mt.fast == nil {
			tb.Fatalf("schema %d has no fast validator", i)
		}
		out = append(out, mt)
	}
	return out
}

// checkWalk fails unless the walker says valid exactly when the strict
// parser accepts body and both the fast validator and jsonschema v6
// accept its value.
func checkWalk(t *testing.T, what string, mt *mediaType, body []byte) {
	t.Helper()
	got := walkValid(mt.fast, body)
	v, jerr := parseJSON(body, DefaultMaxDepth)
	want, engine := false, false
	if jerr == nil {
		want = mt.fast.validJ(&v)
		engine = mt.schema.Validate(toEngine(&v)) == nil
	}
	if got != want || got != (jerr == nil && engine) {
		t.Fatalf("%s: walker says %v; parser error %v, fast path %v, engine %v, for %q", what, got, jerr, want, engine, body)
	}
	if nilGot := walkValid(nil, body); nilGot != (jerr == nil) {
		t.Fatalf("walker without a schema says %v, parser error %v, for %q", nilGot, jerr, body)
	}
}

// TestWalkerDecidesLikeParserAndEngine: every schema against every body.
func TestWalkerDecidesLikeParserAndEngine(t *testing.T) {
	mts := loadWalkSchemas(t)
	valid := 0
	for i, mt := range mts {
		for _, b := range walkBodies {
			checkWalk(t, "schema "+itoa(i), mt, []byte(b))
			if walkValid(mt.fast, []byte(b)) {
				valid++
			}
		}
	}
	if valid < 20 {
		t.Fatalf("only %d valid pairs: the table tests little", valid)
	}
}

// FuzzWalk: arbitrary bodies against the walk schemas.
func FuzzWalk(f *testing.F) {
	for _, b := range walkBodies {
		f.Add([]byte(b))
	}
	mts := loadWalkSchemas(f)
	ops := loadSchemas(f, walkSchemas)
	f.Fuzz(func(t *testing.T, body []byte) {
		v, jerr := parseJSON(body, DefaultMaxDepth)
		for i, mt := range mts {
			checkWalk(t, "schema "+itoa(i), mt, body)
			if jerr == nil {
				checkExplain(t, "schema "+itoa(i), ops[i].schemas, ops[i].body.media[0], &v, body)
			}
		}
	})
}

// The walk schemas use both ways: walking a value again, and reading
// it into a tree.
func TestWalkSchemasTakeBothPaths(t *testing.T) {
	var walked, tree int
	for _, mt := range loadWalkSchemas(t) {
		var visit func(n *fnode, seen map[*fnode]bool)
		visit = func(n *fnode, seen map[*fnode]bool) {
			if n == nil || seen[n] {
				return
			}
			seen[n] = true
			if n.walk.hybrid {
				tree++
			} else if n.walk.apps {
				walked++
			}
			for _, s := range append(append(append([]*fnode{n.ref, n.not, n.ifS, n.thenS, n.elseS, n.items}, n.allOf...), n.anyOf...), n.oneOf...) {
				visit(s, seen)
			}
		}
		visit(mt.fast, map[*fnode]bool{})
	}
	if walked < 6 || tree < 4 {
		t.Fatalf("applicator nodes walked again: %d, read into a tree: %d", walked, tree)
	}
}

// The typical order is decided by the walker. It builds only the
// payment (a discriminated oneOf: five schemas look at it) as a tree, in
// one arena chunk; nothing is left on the parser's stacks.
func TestWalkerDecidesTheTypicalOrder(t *testing.T) {
	s := spec(t, shop, Options{})
	var m Match
	s.Route("POST", "/api/orders", &m)
	mt := m.Op.body.media[0]
	p := getParser([]byte(typicalOrder), 0)
	defer putParser(p)
	if !p.walkBody(mt.fast) {
		t.Fatal("the walker does not accept the typical order")
	}
	if p.used > 1 || len(p.mstack) != 0 || len(p.keys) != 0 {
		t.Fatalf("the walk built values: %d chunks, %d members, %d keys left", p.used, len(p.mstack), len(p.keys))
	}
	// The invalid order is not: the parse and the engine explain it.
	bad := strings.Replace(typicalOrder, `"qty":2`, `"qty":0`, 1)
	if walkValid(mt.fast, []byte(bad)) {
		t.Fatal("the walker accepts an order with qty 0")
	}
}

// plainString accepts exactly the byte strings without a backslash or a
// control character that are valid UTF-8, wherever the bytes fall in
// its 8-byte words.
func TestPlainString(t *testing.T) {
	ref := func(b []byte) bool {
		for _, c := range b {
			if c == '\\' || c < 0x20 {
				return false
			}
		}
		return utf8.Valid(b)
	}
	for n := 0; n <= 20; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				w := []byte(strings.Repeat("abcdefgh", 3)[:n])
				w[pos] = byte(c)
				if got := plainString(w); got != ref(w) {
					t.Fatalf("byte %#x at %d of %d: %v", c, pos, n, got)
				}
			}
		}
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		b := make([]byte, r.Intn(40))
		for j := range b {
			b[j] = byte(0x20 + r.Intn(0x60)) // mostly plain
			if r.Intn(8) == 0 {
				b[j] = byte(r.Intn(256))
			}
		}
		if got := plainString(b); got != ref(b) {
			t.Fatalf("%q: %v", b, got)
		}
	}
	for _, s := range []string{"Straße", "日本語のテキスト、少し長め", "emoji 😀 here", "\xe6\x97", "ok\xffok", "\xed\xa0\x80 surrogate"} {
		if got := plainString([]byte(s)); got != ref([]byte(s)) {
			t.Errorf("%q: %v", s, got)
		}
	}
}

// BenchmarkWalk decides the typical order from its bytes (the valid
// request's body path); BenchmarkWalkSyntax only reads it.
func BenchmarkWalk(b *testing.B) {
	s := spec(b, shop, Options{})
	var m Match
	s.Route("POST", "/api/orders", &m)
	benchWalk(b, m.Op.body.media[0].fast)
}

func BenchmarkWalkSyntax(b *testing.B) { benchWalk(b, nil) }

func benchWalk(b *testing.B, n *fnode) {
	body := []byte(typicalOrder)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !walkValid(n, body) {
			b.Fatal("not valid")
		}
	}
}

// Numbers too long or too large to check exactly are a clear 400; the
// largest accepted ones are decided without math/big's slow paths, and
// the schema engine (which panics on 1e1000001) never sees a bigger one.
func TestHugeNumbers(t *testing.T) {
	s := spec(t, shop, Options{})
	var m Match
	s.Route("POST", "/api/orders", &m)
	h := http.Header{}
	for k, v := range orderHeaders {
		h.Set(k, v)
	}
	run := func(body string) *Result {
		return m.Op.Validate(&m, &Request{Method: "POST", Header: h, ContentType: "application/json", Body: []byte(body), HasBody: true}, 0)
	}
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"exponent beyond 999, with another problem", `"amount":9.5`, `"amount":1e1000001,"sku":"x"`, []string{"/body number_range"}},
		{"exponent beyond 999", `"amount":9.5`, `"amount":-2.5E-1000`, []string{"/body number_range"}},
		{"too many digits", `"amount":9.5`, `"amount":1` + strings.Repeat("0", 1000), []string{"/body number_range"}},
		{"exponent 999 is read", `"amount":9.5`, `"amount":1e999`, nil},
		{"integer with exponent 999 is read", `"qty":2`, `"qty":2e999`, []string{"/body/items/0/qty maximum"}},
		{"1000 digits are read", `"amount":9.5`, `"amount":` + strings.Repeat("1", 1000), nil},
	}
	for _, tt := range tests {
		body := strings.Replace(typicalOrder, tt.from, tt.to, 1)
		if got := problems(run(body)); strings.Join(got, ";") != strings.Join(tt.want, ";") {
			t.Errorf("%s: problems %q, want %q", tt.name, got, tt.want)
		}
	}
	// Many of the largest numbers cost no math/big conversion each.
	many := `{"items":[` + strings.Repeat(`{"sku":"ABC-123","qty":1e1,"price":{"amount":1e-999,"currency":"EUR"}},{"sku":"ABC-123","qty":9e0,"price":{"amount":1e999,"currency":"EUR"}},`, 25)
	many = many[:len(many)-1] + `],"shipping":{"line1":"a","city":"b","country":"DE"},"payment":{"method":"card","number":"4111111111111111","expiry":"12/29"}}`
	if res := run(many); res != nil {
		t.Fatalf("50 items of huge numbers: %q", problems(res))
	}
	// (strconv's range error is one allocation; math/big would be ten.)
	if allocs := testing.AllocsPerRun(10, func() { run(many) }); allocs > 60 {
		t.Errorf("%.0f allocations for 50 items of huge numbers: math/big per number?", allocs)
	}
}
