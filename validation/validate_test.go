package validation

import (
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

var (
	specsMu sync.Mutex
	specs   = map[string]*Spec{}
)

// spec loads a test document once per options.
func spec(t testing.TB, path string, opts Options) *Spec {
	t.Helper()
	key := path + "|" + strings.Join([]string{boolStr(opts.SkipFormats), boolStr(opts.AllowReadOnly), boolStr(opts.RejectUnknownQuery)}, ",")
	specsMu.Lock()
	defer specsMu.Unlock()
	if s, ok := specs[key]; ok {
		return s
	}
	s, err := Load(path, opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	specs[key] = s
	return s
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

const (
	users = "testdata/users31.yaml"
	shop  = "testdata/shop/openapi.yaml"
	pets  = "testdata/pets30.yaml"
)

// req describes a request in a table row.
type req struct {
	method, target string
	header         map[string]string
	ct, body       string
}

// outcome is what validating req gave: the route result, the status (0
// when valid) and the problems as "pointer code" strings.
type outcome struct {
	route  RouteResult
	op     string
	status int
	res    *Result
}

func run(t testing.TB, s *Spec, r req) outcome {
	t.Helper()
	path, query, _ := strings.Cut(r.target, "?")
	var m Match
	s.Route(r.method, path, &m)
	o := outcome{route: m.Result}
	if m.Result != Found {
		return o
	}
	o.op = m.Op.ID
	h := http.Header{}
	for k, v := range r.header {
		h.Set(k, v)
	}
	vr := &Request{Method: r.method, RawQuery: query, Header: h, ContentType: r.ct}
	if r.body != "" {
		vr.Body, vr.HasBody = []byte(r.body), true
	}
	o.res = m.Op.Validate(&m, vr, 0)
	if o.res != nil {
		o.status = o.res.Status
	}
	return o
}

func problems(res *Result) []string {
	if res == nil {
		return nil
	}
	out := make([]string, len(res.Fields))
	for i, f := range res.Fields {
		out[i] = f.Pointer + " " + f.Code
	}
	return out
}

func findField(res *Result, ptr string) *errorpages.Field {
	if res == nil {
		return nil
	}
	for i := range res.Fields {
		if res.Fields[i].Pointer == ptr {
			return &res.Fields[i]
		}
	}
	return nil
}

func TestRouting(t *testing.T) {
	s := spec(t, users, Options{})
	sh := spec(t, shop, Options{})
	tests := []struct {
		name   string
		s      *Spec
		method string
		path   string
		want   RouteResult
		op     string
		allow  string
	}{
		{"literal segment wins over a template", s, "GET", "/v1/users/me", Found, "getMe", ""},
		{"templated segment matches", s, "GET", "/v1/users/42", Found, "getUser", ""},
		{"unknown path is not found", s, "GET", "/v1/orders", NotFound, "", ""},
		{"path outside the base path is not found", s, "GET", "/users", NotFound, "", ""},
		{"base path must end at a segment boundary", s, "GET", "/v1users", NotFound, "", ""},
		{"trailing slash is a different path", s, "GET", "/v1/users/", NotFound, "", ""},
		{"undeclared method lists the declared ones", s, "PUT", "/v1/users/42", MethodNotAllowed, "", "DELETE, GET, HEAD"},
		{"HEAD is routed as GET", s, "HEAD", "/v1/users/42", Found, "getUser", ""},
		{"OPTIONS passes when the path does not declare it", s, "OPTIONS", "/v1/users", Skip, "", ""},
		{"OPTIONS passes even on unknown paths", s, "OPTIONS", "/v1/zzz", Skip, "", ""},
		{"declared OPTIONS is validated", sh, "OPTIONS", "/api/health", Found, "healthOptions", ""},
		{"template with a literal suffix in one segment", sh, "GET", "/api/products/search.csv", Found, "searchProducts", ""},
		{"literal segment beats the mixed one", sh, "GET", "/api/products/42/images", Found, "listProductImages", ""},
		{"backtracks from a literal to a template", sh, "GET", "/api/categories/5/products", Found, "listCategoryProducts", ""},
		{"escaped path segment is unescaped for matching", sh, "GET", "/api/%63oupons", Found, "listCoupons", ""},
		{"empty segment does not fill a template", sh, "GET", "/api/coupons/", NotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Match
			tt.s.Route(tt.method, tt.path, &m)
			if m.Result != tt.want {
				t.Fatalf("Route(%s %s) = %v, want %v", tt.method, tt.path, m.Result, tt.want)
			}
			if tt.op != "" && m.Op.ID != tt.op {
				t.Errorf("operation = %s, want %s", m.Op.ID, tt.op)
			}
			if tt.allow != "" && m.Allow != tt.allow {
				t.Errorf("Allow = %q, want %q", m.Allow, tt.allow)
			}
		})
	}
}

const validOrder = `{"items":[{"sku":"ABC-123","qty":2,"price":{"amount":9.5,"currency":"EUR"}}],
"shipping":{"line1":"1 Main St","city":"Berlin","country":"DE"},
"payment":{"method":"card","number":"4111111111111111","expiry":"12/29"},"email":"ann@example.com"}`

var orderHeaders = map[string]string{
	"X-Tenant":        "acme",
	"Idempotency-Key": "6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55",
	"Cookie":          "session=abcdefghijklmnopqrstuvwxyz",
}

func withHeader(base map[string]string, kv ...string) map[string]string {
	h := map[string]string{}
	for k, v := range base {
		h[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(h, kv[i])
		} else {
			h[kv[i]] = kv[i+1]
		}
	}
	return h
}

func TestParameters(t *testing.T) {
	u := spec(t, users, Options{})
	sh := spec(t, shop, Options{})
	p30 := spec(t, pets, Options{})
	strict := spec(t, shop, Options{RejectUnknownQuery: true})
	tests := []struct {
		name string
		s    *Spec
		r    req
		want []string // "pointer code", in order; nil: valid
	}{
		{"integer query parameter is coerced", u, req{method: "GET", target: "/v1/users?limit=10&role=admin"}, nil},
		{"query text that is not an integer", u, req{method: "GET", target: "/v1/users?limit=ten"}, []string{"/query/limit type"}},
		{"query integer below minimum", u, req{method: "GET", target: "/v1/users?limit=0"}, []string{"/query/limit minimum"}},
		{"query value outside the enum", u, req{method: "GET", target: "/v1/users?role=root"}, []string{"/query/role enum"}},
		{"a single-valued parameter given twice", u, req{method: "GET", target: "/v1/users?limit=1&limit=2"}, []string{"/query/limit duplicate"}},
		{"undeclared query parameters are allowed by default", u, req{method: "GET", target: "/v1/users?debug=1"}, nil},
		{"undeclared query parameters rejected when configured", strict, req{method: "GET", target: "/api/products?limt=5"}, []string{"/query/limt unknown_parameter"}},
		{"deepObject properties are coerced", sh, req{method: "GET", target: "/api/products?filter[color]=red&filter[minPrice]=3.5&filter[inStock]=true"}, nil},
		{"deepObject property outside its enum", sh, req{method: "GET", target: "/api/products?filter[color]=pink"}, []string{"/query/filter/color enum"}},
		{"deepObject property not declared", sh, req{method: "GET", target: "/api/products?filter[size]=9"}, []string{"/query/filter/size additional_property"}},
		{"deepObject boolean that is not one", sh, req{method: "GET", target: "/api/products?filter[inStock]=maybe"}, []string{"/query/filter/inStock type"}},
		{"pipeDelimited array over maxItems", sh, req{method: "GET", target: "/api/products?tags=a|b|c|d"}, []string{"/query/tags max_items"}},
		{"exploded form array item outside enum", sh, req{method: "GET", target: "/api/orders?status=open&status=lost"}, []string{"/query/status/1 enum"}},
		{"comma form array item outside enum", sh, req{method: "GET", target: "/api/customers?fields=name,phone"}, []string{"/query/fields/1 enum"}},
		{"spaceDelimited array item that is not an integer", p30, req{method: "GET", target: "/v2/pets?ids=1%202%20x"}, []string{"/query/ids/2 type"}},
		{"query date format", sh, req{method: "GET", target: "/api/orders?since=yesterday"}, []string{"/query/since format"}},
		{"badly percent-encoded query", u, req{method: "GET", target: "/v1/users?limit=%zz"}, []string{"/query invalid_encoding"}},
		{"query that is not UTF-8", u, req{method: "GET", target: "/v1/users?role=%ff"}, []string{"/query invalid_encoding"}},
		{"path parameter failing its schema is a 400", u, req{method: "GET", target: "/v1/users/abc"}, []string{"/path/id type"}},
		{"path parameter below minimum", u, req{method: "GET", target: "/v1/users/0"}, []string{"/path/id minimum"}},
		{"path parameter in a mixed segment", sh, req{method: "GET", target: "/api/products/search.xml?q=shoes"}, []string{"/path/format enum"}},
		{"required query parameter missing", sh, req{method: "GET", target: "/api/products/search.json"}, []string{"/query/q required"}},
		{"label style path parameter", sh, req{method: "GET", target: "/api/carts/.c123"}, nil},
		{"label style without its dot", sh, req{method: "GET", target: "/api/carts/c123"}, []string{"/path/cartId style"}},
		{"matrix style exploded object", sh, req{method: "GET", target: "/api/reports/;from=2024-01-01;to=2024-02-30"}, []string{"/path/range/to format"}},
		{"matrix style object missing a property", sh, req{method: "GET", target: "/api/reports/;from=2024-01-01"}, []string{"/path/range/to required"}},
		{"int32 format bounds a path integer", p30, req{method: "GET", target: "/v2/pets/3000000000"}, []string{"/path/petId format"}},
		{"3.0 boolean exclusiveMinimum", p30, req{method: "GET", target: "/v2/pets?weight=0"}, []string{"/query/weight minimum"}},
		{"header array in simple style", p30, req{method: "GET", target: "/v2/pets", header: map[string]string{"X-Trace": "a, b"}}, nil},
		{"required header missing", u, req{method: "POST", target: "/v1/users", ct: "application/json", body: `{"email":"a@b.co","name":"A","age":20}`}, []string{"/header/X-Tenant required"}},
		{"header failing its pattern", u, req{method: "POST", target: "/v1/users", header: map[string]string{"X-Tenant": "AB"}, ct: "application/json", body: `{"email":"a@b.co","name":"A","age":20}`}, []string{"/header/X-Tenant pattern"}},
		{"required cookie missing", sh, req{method: "POST", target: "/api/orders", header: withHeader(orderHeaders, "Cookie", ""), ct: "application/json", body: validOrder}, []string{"/cookie/session required"}},
		{"cookie too short", sh, req{method: "POST", target: "/api/orders", header: withHeader(orderHeaders, "Cookie", "theme=dark; session=short"), ct: "application/json", body: validOrder}, []string{"/cookie/session min_length"}},
		{"JSON content in a query parameter", sh, req{method: "GET", target: "/api/coupons?where=%7B%22minAmount%22%3A5%7D"}, nil},
		{"JSON content in a query parameter failing its schema", sh, req{method: "GET", target: "/api/coupons?where=%7B%22minAmount%22%3A-1%2C%22x%22%3A1%7D"}, []string{"/query/where/minAmount minimum", "/query/where/x additional_property"}},
		{"JSON content that is not JSON", sh, req{method: "GET", target: "/api/coupons?where=%7B"}, []string{"/query/where invalid_json"}},
		{"exploded object header", sh, req{method: "GET", target: "/api/coupons", header: map[string]string{"X-Client": "name=app,version=3"}}, nil},
		{"exploded object header with a wrong type", sh, req{method: "GET", target: "/api/coupons", header: map[string]string{"X-Client": "name=app,version=x"}}, []string{"/header/X-Client/version type"}},
		{"header object missing a required property", sh, req{method: "GET", target: "/api/coupons", header: map[string]string{"X-Client": "version=3"}}, []string{"/header/X-Client/name required"}},
		{"header uuid format", sh, req{method: "POST", target: "/api/orders", header: withHeader(orderHeaders, "Idempotency-Key", "1234"), ct: "application/json", body: validOrder}, []string{"/header/Idempotency-Key format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, tt.s, tt.r)
			if o.route != Found {
				t.Fatalf("route = %v", o.route)
			}
			if got := problems(o.res); strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
			if tt.want != nil && o.status != 400 {
				t.Errorf("status = %d, want 400", o.status)
			}
		})
	}
}

func TestProblemDetails(t *testing.T) {
	u := spec(t, users, Options{})
	sh := spec(t, shop, Options{})
	strict := spec(t, shop, Options{RejectUnknownQuery: true})
	tests := []struct {
		name                 string
		s                    *Spec
		r                    req
		ptr                  string
		field, message, hint string
	}{
		{"minimum says the bound", u, req{method: "GET", target: "/v1/users?limit=0"}, "/query/limit", "limit", "must be at least 1", ""},
		{"enum hint lists the allowed values", u, req{method: "GET", target: "/v1/users?role=root"}, "/query/role", "role", "must be one of the allowed values", "allowed: admin, member"},
		{"deepObject field name uses brackets", sh, req{method: "GET", target: "/api/products?filter[color]=pink"}, "/query/filter/color", "filter[color]", "must be one of the allowed values", "allowed: red, green, blue"},
		{"unknown query parameter close to a declared one", strict, req{method: "GET", target: "/api/products?limt=5"}, "/query/limt", "limt", "is not a parameter of this operation", "did you mean `limit`?"},
		{"path type says the type", u, req{method: "GET", target: "/v1/users/abc"}, "/path/id", "id", "must be an integer", ""},
		{"nested body field name", sh, req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json", body: strings.Replace(validOrder, `"qty":2`, `"qty":0`, 1)}, "/body/items/0/qty", "items[0].qty", "must be at least 1", ""},
		{"missing property at its own pointer", sh, req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json", body: strings.Replace(validOrder, `"city":"Berlin",`, ``, 1)}, "/body/shipping/city", "shipping.city", "is required", ""},
		{"unknown property close to a declared one", sh, req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json", body: strings.Replace(validOrder, `"email"`, `"emial"`, 1)}, "/body/emial", "emial", "is not allowed here", "did you mean `email`?"},
		{"format message for email", sh, req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json", body: strings.Replace(validOrder, `ann@example.com`, `ann-at-example`, 1)}, "/body/email", "email", "must be a valid email address", ""},
		{"discriminator value missing", sh, req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json", body: strings.Replace(validOrder, `"method":"card",`, ``, 1)}, "/body/payment/method", "payment.method", "is required", "expected one of: bank_transfer, card, voucher"},
		{"discriminator value unknown", sh, req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json", body: strings.Replace(validOrder, `"method":"card"`, `"method":"cash"`, 1)}, "/body/payment/method", "payment.method", "must be one of the allowed values", "expected one of: bank_transfer, card, voucher"},
		{"pattern hint gives the pattern", sh, req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json", body: strings.Replace(validOrder, `12/29`, `13/29`, 1)}, "/body/payment/expiry", "payment.expiry", "does not have the expected format", "must match the pattern ^(0[1-9]|1[0-2])/[0-9]{2}$"},
		{"readOnly property", sh, req{method: "POST", target: "/api/products", header: map[string]string{"X-Tenant": "acme"}, ct: "application/json", body: `{"id":1,"name":"Hat","price":{"amount":1,"currency":"EUR"}}`}, "/body/id", "id", "is read-only and cannot be set in a request", ""},
		{"property names that are not identifiers are quoted", sh, req{method: "POST", target: "/api/products", header: map[string]string{"X-Tenant": "acme"}, ct: "application/json", body: `{"name":"Hat","price":{"amount":1,"currency":"EUR"},"a b":1}`}, "/body/a b", `["a b"]`, "is not allowed here", ""},
		{"invalid JSON gives the byte offset", u, req{method: "POST", target: "/v1/users", header: map[string]string{"X-Tenant": "abc"}, ct: "application/json", body: `{"email": "a@b.co",}`}, "/body", "", "is not valid JSON: expected a property name in double quotes at byte 19", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, tt.s, tt.r)
			f := findField(o.res, tt.ptr)
			if f == nil {
				t.Fatalf("no problem at %s; got %q", tt.ptr, problems(o.res))
			}
			if f.Field != tt.field || f.Message != tt.message || f.Hint != tt.hint {
				t.Errorf("got field %q message %q hint %q\nwant field %q message %q hint %q", f.Field, f.Message, f.Hint, tt.field, tt.message, tt.hint)
			}
		})
	}
}

func TestBodies(t *testing.T) {
	u := spec(t, users, Options{})
	sh := spec(t, shop, Options{})
	p30 := spec(t, pets, Options{})
	noFormats := spec(t, shop, Options{SkipFormats: true})
	allowRO := spec(t, shop, Options{AllowReadOnly: true})
	tenant := map[string]string{"X-Tenant": "acme"}
	product := `{"name":"Hat","price":{"amount":1,"currency":"EUR"}}`
	tests := []struct {
		name   string
		s      *Spec
		r      req
		status int
		want   []string
		header string // "Name: value" expected on the result
	}{
		{"valid order", sh, req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json", body: validOrder}, 0, nil, ""},
		{"valid body with a charset", sh, req{method: "POST", target: "/api/products", header: tenant, ct: "application/json; charset=UTF-8", body: product}, 0, nil, ""},
		{"readOnly property listed in required may be omitted", sh, req{method: "POST", target: "/api/products", header: tenant, ct: "application/json", body: product}, 0, nil, ""},
		{"readOnly property accepted when allowed", allowRO, req{method: "POST", target: "/api/products", header: tenant, ct: "application/json", body: `{"id":1,"name":"Hat","price":{"amount":1,"currency":"EUR"}}`}, 0, nil, ""},
		{"required body missing", sh, req{method: "POST", target: "/api/products", header: tenant}, 400, []string{"/body required"}, ""},
		{"optional body missing", sh, req{method: "POST", target: "/api/categories"}, 0, nil, ""},
		{"body without Content-Type", sh, req{method: "POST", target: "/api/products", header: tenant, body: product}, 415, []string{"/body media_type"}, "Accept-Post: application/json"},
		{"POST with an undeclared media type", sh, req{method: "POST", target: "/api/customers", ct: "text/plain", body: "hi"}, 415, []string{"/body media_type"}, "Accept-Post: application/json, application/x-www-form-urlencoded"},
		{"PATCH with an undeclared media type", sh, req{method: "PATCH", target: "/api/products/1", ct: "application/json", body: `{"name":"x"}`}, 415, []string{"/body media_type"}, "Accept-Patch: application/merge-patch+json"},
		{"PUT with an undeclared media type has no Accept header", sh, req{method: "PUT", target: "/api/products/1", ct: "text/csv", body: "a,b"}, 415, []string{"/body media_type"}, ""},
		{"a charset other than UTF-8", sh, req{method: "POST", target: "/api/products", header: tenant, ct: "application/json; charset=iso-8859-1", body: product}, 415, []string{"/body charset"}, "Accept-Post: application/json"},
		// Charset names are compared in ASCII case only: "uſ-aſcii" (U+017F,
		// long s) is us-ascii only under Unicode case folding.
		{"a charset equal to us-ascii only under Unicode folding", sh, req{method: "POST", target: "/api/products", header: tenant, ct: `application/json; charset="uſ-aſcii"`, body: product}, 415, []string{"/body charset"}, "Accept-Post: application/json"},
		{"+json media type", sh, req{method: "PATCH", target: "/api/products/1", ct: "application/merge-patch+json", body: `{"name":null}`}, 0, nil, ""},
		{"wildcard media range", sh, req{method: "PUT", target: "/api/files/readme", ct: "text/markdown", body: "# hi"}, 0, nil, ""},
		{"JSON object with no properties where one is needed", sh, req{method: "PATCH", target: "/api/products/1", ct: "application/merge-patch+json", body: `{}`}, 400, []string{"/body min_properties"}, ""},
		{"duplicate object keys", u, req{method: "POST", target: "/v1/users", header: map[string]string{"X-Tenant": "abc"}, ct: "application/json", body: `{"email":"a@b.co","age":20,"name":"A","age":16}`}, 400, []string{"/body/age duplicate_key"}, ""},
		{"nesting deeper than the limit", u, req{method: "POST", target: "/v1/users", header: map[string]string{"X-Tenant": "abc"}, ct: "application/json", body: strings.Repeat("[", 100) + strings.Repeat("]", 100)}, 400, []string{"/body too_deep"}, ""},
		{"invalid UTF-8 in a string", u, req{method: "POST", target: "/v1/users", header: map[string]string{"X-Tenant": "abc"}, ct: "application/json", body: "{\"name\":\"\xff\"}"}, 400, []string{"/body invalid_encoding"}, ""},
		{"lone surrogate escape", u, req{method: "POST", target: "/v1/users", header: map[string]string{"X-Tenant": "abc"}, ct: "application/json", body: `{"name":"\ud800"}`}, 400, []string{"/body invalid_encoding"}, ""},
		{"every problem, sorted by location", u, req{method: "POST", target: "/v1/users", header: map[string]string{"X-Tenant": "AB"}, ct: "application/json", body: `{"id":3,"emial":"x","email":"nope","name":"","age":12,"role":"root","tags":["a","a"]}`}, 400,
			[]string{"/header/X-Tenant pattern", "/body/age minimum", "/body/email format", "/body/emial additional_property", "/body/id read_only", "/body/name min_length", "/body/role enum", "/body/tags/1 unique_items"}, ""},
		{"type union in 3.1", sh, req{method: "POST", target: "/api/categories", ct: "application/json", body: `{"name":"x","parent":"root"}`}, 400, []string{"/body/parent type"}, ""},
		{"discriminator narrows to the named branch", sh, req{method: "PUT", target: "/api/orders/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55/payment", ct: "application/json", body: `{"method":"bank_transfer","iban":"DE89"}`}, 400, []string{"/body/iban min_length"}, ""},
		{"body $ref into a second file", sh, req{method: "POST", target: "/api/orders/6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55/items", ct: "application/json", body: `{"sku":"x","qty":100}`}, 400, []string{"/body/qty maximum", "/body/sku pattern"}, ""},
		{"formats are annotations when switched off", noFormats, req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json", body: strings.Replace(validOrder, `ann@example.com`, `nope`, 1)}, 0, nil, ""},
		{"3.0 discriminator by schema name", p30, req{method: "POST", target: "/v2/pets", ct: "application/json", body: `{"petType":"Dog","name":"Rex"}`}, 400, []string{"/body/breed required"}, ""},
		{"3.0 nullable and allOf with nullable", p30, req{method: "POST", target: "/v2/pets", ct: "application/json", body: `{"petType":"Cat","name":null,"owner":null}`}, 0, nil, ""},
		{"3.0 nullable does not allow other types", p30, req{method: "POST", target: "/v2/pets", ct: "application/json", body: `{"petType":"Cat","name":5}`}, 400, []string{"/body/name type"}, ""},
		{"3.0 boolean exclusiveMaximum", p30, req{method: "POST", target: "/v2/pets", ct: "application/json", body: `{"petType":"Cat","name":"Tom","lives":9}`}, 400, []string{"/body/lives maximum"}, ""},
		{"3.0 readOnly required property may be omitted, and is rejected", p30, req{method: "POST", target: "/v2/pets", ct: "application/json", body: `{"petType":"Cat","name":"Tom","id":4}`}, 400, []string{"/body/id read_only"}, ""},
		{"form body fields are coerced", sh, req{method: "POST", target: "/api/customers", ct: "application/x-www-form-urlencoded", body: "name=Ann&email=ann%40example.com&age=30&newsletter=true&interests=shoes&interests=hats"}, 0, nil, ""},
		{"form body problems", sh, req{method: "POST", target: "/api/customers", ct: "application/x-www-form-urlencoded", body: "name=Ann&age=abc&newsletter=maybe&interests=shoes&interests=socks"}, 400, []string{"/body/age type", "/body/email required", "/body/interests/1 enum", "/body/newsletter type"}, ""},
		{"form body given a field twice", sh, req{method: "POST", target: "/api/customers", ct: "application/x-www-form-urlencoded", body: "name=Ann&name=Bob&email=a%40b.co"}, 400, []string{"/body/name duplicate"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, tt.s, tt.r)
			if o.route != Found {
				t.Fatalf("route = %v", o.route)
			}
			if o.status != tt.status {
				t.Fatalf("status = %d, want %d; problems %q", o.status, tt.status, problems(o.res))
			}
			if got := problems(o.res); strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
			if o.res != nil {
				got := ""
				if o.res.HeaderName != "" {
					got = o.res.HeaderName + ": " + o.res.HeaderValue
				}
				if got != tt.header {
					t.Errorf("header = %q, want %q", got, tt.header)
				}
			}
		})
	}
}

func multipartBody(parts ...[3]string) (string, string) {
	var b strings.Builder
	for _, p := range parts { // name, headers (filename, content-type), content
		b.WriteString("--XYZ\r\n")
		b.WriteString(`Content-Disposition: form-data; name="` + p[0] + `"`)
		h := p[1]
		if fn, ct, ok := strings.Cut(h, "|"); ok {
			if fn != "" {
				b.WriteString(`; filename="` + fn + `"`)
			}
			b.WriteString("\r\n")
			if ct != "" {
				b.WriteString("Content-Type: " + ct + "\r\n")
			}
		} else {
			b.WriteString("\r\n")
		}
		b.WriteString("\r\n")
		b.WriteString(p[2])
		b.WriteString("\r\n")
	}
	b.WriteString("--XYZ--\r\n")
	return "multipart/form-data; boundary=XYZ", b.String()
}

func TestMultipart(t *testing.T) {
	sh := spec(t, shop, Options{})
	png := "\x89PNG fake image bytes"
	tests := []struct {
		name   string
		parts  [][3]string
		ct     string
		status int
		want   []string
	}{
		{"valid upload", [][3]string{{"image", "a.png|image/png", png}, {"alt", "", "A red hat"}, {"position", "", "2"}, {"meta", "|application/json", `{"photographer":"Ann"}`}}, "", 0, nil},
		{"file part of a type the encoding does not list", [][3]string{{"image", "a.gif|image/gif", png}, {"alt", "", "A red hat"}}, "", 400, []string{"/body/image media_type"}},
		{"file part larger than its maxLength", [][3]string{{"image", "a.png|image/png", strings.Repeat("x", 2000)}, {"alt", "", "A red hat"}}, "", 400, []string{"/body/image max_size"}},
		{"text part coerced and checked", [][3]string{{"image", "a.png|image/png", png}, {"alt", "", "A"}, {"position", "", "-1"}}, "", 400, []string{"/body/alt min_length", "/body/position minimum"}},
		{"required file part missing", [][3]string{{"alt", "", "A red hat"}}, "", 400, []string{"/body/image required"}},
		{"JSON part that is not JSON", [][3]string{{"image", "a.png|image/png", png}, {"alt", "", "A red hat"}, {"meta", "|application/json", `{`}}, "", 400, []string{"/body/meta invalid_json"}},
		{"multipart without a boundary", [][3]string{{"alt", "", "x"}}, "multipart/form-data", 400, []string{"/body multipart"}},
		{"truncated multipart body", nil, "", 400, []string{"/body multipart"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := multipartBody(tt.parts...)
			if tt.parts == nil {
				body = "--XYZ\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nabc"
			}
			if tt.ct != "" {
				ct = tt.ct
			}
			o := run(t, sh, req{method: "POST", target: "/api/products/1/images", ct: ct, body: body})
			if o.status != tt.status {
				t.Fatalf("status = %d, want %d; problems %q", o.status, tt.status, problems(o.res))
			}
			if got := problems(o.res); strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProblemsAreCappedWithACount(t *testing.T) {
	s := spec(t, users, Options{})
	var b strings.Builder
	b.WriteString(`{"email":"a@b.co","name":"A","age":20`)
	for i := 0; i < 70; i++ {
		b.WriteString(`,"x` + itoa(i) + `":1`)
	}
	b.WriteString("}")
	o := run(t, s, req{method: "POST", target: "/v1/users", header: map[string]string{"X-Tenant": "abc"}, ct: "application/json", body: b.String()})
	if o.res == nil || len(o.res.Fields) != DefaultMaxProblems || o.res.More != 20 {
		t.Fatalf("got %d problems and %d more, want %d and 20", len(o.res.Fields), o.res.More, DefaultMaxProblems)
	}
	// Array indices sort numerically, not as text.
	o = run(t, spec(t, shop, Options{}), req{method: "POST", target: "/api/orders", header: orderHeaders, ct: "application/json",
		body: `{"items":[` + strings.TrimSuffix(strings.Repeat(`{"sku":"ABCD","qty":0},`, 12), ",") + `],"shipping":{"line1":"a","city":"b","country":"DE"},"payment":{"method":"voucher","code":"12345678"}}`})
	got := problems(o.res)
	if len(got) != 12 || got[2] != "/body/items/2/qty minimum" || got[10] != "/body/items/10/qty minimum" {
		t.Errorf("order = %q", got)
	}
}

// Messages and hints never echo what the client sent: it may be a secret.
func TestProblemsNeverEchoValues(t *testing.T) {
	sh := spec(t, shop, Options{RejectUnknownQuery: true})
	const secret = "Sk9zZWNyZXQtdG9rZW4"
	bodies := []string{
		`{"items":[{"sku":"` + secret + `","qty":"` + secret + `"}],"shipping":{"line1":"a","city":"b","country":"` + secret + `"},"payment":{"method":"` + secret + `"},"email":"` + secret + `","` + secret + `":1}`,
		`{"items":[],"shipping":"` + secret + `","payment":{"method":"card","number":"` + secret + `","expiry":"` + secret + `"},"note":"` + strings.Repeat(secret, 40) + `"}`,
		`{"` + secret + `":` + `"` + secret + `",}`,
		`{"items":1,"items":"` + secret + `"}`,
	}
	h := withHeader(orderHeaders, "Idempotency-Key", secret, "X-Tenant", secret, "Cookie", "session="+secret[:5])
	for i, body := range bodies {
		o := run(t, sh, req{method: "POST", target: "/api/orders?limit=" + secret + "&" + secret + "=1", header: h, ct: "application/json", body: body})
		if o.res == nil {
			t.Fatalf("body %d: no problems", i)
		}
		for _, f := range o.res.Fields {
			if strings.Contains(f.Message, secret[:8]) || strings.Contains(f.Hint, secret[:8]) {
				t.Errorf("body %d: %s %q / %q echoes the value", i, f.Pointer, f.Message, f.Hint)
			}
		}
	}
}

func TestJSONSchemaMode(t *testing.T) {
	op, err := LoadJSONSchema("testdata/signup.schema.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	draft7, err := LoadJSONSchema("testdata/draft7.schema.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		op     *Operation
		ct     string
		body   string
		status int
		want   []string
	}{
		{"valid body", op, "application/json", `{"email":"a@b.co","password":"correct horse"}`, 0, nil},
		{"any JSON media type", op, "application/vnd.signup+json", `{"email":"a@b.co","password":"correct horse"}`, 0, nil},
		{"problems at their pointers", op, "application/json", `{"email":"x","pasword":"p"}`, 400, []string{"/body/email format", "/body/password required", "/body/pasword additional_property"}},
		{"no body is a 400", op, "", "", 400, []string{"/body required"}},
		{"a body that is not JSON is a 415", op, "text/plain", "hello", 415, []string{"/body media_type"}},
		{"$schema draft-07 is honoured", draft7, "application/json", `{"a":1}`, 400, []string{"/body/b required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Request{Method: "POST", ContentType: tt.ct, Body: []byte(tt.body), HasBody: tt.body != ""}
			res := tt.op.Validate(&Match{}, r, 0)
			status := 0
			if res != nil {
				status = res.Status
			}
			if status != tt.status {
				t.Fatalf("status = %d, want %d; %q", status, tt.status, problems(res))
			}
			if got := problems(res); strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
		})
	}
}

// Every schema of the test documents gets a fast validator: none uses a
// keyword it lacks, so valid requests never pay for the engine's error
// tracking.
func TestFastValidatorCoversTheTestDocuments(t *testing.T) {
	for _, path := range []string{users, shop, pets} {
		s := spec(t, path, Options{})
		for _, op := range s.Operations() {
			for _, p := range op.params {
				if p.schema != nil && p.fast == nil {
					t.Errorf("%s %s: parameter %s has no fast validator", path, op.ID, p.name)
				}
			}
			if op.body != nil {
				for _, mt := range op.body.media {
					if mt.schema != nil && mt.fast == nil {
						t.Errorf("%s %s: %s has no fast validator", path, op.ID, mt.rng)
					}
				}
			}
		}
	}
}

// The fast validator and the engine agree on a corpus of values.
func TestFastValidatorAgreesWithTheEngine(t *testing.T) {
	sh := spec(t, shop, Options{})
	p30 := spec(t, pets, Options{})
	values := []string{validOrder, typicalOrder, `{}`, `[]`, `null`, `1`, `"x"`, `{"items":[]}`,
		strings.Replace(validOrder, `"qty":2`, `"qty":2.0`, 1), strings.Replace(validOrder, `"qty":2`, `"qty":2.5`, 1),
		strings.Replace(validOrder, `"amount":9.5`, `"amount":-0`, 1), strings.Replace(validOrder, `"amount":9.5`, `"amount":1e400`, 1),
		strings.Replace(validOrder, `"card"`, `"voucher"`, 1), `{"method":"voucher","code":"ABCDEFGH"}`, `{"method":"card","number":"1","expiry":"01/20"}`,
		`{"petType":"Cat","name":null,"owner":{"email":"a@b.co"}}`, `{"petType":"Dog","name":"x","breed":"lab","id":1}`, `{"petType":"Dog","name":"x","breed":"lab"}`,
		`{"name":"Hat","price":{"amount":1,"currency":"EUR"},"tags":["a","a"]}`, `{"name":"Hat","price":{"amount":1,"currency":"EUR"},"tags":["a","b"]}`,
	}
	for _, s := range []*Spec{sh, p30} {
		for _, op := range s.Operations() {
			if op.body == nil {
				continue
			}
			for _, mt := range op.body.media {
				if mt.fast == nil {
					continue
				}
				for _, text := range values {
					v, jerr := parseJSON([]byte(text), 0)
					if jerr != nil {
						t.Fatalf("%s: %s", text, jerr.msg)
					}
					if fast, engine := mt.fast.validJ(&v), mt.schema.Validate(toEngine(&v)) == nil; fast != engine {
						t.Errorf("%s %s: fast %v, engine %v for %s", op.ID, mt.rng, fast, engine, text)
					}
				}
			}
		}
	}
}

// The request path parses with pooled parsers whose containers come from
// a reused arena: bodies of every shape, parsed one after another on the
// same parsers, read exactly what a fresh parser reads, and a returned
// parser holds no reference into the body it parsed.
func TestPooledParserReadsWhatAFreshOneReads(t *testing.T) {
	many := func(n int, item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
	}
	bodies := []string{validOrder, typicalOrder, `{}`, `[]`, `1`, `"x\u00e9\n"`, `{"a":[{"b":{"c":[1,2,{"d":null}]}}]}`,
		many(300, `{"k":1}`), many(70, `1`), many(2000, `[true,false]`), `{"a":1,"a":2}`, `[[[`, many(5, typicalOrder)}
	for round := 0; round < 3; round++ {
		for _, b := range bodies {
			want, werr := parseJSON([]byte(b), 0)
			checkPooledParse(t, []byte(b), &want, werr)
		}
	}
	p := getParser([]byte(many(600, `{"k":"v"}`)), 0)
	if _, err := p.parse(); err != nil {
		t.Fatal(err.msg)
	}
	putParser(p)
	for _, c := range p.chunks {
		for _, m := range c[:cap(c)] {
			if m.k != "" || m.v.s != "" || m.v.kids != nil {
				t.Fatal("a pooled parser keeps a reference into the last body")
			}
		}
	}
	if len(p.chunks) > keptChunks {
		t.Errorf("%d chunks kept, at most %d", len(p.chunks), keptChunks)
	}
}

// Validating the typical ~1 KiB order allocates a handful of small
// objects, not one per JSON object and array.
func TestValidateTypicalBodyAllocations(t *testing.T) {
	s := spec(t, shop, Options{})
	var m Match
	s.Route("POST", "/api/orders", &m)
	h := http.Header{}
	for k, v := range orderHeaders {
		h.Set(k, v)
	}
	r := &Request{Method: "POST", Header: h, ContentType: "application/json", Body: []byte(typicalOrder), HasBody: true}
	if res := m.Op.Validate(&m, r, 0); res != nil {
		t.Fatal(problems(res))
	}
	allocs := testing.AllocsPerRun(200, func() { m.Op.Validate(&m, r, 0) })
	t.Logf("%.0f allocations per valid typical body", allocs)
	// Walked from its bytes, formats checked natively: nothing to allocate.
	if allocs > 0 {
		t.Errorf("%.0f allocations per valid typical body, want none", allocs)
	}
}

// Header and cookie parameters are accepted without allocating when the
// value is plain; every other shape (repeated, escaped, quoted, missing,
// invalid) goes down the general path, which decides as before.
func TestQuickParamsAgreeWithTheGeneralPath(t *testing.T) {
	sh := spec(t, shop, Options{})
	var m Match
	sh.Route("POST", "/api/orders", &m)
	base := http.Header{}
	for k, v := range orderHeaders {
		base.Set(k, v)
	}
	variants := []struct {
		name  string
		edit  func(h http.Header)
		quick bool // every parameter takes the quick path
	}{
		{"plain", func(h http.Header) {}, true},
		{"cookie among others", func(h http.Header) { h.Set("Cookie", "theme=dark; session=abcdefghijklmnopqrstuvwxyz; x=1") }, true},
		{"quoted cookie", func(h http.Header) { h.Set("Cookie", `session="abcdefghijklmnopqrstuvwxyz"`) }, true},
		{"escaped cookie", func(h http.Header) { h.Set("Cookie", "session=abcdefghijklmnop%20qrstu") }, false},
		{"repeated cookie", func(h http.Header) {
			h.Set("Cookie", "session=abcdefghijklmnopqrstuvwxyz; session=abcdefghijklmnopqrstuvwxyz")
		}, false},
		{"cookie in two lines", func(h http.Header) { h["Cookie"] = []string{"a=1", "session=abcdefghijklmnopqrstuvwxyz"} }, true},
		{"short cookie", func(h http.Header) { h.Set("Cookie", "session=short") }, false},
		{"no cookie", func(h http.Header) { h.Del("Cookie") }, false},
		{"repeated header", func(h http.Header) { h.Add("X-Tenant", "other") }, false},
		{"header with spaces", func(h http.Header) { h.Set("X-Tenant", "  acme  ") }, true},
		{"bad uuid", func(h http.Header) { h.Set("Idempotency-Key", "1234") }, false},
		{"bad tenant", func(h http.Header) { h.Set("X-Tenant", "A") }, false},
	}
	for _, v := range variants {
		h := base.Clone()
		v.edit(h)
		res := m.Op.Validate(&m, &Request{Method: "POST", Header: h, ContentType: "application/json", Body: []byte(validOrder), HasBody: true}, 0)
		checkQuickParams(t, m.Op, h, res)
		all := true
		for _, p := range m.Op.params {
			all = all && p.quickValid(h)
		}
		if all != v.quick {
			t.Errorf("%s: quick path for every parameter = %v, want %v", v.name, all, v.quick)
		}
		if v.quick && res != nil {
			t.Errorf("%s: %q", v.name, problems(res))
		}
	}
}

// A header parameter the document names in lower case is found under
// the canonical key net/http stores it by, on the quick path too.
func TestQuickHeaderParamByCanonicalName(t *testing.T) {
	dir := writeFiles(t, map[string]string{"api.yaml": docHead + `paths:
  /v:
    get:
      parameters:
        - {name: x-api-version, in: header, required: true, schema: {type: string, pattern: "^v[0-9]$"}}
      responses: {'200': {description: ok}}
`})
	s, err := Load(filepath.Join(dir, "api.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var m Match
	s.Route("GET", "/v", &m)
	h := http.Header{}
	h.Set("x-api-version", "v2")
	if p := m.Op.params[0]; !p.quickValid(h) {
		t.Errorf("quick path does not find %s in %v", p.name, h)
	}
	if res := m.Op.Validate(&m, &Request{Method: "GET", Header: h}, 0); res != nil {
		t.Errorf("problems %q", problems(res))
	}
}

// parseMediaType reads a Content-Type as mime.ParseMediaType does.
func TestParseMediaTypeAsMime(t *testing.T) {
	for _, ct := range []string{"application/json", " Application/JSON ", "text/plain", "application/problem+json", "a/b/c", "text/",
		"/json", "json", "", "text/pla in", "text/pl\"ain", "tëxt/plain", "application/json; charset=utf-8", "multipart/form-data; boundary=x",
		"application/json;", "text/plain\t", "x/y\x7f"} {
		typ, params, err := parseMediaType(ct)
		wtyp, wparams, werr := mime.ParseMediaType(ct)
		if typ != wtyp || (err == nil) != (werr == nil) || len(params) != len(wparams) {
			t.Errorf("%q: %q %v %v, mime: %q %v %v", ct, typ, params, err, wtyp, wparams, werr)
		}
	}
}
