package requestvalidation_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/errorpages/caddy-errorpages/internal/publisheddocs"
)

// Stripe's published document (validation/testdata/stripe), unmodified,
// behind request_validation: the requests its documentation and SDKs
// send reach the upstream byte for byte; the same with a wrong type, a
// missing or an unknown field get the problem at the right pointer and
// never reach it.
func TestCaddyStripeRequests(t *testing.T) {
	doc := publisheddocs.Stripe(t)
	up := newRecorder(t)
	tester := startAPI(t, doc, up)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
		"Authorization": "Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc"}
	for _, tt := range []struct{ method, target, body string }{
		{"POST", "/v1/payment_intents", "amount=2000&currency=usd&payment_method_types[]=card"},
		{"POST", "/v1/customers", "preferred_locales[0]=en&preferred_locales[1]=de"},
		{"POST", "/v1/customers", "shipping[name]=Jenny&shipping[address][city]=Berlin&shipping[address][line1]=Unter+den+Linden+1"},
		{"POST", "/v1/checkout/sessions", "success_url=https%3A%2F%2Fexample.com%2Fok&cancel_url=https%3A%2F%2Fexample.com%2Fno&line_items[0][price]=price_1&line_items[0][quantity]=2"},
		{"POST", "/v1/customers", "address=&name=X"},
		{"GET", "/v1/charges?expand[]=data.customer&created[gte]=1650000000&limit=3", ""},
	} {
		_, before := up.last()
		resp, body := send(t, tester, tt.method, "http://localhost:9180"+tt.target, form, tt.body)
		got, after := up.last()
		if resp.StatusCode != 200 || after != before+1 {
			t.Errorf("%s %s %s: status %d, %.300s", tt.method, tt.target, tt.body, resp.StatusCode, body)
			continue
		}
		_, query, _ := strings.Cut(tt.target, "?")
		if string(got.body) != tt.body || got.query != query {
			t.Errorf("%s %s: the upstream got %q ?%s", tt.method, tt.target, got.body, got.query)
		}
	}
	// A typo in a path of a large API: the nearest declared path.
	if resp, body := send(t, tester, "GET", "http://localhost:9180/v1/custmers", form, ""); resp.StatusCode != 404 ||
		!strings.Contains(body, "did you mean `/v1/customers`?") {
		t.Errorf("GET /v1/custmers: status %d: %.300s", resp.StatusCode, body)
	}
	for _, tt := range []struct{ body, pointer, code string }{
		{"amount=twenty&currency=usd", "/body/amount", "type"},
		{"currency=usd", "/body/amount", "required"},
		{"amount=2000&currency=usd&colour=red", "/body/colour", "additional_property"},
	} {
		_, before := up.last()
		resp, body := send(t, tester, "POST", "http://localhost:9180/v1/payment_intents", form, tt.body)
		if _, after := up.last(); resp.StatusCode != http.StatusBadRequest || after != before ||
			!strings.Contains(body, `"pointer":"`+tt.pointer+`"`) || !strings.Contains(body, `"code":"`+tt.code+`"`) {
			t.Errorf("%s: status %d (upstream reached: %v): %.300s", tt.body, resp.StatusCode, after != before, body)
		}
	}
}
