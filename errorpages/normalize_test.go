package errorpages

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestParseFrameworkShapes(t *testing.T) {
	rows := []struct {
		name, ctype, body string
		message, typ      string
		fields            []Field
	}{
		{"Express res.json message", "application/json; charset=utf-8",
			`{"message":"User not found"}`, "User not found", "", nil},
		{"Express error string", "application/json",
			`{"error":"Invalid credentials"}`, "Invalid credentials", "", nil},
		{"express-validator errors list", "application/json",
			`{"errors":[{"type":"field","value":"x","msg":"Invalid value","path":"email","location":"body"},{"type":"field","msg":"Too short","path":"password","location":"body"}]}`,
			"", "", []Field{{Field: "email", Message: "Invalid value"}, {Field: "password", Message: "Too short"}}},
		{"FastAPI HTTPException", "application/json",
			`{"detail":"Item not found"}`, "Item not found", "", nil},
		{"FastAPI / pydantic validation", "application/json",
			`{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address","input":"x"},{"type":"missing","loc":["body","items",0,"qty"],"msg":"Field required","input":{}}]}`,
			"", "", []Field{{Field: "email", Message: "value is not a valid email address"}, {Field: "items[0].qty", Message: "Field required"}}},
		{"Django REST Framework detail", "application/json",
			`{"detail":"Authentication credentials were not provided."}`, "Authentication credentials were not provided.", "", nil},
		{"Django REST Framework field map", "application/json",
			`{"email":["Enter a valid email address."],"password":["This field is required.","Too short."],"non_field_errors":["Passwords do not match."]}`,
			"Passwords do not match.", "", []Field{{Field: "email", Message: "Enter a valid email address."}, {Field: "password", Message: "This field is required."}, {Field: "password", Message: "Too short."}}},
		{"Rails errors map", "application/json",
			`{"errors":{"email":["is invalid","has already been taken"],"name":["can't be blank"]}}`,
			"", "", []Field{{Field: "email", Message: "is invalid"}, {Field: "email", Message: "has already been taken"}, {Field: "name", Message: "can't be blank"}}},
		{"Laravel validation", "application/json",
			`{"message":"The email field must be a valid email address.","errors":{"email":["The email field must be a valid email address."]}}`,
			"The email field must be a valid email address.", "", []Field{{Field: "email", Message: "The email field must be a valid email address."}}},
		{"Spring Boot default error with field errors", "application/json",
			`{"timestamp":"2024-05-01T10:00:00.000+00:00","status":400,"error":"Bad Request","message":"Validation failed for object='user'. Error count: 1","path":"/users","errors":[{"field":"email","defaultMessage":"must be a well-formed email address","code":"Email","objectName":"user","rejectedValue":"x"}]}`,
			"Validation failed for object='user'. Error count: 1", "", []Field{{Field: "email", Message: "must be a well-formed email address"}}},
		{"ASP.NET Core validation problem", "application/problem+json; charset=utf-8",
			`{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"Email":["The Email field is required."]},"traceId":"00-84c1fd4063c38d9f3900d06e56542d48-85d1d4-00"}`,
			"One or more validation errors occurred.", "", []Field{{Field: "Email", Message: "The Email field is required."}}},
		{"RFC 9457 problem with pointers", "application/problem+json",
			`{"type":"https://example.net/validation-error","title":"Your request is not valid.","detail":"2 fields failed","errors":[{"detail":"must be a positive integer","pointer":"#/age"},{"detail":"must be 'green', 'red' or 'blue'","pointer":"#/profile/color"}]}`,
			"2 fields failed", "validation_error", []Field{{Field: "age", Message: "must be a positive integer"}, {Field: "profile.color", Message: "must be 'green', 'red' or 'blue'"}}},
		{"RFC 7807 invalid-params", "application/problem+json",
			`{"type":"https://example.net/validation-error","title":"Your request parameters didn't validate.","invalid-params":[{"name":"age","reason":"must be a positive integer"}]}`,
			"Your request parameters didn't validate.", "validation_error", []Field{{Field: "age", Message: "must be a positive integer"}}},
		{"Stripe error", "application/json",
			`{"error":{"code":"parameter_invalid_integer","doc_url":"https://stripe.com/docs/error-codes/parameter-invalid-integer","message":"Invalid integer: abc","param":"amount","type":"invalid_request_error"}}`,
			"Invalid integer: abc", "parameter_invalid_integer", []Field{{Field: "amount", Message: "Invalid integer: abc"}}},
		{"Google API error", "application/json",
			`{"error":{"code":400,"message":"Invalid value at 'name'","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"name","description":"Invalid value"}]}]}}`,
			"Invalid value at 'name'", "invalid_argument", []Field{{Field: "name", Message: "Invalid value"}}},
		{"OAuth error", "application/json",
			`{"error":"invalid_grant","error_description":"The refresh token has expired"}`,
			"The refresh token has expired", "invalid_grant", nil},
		{"JSON:API errors", "application/vnd.api+json",
			`{"errors":[{"status":"422","source":{"pointer":"/data/attributes/firstName"},"title":"Invalid Attribute","detail":"First name must contain at least two characters."}]}`,
			"", "", []Field{{Field: "firstName", Message: "First name must contain at least two characters."}}},
		{"message with code", "application/json",
			`{"code":"validation_failed","message":"email is not a valid address","fields":[{"field":"email","message":"Invalid email format"}]}`,
			"email is not a valid address", "validation_failed", []Field{{Field: "email", Message: "Invalid email format"}}},
		{"msg key", "application/json", `{"msg":"token expired"}`, "token expired", "", nil},
		{"GraphQL-style errors list", "application/json", `{"errors":[{"message":"Cannot query field \"x\""}]}`, `Cannot query field "x"`, "", nil},
		{"Go http.Error text", "text/plain; charset=utf-8", "404 page not found\n", "404 page not found", "", nil},
		{"plain text first line, trimmed", "text/plain", "  Quota exceeded  \nretry later\n", "Quota exceeded", "", nil},
		{"HTML gives nothing", "text/html", "<html><body><h1>Bad</h1></body></html>", "", "", nil},
		{"unknown content type gives nothing", "application/octet-stream", "\x00\x01binary", "", "", nil},
		{"JSON without content type", "", `{"message":"hi"}`, "hi", "", nil},
		{"broken JSON gives nothing", "application/json", `{"message":`, "", "", nil},
		{"unrecognized JSON gives nothing", "application/json", `{"foo":1,"bar":{"baz":2}}`, "", "", nil},
		{"XML gives nothing", "application/xml", `<error>x</error>`, "", "", nil},
		{"reason phrase in error is not a message", "application/json", `{"error":"Bad Request"}`, "", "", nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			u := Parse([]byte(row.body), row.ctype)
			if u.Message != row.message {
				t.Errorf("message = %q, want %q", u.Message, row.message)
			}
			if u.Type != row.typ {
				t.Errorf("type = %q, want %q", u.Type, row.typ)
			}
			// Names and messages; pointers and codes have their own table
			// (TestParseFieldPointersAndCodes).
			if got := namesAndMessages(u.Fields); !reflect.DeepEqual(got, row.fields) {
				t.Errorf("fields = %v, want %v", got, row.fields)
			}
		})
	}
}

// namesAndMessages keeps only each field's name and message.
func namesAndMessages(fields []Field) []Field {
	var out []Field
	for _, f := range fields {
		out = append(out, Field{Field: f.Field, Message: f.Message})
	}
	return out
}

func TestTruncation(t *testing.T) {
	long := strings.Repeat("é", 2000)
	var fields []string
	for i := 0; i < 80; i++ {
		fields = append(fields, `{"field":"f`+strings.Repeat("x", i)+`","message":"bad"}`)
	}
	u := Parse([]byte(`{"message":"`+long+`","errors":[`+strings.Join(fields, ",")+`]}`), "application/json")
	if n := len([]rune(u.Message)); n > MaxMessageLen+1 || !strings.HasSuffix(u.Message, "…") {
		t.Errorf("message has %d characters", n)
	}
	if len(u.Fields) != MaxFields {
		t.Errorf("%d fields kept, want %d", len(u.Fields), MaxFields)
	}
	u = Parse([]byte("line\x00with\x07controls\u2028and\tspaces   "), "text/plain")
	if u.Message != "line with controls and spaces" {
		t.Errorf("cleaned = %q", u.Message)
	}
	u = Parse([]byte("bad \xff\xfe utf8"), "text/plain")
	if !strings.Contains(u.Message, "\uFFFD") || !json.Valid([]byte(`"`+strings.ReplaceAll(u.Message, `"`, ``)+`"`)) {
		t.Errorf("invalid UTF-8 not replaced: %q", u.Message)
	}
}

// FuzzNormalize: for any body bytes and any Content-Type, no panic, and the
// rendered json/problem are valid JSON, the xml well-formed and the html
// free of markup from the input.
func FuzzNormalize(f *testing.F) {
	for _, s := range []struct{ body, ctype string }{
		{`{"message":"<script>alert(1)</script>","errors":{"e<m>":["x&y"]}}`, "application/json"},
		{`{"detail":[{"loc":["body",0,"a"],"msg":"m"}]}`, "application/json"},
		{`{"error":{"message":"m","code":"c","param":"p"}}`, "application/json"},
		{`{"errors":[{"pointer":"#/a~1b","detail":"d"}]}`, "application/problem+json"},
		{"plain <b>text</b>\nsecond", "text/plain"},
		{"\xff\xfe\x00", ""},
		{`[{"message":"list"}]`, "application/json"},
		{`{"email":["bad"]}`, "application/json; charset=utf-8"},
	} {
		f.Add([]byte(s.body), s.ctype)
	}
	r, err := NewRenderer(RendererConfig{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		u := Parse(body, ctype)
		e := NewError(422, "")
		ExposeAlways.Apply(e, u)
		e.RequestID = "rid"
		e.Instance = "/p"
		for _, format := range []Format{JSON, Problem, XML, Text, HTML} {
			var buf bytes.Buffer
			if err := r.Render(&buf, format, &PageData{Error: e, Method: "GET", Path: "/p"}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			out := buf.Bytes()
			switch format {
			case JSON, Problem:
				if !json.Valid(out) {
					t.Fatalf("%s is not valid JSON: %q", format, out)
				}
			case XML:
				d := xml.NewDecoder(bytes.NewReader(out))
				for {
					if _, err := d.Token(); err == io.EOF {
						break
					} else if err != nil {
						t.Fatalf("xml not well-formed: %v\n%q", err, out)
					}
				}
			case HTML:
				// html/template escapes every < and > that comes from data,
				// so the page's count of raw < and > must not depend on it:
				// compare with the same data, those characters neutralized.
				var neutral bytes.Buffer
				if err := r.Render(&neutral, HTML, &PageData{Error: neutralized(e), Method: "GET", Path: "/p"}); err != nil {
					t.Fatal(err)
				}
				for _, c := range []string{"<", ">"} {
					if got, want := bytes.Count(out, []byte(c)), bytes.Count(neutral.Bytes(), []byte(c)); got != want {
						t.Fatalf("input changed the page's markup (%d %q, want %d):\n%s", got, c, want, out)
					}
				}
			}
		}
	})
}

var markupNeutralizer = strings.NewReplacer("<", "x", ">", "x")

func neutralized(e *Error) *Error {
	n := *e
	n.Details = markupNeutralizer.Replace(e.Details)
	n.Type = markupNeutralizer.Replace(e.Type)
	n.Fields = nil
	for _, f := range e.Fields {
		n.Fields = append(n.Fields, Field{Field: markupNeutralizer.Replace(f.Field), Message: markupNeutralizer.Replace(f.Message)})
	}
	return &n
}

func BenchmarkParse(b *testing.B) {
	for _, c := range []struct{ name, body string }{
		{"envelope", `{"message":"email is not a valid address","code":"validation_failed","errors":[{"field":"email","message":"Invalid email format"}]}`},
		{"message", `{"message":"User not found"}`},
		{"fastapi", `{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address","input":"x"}]}`},
		{"nest", `{"message":["email must be an email","age must not be less than 18"],"error":"Bad Request","statusCode":400}`},
		{"fastify", `{"statusCode":400,"code":"FST_ERR_VALIDATION","error":"Bad Request","message":"body/email must match format \"email\", body/age must be >= 18"}`},
		{"hapi", `{"statusCode":400,"error":"Bad Request","message":"\"email\" must be a valid email. \"age\" must be greater than or equal to 18","validation":{"source":"payload","keys":["email","age"]}}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			body := []byte(c.body)
			b.ReportAllocs()
			for b.Loop() {
				Parse(body, "application/json")
			}
		})
	}
}

// TestTypeSlugFastPaths: the allocation-light paths of setType give what
// slug gives.
func TestTypeSlugFastPaths(t *testing.T) {
	for _, s := range []string{"FST_ERR_VALIDATION", "card-declined", "Validation Failed", "value_error.email",
		"INVALID__ARG", "a--b", "-x-", "_lead", "trail_", "I'm a teapot", "ÜBER_fehler", "ok", "a1_b2"} {
		var u Upstream
		u.setType(s)
		if want := slug(s); u.Type != want {
			t.Errorf("setType(%q) = %q, slug gives %q", s, u.Type, want)
		}
	}
}
