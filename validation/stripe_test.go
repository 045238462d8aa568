package validation

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	"github.com/errorpages/caddy-errorpages/internal/publisheddocs"
)

// stripeDoc unpacks Stripe's published document (testdata/stripe).
func stripeDoc(t testing.TB) string { return publisheddocs.Stripe(t) }

var (
	stripeOnce sync.Once
	stripeSpec *Spec
	stripeErr  error
)

// stripe loads Stripe's document once for the package's tests.
func stripe(t testing.TB) *Spec {
	t.Helper()
	stripeOnce.Do(func() { stripeSpec, stripeErr = Load(stripeDoc(t), Options{}) })
	if stripeErr != nil {
		t.Fatalf("Stripe's published document does not load: %v", stripeErr)
	}
	return stripeSpec
}

const formCT = "application/x-www-form-urlencoded"

// The requests Stripe's documentation and SDKs send are accepted, with
// the encodings they use: bracketed arrays (a[]=, a[0]=), nested objects
// (a[b][c]=), arrays of objects (a[0][b]=), an empty value to unset an
// object, and deepObject query parameters that are arrays (expand) or
// either an object or an integer (created). The same requests with a
// wrong type, a missing field or an unknown field get the problem at the
// right pointer; a value that was sent is never "required".
func TestStripeRequests(t *testing.T) {
	s := stripe(t)
	tests := []struct {
		name string
		r    req
		want []string // "pointer code"; nil: valid
	}{
		{"the docs' curl: payment_method_types[]", req{method: "POST", target: "/v1/payment_intents", ct: formCT,
			body: "amount=2000&currency=usd&payment_method_types[]=card"}, nil},
		{"indexed array (the SDKs' encoding)", req{method: "POST", target: "/v1/customers", ct: formCT,
			body: "preferred_locales[0]=en&preferred_locales[1]=de"}, nil},
		{"nested object", req{method: "POST", target: "/v1/customers", ct: formCT,
			body: "shipping[name]=Jenny&shipping[address][city]=Berlin&shipping[address][line1]=Unter+den+Linden+1"}, nil},
		{"array of objects", req{method: "POST", target: "/v1/checkout/sessions", ct: formCT,
			body: "success_url=https%3A%2F%2Fexample.com%2Fok&cancel_url=https%3A%2F%2Fexample.com%2Fno&mode=payment&line_items[0][price]=price_1&line_items[0][quantity]=2&line_items[1][price]=price_2&line_items[1][quantity]=1"}, nil},
		{"an empty value unsets an object", req{method: "POST", target: "/v1/customers", ct: formCT,
			body: "address=&name=X"}, nil},
		{"metadata (additionalProperties)", req{method: "POST", target: "/v1/customers", ct: formCT,
			body: "metadata[order_id]=6735&metadata[note]=vip"}, nil},
		{"deepObject array: expand[]", req{method: "GET", target: "/v1/charges?expand[]=data.customer&expand[]=data.invoice&limit=3"}, nil},
		{"deepObject array: expand[0]", req{method: "GET", target: "/v1/charges?expand[0]=data.customer"}, nil},
		{"deepObject anyOf: an integer", req{method: "GET", target: "/v1/charges?created=1650000000"}, nil},
		{"deepObject anyOf: an object", req{method: "GET", target: "/v1/charges?created[gte]=1650000000&created[lt]=1660000000"}, nil},

		{"wrong type", req{method: "POST", target: "/v1/payment_intents", ct: formCT,
			body: "amount=twenty&currency=usd"}, []string{"/body/amount type"}},
		{"missing field", req{method: "POST", target: "/v1/payment_intents", ct: formCT,
			body: "currency=usd&payment_method_types[]=card"}, []string{"/body/amount required"}},
		{"unknown field", req{method: "POST", target: "/v1/payment_intents", ct: formCT,
			body: "amount=2000&currency=usd&colour=red"}, []string{"/body/colour additional_property"}},
		{"wrong type inside an array of objects", req{method: "POST", target: "/v1/checkout/sessions", ct: formCT,
			body: "success_url=a&cancel_url=b&line_items[0][price]=p&line_items[0][quantity]=two"}, []string{"/body/line_items/0/quantity type"}},
		{"an object where a nested string goes", req{method: "POST", target: "/v1/customers", ct: formCT,
			body: "shipping[name]=Jenny&shipping[address][city][district]=Mitte"}, []string{"/body/shipping/address/city type"}},
		{"a value given twice", req{method: "POST", target: "/v1/customers", ct: formCT,
			body: "shipping[name]=Jenny&shipping[name]=Joe&shipping[address][city]=Berlin"}, []string{"/body/shipping/name duplicate"}},
		{"a value and brackets for one name", req{method: "POST", target: "/v1/customers", ct: formCT,
			body: "address=&address[city]=Berlin"}, []string{"/body/address duplicate"}},
		{"deepObject member of the wrong type", req{method: "GET", target: "/v1/charges?created[gte]=yesterday"}, []string{"/query/created/gte type"}},
		{"no credentials: nothing else is looked at", req{method: "POST", target: "/v1/payment_intents", ct: formCT, header: map[string]string{},
			body: "amount=twenty"}, []string{"/header/Authorization credentials"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.r.header == nil {
				// Stripe's document requires basicAuth or bearerAuth.
				tt.r.header = map[string]string{"Authorization": "Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc"}
			}
			o := run(t, s, tt.r)
			if o.route != Found {
				t.Fatalf("route %v", o.route)
			}
			var got []string
			if o.res != nil {
				got = problems(o.res)
			}
			if tt.want == nil && got != nil {
				t.Fatalf("rejected: %v (%+v)", got, o.res.Fields)
			}
			if tt.want != nil {
				if !containsAll(got, tt.want) {
					t.Fatalf("problems %v, want %v", got, tt.want)
				}
				for _, f := range o.res.Fields {
					if f.Code == "type" && len(tt.r.header) == 0 {
						t.Errorf("%s: the body was checked without credentials", f.Pointer)
					}
					if f.Code == "required" && f.Pointer != "/body/amount" {
						t.Errorf("%s is reported required: it was sent", f.Pointer)
					}
				}
			}
		})
	}
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			if g == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// The bracket rules, one per row, on a small schema of every shape.
func TestBracketDecoding(t *testing.T) {
	f := func(s string) *typeInfo {
		return &typeInfo{types: typeBits[s], maxLength: -1}
	}
	arr := &typeInfo{types: tArray, items: f("integer"), maxLength: -1}
	objs := &typeInfo{types: tArray, items: &typeInfo{types: tObject, props: map[string]*typeInfo{"n": f("integer"), "s": f("string")}}}
	obj := &typeInfo{types: tObject, props: map[string]*typeInfo{"a": arr, "o": objs, "m": {types: tObject, additional: f("boolean")}, "x": {types: tObject | tInteger}}}
	tests := []struct {
		pairs [][2]string
		want  map[string]any
		dups  int
	}{
		{[][2]string{{"a[]", "1"}, {"a[]", "2"}}, map[string]any{"a": []any{j("1"), j("2")}}, 0},
		{[][2]string{{"a[1]", "2"}, {"a[0]", "1"}}, map[string]any{"a": []any{j("1"), j("2")}}, 0},
		{[][2]string{{"o[0][n]", "1"}, {"o[0][s]", "x"}, {"o[1][n]", "2"}}, map[string]any{"o": []any{map[string]any{"n": j("1"), "s": "x"}, map[string]any{"n": j("2")}}}, 0},
		{[][2]string{{"o[][n]", "1"}, {"o[][s]", "x"}, {"o[][n]", "2"}}, map[string]any{"o": []any{map[string]any{"n": j("1"), "s": "x"}, map[string]any{"n": j("2")}}}, 0},
		{[][2]string{{"m[0]", "true"}, {"m[k]", "false"}}, map[string]any{"m": map[string]any{"0": true, "k": false}}, 0},
		{[][2]string{{"x[gte]", "5"}}, map[string]any{"x": map[string]any{"gte": "5"}}, 0},
		{[][2]string{{"m[k]", "true"}, {"m[k]", "false"}}, map[string]any{"m": map[string]any{"k": true}}, 1},
		{[][2]string{{"m[k]", "true"}, {"m[k][z]", "false"}}, map[string]any{"m": map[string]any{"k": true}}, 1},
		{[][2]string{{"z[q][r]", ""}}, map[string]any{"z": map[string]any{"q": map[string]any{"r": ""}}}, 0},
	}
	for i, tt := range tests {
		c := collector{}
		b := brackets{c: &c}
		got := map[string]any{}
		for _, kv := range tt.pairs {
			base, toks, ok := bracketPath(kv[0])
			if !ok {
				t.Fatalf("%d: %s has no brackets", i, kv[0])
			}
			got[base] = b.set(got[base], toks, kv[1], obj.prop(base), "/body/"+base, base)
		}
		for k, v := range got {
			got[k] = bracketValue(v)
		}
		if !reflect.DeepEqual(got, tt.want) || len(c.fields) != tt.dups {
			t.Errorf("%d %v: got %#v with %d problems, want %#v with %d", i, tt.pairs, got, len(c.fields), tt.want, tt.dups)
		}
	}
	for _, name := range []string{"a", "a[", "a]", "[a]", "a[b]c", "a[b[c]]"} {
		if _, _, ok := bracketPath(name); ok {
			t.Errorf("%q is read as bracketed", name)
		}
	}
}

func j(s string) json.Number { return json.Number(s) }
