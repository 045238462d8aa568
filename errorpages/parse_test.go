package errorpages

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// fieldMapBody is a Rails-style {"errors":{...}} body with n keys.
func fieldMapBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"errors":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"field_` + strconv.Itoa(i) + `":["is invalid"]`)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

// BenchmarkParseKeys shows that parsing is linear in the number of keys:
// ns/key stays flat from 6k to 20k keys (ns/op grows ~3.3x).
func BenchmarkParseKeys(b *testing.B) {
	for _, n := range []int{6000, 20000} {
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) {
			body := fieldMapBody(n)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				Parse(body, "application/json")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/key")
		})
	}
}

// parseRow is one body and what Parse must take from it.
type parseRow struct {
	name, ctype, body string
	message, typ      string
	fields            []Field
}

func runParseRows(t *testing.T, rows []parseRow) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			ctype := row.ctype
			if ctype == "" {
				ctype = "application/json"
			}
			u := Parse([]byte(row.body), ctype)
			if u.Message != row.message {
				t.Errorf("message = %q, want %q", u.Message, row.message)
			}
			if u.Type != row.typ {
				t.Errorf("type = %q, want %q", u.Type, row.typ)
			}
			if !reflect.DeepEqual(u.Fields, row.fields) {
				t.Errorf("fields:\n got  %+v\n want %+v", u.Fields, row.fields)
			}
		})
	}
}

// TestParseKeepsUpstreamOrder: fields come out in the order the upstream
// wrote them, which is the order of its form (issue 8 item 15).
func TestParseKeepsUpstreamOrder(t *testing.T) {
	runParseRows(t, []parseRow{
		{name: "DRF field map keeps the serializer's order",
			body: `{"email":["Enter a valid email address."],"age":["Ensure this value is greater than or equal to 18."]}`,
			fields: []Field{
				{Field: "email", Message: "Enter a valid email address."},
				{Field: "age", Message: "Ensure this value is greater than or equal to 18."},
			}},
		{name: "Rails errors map keeps its order",
			body: `{"errors":{"zip":["is invalid"],"city":["can't be blank"],"address":["is incomplete"]}}`,
			fields: []Field{
				{Field: "zip", Message: "is invalid"},
				{Field: "city", Message: "can't be blank"},
				{Field: "address", Message: "is incomplete"},
			}},
		{name: "ASP.NET errors map keeps its order",
			ctype:   "application/problem+json",
			body:    `{"title":"One or more validation errors occurred.","errors":{"Name":["The Name field is required."],"Age":["The field Age must be between 18 and 99."]}}`,
			message: "One or more validation errors occurred.",
			fields: []Field{
				{Field: "Name", Message: "The Name field is required."},
				{Field: "Age", Message: "The field Age must be between 18 and 99."},
			}},
		{name: "DRF nested serializer names the field by its path",
			body: `{"address":{"zip":["Enter a valid postal code."],"city":["This field may not be blank."]}}`,
			fields: []Field{
				{Field: "address.zip", Message: "Enter a valid postal code."},
				{Field: "address.city", Message: "This field may not be blank."},
			}},
		{name: "DRF list serializer names the item by its index",
			body: `{"items":[{},{"qty":["Ensure this value is greater than or equal to 1."]}]}`,
			fields: []Field{
				{Field: "items[1].qty", Message: "Ensure this value is greater than or equal to 1."},
			}},
		{name: "DRF nested non_field_errors belong to the nested field",
			body:   `{"address":{"non_field_errors":["Unknown address."]}}`,
			fields: []Field{{Field: "address", Message: "Unknown address."}}},
	})
}

// TestParseDuplicateKeys: of duplicate keys the last wins, as in
// JavaScript's JSON.parse and Go's encoding/json; a field given twice keeps
// its first place.
func TestParseDuplicateKeys(t *testing.T) {
	runParseRows(t, []parseRow{
		{name: "the last message wins",
			body: `{"message":"first","message":"second"}`, message: "second"},
		{name: "a repeated field keeps its first place and its last messages",
			body: `{"errors":{"name":["can't be blank"],"email":["old"],"age":["is required"],"email":["is invalid"]}}`,
			fields: []Field{
				{Field: "name", Message: "can't be blank"},
				{Field: "email", Message: "is invalid"},
				{Field: "age", Message: "is required"},
			}},
		{name: "the last value of an item member wins",
			body:   `{"errors":[{"field":"a","field":"b","message":"bad"}]}`,
			fields: []Field{{Field: "b", Message: "bad"}}},
	})
}

// TestParseNestJS: ValidationPipe's message array is a list of problems;
// class-validator's messages begin with the property path (issue 8 item 10).
func TestParseNestJS(t *testing.T) {
	runParseRows(t, []parseRow{
		{name: "ValidationPipe default 400",
			body: `{"message":["email must be an email","age must not be less than 18"],"error":"Bad Request","statusCode":400}`,
			fields: []Field{
				{Field: "email", Message: "must be an email"},
				{Field: "age", Message: "must not be less than 18"},
			}},
		{name: "nested property path names the item by its index",
			body: `{"message":["items.0.qty must not be less than 1","address.city should not be empty"],"error":"Bad Request","statusCode":400}`,
			fields: []Field{
				{Field: "items[0].qty", Message: "must not be less than 1"},
				{Field: "address.city", Message: "should not be empty"},
			}},
		{name: "class-validator's prefixed forms",
			body: `{"message":["each value in tags must be a string","property admin should not exist","nested property address must be either object or array"],"error":"Bad Request","statusCode":400}`,
			fields: []Field{
				{Field: "tags", Message: "each value must be a string"},
				{Field: "admin", Message: "should not exist"},
				{Field: "address", Message: "must be either object or array"},
			}},
		{name: "problems that name no field become the message",
			body:    `{"message":["Password too weak","Passwords do not match","email must be an email"],"error":"Bad Request","statusCode":400}`,
			message: "Password too weak; Passwords do not match",
			fields:  []Field{{Field: "email", Message: "must be an email"}}},
		{name: "the reason phrase in error is not a message",
			body: `{"message":[],"error":"Bad Request","statusCode":400}`},
		{name: "a plain message string stays the message",
			body: `{"message":"User 42 not found","error":"Not Found","statusCode":404}`, message: "User 42 not found"},
	})
}

// TestParseHapiJoi: validation.keys and joi's quoted labels name the
// fields; validation.source names the request part (issue 8 item 11).
func TestParseHapiJoi(t *testing.T) {
	runParseRows(t, []parseRow{
		{name: "two problems in the payload",
			body:    `{"statusCode":400,"error":"Bad Request","message":"\"email\" must be a valid email. \"age\" must be greater than or equal to 18","validation":{"source":"payload","keys":["email","age"]}}`,
			message: `"email" must be a valid email. "age" must be greater than or equal to 18`,
			fields: []Field{
				{Field: "email", Message: "must be a valid email", Pointer: "/body/email"},
				{Field: "age", Message: "must be greater than or equal to 18", Pointer: "/body/age"},
			}},
		{name: "the message's order, not the keys'",
			body:    `{"statusCode":400,"error":"Bad Request","message":"\"age\" is required. \"email\" is not allowed to be empty","validation":{"source":"payload","keys":["email","age"]}}`,
			message: `"age" is required. "email" is not allowed to be empty`,
			fields: []Field{
				{Field: "age", Message: "is required", Pointer: "/body/age"},
				{Field: "email", Message: "is not allowed to be empty", Pointer: "/body/email"},
			}},
		{name: "a problem text holding a full stop and quotes",
			body:    `{"statusCode":400,"error":"Bad Request","message":"\"name\" must be one of [a. \"b\"]. \"age\" must be a number","validation":{"source":"payload","keys":["name","age"]}}`,
			message: `"name" must be one of [a. "b"]. "age" must be a number`,
			fields: []Field{
				{Field: "name", Message: `must be one of [a. "b"]`, Pointer: "/body/name"},
				{Field: "age", Message: "must be a number", Pointer: "/body/age"},
			}},
		{name: "nested key in the query, params and headers",
			body:    `{"statusCode":400,"error":"Bad Request","message":"\"filter.from\" must be a valid date","validation":{"source":"query","keys":["filter.from"]}}`,
			message: `"filter.from" must be a valid date`,
			fields:  []Field{{Field: "filter.from", Message: "must be a valid date", Pointer: "/query/filter/from"}}},
		{name: "params are the path",
			body:    `{"statusCode":400,"error":"Bad Request","message":"\"id\" must be a number","validation":{"source":"params","keys":["id"]}}`,
			message: `"id" must be a number`,
			fields:  []Field{{Field: "id", Message: "must be a number", Pointer: "/path/id"}}},
		{name: "a custom message for the one key",
			body:    `{"statusCode":400,"error":"Bad Request","message":"Please give a real email","validation":{"source":"payload","keys":["email"]}}`,
			message: "Please give a real email",
			fields:  []Field{{Field: "email", Message: "Please give a real email", Pointer: "/body/email"}}},
		{name: "a key the message does not label",
			body:    `{"statusCode":400,"error":"Bad Request","message":"\"email\" is required","validation":{"source":"headers","keys":["email","x-tenant"]}}`,
			message: `"email" is required`,
			fields: []Field{
				{Field: "email", Message: "is required", Pointer: "/header/email"},
				{Field: "x-tenant", Message: "is invalid", Pointer: "/header/x-tenant"},
			}},
		{name: "default failAction hides the details",
			body:    `{"statusCode":400,"error":"Bad Request","message":"Invalid request payload input"}`,
			message: "Invalid request payload input"},
	})
}

// TestParseFastify: Fastify's schema error message, "<part><instancePath>
// <problem>" per Ajv error joined with ", " (issue 8 item 12).
func TestParseFastify(t *testing.T) {
	const pre = `{"statusCode":400,"code":"FST_ERR_VALIDATION","error":"Bad Request","message":`
	runParseRows(t, []parseRow{
		{name: "two problems in the body",
			body:    pre + `"body/email must match format \"email\", body/age must be >= 18"}`,
			message: `body/email must match format "email", body/age must be >= 18`, typ: "fst_err_validation",
			fields: []Field{
				{Field: "email", Message: `must match format "email"`, Pointer: "/body/email"},
				{Field: "age", Message: "must be >= 18", Pointer: "/body/age"},
			}},
		{name: "Ajv's required names the missing property",
			body:    pre + `"body must have required property 'name', body/address must have required property 'city'"}`,
			message: "body must have required property 'name', body/address must have required property 'city'", typ: "fst_err_validation",
			fields: []Field{
				{Field: "name", Message: "must have required property 'name'", Pointer: "/body/name"},
				{Field: "address.city", Message: "must have required property 'city'", Pointer: "/body/address/city"},
			}},
		{name: "an item's property is named by its index",
			body:    pre + `"body/items/0/qty must be >= 1"}`,
			message: "body/items/0/qty must be >= 1", typ: "fst_err_validation",
			fields: []Field{{Field: "items[0].qty", Message: "must be >= 1", Pointer: "/body/items/0/qty"}}},
		{name: "querystring, params and headers",
			body:    pre + `"querystring/limit must be integer, params/id must match pattern \"^[0-9]+$\", headers/x-tenant must NOT have fewer than 3 characters"}`,
			message: `querystring/limit must be integer, params/id must match pattern "^[0-9]+$", headers/x-tenant must NOT have fewer than 3 characters`, typ: "fst_err_validation",
			fields: []Field{
				{Field: "limit", Message: "must be integer", Pointer: "/query/limit"},
				{Field: "id", Message: `must match pattern "^[0-9]+$"`, Pointer: "/path/id"},
				{Field: "x-tenant", Message: "must NOT have fewer than 3 characters", Pointer: "/header/x-tenant"},
			}},
		{name: "a comma inside a problem does not split it",
			body:    pre + `"body/color must be equal to one of the allowed values: red, green, body/size must be integer"}`,
			message: "body/color must be equal to one of the allowed values: red, green, body/size must be integer", typ: "fst_err_validation",
			fields: []Field{
				{Field: "color", Message: "must be equal to one of the allowed values: red, green", Pointer: "/body/color"},
				{Field: "size", Message: "must be integer", Pointer: "/body/size"},
			}},
		{name: "escaped pointer segments",
			body:    pre + `"body/a~1b/c~0d must be string"}`,
			message: "body/a~1b/c~0d must be string", typ: "fst_err_validation",
			fields: []Field{{Field: "a/b.c~d", Message: "must be string", Pointer: "/body/a~1b/c~0d"}}},
		{name: "a problem with the whole body names no field",
			body:    pre + `"body must be object"}`,
			message: "body must be object", typ: "fst_err_validation"},
		{name: "a message that only starts like one is not split without Fastify's code",
			body:    `{"message":"body must be shorter"}`,
			message: "body must be shorter"},
	})
}

// TestParseFieldPointersAndCodes: where the upstream says which part of the
// request a field is in, the field points at it ("/body/email"), segments
// JSON-Pointer-escaped; the upstream's problem code is kept.
func TestParseFieldPointersAndCodes(t *testing.T) {
	runParseRows(t, []parseRow{
		{name: "express-validator location and path",
			body: `{"errors":[{"type":"field","msg":"Invalid value","path":"email","location":"body"},{"type":"field","msg":"Invalid value","path":"items[0].qty","location":"body"},{"type":"field","msg":"Invalid value","path":"limit","location":"query"},{"type":"field","msg":"Invalid value","path":"id","location":"params"},{"type":"field","msg":"Invalid value","path":"x-tenant","location":"headers"},{"type":"field","msg":"Invalid value","path":"sid","location":"cookies"},{"type":"field","msg":"Invalid value","path":"a/b~c","location":"body"}]}`,
			fields: []Field{
				{Field: "email", Message: "Invalid value", Pointer: "/body/email"},
				{Field: "items[0].qty", Message: "Invalid value", Pointer: "/body/items/0/qty"},
				{Field: "limit", Message: "Invalid value", Pointer: "/query/limit"},
				{Field: "id", Message: "Invalid value", Pointer: "/path/id"},
				{Field: "x-tenant", Message: "Invalid value", Pointer: "/header/x-tenant"},
				{Field: "sid", Message: "Invalid value", Pointer: "/cookie/sid"},
				{Field: "a/b~c", Message: "Invalid value", Pointer: "/body/a~1b~0c"},
			}},
		{name: "express-validator v6 param",
			body:   `{"errors":[{"value":"x","msg":"Invalid value","param":"email","location":"body"}]}`,
			fields: []Field{{Field: "email", Message: "Invalid value", Pointer: "/body/email"}}},
		{name: "pydantic loc and type",
			body: `{"detail":[{"type":"missing","loc":["body","items",0,"qty"],"msg":"Field required","input":{}},{"type":"int_parsing","loc":["query","limit"],"msg":"Input should be a valid integer"},{"type":"missing","loc":["header","x-tenant"],"msg":"Field required"}]}`,
			fields: []Field{
				{Field: "items[0].qty", Message: "Field required", Pointer: "/body/items/0/qty", Code: "missing"},
				{Field: "limit", Message: "Input should be a valid integer", Pointer: "/query/limit", Code: "int_parsing"},
				{Field: "x-tenant", Message: "Field required", Pointer: "/header/x-tenant", Code: "missing"},
			}},
		{name: "pydantic loc without a request part",
			body:   `{"detail":[{"type":"missing","loc":["items",1,"qty"],"msg":"Field required"}]}`,
			fields: []Field{{Field: "items[1].qty", Message: "Field required", Code: "missing"}}},
		{name: "problem+json pointers point into the body",
			ctype:   "application/problem+json",
			body:    `{"title":"Invalid","errors":[{"detail":"must be a positive integer","pointer":"#/age"},{"detail":"must be set","pointer":"/items/0/name"}]}`,
			message: "Invalid",
			fields: []Field{
				{Field: "age", Message: "must be a positive integer", Pointer: "/body/age"},
				{Field: "items[0].name", Message: "must be set", Pointer: "/body/items/0/name"},
			}},
		{name: "JSON:API source pointer and parameter",
			ctype: "application/vnd.api+json",
			body:  `{"errors":[{"code":"too_short","source":{"pointer":"/data/attributes/firstName"},"detail":"First name must contain at least two characters."},{"source":{"parameter":"include"},"detail":"Unknown relationship."}]}`,
			fields: []Field{
				{Field: "firstName", Message: "First name must contain at least two characters.", Pointer: "/body/data/attributes/firstName", Code: "too_short"},
				{Field: "include", Message: "Unknown relationship.", Pointer: "/query/include"},
			}},
		{name: "Google fieldViolations reason is the code",
			body:    `{"error":{"code":400,"message":"Invalid value","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"name","description":"must not be empty","reason":"EMPTY_NAME"}]}]}}`,
			message: "Invalid value", typ: "invalid_argument",
			fields: []Field{{Field: "name", Message: "must not be empty", Code: "EMPTY_NAME"}}},
		{name: "invalid-params reason is the message, not a code",
			ctype: "application/problem+json",
			body:  `{"title":"Bad params","invalid-params":[{"name":"age","reason":"must be a positive integer"}]}`, message: "Bad params",
			fields: []Field{{Field: "age", Message: "must be a positive integer"}}},
		{name: "Zod path list, issue code",
			body:   `{"errors":[{"code":"too_small","path":["items",2,"qty"],"message":"Number must be greater than 0"}]}`,
			fields: []Field{{Field: "items[2].qty", Message: "Number must be greater than 0", Code: "too_small"}}},
		{name: "a name cut to MaxFieldName loses its pointer",
			body:   `{"errors":[{"path":"` + strings.Repeat("a", MaxFieldName+20) + `","location":"body","msg":"bad"}]}`,
			fields: []Field{{Field: strings.Repeat("a", MaxFieldName) + "…", Message: "bad"}}},
		{name: "an internal name is withheld with its pointer, however it would be named",
			body:   `{"errors":[{"path":"10.0.3.7","location":"body","msg":"bad"},{"path":"ok","location":"body","msg":"bad"}]}`,
			fields: []Field{{Field: "ok", Message: "bad", Pointer: "/body/ok"}}},
		{name: "a code that is not a code is left out",
			body:   `{"errors":[{"field":"email","message":"bad","code":"not a code!"}]}`,
			fields: []Field{{Field: "email", Message: "bad"}}},
	})
}

// TestParseJSONText: how the JSON text itself is read.
func TestParseJSONText(t *testing.T) {
	deep := func(n int) string {
		return strings.Repeat(`{"a":`, n) + `{"message":"deep"}` + strings.Repeat(`}`, n)
	}
	runParseRows(t, []parseRow{
		{name: "escapes are decoded", body: `{"message":"caf\u00e9 \"quoted\" \ud83d\ude00 tab\tend"}`, message: "café \"quoted\" 😀 tab end"},
		{name: "an escaped key is the same key", body: `{"mess\u0061ge":"hi"}`, message: "hi"},
		{name: "invalid UTF-8 in a string is replaced", body: "{\"message\":\"bad \xff\xfe byte\"}", message: "bad \uFFFD\uFFFD byte"},
		{name: "a lone surrogate is replaced", body: `{"message":"half \ud83d here"}`, message: "half \uFFFD here"},
		{name: "trailing data is not JSON", body: `{"message":"hi"} {"message":"again"}`},
		{name: "a raw control character in a string is not JSON", body: "{\"message\":\"a\x01b\"}"},
		{name: "a bad escape is not JSON", body: `{"message":"a\qb"}`},
		{name: "a bad number is not JSON", body: `{"message":"hi","n":01}`},
		{name: "a missing comma is not JSON", body: `{"message":"hi" "code":"x"}`},
		{name: "a trailing comma is not JSON", body: `{"message":"hi",}`},
		{name: "an unclosed array is not JSON", body: `{"message":"hi","errors":[}`},
		{name: "text/plain that is not JSON gives its first line", ctype: "text/plain", body: "{not json\nsecond", message: "{not json"},
		{name: "nesting within the limit is read", body: `{"message":"kept","extra":` + deep(1000) + `}`, message: "kept"},
		{name: "nesting beyond the limit is not read", body: `{"message":"dropped","extra":` + deep(1100) + `}`},
		{name: "deep arrays beyond the limit are not read", body: `{"message":"dropped","extra":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`},
		{name: "whitespace everywhere", body: " \r\n\t{ \"errors\" : [ { \"field\" : \"email\" , \"message\" : \"bad\" } ] , \"message\" : \"m\" } \n",
			message: "m", fields: []Field{{Field: "email", Message: "bad"}}},
		{name: "numbers, literals and empty containers are skipped",
			body:    `{"a":-1.5e+3,"b":true,"c":false,"d":null,"e":{},"f":[],"message":"m","g":[0,1e-2,{"x":[null]}]}`,
			message: "m"},
	})
}

// TestParseFieldCapStaysBounded: fields are capped at MaxFields and what
// Parse allocates does not grow with the rest of a long body: 20k keys
// cost what 6k cost (the time is in BenchmarkParseKeys).
func TestParseFieldCapStaysBounded(t *testing.T) {
	for _, body := range map[string][]byte{
		"field map": fieldMapBody(20000),
		"error list": func() []byte {
			var b strings.Builder
			b.WriteString(`{"errors":[`)
			for i := 0; i < 20000; i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`{"field":"f` + strconv.Itoa(i) + `","message":"is invalid"}`)
			}
			b.WriteString(`]}`)
			return []byte(b.String())
		}(),
	} {
		if n := len(Parse(body, "application/json").Fields); n != MaxFields {
			t.Errorf("%d fields, want %d", n, MaxFields)
		}
	}
	small, large := fieldMapBody(6000), fieldMapBody(20000)
	a6 := testing.AllocsPerRun(5, func() { Parse(small, "application/json") })
	a20 := testing.AllocsPerRun(5, func() { Parse(large, "application/json") })
	if a20 > a6 || a20 > 5*MaxFields {
		t.Errorf("allocations grow with the body: %v for 6k keys, %v for 20k", a6, a20)
	}
}

// TestParseFieldMapMessageAfterFullFields: a DRF non_field_errors message
// is still taken when the fields before it filled the list.
func TestParseFieldMapMessageAfterFullFields(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{`)
	for i := 0; i < MaxFields+5; i++ {
		b.WriteString(`"f` + strconv.Itoa(i) + `":["bad"],`)
	}
	b.WriteString(`"non_field_errors":["Passwords do not match."]}`)
	u := Parse([]byte(b.String()), "application/json")
	if len(u.Fields) != MaxFields || u.Message != "Passwords do not match." {
		t.Errorf("%d fields, message %q", len(u.Fields), u.Message)
	}
}

// TestIsCode: the byte loop gives what the rune loop plus ContainsAny gave.
func TestIsCode(t *testing.T) {
	ref := func(s string) bool {
		if s == "" || len(s) > maxTypeLen {
			return false
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
				return false
			}
		}
		return strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	}
	for _, s := range []string{"", "validation_failed", "E_1", "123", "1.2-3", "a", "über", "x y", "FST_ERR_VALIDATION", "a\x00", "\xff", strings.Repeat("a", maxTypeLen), strings.Repeat("a", maxTypeLen+1)} {
		if got, want := isCode(s), ref(s); got != want {
			t.Errorf("isCode(%q) = %v, want %v", s, got, want)
		}
	}
}
