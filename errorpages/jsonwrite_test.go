package errorpages

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The reference renderings: the json envelope and problem+json as
// encoding/json writes them, which writeEnvelope and writeProblem must
// match byte for byte.

type refEnvelope struct {
	Error refError `json:"error"`
}

type refError struct {
	Code      int     `json:"code"`
	Type      string  `json:"type"`
	Message   string  `json:"message"`
	Details   string  `json:"details"`
	Fields    []Field `json:"fields,omitempty"`
	More      int     `json:"more,omitempty"`
	RequestID string  `json:"request_id,omitempty"`
	TraceID   string  `json:"trace_id,omitempty"`
	Docs      string  `json:"docs,omitempty"`
	// RetryAfter is the seconds to wait before retrying (429, 503).
	RetryAfter int `json:"retry_after,omitempty"`
}

type refProblem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	TraceID   string            `json:"trace_id,omitempty"`
	Errors    []refProblemError `json:"errors,omitempty"`
	More      int               `json:"more,omitempty"`
	// RetryAfter is an extension member (RFC 9457 §3.2): the seconds to
	// wait before retrying (429, 503).
	RetryAfter int `json:"retry_after,omitempty"`
}

// refProblemError is one entry of problem+json's "errors" (RFC 9457 §3).
// Field is given only when the pointer did not come from it.
type refProblemError struct {
	Detail  string `json:"detail"`
	Pointer string `json:"pointer"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code,omitempty"`
	Hint    string `json:"hint,omitempty"`
}

func refProblemOf(e *Error) refProblem {
	p := refProblem{Type: e.Docs, Title: e.Message, Status: e.Code, Detail: e.Details, Instance: e.Instance, RequestID: e.RequestID, TraceID: e.TraceID, More: e.More, RetryAfter: e.RetryAfter}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if len(e.Fields) > 0 {
		p.Errors = make([]refProblemError, len(e.Fields))
		for i, f := range e.Fields {
			pe := refProblemError{Detail: f.Message, Pointer: f.Pointer, Code: f.Code, Hint: f.Hint}
			if pe.Pointer == "" {
				pe.Pointer = FieldPointer(f.Field)
			} else {
				pe.Field = f.Field
			}
			p.Errors[i] = pe
		}
	}
	return p
}

// referenceProblem writes the problem+json body with the extension members
// appended after the standard ones, in the order given.
func referenceProblem(buf *bytes.Buffer, e *Error, ext []Member) error {
	start := buf.Len()
	if err := encodeJSON(buf, refProblemOf(e)); err != nil {
		return err
	}
	if len(ext) == 0 {
		return nil
	}
	buf.Truncate(buf.Len() - 1) // the closing brace
	for _, m := range ext {
		buf.WriteByte(',')
		if err := encodeJSON(buf, m.Name); err != nil {
			buf.Truncate(start)
			return err
		}
		buf.WriteByte(':')
		if err := encodeJSON(buf, m.Value); err != nil {
			buf.Truncate(start)
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func referenceEnvelope(t testing.TB, e *Error) string {
	var buf bytes.Buffer
	if err := encodeJSON(&buf, refEnvelope{Error: refError{
		Code: e.Code, Type: e.Type, Message: e.Message, Details: e.Details,
		Fields: e.Fields, More: e.More, RequestID: e.RequestID, TraceID: e.TraceID, Docs: e.Docs,
		RetryAfter: e.RetryAfter,
	}}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// jsonTestErrors have every member, empty and full, with every byte
// value and the characters encoding/json treats specially.
func jsonTestErrors() []*Error {
	var all strings.Builder
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	all.WriteString("\u2028\u2029\uFFFD\U0001F600<>&")
	w := all.String()
	return []*Error{
		NewError(404, ""),
		sampleError(),
		{Code: 422, Type: w, Message: w, Details: w, Instance: w, RequestID: w, TraceID: w, Docs: w, More: 3, RetryAfter: 9,
			Fields: []Field{{Field: w, Message: w, Pointer: w, Code: w, Hint: w}, {Field: "items[0].a/b~c", Message: "m"}, {}}},
		{Code: 503, More: -1, RetryAfter: -2, Fields: []Field{{Pointer: "/body"}}},
	}
}

// TestJSONMatchesEncoder: the hand-written envelope and problem+json are
// what encoding/json writes, extension members included.
func TestJSONMatchesEncoder(t *testing.T) {
	exts := [][]Member{nil, {{Name: "lang", Value: "de"}, {Name: "x\"\u2028", Value: "\x00\xff"}}}
	for i, e := range jsonTestErrors() {
		var buf bytes.Buffer
		writeEnvelope(&buf, e)
		if want := referenceEnvelope(t, e); buf.String() != want {
			t.Errorf("envelope %d:\n%s", i, pageDiff(buf.String(), want))
		}
		for _, ext := range exts {
			var got, want bytes.Buffer
			writeProblem(&got, e, ext)
			if err := referenceProblem(&want, e, ext); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("problem %d:\n%s", i, pageDiff(got.String(), want.String()))
			}
		}
	}
}

// FuzzJSONBodies compares the hand-written JSON bodies with encoding/json
// for arbitrary texts, and checks they are valid JSON.
func FuzzJSONBodies(f *testing.F) {
	f.Add("Bad Request", "d\x00\t<>", "email", "is invalid", "/body/email", "format", "hint", "rid", "", "ext", 3, 0)
	f.Add("\xff\xfe", "\u2028", "a[0].b", "", "", "", "", "", "t", "", 0, 30)
	f.Fuzz(func(t *testing.T, msg, details, field, fmsg, pointer, code, hint, rid, docs, ext string, more, retry int) {
		e := &Error{Code: 400, Type: "bad_request", Message: msg, Details: details, RequestID: rid, Docs: docs, Instance: ext, More: more, RetryAfter: retry}
		if field != "" || fmsg != "" {
			e.Fields = []Field{{Field: field, Message: fmsg, Pointer: pointer, Code: code, Hint: hint}, {Field: hint, Message: details}}
		}
		var buf bytes.Buffer
		writeEnvelope(&buf, e)
		if want := referenceEnvelope(t, e); buf.String() != want {
			t.Fatalf("envelope:\n%s", pageDiff(buf.String(), want))
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("envelope is not JSON: %s", buf.Bytes())
		}
		members := []Member{{Name: ext, Value: msg}}
		var got, want bytes.Buffer
		writeProblem(&got, e, members)
		if err := referenceProblem(&want, e, members); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("problem:\n%s", pageDiff(got.String(), want.String()))
		}
		if !json.Valid(got.Bytes()) {
			t.Fatalf("problem is not JSON: %s", got.Bytes())
		}
	})
}
