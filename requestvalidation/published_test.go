package requestvalidation_test

import (
	"strings"
	"testing"

	"github.com/errorpages/caddy-errorpages/internal/publisheddocs"
)

// DigitalOcean's document writes its operations as $refs to files of
// their own (`post: {$ref: resources/inference/inference_create_batch.yml}`).
// Such an operation is validated like any other: a body that is not
// JSON, or JSON that misses a required member, never reaches the
// upstream; a valid one does, byte for byte. (Read as an empty
// operation, POST /v1/batches let "not json at all" through.)
func TestCaddyDigitalOceanRefOperationsAreValidated(t *testing.T) {
	doc := publisheddocs.DigitalOcean(t)
	up := newRecorder(t)
	tester := startAPI(t, doc, up)
	json := map[string]string{"Content-Type": "application/json", "Accept": "application/json", "Authorization": "Bearer dop_v1_0123456789"}
	valid := `{"file_id":"a1b2c3d4-e5f6-4789-90ab-cdef12345678","provider":"openai","endpoint":"/v1/chat/completions","completion_window":"24h","request_id":"c7e3ad1e-20c3-4e47-9bf2-6f2a4d6a2f11"}`
	for _, tt := range []struct {
		name, method, target, body string
		status                     int
		pointer                    string
	}{
		{"not JSON to a $ref'd operation on a path without parameters", "POST", "/v1/batches", "not json at all", 400, "/body"},
		{"a required member missing", "POST", "/v1/batches", `{"provider":"openai"}`, 400, "/body/file_id"},
		{"valid", "POST", "/v1/batches", valid, 200, ""},
		{"a $ref'd operation with a $ref'd path parameter", "GET", "/v2/account/keys/512189", "", 200, ""},
		{"a $ref'd query parameter out of range", "GET", "/v2/account/keys?per_page=0", "", 400, "/query/per_page"},
	} {
		_, before := up.last()
		resp, body := send(t, tester, tt.method, "http://localhost:9180"+tt.target, json, tt.body)
		got, after := up.last()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d: %.400s", tt.name, resp.StatusCode, tt.status, body)
			continue
		}
		if tt.status == 200 && (after != before+1 || string(got.body) != tt.body) {
			t.Errorf("%s: the upstream got %q", tt.name, got.body)
		}
		if tt.status != 200 && (after != before || !strings.Contains(body, `"pointer":"`+tt.pointer)) {
			t.Errorf("%s: upstream reached %v, want a problem at %s: %.400s", tt.name, after != before, tt.pointer, body)
		}
	}
}

// The false acceptance itself, on a document that loaded before: an
// operation written as a $ref (`post: {$ref: ops/create_thing.yml}`) on a
// path without parameters was read as an empty operation, and the body
// `not json at all` reached the upstream.
func TestCaddyRefOperationIsNotAnEmptyOperation(t *testing.T) {
	up := newRecorder(t)
	tester := startCaddy(t, globalOptions+`
http://localhost:9180 {
	error_pages
	request_validation {
		openapi `+abs(t, "../validation/testdata/multifile/api.yaml")+`
	}
	reverse_proxy `+up.addr()+`
}
`)
	json := map[string]string{"Content-Type": "application/json", "Accept": "application/json"}
	_, before := up.last()
	resp, body := send(t, tester, "POST", "http://localhost:9180/things", json, "not json at all")
	if _, after := up.last(); resp.StatusCode != 400 || after != before || !strings.Contains(body, `"pointer":"/body"`) {
		t.Errorf("status %d, upstream reached %v: %.300s", resp.StatusCode, after != before, body)
	}
	resp, body = send(t, tester, "POST", "http://localhost:9180/things", json, `{"name":"lamp"}`)
	if _, after := up.last(); resp.StatusCode != 200 || after != before+1 {
		t.Errorf("a valid body: status %d: %.300s", resp.StatusCode, body)
	}
}
