package errorpages_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/errorpages/caddy-errorpages/errorpages"
)

// A net/http program answers an error in the format the client's Accept
// asks for: build the Negotiator and the Renderer once, then per request
// negotiate, render into a buffer and write it with the format's
// Content-Type.
func Example() {
	negotiator, err := errorpages.NewNegotiator(errorpages.DefaultFormats, errorpages.JSON)
	if err != nil {
		panic(err)
	}
	renderer, err := errorpages.NewRenderer(errorpages.RendererConfig{})
	if err != nil {
		panic(err)
	}
	writeError := func(w http.ResponseWriter, r *http.Request, e *errorpages.Error) {
		f := negotiator.Negotiate(r.Header.Get("Accept"))
		var buf bytes.Buffer
		_ = renderer.Render(&buf, f, &errorpages.PageData{Error: e, Method: r.Method, Host: r.Host})
		w.Header().Set("Content-Type", f.ContentType())
		w.Header().Set("Vary", "Accept")
		w.WriteHeader(e.Code)
		w.Write(buf.Bytes())
	}

	for _, accept := range []string{"application/json", "text/html,*/*;q=0.8"} {
		r := httptest.NewRequest("GET", "/orders/42", nil)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		writeError(w, r, errorpages.NewError(http.StatusNotFound, ""))
		fmt.Println(w.Code, w.Header().Get("Content-Type"))
		if body := w.Body.String(); strings.HasPrefix(body, "<!doctype html>") {
			_, title, _ := strings.Cut(body, "<title>")
			title, _, _ = strings.Cut(title, "</title>")
			fmt.Println("an HTML page titled", title)
		} else {
			fmt.Println(body)
		}
	}
	// Output:
	// 404 application/json
	// {"error":{"code":404,"type":"not_found","message":"Not Found","details":"The page you are looking for doesn't exist or has moved. Check the address or go back to the home page."}}
	// 404 text/html; charset=utf-8
	// an HTML page titled 404 Not Found
}

// The format for an Accept header: the best offered match, the default
// when the client states no preference or accepts nothing offered.
func ExampleNegotiator_Negotiate() {
	n, err := errorpages.NewNegotiator([]errorpages.Format{errorpages.HTML, errorpages.JSON, errorpages.Problem}, errorpages.JSON)
	if err != nil {
		panic(err)
	}
	for _, accept := range []string{
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", // a browser
		"application/problem+json",
		"*/*", // curl
		"",
		"image/png",
	} {
		fmt.Printf("%q → %s\n", accept, n.Negotiate(accept))
	}
	// Output:
	// "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" → html
	// "application/problem+json" → problem
	// "*/*" → json
	// "" → json
	// "image/png" → json
}

// Every format from one Error: here the problem+json body and the text
// body of a validation error with a field problem.
func ExampleRenderer_Render() {
	renderer, err := errorpages.NewRenderer(errorpages.RendererConfig{})
	if err != nil {
		panic(err)
	}
	e := errorpages.NewError(http.StatusUnprocessableEntity, "")
	e.Type = errorpages.TypeValidationFailed
	e.Details = "The request has 1 problem."
	e.Fields = []errorpages.Field{{Field: "email", Message: "must be an email address", Pointer: "/body/email", Code: "format"}}
	e.RequestID = "req-1"
	for _, f := range []errorpages.Format{errorpages.Problem, errorpages.Text} {
		var buf bytes.Buffer
		if err := renderer.Render(&buf, f, &errorpages.PageData{Error: e}); err != nil {
			panic(err)
		}
		fmt.Println(f.ContentType())
		fmt.Println(buf.String())
	}
	// Output:
	// application/problem+json
	// {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"The request has 1 problem.","request_id":"req-1","errors":[{"detail":"must be an email address","pointer":"/body/email","field":"email","code":"format"}]}
	// text/plain; charset=utf-8
	// 422 Unprocessable Entity
	// The request has 1 problem.
	// - email: must be an email address
	// Request ID: req-1
}

// An upstream's error body, read whatever framework wrote it: its
// message, its code as a type, and its field problems.
func ExampleParse() {
	body := []byte(`{"message":"Validation failed","code":"VALIDATION_ERROR","errors":[{"field":"email","message":"Invalid email format"}]}`)
	u := errorpages.Parse(body, "application/json")
	fmt.Println(u.Message)
	fmt.Println(u.Type)
	for _, f := range u.Fields {
		fmt.Printf("%s: %s\n", f.Field, f.Message)
	}
	// Output:
	// Validation failed
	// validation_error
	// email: Invalid email format
}
