package errorpages

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// presetCases are the kinds of error every preset must carry whole.
func presetCases() map[string]*Error {
	local404 := NewError(404, "")
	local404.RequestID, local404.Instance, local404.Source = "rid-404", "/missing", "local"
	local404.Docs = "https://docs.example.com/errors/404"

	up400 := NewError(400, "")
	up400.Type, up400.Details, up400.Source = "validation_failed", "email is not a valid address", "upstream"
	up400.Fields = []Field{{Field: "email", Message: "Invalid email format"}, {Field: "age", Message: "must be at least 18"}}
	up400.RequestID, up400.TraceID = "rid-400", "4bf92f3577b34da6a3ce929d0e0e4736"

	up502 := NewError(502, "")
	up502.RequestID, up502.Source = "rid-502", "upstream"

	val := NewError(400, "")
	val.Type, val.Details, val.Source = "validation_failed", "The request has 9 problems.", "local"
	val.Fields = []Field{
		{Field: "items[0].qty", Message: "must be at least 1", Pointer: "/body/items/0/qty", Code: "minimum"},
		{Field: "role", Message: "must be one of the allowed values", Pointer: "/body/role", Code: "enum", Hint: "allowed: admin, member"},
		{Field: "limit", Message: "must be an integer", Pointer: "/query/limit", Code: "type"},
		{Field: "X-Tenant", Message: "is required", Pointer: "/header/X-Tenant", Code: "required"},
		{Field: "id", Message: "must be a valid UUID", Pointer: "/path/id", Code: "format"},
		{Field: "email", Message: "is required", Pointer: "/body/email", Code: "required"},
		{Field: "items[1].qty", Message: "Field required", Pointer: "/body/items/1/qty", Code: "missing"},
	}
	val.More = 2
	val.RequestID, val.Docs = "rid-val", "https://docs.example.com/api#createOrder"
	return map[string]*Error{"local 404": local404, "upstream 400 with fields": up400, "upstream 502": up502, "validation error": val}
}

func renderPreset(t *testing.T, p Preset, e *Error) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := WritePreset(&buf, p, e, "api.example.com:8443"); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte(`\u003c`)) || bytes.Contains(buf.Bytes(), []byte(`\u0026`)) {
		t.Errorf("JSON is HTML-escaped: %s", buf.Bytes())
	}
	var m map[string]any
	d := json.NewDecoder(&buf)
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("%s: not JSON: %v", p, err)
	}
	return m
}

func str(v any) string { s, _ := v.(string); return s }

func num(v any) int {
	n, _ := v.(json.Number)
	i, _ := n.Int64()
	return int(i)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPresetSimple(t *testing.T) {
	for name, e := range presetCases() {
		t.Run(name, func(t *testing.T) {
			m := renderPreset(t, PresetSimple, e)
			if str(m["error"]) != e.Type || num(m["status"]) != e.Code || str(m["message"]) != e.Details || str(m["title"]) != e.Message {
				t.Errorf("error/status/message/title = %v", m)
			}
			if str(m["request_id"]) != e.RequestID || str(m["trace_id"]) != e.TraceID || str(m["docs"]) != e.Docs {
				t.Errorf("ids/docs = %v", m)
			}
			fields, _ := m["fields"].([]any)
			if len(fields) != len(e.Fields) {
				t.Fatalf("fields = %v", m["fields"])
			}
			for i, f := range fields {
				fm := f.(map[string]any)
				want := e.Fields[i]
				if str(fm["field"]) != want.Field || str(fm["message"]) != want.Message || str(fm["pointer"]) != want.Pointer || str(fm["code"]) != want.Code || str(fm["hint"]) != want.Hint {
					t.Errorf("field %d = %v, want %+v", i, fm, want)
				}
			}
			if num(m["more"]) != e.More {
				t.Errorf("more = %v", m["more"])
			}
		})
	}
}

// JSON:API error objects: https://jsonapi.org/format/#error-objects —
// members id, links, status (a string), code, title, detail, source
// (pointer, parameter, header), meta; nothing else.
func TestPresetJSONAPI(t *testing.T) {
	allowed := map[string]bool{"id": true, "links": true, "status": true, "code": true, "title": true, "detail": true, "source": true, "meta": true}
	for name, e := range presetCases() {
		t.Run(name, func(t *testing.T) {
			m := renderPreset(t, PresetJSONAPI, e)
			for _, k := range keys(m) {
				if k != "errors" && k != "meta" && k != "jsonapi" && k != "links" {
					t.Errorf("top-level member %q not allowed in an error document", k)
				}
			}
			if _, ok := m["data"]; ok {
				t.Error("an error document must not contain data")
			}
			errs := m["errors"].([]any)
			want := len(e.Fields)
			if want == 0 {
				want = 1
			}
			if len(errs) != want {
				t.Fatalf("%d error objects, want %d", len(errs), want)
			}
			for i, x := range errs {
				o := x.(map[string]any)
				for _, k := range keys(o) {
					if !allowed[k] {
						t.Errorf("error object member %q not in JSON:API", k)
					}
				}
				if s, ok := o["status"].(string); !ok || s != strings.TrimSpace(s) || num(json.Number(s)) != e.Code {
					t.Errorf("status = %#v, want the string \"%d\"", o["status"], e.Code)
				}
				if str(o["title"]) != e.Message {
					t.Errorf("title = %v", o["title"])
				}
				if e.Docs != "" {
					if l := o["links"].(map[string]any); str(l["about"]) != e.Docs {
						t.Errorf("links.about = %v", l)
					}
				}
				if len(e.Fields) == 0 {
					if str(o["code"]) != e.Type || str(o["detail"]) != e.Details {
						t.Errorf("code/detail = %v", o)
					}
					continue
				}
				f := e.Fields[i]
				if str(o["detail"]) != f.Message {
					t.Errorf("detail = %v, want %q", o["detail"], f.Message)
				}
				src, _ := o["source"].(map[string]any)
				meta, _ := o["meta"].(map[string]any)
				switch {
				case strings.HasPrefix(f.Pointer, "/body/") && (f.Code == "required" || f.Code == "missing"):
					// "MUST point to a value in the request document that
					// exists": the object that lacks the member.
					parent := strings.TrimPrefix(f.Pointer[:strings.LastIndexByte(f.Pointer, '/')], "/body")
					if p, ok := src["pointer"].(string); !ok || p != parent || str(meta["pointer"]) != f.Pointer {
						t.Errorf("source = %v, meta = %v for the missing %s; want pointer %q", src, meta, f.Pointer, parent)
					}
				case strings.HasPrefix(f.Pointer, "/body/"):
					if str(src["pointer"]) != strings.TrimPrefix(f.Pointer, "/body") {
						t.Errorf("source.pointer = %v for %s", src, f.Pointer)
					}
				case strings.HasPrefix(f.Pointer, "/query/"):
					if str(src["parameter"]) != "limit" {
						t.Errorf("source.parameter = %v", src)
					}
				case strings.HasPrefix(f.Pointer, "/header/"):
					if str(src["header"]) != "X-Tenant" {
						t.Errorf("source.header = %v", src)
					}
				case f.Pointer != "":
					if src != nil || str(meta["pointer"]) != f.Pointer {
						t.Errorf("a %s problem has no JSON:API source; meta.pointer = %v, source = %v", f.Pointer, meta, src)
					}
				}
				if f.Code != "" && str(o["code"]) != f.Code {
					t.Errorf("code = %v, want %s", o["code"], f.Code)
				}
				if str(meta["field"]) != f.Field || str(meta["hint"]) != f.Hint {
					t.Errorf("meta = %v", meta)
				}
			}
			if meta, _ := m["meta"].(map[string]any); str(meta["request_id"]) != e.RequestID {
				t.Errorf("meta.request_id = %v", m["meta"])
			}
		})
	}
}

// GraphQL response format: https://spec.graphql.org/October2021/#sec-Response-Format —
// errors is a non-empty list of objects with a message; extensions is a
// map; data is not present when the request failed before execution
// (§7.1.2; GraphQL-over-HTTP ties "data": null to a 2xx status).
func TestPresetGraphQL(t *testing.T) {
	for name, e := range presetCases() {
		t.Run(name, func(t *testing.T) {
			m := renderPreset(t, PresetGraphQL, e)
			if d, ok := m["data"]; ok {
				t.Errorf("data = %v is present; a request error has none", d)
			}
			errs := m["errors"].([]any)
			if len(errs) != 1 {
				t.Fatalf("errors = %v", errs)
			}
			o := errs[0].(map[string]any)
			for _, k := range keys(o) {
				if k != "message" && k != "locations" && k != "path" && k != "extensions" {
					t.Errorf("error member %q is not in the GraphQL spec", k)
				}
			}
			if str(o["message"]) != e.Details {
				t.Errorf("message = %v", o["message"])
			}
			ext := o["extensions"].(map[string]any)
			if !regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`).MatchString(str(ext["code"])) || str(ext["code"]) != strings.ToUpper(e.Type) {
				t.Errorf("extensions.code = %v", ext["code"])
			}
			if h := ext["http"].(map[string]any); num(h["status"]) != e.Code {
				t.Errorf("extensions.http = %v", h)
			}
			if fields, _ := ext["fields"].([]any); len(fields) != len(e.Fields) {
				t.Errorf("extensions.fields = %v", ext["fields"])
			}
			if str(ext["request_id"]) != e.RequestID || str(ext["trace_id"]) != e.TraceID || str(ext["docs"]) != e.Docs {
				t.Errorf("extensions ids/docs = %v", ext)
			}
		})
	}
}

// AIP-193: error.code is the HTTP status, error.status the google.rpc.Code
// name, error.message developer-facing, details hold an ErrorInfo whose
// reason is UPPER_SNAKE_CASE (at most 63 characters) and whose domain names
// the service, a BadRequest with fieldViolations{field, description}, and a
// RequestInfo with requestId.
func TestPresetGoogle(t *testing.T) {
	reason := regexp.MustCompile(`^[A-Z][A-Z0-9_]+[A-Z0-9]$`)
	for name, e := range presetCases() {
		t.Run(name, func(t *testing.T) {
			m := renderPreset(t, PresetGoogle, e)
			g := m["error"].(map[string]any)
			if num(g["code"]) != e.Code || str(g["message"]) != e.Details || str(g["status"]) != GRPCStatus(e.Code) {
				t.Errorf("code/message/status = %v", g)
			}
			byType := map[string]map[string]any{}
			for _, d := range g["details"].([]any) {
				dm := d.(map[string]any)
				byType[str(dm["@type"])] = dm
			}
			info := byType["type.googleapis.com/google.rpc.ErrorInfo"]
			if info == nil || !reason.MatchString(str(info["reason"])) || len(str(info["reason"])) > 63 || str(info["domain"]) != "api.example.com" {
				t.Errorf("ErrorInfo = %v", info)
			}
			// "Dynamic variables present in the error message must be
			// present in the metadata" (AIP-193).
			md, _ := info["metadata"].(map[string]any)
			for _, v := range dynamicValues(e) {
				if !hasValue(md, v) {
					t.Errorf("ErrorInfo.metadata %v lacks %q of the message %q", md, v, e.Details)
				}
			}
			br := byType["type.googleapis.com/google.rpc.BadRequest"]
			if len(e.Fields) == 0 {
				if br != nil {
					t.Errorf("BadRequest without fields: %v", br)
				}
			} else {
				fv := br["fieldViolations"].([]any)
				if len(fv) != len(e.Fields) {
					t.Fatalf("fieldViolations = %v", fv)
				}
				for i, v := range fv {
					vm := v.(map[string]any)
					f := e.Fields[i]
					if str(vm["field"]) != f.Field || !strings.HasPrefix(str(vm["description"]), f.Message) {
						t.Errorf("violation %d = %v", i, vm)
					}
					if f.Hint != "" && !strings.Contains(str(vm["description"]), f.Hint) {
						t.Errorf("hint lost: %v", vm)
					}
					if f.Code != "" && str(vm["reason"]) != strings.ToUpper(f.Code) {
						t.Errorf("reason = %v", vm["reason"])
					}
				}
			}
			if ri := byType["type.googleapis.com/google.rpc.RequestInfo"]; ri == nil || str(ri["requestId"]) != e.RequestID {
				t.Errorf("RequestInfo = %v", ri)
			}
			if e.Docs != "" {
				help := byType["type.googleapis.com/google.rpc.Help"]
				links, _ := help["links"].([]any)
				if len(links) != 1 || str(links[0].(map[string]any)["url"]) != e.Docs {
					t.Errorf("Help = %v", help)
				}
			}
		})
	}
}

func TestGRPCStatusMapping(t *testing.T) {
	want := map[int]string{
		400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
		409: "ABORTED", 416: "OUT_OF_RANGE", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED",
		405: "FAILED_PRECONDITION", 413: "FAILED_PRECONDITION", 422: "INVALID_ARGUMENT",
		500: "INTERNAL", 501: "UNIMPLEMENTED", 502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
	}
	for code, name := range want {
		if got := GRPCStatus(code); got != name {
			t.Errorf("GRPCStatus(%d) = %s, want %s", code, got, name)
		}
	}
}

func TestUpperCode(t *testing.T) {
	for in, want := range map[string]string{
		"validation_failed": "VALIDATION_FAILED", "card-declined": "CARD_DECLINED", "not_found": "NOT_FOUND",
		"_x_": "ERROR", "9lives": "LIVES", "a.b.c": "A_B_C", "": "",
		strings.Repeat("ab", 50): strings.Repeat("AB", 31) + "A",
	} {
		if got := upperCode(in); got != want {
			t.Errorf("upperCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePreset(t *testing.T) {
	for i, n := range presetNames {
		if p, err := ParsePreset(n); err != nil || p != Preset(i) {
			t.Errorf("ParsePreset(%q) = %v, %v", n, p, err)
		}
	}
	if _, err := ParsePreset("xml"); err == nil || !strings.Contains(err.Error(), "errorpages, simple, jsonapi, graphql, google") {
		t.Errorf("unknown preset error = %v", err)
	}
}

// Hostile strings stay valid JSON in every preset.
func TestPresetsHostileInput(t *testing.T) {
	e := NewError(400, "")
	e.Details = "quote \" backslash \\ <script>&amp; \x00 \u2028 line\nbreak"
	e.Fields = []Field{{Field: `a"b`, Message: "</x>", Pointer: "/body/a\"b", Hint: "\\"}}
	for p := PresetSimple; p <= PresetGoogle; p++ {
		m := renderPreset(t, p, e)
		if !reflect.DeepEqual(m, renderPreset(t, p, e)) {
			t.Errorf("%s not deterministic", p)
		}
	}
}

func TestAcceptQuality(t *testing.T) {
	rows := []struct {
		accept, mediaType string
		q                 int
		by                AcceptRange
	}{
		{"application/vnd.api+json", JSONAPIMediaType, 1000, RangeExact},
		{"Application/VND.API+JSON; q=0.5", JSONAPIMediaType, 500, RangeExact},
		{"application/json", JSONAPIMediaType, 1000, RangeSuffix},
		{"application/json", "application/problem+json", 1000, RangeSuffix},
		{"application/*;q=0.3", "application/problem+json", 300, RangeType},
		{"*/*", "application/problem+json", 1000, RangeAny},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/problem+json", 800, RangeAny},
		{"application/problem+json;q=0, application/*", "application/problem+json", 0, RangeExact},
		{"application/json;q=0.2, application/json;q=0.7", "application/json", 700, RangeExact},
		{"text/plain", "application/json", 0, RangeNone},
		{"", "application/json", 0, RangeNone},
		{"application/json;q=abc, bogus, */json", "application/json", 0, RangeNone},
		{"application/xml", "application/atom+xml", 1000, RangeSuffix},
		{"application/json", "application/json+", 0, RangeNone},
		{"application/json", "nonsense", 0, RangeNone},
	}
	for _, row := range rows {
		q, by := AcceptQuality(row.accept, row.mediaType)
		if q != row.q || by != row.by {
			t.Errorf("AcceptQuality(%q, %q) = %d, %d; want %d, %d", row.accept, row.mediaType, q, by, row.q, row.by)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		AcceptQuality("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSONAPIMediaType)
	}); n != 0 {
		t.Errorf("AcceptQuality allocates %.0f times", n)
	}
}

// Every preset says when to retry, where its shape keeps extras.
func TestPresetsRetryAfter(t *testing.T) {
	e := NewError(503, "")
	e.RetryAfter = 30
	for _, row := range []struct {
		preset Preset
		want   string
	}{
		{PresetSimple, `"retry_after":30`},
		{PresetJSONAPI, `"meta":{"retry_after":30}`},
		{PresetGraphQL, `"retry_after":30}`},
		{PresetGoogle, `{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"30s"}`},
	} {
		var buf bytes.Buffer
		if err := WritePreset(&buf, row.preset, e, "example.com"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), row.want) {
			t.Errorf("%s: %s lacks %s", row.preset, buf.String(), row.want)
		}
		e.RetryAfter = 0
		buf.Reset()
		WritePreset(&buf, row.preset, e, "example.com")
		if strings.Contains(buf.String(), "etry") {
			t.Errorf("%s without a wait: %s", row.preset, buf.String())
		}
		e.RetryAfter = 30
	}
}

// dynamicValues are the values in e's message that a request can change:
// its numbers and the names of its fields that it mentions.
func dynamicValues(e *Error) []string {
	out := regexp.MustCompile(`[0-9]+`).FindAllString(e.Details, -1)
	for _, f := range e.Fields {
		if f.Field != "" && regexp.MustCompile(`(^|[^A-Za-z0-9_])`+regexp.QuoteMeta(f.Field)+`($|[^A-Za-z0-9_])`).MatchString(e.Details) {
			out = append(out, f.Field)
		}
	}
	return out
}

func hasValue(md map[string]any, v string) bool {
	for _, x := range md {
		if str(x) == v {
			return true
		}
	}
	return false
}

func TestGoogleMetadataNamesMentionedFields(t *testing.T) {
	e := NewError(400, "")
	e.Details = "email and age are invalid; page 2"
	e.Fields = []Field{{Field: "email"}, {Field: "page_size"}, {Field: "age"}, {Field: "email"}}
	got := googleMetadata(e)
	want := map[string]string{"problemCount": "4", "field": "email", "field2": "age"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metadata = %v, want %v", got, want)
	}
	if md := googleMetadata(NewError(502, "")); md != nil {
		t.Errorf("metadata of a 502 = %v", md)
	}
}

// Field problems without the upstream's own code make a failed
// validation, whatever the status; an upstream code wins.
func TestFieldProblemsWithoutCodeAreValidationFailed(t *testing.T) {
	fields := []Field{{Field: "email", Message: "Invalid value", Pointer: "/body/email"}}
	for _, row := range []struct {
		code int
		u    Upstream
		want string
	}{
		{400, Upstream{Fields: fields}, "validation_failed"},
		{422, Upstream{Fields: fields}, "validation_failed"},
		{422, Upstream{Fields: fields, Type: "invalid_param"}, "invalid_param"},
		{400, Upstream{Message: "bad"}, "bad_request"},
		{500, Upstream{Fields: fields}, "internal_server_error"}, // withheld under auto
	} {
		e := NewError(row.code, "")
		ExposeAuto.Apply(e, row.u)
		if e.Type != row.want {
			t.Errorf("%d %+v: type %q, want %q", row.code, row.u, e.Type, row.want)
		}
	}
}
