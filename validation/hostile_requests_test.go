package validation

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// hostileDoc has the operations a hostile client aims at: arrays of
// strings and of bounded integers (a body of many wrong items), and a
// closed form (many unknown fields).
const hostileDoc = `openapi: 3.1.0
info: {title: hostile, version: "1"}
paths:
  /tags:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                tags: {type: array, items: {type: string}}
      responses: {"200": {description: ok}}
  /list:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: array, items: {type: string}}
      responses: {"200": {description: ok}}
  /min:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: array, items: {type: integer, minimum: 10}}
      responses: {"200": {description: ok}}
  /form:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              additionalProperties: false
              properties:
                name: {type: string}
      responses: {"200": {description: ok}}
  /formopen:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              additionalProperties: {type: string}
      responses: {"200": {description: ok}}
  /formint:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              additionalProperties: {type: integer}
      responses: {"200": {description: ok}}
`

// hostileBody is the request of one row of issue 23's table: n items (or
// fields) that each fail, and a valid body of the same size.
type hostileCase struct {
	name, path, ct string
	bad, good      []byte
	goodPath       string // where the valid body goes, if not path
}

func repeatJoin(item string, n int, sep string) string {
	var b strings.Builder
	b.Grow(n * (len(item) + len(sep)))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(item)
	}
	return b.String()
}

func hostileCases() []hostileCase {
	const n = 500000
	// The valid bodies have the same size: items of 3 bytes for the wrong
	// ones' 2; the unknown fields go, valid, to a form that allows them.
	var badForm, badIntForm, goodIntForm strings.Builder
	for i := 0; i < MaxFields; i++ {
		if i > 0 {
			badForm.WriteByte('&')
			badIntForm.WriteByte('&')
			goodIntForm.WriteByte('&')
		}
		k := "f" + strconv.Itoa(i)
		badForm.WriteString(k + "=x")
		badIntForm.WriteString(k + "=x")
		goodIntForm.WriteString(k + "=1")
	}
	return []hostileCase{
		{"500,000 wrong-type items in a member", "/tags", "application/json",
			[]byte(`{"tags":[` + repeatJoin("1", n, ",") + `]}`),
			[]byte(`{"tags":[` + repeatJoin(`""`, n*2/3, ",") + `]}`), ""},
		{"500,000 wrong-type items at the root", "/list", "application/json",
			[]byte(`[` + repeatJoin("1", n, ",") + `]`),
			[]byte(`[` + repeatJoin(`""`, n*2/3, ",") + `]`), ""},
		{"1,000,000 wrong-type items (max_body 4MiB)", "/list", "application/json",
			[]byte(`[` + repeatJoin("1", 2*n, ",") + `]`),
			[]byte(`[` + repeatJoin(`""`, 2*n*2/3, ",") + `]`), ""},
		{"340,000 integers below minimum", "/min", "application/json",
			[]byte(`[` + repeatJoin("1", 340000, ",") + `]`),
			[]byte(`[` + repeatJoin("11", 340000*2/3, ",") + `]`), ""},
		{"10,000 unknown form fields", "/form", "application/x-www-form-urlencoded",
			[]byte(badForm.String()), []byte(badForm.String()), "/formopen"},
		{"10,000 wrong-type form fields", "/formint", "application/x-www-form-urlencoded",
			[]byte(badIntForm.String()), []byte(goodIntForm.String()), ""},
	}
}

func hostileSpec(t testing.TB) *Spec {
	t.Helper()
	path := t.TempDir() + "/hostile.yaml"
	writeFile(t, path, hostileDoc)
	s, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateBody(s *Spec, path, ct string, body []byte) *Result {
	var m Match
	s.Route("POST", path, &m)
	return m.Op.Validate(&m, &Request{Method: "POST", ContentType: ct, Body: body, HasBody: true}, 0)
}

// allocated returns the bytes f allocates, summed over runs.
func allocated(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		f()
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// rejectionAllowance is what a rejection may allocate beyond twice what
// the acceptance of a body of the same size allocates: its MaxCounted
// problems, each explained by the engine alone (about 1 KiB each).
const rejectionAllowance = MaxCounted * 2 << 10

// A rejection stops at MaxCounted problems: it lists the first of them,
// says "more than", and allocates (in all, not only at its peak) no more
// than the acceptance of a valid body of the same size plus its counted
// problems, whatever the number of wrong items. Before,
// every one of 500,000 problems was built first (+290 MiB for 1 MB).
func TestRejectionOfManyProblemsIsBounded(t *testing.T) {
	s := hostileSpec(t)
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			goodPath := tc.goodPath
			if goodPath == "" {
				goodPath = tc.path
			}
			if res := validateBody(s, goodPath, tc.ct, tc.good); res != nil {
				t.Fatalf("the valid body is rejected: %+v", res.Fields[:min(3, len(res.Fields))])
			}
			res := validateBody(s, tc.path, tc.ct, tc.bad)
			if res == nil {
				t.Fatal("the hostile body is accepted")
			}
			if !res.Partial || len(res.Fields) != DefaultMaxProblems || len(res.Fields)+res.More > MaxCounted {
				t.Fatalf("partial %v, %d listed, %d more: want partial, %d listed, at most %d counted", res.Partial, len(res.Fields), res.More, DefaultMaxProblems, MaxCounted)
			}
			validateBody(s, tc.path, tc.ct, tc.bad) // warm the pools
			accept := allocated(3, func() { validateBody(s, goodPath, tc.ct, tc.good) }) / 3
			reject := allocated(3, func() { validateBody(s, tc.path, tc.ct, tc.bad) }) / 3
			t.Logf("allocated: %d bytes to accept, %d to reject (body %d bytes)", accept, reject, len(tc.bad))
			if bound := 2*accept + rejectionAllowance; reject > bound {
				t.Fatalf("one rejection allocates %d bytes, more than twice the acceptance's %d + %d", reject, accept, rejectionAllowance)
			}
		})
	}
}

// Exactly MaxCounted problems are counted as such; one more is "more
// than".
func TestProblemCountUpToTheBound(t *testing.T) {
	s := hostileSpec(t)
	for _, n := range []int{MaxCounted - 1, MaxCounted, MaxCounted + 1} {
		res := validateBody(s, "/list", "application/json", []byte(`[`+repeatJoin("1", n, ",")+`]`))
		if got, partial := len(res.Fields)+res.More, n > MaxCounted; res.Partial != partial || !partial && got != n || partial && got != MaxCounted {
			t.Errorf("%d wrong items: %d counted, partial %v", n, got, res.Partial)
		}
		if res.Fields[0].Pointer != "/body/0" || res.Fields[len(res.Fields)-1].Pointer != "/body/"+strconv.Itoa(DefaultMaxProblems-1) {
			t.Errorf("%d wrong items: listed %s … %s, want the first %d in order", n, res.Fields[0].Pointer, res.Fields[len(res.Fields)-1].Pointer, DefaultMaxProblems)
		}
	}
}

// A body whose syntax fails at its very end is refused without building
// its value.
func TestSyntaxErrorAtTheEndIsBounded(t *testing.T) {
	s := hostileSpec(t)
	body := []byte(`[` + repeatJoin("1", 500000, ",") + `,]`)
	res := validateBody(s, "/list", "application/json", body)
	if res == nil || len(res.Fields) != 1 || res.Fields[0].Code != "invalid_json" {
		t.Fatalf("got %+v", res)
	}
	validateBody(s, "/list", "application/json", body)
	if got := allocated(3, func() { validateBody(s, "/list", "application/json", body) }) / 3; got > 64<<10 {
		t.Fatalf("refusing the syntax allocates %d bytes", got)
	}
}

// A form or a query string of more than MaxFields fields is refused
// before it is decoded (issue 23: 100,000 fields cost +75 MiB each); one
// of exactly MaxFields is read.
func TestFieldCountLimit(t *testing.T) {
	s := hostileSpec(t)
	fields := func(n int) string {
		var b strings.Builder
		b.WriteString("name=x")
		for i := 1; i < n; i++ {
			b.WriteString("&x" + strconv.Itoa(i) + "=1")
		}
		return b.String()
	}
	res := validateBody(s, "/form", "application/x-www-form-urlencoded", []byte(fields(100000)))
	if res == nil || len(res.Fields) != 1 || res.Fields[0].Code != "too_many_fields" || res.Fields[0].Pointer != "/body" {
		t.Fatalf("100,000 fields: %+v", res)
	}
	huge := []byte(fields(100000))
	if got := allocated(3, func() { validateBody(s, "/form", "application/x-www-form-urlencoded", huge) }) / 3; got > 4<<10 {
		t.Fatalf("refusing 100,000 fields allocates %d bytes", got)
	}
	res = validateBody(s, "/form", "application/x-www-form-urlencoded", []byte(fields(MaxFields)))
	if res == nil || res.Fields[0].Code != "additional_property" {
		t.Fatalf("%d fields: %+v", MaxFields, res)
	}
	var m Match
	s.Route("POST", "/form", &m)
	for _, n := range []int{MaxFields, MaxFields + 1} {
		res := m.Op.Validate(&m, &Request{Method: "POST", RawQuery: fields(n)}, 0)
		refused := res != nil && len(res.Fields) > 0 && res.Fields[0].Code == "too_many_fields" && res.Fields[0].Pointer == "/query"
		if refused != (n > MaxFields) {
			t.Errorf("a query of %d fields: %+v", n, res)
		}
	}
}

// A pooled parser keeps no huge stacks after a huge body.
func TestPooledParserDropsHugeStacks(t *testing.T) {
	body := []byte(`[` + repeatJoin("1", 100000, ",") + `]`)
	p := getParser(body, 0)
	if _, err := p.parse(); err != nil {
		t.Fatal(err.msg)
	}
	if cap(p.astack) <= keptStack {
		t.Fatalf("the test needs a stack over %d, got %d", keptStack, cap(p.astack))
	}
	putParser(p)
	if cap(p.astack) > keptStack || cap(p.mstack) > keptStack || len(p.chunks) > keptChunks {
		t.Fatalf("a pooled parser keeps %d array entries, %d members, %d chunks", cap(p.astack), cap(p.mstack), len(p.chunks))
	}
}

// BenchmarkHostile: rejecting each hostile body vs accepting a valid
// body of the same size (issue 23's target: a rejection costs at most
// 3× the acceptance's CPU).
//
//	go test ./validation -run '^$' -bench Hostile -benchmem
func BenchmarkHostile(b *testing.B) {
	s := hostileSpec(b)
	for _, tc := range hostileCases() {
		goodPath := tc.goodPath
		if goodPath == "" {
			goodPath = tc.path
		}
		for _, side := range []struct {
			name, path string
			body       []byte
		}{{"accept", goodPath, tc.good}, {"reject", tc.path, tc.bad}} {
			b.Run(strings.ReplaceAll(tc.name, " ", "_")+"/"+side.name, func(b *testing.B) {
				b.SetBytes(int64(len(side.body)))
				for i := 0; i < b.N; i++ {
					validateBody(s, side.path, tc.ct, side.body)
				}
			})
		}
	}
}

// Schemas the explainer does not take apart at their own level: a large
// value under them is one problem, not an engine call that builds an
// error per wrong item; allOf and $ref beside own keywords are taken
// apart (each part explained in turn), so their items are listed.
func TestLargeValuesUnderCombinedSchemas(t *testing.T) {
	body := []byte(`[` + repeatJoin("1", 500000, ",") + `]`)
	for _, tc := range []struct {
		schema  string
		partial bool   // the items are listed, up to MaxCounted
		code    string // else: one problem with this code
	}{
		{`{"allOf":[{"type":"array"}],"items":{"type":"string"}}`, true, ""},
		{`{"allOf":[{"type":"array","items":{"type":"string"}},{"maxItems":1000000}]}`, true, ""},
		{`{"$ref":"#/$defs/a","maxItems":1000000,"$defs":{"a":{"items":{"type":"string"}}}}`, true, ""},
		{`{"type":"array","uniqueItems":true,"items":{"type":"string"}}`, false, "invalid"},
		{`{"anyOf":[{"type":"array","items":{"type":"string"}},{"type":"object"}]}`, false, "invalid"},
	} {
		op := loadSchemas(t, []string{tc.schema})[0]
		validate := func() *Result {
			return op.Validate(&Match{}, &Request{Method: "POST", ContentType: "application/json", Body: body, HasBody: true}, 0)
		}
		res := validate()
		if tc.partial {
			if res == nil || !res.Partial || res.Fields[0].Pointer != "/body/0" || res.Fields[0].Code != "type" {
				t.Errorf("%s: %+v", tc.schema, res)
			}
		} else if res == nil || res.Partial || len(res.Fields) != 1 || res.Fields[0].Code != tc.code || res.Fields[0].Pointer != "/body" {
			t.Errorf("%s: %+v", tc.schema, res)
		}
		// Beyond what deciding the body costs (the walker reads a
		// uniqueItems array into a tree to compare its items, valid or
		// not), explaining it costs at most the allowance.
		decide := allocated(1, func() { walkValid(op.body.media[0].fast, body) })
		if got := allocated(1, func() { validate() }); got > decide+rejectionAllowance {
			t.Errorf("%s: a rejection allocates %d bytes, deciding it %d", tc.schema, got, decide)
		}
	}
}
