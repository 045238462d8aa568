package errorpages

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/json"
	"encoding/xml"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
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
			if !reflect.DeepEqual(u.Fields, row.fields) {
				t.Errorf("fields = %v, want %v", u.Fields, row.fields)
			}
		})
	}
}

// Internal text never reaches the client, whatever the policy.
func TestInternalTextWithheld(t *testing.T) {
	rows := []struct{ name, ctype, body string }{
		{"Python traceback", "text/plain", "Traceback (most recent call last):\n  File \"/app/main.py\", line 12, in handler\n    raise KeyError('db')\nKeyError: 'db'"},
		{"Python traceback in JSON", "application/json", `{"message":"Traceback (most recent call last):\n  File \"/app/main.py\", line 12, in <module>"}`},
		{"Go panic with goroutine dump", "text/plain", "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV]\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d"},
		{"Go goroutine dump in JSON", "application/json", `{"error":"goroutine 17 [running]: main.handler(0xc000010000)"}`},
		{"Java stack trace", "application/json", `{"message":"java.lang.NullPointerException: Cannot invoke \"String.length()\"\n\tat com.example.UserService.create(UserService.java:42)\n\tat com.example.UserController.post(UserController.java:17)"}`},
		{"Java exception in thread", "text/plain", `Exception in thread "main" java.lang.IllegalStateException: boom`},
		{".NET exception", "application/json", `{"detail":"System.InvalidOperationException: Sequence contains no elements\n   at System.Linq.ThrowHelper.ThrowNoElementsException()\n   at MyApp.Controllers.UsersController.Get(Int32 id) in C:\\src\\MyApp\\Controllers\\UsersController.cs:line 27"}`},
		{"Node stack", "application/json", `{"message":"TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/srv/app/routes/users.js:14:22)"}`},
		{"PHP trace", "text/plain", "#0 /var/www/html/index.php(12): PDO->__construct()"},
		{"internal IP address", "application/json", `{"message":"could not connect to 10.0.3.17:5432"}`},
		{"dial error", "text/plain", "dial tcp: lookup db.internal: no such host"},
		{"SQL error", "application/json", `{"message":"SQLSTATE[42S02]: Base table or view not found"}`},
		{"file path with line", "application/json", `{"error":"failed in /srv/app/handlers/user.go:87"}`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			for _, code := range []int{400, 500} {
				for _, p := range []Exposure{ExposeAuto, ExposeAlways} {
					u := Parse([]byte(row.body), row.ctype)
					e := NewError(code, "")
					p.Apply(e, u)
					if e.Details != Description(code) {
						t.Errorf("%d under %s: details = %q", code, p, e.Details)
					}
					for _, f := range e.Fields {
						if LooksInternal(f.Message) {
							t.Errorf("internal field message leaked: %q", f.Message)
						}
					}
				}
			}
			if u := Parse([]byte(row.body), row.ctype); len(u.Dropped) == 0 {
				t.Errorf("nothing recorded as dropped for the log")
			}
		})
	}
	for _, ok := range []string{"email is not a valid address", "Invalid integer: abc", "Quota of 100 requests per hour exceeded", "The file must be at most 2 MB.", "Version 1.2.3 is not supported", "Error: name is required"} {
		if LooksInternal(ok) {
			t.Errorf("ordinary message %q flagged as internal", ok)
		}
	}
}

func TestExposurePolicy(t *testing.T) {
	u := Parse([]byte(`{"message":"card declined","code":"card_declined","errors":[{"field":"card","message":"declined"}]}`), "application/json")
	rows := []struct {
		p     Exposure
		code  int
		shown bool
	}{
		{ExposeAuto, 402, true}, {ExposeAuto, 502, false},
		{ExposeAlways, 402, true}, {ExposeAlways, 502, true},
		{ExposeNever, 402, false}, {ExposeNever, 502, false},
	}
	for _, row := range rows {
		e := NewError(row.code, "")
		withheld := row.p.Apply(e, u)
		shown := e.Details == "card declined" && e.Type == "card_declined" && len(e.Fields) == 1
		if shown != row.shown || withheld == row.shown {
			t.Errorf("%s %d: shown=%v withheld=%v (%+v)", row.p, row.code, shown, withheld, e)
		}
	}
	if _, err := ParseExposure("sometimes"); err == nil {
		t.Error("ParseExposure should reject sometimes")
	}
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

func encodeAll(t testing.TB, enc string, data []byte) []byte {
	var b bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate":
		w = zlib.NewWriter(&b)
	case "br":
		w = brotli.NewWriter(&b)
	case "zstd":
		zw, err := zstd.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func TestDecode(t *testing.T) {
	body := []byte(`{"message":"compressed hello"}`)
	for _, enc := range []string{"gzip", "deflate", "br", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			out, truncated, ok := Decode(encodeAll(t, enc, body), enc, 1<<10)
			if !ok || truncated || !bytes.Equal(out, body) {
				t.Errorf("%s: ok=%v truncated=%v out=%q", enc, ok, truncated, out)
			}
		})
	}
	t.Run("raw deflate", func(t *testing.T) {
		var b bytes.Buffer
		fw, _ := flateWriter(&b)
		fw.Write(body)
		fw.Close()
		if out, _, ok := Decode(b.Bytes(), "deflate", 1<<10); !ok || !bytes.Equal(out, body) {
			t.Errorf("raw deflate: %v %q", ok, out)
		}
	})
	t.Run("stacked codings", func(t *testing.T) {
		data := encodeAll(t, "br", encodeAll(t, "gzip", body))
		if out, _, ok := Decode(data, "gzip, br", 1<<10); !ok || !bytes.Equal(out, body) {
			t.Errorf("gzip, br: %v %q", ok, out)
		}
	})
	t.Run("decompression bomb is bounded", func(t *testing.T) {
		bomb := encodeAll(t, "gzip", bytes.Repeat([]byte("a"), 10<<20))
		out, truncated, ok := Decode(bomb, "gzip", 64<<10)
		if !ok || !truncated || len(out) != 64<<10 {
			t.Errorf("bomb: ok=%v truncated=%v len=%d", ok, truncated, len(out))
		}
	})
	for _, row := range []struct{ name, enc, body string }{
		{"corrupt gzip", "gzip", "not gzip at all"},
		{"mislabelled br", "br", `{"message":"plain"}`},
		{"corrupt zstd", "zstd", "\x28\xb5\x2f\xfdgarbage"},
		{"unknown coding", "compress", "x"},
	} {
		t.Run(row.name, func(t *testing.T) {
			out, _, ok := Decode([]byte(row.body), row.enc, 1<<10)
			if ok {
				if u := Parse(out, "application/json"); u.Message != "" {
					t.Errorf("%s gave details %q", row.name, u.Message)
				}
			}
		})
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

// FuzzDecode: any bytes under any coding: no panic, output bounded.
func FuzzDecode(f *testing.F) {
	f.Add(encodeAll(f, "gzip", []byte(`{"message":"x"}`)), "gzip")
	f.Add(encodeAll(f, "br", []byte(`{"message":"x"}`)), "br")
	f.Add(encodeAll(f, "zstd", []byte(`{"message":"x"}`)), "zstd")
	f.Add(encodeAll(f, "deflate", []byte(`{"message":"x"}`)), "deflate")
	f.Add([]byte("garbage"), "gzip, br")
	f.Fuzz(func(t *testing.T, data []byte, enc string) {
		out, _, _ := Decode(data, enc, 4096)
		if len(out) > 4096 {
			t.Fatalf("decoded %d bytes, limit 4096", len(out))
		}
	})
}

func flateWriter(w io.Writer) (io.WriteCloser, error) {
	return flate.NewWriter(w, flate.DefaultCompression)
}

func BenchmarkParse(b *testing.B) {
	for _, c := range []struct{ name, body string }{
		{"envelope", `{"message":"email is not a valid address","code":"validation_failed","errors":[{"field":"email","message":"Invalid email format"}]}`},
		{"message", `{"message":"User not found"}`},
		{"fastapi", `{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address","input":"x"}]}`},
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
