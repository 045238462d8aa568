package requestvalidation_test

import (
	"fmt"
	"math/rand"
	"os"
	"strings"
	"testing"
)

const analyticsDoc = `openapi: 3.1.0
info: {title: shop, version: "1"}
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [items]
              properties:
                email: {type: string, format: email}
                items:
                  type: array
                  items:
                    type: object
                    additionalProperties: false
                    required: [sku]
                    properties:
                      sku: {type: string, pattern: "^[A-Z]{4}$"}
                      qty: {type: integer, minimum: 1}
      responses: {"201": {description: created}}
`

// caddy_request_validation_problems_total counts which fields clients get
// wrong, per operation, pointer and code, with labels bounded by the
// document: a stream of 10,000 invalid requests with distinct unknown
// keys and array indices makes a handful of series, and no label holds a
// value or an unknown key.
func TestCaddyProblemMetricIsBounded(t *testing.T) {
	up := newRecorder(t)
	doc := t.TempDir() + "/api.yaml"
	if err := os.WriteFile(doc, []byte(analyticsDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	tester := startAPI(t, doc, up)
	rnd := rand.New(rand.NewSource(23))
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/json"}
	for i := 0; i < 10000; i++ {
		n := 1 + rnd.Intn(30)
		items := make([]string, n)
		for j := range items {
			items[j] = `{"sku":"ABCD"}`
		}
		k := rnd.Intn(n)
		items[k] = fmt.Sprintf(`{"sku":"x%d","qty":0,"k%d":1}`, i, i)
		body := fmt.Sprintf(`{"email":"not-an-email-%d","unknown_%d":%d,"items":[%s]}`, i, i, i, strings.Join(items, ","))
		if resp, b := send(t, tester, "POST", "http://localhost:9180/orders", h, body); resp.StatusCode != 400 {
			t.Fatalf("status %d: %.200s", resp.StatusCode, b)
		}
	}
	_, metrics := send(t, tester, "GET", fmt.Sprintf("http://localhost:%d/metrics", adminPort), nil, "")
	var series []string
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, "caddy_request_validation_problems_total{") {
			series = append(series, line)
		}
	}
	want := map[string]bool{
		`caddy_request_validation_problems_total{code="format",operation="createOrder",pointer="/body/email"} 10000`:                true,
		`caddy_request_validation_problems_total{code="additional_property",operation="createOrder",pointer="/body"} 10000`:         true,
		`caddy_request_validation_problems_total{code="pattern",operation="createOrder",pointer="/body/items/*/sku"} 10000`:         true,
		`caddy_request_validation_problems_total{code="minimum",operation="createOrder",pointer="/body/items/*/qty"} 10000`:         true,
		`caddy_request_validation_problems_total{code="additional_property",operation="createOrder",pointer="/body/items/*"} 10000`: true,
	}
	if len(series) != len(want) {
		t.Fatalf("%d series, want %d:\n%s", len(series), len(want), strings.Join(series, "\n"))
	}
	for _, s := range series {
		if !want[s] {
			t.Errorf("unexpected series %s", s)
		}
	}
}
