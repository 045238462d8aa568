package requestvalidation

import "testing"

// SharedSpec hands out the document request_validation compiled for the
// same file with default options: one compiled form for both.
func TestSharedSpecSharesTheCompiledDocument(t *testing.T) {
	const path = "testdata/readme/openapi.yaml"
	h := &Handler{OpenAPI: path}
	if err := h.setDefaults(); err != nil {
		t.Fatal(err)
	}
	d, key, err := h.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer documents.Delete(key)
	spec, release, err := SharedSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	if spec != d.spec {
		t.Error("SharedSpec compiled the document again")
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := SharedSpec("testdata/missing.yaml"); err == nil {
		t.Error("a missing document loaded")
	}
}
