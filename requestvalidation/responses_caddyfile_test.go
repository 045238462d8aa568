package requestvalidation

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestCaddyfileResponses(t *testing.T) {
	d := caddyfile.NewTestDispenser(`request_validation {
		openapi ` + shopDoc + `
		responses report {
			sample 0.01
			max_body 128KiB
		}
		operation_responses createOrder enforce
		operation_responses listProducts off
	}`)
	var h Handler
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(h.Responses)
	want := `{"mode":"report","sample":0.01,"max_body":131072,"operations":{"createOrder":"enforce","listProducts":"off"}}`
	if string(got) != want {
		t.Errorf("responses\n%s\nwant\n%s", got, want)
	}
	if !h.options().Responses {
		t.Error("the document's responses are not compiled")
	}
	// Off, or absent: nothing of the responses is compiled.
	for _, cfg := range []string{"", "\n\t\tresponses off"} {
		var h Handler
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("request_validation {\n\t\topenapi " + shopDoc + cfg + "\n\t}")); err != nil {
			t.Fatal(err)
		}
		if h.options().Responses {
			t.Errorf("%q: responses compiled", cfg)
		}
	}
}

func TestCaddyfileResponsesErrors(t *testing.T) {
	for _, tt := range []struct{ input, want string }{
		{"responses shadow", "responses: needs off, report or enforce"},
		{"responses", "responses: needs off, report or enforce"},
		{"responses report {\n\t\tsample 2\n\t}", `responses sample: "2" is not a fraction between 0 and 1`},
		{"responses report {\n\t\tmax_body lots\n\t}", `responses max_body: "lots" is not a size`},
		{"responses report {\n\t\tstream yes\n\t}", `responses: unknown subdirective "stream"`},
		{"responses report {\n\t\tsample\n\t}", "responses sample: needs one argument"},
		{"responses report {\n\t\tsample 0.1\n\t\tsample 0.2\n\t}", "responses: sample is specified more than once"},
		{"responses report\n\tresponses enforce", "responses is specified more than once"},
		{"operation_responses createOrder", "operation_responses: needs an operationId and off, report or enforce"},
		{"operation_responses createOrdr report", `operation_responses "createOrdr": the document has no such operationId`},
		{"operation_responses createOrder report\n\toperation_responses createOrder off", "operation_responses: createOrder is specified more than once"},
	} {
		var h Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("request_validation {\n\topenapi " + shopDoc + "\n\t" + tt.input + "\n}"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.input, err, tt.want)
		}
	}
	var h Handler
	err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("request_validation {\n\tjson_schema ../validation/testdata/signup.schema.json\n\tresponses report\n}"))
	if err == nil || !strings.Contains(err.Error(), "responses need an openapi document") {
		t.Errorf("json_schema with responses: %v", err)
	}
}

// The JSON config is checked like the Caddyfile.
func TestResponsesJSONValidation(t *testing.T) {
	half, two := 0.5, 2.0
	for _, tt := range []struct {
		rc   ResponseChecks
		want string
	}{
		{ResponseChecks{Mode: "loud"}, `responses must be off or report or enforce, not "loud"`},
		{ResponseChecks{Mode: "report", Sample: &two}, "sample must be between 0 and 1"},
		{ResponseChecks{Mode: "report", MaxBody: -1}, "max_body must be between"},
		{ResponseChecks{Operations: map[string]string{"x": "on"}}, `operation_responses x must be off or report or enforce`},
		{ResponseChecks{Mode: "report", Sample: &half}, ""},
	} {
		h := Handler{OpenAPI: shopDoc, Responses: &tt.rc}
		err := h.setDefaults()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: %v, want %q", tt.rc, err, tt.want)
		}
	}
}
