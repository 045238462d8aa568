package validation

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParams feeds arbitrary paths, queries, headers and cookies through
// every parameter style of the shop document: no panic, and every
// problem has a location-qualified pointer, a code and a message.
func FuzzParams(f *testing.F) {
	for _, s := range []string{
		"/api/products?filter[color]=red&tags=a|b&limit=3", "/api/reports/;from=2024-01-01;to=2024-01-02",
		"/api/carts/.abc", "/api/products/search.json?q=ab", "/api/orders?status=open&status=paid&since=2024-01-01",
		"/api/customers?fields=name,email", "/api/products?filter[a][b][c]=1&filter[=x", "/api/reports/;;=;a=b,c",
		"/api/carts/.%zz", "/api/products?%=&&=&limit=%ff",
	} {
		f.Add(s, "acme", "session=abcdefghijklmnopqrstu")
	}
	sh := spec(f, shop, Options{RejectUnknownQuery: true})
	p30 := spec(f, pets, Options{})
	f.Fuzz(func(t *testing.T, target, header, cookie string) {
		path, query, _ := strings.Cut(target, "?")
		for _, s := range []*Spec{sh, p30} {
			for _, method := range []string{"GET", "POST"} {
				var m Match
				s.Route(method, path, &m)
				if m.Result != Found {
					continue
				}
				h := http.Header{"X-Tenant": {header}, "Cookie": {cookie}, "X-Trace": {header}, "Idempotency-Key": {header}}
				res := m.Op.Validate(&m, &Request{Method: method, RawQuery: query, Header: h}, 0)
				checkResult(t, res)
				checkQuickParams(t, m.Op, h, res)
			}
		}
	})
}

// FuzzBody feeds arbitrary bodies under each body kind: no panic, sane
// problems, and a body the strict parser accepts is one encoding/json
// reads to the same value.
func FuzzBody(f *testing.F) {
	f.Add("application/json", []byte(validOrder))
	f.Add("application/json", []byte(`{"a":1,"a":2}`))
	f.Add("application/json", []byte(`[[[[[[[[[[]]]]]]]]]]`))
	f.Add("application/json", []byte("{\"\xff\":1}"))
	f.Add("application/json", []byte(`"\ud83d\ude00"`))
	f.Add("application/x-www-form-urlencoded", []byte("name=Ann&email=a%40b.co&interests=shoes"))
	ct, body := multipartBody([3]string{"image", "a.png|image/png", "x"}, [3]string{"alt", "", "abc"})
	f.Add(ct, []byte(body))
	f.Add("multipart/form-data; boundary=XYZ", []byte("--XYZ\r\n\r\n--XYZ--"))
	sh := spec(f, shop, Options{})
	routes := []struct{ method, path string }{
		{"POST", "/api/orders"}, {"POST", "/api/customers"}, {"POST", "/api/products/1/images"}, {"PUT", "/api/orders/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55/payment"},
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		for _, rt := range routes {
			var m Match
			sh.Route(rt.method, rt.path, &m)
			h := http.Header{}
			for k, v := range orderHeaders {
				h.Set(k, v)
			}
			res := m.Op.Validate(&m, &Request{Method: rt.method, Header: h, ContentType: ct, Body: body, HasBody: len(body) > 0}, 0)
			checkResult(t, res)
		}
		v, jerr := parseJSON(body, DefaultMaxDepth)
		checkPooledParse(t, body, &v, jerr)
		checkSkim(t, body, jerr)
		// The walker accepts exactly the bodies the parser accepts and
		// the fast validator (so the engine) finds valid.
		if got := walkValid(nil, body); got != (jerr == nil) {
			t.Fatalf("walker without a schema says %v, parser error %v", got, jerr)
		}
		for _, rt := range routes {
			var m Match
			sh.Route(rt.method, rt.path, &m)
			for _, mt := range m.Op.body.media {
				if mt.fast == nil {
					continue
				}
				if got, want := walkValid(mt.fast, body), jerr == nil && mt.fast.validJ(&v); got != want {
					t.Fatalf("%s %s %s: walker says %v, parse + fast path %v for %s", rt.method, rt.path, mt.rng, got, want, body)
				}
			}
		}
		if jerr == nil {
			// The fast validator decides exactly as the engine does.
			for _, rt := range routes {
				var m Match
				sh.Route(rt.method, rt.path, &m)
				for _, mt := range m.Op.body.media {
					if mt.fast == nil || mt.schema == nil {
						continue
					}
					if fast, engine := mt.fast.validJ(&v), mt.schema.Validate(toEngine(&v)) == nil; fast != engine {
						t.Fatalf("%s %s: fast says %v, engine %v for %s", rt.method, rt.path, fast, engine, body)
					}
					checkExplain(t, rt.method+" "+rt.path, m.Op.schemas, mt, &v, body)
				}
			}
			var std any
			d := json.NewDecoder(strings.NewReader(string(body)))
			d.UseNumber()
			if err := d.Decode(&std); err != nil {
				t.Fatalf("strict parser accepted what encoding/json rejects: %v", err)
			}
			a, _ := json.Marshal(toEngine(&v))
			b, _ := json.Marshal(std)
			if string(a) != string(b) {
				t.Fatalf("values differ: %s vs %s", a, b)
			}
		} else if jerr.offset < 0 || jerr.offset > len(body) {
			t.Fatalf("offset %d outside the body", jerr.offset)
		}
	})
}

func checkResult(t *testing.T, res *Result) {
	t.Helper()
	if res == nil {
		return
	}
	if len(res.Fields) == 0 || len(res.Fields) > DefaultMaxProblems {
		t.Fatalf("%d problems", len(res.Fields))
	}
	if res.Status != 400 && res.Status != 415 {
		t.Fatalf("status %d", res.Status)
	}
	for _, f := range res.Fields {
		if locationRank(f.Pointer) > 4 || f.Code == "" || f.Message == "" {
			t.Fatalf("bad problem %+v", f)
		}
		if !utf8.ValidString(f.Field + f.Message + f.Hint + f.Pointer) {
			t.Fatalf("problem is not UTF-8: %+v", f)
		}
	}
}

// checkPooledParse parses body with a pooled parser (the request path)
// and checks that it reads what parseJSON read, or fails the same way.
func checkPooledParse(t *testing.T, body []byte, want *jv, werr *jsonError) {
	t.Helper()
	p := getParser(body, DefaultMaxDepth)
	defer putParser(p)
	v, err := p.parse()
	if (err == nil) != (werr == nil) || err != nil && (err.code != werr.code || err.offset != werr.offset) {
		t.Fatalf("pooled parser: %+v, parseJSON: %+v", err, werr)
	}
	if err == nil {
		a, _ := json.Marshal(toEngine(&v))
		b, _ := json.Marshal(toEngine(want))
		if string(a) != string(b) {
			t.Fatalf("pooled parser read %s, parseJSON %s", a, b)
		}
	}
}

// checkQuickParams checks that a parameter the allocation-free path
// accepts is one the general path finds no problem with.
func checkQuickParams(t *testing.T, op *Operation, h http.Header, res *Result) {
	t.Helper()
	for _, p := range op.params {
		if !p.quickValid(h) || res == nil {
			continue
		}
		for _, f := range res.Fields {
			if f.Pointer == p.ptr || strings.HasPrefix(f.Pointer, p.ptr+"/") {
				t.Fatalf("%s: quick path accepts what the general path reports: %+v", p.ptr, f)
			}
		}
	}
}

// checkSkim fails unless skim, which reads a body's syntax without
// building its value, gives parse's answer: the same error, or none.
func checkSkim(t *testing.T, body []byte, want *jsonError) {
	t.Helper()
	p := getParser(body, DefaultMaxDepth)
	defer putParser(p)
	got := p.skim()
	if (got == nil) != (want == nil) || got != nil && *got != *want {
		t.Fatalf("skim says %+v, parse %+v for %q", got, want, body)
	}
}
