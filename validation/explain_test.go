package validation

import (
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// engineWhole is how a rejected body was explained before explain: the
// engine on the whole body.
func engineWhole(ss *schemaSet, mt *mediaType, v *jv) ([]errorpages.Field, int, int) {
	c := collector{ss: ss}
	ev := toEngine(v)
	if err := mt.schema.Validate(ev); err != nil {
		c.schemaErrors(err, ev, "/body", "", false)
		c.body = len(c.fields)
	}
	fields, more := finish(c.fields, 0)
	return fields, more, c.body
}

// checkExplain fails unless explain finds exactly the problems (pointer,
// field, code, message, hint, order, count) the engine finds on the whole
// body, for a value the fast validator rejects; and explainBody, reading
// the same value from its bytes (body), exactly those too.
func checkExplain(t *testing.T, what string, ss *schemaSet, mt *mediaType, v *jv, body []byte) {
	t.Helper()
	if mt.fast == nil || mt.schema == nil || mt.fast.validJ(v) {
		return
	}
	c := collector{ss: ss}
	found := c.explain(mt.fast, v)
	got, gotMore := finish(c.fields, 0)
	want, wantMore, wantBody := engineWhole(ss, mt, v)
	if !found || !reflect.DeepEqual(got, want) || gotMore != wantMore || c.body != wantBody {
		t.Fatalf("%s: explain found %v, %d more, %d body problems:\n%s\nthe engine on the whole body, %d more, %d body problems:\n%s",
			what, found, gotMore, c.body, fieldLines(got), wantMore, wantBody, fieldLines(want))
	}
	p := getParser(body, DefaultMaxDepth)
	defer putParser(p)
	if jerr := p.skim(); jerr != nil {
		t.Fatalf("%s: skim refuses a body parse accepts: %s", what, jerr.msg)
	}
	p.rewind()
	cb := collector{ss: ss}
	found = cb.explainBody(p, mt.fast)
	got, gotMore = finish(cb.fields, 0)
	if !found || !reflect.DeepEqual(got, want) || gotMore != wantMore || cb.body != wantBody {
		t.Fatalf("%s: explainBody found %v, %d more, %d body problems:\n%s\nthe engine on the whole body, %d more, %d body problems:\n%s",
			what, found, gotMore, cb.body, fieldLines(got), wantMore, wantBody, fieldLines(want))
	}
}

func fieldLines(fs []errorpages.Field) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.Pointer + " | " + f.Field + " | " + f.Code + " | " + f.Message + " | " + f.Hint + "\n")
	}
	return b.String()
}

// explainSchemas are taken apart by explain at several depths, and fall
// back to the engine where they cannot be.
var explainSchemas = []string{
	`{"type":"object","additionalProperties":false,"required":["a","items","o"],
	  "properties":{"a":{"type":"integer","minimum":1},"name":{"type":"string","minLength":2},
	    "items":{"type":"array","minItems":1,"maxItems":3,"items":{"$ref":"#/$defs/item"}},
	    "o":{"$ref":"#/$defs/o"},"free":{"additionalProperties":{"type":"integer","maximum":5}},
	    "nul":{"type":["object","null"],"properties":{"x":{"type":"string"}}},
	    "arr":{"items":{"items":{"type":"integer"}}}},
	  "$defs":{"item":{"type":"object","additionalProperties":false,"required":["sku"],"properties":{"sku":{"type":"string","pattern":"^[A-Z]+$"},"qty":{"type":"integer","minimum":1}}},
	    "o":{"$ref":"#/$defs/o2"},"o2":{"type":"object","required":["k"],"properties":{"k":{"enum":["x","y"]},"deep":{"$ref":"#/$defs/o2"}},"additionalProperties":false}}}`,
	// $ref beside properties: not taken apart at the root.
	`{"$ref":"#/$defs/base","properties":{"b":{"type":"string"}},"$defs":{"base":{"required":["a"],"properties":{"a":{"type":"integer"}}}}}`,
	// Keywords explain leaves to the engine at that level.
	`{"type":"object","minProperties":2,"properties":{"a":{"type":"object","required":["z"],"properties":{"z":{"type":"integer"}}}}}`,
	`{"type":"object","properties":{"p":{"oneOf":[{"type":"object","required":["a"],"additionalProperties":false,"properties":{"a":{"type":"integer"}}},{"type":"object","required":["b"]}]}}}`,
	`{"type":"object","patternProperties":{"^x":{"type":"integer"}},"properties":{"a":{"type":"object","additionalProperties":false}}}`,
	`{"type":"array","uniqueItems":true,"items":{"type":"object","required":["id"]}}`,
	`{"type":"object","properties":{"ro":false,"n":{"type":"object","properties":{"ro":false}}}}`,
}

var explainBodies = []string{
	`{}`, `[]`, `1`, `null`, `"s"`,
	`{"a":0}`, `{"a":1,"items":[],"o":{"k":"x"}}`, `{"a":1,"items":[{"sku":"A"}],"o":{"k":"x"}}`,
	`{"a":0,"nmae":"x","items":[{"sku":"a","qty":0},{"sku":"B","extra":1},{"qty":"x"},{}],"o":{"k":"z","deep":{"deep":{}}}}`,
	`{"a":"1","items":{},"o":[],"free":{"x":6,"y":"s","z":1},"nul":null,"arr":[[1,"2"],[3],"x"]}`,
	`{"a":1,"items":[{"sku":"A"}],"o":{"k":"x"},"nul":{"x":1},"name":"n","Name":"x","free":3}`,
	`{"a":1,"items":[{"sku":"A"},{"sku":"B"},{"sku":"C"},{"sku":"d"}],"o":{"k":"x","deep":{"k":"y","deep":{"k":"q","z":1}}}}`,
	`{"a":"x","b":1}`, `{"b":"x"}`, `{"a":1}`, `{"a":{}}`, `{"a":{"z":"1"},"b":1}`,
	`{"p":{"a":"1"}}`, `{"p":{"a":1,"c":1}}`, `{"p":{}}`, `{"p":1}`,
	`{"xa":"1","a":{"b":1}}`, `{"a":{"b":1},"c":2}`,
	`[{"id":1},{"id":1},{}]`, `[{}]`, `[{"id":1},{"id":2}]`,
	`{"ro":1}`, `{"n":{"ro":1}}`, `{"n":{"ro":1},"ro":2}`,
}

func loadSchemas(t testing.TB, schemas []string) []*Operation {
	t.Helper()
	dir := t.TempDir()
	var out []*Operation
	for i, s := range schemas {
		path := dir + "/e" + itoa(i) + ".json"
		writeFile(t, path, s)
		op, err := LoadJSONSchema(path, Options{})
		if err != nil {
			t.Fatalf("schema %d: %v", i, err)
		}
		out = append(out, op)
	}
	return out
}

func writeFile(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExplainFindsWhatTheEngineFinds: every explain and walk schema
// against every body, explain vs the engine on the whole body.
func TestExplainFindsWhatTheEngineFinds(t *testing.T) {
	ops := loadSchemas(t, append(append([]string(nil), explainSchemas...), walkSchemas...))
	rejected := 0
	for i, op := range ops {
		mt := op.body.media[0]
		if mt.fast == nil {
			t.Fatalf("schema %d has no fast validator", i)
		}
		for _, b := range append(append([]string(nil), explainBodies...), walkBodies...) {
			v, jerr := parseJSON([]byte(b), DefaultMaxDepth)
			if jerr != nil {
				continue
			}
			if !mt.fast.validJ(&v) {
				rejected++
			}
			checkExplain(t, "schema "+itoa(i)+" body "+b, op.schemas, mt, &v, []byte(b))
		}
	}
	if rejected < 100 {
		t.Fatalf("only %d rejected pairs: the table tests little", rejected)
	}
}

// TestExplainShopBodies: the shop's operations (discriminated oneOf,
// readOnly, $refs across files) with bodies of many problems.
func TestExplainShopBodies(t *testing.T) {
	sh := spec(t, shop, Options{})
	bodies := []string{
		strings.NewReplacer(`"qty":2`, `"qty":0`, `"city":"Berlin"`, `"city":""`, `"country":"DE"`, `"country":"XX"`, `ann.example@example.com`, `nope`, `"note"`, `"nots"`).Replace(typicalOrder),
		strings.NewReplacer(`"method":"card"`, `"method":"cash"`).Replace(typicalOrder),
		strings.NewReplacer(`"method":"card"`, `"method":"voucher"`, `"sku":"ABC-123"`, `"sku":"abc"`, `"currency":"EUR"`, `"currency":"euro"`).Replace(typicalOrder),
		strings.NewReplacer(`"payment":{`, `"payment":{"x":1,`, `"items":[`, `"items":[1,`).Replace(typicalOrder),
		`{"items":[],"payment":{},"shipping":{"line1":""},"emial":"a"}`,
		`{"id":1,"name":"","price":{"amount":-1},"tags":["a","a"],"createdAt":"x","colour":"red"}`,
		`{"name":"n","email":"x","birthday":"2024-13-01","marketing":"yes","nmae":1}`,
		`{"items":{},"shipping":[],"payment":null}`, `[]`, `{}`,
	}
	routes := []struct{ method, path string }{
		{"POST", "/api/orders"}, {"POST", "/api/customers"}, {"POST", "/api/products"}, {"PATCH", "/api/products/1"},
		{"PUT", "/api/orders/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55/payment"},
	}
	rejected := 0
	for _, rt := range routes {
		var m Match
		sh.Route(rt.method, rt.path, &m)
		if m.Op == nil || m.Op.body == nil {
			t.Fatalf("%s %s: no operation with a body", rt.method, rt.path)
		}
		for _, b := range bodies {
			v, jerr := parseJSON([]byte(b), DefaultMaxDepth)
			if jerr != nil {
				t.Fatal(jerr.msg)
			}
			for _, mt := range m.Op.body.media {
				if mt.fast != nil && !mt.fast.validJ(&v) {
					rejected++
				}
				checkExplain(t, rt.method+" "+rt.path+" "+b, m.Op.schemas, mt, &v, []byte(b))
			}
		}
	}
	if rejected < 30 {
		t.Fatalf("only %d rejected pairs", rejected)
	}
}

// TestInvalidOrderAllocations: the engine runs only on the failing
// members of the 5-problem order (the whole body took 467 allocations),
// and what the problems are built from is looked up once per schema (148).
func TestInvalidOrderAllocations(t *testing.T) {
	sh := spec(t, shop, Options{})
	var m Match
	sh.Route("POST", "/api/orders", &m)
	h := http.Header{}
	for k, v := range orderHeaders {
		h.Set(k, v)
	}
	body := strings.NewReplacer(`"qty":2`, `"qty":0`, `"city":"Berlin"`, `"city":""`, `"country":"DE"`, `"country":"XX"`, `ann.example@example.com`, `nope`, `"note"`, `"nots"`).Replace(typicalOrder)
	r := &Request{Method: "POST", Header: h, ContentType: "application/json", Body: []byte(body), HasBody: true}
	if res := m.Op.Validate(&m, r, 0); res == nil || len(res.Fields) != 5 {
		t.Fatalf("want 5 problems, got %q", problems(res))
	}
	if n := testing.AllocsPerRun(20, func() { m.Op.Validate(&m, r, 0) }); n > 120 {
		t.Fatalf("%v allocations rejecting the order, want at most 120", n)
	}
}

// comparePointersBySplit is comparePointers as it was: the pointers split
// into tokens first.
func comparePointersBySplit(a, b string) int {
	ta, tb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(ta) && i < len(tb); i++ {
		x, y := ta[i], tb[i]
		if x == y {
			continue
		}
		if isIndex(x) && isIndex(y) {
			if len(x) != len(y) {
				return len(x) - len(y)
			}
		}
		return strings.Compare(x, y)
	}
	return len(ta) - len(tb)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// TestComparePointersLikeSplit: every pair of a table of pointers orders
// as with the split tokens.
func TestComparePointersLikeSplit(t *testing.T) {
	ptrs := []string{"", "/", "//", "/body", "/body/", "/body/a", "/body/a/b", "/body/items/0", "/body/items/1", "/body/items/10",
		"/body/items/2/qty", "/body/items/01", "/body/items/0/qty", "/body/itemsx", "/query/a", "/bod", "body", "/body/a~1b", "/body/9", "/body/10/x"}
	for _, a := range ptrs {
		for _, b := range ptrs {
			if got, want := sign(comparePointers(a, b)), sign(comparePointersBySplit(a, b)); got != want {
				t.Errorf("comparePointers(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func FuzzComparePointers(f *testing.F) {
	f.Add("/body/items/10/qty", "/body/items/9")
	f.Add("/body", "/body/")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := sign(comparePointers(a, b)), sign(comparePointersBySplit(a, b)); got != want {
			t.Fatalf("comparePointers(%q, %q) = %d, want %d", a, b, got, want)
		}
	})
}

// TestLocationRank: each location, its members, and what only looks like one.
func TestLocationRank(t *testing.T) {
	for ptr, want := range map[string]int{
		"/path": 0, "/path/id": 0, "/pathx": 5, "/query/a": 1, "/query": 1, "/header/X-A": 2, "/cookie/s": 3,
		"/body": 4, "/body/a/0": 4, "/bodyx": 5, "/bod": 5, "": 5, "/": 5, "body": 5, "/body//": 4,
	} {
		if got := locationRank(ptr); got != want {
			t.Errorf("locationRank(%q) = %d, want %d", ptr, got, want)
		}
	}
}
