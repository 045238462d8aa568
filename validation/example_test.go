package validation_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/errorpages/caddy-errorpages/validation"
)

// Load a document once, then route and validate each request: a
// net/http program (or any other) gets every problem with its pointer,
// code and hint.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	doc := filepath.Join(dir, "openapi.yaml")
	os.WriteFile(doc, []byte(`openapi: 3.1.0
info: {title: Shop, version: "1"}
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [sku, qty]
              properties:
                sku: {type: string, pattern: "^[A-Z]{4}$"}
                qty: {type: integer, minimum: 1}
      responses: {"201": {description: created}}
`), 0o644)

	spec, err := validation.Load(doc, validation.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var m validation.Match
	spec.Route("POST", "/orders", &m)
	res := m.Op.Validate(&m, &validation.Request{
		Method:      "POST",
		Header:      http.Header{},
		ContentType: "application/json",
		Body:        []byte(`{"sku":"abc","qty":0,"colour":"red"}`),
		HasBody:     true,
	}, 0)
	fmt.Println(m.Op.ID, res.Status)
	for _, f := range res.Fields {
		fmt.Printf("%s %s %q\n", f.Pointer, f.Code, f.Hint)
	}

	spec.Route("GET", "/order", &m)
	fmt.Println(m.Result, spec.NotFoundHint("GET", "/order"))
	// Output:
	// createOrder 400
	// /body/colour additional_property ""
	// /body/qty minimum ""
	// /body/sku pattern "must match the pattern ^[A-Z]{4}$"
	// not_found did you mean `/orders`?
}
