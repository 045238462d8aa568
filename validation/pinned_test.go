package validation

import (
	"net/http"
	"path/filepath"
	"slices"
	"testing"
)

// pinnedDoc declares one parameter per behaviour that
// TestParameterValuesAtTheEdge pins.
const pinnedDoc = docHead + `paths:
  /users:
    get:
      parameters:
        - {name: X-Count, in: header, required: true, schema: {type: integer, minimum: 1}}
        - {name: role, in: query, schema: {type: string, enum: [admin, user]}}
        - {name: id, in: query, schema: {type: string, format: uuid}}
        - {name: active, in: query, schema: {type: boolean}}
      responses: {'200': {description: ok}}
`

// Values one character away from valid ones are problems, each with the
// keyword that refuses it: text in an integer header (with a minimum
// beside the type, on the quick path too), an enum value in another
// case, a uuid one hex digit too long, 1 for a boolean.
func TestParameterValuesAtTheEdge(t *testing.T) {
	s, err := Load(filepath.Join(writeFiles(t, map[string]string{"api.yaml": pinnedDoc}), "api.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	const id = "6f1c2a4e-8a47-4c8e-9d7e-2f0b7c1e3a55"
	rows := []struct {
		name, count, query string
		want               []string
	}{
		{"valid values pass", "3", "role=admin&id=" + id + "&active=true", nil},
		{"false is a boolean", "1", "active=false", nil},
		{"integer header sent as text is a type problem", "abc", "", []string{"/header/X-Count type"}},
		{"integer header below its minimum", "0", "", []string{"/header/X-Count minimum"}},
		{"enum value in another case is an enum problem", "3", "role=ADMIN", []string{"/query/role enum"}},
		{"enum value with a capital is an enum problem", "3", "role=Admin", []string{"/query/role enum"}},
		{"uuid with a 37th hex digit is a format problem", "3", "id=" + id + "0", []string{"/query/id format"}},
		{"uuid one hex digit short is a format problem", "3", "id=" + id[:35], []string{"/query/id format"}},
		{"boolean sent as 1 is a type problem", "3", "active=1", []string{"/query/active type"}},
		{"boolean sent as 0 is a type problem", "3", "active=0", []string{"/query/active type"}},
		{"boolean in another case is a type problem", "3", "active=TRUE", []string{"/query/active type"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var m Match
			s.Route("GET", "/users", &m)
			if m.Result != Found {
				t.Fatalf("route: %v", m.Result)
			}
			h := http.Header{}
			h.Set("X-Count", row.count)
			res := m.Op.Validate(&m, &Request{Method: "GET", RawQuery: row.query, Header: h}, 0)
			if got := problems(res); !slices.Equal(got, row.want) {
				t.Errorf("X-Count: %s, ?%s: problems %q, want %q", row.count, row.query, got, row.want)
			}
		})
	}
}

// The quick path takes a header only when it is valid: text, or an
// integer below the minimum, goes down the general path that reports it.
func TestQuickPathRefusesAnIntegerHeaderSentAsText(t *testing.T) {
	s, err := Load(filepath.Join(writeFiles(t, map[string]string{"api.yaml": pinnedDoc}), "api.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var m Match
	s.Route("GET", "/users", &m)
	var p *param
	for _, q := range m.Op.params {
		if q.name == "X-Count" {
			p = q
		}
	}
	if p == nil {
		t.Fatal("no X-Count parameter")
	}
	for value, want := range map[string]bool{"3": true, " 3 ": true, "abc": false, "0": false, "1.5": false, "": false} {
		h := http.Header{}
		h.Set("X-Count", value)
		if got := p.quickValid(h); got != want {
			t.Errorf("quickValid(X-Count: %q) = %v, want %v", value, got, want)
		}
	}
}
